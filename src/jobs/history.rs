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
use crate::history::intensity::{self, IndexDay};
use crate::history::losses::{ClaimedLosses, SHIPPED_LOSSES_NAME};
use crate::history::record::{Record, SHIPPED_RECORD_NAME};
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    /// First day of the window [default: the record's first row].
    pub from: Option<NaiveDate>,
    /// Last day of the window [default: the end of the record].
    pub to: Option<NaiveDate>,
    /// Also write the escalation index over the window to this file, as an
    /// escalation path (`date,level`).
    pub write_path: Option<PathBuf>,
}

/// A summary of one window of the record.
#[derive(Debug, Clone)]
pub struct HistoryJob {
    record: Record,
    window: Window,
    losses: ClaimedLosses,
    /// The escalation index over the whole series of claimed losses.
    index: Vec<IndexDay>,
    write_path: Option<PathBuf>,
}

/// What `history` found.
#[derive(Debug, Clone)]
pub struct HistoryResults {
    pub summary: HistorySummary,
    pub rounds: Vec<Round>,
    /// The escalation index on the days of the window it covers.
    pub index: Vec<IndexDay>,
}

impl HistoryJob {
    /// Plans a summary of `record` over the window the options give, with
    /// the escalation index built from `losses`.
    pub fn plan(
        record: Record,
        losses: ClaimedLosses,
        options: &HistoryOptions,
    ) -> Result<HistoryJob> {
        let window = window(&record, options.from, options.to, ("--from", "--to"))?;
        let index = intensity::escalation_index(&losses);
        if options.write_path.is_some() {
            let first = index.first().map(|d| d.date).unwrap_or_default();
            let last = index.last().map(|d| d.date).unwrap_or_default();
            if window.from < first || window.to > last {
                return Err(Error::input(format!(
                    "--write-path needs the escalation index on every day from {} to {}, but {} covers \
                     {first} to {last} (the index starts the day after the first total): choose --from \
                     and --to within that range",
                    window.from, window.to, losses.source_name
                )));
            }
        }
        // Refused before anything is written rather than after the results
        // folder has been: a file in the way, a folder that is not there,
        // or one of the two files read here.
        if let Some(path) = &options.write_path {
            let mut inputs: Vec<(&str, &Path)> = Vec::new();
            if record.source_name != SHIPPED_RECORD_NAME {
                inputs.push((
                    "the record of exchanges (--record)",
                    Path::new(&record.source_name),
                ));
            }
            if losses.source_name != SHIPPED_LOSSES_NAME {
                inputs.push((
                    "the series of claimed losses (--losses)",
                    Path::new(&losses.source_name),
                ));
            }
            crate::outputs::check_extra_file("--write-path", path, &inputs)?;
        }
        Ok(HistoryJob {
            record,
            window,
            losses,
            index,
            write_path: options.write_path.clone(),
        })
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    pub fn losses(&self) -> &ClaimedLosses {
        &self.losses
    }

    /// Writes the escalation path file asked for, if any, through a
    /// temporary file beside it (never over anything but a regular file),
    /// and returns where. Called once the output directory is in place.
    pub fn write_path_file(&self) -> Result<Option<&Path>> {
        let Some(path) = &self.write_path else {
            return Ok(None);
        };
        let rows = intensity::path_rows(&self.index, self.window.from, self.window.to);
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in &rows {
            w.serialize(row).map_err(Error::other)?;
        }
        let bytes = w.into_inner().map_err(Error::other)?;
        let bytes = crate::outputs::data_csv(bytes).map_err(Error::other)?;
        crate::outputs::write_file_atomically(path, &bytes)?;
        Ok(Some(path))
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
        let index = self
            .index
            .iter()
            .filter(|d| self.window.contains(d.date))
            .copied()
            .collect();
        Ok(HistoryResults {
            summary,
            rounds,
            index,
        })
    }

    fn write(&self, r: &HistoryResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        let s = &r.summary;
        out.json("summary.json", s)?;
        out.csv("years.csv", &s.years)?;
        out.csv("mediators.csv", &s.mediators)?;
        out.csv("gaps.csv", &s.gaps)?;
        out.csv("rounds.csv", &r.rounds)?;
        out.csv("escalation_index.csv", &r.index)?;
        if options.charts {
            let charts =
                crate::plot::history::draw_history_charts(s, &r.rounds, &r.index, out.dir())
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
