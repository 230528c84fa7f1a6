//! `forecast`: the scenario a researcher would want on a given date, and
//! its run.
//!
//! A forecast as of a date is a calibration on the record up to that date
//! (exactly what `swapsim calibrate --to DATE` writes, with the same base
//! scenario and model) followed by a documented conditioning on what the
//! record shows by then:
//!
//! - the simulation starts the day after the date;
//! - the exchange process starts Active (past its preparation): a
//!   one-state model is never suspended; a two-state model starts in the
//!   state it more probably is in (the filtered probability, or the
//!   long-run share, as the model says), since a scenario holds one
//!   starting phase. The days since the last round matter to swapsim's
//!   model only through `min_days_between_rounds`, and are reported;
//! - the observed escalation index of the last [`PATH_DAYS`] days up to
//!   the date is the given path (`[escalation] path`), so the stochastic
//!   escalation continues from its last level;
//! - `--pool`, `--deadline` and `--horizon` set the question.
//!
//! Every other value is the base scenario's, with its comment saying it is
//! assumed. The conditioning is a pure function of the calibrated text
//! ([`condition`]), so a test can check that the forecast is exactly the
//! calibration plus the conditioning.

use super::calibrate::{base_scenario, sizes_window};
use super::history::window;
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::calibration::conditions::Conditions;
use crate::calibration::mapping::{self, Calibration};
use crate::calibration::rewrite::{FORECAST_END, FORECAST_START, calibrated_text, wrap_comment};
use crate::calibration::variant::{States, Variant};
use crate::calibration::window::window_rounds;
use crate::error::{Error, Result};
use crate::history::intensity::{self, IndexDay};
use crate::history::losses::ClaimedLosses;
use crate::history::record::Record;
use crate::outputs::Identity;
use crate::outputs::manifest::ManifestFile;
use crate::scenario::{Scenario, ScenarioSource};
use chrono::NaiveDate;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Days of the observed escalation index written as the given path: four
/// weeks, enough to show the recent course of the fighting; only the last
/// day's level shapes the simulation (the path ends the day before the
/// start, where the stochastic escalation takes over).
pub const PATH_DAYS: u64 = 28;
/// The file name of the forecast scenario in the output directory.
pub const FORECAST_TOML: &str = "forecast.toml";

/// What the command line can change in `forecast`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastOptions {
    /// The date of the forecast [default: the end of the record].
    pub as_of: Option<NaiveDate>,
    /// First day of the timing window [default: the record's first row].
    pub from: Option<NaiveDate>,
    /// First day of the size window [default: `from`].
    pub sizes_from: Option<NaiveDate>,
    /// The base scenario file [default: the built-in default].
    pub base: Option<PathBuf>,
    /// How the timing of rounds is fitted.
    pub model: Variant,
    /// People to be returned (the question's pool) [default: the base's].
    pub pool: Option<u64>,
    /// Deadline of the question [default: the base's].
    pub deadline: Option<NaiveDate>,
    /// Days simulated [default: the base's].
    pub horizon_days: Option<u32>,
    /// The base's mediators to keep, by name [default: all of them].
    pub mediators: Option<Vec<String>>,
}

/// What the record shows by the date of a forecast, and the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditioning {
    pub as_of: NaiveDate,
    /// First day of the last round up to the date.
    pub last_round: Option<NaiveDate>,
    /// Probability that the process is suspended, from the model.
    pub p_suspended: f64,
    pub states: States,
    /// The observed index on the days of the path, ending on `as_of`.
    pub path: Vec<IndexDay>,
    pub pool: Option<u64>,
    pub deadline: Option<NaiveDate>,
    pub horizon_days: Option<u32>,
    /// The base's mediators kept, by name (`None`: all of them).
    pub mediators: Option<Vec<String>>,
}

/// A forecast scenario and what it rests on.
#[derive(Debug, Clone)]
pub struct ForecastScenario {
    pub as_of: NaiveDate,
    pub calibration: Calibration,
    pub conditioning: Conditioning,
    /// The forecast scenario's text.
    pub text: String,
    /// The base scenario as read.
    pub base: ScenarioSource,
}

