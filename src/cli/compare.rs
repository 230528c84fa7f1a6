//! `swapsim compare`: configurations side by side, on common random numbers.

use super::run::Bar;
use super::{CommonArgs, Error};
use clap::Args;
use std::path::{Path, PathBuf};
use swapsim::jobs::compare::{CompareJob, CompareOptions};
use swapsim::jobs::robust::RobustCompareJob;
use swapsim::jobs::shard::{self, RoundCap};
use swapsim::jobs::{self, Exec, WriteOptions};
use swapsim::outcomes::Outcome;
use swapsim::scenario::ScenarioSource;
use swapsim::stats::compare::{ComparedOutcome, Comparison};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim compare scenarios/mediator-configurations.toml
      Compare the scenario with each of its [[variants]] (the base is the
      reference).
  swapsim compare scenarios/istanbul-2025.toml --knockout
      Generate the configurations: all mediators, each one alone, all but
      each one, and none.
  swapsim compare scenarios/istanbul-2025.toml scenarios/uae-only.toml
      Compare whole files; the first is the reference, and its seed and
      trials are used for all.
  swapsim compare scenarios/mediator-configurations.toml --trials 4000000 --shard 2/4
      One quarter of the trials, for `swapsim merge` (see docs/cluster.md).";

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// One scenario file (its base and variants are compared), or several
    /// (the first is the reference). Without one: the built-in default.
    pub scenarios: Vec<PathBuf>,
    /// Compare only these variants of the file, by name (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub variants: Vec<String>,
    /// Generate mediator configurations instead of reading variants: all
    /// mediators, each one alone, all but each one, and none.
    #[arg(long)]
    pub knockout: bool,
    /// Run only shard K of N (1-based) of the trials (with --assumptions:
    /// of the central comparison and the parameter sets, whole units each)
    /// and write a partial result for `swapsim merge`, in
    /// output/<file name>-compare-shard-K-of-N/.
    #[arg(long, value_name = "K/N", value_parser = super::parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Trials of every configuration, overriding the reference file's
    /// `simulation.trials`.
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    /// Also compare across N parameter sets drawn from the reference
    /// file's [uncertainties] (the design `run --assumptions` uses), each
    /// configuration on the same trials: P(best), regret and the spread of
    /// the differences, in robustness.csv and robustness.json. 0 or absent:
    /// the central values only.
    #[arg(long, value_name = "N")]
    pub assumptions: Option<usize>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub(super) fn compare(args: &CompareArgs) -> Result<(), Error> {
    let sources: Vec<ScenarioSource> = if args.scenarios.is_empty() {
        vec![ScenarioSource::builtin()]
    } else {
        args.scenarios
            .iter()
            .map(|p| ScenarioSource::read(p))
            .collect::<Result<_, _>>()?
    };
    let job = CompareJob::plan(
        sources,
        &CompareOptions {
            variants: args.variants.clone(),
            knockout: args.knockout,
            trials: args.trials,
            seed: args.common.seed,
        },
    )?;
    if args.common.report && args.shard.is_some() {
        return Err(Error::input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge \
             --report`",
        ));
    }
    let bar = Bar::new(args.common.quiet);
    let exec = Exec {
        threads: args.common.threads(),
        progress: &bar,
    };
    let out = args.common.out.as_deref();
    if let Some(k_of_n) = args.shard {
        let done = match args.assumptions.filter(|&n| n > 0) {
            Some(n) => shard::run_shard(&RobustCompareJob::plan(job, n)?, k_of_n, out, &exec)?,
            None => shard::run_shard(&job, k_of_n, out, &exec)?,
        };
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
    if let Some(n) = args.assumptions.filter(|&n| n > 0) {
        let robust = RobustCompareJob::plan(job, n)?;
        let done = jobs::execute(&robust, out, &exec, &options)?;
        super::warn_round_cap(&RoundCap::of_comparison(&done.results.comparison));
        if !args.common.quiet {
            print_comparison(
                &done.results.comparison,
                robust.comparison().title(),
                &done.dir,
                done.wall,
            );
            say!(
                "  across {} parameter sets of the assumptions:",
                done.results.robustness.parameter_sets
            );
            for o in &done.results.robustness.outcomes {
                say!("    {}", o.verdict);
            }
        }
        return Ok(());
    }
    let done = jobs::execute(&job, out, &exec, &options)?;
    super::warn_round_cap(&RoundCap::of_comparison(&done.results));
    if !args.common.quiet {
        print_comparison(&done.results, job.title(), &done.dir, done.wall);
    }
    Ok(())
}

pub(super) fn print_comparison(cmp: &Comparison, title: &str, out: &Path, wall: f64) {
    say!("{title}");
    say!(
        "  {} trials per configuration on common random numbers; {:.2} s",
        cmp.trials,
        wall
    );
    let show = |o: &ComparedOutcome, v: Option<f64>| match (v, o.unit.as_ref()) {
        (Some(v), "probability") => format!("{:.1}%", 100.0 * v),
        (Some(v), _) => format!("{v:.1}"),
        (None, _) => "n/a".to_string(),
    };
    let shown = [
        Outcome::TargetByDeadline,
        Outcome::MeanReturnedByDeadline,
        Outcome::NoRoundByDeadline,
        Outcome::MedianFirstSuspensionDay,
        Outcome::Collapse,
    ];
    for name in &cmp.names {
        say!("  {name}:");
        for o in cmp
            .outcomes
            .iter()
            .filter(|o| &o.configuration == name && shown.contains(&o.outcome))
        {
            if o.estimate.is_none() && o.diff.is_none() {
                continue;
            }
            let mut line = format!(
                "    {}: {} (95% CI {} to {})",
                o.label,
                show(o, o.estimate),
                show(o, o.ci95[0]),
                show(o, o.ci95[1])
            );
            if name != &cmp.names[0] {
                let pp = |v: Option<f64>| match (v, o.unit.as_ref()) {
                    (Some(v), "probability") => format!("{:+.1} pp", 100.0 * v),
                    (Some(v), _) => format!("{v:+.1}"),
                    (None, _) => "n/a".to_string(),
                };
                line.push_str(&format!(
                    "; vs reference {} (95% CI {} to {})",
                    pp(o.diff),
                    pp(o.diff_ci95[0]),
                    pp(o.diff_ci95[1])
                ));
            }
            say!("{line}");
        }
    }
    say!("  results: {}", out.display());
}
