//! `swapsim calibrate`: fit the exchange process to the record and write a
//! calibrated scenario.

use super::Error;
use super::history::{RecordArgs, parse_date};
use super::run::Bar;
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use swapsim::calibration::fit::Estimate;
use swapsim::calibration::mapping::{Calibration, Mapped};
use swapsim::calibration::variant::{self, Start, States, Variant};
use swapsim::format;
use swapsim::jobs::calibrate::{CALIBRATED_TOML, CalibrateJob, CalibrateOptions};
use swapsim::jobs::{self, Exec, Job, WriteOptions};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim calibrate
      Fit the whole shipped record to the built-in default scenario; write
      output/calibration/calibrated.toml with tables and charts.
  swapsim calibrate --from 2022-03-01 --to 2025-11-15 --sizes-from 2024-01-01
      Timing fitted on the whole record, round sizes on 2024-25 only (the
      values of the shipped scenarios).
  swapsim calibrate --base my-scenario.toml --out my-calibrated.toml
      Calibrate the baselines of your own scenario under its own escalation
      and mediation, and also write the result to a file.";

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// First day of the window for the timing of rounds [default: the
    /// record's first row].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day of both windows [default: the end of the record].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// First day of the window for round sizes [default: --from]. Rounds
    /// have grown over the war, so recent sizes may suit a scenario better.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub sizes_from: Option<NaiveDate>,
    /// Scenario whose values are calibrated [default: the built-in
    /// default, scenarios/istanbul-2025.toml].
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    /// Also write the calibrated scenario to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output directory for the calibrated scenario, tables and charts
    /// [default: output/calibration].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub record: RecordArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis. Files that swapsim did not write are kept.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(args: &CalibrateArgs) -> Result<(), Error> {
    let job = CalibrateJob::plan(
        args.record.load()?,
        &CalibrateOptions {
            from: args.from,
            to: args.to,
            sizes_from: args.sizes_from,
            base: args.base.clone(),
            copy_to: args.out.clone(),
            model: args.model.variant(),
        },
    )?;
    let bar = Bar::new(args.quiet);
    let exec = Exec {
        threads: rayon::current_num_threads(),
        progress: &bar,
    };
    let options = WriteOptions {
        charts: !args.no_charts,
        report: false,
        force: args.force,
    };
    if let Some(path) = &args.out {
        let results = args.dir.clone().unwrap_or_else(|| job.default_dir());
        swapsim::outputs::check_outside_results("--out", path, &results)?;
    }
    let done = jobs::execute(&job, args.dir.as_deref(), &exec, &options)?;
    job.write_copy(&done.results)?;
    if !args.quiet {
        say!(
            "{}",
            calibration_table(
                &done.results.calibration,
                job.base().name(),
                &job.source().display_name
            )
            .trim_end()
        );
        say!(
            "  calibrated scenario: {}{}",
            done.dir.join(CALIBRATED_TOML).display(),
            job.copy_to()
                .map_or(String::new(), |o| format!(" and {}", o.display()))
        );
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

/// How the timing of rounds is fitted: the options shared by `calibrate`,
/// `backtest` and `forecast`. Each defaults to the best-scoring model of
/// the rolling back-test (docs/calibration.md).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model of the timing of rounds: `one-state` (rounds at one daily
    /// probability, never suspended) or `two-state` (running or suspended)
    /// [default: one-state].
    #[arg(long, value_name = "STATES")]
    pub model: Option<States>,
    /// Half-life in days of the recency weights of the likelihood (each
    /// day's term weighted by 2^(-age/half-life)), or `none` to weigh every
    /// day alike [default: 90].
    #[arg(long, value_name = "DAYS|none", value_parser = parse_model_half_life)]
    pub half_life: Option<HalfLife>,
    /// `on`: the round probability depends on the observed escalation
    /// index (read at its last level); `off`: it does not [default: off].
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub intensity: Option<bool>,
    /// Where a two-state forecast starts: `filtered` (the state the record
    /// suggests on the last day) or `long-run` (the chain's long-run mix)
    /// [default: long-run, which scored better].
    #[arg(long, value_name = "START")]
    pub start: Option<Start>,
    /// `on`: round sizes fitted with the same recency weights as the
    /// timing (no effect without a half-life); `off`: every round in the
    /// sizes window alike [default: off].
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub sizes_weighted: Option<bool>,
}

/// A half-life in days, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HalfLife(pub Option<f64>);