/// Calibrates `options.base` on `record` up to the date and conditions it.
pub fn forecast_scenario(record: &Record, options: &ForecastOptions) -> Result<ForecastScenario> {
    let as_of = options.as_of.unwrap_or(record.end());
    let timing = window(record, options.from, Some(as_of), ("--from", "--as-of"))?;
    let sizes = sizes_window(timing, options.sizes_from)?;
    let (source, base) = base_scenario(options.base.as_deref())?;
    let index = intensity::escalation_index(&ClaimedLosses::shipped()?);
    let conditions = Conditions::simulate(&base)?;
    let cal = mapping::calibrate_with(
        record,
        timing,
        sizes,
        &base,
        &conditions,
        &options.model,
        Some(&index),
    )?;
    let calibrated = calibrated_text(&source.text, &cal)?;
    let (rounds, _) = window_rounds(record, timing);
    let first_path_day = as_of - chrono::Days::new(PATH_DAYS - 1);
    let path: Vec<IndexDay> = index
        .iter()
        .filter(|d| (first_path_day..=as_of).contains(&d.date))
        .copied()
        .collect();
    if path.last().map(|d| d.date) != Some(as_of) {
        return Err(Error::input(format!(
            "--as-of {as_of}: the escalation index (from the shipped claimed losses) does not \
             reach that date, so the forecast cannot start from the observed fighting; give a \
             date up to {}",
            index.last().map_or("-".to_string(), |d| d.date.to_string())
        )));
    }
    let conditioning = Conditioning {
        as_of,
        last_round: rounds.last().map(|r| r.first),
        p_suspended: cal.model.p_suspended_start,
        states: options.model.states,
        path,
        pool: options.pool,
        deadline: options.deadline,
        horizon_days: options.horizon_days,
        mediators: options.mediators.clone(),
    };
    let text = condition(&calibrated, &conditioning)?;
    // The text is the base scenario with the question's flags applied, and
    // no file of that name exists yet: say so, with the flags to look at.
    Scenario::from_toml_str(&text, FORECAST_TOML).map_err(|e| {
        Error::from(e).context(
            "the forecast's scenario (the base scenario with --pool, --deadline, --horizon \
             and --mediators applied) is not valid",
        )
    })?;
    Ok(ForecastScenario {
        as_of,
        calibration: cal,
        conditioning,
        text,
        base: source,
    })
}

/// Sets `path` (dotted, tables only) to `value` with `comment` after it.
fn set(
    doc: &mut toml_edit::DocumentMut,
    path: &str,
    value: toml_edit::Value,
    comment: &str,
) -> Result<()> {
    let steps: Vec<&str> = path.split('.').collect();
    let (last, parents) = steps
        .split_last()
        .ok_or_else(|| Error::input(format!("no {path}")))?;
    let mut table = doc.as_table_mut();
    for s in parents {
        table = table
            .entry(s)
            .or_insert(toml_edit::table())
            .as_table_mut()
            .ok_or_else(|| {
                Error::input(format!(
                    "the base scenario's {s} is not a table, so {path} cannot be set"
                ))
            })?;
    }
    let mut v = value;
    v.decor_mut().set_suffix(format!("  # {comment}"));
    table.insert(last, toml_edit::Item::Value(v));
    Ok(())
}

