//! `history`: what the record of exchanges shows over a window.
//!
//! The job behind `swapsim history`. It simulates nothing (no units), but
//! it is a job all the same, so that its output directory is staged,
//! manifested and swapped in exactly like every other command's: counts per
//! year, mediators, gaps and rounds as tables (`summary.json`,
//! `years.csv`, `mediators.csv`, `gaps.csv`, `rounds.csv`) and the timeline
//! charts. The window checks that every command reading the record applies
//! live here too ([`window`]).

use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::error::{Error, Result};
use crate::history::record::Record;
use crate::history::rounds::{Round, Window};
use crate::history::summary::{self, HistorySummary};
use crate::outputs::CommandManifest;
use crate::outputs::manifest::ManifestFile;
use chrono::NaiveDate;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The window `from ..= to` over `record`, with the defaults and checks
/// every command applies: `from` defaults to the first row, `to` to the
/// end of the record, and `to` may not pass the end of a record whose end
/// is known. `flags` name the two options in messages.
pub fn window(
    record: &Record,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    (from_flag, to_flag): (&str, &str),
) -> Result<Window> {
    let from = from.unwrap_or(record.span().0);
    let to = to.unwrap_or(record.end());
    if let Some(end) = record.covered_until
        && to > end
    {
        return Err(Error::input(format!(
            "{to_flag} {to} is after the end of the record ({end}): days after it are not covered"
        )));
    }
    Window::new(from, to)
        .ok_or_else(|| Error::input(format!("{from_flag} {from} is after {to_flag} {to}")))
}

/// What the command line can change in `history`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    /// First day of the window [default: the record's first row].
    pub from: Option<NaiveDate>,
    /// Last day of the window [default: the end of the record].
    pub to: Option<NaiveDate>,
}

/// A summary of one window of the record.
#[derive(Debug, Clone)]
pub struct HistoryJob {
    record: Record,
    window: Window,
}

/// What `history` found.
#[derive(Debug, Clone)]
pub struct HistoryResults {
    pub summary: HistorySummary,
    pub rounds: Vec<Round>,
}

impl HistoryJob {
    /// Plans a summary of `record` over the window the options give.
    pub fn plan(record: Record, options: &HistoryOptions) -> Result<HistoryJob> {
        let window = window(&record, options.from, options.to, ("--from", "--to"))?;
        Ok(HistoryJob { record, window })
    }

    pub fn record(&self) -> &Record {
        &self.record
    }
}

impl Job for HistoryJob {
    type Stats = ();
    type Results = HistoryResults;

    fn command(&self) -> &'static str {
        "history"
    }

    fn units(&self) -> u64 {
        0
    }

    fn unit_name(&self) -> &'static str {
        "days"
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join("history")
    }

    fn simulate(&self, _range: Range<u64>, _exec: &Exec) -> Result<()> {
        Ok(())
    }

    fn merge(_into: &mut (), _from: ()) {}

    fn finish(&self, _stats: ()) -> Result<HistoryResults> {
        let (summary, rounds) = summary::summarise(&self.record, self.window);
        Ok(HistoryResults { summary, rounds })
    }

    fn write(&self, r: &HistoryResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        let s = &r.summary;
        out.json("summary.json", s)?;
        out.csv("years.csv", &s.years)?;
        out.csv("mediators.csv", &s.mediators)?;
        out.csv("gaps.csv", &s.gaps)?;
        out.csv("rounds.csv", &r.rounds)?;
        if options.charts {
            let charts = crate::plot::history::draw_history_charts(s, &r.rounds, out.dir())
                .map_err(Error::other)?;
            out.add(charts);
        }
        Ok(())
    }

    fn manifest(&self, _run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        ManifestFile::Record(CommandManifest::new(
            (&self.record.source_name, &self.record.sha256),
            None,
            outputs,
        ))
    }
}
