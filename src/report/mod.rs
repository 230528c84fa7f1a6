//! Writing results: JSON and CSV files, the run manifest, and the atomic
//! replacement of an output directory.
//!
//! A researcher reruns a scenario into the same folder many times, and a
//! run can fail or be interrupted. So results are written into a staging
//! directory beside the target, and only a finished run replaces the
//! previous results; a failed one leaves them untouched. The writers only
//! format what `stats` computed; nothing here recomputes an estimate.
//! [`html`] turns a finished output directory into one self-contained
//! `report.html` for readers who will never run swapsim.

pub mod html;
pub mod partial;

pub use partial::{Job, PARTIAL_FORMAT, PARTIAL_VERSION, Partial, SourceRecord, Statistics};

use crate::model::TrialOutcome;
use crate::scenario::{Scenario, ScenarioSource};
use crate::stats::{DailyRow, Results, Summary};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// File names of a run's outputs.
pub mod files {
    pub const SUMMARY_JSON: &str = "summary.json";
    pub const SUMMARY_CSV: &str = "summary.csv";
    pub const DAILY_CSV: &str = "daily.csv";
    pub const DISTRIBUTION_CSV: &str = "returned_by_deadline.csv";
    pub const PER_TRIAL_CSV: &str = "per_trial.csv";
    pub const MANIFEST_JSON: &str = "manifest.json";
    pub const PARTIAL_JSON: &str = "partial.json";
    pub const COMPARISON_JSON: &str = "comparison.json";
    pub const REPORT_HTML: &str = "report.html";
    /// Results of `swapsim sensitivity`, one per method.
    pub const TORNADO_JSON: &str = "tornado.json";
    pub const SOBOL_JSON: &str = "sobol.json";
    pub const MORRIS_JSON: &str = "morris.json";
    /// Results of `swapsim sweep`.
    pub const SWEEP_JSON: &str = "sweep.json";
}

/// A failure to write results, naming the path.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(
        "refusing to replace {0}: it exists and is not a swapsim output directory \
         (no manifest.json written by swapsim); choose another --out or remove it"
    )]
    NotAnOutputDir(PathBuf),
    /// `swapsim report` was pointed at a directory it cannot report on.
    #[error(
        "{dir} is not a swapsim output directory: {reason}; give the folder that \
         `swapsim run`, `merge`, `compare`, `sweep` or `sensitivity` wrote"
    )]
    NotReportable { dir: PathBuf, reason: String },
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A directory being filled with results, which replaces `target` only on
/// [`Staging::commit`]. Dropped without a commit, it removes itself.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares to write results that will replace `target`. Fails before
    /// anything is computed if `target` exists but is not a swapsim output
    /// directory, or if its parent cannot be created or written.
    pub fn new(target: &Path) -> Result<Staging, ReportError> {
        if target.exists() && !is_replaceable(target) {
            return Err(ReportError::NotAnOutputDir(target.to_path_buf()));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".to_string());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the results will be once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces the target with the staged results: the old results are
    /// moved aside, the new ones renamed into place, the old ones removed.
    /// Each rename is atomic; if the second fails, the old results are put
    /// back.
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        let aside = self.dir.with_extension("old");
        let had_old = self.target.exists();
        if had_old {
            if aside.exists() {
                fs::remove_dir_all(&aside).map_err(io_err(&aside))?;
            }
            fs::rename(&self.target, &aside).map_err(io_err(&self.target))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_old {
                // Best effort: the error reported is the one that matters.
                let _ = fs::rename(&aside, &self.target);
            }
            return Err(io_err(&self.target)(e));
        }
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&aside).map_err(io_err(&aside))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// An existing path may be replaced only if it is an empty directory or
/// holds a manifest written by swapsim.
fn is_replaceable(path: &Path) -> bool {
    if !path.is_dir() {
        return false;
    }
    let empty = fs::read_dir(path).is_ok_and(|mut d| d.next().is_none());
    empty
        || fs::read_to_string(path.join(files::MANIFEST_JSON))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| v.get("swapsim_version").is_some())
}

/// Writes `value` as pretty JSON with a final newline.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    bytes.push(b'\n');
    fs::write(path, bytes).map_err(io_err(path))
}

/// Writes `value` as compact JSON: for machine-read files such as partial
/// results, where layout only costs space.
pub fn write_json_compact<T: Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let bytes = serde_json::to_vec(value).map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    fs::write(path, bytes).map_err(io_err(path))
}

