//! `swapsim run`: simulate one scenario and write its results.

use super::{Error, RunArgs};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use swapsim::format;
use swapsim::jobs::ensemble::{self, DEFAULT_ASSUMPTIONS, EnsembleJob, EnsembleResults};
use swapsim::jobs::run::{DEFAULT_CONVERGENCE_CAP, RunJob, RunOptions};
use swapsim::jobs::shard::{self, RoundCap};
use swapsim::jobs::{self, Exec, Job, RunInfo, WriteOptions};
use swapsim::outcomes::Outcome;
use swapsim::outputs::Staging;
use swapsim::scenario::{Scenario, ScenarioSource, uncertainty};
use swapsim::sensitivity::ensemble::OutcomeLayers;
use swapsim::stats::Results;

/// Largest memory `--per-trial` may ask for (bytes): every trial's row is
/// held until the run ends, to be written in trial order.
const PER_TRIAL_MEMORY_LIMIT: u64 = 1 << 30;

/// Refuses, before any trial runs, a `--per-trial` run whose rows would not
/// fit in [`PER_TRIAL_MEMORY_LIMIT`]: each row is held once as simulated and
/// once sorted.
fn per_trial_fits(trials: u64) -> Result<(), Error> {
    let row = std::mem::size_of::<(u64, swapsim::model::TrialOutcome)>() as u64;
    let need = trials.saturating_mul(2 * row);
    if need <= PER_TRIAL_MEMORY_LIMIT {
        return Ok(());
    }
    Err(Error::input(format!(
        "--per-trial with {} trials would hold about {} MB of rows in memory, more than the \
         {} MB allowed: give at most {} trials with --per-trial (the summary and daily tables \
         need no per-trial rows and take any number of trials)",
        format::grouped(trials as f64, 0),
        format::grouped((need >> 20) as f64, 0),
        format::grouped((PER_TRIAL_MEMORY_LIMIT >> 20) as f64, 0),
        format::grouped((PER_TRIAL_MEMORY_LIMIT / (2 * row)) as f64, 0),
    )))
}

