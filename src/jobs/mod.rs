//! Jobs: every command has one shape, plan → simulate a range → merge →
//! finish → artefacts.
//!
//! A run, a comparison, a sensitivity design or a back-test differ in what
//! they simulate and what they write, but not in how: each is planned from
//! scenario files and options, simulates a range of independent units
//! (trials or design points) into statistics that merge exactly, turns the
//! merged statistics into typed results, and writes tables, charts, a
//! manifest and optionally a report into a staged output directory that
//! replaces the previous one only when everything succeeded. Writing that
//! sequence once, in [`execute`], is what lets any job be split into shards
//! ([`shard`]) and merged, and a new command touch only its own module.
//!
//! The command line maps arguments to a job's options and calls these
//! functions; it holds no model or statistics logic.

pub mod backtest;
pub mod calibrate;
pub mod compare;
pub mod discover;
pub mod ensemble;
pub mod explain;
pub mod forecast;
pub mod history;
pub mod robust;
pub mod run;
pub mod sensitivity;
pub mod shard;
pub mod sweep;

use crate::error::{Error, Result};
use crate::outputs::manifest::ManifestFile;
use crate::outputs::{self, Identity, Staging, files};
use serde::Serialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where a job reports how far it has got; the command line draws a
/// progress bar from it. Every method has a default that does nothing.
pub trait Progress: Sync {
    /// Work of `total` units (named `unit`, such as "trials") begins.
    fn start(&self, _total: u64, _unit: &'static str) {}
    /// `done` units of the current work are finished.
    fn advance(&self, _done: u64) {}
    /// The current work is finished.
    fn finish(&self) {}
}

/// Progress that nobody watches.
pub struct Silent;

impl Progress for Silent {}

/// How a job runs: threads (results never depend on them) and progress.
#[derive(Clone, Copy)]
pub struct Exec<'a> {
    pub threads: usize,
    pub progress: &'a dyn Progress,
}

impl Exec<'_> {
    /// Serial execution without progress, for tests and library callers.
    pub fn serial() -> Exec<'static> {
        Exec {
            threads: 1,
            progress: &Silent,
        }
    }
}

/// What a job writes besides its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Charts (PNG and SVG).
    pub charts: bool,
    /// `report.html`.
    pub report: bool,
    /// Replace a directory that holds the results of a different analysis.
    pub force: bool,
}

/// How a job was run, for its manifest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunInfo {
    /// Worker threads used.
    pub threads: usize,
    /// Seconds spent simulating.
    pub wall: f64,
}

/// A command: what it simulates, how its statistics merge, what it
/// reports and writes.
pub trait Job: Sync {
    /// Exact statistics of a range of units. Merging the statistics of
    /// consecutive ranges must give those of the whole range, bit for bit.
    type Stats: Send;
    /// Typed results, ready to write and print.
    type Results;

    /// The command's name, as typed: `run`, `compare`, ...
    fn command(&self) -> &'static str;

    /// Independent units the job divides into: trials or design points.
    fn units(&self) -> u64;

    /// What a unit is called in messages.
    fn unit_name(&self) -> &'static str {
        "trials"
    }

    /// Where the job writes by default, relative to the working directory.
    fn default_dir(&self) -> PathBuf;

    /// What analysis the job is, so that an output directory holding a
    /// different one is not replaced by accident: the command and what
    /// shapes the result (files by name, variants, method, design), not
    /// seeds or trials.
    fn identity(&self) -> Identity {
        Identity::new(self.command(), [])
    }

    /// Simulates units `range`.
    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<Self::Stats>;

    /// Adds the statistics of the next range to `into`.
    fn merge(into: &mut Self::Stats, from: Self::Stats);

    /// The results of all units.
    fn finish(&self, stats: Self::Stats) -> Result<Self::Results>;

    /// Writes tables and (if asked) charts. The driver writes the manifest
    /// and the report.
    fn write(
        &self,
        results: &Self::Results,
        out: &mut Outputs,
        options: &WriteOptions,
    ) -> Result<()>;

    /// The manifest of an output directory holding `outputs`.
    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile;
}

/// A finished job: its results and where they are.
#[derive(Debug)]
pub struct Done<R> {
    pub results: R,
    /// The output directory.
    pub dir: PathBuf,
    /// Seconds spent simulating.
    pub wall: f64,
}

/// Runs a whole job into `target` (or its default directory): stages the
/// directory first, so an unusable one is refused before any simulation,
/// then simulates every unit, finishes and writes.
pub fn execute<J: Job>(
    job: &J,
    target: Option<&Path>,
    exec: &Exec,
    options: &WriteOptions,
) -> Result<Done<J::Results>> {
    let target = target.map_or_else(|| job.default_dir(), Path::to_path_buf);
    let staging = Staging::open(&target, job.identity(), options.force)?;
    let started = Instant::now();
    let stats = simulate_all(job, 0..job.units(), exec)?;
    let run = RunInfo {
        threads: exec.threads,
        wall: started.elapsed().as_secs_f64(),
    };
    complete(job, stats, staging, run, options)
}

/// Simulates `range` with progress reported.
pub(crate) fn simulate_all<J: Job>(job: &J, range: Range<u64>, exec: &Exec) -> Result<J::Stats> {
    exec.progress
        .start(range.end - range.start, job.unit_name());
    let stats = job.simulate(range, exec);
    exec.progress.finish();
    stats
}

/// Finishes a job whose statistics are complete, writes its outputs,
/// manifest and report into `staging` and moves them into place.
pub fn complete<J: Job>(
    job: &J,
    stats: J::Stats,
    staging: Staging,
    run: RunInfo,
    options: &WriteOptions,
) -> Result<Done<J::Results>> {
    let results = job.finish(stats)?;
    let mut out = Outputs::new(staging);
    job.write(&results, &mut out, options)?;
    let mut names = out.written.clone();
    names.push(files::MANIFEST_JSON.to_string());
    if options.report {
        names.push(files::REPORT_HTML.to_string());
    }
    let manifest = job.manifest(&run, names);
    outputs::write_json(&out.dir().join(files::MANIFEST_JSON), &manifest)?;
    // The report reads the finished outputs, manifest included, so it
    // comes last, still before the swap.
    if options.report {
        crate::report::html::write_report(out.dir())?;
    }
    let dir = out.staging.commit()?;
    Ok(Done {
        results,
        dir,
        wall: run.wall,
    })
}

/// A staged output directory and the files written into it so far, in
/// the order the manifest lists them.
#[derive(Debug)]
pub struct Outputs {
    staging: Staging,
    written: Vec<String>,
}

impl Outputs {
    fn new(staging: Staging) -> Self {
        Outputs {
            staging,
            written: Vec::new(),
        }
    }

    /// The directory to write into.
    pub fn dir(&self) -> &Path {
        self.staging.path()
    }

    /// Writes `value` as pretty JSON into `name`.
    pub fn json<T: Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        outputs::write_json(&self.dir().join(name), value)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes `rows` as CSV into `name`.
    pub fn csv<T: Serialize>(
        &mut self,
        name: &str,
        rows: impl IntoIterator<Item = T>,
    ) -> Result<()> {
        outputs::write_csv(&self.dir().join(name), rows)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes `text` into `name`.
    pub fn text(&mut self, name: &str, text: &str) -> Result<()> {
        let path = self.dir().join(name);
        std::fs::write(&path, text).map_err(|source| {
            Error::from(outputs::OutputError::Io {
                path: path.clone(),
                source,
            })
        })?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Records files that another module wrote into [`Outputs::dir`] (charts).
    pub fn add(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        self.written.extend(
            paths
                .into_iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        );
    }
}
