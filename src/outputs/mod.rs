//! Output directories: staging, ownership, the manifest and the final swap.
//!
//! A researcher reruns an analysis into the same folder many times, and a
//! run can fail or be interrupted. Every job therefore writes into a
//! staging directory beside its target, and only a finished job replaces
//! the previous results; a failed one leaves them untouched. A directory is
//! replaced only if swapsim wrote it. This module is the only code that
//! creates, renames or removes an output directory; the writers here only
//! format what a job computed.

pub mod manifest;

pub use manifest::{CommandManifest, Manifest};

use serde::Serialize;
use serde_json::Value;
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
        "refusing to replace {0}: it exists and is not a swapsim output directory \
         (no manifest.json written by swapsim); choose another --out or remove it"
    )]
    NotAnOutputDir(PathBuf),
    /// `swapsim report` was pointed at a directory it cannot report on.
    #[error(
        "{dir} is not a swapsim output directory: {reason}; give the folder that \
         `swapsim run`, `merge`, `compare`, `sweep` or `sensitivity` wrote"
    )]
    NotReportable { dir: PathBuf, reason: String },
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A directory being filled with results, which replaces `target` only on
/// [`Staging::commit`]. Dropped without a commit, it removes itself.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares to write results that will replace `target`. Fails before
    /// anything is computed if `target` exists but is not a swapsim output
    /// directory, or if its parent cannot be created or written.
    pub fn new(target: &Path) -> Result<Staging, OutputError> {
        if target.exists() && !is_replaceable(target) {
            return Err(OutputError::NotAnOutputDir(target.to_path_buf()));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".to_string());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the results will be once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces the target with the staged results: the old results are
    /// moved aside, the new ones renamed into place, the old ones removed.
    /// Each rename is atomic; if the second fails, the old results are put
    /// back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let aside = self.dir.with_extension("old");
        let had_old = self.target.exists();
        if had_old {
            if aside.exists() {
                fs::remove_dir_all(&aside).map_err(io_err(&aside))?;
            }
            fs::rename(&self.target, &aside).map_err(io_err(&self.target))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_old {
                // Best effort: the error reported is the one that matters.
                let _ = fs::rename(&aside, &self.target);
            }
            return Err(io_err(&self.target)(e));
        }
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&aside).map_err(io_err(&aside))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// An existing path may be replaced only if it is an empty directory or
/// holds a manifest written by swapsim.
fn is_replaceable(path: &Path) -> bool {
    if !path.is_dir() {
        return false;
    }
    let empty = fs::read_dir(path).is_ok_and(|mut d| d.next().is_none());
    empty
        || fs::read_to_string(path.join(files::MANIFEST_JSON))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| v.get("swapsim_version").is_some())
}

/// Writes `value` as pretty JSON with a final newline.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| OutputError::Io {
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
    let mut w = csv::Writer::from_path(path).map_err(csv_err)?;
    for row in rows {
        w.serialize(row).map_err(csv_err)?;
    }
    w.flush().map_err(io_err(path))
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
