//! `swapsim sweep`: one parameter over a list or range of values, every
//! value on the same random numbers, so the curves show the parameter's
//! effect and not Monte Carlo noise.

use super::sensitivity::{design_bar, finish, write_csv, write_json};
use super::{CommonArgs, Error, Written, load};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;
use swapsim::plot::sensitivity as charts;
use swapsim::report::Staging;
use swapsim::scenario::uncertainty;
use swapsim::sensitivity::analysis::{self, AnalysisError};
use swapsim::sensitivity::evaluate::Evaluator;
use swapsim::sensitivity::outcomes::design_outcomes;
use swapsim::sensitivity::tables::{self, Context};

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

/// Most values one sweep takes.
pub const MAX_VALUES: usize = 1000;

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

fn input(message: String) -> Error {
    Error::input(message)
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
    let values = parse_values(&args.values, args.range.as_deref()).map_err(input)?;
    let (source, mut scenario) = load(args.scenario.as_deref())?;
    if let Some(n) = args.trials {
        scenario = scenario.with_trials(n).map_err(input)?;
    }
    if let Some(seed) = args.common.seed {
        scenario = scenario.with_seed(seed);
    }
    let tree = uncertainty::configuration_tree(&source.text).map_err(input)?;
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let parameter = uncertainty::resolve(&tree, &args.param, [lo, hi])
        .map_err(|m| input(format!("--param {}: {m}", args.param)))?;
    let target = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(format!("{}-sweep", source.stem)));
    let staging = Staging::new(&target).map_err(Error::other)?;
    let threads = args.common.threads();
    let parameters = [parameter];
    let trials = scenario.simulation().trials;
    let eval = Evaluator {
        tree: &tree,
        parameters: &parameters,
        trials,
        seed: scenario.simulation().seed,
    };
    let ctx = Context {
        scenario: scenario.name().to_string(),
        trials_per_point: trials,
        seed: scenario.simulation().seed,
        outcomes: design_outcomes(&scenario),
    };
    let bar = design_bar(args.common.quiet);
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = Instant::now();
    let result = analysis::sweep(&eval, &values, threads, &progress).map_err(|e| {
        if e.is_input() {
            // Name the value rather than the design point.
            match &e {
                AnalysisError::Evaluate(
                    swapsim::sensitivity::evaluate::EvaluateError::Invalid {
                        values, problems, ..
                    },
                ) => input(format!(
                    "--param {values} is not a valid scenario: {problems}"
                )),
                _ => input(e.to_string()),
            }
        } else {
            Error::other(e)
        }
    })?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let dir = staging.path().to_path_buf();
    let mut written = vec![
        write_csv(&dir, "sweep.csv", tables::sweep_rows(&ctx, &result))?,
        write_json(&dir, "sweep.json", &tables::sweep_json(&ctx, &result))?,
    ];
    if !args.common.no_charts {
        written.extend(charts::sweep_charts(&dir, &scenario, &ctx, &result).map_err(Error::other)?);
    }
    let details = serde_json::json!({
        "method": "sweep",
        "parameter": result.parameter,
        "values": values,
        "trials_per_point": trials,
    });
    let how = Written {
        threads,
        wall,
        charts: !args.common.no_charts,
        report: args.common.report,
        quiet: args.common.quiet,
    };
    let out = finish(staging, &source, &scenario, written, details, &how)?;
    if !args.common.quiet {
        print_table(&scenario, &ctx, &result);
        println!(
            "  {} values x {} trials (seed {}); {:.1} s",
            values.len(),
            trials,
            scenario.simulation().seed,
            wall
        );
        println!("  results: {}", out.display());
    }
    Ok(())
}

/// A plain table of the key outcomes at each value.
fn print_table(scenario: &swapsim::scenario::Scenario, ctx: &Context, r: &analysis::SweepResult) {
    println!("{}", scenario.name());
    println!("  sweep of {}", r.parameter.path);
    for &o in &ctx.outcomes {
        let cells: Vec<String> = r
            .values
            .iter()
            .zip(&r.estimates)
            .map(|(v, e)| format!("{v}: {}", charts::fmt_outcome(o, e.get(o).estimate)))
            .collect();
        println!(
            "  {}: {}",
            charts::outcome_title(o, scenario),
            cells.join(", ")
        );
    }
}