/// Keeps only the mediators named in `keep` in `[mediation]`, and drops
/// the `[uncertainties]` entries of the others (which would name a
/// mediator no longer there). A name the base scenario does not hold is
/// refused, naming the ones it does.
fn keep_mediators(doc: &mut toml_edit::DocumentMut, keep: &[String]) -> Result<()> {
    let name_of = |t: &toml_edit::Table| t.get("name").and_then(|n| n.as_str()).map(str::to_string);
    let list = doc
        .get_mut("mediation")
        .and_then(|m| m.get_mut("mediators"))
        .and_then(|m| m.as_array_of_tables_mut());
    let names: Vec<String> = list
        .as_ref()
        .map(|l| l.iter().filter_map(name_of).collect())
        .unwrap_or_default();
    for k in keep {
        if !names.contains(k) {
            return Err(Error::input(format!(
                "--mediators: the base scenario has no mediator {k:?}; it names {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        }
    }
    if let Some(list) = list {
        list.retain(|t| name_of(t).is_some_and(|n| keep.contains(&n)));
    }
    let dropped: Vec<String> = names.into_iter().filter(|n| !keep.contains(n)).collect();
    if let Some(u) = doc
        .get_mut("uncertainties")
        .and_then(|u| u.as_table_like_mut())
    {
        let gone: Vec<String> = u
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| {
                dropped
                    .iter()
                    .any(|d| k.starts_with(&format!("mediation.mediators.{d}.")))
            })
            .collect();
        for k in gone {
            u.remove(&k);
        }
    }
    Ok(())
}

/// The calibrated text conditioned on what the record shows by the date
/// (see the module documentation), with a block on top saying how.
pub fn condition(calibrated: &str, c: &Conditioning) -> Result<String> {
    let mut doc: toml_edit::DocumentMut =
        calibrated.parse().map_err(|e: toml_edit::TomlError| {
            Error::input(format!("cannot edit the scenario: {e}"))
        })?;
    let start = c.as_of + chrono::Days::new(1);
    let as_of = c.as_of;
    set(
        &mut doc,
        "simulation.start_date",
        start.to_string().into(),
        &format!("the day after the forecast's date, {as_of}"),
    )?;
    if let Some(h) = c.horizon_days {
        set(
            &mut doc,
            "simulation.horizon_days",
            i64::from(h).into(),
            "the question: --horizon",
        )?;
    }
    if let Some(p) = c.pool {
        set(
            &mut doc,
            "target.pool",
            i64::try_from(p).unwrap_or(i64::MAX).into(),
            "the question: --pool",
        )?;
    }
    if let Some(d) = c.deadline {
        set(
            &mut doc,
            "target.deadline",
            d.to_string().into(),
            "the question: --deadline",
        )?;
    }
    if let Some(keep) = &c.mediators {
        keep_mediators(&mut doc, keep)?;
    }
    let since = c
        .last_round
        .map_or("no round in the window".to_string(), |d| {
            format!("last round {d}, {} days before", (as_of - d).num_days())
        });
    let (phase, why) = match c.states {
        States::OneState => (
            "active",
            format!("fitted: a one-state process is never suspended; {since}"),
        ),
        States::TwoState if c.p_suspended >= 0.5 => (
            "suspended",
            format!(
                "fitted: P(suspended) = {:.2} on {as_of} given the record; {since}",
                c.p_suspended
            ),
        ),
        States::TwoState => (
            "active",
            format!(
                "fitted: P(suspended) = {:.2} on {as_of} given the record; {since}",
                c.p_suspended
            ),
        ),
    };
    set(&mut doc, "exchange.initial_phase", phase.into(), &why)?;
    let mut rows = toml_edit::Array::new();
    for d in &c.path {
        let mut t = toml_edit::InlineTable::new();
        t.insert("date", d.date.to_string().into());
        let level: f64 = crate::format::sig_trimmed(d.level, 4)
            .parse()
            .unwrap_or(d.level);
        t.insert("level", level.into());
        rows.push(t);
    }
    let from = c.path.first().map_or(as_of, |d| d.date);
    set(
        &mut doc,
        "escalation.path",
        toml_edit::Value::Array(rows),
        &format!(
            "observed: escalation index from claimed losses, {from} to {as_of}; stochastic \
             escalation continues from its last level"
        ),
    )?;
    let mut lines = vec![FORECAST_START.to_string()];
    lines.extend(wrap_comment(&format!(
        "Forecast as of {as_of}: the calibration below, on the record up to {as_of}, then \
         conditioned on what the record shows by that date. The simulation starts on {start}. \
         Starting phase: {phase} ({since}). The given escalation path is the observed index \
         of the last {} days up to {as_of}; after it, escalation is simulated, continuing \
         from its last level. Values marked \"fitted\" come from the record (window in the \
         calibration block), \"observed\" from the claimed losses, \"the question\" from the \
         command line; every other value is assumed, as its comment says.",
        c.path.len()
    )));
    lines.push(FORECAST_END.to_string());
    Ok(format!("{}\n{}", lines.join("\n"), doc))
}

/// A run (or an ensemble) of a forecast scenario: the inner job's units,
/// statistics and files, plus the forecast scenario and its calibration,
/// in `output/forecast-DATE/` by default.
pub struct ForecastJob<J> {
    pub inner: J,
    pub forecast: ForecastScenario,
}

impl<J: Job> Job for ForecastJob<J> {
    type Stats = J::Stats;
    type Results = J::Results;

    fn command(&self) -> &'static str {
        self.inner.command()
    }

    fn units(&self) -> u64 {
        self.inner.units()
    }

    fn unit_name(&self) -> &'static str {
        self.inner.unit_name()
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join(format!("forecast-{}", self.forecast.as_of))
    }

    fn identity(&self) -> Identity {
        self.inner.identity()
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<J::Stats> {
        self.inner.simulate(range, exec)
    }

    fn merge(into: &mut J::Stats, from: J::Stats) {
        J::merge(into, from)
    }

    fn finish(&self, stats: J::Stats) -> Result<J::Results> {
        self.inner.finish(stats)
    }

    fn write(&self, r: &J::Results, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        out.text(FORECAST_TOML, &self.forecast.text)?;
        out.json("calibration.json", &self.forecast.calibration)?;
        self.inner.write(r, out, options)
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        self.inner.manifest(run, outputs)
    }
}
