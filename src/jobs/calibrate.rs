//! `calibrate`: fit the exchange process to the record and write a
//! calibrated scenario.
//!
//! The job behind `swapsim calibrate`. Its units are the trials of the
//! base scenario's simulated escalation and mediation
//! ([`Conditions`]), the one costly step, over which the fitted daily
//! probabilities are turned into baselines; once those trials are merged,
//! it fits the record, maps the fit onto the base scenario, and writes the
//! calibrated scenario (`calibrated.toml`), the estimates
//! (`calibration.json`, `calibration.csv`), the diagnostics (`states.csv`,
//! `gaps.csv`, `sizes_qq.csv`) and their charts.

use super::history::window;
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::calibration::conditions::{CONDITION_TRIALS, ConditionTrials};
use crate::calibration::covariate;
use crate::calibration::diagnostics::{
    GapRow, QqRow, StateRow, gap_rows, qq_rows, round_gaps, state_rows,
};
use crate::calibration::mapping::{self, Calibration};
use crate::calibration::rewrite::calibrated_text;
use crate::calibration::variant::Variant;
use crate::calibration::window::{window_rounds, window_sizes};
use crate::error::{Error, Result};
use crate::history::intensity::{self, IndexDay};
use crate::history::losses::ClaimedLosses;
use crate::history::record::{Record, SHIPPED_RECORD_NAME};
use crate::history::rounds::Window;
use crate::outputs::CommandManifest;
use crate::outputs::manifest::ManifestFile;
use crate::report::TidyRow;
use crate::scenario::{Scenario, ScenarioSource};
use chrono::NaiveDate;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Last days of the gap chart beyond the longest gap.
const GAP_CHART_MARGIN: u32 = 20;
/// The file name of the calibrated scenario in the output directory.
pub const CALIBRATED_TOML: &str = "calibrated.toml";

/// What the command line can change in `calibrate`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalibrateOptions {
    /// First day of the timing window [default: the record's first row].
    pub from: Option<NaiveDate>,
    /// Last day of both windows [default: the end of the record].
    pub to: Option<NaiveDate>,
    /// First day of the size window [default: `from`].
    pub sizes_from: Option<NaiveDate>,
    /// The base scenario file [default: the built-in default].
    pub base: Option<PathBuf>,
    /// A file to which the calibrated scenario is also written.
    pub copy_to: Option<PathBuf>,
    /// How the timing of rounds is fitted.
    pub model: Variant,
}

/// A calibration of one base scenario on one window of the record.
#[derive(Debug, Clone)]
pub struct CalibrateJob {
    record: Record,
    window: Window,
    sizes_window: Window,
    source: ScenarioSource,
    base: Scenario,
    copy_to: Option<PathBuf>,
    /// The escalation index from the shipped claimed losses.
    index: Vec<IndexDay>,
    model: Variant,
}

/// What a calibration found and writes.
#[derive(Debug, Clone)]
pub struct CalibrateResults {
    pub calibration: Calibration,
    /// The calibrated scenario's text.
    pub text: String,
    pub states: Vec<StateRow>,
    pub gaps: Vec<GapRow>,
    pub qq: Vec<QqRow>,
}

