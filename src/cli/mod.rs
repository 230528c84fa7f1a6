//! The command line: argument parsing, exit codes, progress and messages.
//!
//! Everything a user types or writes is checked here or in `scenario`, and
//! every failure becomes a message and an exit code, never a panic: 0 for
//! success, 2 for bad input (arguments or scenario files), 1 for anything
//! else (an unwritable directory, a full disk).

/// `println!` that ignores a closed standard output: `swapsim run | head`
/// must not end in a panic. What it prints may hold text read from files
/// (names, paths in shard files), so escape sequences are removed first.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stdout(), "{}", swapsim::format::terminal(&line));
    }};
}

/// Warns on standard error, even when quiet, about each scenario whose
/// rounds reached the size cap: its totals are lower bounds, which a user
/// must know before reading them.
fn warn_round_cap(caps: &[swapsim::jobs::shard::RoundCap]) {
    for c in caps.iter().filter(|c| c.trials_at_cap > 0) {
        let of = if c.label.is_empty() {
            String::new()
        } else {
            format!(" of {}", c.label)
        };
        eprintln!(
            "warning: in {} of {} trials{of} a round reached the cap of {} people (the largest \
             pool allowed), so the people returned in those trials are lower bounds; the count \
             is in summary.json as {}. The size law asks for rounds this large when there is \
             no pool and size_escalation_coef is very negative: give a pool or a milder \
             coefficient.",
            swapsim::format::grouped(c.trials_at_cap as f64, 0),
            swapsim::format::grouped(c.trials as f64, 0),
            swapsim::format::grouped(swapsim::model::MAX_ROUND_PEOPLE as f64, 0),
            c.field,
        );
    }
}

mod backtest;
mod calibrate;
mod compare;
mod discover;
mod explain;
mod forecast;
mod history;
mod merge;
mod new;
mod run;
mod sensitivity;
mod sweep;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use swapsim::error::Error;
use swapsim::scenario::{Scenario, ScenarioSource};

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
    /// Compare configurations side by side, paired on common random numbers.
    ///
    /// Runs a scenario's base and its [[variants]], or generated mediator
    /// configurations (--knockout), or several scenario files, on the same
    /// trials. For each key outcome it reports every configuration's
    /// estimate and its paired difference from the reference, each with a
    /// 95% interval, into output/<file name>-compare/.
    #[command(after_help = compare::EXAMPLES)]
    Compare(compare::CompareArgs),
    /// Combine the partial results of shards (run, compare or sensitivity
    /// with --shard K/N) into the outputs of the unsharded command.
    #[command(after_help = merge::EXAMPLES)]
    Merge(MergeArgs),
    /// Find the boxes of assumptions where an outcome crosses a threshold
    /// (PRIM), from an ensemble (ensemble.csv) or a Sobol design.
    #[command(after_help = discover::EXAMPLES)]
    Discover(discover::DiscoverArgs),
    /// Check scenario files and report every problem with its line.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Say what a scenario's numbers mean: every hazard as a daily
    /// probability, a mean wait in days and a chance within 30 days, at
    /// stated conditions (no fighting, typical fighting; every channel open,
    /// typical mediation), each mediator's open share, and round sizes.
    ///
    /// Exact arithmetic, no simulation. Prints a table and writes
    /// explain.json and manifest.json into output/<scenario file
    /// name>-explain/.
    #[command(after_help = explain::EXAMPLES)]
    Explain(explain::ExplainArgs),
    /// Write a commented starter scenario, NAME.toml, that validates and
    /// runs as it is: every key with its unit, its meaning and whether its
    /// value is fitted on the record or assumed.
    #[command(after_help = new::EXAMPLES)]
    New(new::NewArgs),
    /// Summarise the historical record of exchanges: per year, mediators,
    /// longest gaps, with a timeline chart.
    #[command(after_help = history::EXAMPLES)]
    History(history::HistoryArgs),
    /// Fit the exchange process to the record and write a calibrated
    /// scenario, with fit diagnostics.
    #[command(after_help = calibrate::EXAMPLES)]
    Calibrate(calibrate::CalibrateArgs),
    /// Forecast from a past date and score the forecast against the record.
    #[command(after_help = backtest::EXAMPLES)]
    Backtest(backtest::BacktestArgs),
    /// Write and run the scenario a researcher would want on a date:
    /// calibrated on the record up to it and conditioned on what the record
    /// shows by then.
    #[command(after_help = forecast::EXAMPLES)]
    Forecast(forecast::ForecastArgs),
    /// Write report.html, one self-contained page for readers who never run
    /// swapsim, from the outputs of `run`, `compare`, `sweep` or
    /// `sensitivity`.
    ///
    /// The page holds the scenario's question, the key numbers with their
    /// intervals, every chart with a caption on how to read it, the
    /// assumptions with their sources, the comparison if any, which
    /// assumptions matter (for a sensitivity analysis or a sweep), and the
    /// provenance. It needs no network: charts and styles are inline.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
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

