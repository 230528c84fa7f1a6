//! `swapsim sensitivity`: which uncertain assumptions drive the answer.
//!
//! Reads the scenario's `[uncertainties]`, runs a tornado, Sobol or Morris
//! design on common random numbers, and writes tables, the raw design and
//! charts into `output/<scenario>-sensitivity/<method>/`. The helpers at
//! the end are shared with `swapsim sweep`.

use super::merge::{say_shard, write_shard};
use super::{CommonArgs, Error, MergeArgs, Written, load};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;
use swapsim::jobs::shard::{Partial, ShardStats, SourceRecord, Spec};
use swapsim::plot::sensitivity as charts;
use swapsim::report::{self, Manifest, Staging};
use swapsim::scenario::uncertainty::{self, Parameter, Uncertainty};
use swapsim::scenario::{Scenario, ScenarioSource};
use swapsim::sensitivity::analysis::{self, AnalysisError, Plan};
use swapsim::sensitivity::design::DesignError;
use swapsim::sensitivity::evaluate::Evaluator;
use swapsim::sensitivity::outcomes::{KeyEstimates, KeySums, design_outcomes};
use swapsim::sensitivity::tables::{self, Context};

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

/// Default trials per design point of Sobol and Morris designs.
pub const DEFAULT_INNER_TRIALS: u64 = 2000;
/// Default base samples of a Sobol design.
pub const DEFAULT_SAMPLES: usize = 1024;
/// Default Morris trajectories and levels.
pub const DEFAULT_TRAJECTORIES: usize = 20;
pub const DEFAULT_LEVELS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One at a time, low and high value of each uncertainty (2d + 1 runs).
    Tornado,
    /// First- and total-order Sobol indices (N (d + 2) runs).
    Sobol,
    /// Morris elementary effects, mu* and sigma (r (d + 1) runs).
    Morris,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Tornado => "tornado",
            Method::Sobol => "sobol",
            Method::Morris => "morris",
        }
    }
}

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

fn input(message: String) -> Error {
    Error::input(message)
}

fn other<E: Into<anyhow::Error>>(e: E) -> Error {
    Error::other(e)
}

/// The scenario, its source and its uncertainties, with a seed override.
fn load_uncertain(
    path: Option<&Path>,
    seed: Option<u64>,
) -> Result<(ScenarioSource, Scenario, Vec<Uncertainty>), Error> {
    let (source, scenario) = load(path)?;
    uncertain(source, scenario, seed)
}

/// The uncertainties of a scenario read from `source`, with a seed
/// override.
fn uncertain(
    source: ScenarioSource,
    scenario: Scenario,
    seed: Option<u64>,
) -> Result<(ScenarioSource, Scenario, Vec<Uncertainty>), Error> {
    let uncertainties = uncertainty::parse(&source.text, &source.display_name)?;
    let scenario = match seed {
        Some(s) => scenario.with_seed(s),
        None => scenario,
    };
    Ok((source, scenario, uncertainties))
}