/// The scenario read from `path`, or the built-in default.
pub(crate) fn base_scenario(path: Option<&Path>) -> Result<(ScenarioSource, Scenario)> {
    let source = match path {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let scenario = source.parse()?;
    Ok((source, scenario))
}

/// The window for round sizes: from `sizes_from` (or the timing window's
/// start) to the timing window's end.
pub fn sizes_window(timing: Window, sizes_from: Option<NaiveDate>) -> Result<Window> {
    let from = sizes_from.unwrap_or(timing.from);
    Window::new(from, timing.to).ok_or_else(|| {
        Error::input(format!(
            "--sizes-from {from} is after the end of the window ({})",
            timing.to
        ))
    })
}

impl CalibrateJob {
    /// Plans a calibration of the base scenario on `record`.
    pub fn plan(record: Record, options: &CalibrateOptions) -> Result<CalibrateJob> {
        let window = window(&record, options.from, options.to, ("--from", "--to"))?;
        let sizes_window = sizes_window(window, options.sizes_from)?;
        let (source, base) = base_scenario(options.base.as_deref())?;
        if let (Some(out), Some(base_path)) = (&options.copy_to, &options.base)
            && crate::outputs::same_file(out, base_path)
        {
            return Err(Error::input(format!(
                "--out {} is the base scenario itself; write the calibrated scenario to another file",
                out.display()
            )));
        }
        // Refused before anything is fitted rather than after the results
        // folder has been written.
        if let Some(out) = &options.copy_to {
            let record_path = Path::new(&record.source_name);
            let inputs: &[(&str, &Path)] = if record.source_name == SHIPPED_RECORD_NAME {
                &[]
            } else {
                &[("the record of exchanges (--record)", record_path)]
            };
            crate::outputs::check_extra_file("--out", out, inputs)?;
        }
        Ok(CalibrateJob {
            record,
            window,
            sizes_window,
            source,
            base,
            copy_to: options.copy_to.clone(),
            index: intensity::escalation_index(&ClaimedLosses::shipped()?),
            model: options.model,
        })
    }

    pub fn base(&self) -> &Scenario {
        &self.base
    }

    pub fn source(&self) -> &ScenarioSource {
        &self.source
    }

    /// Where the calibrated scenario is also written, if anywhere.
    pub fn copy_to(&self) -> Option<&Path> {
        self.copy_to.as_deref()
    }

    /// Writes the calibrated scenario to the extra file asked for, through
    /// a temporary file beside it, so that an interrupted write never
    /// leaves half a scenario, and never over anything but a regular file.
    /// Called once the output directory is in place.
    pub fn write_copy(&self, results: &CalibrateResults) -> Result<()> {
        let Some(path) = &self.copy_to else {
            return Ok(());
        };
        crate::outputs::write_file_atomically(path, results.text.as_bytes())?;
        Ok(())
    }
}

impl Job for CalibrateJob {
    type Stats = ConditionTrials;
    type Results = CalibrateResults;

    fn command(&self) -> &'static str {
        "calibrate"
    }

    fn units(&self) -> u64 {
        CONDITION_TRIALS
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join("calibration")
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<ConditionTrials> {
        let tick = |done: u64| exec.progress.advance(done);
        Ok(ConditionTrials::simulate(
            &self.base,
            range,
            Some(exec.threads),
            &tick,
        )?)
    }

    fn merge(into: &mut ConditionTrials, from: ConditionTrials) {
        use crate::engine::TrialSink;
        into.merge(from);
    }

    fn finish(&self, stats: ConditionTrials) -> Result<CalibrateResults> {
        if stats.trials() != self.units() {
            return Err(Error::input(format!(
                "the simulated conditions hold {} trials, not the {} of a calibration",
                stats.trials(),
                self.units()
            )));
        }
        let conditions = stats.into_conditions();
        let mut cal = mapping::calibrate_with(
            &self.record,
            self.window,
            self.sizes_window,
            &self.base,
            &conditions,
            &self.model,
            Some(&self.index),
        )?;
        let (_, days) = window_rounds(&self.record, self.window);
        if let Some(e) = index_over(&self.index, self.window) {
            cal.escalation = Some(covariate::fit(&days, &e, &cal.timing.params()));
        }
        let text = calibrated_text(&self.source.text, &cal)?;
        // The file must be a valid scenario; if not, the fault is swapsim's.
        Scenario::from_toml_str(&text, "the calibrated scenario").map_err(|e| {
            Error::other(anyhow::anyhow!(
                "the calibrated scenario does not validate: {e}"
            ))
        })?;
        let params = cal.timing.params();
        let states = state_rows(&params, &days, self.window);
        let longest = round_gaps(&days).iter().map(|g| g.0).max().unwrap_or(0);
        let gaps = gap_rows(
            &days,
            &params,
            cal.timing.one_state.round.estimate,
            longest + GAP_CHART_MARGIN,
        );
        let (sizes, _, _) = window_sizes(&self.record, self.sizes_window);
        let qq = qq_rows(
            &sizes,
            cal.sizes.mean_extra.estimate,
            cal.sizes.dispersion.estimate,
        );
        Ok(CalibrateResults {
            calibration: cal,
            text,
            states,
            gaps,
            qq,
        })
    }

    fn write(&self, r: &CalibrateResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        out.json("calibration.json", &r.calibration)?;
        out.csv("calibration.csv", tidy(&r.calibration))?;
        out.csv("states.csv", &r.states)?;
        out.csv("gaps.csv", &r.gaps)?;
        out.csv("sizes_qq.csv", &r.qq)?;
        out.text(CALIBRATED_TOML, &r.text)?;
        if options.charts {
            let charts = crate::plot::history::CalibrationCharts {
                calibration: &r.calibration,
                states: &r.states,
                gaps: &r.gaps,
                qq: &r.qq,
            };
            out.add(
                crate::plot::history::draw_calibration_charts(&charts, out.dir())
                    .map_err(Error::other)?,
            );
        }
        Ok(())
    }

    fn manifest(&self, _run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        ManifestFile::Record(CommandManifest::new(
            (&self.record.source_name, &self.record.sha256),
            Some(&self.source),
            outputs,
        ))
    }
}

pub use crate::calibration::window::index_over;

/// The calibration as (quantity, statistic, value) rows.
fn tidy(c: &Calibration) -> Vec<TidyRow> {
    let mut rows = Vec::new();
    let mut push = |q: &str, stat: &str, v: Option<f64>| {
        rows.push(TidyRow {
            outcome: q.to_string(),
            statistic: stat.to_string(),
            value: v,
        })
    };
    for (q, e) in [
        ("p_suspend_per_active_day", &c.timing.suspend),
        ("p_resume_per_suspended_day", &c.timing.resume),
        ("p_round_per_active_day", &c.timing.round),
        ("p_round_per_eligible_day", &c.round_per_eligible_day),
        ("p_round_one_state", &c.timing.one_state.round),
        ("model_p_suspend_per_active_day", &c.model.suspend),
        ("model_p_resume_per_suspended_day", &c.model.resume),
        ("model_p_round_per_active_day", &c.model.round),
        ("size_minus_one_mean", &c.sizes.mean_extra),
        ("size_dispersion_k", &c.sizes.dispersion),
    ] {
        push(q, "estimate", Some(e.estimate));
        push(q, "se", e.se);
        push(q, "ci95_low", Some(e.ci95[0]));
        push(q, "ci95_high", Some(e.ci95[1]));
    }
    push(
        "log_likelihood_two_state",
        "value",
        Some(c.timing.log_likelihood),
    );
    push(
        "log_likelihood_one_state",
        "value",
        Some(c.timing.one_state.log_likelihood),
    );
    push(
        "likelihood_ratio",
        "statistic",
        Some(c.timing.lr_test.statistic),
    );
    push(
        "likelihood_ratio",
        "p_value_chi2_2df",
        Some(c.timing.lr_test.p_value),
    );
    push(
        "mean_escalation",
        "value",
        Some(c.conditions.mean_escalation),
    );
    push("mean_mediation", "value", Some(c.conditions.mean_mediation));
    if let Some(x) = &c.escalation {
        for (q, k) in [
            ("escalation_suspension_log_base", 0),
            ("escalation_suspension_log_hazard_ratio", 1),
            ("escalation_resumption_log_base", 2),
            ("escalation_resumption_log_hazard_ratio", 3),
            ("escalation_round_log_base", 4),
            ("escalation_round_log_hazard_ratio", 5),
        ] {
            let e = &x.coefficients[k].estimate;
            push(q, "estimate", Some(e.estimate));
            push(q, "se", e.se);
            push(q, "ci95_low", Some(e.ci95[0]).filter(|v| v.is_finite()));
            push(q, "ci95_high", Some(e.ci95[1]).filter(|v| v.is_finite()));
        }
        push(
            "escalation_suspends_lr_test",
            "statistic",
            Some(x.suspension_test.statistic),
        );
        push(
            "escalation_suspends_lr_test",
            "p_value_chi2_1df",
            Some(x.suspension_test.p_value),
        );
    }
    for m in c.values.all() {
        push(m.path, "value", Some(m.value));
        push(m.path, "ci95_low", Some(m.ci95[0]));
        push(
            m.path,
            "ci95_high",
            Some(m.ci95[1]).filter(|v| v.is_finite()),
        );
        push(m.path, "base_value", Some(m.base_value));
    }
    rows
}
