//! `swapsim sensitivity`: which uncertain assumptions drive the answer.

use super::run::Bar;
use super::{CommonArgs, Error};
use clap::Args;
use std::path::PathBuf;
use swapsim::jobs::sensitivity::{
    Analysed, Method, SensitivityJob, SensitivityOptions, SensitivityResults,
};
use swapsim::jobs::shard;
use swapsim::jobs::{self, Exec, Job, WriteOptions};
use swapsim::plot::sensitivity as charts;
use swapsim::scenario::ScenarioSource;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim sensitivity --method tornado
      One-at-a-time swings of every uncertainty of the built-in default
      scenario; tornado charts in output/istanbul-2025-sensitivity/tornado/.
  swapsim sensitivity scenarios/long-run.toml --method sobol --samples 512
      First- and total-order Sobol indices from 512 x (d + 2) design points.
  swapsim sensitivity my-scenario.toml --method morris --trajectories 40
      A cheap screen by elementary effects.
  swapsim sensitivity --method sobol --samples 4096 --shard 3/16
      One sixteenth of the design points, for `swapsim merge` (see
      docs/cluster.md).

The uncertainties are the scenario's [uncertainties] table; docs/sensitivity.md
explains the methods, their cost and how to read the charts.";

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML) with an [uncertainties] table. Without one, the
    /// built-in default (scenarios/istanbul-2025.toml).
    pub scenario: Option<PathBuf>,
    /// Analysis to run.
    #[arg(long, value_enum)]
    pub method: Method,
    /// Base samples N of a Sobol design: a power of two [default: 1024].
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Trials at every design point, all with the same seed [default: the
    /// scenario's trials for tornado, 2000 for sobol and morris].
    #[arg(long, value_name = "N")]
    pub inner_trials: Option<u64>,
    /// Morris trajectories r [default: 20].
    #[arg(long, value_name = "R")]
    pub trajectories: Option<usize>,
    /// Morris grid levels, an even number [default: 4].
    #[arg(long, value_name = "P")]
    pub levels: Option<usize>,
    /// Run only shard K of N (1-based) of the design points and write a
    /// partial result for `swapsim merge`, in
    /// output/<file name>-sensitivity/<method>-shard-K-of-N/.
    #[arg(long, value_name = "K/N", value_parser = super::parse_shard)]
    pub shard: Option<(u64, u64)>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub(super) fn run(args: &SensitivityArgs) -> Result<(), Error> {
    if args.common.report && args.shard.is_some() {
        return Err(Error::input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge \
             --report`",
        ));
    }
    let source = match args.scenario.as_deref() {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let job = SensitivityJob::plan(
        source,
        &SensitivityOptions {
            method: args.method,
            samples: args.samples,
            trajectories: args.trajectories,
            levels: args.levels,
            inner_trials: args.inner_trials,
            seed: args.common.seed,
        },
    )?;
    let bar = Bar::new(args.common.quiet);
    let exec = Exec {
        threads: args.common.threads(),
        progress: &bar,
    };
    let out = args.common.out.as_deref();
    if let Some(k_of_n) = args.shard {
        let done = shard::run_shard(&job, k_of_n, out, &exec)?;
        if !args.common.quiet {
            super::merge::say_shard(&done.partial, &done.dir);
        }
        return Ok(());
    }
    let options = WriteOptions {
        charts: !args.common.no_charts,
        report: args.common.report,
        force: args.common.force,
    };
    let done = jobs::execute(&job, out, &exec, &options)?;
    if !args.common.quiet {
        let scenario = job.scenario();
        let design_points = job.units();
        say!("{}", scenario.name());
        say!(
            "  {} sensitivity: {} uncertainties, {} design points x {} trials (seed {}); {:.1} s",
            job.method().name(),
            job.uncertainties().len(),
            design_points,
            scenario.simulation().trials,
            scenario.simulation().seed,
            done.wall
        );
        for line in summary(&job, &done.results) {
            say!("  {line}");
        }
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

/// One line per outcome: the assumptions that move it most.
fn summary(job: &SensitivityJob, r: &SensitivityResults) -> Vec<String> {
    let scenario = job.scenario();
    let uncertainties = job.uncertainties();
    let ctx = &r.context;
    let mut summary = Vec::new();
    match &r.analysed {
        Analysed::Tornado(r) => {
            for &o in &ctx.outcomes {
                let bars = r.swings(o);
                let top: Vec<String> = bars
                    .iter()
                    .take(3)
                    .map(|s| {
                        format!(
                            "{} {} to {}",
                            uncertainties[s.input].parameter.label(),
                            charts::fmt_outcome(o, s.at_low),
                            charts::fmt_outcome(o, s.at_high)
                        )
                    })
                    .collect();
                summary.push(format!(
                    "{} (as written {}): {}",
                    charts::outcome_title(o, scenario),
                    charts::fmt_outcome(o, r.base.get(o).estimate),
                    top.join("; ")
                ));
            }
        }
        Analysed::Sobol(r) => {
            for (o, ix) in &r.indices {
                let order = largest_first(uncertainties.len(), |i| ix.total_order[i].estimate);
                let top: Vec<String> = order
                    .iter()
                    .take(3)
                    .filter(|&&i| ix.total_order[i].estimate.is_finite())
                    .map(|&i| {
                        let t = &ix.total_order[i];
                        format!(
                            "{} {:.2} ({:.2} to {:.2})",
                            uncertainties[i].parameter.label(),
                            t.estimate,
                            t.ci95[0],
                            t.ci95[1]
                        )
                    })
                    .collect();
                summary.push(if top.is_empty() {
                    format!(
                        "{}: does not vary over the design",
                        charts::outcome_title(*o, scenario)
                    )
                } else {
                    format!(
                        "{}: total-order index {}",
                        charts::outcome_title(*o, scenario),
                        top.join("; ")
                    )
                });
            }
        }
        Analysed::Morris(r) => {
            for (o, effects) in &r.effects {
                let order = largest_first(uncertainties.len(), |i| effects[i].mu_star.estimate);
                let top: Vec<String> = order
                    .iter()
                    .take(3)
                    .map(|&i| {
                        format!(
                            "{} {}",
                            uncertainties[i].parameter.label(),
                            charts::fmt_change(*o, effects[i].mu_star.estimate)
                        )
                    })
                    .collect();
                summary.push(format!(
                    "{}: mu* {}",
                    charts::outcome_title(*o, scenario),
                    top.join("; ")
                ));
            }
        }
    }
    summary
}

/// Indices `0..n`, largest `key` first.
fn largest_first(n: usize, key: impl Fn(usize) -> f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
    order
}
