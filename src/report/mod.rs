//! The tables of a run (`summary.csv`, `daily.csv`, ...) and `report.html`.
//!
//! The writers only format what `stats` computed; nothing here recomputes
//! an estimate. [`html`] turns a finished output directory into one
//! self-contained `report.html` for readers who will never run swapsim.

pub mod html;
pub mod svg;

pub use crate::outputs::{
    CommandManifest, Manifest, OutputError as ReportError, Staging, files, sha256_hex, write_csv,
    write_json, write_json_compact,
};

use crate::model::TrialOutcome;
use crate::stats::{DailyRow, Results, Summary};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One row of the tidy `summary.csv`.
#[derive(Debug, Serialize, PartialEq)]
pub struct TidyRow {
    /// Outcome, such as `returned_by_deadline` or `collapse`.
    pub outcome: String,
    /// Statistic, such as `mean`, `p50` or `ci95_low`.
    pub statistic: String,
    /// Its value; empty where it does not exist (a median never reached).
    pub value: Option<f64>,
}

/// The estimates of `summary.json` as (outcome, statistic, value) rows, in
/// the order of the JSON, with two-element intervals as `_low`/`_high`.
/// Dates, names and flags are in `summary.json`; the CSV holds numbers
/// (and an empty value where `summary.json` holds null).
pub fn tidy_summary(summary: &Summary) -> Vec<TidyRow> {
    let mut rows = Vec::new();
    let mut push = |outcome: &str, statistic: &str, value: Option<f64>| {
        rows.push(TidyRow {
            outcome: outcome.to_string(),
            statistic: statistic.to_string(),
            value,
        })
    };
    let o = &summary.outcomes;
    for (outcome, d) in [
        ("returned_by_deadline", &o.returned_by_deadline),
        ("returned_by_horizon", &o.returned_by_horizon),
        ("rounds", &o.rounds),
        ("suspensions", &o.suspensions),
        ("days_active", &o.days_active),
        ("days_suspended", &o.days_suspended),
        ("days_pending", &o.days_pending),
    ] {
        for (statistic, v) in [
            ("mean", d.mean),
            ("se", d.se),
            ("ci95_low", d.ci95[0]),
            ("ci95_high", d.ci95[1]),
            ("p5", d.p5),
            ("p25", d.p25),
            ("p50", d.p50),
            ("p75", d.p75),
            ("p95", d.p95),
            ("p50_ci95_low", d.p50_ci95[0]),
            ("p50_ci95_high", d.p50_ci95[1]),
            ("min", d.min),
            ("max", d.max),
        ] {
            push(outcome, statistic, finite(v));
        }
    }
    let p = &summary.probabilities;
    for (outcome, proportion) in [
        ("target_by_deadline", p.target_by_deadline.as_ref()),
        ("no_round_by_deadline", Some(&p.no_round_by_deadline)),
        (
            "suspended_within_horizon",
            Some(&p.suspended_within_horizon),
        ),
        ("collapse", Some(&p.collapse)),
    ] {
        match proportion {
            Some(x) => {
                push(outcome, "estimate", finite(x.estimate));
                push(outcome, "ci95_low", finite(x.ci95[0]));
                push(outcome, "ci95_high", finite(x.ci95[1]));
                push(outcome, "count", Some(x.count as f64));
            }
            // No pool: one empty row, as summary.json holds one null.
            None => push(outcome, "", None),
        }
    }
    for (outcome, d) in [
        ("first_suspension_day", &summary.first_suspension_day),
        ("target_day", &summary.target_day),
    ] {
        push(outcome, "median", d.median.map(f64::from));
        // An unreached median has a null date, which the CSV shows as an
        // empty value; a reached one's date is text, left to the JSON.
        if d.median_date.is_none() {
            push(outcome, "median_date", None);
        }
        push(outcome, "ci95_low", d.ci95[0].map(f64::from));
        push(outcome, "ci95_high", d.ci95[1].map(f64::from));
    }
    rows
}

/// A number as `summary.json` holds it: JSON has no NaN or infinity, so
/// those are null there and empty here.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