/// Writes rows as CSV: a header from the field names of a struct row, or
/// none for rows that are plain lists of values.
pub fn write_csv<T: Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<(), ReportError> {
    let csv_err = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(csv_err)?;
    for row in rows {
        w.serialize(row).map_err(csv_err)?;
    }
    w.flush().map_err(io_err(path))
}

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
pub fn tidy_summary(summary: &Summary) -> Vec<TidyRow> {
    let value = serde_json::to_value(summary).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    for section in ["outcomes", "probabilities"] {
        if let Some(Value::Object(map)) = value.get(section) {
            for (outcome, stats) in map {
                flatten(outcome, "", stats, &mut rows);
            }
        }
    }
    for outcome in ["first_suspension_day", "target_day"] {
        if let Some(v) = value.get(outcome) {
            flatten(outcome, "", v, &mut rows);
        }
    }
    rows
}

fn flatten(outcome: &str, prefix: &str, v: &Value, rows: &mut Vec<TidyRow>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}_{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                flatten(outcome, &join(k), inner, rows);
            }
        }
        Value::Array(items) if items.len() == 2 => {
            for (suffix, item) in ["low", "high"].iter().zip(items) {
                flatten(outcome, &join(suffix), item, rows);
            }
        }
        Value::Number(n) => rows.push(TidyRow {
            outcome: outcome.to_string(),
            statistic: prefix.to_string(),
            value: n.as_f64(),
        }),
        Value::Null => rows.push(TidyRow {
            outcome: outcome.to_string(),
            statistic: prefix.to_string(),
            value: None,
        }),
        // Dates, names and flags are in summary.json; the CSV holds numbers.
        _ => {}
    }
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
    write_csv::<&DailyRow>(&paths[2], &results.daily)?;
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

/// How a run was made: enough to repeat it and to tell two runs apart.
/// Unlike `summary.json`, it holds timings and dates.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub swapsim_version: &'static str,
    /// The scenario file as named on the command line.
    pub scenario_file: &'a str,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// The scenario file's text, comments included: `report.html` reads
    /// each value's source ("record" or "assumed") from them.
    pub scenario_text: &'a str,
    /// The scenario as simulated, with defaults filled in and command-line
    /// overrides (trials, seed) applied.
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub trials: u64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Wall-clock time of the simulation (seconds).
    pub wall_time_seconds: f64,
    /// When the run finished (UTC, RFC 3339).
    pub finished_at: String,
    /// The output files, relative to the output directory.
    pub outputs: Vec<String>,
    /// Names of the configurations compared, the reference first (for
    /// `compare`; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<String>,
}

/// SHA-256 of a text, as lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl<'a> Manifest<'a> {
    pub fn new(
        source: &'a ScenarioSource,
        scenario: &'a Scenario,
        threads: usize,
        wall_time_seconds: f64,
        outputs: Vec<String>,
    ) -> Self {
        Manifest {
            swapsim_version: env!("CARGO_PKG_VERSION"),
            scenario_file: &source.display_name,
            scenario_sha256: sha256_hex(&source.text),
            scenario_text: &source.text,
            scenario,
            seed: scenario.simulation().seed,
            trials: scenario.simulation().trials,
            threads,
            wall_time_seconds,
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            outputs,
            configurations: Vec::new(),
        }
    }
}

/// How the output of `history`, `calibrate` or `backtest` was made: the
/// command, the exact record (by hash) and, where one was used, the base
/// scenario. Its `swapsim_version` marks the directory as swapsim's, so a
/// later run may replace it.
#[derive(Debug, Serialize)]
pub struct CommandManifest {
    pub swapsim_version: &'static str,
    /// The command and its arguments as typed.
    pub command: Vec<String>,
    /// The record file as named, and the SHA-256 of its bytes.
    pub record: String,
    pub record_sha256: String,
    /// The base scenario file as named, and its SHA-256, if one was used.
    pub base_scenario: Option<String>,
    pub base_scenario_sha256: Option<String>,
    /// When the command finished (UTC, RFC 3339).
    pub finished_at: String,
    /// The output files, relative to the output directory.
    pub outputs: Vec<String>,
}

impl CommandManifest {
    pub fn new(record: (&str, &str), base: Option<&ScenarioSource>, outputs: Vec<String>) -> Self {
        CommandManifest {
            swapsim_version: env!("CARGO_PKG_VERSION"),
            command: std::env::args().collect(),
            record: record.0.to_string(),
            record_sha256: record.1.to_string(),
            base_scenario: base.map(|b| b.display_name.clone()),
            base_scenario_sha256: base.map(|b| sha256_hex(&b.text)),
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            outputs,
        }
    }
}
