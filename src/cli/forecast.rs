//! `swapsim forecast`: write and run the scenario a researcher would want
//! on a date.

use super::Error;
use super::calibrate::ModelArgs;
use super::history::{RecordArgs, parse_date};
use super::run::{Bar, print_assumptions, print_summary};
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use swapsim::jobs::ensemble::{DEFAULT_ASSUMPTIONS, EnsembleJob};
use swapsim::jobs::forecast::{FORECAST_TOML, ForecastJob, ForecastOptions, forecast_scenario};
use swapsim::jobs::run::{RunJob, RunOptions};
use swapsim::jobs::{self, Exec, WriteOptions};
use swapsim::scenario::{ScenarioSource, uncertainty};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim forecast
      The forecast as of the end of the record: the built-in default
      scenario calibrated on the whole record and started the next day;
      writes output/forecast-DATE/forecast.toml and the run's results.
  swapsim forecast --as-of 2025-05-31 --pool 1000 --deadline 2025-06-30
      The same question as a researcher could have asked on 31 May 2025.";

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// The date of the forecast: the record is used up to it and the
    /// simulation starts the next day [default: the end of the record].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// First day of the window for the timing of rounds [default: the
    /// record's first row].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// First day of the window for round sizes [default: --from].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub sizes_from: Option<NaiveDate>,
    /// Scenario whose assumptions and question are used [default: the
    /// built-in default].
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    #[command(flatten)]
    pub record: RecordArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// People to be returned (the question) [default: the base scenario's].
    #[arg(long, value_name = "PEOPLE",
          value_parser = clap::value_parser!(u64).range(1..=swapsim::scenario::MAX_POOL))]
    pub pool: Option<u64>,
    /// Deadline of the question [default: the base scenario's].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub deadline: Option<NaiveDate>,
    /// Days simulated [default: the base scenario's].
    #[arg(long, value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(swapsim::scenario::MAX_HORIZON_DAYS)))]
    pub horizon: Option<u32>,
    /// Keep only these mediators of the base scenario, comma-separated
    /// names such as `Turkey,UAE` [default: all of them].
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub mediators: Option<Vec<String>>,
    /// Trials [default: the base scenario's].
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    /// Random seed [default: the base scenario's].
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Parameter sets drawn from the scenario's [uncertainties] (0: the
    /// central values only) [default: 64 when it declares any].
    #[arg(long, value_name = "N")]
    pub assumptions: Option<usize>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: output/forecast-DATE].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis. Files that swapsim did not write are kept.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(args: &ForecastArgs) -> Result<(), Error> {
    let record = args.record.load()?;
    let forecast = forecast_scenario(
        &record,
        &ForecastOptions {
            as_of: args.as_of,
            from: args.from,
            sizes_from: args.sizes_from,
            base: args.base.clone(),
            model: args.model.variant(),
            pool: args.pool,
            deadline: args.deadline,
            horizon_days: args.horizon,
            mediators: args.mediators.clone(),
        },
    )?;
    let source = ScenarioSource {
        display_name: format!("forecast as of {} ({FORECAST_TOML})", forecast.as_of),
        stem: format!("forecast-{}", forecast.as_of),
        text: forecast.text.clone(),
        path_file: None,
    };
    let options = RunOptions {
        trials: args.trials,
        seed: args.seed,
        per_trial: false,
    };
    let bar = Bar::new(args.quiet);
    let exec = Exec {
        threads: args
            .threads
            .map(usize::from)
            .unwrap_or_else(rayon::current_num_threads),
        progress: &bar,
    };
    let write = WriteOptions {
        charts: !args.no_charts,
        report: false,
        force: args.force,
    };
    let declared = !uncertainty::parse(&source.text, &source.display_name)?.is_empty();
    let n = args
        .assumptions
        .unwrap_or(if declared { DEFAULT_ASSUMPTIONS } else { 0 });
    let out = args.out.as_deref();
    if n > 0 {
        let job = ForecastJob {
            inner: EnsembleJob::plan(source, &options, n)?,
            forecast,
        };
        let done = jobs::execute(&job, out, &exec, &write)?;
        if !args.quiet {
            let central = job.inner.central().scenario();
            say!(
                "Forecast as of {}: {}",
                job.forecast.as_of,
                job.forecast.calibration.model.model
            );
            print_summary(&done.results.run.results, central, &done.dir, done.wall);
            print_assumptions(&done.results, central);
            say!(
                "  forecast scenario: {}",
                done.dir.join(FORECAST_TOML).display()
            );
        }
    } else {
        let job = ForecastJob {
            inner: RunJob::plan(source, &options)?,
            forecast,
        };
        let done = jobs::execute(&job, out, &exec, &write)?;
        if !args.quiet {
            say!(
                "Forecast as of {}: {}",
                job.forecast.as_of,
                job.forecast.calibration.model.model
            );
            print_summary(
                &done.results.results,
                job.inner.scenario(),
                &done.dir,
                done.wall,
            );
            say!(
                "  forecast scenario: {}",
                done.dir.join(FORECAST_TOML).display()
            );
        }
    }
    Ok(())
}
