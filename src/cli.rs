//! The command line: argument parsing, exit codes, progress and messages.
//!
//! Everything a user types or writes is checked here or in `scenario`, and
//! every failure becomes a message and an exit code, never a panic: 0 for
//! success, 2 for bad input (arguments or scenario files), 1 for anything
//! else (an unwritable directory, a full disk).

use crate::engine::{self, PerTrial, StreamKeys};
use crate::model::Model;
use crate::report::{self, Manifest, Staging};
use crate::scenario::{Scenario, ScenarioError, ScenarioSource};
use crate::stats::{Accumulator, Results};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

const RUN_EXAMPLES: &str = "\
Examples:
  swapsim run
      Run the built-in default scenario (Istanbul framework, November 2025)
      and write results to output/istanbul-2025/.
  swapsim run scenarios/turkey-only.toml --trials 100000
      Run a scenario file with more trials than it asks for.
  swapsim run my-scenario.toml --seed 7 --out results/seed7 --per-trial
      Use another seed, write elsewhere, and add one row per trial.";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  swapsim validate scenarios/*.toml
      Check every shipped scenario and print a one-line summary of each.";

/// Monte Carlo simulator of wartime prisoner-exchange processes.
///
/// swapsim simulates many possible futures of an exchange agreement (rounds,
/// suspensions when fighting escalates, resumptions through mediators) and
/// summarises how many people come home by a deadline, how soon the process
/// stalls, and how likely it is to collapse, with uncertainty stated next to
/// every estimate. Scenarios are TOML files; see docs/model.md.
#[derive(Debug, Parser)]
#[command(name = "swapsim", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write tables and charts.
    ///
    /// Writes summary.json, summary.csv, daily.csv, returned_by_deadline.csv,
    /// manifest.json and charts (PNG and SVG) into output/<scenario file
    /// name>/, replacing earlier results there only when the run succeeds.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Check scenario files and report every problem with its line.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Without one, the built-in default is run: the
    /// same file as scenarios/istanbul-2025.toml.
    pub scenario: Option<PathBuf>,
    /// Number of trials, overriding the file's `simulation.trials`.
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    /// Random seed, overriding the file's `simulation.seed`.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: output/<scenario file name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write per_trial.csv, one row per trial (memory grows with trials).
    #[arg(long)]
    pub per_trial: bool,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

/// An error with the exit code it deserves.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit code 2.
    Input(anyhow::Error),
    /// Anything else: exit code 1.
    Other(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Other(_) => 1,
        }
    }

    fn error(&self) -> &anyhow::Error {
        match self {
            Failure::Input(e) | Failure::Other(e) => e,
        }
    }
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Input(e.into())
    }
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with code 0, and usage
            // errors to stderr with code 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run_command(cli.command) {
        Ok(()) => 0,
        Err(failure) => {
            let mut msg = format!("error: {}", failure.error());
            for cause in failure.error().chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{msg}");
            failure.exit_code()
        }
    }
}

fn run_command(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
    }
}

fn load(path: Option<&Path>) -> Result<(ScenarioSource, Scenario), Failure> {
    let source = match path {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let scenario = source.parse()?;
    Ok((source, scenario))
}

fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut failed = 0;
    for path in &args.scenarios {
        match load(Some(path)) {
            Ok((_, s)) => println!("{}: ok: {}", path.display(), one_line(&s)),
            Err(f) => {
                failed += 1;
                eprintln!("{}", f.error());
            }
        }
    }
    if failed > 0 {
        return Err(Failure::Input(anyhow::anyhow!(
            "{failed} of {} scenario files are invalid",
            args.scenarios.len()
        )));
    }
    Ok(())
}

/// A one-line description of a valid scenario.
fn one_line(s: &Scenario) -> String {
    let pool = match s.target.pool {
        Some(p) => format!("pool {p} by {}", s.target.deadline),
        None => format!("no pool, deadline {}", s.target.deadline),
    };
    format!(
        "\"{}\", {} trials, {} days from {}, {pool}, {} regimes, {} mediators",
        s.name,
        s.simulation.trials,
        s.simulation.horizon_days,
        s.simulation.start_date,
        s.escalation.regimes.len(),
        s.mediation.mediators.len()
    )
}

fn run(args: &RunArgs) -> Result<(), Failure> {
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
fn progress_bar(trials: u64, quiet: bool) -> ProgressBar {
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
