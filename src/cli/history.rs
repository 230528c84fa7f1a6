//! `swapsim history`: what the record of exchanges shows over a window.

use super::Error;
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};
use swapsim::dates;
use swapsim::history::record::{Record, RecordError};
use swapsim::history::rounds::Window;
use swapsim::history::summary::{self, HistorySummary, LONG_GAP_DAYS};
use swapsim::report::{self, CommandManifest, Staging};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim history
      Summarise the whole shipped record (March 2022 to 15 November 2025)
      and write tables and charts to output/history/.
  swapsim history --from 2024-01-01 --to 2024-12-31
      Only 2024.
  swapsim history --record my-exchanges.csv --out results/history
      Use a record of your own (same columns as scenarios/data/exchanges.csv).";

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
    /// Output directory [default: output/history].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
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
        match &self.path {
            Some(p) => Record::read(p),
            None => Record::shipped(),
        }
        .map_err(record_failure)
    }
}

fn record_failure(e: RecordError) -> Error {
    Error::input_from(e)
}

/// A date argument written `YYYY-MM-DD` ([`dates::parse`]).
pub(super) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    dates::parse(text).map_err(|_| {
        format!("{text:?} is not a date: write it as YYYY-MM-DD, for example 2025-11-15")
    })
}

/// The window `from ..= to` over `record`, with the defaults and checks
/// every command applies: `to` may not pass the end of a record whose end
/// is known.
pub(super) fn window(
    record: &Record,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    (from_flag, to_flag): (&str, &str),
) -> Result<Window, Error> {
    let from = from.unwrap_or(record.span().0);
    let to = to.unwrap_or(record.end());
    if let Some(end) = record.covered_until
        && to > end
    {
        return Err(input(format!(
            "{to_flag} {to} is after the end of the record ({end}): days after it are not covered"
        )));
    }
    Window::new(from, to)
        .ok_or_else(|| input(format!("{from_flag} {from} is after {to_flag} {to}")))
}

pub(super) fn input(message: String) -> Error {
    Error::input(message)
}

pub(super) fn other<E: Into<anyhow::Error>>(e: E) -> Error {
    Error::other(e)
}

/// File names, relative to `dir`.
pub(super) fn names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

pub(super) fn run(args: &HistoryArgs) -> Result<(), Error> {
    let record = args.record.load()?;
    let window = window(&record, args.from, args.to, ("--from", "--to"))?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join("history"));
    let staging = Staging::new(&target).map_err(other)?;
    let (summary, rounds) = summary::summarise(&record, window);
    let dir = staging.path();
    let mut written = Vec::new();
    let json = dir.join("summary.json");
    report::write_json(&json, &summary).map_err(other)?;
    written.push(json);
    for (name, result) in [
        (
            "years.csv",
            report::write_csv(&dir.join("years.csv"), &summary.years),
        ),
        (
            "mediators.csv",
            report::write_csv(&dir.join("mediators.csv"), &summary.mediators),
        ),
        (
            "gaps.csv",
            report::write_csv(&dir.join("gaps.csv"), &summary.gaps),
        ),
        (
            "rounds.csv",
            report::write_csv(&dir.join("rounds.csv"), &rounds),
        ),
    ] {
        result.map_err(other)?;
        written.push(dir.join(name));
    }
    if !args.no_charts {
        written.extend(
            swapsim::plot::history::draw_history_charts(&summary, &rounds, dir).map_err(other)?,
        );
    }
    let mut outputs = names(&written);
    outputs.push(report::files::MANIFEST_JSON.to_string());
    let manifest = CommandManifest::new((&record.source_name, &record.sha256), None, outputs);
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    let out = staging.commit().map_err(other)?;
    if !args.quiet {
        say!("{}", summary_table(&summary).trim_end());
        say!("  results: {}", out.display());
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
