//! The command line: argument parsing, exit codes, progress and messages.
//!
//! Everything a user types or writes is checked here or in `scenario`, and
//! every failure becomes a message and an exit code, never a panic: 0 for
//! success, 2 for bad input (arguments or scenario files), 1 for anything
//! else (an unwritable directory, a full disk).

mod run;
mod sensitivity;
mod sweep;

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

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
    /// Run a scenario at several values of one parameter, on common random
    /// numbers.
    ///
    /// Writes sweep.csv, sweep.json, manifest.json and a chart of each key
    /// outcome against the parameter into output/<scenario file name>-sweep/.
    #[command(after_help = sweep::EXAMPLES)]
    Sweep(sweep::SweepArgs),
    /// Find which uncertain assumptions drive the results: tornado, Sobol
    /// indices or Morris screening over the scenario's [uncertainties].
    ///
    /// Writes tables, the raw design, manifest.json and charts into
    /// output/<scenario file name>-sensitivity/<method>/.
    #[command(after_help = sensitivity::EXAMPLES)]
    Sensitivity(sensitivity::SensitivityArgs),
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
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
    }
}

pub(crate) fn load(path: Option<&Path>) -> Result<(ScenarioSource, Scenario), Failure> {
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
