//! `swapsim compare`: configurations side by side, on common random numbers.

use super::merge::{say_shard, write_shard};
use super::run::Bar;
use super::{CommonArgs, Error, MergeArgs, Written};
use clap::Args;
use serde::Serialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;
use swapsim::engine::{self, Configuration, PairedSink, StreamKeys};
use swapsim::jobs::Progress;
use swapsim::jobs::shard::{Partial, ShardStats, SourceRecord, Spec};
use swapsim::model::Model;
use swapsim::outcomes::Outcome;
use swapsim::report::{self, Manifest, Staging};
use swapsim::scenario::variants::{self, BASE_NAME};
use swapsim::scenario::{Scenario, ScenarioSource, error::nearest};
use swapsim::stats::compare::{CompareAccumulator, ComparedOutcome, Comparison};

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
    /// Run only shard K of N (1-based) of the trials and write a partial
    /// result for `swapsim merge`, in output/<file name>-compare-shard-K-of-N/.
    #[arg(long, value_name = "K/N", value_parser = super::parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Trials of every configuration, overriding the reference file's
    /// `simulation.trials`.
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// One configuration of a comparison.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
}

/// The configuration of a comparison as written to `comparison.json`.
#[derive(Debug, Serialize)]
struct ConfigInfo<'a> {
    name: &'a str,
    description: &'a str,
    mediators: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct ComparisonFile<'a> {
    title: &'a str,
    reference: &'a str,
    trials: u64,
    seed: u64,
    configurations: Vec<ConfigInfo<'a>>,
    outcomes: &'a [ComparedOutcome],
    methods: Methods,
}

#[derive(Debug, Serialize)]
struct Methods {
    pairing: &'static str,
    mean_difference: &'static str,
    median_difference: &'static str,
    variance_reduction: &'static str,
}

const METHODS: Methods = Methods {
    pairing: "trial n of every configuration uses the random streams of (seed, n): the same escalation, and the same draws wherever the rules agree",
    mean_difference: "mean of per-trial differences +/- 1.96 paired standard errors",
    median_difference: "difference of medians +/- t(31) x standard error from 32 batch-median differences (batch = trial mod 32)",
    variance_reduction: "(variance of the difference of two independent estimates) / (variance of the paired difference)",
};

#[derive(Debug, Serialize)]
struct TidyRow<'a> {
    configuration: &'a str,
    outcome: &'static str,
    estimate: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    diff: Option<f64>,
    diff_ci_low: Option<f64>,
    diff_ci_high: Option<f64>,
    variance_reduction: Option<f64>,
}

fn input(message: String) -> Error {
    Error::input(message)
}

fn other<E: Into<anyhow::Error>>(e: E) -> Error {
    Error::other(e)
}

/// A comparison ready to simulate: its configurations (reference first),
/// seed and trials, and the names of its outputs.
struct Plan {
    stem: String,
    title: String,
    configs: Vec<Config>,
    seed: u64,
    trials: u64,
}

impl Plan {
    /// Builds the configurations from the files as read, with the
    /// command line's overrides of trials and seed. `swapsim merge` calls
    /// it with the values a shard recorded, so it must depend on nothing
    /// else.
    fn new(
        sources: &[ScenarioSource],
        variants: &[String],
        knockout: bool,
        trials: Option<u64>,
        seed: Option<u64>,
    ) -> Result<Plan, Error> {
        let (title, mut configs) = configurations(sources, variants, knockout)?;
        if let Some(n) = trials {
            for c in &mut configs {
                c.scenario = c.scenario.clone().with_trials(n).map_err(input)?;
            }
        }
        check_comparable(&configs)?;
        let reference = &configs[0].scenario;
        let seed = seed.unwrap_or(reference.simulation().seed);
        let trials = reference.simulation().trials;
        for c in &mut configs {
            c.scenario = c
                .scenario
                .clone()
                .with_seed(seed)
                .with_trials(trials)
                .map_err(input)?;
        }
        Ok(Plan {
            stem: sources[0].stem.clone(),
            title,
            configs,
            seed,
            trials,
        })
    }

    fn scenarios(&self) -> Vec<&Scenario> {
        self.configs.iter().map(|c| &c.scenario).collect()
    }