#[derive(Serialize)]
struct DistributionRow {
    /// Lowest people returned in the bin (inclusive).
    low: u64,
    /// Highest people returned in the bin (inclusive).
    high: u64,
    trials: u64,
    share: f64,
}

/// One row of `per_trial.csv`; empty cells for events that did not happen
/// within the horizon.
#[derive(Serialize)]
struct PerTrialRow {
    trial: u64,
    returned_by_deadline: u64,
    returned_by_horizon: u64,
    rounds: u32,
    rounds_by_deadline: u32,
    suspensions: u32,
    first_suspension_day: Option<u32>,
    target_day: Option<u32>,
    days_pending: u32,
    days_active: u32,
    days_suspended: u32,
    collapse_day: Option<u32>,
    final_phase: &'static str,
}

impl PerTrialRow {
    fn new(trial: u64, o: &TrialOutcome) -> Self {
        PerTrialRow {
            trial,
            returned_by_deadline: o.returned_by_deadline,
            returned_by_horizon: o.returned_by_horizon,
            rounds: o.rounds,
            rounds_by_deadline: o.rounds_by_deadline,
            suspensions: o.suspensions,
            first_suspension_day: o.first_suspension_day,
            target_day: o.target_day,
            days_pending: o.days_pending,
            days_active: o.days_active,
            days_suspended: o.days_suspended,
            collapse_day: o.collapse_day,
            final_phase: o.final_phase.name(),
        }
    }
}

/// Writes `summary.json`, `summary.csv`, `daily.csv` and
/// `returned_by_deadline.csv` into `dir`; returns the paths written.
pub fn write_results(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let n = results.summary.trials.max(1) as f64;
    let paths = [
        files::SUMMARY_JSON,
        files::SUMMARY_CSV,
        files::DAILY_CSV,
        files::DISTRIBUTION_CSV,
    ]
    .map(|f| dir.join(f));
    write_json(&paths[0], &results.summary)?;
    write_csv(&paths[1], tidy_summary(&results.summary))?;
    if results.daily_channels.is_empty() {
        write_csv::<&DailyRow>(&paths[2], &results.daily)?;
    } else {
        write_daily_with_channels(&paths[2], results)?;
    }
    write_csv(
        &paths[3],
        results
            .returned_by_deadline_counts
            .iter()
            .map(|&(low, high, trials)| DistributionRow {
                low,
                high,
                trials,
                share: trials as f64 / n,
            }),
    )?;
    Ok(paths.to_vec())
}

/// `daily.csv` with one more column per mediator, `open_share_NAME`: the
/// share of trials whose channel counts as open in `M_t` that day.
fn write_daily_with_channels(path: &Path, results: &Results) -> Result<(), ReportError> {
    // The fixed columns are named by the row type itself, as in every
    // daily.csv.
    let mut first = csv::Writer::from_writer(Vec::new());
    if let Some(row) = results.daily.first() {
        first.serialize(row).map_err(|e| io_error(path, e))?;
    }
    let bytes = first.into_inner().map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut header: Vec<String> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect();
    header.extend(
        results
            .daily_channels
            .iter()
            .map(|(name, _)| format!("open_share_{name}")),
    );
    let rows = results.daily.iter().enumerate().map(|(t, row)| {
        let shares: Vec<f64> = results.daily_channels.iter().map(|(_, s)| s[t]).collect();
        (row, shares)
    });
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(&header).map_err(|e| io_error(path, e))?;
    for row in rows {
        w.serialize(row).map_err(|e| io_error(path, e))?;
    }
    let bytes = w.into_inner().map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    let bytes = crate::outputs::data_csv(bytes).map_err(|e| io_error(path, e))?;
    std::fs::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn io_error(path: &Path, source: csv::Error) -> ReportError {
    ReportError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `per_trial.csv`: one row per trial, in trial order.
pub fn write_per_trial(
    outcomes: &[(u64, TrialOutcome)],
    dir: &Path,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(files::PER_TRIAL_CSV);
    write_csv(
        &path,
        outcomes
            .iter()
            .map(|(trial, o)| PerTrialRow::new(*trial, o)),
    )?;
    Ok(path)
}
