//! `swapsim run`: simulate one scenario and write its results.

use super::{Failure, RunArgs, load};
use crate::engine::{self, PerTrial, StreamKeys};
use crate::model::Model;
use crate::report::{self, Manifest, Staging};
use crate::scenario::Scenario;
use crate::stats::{Accumulator, Results};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

pub(super) fn run(args: &RunArgs) -> Result<(), Failure> {
    let (source, mut scenario) = load(args.scenario.as_deref())?;
    if let Some(n) = args.trials {
        scenario = scenario
            .with_trials(n)
            .map_err(|e| Failure::Input(anyhow::anyhow!(e)))?;
    }
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&source.stem));
    // Refuse an unusable output directory before spending time simulating.
    let staging = Staging::new(&target).map_err(|e| Failure::Other(e.into()))?;

    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    let progress = progress_bar(scenario.simulation.trials, args.quiet);
    let started = Instant::now();
    let (results, per_trial) =
        simulate(&scenario, threads, args.per_trial, &progress).map_err(Failure::Other)?;
    let wall = started.elapsed().as_secs_f64();
    progress.finish_and_clear();

    let dir = staging.path();
    let mut written = report::write_results(&results, dir).map_err(|e| Failure::Other(e.into()))?;
    if let Some(rows) = per_trial {
        written.push(report::write_per_trial(&rows, dir).map_err(|e| Failure::Other(e.into()))?);
    }
    if !args.no_charts {
        let charts = crate::plot::draw_run_charts(&results, &scenario, dir)
            .map_err(|e| Failure::Other(e.into()))?;
        written.extend(charts);
    }
    let mut outputs: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    outputs.push(report::files::MANIFEST_JSON.to_string());
    let manifest = Manifest::new(&source, &scenario, threads, wall, outputs);
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest)
        .map_err(|e| Failure::Other(e.into()))?;
    let out = staging.commit().map_err(|e| Failure::Other(e.into()))?;
    if !args.quiet {
        print_summary(&results, &scenario, &out, wall);
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
    let keys = StreamKeys::new(scenario.mediation.mediators.iter().map(|m| m.name.as_str()));
    let trials = 0..scenario.simulation.trials;
    let seed = scenario.simulation.seed;
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
    println!("{}", scenario.name);
    println!(
        "  {} trials, seed {}, {} days from {}; {:.2} s",
        s.trials, s.seed, s.horizon_days, s.start_date, wall
    );
    println!(
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
        println!(
            "  P(all {pool} returned by {}): {} (95% CI {} to {})",
            s.deadline,
            pct(t.estimate),
            pct(t.ci95[0]),
            pct(t.ci95[1])
        );
    }
    println!(
        "  P(no round by {}): {} (95% CI {} to {})",
        s.deadline,
        pct(p.no_round_by_deadline.estimate),
        pct(p.no_round_by_deadline.ci95[0]),
        pct(p.no_round_by_deadline.ci95[1])
    );
    println!(
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
        (Some(d), Some(date)) => println!(
            "  median time to the first suspension: {d} days ({date}); 95% CI {} to {} days",
            show_day(f.ci95[0]),
            show_day(f.ci95[1])
        ),
        _ => println!("  fewer than half of the trials are suspended within the horizon"),
    }
    println!("  results: {}", out.display());
}

fn show_day(d: Option<u32>) -> String {
    d.map_or_else(|| "beyond the horizon".to_string(), |d| d.to_string())
}