/// Rejects options that the chosen method would silently ignore.
fn check_options(args: &SensitivityArgs) -> Result<(), Error> {
    let stray = |flag: &str, method: &str| {
        input(format!(
            "{flag} applies to --method {method} only, not to --method {}",
            args.method.name()
        ))
    };
    if args.samples.is_some() && args.method != Method::Sobol {
        return Err(stray("--samples", "sobol"));
    }
    if args.method != Method::Morris {
        if args.trajectories.is_some() {
            return Err(stray("--trajectories", "morris"));
        }
        if args.levels.is_some() {
            return Err(stray("--levels", "morris"));
        }
    }
    if args.inner_trials == Some(0) {
        return Err(input(
            "--inner-trials 0 is not allowed: every design point needs at least 1 trial".into(),
        ));
    }
    if args.common.report && args.shard.is_some() {
        return Err(input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge \
             --report`"
                .to_string(),
        ));
    }
    Ok(())
}

/// An analysis ready to simulate: the scenario, its uncertainties, the
/// design and its points. Built from the command line, or by `swapsim
/// merge` from what a shard recorded, so it depends on nothing else.
struct Setup {
    source: ScenarioSource,
    scenario: Scenario,
    uncertainties: Vec<Uncertainty>,
    tree: toml::Table,
    parameters: Vec<Parameter>,
    method: Method,
    /// Sobol base samples; Morris trajectories and levels.
    samples: Option<usize>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    plan: Plan,
}

/// The design options of the command line, or of a shard's record.
struct DesignOptions {
    method: Method,
    samples: Option<usize>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    inner_trials: Option<u64>,
}

impl Setup {
    fn new(
        source: ScenarioSource,
        scenario: Scenario,
        uncertainties: Vec<Uncertainty>,
        o: DesignOptions,
    ) -> Result<Setup, Error> {
        if uncertainties.is_empty() {
            return Err(input(format!(
                "{} declares no [uncertainties]: add a table of parameter paths and ranges, such \
                 as\n[uncertainties]\n\"exchange.suspension.escalation_coef\" = {{ min = 0.5, \
                 max = 2.0 }}\n(docs/sensitivity.md lists the laws)",
                source.display_name
            )));
        }
        let trials = o.inner_trials.unwrap_or(match o.method {
            Method::Tornado => scenario.simulation().trials,
            _ => DEFAULT_INNER_TRIALS,
        });
        let scenario = scenario
            .with_trials(trials)
            .map_err(|e| input(e.replace("--trials", "--inner-trials")))?;
        let tree = uncertainty::configuration_tree(&source.text).map_err(input)?;
        let parameters: Vec<_> = uncertainties.iter().map(|u| u.parameter.clone()).collect();
        let seed = scenario.simulation().seed;
        let design = |e: DesignError| fail(AnalysisError::Design(e));
        let (samples, trajectories, levels) = match o.method {
            Method::Tornado => (None, None, None),
            Method::Sobol => (Some(o.samples.unwrap_or(DEFAULT_SAMPLES)), None, None),
            Method::Morris => (
                None,
                Some(o.trajectories.unwrap_or(DEFAULT_TRAJECTORIES)),
                Some(o.levels.unwrap_or(DEFAULT_LEVELS)),
            ),
        };
        let plan = match o.method {
            Method::Tornado => analysis::tornado_plan(&uncertainties),
            Method::Sobol => {
                analysis::sobol_plan(seed, &uncertainties, samples.unwrap_or(DEFAULT_SAMPLES))
                    .map_err(design)?
            }
            Method::Morris => analysis::morris_plan(
                seed,
                &uncertainties,
                trajectories.unwrap_or(DEFAULT_TRAJECTORIES),
                levels.unwrap_or(DEFAULT_LEVELS),
            )
            .map_err(design)?,
        };
        Ok(Setup {
            source,
            scenario,
            uncertainties,
            tree,
            parameters,
            method: o.method,
            samples,
            trajectories,
            levels,
            plan,
        })
    }

    fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            tree: &self.tree,
            parameters: &self.parameters,
            trials: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
        }
    }

    /// The output directory of the whole analysis.
    fn target(&self) -> PathBuf {
        Path::new("output")
            .join(format!("{}-sensitivity", self.source.stem))
            .join(self.method.name())
    }

    fn job(&self) -> Spec {
        Spec::Sensitivity {
            scenario: SourceRecord::of(&self.source),
            method: self.method.name().to_string(),
            samples: self.samples,
            trajectories: self.trajectories,
            levels: self.levels,
            inner_trials: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
            design_points: self.plan.points.len() as u64,
        }
    }
}

fn fail(e: AnalysisError) -> Error {
    if e.is_input() {
        input(e.to_string())
    } else {
        other(e)
    }
}

pub(super) fn run(args: &SensitivityArgs) -> Result<(), Error> {
    check_options(args)?;
    let (source, scenario, uncertainties) =
        load_uncertain(args.scenario.as_deref(), args.common.seed)?;
    let setup = Setup::new(
        source,
        scenario,
        uncertainties,
        DesignOptions {
            method: args.method,
            samples: args.samples,
            trajectories: args.trajectories,
            levels: args.levels,
            inner_trials: args.inner_trials,
        },
    )?;
    let target = args.common.out.clone().unwrap_or_else(|| match args.shard {
        Some((k, n)) => {
            let mut t = setup.target();
            t.set_file_name(format!("{}-shard-{k}-of-{n}", setup.method.name()));
            t
        }
        None => setup.target(),
    });
    let staging = Staging::new(&target).map_err(other)?;
    let threads = args.common.threads();
    let count = setup.plan.points.len() as u64;
    let range = match args.shard {
        Some((k, n)) => swapsim::jobs::shard::point_range(count, k, n),
        None => 0..count,
    };
    let bar = design_bar(args.common.quiet);
    let total = range.end - range.start;
    bar.set_length(total);
    let started = Instant::now();
    let sums = setup
        .evaluator()
        .run_sums(
            &setup.plan.points,
            range.start as usize..range.end as usize,
            threads,
            &|done| bar.set_position(done),
        )
        .map_err(|e| fail(e.into()))?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    if let Some(shard) = args.shard {
        let partial = Partial::new(setup.job(), shard, range, ShardStats::Sensitivity(sums));
        let out = write_shard(
            staging,
            &partial,
            &setup.source,
            &setup.scenario,
            threads,
            wall,
        )?;
        if !args.common.quiet {
            say_shard(&partial, &out);
        }
        return Ok(());
    }
    let how = Written {
        threads,
        wall,
        charts: !args.common.no_charts,
        report: args.common.report,
        quiet: args.common.quiet,
    };
    write_analysis(staging, setup, &sums, &how)
}

/// Merges the shards of a sensitivity design (`swapsim merge`).
pub(super) fn merge(
    job: Spec,
    sums: Vec<KeySums>,
    args: &MergeArgs,
    target: &Path,
) -> Result<(), Error> {
    let Spec::Sensitivity {
        scenario: record,
        method,
        samples,
        trajectories,
        levels,
        inner_trials,
        seed,
        design_points,
    } = job
    else {
        return Err(input(
            "not the partial result of a sensitivity design".to_string(),
        ));
    };
    let method = Method::from_str(&method, false).map_err(|_| {
        input(format!(
            "unknown sensitivity method {method:?} in a partial result"
        ))
    })?;
    let source = record.source()?;
    let scenario = source.parse()?;
    let (source, scenario, uncertainties) = uncertain(source, scenario, Some(seed))?;
    let setup = Setup::new(
        source,
        scenario,
        uncertainties,
        DesignOptions {
            method,
            samples,
            trajectories,
            levels,
            inner_trials: Some(inner_trials),
        },
    )?;
    let count = setup.plan.points.len();
    if count as u64 != design_points || sums.len() != count {
        return Err(input(format!(
            "the partial results hold {} design points, not the {count} of the design",
            sums.len()
        )));
    }
    let staging = Staging::new(target).map_err(other)?;
    let how = Written {
        threads: 1,
        wall: 0.0,
        charts: !args.no_charts,
        report: args.report,
        quiet: args.quiet,
    };
    write_analysis(staging, setup, &sums, &how)
}

/// Computes the analysis from the sums at every design point and writes
/// its tables, design, charts, manifest and report.
fn write_analysis(
    staging: Staging,
    setup: Setup,
    sums: &[KeySums],
    how: &Written,
) -> Result<(), Error> {
    let Setup {
        source,
        scenario,
        uncertainties,
        parameters,
        method,
        samples,
        trajectories,
        levels,
        plan,
        ..
    } = setup;
    let trials = scenario.simulation().trials;
    let seed = scenario.simulation().seed;
    let estimates: Vec<KeyEstimates> = sums.iter().map(KeySums::estimates).collect();
    let ctx = Context {
        scenario: scenario.name().to_string(),
        trials_per_point: trials,
        seed,
        outcomes: design_outcomes(&scenario),
    };
    let dir = staging.path().to_path_buf();
    let design_points = plan.points.len();
    let mut written: Vec<PathBuf> = Vec::new();
    let mut summary = Vec::new();
    let refs: Vec<_> = parameters.iter().collect();
    match method {
        Method::Tornado => {
            let r = analysis::tornado_result(plan, &estimates);
            written.extend(write_tables(
                &dir,
                "tornado",
                tables::tornado_rows(&ctx, &uncertainties, &r),
                &tables::tornado_json(&ctx, &uncertainties, &r),
            )?);
            if how.charts {
                written.extend(
                    charts::tornado_charts(&dir, &scenario, &ctx, &uncertainties, &r)
                        .map_err(other)?,
                );
            }
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
                    charts::outcome_title(o, &scenario),
                    charts::fmt_outcome(o, r.base.get(o).estimate),
                    top.join("; ")
                ));
            }
        }
        Method::Sobol => {
            let r = analysis::sobol_result(seed, plan, estimates, &ctx.outcomes);
            written.extend(write_tables(
                &dir,
                "sobol",
                tables::sobol_rows(&uncertainties, &r),
                &tables::sobol_json(&ctx, &uncertainties, &r),
            )?);
            written.push(write_csv(
                &dir,
                "design.csv",
                tables::design_records(
                    &ctx,
                    &refs,
                    &["row", "matrix"],
                    &tables::saltelli_labels(&r),
                    &r.points,
                    &r.estimates,
                ),
            )?);
            if how.charts {
                written.extend(
                    charts::sobol_charts(&dir, &scenario, &ctx, &uncertainties, &r)
                        .map_err(other)?,
                );
            }
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
                        charts::outcome_title(*o, &scenario)
                    )
                } else {
                    format!(
                        "{}: total-order index {}",
                        charts::outcome_title(*o, &scenario),
                        top.join("; ")
                    )
                });
            }
        }
        Method::Morris => {
            let r = analysis::morris_result(seed, plan, estimates, &ctx.outcomes);
            written.extend(write_tables(
                &dir,
                "morris",
                tables::morris_rows(&uncertainties, &r),
                &tables::morris_json(&ctx, &uncertainties, &r),
            )?);
            written.push(write_csv(
                &dir,
                "design.csv",
                tables::design_records(
                    &ctx,
                    &refs,
                    &["trajectory", "step"],
                    &tables::morris_labels(&r),
                    &r.points,
                    &r.estimates,
                ),
            )?);
            if how.charts {
                written.extend(
                    charts::morris_charts(&dir, &scenario, &ctx, &uncertainties, &r)
                        .map_err(other)?,
                );
            }
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
                    charts::outcome_title(*o, &scenario),
                    top.join("; ")
                ));
            }
        }
    }
    let details = serde_json::json!({
        "method": method,
        "design_points": design_points,
        "trials_per_point": trials,
        "samples": samples,
        "trajectories": trajectories,
        "levels": levels,
        "uncertainties": uncertainties.iter().map(|u| &u.parameter.path).collect::<Vec<_>>(),
    });
    let out = finish(staging, &source, &scenario, written, details, how)?;
    if !how.quiet {
        say!("{}", scenario.name());
        say!(
            "  {} sensitivity: {} uncertainties, {} design points x {} trials (seed {}); {:.1} s",
            method.name(),
            uncertainties.len(),
            design_points,
            trials,
            seed,
            how.wall
        );
        for line in summary {
            say!("  {line}");
        }
        say!("  results: {}", out.display());
    }
    Ok(())
}

