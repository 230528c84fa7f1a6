//! `swapsim run`: simulate one scenario and write its results.

use super::{Failure, RunArgs, load};
use crate::engine::{self, PerTrial, StreamKeys, TrialSink};
use crate::model::Model;
use crate::outcomes::Outcome;
use crate::report::{self, Manifest, Staging};
use crate::scenario::{Scenario, ScenarioSource};
use crate::stats::{Accumulator, Results};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn other<E: Into<anyhow::Error>>(e: E) -> Failure {
    Failure::Other(e.into())
}

fn input(message: String) -> Failure {
    Failure::Input(anyhow::anyhow!(message))
}

/// Trials per batch of a run with `--target-se`: a whole number of blocks,
/// so a run that stops after k batches equals `run --trials k * 16384`.
pub const CONVERGENCE_BATCH: u64 = 16 * engine::CHUNK_TRIALS;

pub(super) fn run(args: &RunArgs) -> Result<(), Failure> {
    let (source, mut scenario) = load(args.scenario.as_deref())?;
    if let Some(n) = args.trials {
        scenario = scenario.with_trials(n).map_err(input)?;
    }
    if let Some(seed) = args.common.seed {
        scenario = scenario.with_seed(seed);
    }
    if args.per_trial && (args.shard.is_some() || args.target_se.is_some()) {
        return Err(input(
            "--per-trial cannot be combined with --shard or --target-se".to_string(),
        ));
    }
    if args.common.report && args.shard.is_some() {
        return Err(input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge`, \
             then run `swapsim report` on the merged directory"
                .to_string(),
        ));
    }
    if let Some(shard) = args.shard {
        return run_shard(args, &source, &scenario, shard);
    }
    let target = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&source.stem));
    // Refuse an unusable output directory before spending time simulating.
    let staging = Staging::new(&target).map_err(other)?;

    let threads = args.common.threads();
    let started = Instant::now();
    let (results, per_trial) = match args.target_se {
        Some(se) => {
            let cap = args.trials.unwrap_or(crate::scenario::MAX_TRIALS);
            let acc = converge(&scenario, threads, se, args.metric, cap, args.common.quiet)?;
            scenario = scenario.with_trials(acc.trials()).map_err(input)?;
            (acc.finish(&scenario), None)
        }
        None => {
            let progress = progress_bar(scenario.simulation().trials, args.common.quiet);
            let out = simulate(&scenario, threads, args.per_trial, &progress).map_err(other)?;
            progress.finish_and_clear();
            out
        }
    };
    let wall = started.elapsed().as_secs_f64();
    let out = write_run(
        staging,
        &results,
        per_trial.as_deref(),
        &source,
        &scenario,
        threads,
        wall,
        args.common.no_charts,
        args.common.report,
    )?;
    if !args.common.quiet {
        if args.target_se.is_some() {
            say!(
                "converged: {} trials brought the standard error of {} below {}",
                scenario.simulation().trials,
                serde_json::to_string(&args.metric).unwrap_or_default(),
                args.target_se.unwrap_or_default()
            );
        }
        print_summary(&results, &scenario, &out, wall);
    }
    Ok(())
}

/// Writes the outputs of a run (or of merged shards) and replaces the
/// target directory with them.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_run(
    staging: Staging,
    results: &Results,
    per_trial: Option<&[(u64, crate::model::TrialOutcome)]>,
    source: &ScenarioSource,
    scenario: &Scenario,
    threads: usize,
    wall: f64,
    no_charts: bool,
    with_report: bool,
) -> Result<PathBuf, Failure> {
    let dir = staging.path();
    let mut written = report::write_results(results, dir).map_err(other)?;
    if let Some(rows) = per_trial {
        written.push(report::write_per_trial(rows, dir).map_err(other)?);
    }
    if !no_charts {
        written.extend(crate::plot::draw_run_charts(results, scenario, dir).map_err(other)?);
    }
    let mut outputs: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    outputs.push(report::files::MANIFEST_JSON.to_string());
    if with_report {
        outputs.push(report::files::REPORT_HTML.to_string());
    }
    let manifest = Manifest::new(source, scenario, threads, wall, outputs);
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    // The report reads the finished outputs, manifest included, so it comes
    // last, still before the commit.
    if with_report {
        report::html::write_report(dir).map_err(other)?;
    }
    staging.commit().map_err(other)
}

/// Runs fixed batches of [`CONVERGENCE_BATCH`] trials until the standard
/// error of `metric` falls below `target` (or `cap` trials are reached).
/// The batches are the same whatever the thread count, so the number of
/// trials depends only on the scenario, seed and target.
pub fn converge(
    scenario: &Scenario,
    threads: usize,
    target: f64,
    metric: Outcome,
    cap: u64,
    quiet: bool,
) -> Result<Accumulator, Failure> {
    if !(target.is_finite() && target > 0.0) {
        return Err(input(format!(
            "--target-se {target} is not allowed: give a positive standard error"
        )));
    }
    let has_pool = scenario.target().pool.is_some();
    let model = Model::new(scenario);
    let keys = StreamKeys::new(
        scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.as_str()),
    );
    let mut acc = Accumulator::new(scenario);
    let progress = progress_bar(cap.min(100 * CONVERGENCE_BATCH), quiet);
    let mut done = 0;
    loop {
        let end = (done + CONVERGENCE_BATCH).min(cap);
        let batch = engine::run(
            &model,
            &keys,
            scenario.simulation().seed,
            done..end,
            Some(threads),
            || Accumulator::new(scenario),
            &|n| progress.set_position(done + n),
        )
        .map_err(other)?;
        acc.merge(batch);
        done = end;
        let Some((_, se)) = acc.estimate(metric, has_pool) else {
            return Err(input(format!(
                "--metric {} needs a pool: the scenario sets none",
                metric.statistic()
            )));
        };
        if se < target || done >= cap {
            break;
        }
    }
    progress.finish_and_clear();
    Ok(acc)
}

/// Runs one shard of the trials and writes its `partial.json`.
fn run_shard(
    args: &RunArgs,
    source: &ScenarioSource,
    scenario: &Scenario,
    (k, n): (u64, u64),
) -> Result<(), Failure> {
    let target =
        args.common.out.clone().unwrap_or_else(|| {
            Path::new("output").join(format!("{}-shard-{k}-of-{n}", source.stem))
        });
    let staging = Staging::new(&target).map_err(other)?;
    let trials = engine::shard_range(scenario.simulation().trials, k, n);
    let threads = args.common.threads();
    let model = Model::new(scenario);
    let keys = StreamKeys::new(
        scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.as_str()),
    );
    let progress = progress_bar(trials.end - trials.start, args.common.quiet);
    let started = Instant::now();
    let acc = engine::run(
        &model,
        &keys,
        scenario.simulation().seed,
        trials.clone(),
        Some(threads),
        || Accumulator::new(scenario),
        &|done| progress.set_position(done),
    )
    .map_err(other)?;
    progress.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let job = report::Job::Run {
        scenario: report::SourceRecord::of(source),
        seed: scenario.simulation().seed,
        trials: scenario.simulation().trials,
    };
    let partial = report::Partial::new(job, (k, n), trials, report::Statistics::Run(Box::new(acc)));
    let out = super::merge::write_shard(staging, &partial, source, scenario, threads, wall)?;
    if !args.common.quiet {
        super::merge::say_shard(&partial, &out);
    }
    Ok(())
}

/// Every trial's outcomes, in trial order.
type TrialRows = Vec<(u64, crate::model::TrialOutcome)>;

/// Runs the trials and computes the estimates; also keeps per-trial
/// outcomes when asked.
pub fn simulate(
    scenario: &Scenario,
    threads: usize,
    keep_trials: bool,
    progress: &ProgressBar,
) -> anyhow::Result<(Results, Option<TrialRows>)> {
    let model = Model::new(scenario);
    let keys = StreamKeys::new(
        scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.as_str()),
    );
    let trials = 0..scenario.simulation().trials;
    let seed = scenario.simulation().seed;
    let tick = |done: u64| progress.set_position(done);
    let (acc, per_trial) = if keep_trials {
        let (acc, rows) = engine::run(
            &model,
            &keys,
            seed,
            trials,
            Some(threads),
            || (Accumulator::new(scenario), PerTrial::default()),
            &tick,
        )?;
        (acc, Some(rows.into_sorted()))
    } else {
        let acc = engine::run(
            &model,
            &keys,
            seed,
            trials,
            Some(threads),
            || Accumulator::new(scenario),
            &tick,
        )?;
        (acc, None)
    };
    Ok((acc.finish(scenario), per_trial))
}

/// A progress bar with an ETA on stderr, drawn only on a terminal.
pub(crate) fn progress_bar(trials: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(trials);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else if let Ok(style) = ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {human_pos}/{human_len} trials, {per_sec}, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The headline numbers of a run, each with its uncertainty.
fn print_summary(results: &Results, scenario: &Scenario, out: &Path, wall: f64) {
    let s = &results.summary;
    let o = &s.outcomes;
    let pct = |p: f64| format!("{:.1}%", 100.0 * p);
    say!("{}", scenario.name());
    say!(
        "  {} trials, seed {}, {} days from {}; {:.2} s",
        s.trials,
        s.seed,
        s.horizon_days,
        s.start_date,
        wall
    );
    say!(
        "  people returned by {}: mean {:.0} (95% CI {:.0} to {:.0}), median {:.0}, 90% of trials between {:.0} and {:.0}",
        s.deadline,
        o.returned_by_deadline.mean,
        o.returned_by_deadline.ci95[0],
        o.returned_by_deadline.ci95[1],
        o.returned_by_deadline.p50,
        o.returned_by_deadline.p5,
        o.returned_by_deadline.p95
    );
    let p = &s.probabilities;
    if let (Some(t), Some(pool)) = (&p.target_by_deadline, s.pool) {
        say!(
            "  P(all {pool} returned by {}): {} (95% CI {} to {})",
            s.deadline,
            pct(t.estimate),
            pct(t.ci95[0]),
            pct(t.ci95[1])
        );
    }
    say!(
        "  P(no round by {}): {} (95% CI {} to {})",
        s.deadline,
        pct(p.no_round_by_deadline.estimate),
        pct(p.no_round_by_deadline.ci95[0]),
        pct(p.no_round_by_deadline.ci95[1])
    );
    say!(
        "  P(suspended within the horizon): {} (95% CI {} to {}); P(collapse): {} (95% CI {} to {})",
        pct(p.suspended_within_horizon.estimate),
        pct(p.suspended_within_horizon.ci95[0]),
        pct(p.suspended_within_horizon.ci95[1]),
        pct(p.collapse.estimate),
        pct(p.collapse.ci95[0]),
        pct(p.collapse.ci95[1])
    );
    let f = &s.first_suspension_day;
    match (f.median, &f.median_date) {
        (Some(d), Some(date)) => say!(
            "  median time to the first suspension: {d} days ({date}); 95% CI {} to {} days",
            show_day(f.ci95[0]),
            show_day(f.ci95[1])
        ),
        _ => say!("  fewer than half of the trials are suspended within the horizon"),
    }
    say!("  results: {}", out.display());
}

fn show_day(d: Option<u32>) -> String {
    d.map_or_else(|| "beyond the horizon".to_string(), |d| d.to_string())
}