impl ModelArgs {
    /// The model asked for, each option not given taken from the default.
    pub fn variant(&self) -> Variant {
        let d = variant::DEFAULT;
        Variant {
            states: self.model.unwrap_or(d.states),
            half_life_days: self.half_life.map_or(d.half_life_days, |h| h.0),
            intensity: self.intensity.unwrap_or(d.intensity),
            start: self.start.unwrap_or(d.start),
            sizes_weighted: self.sizes_weighted.unwrap_or(d.sizes_weighted),
        }
    }
}

fn parse_model_half_life(text: &str) -> Result<HalfLife, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("inf") {
        return Ok(HalfLife(None));
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 1.0 => Ok(HalfLife(Some(v))),
        _ => Err(format!(
            "'{text}': the half-life must be a number of days of at least 1, or none"
        )),
    }
}

fn parse_on_off(text: &str) -> Result<bool, String> {
    match text.trim() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{text}': give on or off")),
    }
}

/// The calibration as a plain-text table.
pub fn calibration_table(c: &Calibration, scenario_name: &str, base_file: &str) -> String {
    let t = &c.timing;
    let v = &c.values;
    let mut out = format!(
        "Calibration of \"{scenario_name}\" ({base_file})\n  to {}\n",
        c.record
    );
    let f = &c.model;
    out.push_str(&format!(
        "  timing of rounds: {} to {}, {} days, {} rounds; model {} (effective days {:.0}), 95% profile-likelihood intervals\n",
        c.window.from,
        c.window.to,
        t.days,
        t.rounds,
        f.variant.label(),
        f.effective_days
    ));
    let line = |what: &str, e: &Estimate, m: &Mapped| {
        format!(
            "    {what:<32} {:>10}  ({:<22})  -> {} = {} ({}; was {})\n",
            format::sig4_or_exponent(e.estimate),
            format::sig4_interval(e.ci95),
            m.path,
            format::sig4_or_exponent(m.value),
            format::sig4_interval(m.ci95),
            format::sig4_or_exponent(m.base_value)
        )
    };
    out.push_str(&line(
        "P(suspended) per active day",
        &f.suspend,
        &v.suspension_base,
    ));
    out.push_str(&line(
        "P(resumes) per suspended day",
        &f.resume,
        &v.resumption_base,
    ));
    out.push_str(&line("P(round) per active day", &f.round, &v.round_rate));
    if let (Some(b), Some(e)) = (f.intensity_coef, f.index_at_end) {
        out.push_str(&format!(
            "    round log hazard ratio per unit of escalation index {b:.3}; index on the last day {e:.2}\n"
        ));
    }
    out.push_str(&format!(
        "    two states against one (every day alike): log-likelihood {:.2} against {:.2}; likelihood ratio {:.2}, p = {:.3} ({}; approximate)\n",
        t.log_likelihood, t.one_state.log_likelihood, t.lr_test.statistic, t.lr_test.p_value, t.lr_test.reference
    ));
    if let Some(note) = &c.boundary {
        out.push_str(&format!("    boundary fit: {note}\n"));
    }
    if let Some(x) = &c.escalation {
        out.push_str(
            "  escalation index from claimed losses as a covariate (cloglog hazards; log hazard ratios per unit of index, 95% Wald intervals)\n",
        );
        for k in [1, 3, 5] {
            let coef = &x.coefficients[k];
            let e = &coef.estimate;
            let note = if coef.identified {
                ""
            } else {
                "  not identified by this window"
            };
            out.push_str(&format!(
                "    {:<48} {:>7.3}  ({:.3} to {:.3}){note}\n",
                coef.name, e.estimate, e.ci95[0], e.ci95[1]
            ));
        }
        out.push_str(&format!(
            "    escalation suspends exchanges? {}\n",
            x.conclusion
        ));
    }
    out.push_str(&format!(
        "  round sizes: {} to {}, {} rounds with a figure ({} without one left out); 1 + negative binomial\n",
        c.sizes_window.from, c.sizes_window.to, c.sizes.rounds, c.sizes_without_figure
    ));
    out.push_str(&line(
        "mean of size - 1 (people)",
        &c.sizes.mean_extra,
        &v.size_mean,
    ));
    out.push_str(&line(
        "dispersion k",
        &c.sizes.dispersion,
        &v.size_dispersion,
    ));
    out.push_str(&format!(
        "  baselines averaged over the scenario's simulated conditions: mean escalation {:.2}, mean mediation {:.2}\n",
        c.conditions.mean_escalation, c.conditions.mean_mediation
    ));
    let assumed: Vec<String> = c
        .assumed
        .iter()
        .map(|a| format!("{} = {}", a.path, format::sig4_or_exponent(a.value)))
        .collect();
    out.push_str(&format!(
        "  assumed, not identifiable from the record (kept from the scenario): {}\n",
        assumed.join(", ")
    ));
    out
}