    /// Simulates `trials` of every configuration on common random numbers.
    fn simulate(
        &self,
        trials: Range<u64>,
        threads: usize,
        quiet: bool,
    ) -> Result<CompareAccumulator, Error> {
        let scenarios = self.scenarios();
        let models: Vec<Model> = scenarios.iter().map(|s| Model::new(s)).collect();
        let keys: Vec<StreamKeys> = scenarios
            .iter()
            .map(|s| StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str())))
            .collect();
        let runs: Vec<Configuration> = models
            .iter()
            .zip(&keys)
            .map(|(model, keys)| Configuration { model, keys })
            .collect();
        let progress = Bar::new(quiet);
        progress.start(trials.end - trials.start, "trials");
        let acc = engine::run_paired(
            &runs,
            self.seed,
            trials,
            Some(threads),
            || CompareAccumulator::new(&scenarios),
            &|done| progress.advance(done),
        )
        .map_err(other)?;
        progress.finish();
        Ok(acc)
    }
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
    let plan = Plan::new(
        &sources,
        &args.variants,
        args.knockout,
        args.trials,
        args.common.seed,
    )?;
    if args.common.report && args.shard.is_some() {
        return Err(input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge              --report`"
                .to_string(),
        ));
    }
    let target = args.common.out.clone().unwrap_or_else(|| {
        let name = match args.shard {
            Some((k, n)) => format!("{}-compare-shard-{k}-of-{n}", plan.stem),
            None => format!("{}-compare", plan.stem),
        };
        Path::new("output").join(name)
    });
    let staging = Staging::new(&target).map_err(other)?;
    let threads = args.common.threads();
    let trials = match args.shard {
        Some((k, n)) => engine::shard_range(plan.trials, k, n),
        None => 0..plan.trials,
    };
    let started = Instant::now();
    let acc = plan.simulate(trials.clone(), threads, args.common.quiet)?;
    let wall = started.elapsed().as_secs_f64();
    let reference = &plan.configs[0].scenario;
    if let Some(shard) = args.shard {
        let job = Spec::Compare {
            scenarios: sources.iter().map(SourceRecord::of).collect(),
            variants: args.variants.clone(),
            knockout: args.knockout,
            seed: plan.seed,
            trials: plan.trials,
        };
        let partial = Partial::new(job, shard, trials, ShardStats::Compare(acc));
        let out = write_shard(staging, &partial, &sources[0], reference, threads, wall)?;
        if !args.common.quiet {
            say_shard(&partial, &out);
        }
        return Ok(());
    }
    let written = Written {
        threads,
        wall,
        charts: !args.common.no_charts,
        report: args.common.report,
        quiet: args.common.quiet,
    };
    let (cmp, out) = write_outputs(staging, &plan, &sources[0], acc, &written)?;
    if !args.common.quiet {
        print_comparison(&cmp, &plan.title, &out, wall);
    }
    Ok(())
}

/// Merges the shards of a comparison (`swapsim merge`).
pub(super) fn merge(
    job: Spec,
    parts: Vec<CompareAccumulator>,
    args: &MergeArgs,
    target: &Path,
) -> Result<(), Error> {
    let Spec::Compare {
        scenarios,
        variants,
        knockout,
        seed,
        trials,
    } = job
    else {
        return Err(input("not the partial result of a comparison".to_string()));
    };
    let sources: Vec<ScenarioSource> = scenarios
        .iter()
        .map(SourceRecord::source)
        .collect::<Result<_, _>>()?;
    let plan = Plan::new(&sources, &variants, knockout, Some(trials), Some(seed))?;
    let staging = Staging::new(target).map_err(other)?;
    let started = Instant::now();
    let mut parts = parts.into_iter();
    let mut acc = parts
        .next()
        .ok_or_else(|| input("no partial results given".to_string()))?;
    for part in parts {
        acc.merge(part);
    }
    if acc.trials() != plan.trials {
        return Err(input(format!(
            "the partial results hold {} trials, not the {} of the comparison",
            acc.trials(),
            plan.trials
        )));
    }
    let written = Written {
        threads: 1,
        wall: started.elapsed().as_secs_f64(),
        charts: !args.no_charts,
        report: args.report,
        quiet: args.quiet,
    };
    let (_, out) = write_outputs(staging, &plan, &sources[0], acc, &written)?;
    if !args.quiet {
        say!(
            "merged the shards of a comparison ({} configurations, {} trials) into {}",
            plan.configs.len(),
            plan.trials,
            out.display()
        );
    }
    Ok(())
}

/// Writes the tables, charts, manifest and report of a finished
/// comparison and moves them into place.
fn write_outputs(
    staging: Staging,
    plan: &Plan,
    source: &ScenarioSource,
    acc: CompareAccumulator,
    how: &Written,
) -> Result<(Comparison, PathBuf), Error> {
    let names: Vec<String> = plan.configs.iter().map(|c| c.name.clone()).collect();
    let cmp = acc.finish(&names, &plan.scenarios());
    let dir = staging.path();
    let mut written = write_comparison(&cmp, &plan.configs, &plan.title, plan.seed, dir)?;
    if how.charts {
        written.extend(
            swapsim::plot::compare::draw_compare_charts(
                &cmp,
                &plan.configs[0].scenario,
                &plan.title,
                dir,
            )
            .map_err(other)?,
        );
    }
    let mut outputs: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    outputs.push(report::files::MANIFEST_JSON.to_string());
    if how.report {
        outputs.push(report::files::REPORT_HTML.to_string());
    }
    let mut manifest = Manifest::new(
        source,
        &plan.configs[0].scenario,
        how.threads,
        how.wall,
        outputs,
    );
    manifest.configurations = names;
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    if how.report {
        report::html::write_report(dir).map_err(other)?;
    }
    let out = staging.commit().map_err(other)?;
    Ok((cmp, out))
}

/// The configurations to compare, reference first, with a title for
/// charts: the files themselves if there are several, otherwise the base
/// of the one file and its variants, or its mediator knock-out.
fn configurations(
    sources: &[ScenarioSource],
    variants: &[String],
    knockout: bool,
) -> Result<(String, Vec<Config>), Error> {
    if sources.len() >= 2 {
        if knockout || !variants.is_empty() {
            return Err(input(
                "--knockout and --variants apply to one scenario file; with several files, the \
                 files themselves are the configurations"
                    .to_string(),
            ));
        }
        let mut configs: Vec<Config> = Vec::new();
        for source in sources {
            let scenario = source.parse()?;
            let mut name = source.stem.clone();
            if configs.iter().any(|c| c.name == name) {
                name = format!("{name} ({})", configs.len() + 1);
            }
            configs.push(Config {
                name,
                description: scenario.name().to_string(),
                scenario,
            });
        }
        let title = format!("{}: scenario files", configs[0].scenario.name());
        return Ok((title, configs));
    }
    let source = &sources[0];
    let set = variants::parse_set(&source.text, &source.display_name)?;
    if knockout {
        if !variants.is_empty() {
            return Err(input(
                "use either --knockout or --variants, not both".to_string(),
            ));
        }
        let title = format!("{}: mediator knock-out", set.base.name());
        return Ok((title, knockout_configs(&set.base)));
    }
    if set.variants.is_empty() {
        return Err(input(format!(
            "{} has no [[variants]] tables to compare: add some (see the README, \"Comparing \
             configurations\"), or use --knockout",
            source.display_name
        )));
    }
    let available: Vec<&str> = set.variants.iter().map(|v| v.name.as_str()).collect();
    for wanted in variants {
        if !available.contains(&wanted.as_str()) {
            let hint = nearest(wanted, available.iter().copied())
                .map(|g| format!(" (did you mean {g:?}?)"))
                .unwrap_or_default();
            return Err(input(format!(
                "--variants: {} has no variant named {wanted:?}{hint}; variants: {}",
                source.display_name,
                available
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut configs = vec![Config {
        name: BASE_NAME.to_string(),
        description: set.base.name().to_string(),
        scenario: set.base.clone(),
    }];
    configs.extend(
        set.variants
            .into_iter()
            .filter(|v| variants.is_empty() || variants.contains(&v.name))
            .map(|v| Config {
                name: v.name,
                description: v.description,
                scenario: v.scenario,
            }),
    );
    let title = set.base.name().to_string();
    Ok((title, configs))
}

/// All mediators, each alone, all but each, and none, without repeating a
/// set of mediators already listed.
pub fn knockout_configs(base: &Scenario) -> Vec<Config> {
    let names: Vec<String> = base
        .mediation()
        .mediators
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let keep = |label: String, description: String, kept: &dyn Fn(&str) -> bool| {
        let s = base
            .rebuilt(|r| r.mediation.mediators.retain(|m| kept(&m.name)))
            .expect("removing mediators keeps a derived scenario valid");
        Config {
            name: label,
            description,
            scenario: s,
        }
    };
    let mut out = vec![keep(
        "all mediators".to_string(),
        format!("{} (reference)", names.join(" and ")),
        &|_| true,
    )];
    for n in &names {
        out.push(keep(
            format!("only {n}"),
            format!("{n}'s channel alone"),
            &|m| m == n,
        ));
    }
    for n in &names {
        out.push(keep(
            format!("without {n}"),
            format!("every channel but {n}'s"),
            &|m| m != n,
        ));
    }
    out.push(keep(
        "no mediators".to_string(),
        "no channel open: no round can take place where rounds need a mediator".to_string(),
        &|_| false,
    ));
    let mut seen: Vec<Vec<String>> = Vec::new();
    out.retain(|c| {
        let set: Vec<String> = c
            .scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let new = !seen.contains(&set);
        seen.push(set);
        new
    });
    out
}

/// Paired comparison needs the same days: horizon, start date and deadline
/// must agree.
fn check_comparable(configs: &[Config]) -> Result<(), Error> {
    let r = &configs[0].scenario;
    for c in &configs[1..] {
        let s = &c.scenario;
        let same = s.simulation().horizon_days == r.simulation().horizon_days
            && s.simulation().start_date == r.simulation().start_date
            && s.target().deadline == r.target().deadline;
        if !same {
            return Err(input(format!(
                "configuration {:?} does not share the reference's days (horizon {} days from \
                 {}, deadline {}): compared configurations must have the same horizon_days, \
                 start_date and deadline",
                c.name,
                r.simulation().horizon_days,
                r.simulation().start_date,
                r.target().deadline
            )));
        }
    }
    Ok(())
}

fn write_comparison(
    cmp: &Comparison,
    configs: &[Config],
    title: &str,
    seed: u64,
    dir: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let json = dir.join("comparison.json");
    let file = ComparisonFile {
        title,
        reference: &configs[0].name,
        trials: cmp.trials,
        seed,
        configurations: configs
            .iter()
            .map(|c| ConfigInfo {
                name: &c.name,
                description: &c.description,
                mediators: c
                    .scenario
                    .mediation()
                    .mediators
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect(),
            })
            .collect(),
        outcomes: &cmp.outcomes,
        methods: METHODS,
    };
    report::write_json(&json, &file).map_err(other)?;
    let csv_path = dir.join("comparison.csv");
    let rows = cmp.outcomes.iter().map(|o| TidyRow {
        configuration: &o.configuration,
        outcome: o.outcome.statistic(),
        estimate: o.estimate,
        ci_low: o.ci95[0],
        ci_high: o.ci95[1],
        diff: o.diff,
        diff_ci_low: o.diff_ci95[0],
        diff_ci_high: o.diff_ci95[1],
        variance_reduction: o.variance_reduction,
    });
    report::write_csv(&csv_path, rows).map_err(other)?;
    let diff_path = dir.join("differences.csv");
    report::write_csv(&diff_path, &cmp.differences).map_err(other)?;
    Ok(vec![json, csv_path, diff_path])
}

fn print_comparison(cmp: &Comparison, title: &str, out: &Path, wall: f64) {
    say!("{title}");
    say!(
        "  {} trials per configuration on common random numbers; {:.2} s",
        cmp.trials,
        wall
    );
    let show = |o: &ComparedOutcome, v: Option<f64>| match (v, o.unit) {
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
                let pp = |v: Option<f64>| match (v, o.unit) {
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
