//! `swapsim history`: what the record of exchanges shows over a window.

use super::Error;
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use swapsim::dates;
use swapsim::history::losses::ClaimedLosses;
use swapsim::history::record::Record;
use swapsim::history::summary::{HistorySummary, LONG_GAP_DAYS};
use swapsim::jobs::history::{HistoryJob, HistoryOptions};
use swapsim::jobs::{self, Exec, Job, WriteOptions};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim history
      Summarise the whole shipped record (March 2022 to 15 November 2025)
      and write tables and charts to output/history/.
  swapsim history --from 2024-01-01 --to 2024-12-31
      Only 2024.
  swapsim history --record my-exchanges.csv --out results/history
      Use a record of your own (same columns as scenarios/data/exchanges.csv).
  swapsim history --from 2025-06-01 --to 2025-11-15 --write-path path.csv
      Also write the escalation index over those days as an escalation path
      (columns date,level) that a scenario can use.";

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// First day of the window [default: the record's first row].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day of the window [default: the end of the record: 2025-11-15
    /// for the shipped record, the last row's date for another file].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    #[command(flatten)]
    pub record: RecordArgs,
    /// Series of claimed losses (CSV) to build the escalation index from,
    /// instead of the shipped one (scenarios/data/claimed_losses_daily.csv,
    /// built in); same columns.
    #[arg(long = "losses", value_name = "FILE")]
    pub losses: Option<PathBuf>,
    /// Also write the escalation index for the days --from to --to to FILE
    /// as an escalation path (CSV with columns date,level); written whole or
    /// not at all, and never over anything but a regular file.
    #[arg(long, value_name = "FILE")]
    pub write_path: Option<PathBuf>,
    /// Output directory [default: output/history].
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

/// The record option every command that reads the record shares.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Record of exchanges (CSV) to use instead of the shipped one
    /// (scenarios/data/exchanges.csv, built in); same columns.
    #[arg(long = "record", value_name = "FILE")]
    pub path: Option<PathBuf>,
}

impl RecordArgs {
    pub(super) fn load(&self) -> Result<Record, Error> {
        Ok(match &self.path {
            Some(p) => Record::read(p),
            None => Record::shipped(),
        }?)
    }
}

/// A date argument written `YYYY-MM-DD` ([`dates::parse`]).
pub(super) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    dates::parse(text).map_err(|_| {
        format!("{text:?} is not a date: write it as YYYY-MM-DD, for example 2025-11-15")
    })
}

pub(super) fn run(args: &HistoryArgs) -> Result<(), Error> {
    let losses = match &args.losses {
        Some(p) => ClaimedLosses::read(p),
        None => ClaimedLosses::shipped(),
    }?;
    let job = HistoryJob::plan(
        args.record.load()?,
        losses,
        &HistoryOptions {
            from: args.from,
            to: args.to,
            write_path: args.write_path.clone(),
        },
    )?;
    let options = WriteOptions {
        charts: !args.no_charts,
        report: false,
        force: args.force,
    };
    if let Some(path) = &args.write_path {
        let results = args.out.clone().unwrap_or_else(|| job.default_dir());
        swapsim::outputs::check_outside_results("--write-path", path, &results)?;
    }
    let done = jobs::execute(&job, args.out.as_deref(), &Exec::serial(), &options)?;
    let path = job.write_path_file()?;
    if !args.quiet {
        say!("{}", summary_table(&done.results.summary).trim_end());
        if let Some(path) = path {
            say!(
                "  escalation path ({} days, {} to {}): {}",
                done.results.index.len(),
                done.results.summary.window.from,
                done.results.summary.window.to,
                path.display()
            );
        }
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

/// "1 row", "76 rows".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The summary as a plain-text table.
pub fn summary_table(s: &HistorySummary) -> String {
    let n = |v: u64| swapsim::format::grouped(v as f64, 0);
    let mut out = String::new();
    let w = s.window;
    out.push_str(&format!(
        "Exchanges of prisoners, {} to {} ({})\n",
        w.from, w.to, s.record
    ));
    out.push_str(&format!(
        "  {} on {}, {} (exchanges on consecutive days count as one)\n",
        plural(s.rows, "row"),
        plural(s.exchange_days, "day"),
        plural(s.rounds, "round")
    ));
    out.push_str(&format!(
        "  returned to Ukraine: {} ({} rows without a figure); to Russia: {} ({} rows without a figure)\n\n",
        n(s.returned_to_ukraine),
        s.rows_without_ukraine_figure,
        n(s.returned_to_russia),
        s.rows_without_russia_figure
    ));
    out.push_str(&format!(
        "  {:<6}{:>9}{:>15}{:>8}{:>14}{:>12}{:>14}{:>12}\n",
        "year",
        "days",
        "exchange days",
        "rounds",
        "to Ukraine",
        "no figure",
        "to Russia",
        "no figure"
    ));
    for y in &s.years {
        out.push_str(&format!(
            "  {:<6}{:>9}{:>15}{:>8}{:>14}{:>12}{:>14}{:>12}\n",
            y.year,
            y.days_in_window,
            y.exchange_days,
            y.rounds,
            n(y.returned_to_ukraine),
            y.rows_without_ukraine_figure,
            n(y.returned_to_russia),
            y.rows_without_russia_figure
        ));
    }
    out.push_str(&format!(
        "\n  {:<26}{:>7}{:>14}{:>12}  {:<10}  {}\n",
        "mediator credited", "rounds", "to Ukraine", "no figure", "first", "last"
    ));
    for m in &s.mediators {
        out.push_str(&format!(
            "  {:<26}{:>7}{:>14}{:>12}  {:<10}  {}\n",
            m.mediator,
            m.rounds,
            n(m.returned_to_ukraine),
            m.rounds_without_figure,
            m.first,
            m.last
        ));
    }
    out.push_str("\n  longest gaps between exchanges (days)\n");
    for g in &s.longest_gaps {
        let from = g
            .from
            .map_or("the start of the window".to_string(), |d| d.to_string());
        let to =
            g.to.map_or("the end of the window".to_string(), |d| d.to_string());
        let days = if g.censored {
            format!("{}+", g.days)
        } else {
            g.days.to_string()
        };
        out.push_str(&format!("  {days:>6}  {from} to {to}\n"));
    }
    let median = s
        .median_gap_days
        .map_or("none".to_string(), |m| format!("{m} days"));
    out.push_str(&format!(
        "  median gap: {median}; gaps of {LONG_GAP_DAYS} days or more: {}\n",
        s.long_gaps
    ));
    out
}
