//! Output directories: staging, ownership, the manifest and the final swap.
//!
//! A researcher reruns an analysis into the same folder many times, and a
//! run can fail or be interrupted. Every job therefore writes into a
//! staging directory beside its target, and only a finished job replaces
//! the previous results; a failed one leaves them untouched. A directory is
//! replaced only if swapsim wrote it. This module is the only code that
//! creates, renames or removes an output directory; the writers here only
//! format what a job computed.

pub mod dir;
pub mod manifest;

pub use dir::{
    Identity, MARKER, Staging, check_extra_file, check_outside_results, same_file,
    write_file_atomically,
};
pub use manifest::{CommandManifest, Manifest};

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// File names of a run's outputs.
pub mod files {
    pub const SUMMARY_JSON: &str = "summary.json";
    pub const SUMMARY_CSV: &str = "summary.csv";
    pub const DAILY_CSV: &str = "daily.csv";
    pub const DISTRIBUTION_CSV: &str = "returned_by_deadline.csv";
    pub const PER_TRIAL_CSV: &str = "per_trial.csv";
    pub const MANIFEST_JSON: &str = "manifest.json";
    pub const PARTIAL_JSON: &str = "partial.json";
    pub const COMPARISON_JSON: &str = "comparison.json";
    pub const REPORT_HTML: &str = "report.html";
    /// Results of `swapsim sensitivity`, one per method.
    pub const TORNADO_JSON: &str = "tornado.json";
    pub const SOBOL_JSON: &str = "sobol.json";
    pub const MORRIS_JSON: &str = "morris.json";
    /// Results of `swapsim sweep`.
    pub const SWEEP_JSON: &str = "sweep.json";
}

/// A failure to write results, naming the path.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(
        "refusing to write into {0}: it exists and is not a swapsim output directory (swapsim \
         marks the folders it makes with a file named .swapsim-output.json); choose another \
         --out, or an empty or new folder"
    )]
    NotAnOutputDir(PathBuf),
    #[error(
        "refusing to replace {dir}: {what}; choose another --out, or add --force to replace \
         those results"
    )]
    OtherAnalysis { dir: PathBuf, what: String },
    #[error(
        "refusing to write through {0}: it is a symbolic link; give the folder it points to, \
         or another --out"
    )]
    Link(PathBuf),
    #[error(
        "refusing to write {0}: something that is not a regular file (a link, a folder or a \
         device) is in the way; move it, or choose another --out"
    )]
    InTheWay(PathBuf),
    #[error(
        "cannot write into {target}: {file} is a file, not a folder; choose another --out, \
         inside folders that exist or do not exist yet"
    )]
    FileOnPath { target: PathBuf, file: PathBuf },
    #[error(
        "another swapsim run (process {pid}) is writing to {dir}; wait for it to finish, or \
         choose another --out"
    )]
    Busy { dir: PathBuf, pid: u32 },
    /// `swapsim report` was pointed at a directory it cannot report on.
    #[error(
        "{dir} is not a swapsim output directory: {reason}; give the folder that \
         `swapsim run`, `merge`, `compare`, `sweep` or `sensitivity` wrote"
    )]
    NotReportable { dir: PathBuf, reason: String },
    /// `swapsim report` was pointed at the output of a command that has no
    /// report (`history`, `calibrate`, `backtest`).
    #[error(
        "{dir} holds {what}, which report.html does not cover: its tables and charts are in \
         the folder itself; `swapsim report` takes a folder that `swapsim run`, `merge`, \
         `compare`, `sweep` or `sensitivity` wrote"
    )]
    NoReport { dir: PathBuf, what: String },
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `value` as pretty JSON with a final newline.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    // Every number at the precision data have (`format::data`), whatever
    // the command; a value serde_json cannot hold as a tree (an integer
    // beyond 64 bits) is written as it is.
    let bytes = match serde_json::to_value(value) {
        Ok(mut tree) => {
            crate::format::data_json(&mut tree);
            serde_json::to_vec_pretty(&tree)
        }
        Err(_) => serde_json::to_vec_pretty(value),
    };
    let mut bytes = bytes.map_err(|e| OutputError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    bytes.push(b'\n');
    fs::write(path, bytes).map_err(io_err(path))
}

/// Writes `value` as compact JSON: for machine-read files such as partial
/// results, where layout only costs space.
pub fn write_json_compact<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let bytes = serde_json::to_vec(value).map_err(|e| OutputError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    fs::write(path, bytes).map_err(io_err(path))
}

/// Writes rows as CSV: a header from the field names of a struct row, or
/// none for rows that are plain lists of values.
pub fn write_csv<T: Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<(), OutputError> {
    let csv_err = |source| OutputError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| OutputError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    let bytes = data_csv(bytes).map_err(csv_err)?;
    fs::write(path, bytes).map_err(io_err(path))
}

/// CSV text with every decimal field rounded by `format::data_field`, the
/// same bytes when no field needs it.
pub fn data_csv(bytes: Vec<u8>) -> Result<Vec<u8>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut records = Vec::new();
    let mut changed = false;
    for record in reader.records() {
        let record = record?;
        let fields: Vec<String> = record
            .iter()
            .map(|f| match crate::format::data_field(f) {
                Some(r) => {
                    changed = true;
                    r
                }
                None => f.to_string(),
            })
            .collect();
        records.push(fields);
    }
    if !changed {
        return Ok(bytes);
    }
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for r in &records {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// SHA-256 of a text, as lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
