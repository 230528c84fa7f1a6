//! `swapsim sweep`: one parameter over a list or range of values, every
//! value on the same random numbers, so the curves show the parameter's
//! effect and not Monte Carlo noise.

use super::run::Bar;
use super::{CommonArgs, Error};
use clap::Args;
use std::path::PathBuf;
use swapsim::jobs::sweep::{MAX_VALUES, SweepJob, SweepOptions};
use swapsim::jobs::{self, Exec, WriteOptions};
use swapsim::plot::sensitivity as charts;
use swapsim::scenario::ScenarioSource;
use swapsim::sensitivity::analysis;
use swapsim::sensitivity::tables::Context;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim sweep --param exchange.suspension.escalation_coef --values 0.5,1,1.5,2
      The built-in default scenario at four values of one coefficient.
  swapsim sweep scenarios/turkey-only.toml --param mediation.mediators.Turkey.availability --range 0.5:0.95:10
      Ten evenly spaced values from 0.5 to 0.95.

Parameter paths are those of variants: tables and keys separated by dots, with
mediators and regimes addressed by name. Results go to
output/<scenario file name>-sweep/: sweep.csv, sweep.json and a chart per
key outcome.";

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML). Without one, the built-in default
    /// (scenarios/istanbul-2025.toml).
    pub scenario: Option<PathBuf>,
    /// Dotted path of the parameter to vary, such as
    /// exchange.suspension.base or mediation.mediators.UAE.availability.
    #[arg(long, value_name = "PATH")]
    pub param: String,
    /// Values to run, separated by commas.
    #[arg(
        long,
        value_name = "V1,V2,...",
        value_delimiter = ',',
        allow_negative_numbers = true,
        required_unless_present = "range",
        conflicts_with = "range"
    )]
    pub values: Vec<f64>,
    /// Evenly spaced values LOW:HIGH:COUNT, both ends included.
    #[arg(long, value_name = "LOW:HIGH:COUNT", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Trials at every value, overriding the file's `simulation.trials`.
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The values of `--values` or `--range`, checked.
pub fn parse_values(values: &[f64], range: Option<&str>) -> Result<Vec<f64>, String> {
    let out = match range {
        Some(text) => {
            let parts: Vec<&str> = text.split(':').collect();
            let usage = || {
                format!(
                    "--range {text:?} is not LOW:HIGH:COUNT: write it as, for example, \
                     0.5:2.0:7 (seven values from 0.5 to 2.0)"
                )
            };
            let [lo, hi, count] = parts.as_slice() else {
                return Err(usage());
            };
            let lo: f64 = lo.trim().parse().map_err(|_| usage())?;
            let hi: f64 = hi.trim().parse().map_err(|_| usage())?;
            let count: usize = count.trim().parse().map_err(|_| usage())?;
            if !lo.is_finite() || !hi.is_finite() || lo >= hi {
                return Err(format!(
                    "--range {text:?}: LOW must be a number below HIGH (both finite)"
                ));
            }
            if !(2..=MAX_VALUES).contains(&count) {
                return Err(format!(
                    "--range {text:?}: COUNT must be a whole number from 2 to {MAX_VALUES}"
                ));
            }
            (0..count)
                .map(|k| {
                    if k + 1 == count {
                        hi
                    } else {
                        lo + (hi - lo) * k as f64 / (count - 1) as f64
                    }
                })
                .collect()
        }
        None => values.to_vec(),
    };
    if out.is_empty() {
        return Err("give at least one value with --values or --range".to_string());
    }
    if out.len() > MAX_VALUES {
        return Err(format!(
            "{} values is too many for one sweep: at most {MAX_VALUES}",
            out.len()
        ));
    }
    if let Some(bad) = out.iter().find(|v| !v.is_finite()) {
        return Err(format!(
            "--values: {bad} is not allowed: values must be finite numbers"
        ));
    }
    Ok(out)
}

pub(super) fn run(args: &SweepArgs) -> Result<(), Error> {
    let values = parse_values(&args.values, args.range.as_deref()).map_err(Error::input)?;
    let source = match args.scenario.as_deref() {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let job = SweepJob::plan(
        source,
        &SweepOptions {
            param: args.param.clone(),
            values,
            trials: args.trials,
            seed: args.common.seed,
        },
    )?;
    let bar = Bar::new(args.common.quiet);
    let exec = Exec {
        threads: args.common.threads(),
        progress: &bar,
    };
    let options = WriteOptions {
        charts: !args.common.no_charts,
        report: args.common.report,
        force: args.common.force,
    };
    let done = jobs::execute(&job, args.common.out.as_deref(), &exec, &options)?;
    if !args.common.quiet {
        let scenario = job.scenario();
        print_table(scenario, &done.results.context, &done.results.sweep);
        say!(
            "  {} values x {} trials (seed {}); {:.1} s",
            job.values().len(),
            scenario.simulation().trials,
            scenario.simulation().seed,
            done.wall
        );
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

/// A plain table of the key outcomes at each value.
fn print_table(scenario: &swapsim::scenario::Scenario, ctx: &Context, r: &analysis::SweepResult) {
    say!("{}", scenario.name());
    say!("  sweep of {}", r.parameter.path);
    for &o in &ctx.outcomes {
        let cells: Vec<String> = r
            .values
            .iter()
            .zip(&r.estimates)
            .map(|(v, e)| format!("{v}: {}", charts::fmt_outcome(o, e.get(o).estimate)))
            .collect();
        say!(
            "  {}: {}",
            charts::outcome_title(o, scenario),
            cells.join(", ")
        );
    }
}