const REPORT_EXAMPLES: &str = "\
Examples:
  swapsim report output/istanbul-2025
      Write output/istanbul-2025/report.html from an earlier run.
  swapsim run --report
      Run the default scenario and write the report with the other outputs.
  swapsim compare scenarios/mediator-configurations.toml --report
      The same for a comparison.
  swapsim report output/istanbul-2025-sensitivity/tornado
      Which assumptions matter, from an earlier `swapsim sensitivity`.";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// An output directory written by `swapsim run`, `merge`, `compare`,
    /// `sweep` or `sensitivity`.
    pub dir: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Without one, the built-in default is run: the
    /// same file as scenarios/istanbul-2025.toml.
    pub scenario: Option<PathBuf>,
    /// Also write per_trial.csv, one row per trial (memory grows with trials).
    #[arg(long)]
    pub per_trial: bool,
    /// Run only shard K of N (1-based) and write a partial result for
    /// `swapsim merge`, in output/<file name>-shard-K-of-N/.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Run batches of 16,384 trials until the Monte Carlo standard error of
    /// --metric falls below this value. The run stops, with a warning, at
    /// 10,240,000 trials, or at --trials if given.
    #[arg(long, value_name = "SE")]
    pub target_se: Option<f64>,
    /// The quantity whose standard error --target-se controls.
    #[arg(long, value_enum, default_value = "p_target_by_deadline")]
    pub metric: swapsim::outcomes::Outcome,
    /// Number of trials, overriding the file's `simulation.trials`.
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    /// Parameter sets drawn from the scenario's [uncertainties] (a
    /// scrambled Sobol design), each run with --trials trials on the same
    /// random numbers as the central values [default: 64 when the scenario
    /// declares uncertainties]. 0 runs the central values only. --target-se
    /// and --per-trial run the central values only.
    #[arg(long, value_name = "N")]
    pub assumptions: Option<usize>,
    /// The fan chart of a run over assumptions: `predictive`, the
    /// percentiles of people returned over every trial of every parameter
    /// set; or `median-across`, the 5th to 95th percentile across sets of
    /// each set's median. A run at the central values draws its trials.
    /// Recorded as `fan_chart` in summary.json and in shards, whose merge
    /// draws the same fan.
    #[arg(long, value_enum, default_value = "predictive")]
    pub fan: swapsim::jobs::ensemble::Fan,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Parses `K/N` with 1 <= K <= N.
pub(super) fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{text:?} is not a shard: write K/N with 1 <= K <= N, such as 2/4");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n || n > 100_000 {
        return Err(bad());
    }
    Ok((k, n))
}

/// Options shared by the commands that simulate. The number of trials is
/// each command's own: per configuration, per value or per design point.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Random seed, overriding the file's `simulation.seed`.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: a folder under output/ named after the
    /// scenario file].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Also write report.html: one self-contained page with the question,
    /// key numbers, charts, assumptions and provenance (see `swapsim report`).
    #[arg(long)]
    pub report: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis (another command, other files, another method or
    /// design). Files that swapsim did not write are kept either way.
    #[arg(long)]
    pub force: bool,
}

impl CommonArgs {
    /// Worker threads to use.
    pub fn threads(&self) -> usize {
        self.threads
            .map(usize::from)
            .unwrap_or_else(rayon::current_num_threads)
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard directories (or their partial.json files), all shards of one
    /// run, comparison or sensitivity design.
    #[arg(required = true)]
    pub partials: Vec<PathBuf>,
    /// Output directory [default: where the unsharded command writes:
    /// output/<scenario file name>, with -compare or -sensitivity/<method>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Also write report.html (see `swapsim report`).
    #[arg(long)]
    pub report: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis. Files that swapsim did not write are kept.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
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
            let mut msg = format!("error: {failure}");
            for cause in failure.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            // Messages quote values read from files, which may hold escape
            // sequences.
            eprintln!("{}", swapsim::format::terminal(&msg));
            failure.exit_code()
        }
    }
}

fn run_command(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run::run(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Discover(args) => discover::run(&args),
        Command::Validate(args) => validate(&args),
        Command::Explain(args) => explain::run(&args),
        Command::New(args) => new::run(&args),
        Command::History(args) => history::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Forecast(args) => forecast::run(&args),
        Command::Report(args) => report(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
    }
}

fn report(args: &ReportArgs) -> Result<(), Error> {
    use swapsim::report::html;
    let path = html::write_report(&args.dir)
        .and_then(|path| html::list_in_manifest(&args.dir).map(|()| path))?;
    if !args.quiet {
        say!("report: {}", path.display());
    }
    Ok(())
}

fn validate(args: &ValidateArgs) -> Result<(), Error> {
    let mut failed = 0;
    for path in &args.scenarios {
        let checked = ScenarioSource::read(path).and_then(|source| {
            swapsim::scenario::variants::parse_set(&source.text, &source.display_name)
        });
        match checked {
            Ok(set) => {
                let mut line = format!("{}: ok: {}", path.display(), one_line(&set.base));
                if !set.variants.is_empty() {
                    let names: Vec<String> = set
                        .variants
                        .iter()
                        .map(|v| format!("{:?}", v.name))
                        .collect();
                    line.push_str(&format!("; variants {}", names.join(", ")));
                }
                say!("{line}");
            }
            Err(e) => {
                failed += 1;
                eprintln!("{}", swapsim::format::terminal(&e.to_string()));
            }
        }
    }
    if failed > 0 {
        return Err(Error::input(format!(
            "{failed} of {} scenario files are invalid",
            args.scenarios.len()
        )));
    }
    Ok(())
}

/// A one-line description of a valid scenario.
fn one_line(s: &Scenario) -> String {
    let pool = match s.target().pool {
        Some(p) => format!("pool {p} by {}", s.target().deadline),
        None => format!("no pool, deadline {}", s.target().deadline),
    };
    format!(
        "\"{}\", {} trials, {} days from {}, {pool}, {} regimes, {} mediators",
        s.name(),
        s.simulation().trials,
        s.simulation().horizon_days,
        s.simulation().start_date,
        s.escalation().regimes.len(),
        s.mediation().mediators.len()
    )
}