/// Indices `0..n`, largest `key` first.
fn largest_first(n: usize, key: impl Fn(usize) -> f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
    order
}

/// Writes an analysis' tidy table `<name>.csv` and its `<name>.json`.
fn write_tables<T: Serialize>(
    dir: &Path,
    name: &str,
    rows: impl IntoIterator<Item = T>,
    json: &serde_json::Value,
) -> Result<[PathBuf; 2], Error> {
    Ok([
        write_csv(dir, &format!("{name}.csv"), rows)?,
        write_json(dir, &format!("{name}.json"), json)?,
    ])
}

/// A progress bar over design points with an ETA on stderr, drawn only on
/// a terminal.
pub(super) fn design_bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else if let Ok(style) = ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {human_pos}/{human_len} design points, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub(super) fn write_csv<T: Serialize>(
    dir: &Path,
    name: &str,
    rows: impl IntoIterator<Item = T>,
) -> Result<PathBuf, Error> {
    let path = dir.join(name);
    report::write_csv(&path, rows).map_err(other)?;
    Ok(path)
}

pub(super) fn write_json<T: Serialize>(
    dir: &Path,
    name: &str,
    value: &T,
) -> Result<PathBuf, Error> {
    let path = dir.join(name);
    report::write_json(&path, value).map_err(other)?;
    Ok(path)
}

/// Writes the manifest (the run's manifest plus `analysis`, what the
/// design was) and the report if asked, and moves the staged results into
/// place.
pub(super) fn finish(
    staging: Staging,
    source: &ScenarioSource,
    scenario: &Scenario,
    written: Vec<PathBuf>,
    analysis: serde_json::Value,
    how: &Written,
) -> Result<PathBuf, Error> {
    let report = how.report;
    let mut outputs: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    outputs.push(report::files::MANIFEST_JSON.to_string());
    if report {
        outputs.push(report::files::REPORT_HTML.to_string());
    }
    let manifest = Manifest::new(source, scenario, how.threads, how.wall, outputs);
    let mut value = serde_json::to_value(&manifest).map_err(other)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("analysis".to_string(), analysis);
    }
    write_json(staging.path(), report::files::MANIFEST_JSON, &value)?;
    if report {
        report::html::write_report(staging.path()).map_err(other)?;
    }
    staging.commit().map_err(other)
}