pub(super) fn run(args: &RunArgs) -> Result<(), Error> {
    let source = match args.scenario.as_deref() {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let options = RunOptions {
        trials: args.trials,
        seed: args.common.seed,
        per_trial: args.per_trial,
    };
    if args.per_trial && (args.shard.is_some() || args.target_se.is_some()) {
        return Err(Error::input(
            "--per-trial cannot be combined with --shard or --target-se",
        ));
    }
    if args.common.report && args.shard.is_some() {
        return Err(Error::input(
            "--report cannot be combined with --shard: merge the shards with `swapsim merge`, \
             then run `swapsim report` on the merged directory",
        ));
    }
    let central_only = args.target_se.is_some() || args.per_trial;
    let asked = args.assumptions.filter(|&n| n > 0);
    if let (Some(n), true) = (asked, central_only) {
        return Err(Error::input(format!(
            "--assumptions {n} cannot be combined with --target-se or --per-trial, which run the \
             central values only: give --assumptions 0 or leave it out"
        )));
    }
    let ensemble = asked.is_some()
        || (args.assumptions.is_none()
            && !central_only
            && !uncertainty::parse(&source.text, &source.display_name)?.is_empty());
    if ensemble {
        let n = asked.unwrap_or(DEFAULT_ASSUMPTIONS);
        return run_ensemble(
            &EnsembleJob::plan(source, &options, n)?.with_fan(args.fan),
            args,
        );
    }
    let job = RunJob::plan(source, &options)?;
    if args.per_trial {
        per_trial_fits(job.scenario().simulation().trials)?;
    }
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
    let (job, done) = match args.target_se {
        Some(se) => {
            let target = out.map_or_else(|| job.default_dir(), Path::to_path_buf);
            // Refuse an unusable output directory before simulating.
            let staging = Staging::open(&target, job.identity(), args.common.force)?;
            let cap = args.trials.unwrap_or(DEFAULT_CONVERGENCE_CAP);
            let started = std::time::Instant::now();
            let converged = job.converge(se, args.metric, cap, &exec)?;
            let run = RunInfo {
                threads: exec.threads,
                wall: started.elapsed().as_secs_f64(),
            };
            if !converged.reached {
                eprintln!(
                    "warning: after {} trials (the cap{}) the standard error of {} is {:.3e}, \
                     still above the target {se}; the results written are for those trials. \
                     Give --trials N to allow more, or ask for a precision the outcome can reach \
                     (an event that never happens has no standard error to shrink).",
                    converged.job.units(),
                    if args.trials.is_some() {
                        " set by --trials"
                    } else {
                        ""
                    },
                    args.metric.statistic(),
                    converged.se
                );
            }
            let done = jobs::complete(&converged.job, converged.stats, staging, run, &options)?;
            (converged.job, done)
        }
        None => {
            let done = jobs::execute(&job, out, &exec, &options)?;
            (job, done)
        }
    };
    super::warn_round_cap(&[RoundCap::of_run(&done.results.results)]);
    if !args.common.quiet {
        if let Some(se) = args.target_se {
            say!(
                "converged: {} trials brought the standard error of {} below {}",
                job.scenario().simulation().trials,
                serde_json::to_string(&args.metric).unwrap_or_default(),
                se
            );
        }
        print_summary(&done.results.results, job.scenario(), &done.dir, done.wall);
    }
    Ok(())
}

/// Runs the central values and the parameter sets of an ensemble (or a
/// shard of them) and prints both layers.
fn run_ensemble(job: &EnsembleJob, args: &RunArgs) -> Result<(), Error> {
    let bar = Bar::new(args.common.quiet);
    let exec = Exec {
        threads: args.common.threads(),
        progress: &bar,
    };
    let out = args.common.out.as_deref();
    if let Some(k_of_n) = args.shard {
        let done = shard::run_shard(job, k_of_n, out, &exec)?;
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
    let done = jobs::execute(job, out, &exec, &options)?;
    super::warn_round_cap(&RoundCap::of_ensemble(&done.results));
    if !args.common.quiet {
        let central = job.central().scenario();
        print_summary(&done.results.run.results, central, &done.dir, done.wall);
        print_assumptions(&done.results, central);
    }
    Ok(())
}

/// The headline of each key outcome across the assumptions: "P(all 1,200
/// by 31 Dec): 2.1% at the central values; 0.2%-8.0% across the
/// scenario's assumptions (90% of draws)".
pub(super) fn print_assumptions(r: &EnsembleResults, scenario: &Scenario) {
    let a = r.assumptions();
    say!(
        "  the 95% intervals above measure simulation noise only; the scenario's assumptions \
         move these answers far more, as the ranges below show"
    );
    say!(
        "  across the scenario's assumptions: {} parameter sets drawn from its {} \
         uncertainties, {} trials each on the same random numbers",
        a.parameter_sets,
        a.uncertainties.len(),
        format::grouped(a.trials_per_set as f64, 0)
    );
    for l in ensemble::outcomes(r) {
        say!("  {}", headline(l, scenario));
    }
}

/// One outcome's two layers in words.
pub(crate) fn headline(l: &OutcomeLayers, scenario: &Scenario) -> String {
    let o = l.outcome;
    let v = |x: f64| swapsim::plot::sensitivity::fmt_outcome(o, x);
    let bound = |x: f64| {
        if o.is_probability() {
            format!("{}%", format::percent_bound(x))
        } else {
            v(x)
        }
    };
    let across = &l.layers.across;
    let share = match (l.layers.variance.share, l.layers.variance.share_ci95) {
        (Some(s), Some([lo, hi])) => format!(
            "; assumptions explain {:.0}% of its variance (95% CI {:.0}% to {:.0}%)",
            100.0 * s,
            100.0 * lo,
            100.0 * hi
        ),
        (Some(s), None) => format!("; assumptions explain {:.0}% of its variance", 100.0 * s),
        _ => String::new(),
    };
    let name = swapsim::plot::sensitivity::outcome_title(o, scenario);
    let name = if o == Outcome::TargetByDeadline {
        name.replacen("returned ", "", 1)
    } else {
        name
    };
    format!(
        "{name}: {} at the central values; {}-{} across the scenario's assumptions (90% of \
         draws); {} over all draws (95% CI {} to {}){share}",
        v(l.central.estimate.unwrap_or(f64::NAN)),
        bound(across.p5.estimate),
        bound(across.p95.estimate),
        v(l.layers.predictive.estimate),
        bound(l.layers.predictive.ci95[0]),
        bound(l.layers.predictive.ci95[1]),
    )
}

/// A progress bar with an ETA on stderr, drawn only on a terminal.
pub(crate) struct Bar(ProgressBar);

impl Bar {
    pub(crate) fn new(quiet: bool) -> Self {
        let bar = ProgressBar::new(0);
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        Bar(bar)
    }
}

impl jobs::Progress for Bar {
    fn start(&self, total: u64, unit: &'static str) {
        self.0.set_length(total);
        self.0.set_position(0);
        let template = format!(
            "{{spinner}} simulating [{{bar:40}}] {{human_pos}}/{{human_len}} {unit}, {{rate}}, {{left}}"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            let style = style
                .progress_chars("=> ")
                .with_key(
                    "rate",
                    move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let secs = s.elapsed().as_secs_f64();
                        let _ = if secs > 0.0 && s.pos() > 0 {
                            write!(w, "{} {unit}/s", format::compact(s.pos() as f64 / secs))
                        } else {
                            write!(w, "starting")
                        };
                    },
                )
                .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    // The average pace so far: steadier in the first
                    // seconds than a moving average of the last few blocks.
                    let (done, secs) = (s.pos() as f64, s.elapsed().as_secs_f64());
                    let total = s.len().unwrap_or(0) as f64;
                    let _ = if done > 0.0 && secs >= 0.5 && done >= 0.01 * total {
                        write!(
                            w,
                            "about {} left",
                            format::duration(secs * (total - done) / done)
                        )
                    } else {
                        write!(w, "estimating the time left")
                    };
                });
            self.0.set_style(style);
        }
    }

    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// The headline numbers of a run, each with its uncertainty.
pub(super) fn print_summary(results: &Results, scenario: &Scenario, out: &Path, wall: f64) {
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
    for m in &s.milestones {
        let r = &m.reached_by;
        let day = match &m.day_reached.median_date {
            Some(date) => format!("median day reached {date}"),
            None => "fewer than half of the trials ever reach it".to_string(),
        };
        say!(
            "  milestone {:?} ({} people by {}): {} (95% CI {} to {}); {day}",
            m.name,
            m.people,
            m.by,
            pct(r.estimate),
            pct(r.ci95[0]),
            pct(r.ci95[1])
        );
    }
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
