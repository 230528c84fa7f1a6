//! Output directories that never lose a user's files.
//!
//! A researcher reruns an analysis into the same folder many times, keeps
//! notes and an `analysis/` folder beside the results, runs jobs on a
//! cluster that kills them at time-out, and sometimes starts two runs into
//! one folder. So:
//!
//! - a job writes into a staging directory beside its target (one per
//!   process), and only a finished job touches the target;
//! - a directory is swapsim's only if it holds the marker file
//!   [`MARKER`], which lists the files swapsim wrote there and the analysis
//!   they belong to; on replacing, only those files are replaced or
//!   removed, and everything else in the folder is kept;
//! - a directory holding a different analysis (another command, other
//!   files, another method or design) is not replaced unless asked
//!   (`--force`), and the refusal says what differs;
//! - one process at a time writes a target (a lock file beside it); a
//!   second one fails at once, saying another run is writing there;
//! - SIGINT, SIGTERM and SIGHUP remove the staging directory and the lock
//!   before the process ends, and staging directories or locks left by
//!   processes that no longer exist (SIGKILL) are removed by the next run;
//! - nothing is written through a symbolic link: a target that is a link,
//!   or a link where swapsim would write a file, is refused.

use super::{OutputError, io_err};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The marker file of a swapsim output directory.
pub const MARKER: &str = ".swapsim-output.json";

/// What the marker says of itself, so that nobody writes one by accident.
const MARKER_TEXT: &str = "This folder holds results written by swapsim. The files listed below \
                           are replaced when swapsim writes here again; every other file is kept.";

/// What analysis a directory holds: the command and what shapes it
/// (scenario files by name, variants, method, design), but not seeds or
/// numbers of trials, so rerunning the same analysis with more trials or
/// an edited file replaces it without asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub command: String,
    /// (what, value) pairs, such as ("scenario", "long-run.toml").
    pub details: Vec<(String, String)>,
}

impl Identity {
    /// The identity of an analysis by `command` with these details.
    pub fn new<'a>(command: &str, details: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        Identity {
            command: command.to_string(),
            details: details
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }

    /// How `other` differs, in words, or `None` if it is the same analysis.
    pub fn difference(&self, other: &Identity) -> Option<String> {
        if self.command != other.command {
            return Some(format!(
                "it holds the results of `swapsim {}`, not of `swapsim {}`",
                other.command, self.command
            ));
        }
        let keys: BTreeSet<&str> = self
            .details
            .iter()
            .chain(&other.details)
            .map(|(k, _)| k.as_str())
            .collect();
        let get = |id: &'_ Identity, k: &str| -> String {
            id.details
                .iter()
                .find(|(key, _)| key == k)
                .map_or_else(|| "none".to_string(), |(_, v)| v.clone())
        };
        for k in keys {
            let (mine, theirs) = (get(self, k), get(other, k));
            if mine != theirs {
                return Some(format!("its {k} is {theirs}, not {mine}"));
            }
        }
        None
    }
}

/// The marker file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Marker {
    written_by: String,
    format_version: u32,
    analysis: Identity,
    /// The files swapsim wrote, relative to the directory.
    files: Vec<String>,
}

impl Marker {
    fn new(analysis: Identity, files: Vec<String>) -> Self {
        Marker {
            written_by: MARKER_TEXT.to_string(),
            format_version: 1,
            analysis,
            files,
        }
    }

    /// The marker of `dir`, if it has a valid one.
    fn read(dir: &Path) -> Option<Marker> {
        let path = dir.join(MARKER);
        let meta = fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > 1 << 20 {
            return None;
        }
        let marker: Marker = serde_json::from_str(&fs::read_to_string(path).ok()?).ok()?;
        let names_ok = marker.files.iter().all(|f| is_plain_name(f));
        (marker.written_by == MARKER_TEXT && marker.format_version == 1 && names_ok)
            .then_some(marker)
    }

    /// Writes the marker into `dir` through a temporary file, so that a
    /// marker is always whole.
    fn write(&self, dir: &Path) -> Result<(), OutputError> {
        let tmp = dir.join(format!("{MARKER}.tmp-{}", std::process::id()));
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| OutputError::Io {
            path: tmp.clone(),
            source: e.into(),
        })?;
        bytes.push(b'\n');
        fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
        let path = dir.join(MARKER);
        fs::rename(&tmp, &path).map_err(io_err(&path))
    }
}

/// A file name with no directory part: what an output directory may list.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).components().count() == 1
}

/// Whether the process `pid` is running. Where that cannot be told (not
/// Linux), every process counts as running, so nothing of another's is
/// ever removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Staging directories and lock files to remove if a signal ends the
/// process.
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(path: &Path) {
    install_signal_handler();
    if let Ok(mut list) = CLEANUP.lock() {
        list.push(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut list) = CLEANUP.lock() {
        list.retain(|p| p != path);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: remove what this process was staging and
/// its locks, then end with the conventional code 128 + 2.
fn install_signal_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // If another handler is already installed (a library caller's),
        // leave it; the next run removes what a killed process left.
        let _ = ctrlc::set_handler(|| {
            if let Ok(list) = CLEANUP.lock() {
                for path in list.iter() {
                    if path.is_dir() {
                        let _ = fs::remove_dir_all(path);
                    } else {
                        let _ = fs::remove_file(path);
                    }
                }
            }
            eprintln!("interrupted: the previous results, if any, are unchanged");
            std::process::exit(130);
        });
    });
}

/// Exclusive right to write a target, held as a lock file beside it.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn take(parent: &Path, name: &str, target: &Path) -> Result<Lock, OutputError> {
        let path = parent.join(format!(".{name}.swapsim-lock"));
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write as _;
                    let _ = write!(file, "{}", std::process::id());
                    register(&path);
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if process_alive(pid) => {
                            return Err(OutputError::Busy {
                                dir: target.to_path_buf(),
                                pid,
                            });
                        }
                        // A lock of a process that is gone, or half
                        // written: take it over.
                        _ => {
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        Err(OutputError::Busy {
            dir: target.to_path_buf(),
            pid: 0,
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

/// A directory being filled with results, which reach `target` only on
/// [`Staging::commit`]. Dropped without a commit, it removes itself.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    identity: Identity,
    /// The target's marker, when the target exists.
    previous: Option<Marker>,
    committed: bool,
    // Released last, after the staging directory is gone.
    _lock: Lock,
}

impl Staging {
    /// Prepares to write results of `identity` that will replace `target`.
    /// Fails before anything is computed if `target` is a link, exists but
    /// is not a swapsim output directory, holds a different analysis (unless
    /// `force`), is being written by another process, or if its parent
    /// cannot be created or written.
    pub fn open(target: &Path, identity: Identity, force: bool) -> Result<Staging, OutputError> {
        let previous = match fs::symlink_metadata(target) {
            Err(_) => None,
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(OutputError::Link(target.to_path_buf()));
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(OutputError::NotAnOutputDir(target.to_path_buf()));
            }
            Ok(_) => {
                let empty = fs::read_dir(target).is_ok_and(|mut d| d.next().is_none());
                match Marker::read(target) {
                    Some(marker) => {
                        if let Some(what) = identity.difference(&marker.analysis)
                            && !force
                        {
                            return Err(OutputError::OtherAnalysis {
                                dir: target.to_path_buf(),
                                what,
                            });
                        }
                        Some(marker)
                    }
                    None if empty => None,
                    None => return Err(OutputError::NotAnOutputDir(target.to_path_buf())),
                }
            }
        };
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // A file where a folder of the path should be: said as such, rather
        // than as the system's bare "File exists".
        if let Some(file) = parent
            .ancestors()
            .find(|a| !a.as_os_str().is_empty() && fs::metadata(a).is_ok_and(|m| !m.is_dir()))
        {
            return Err(OutputError::FileOnPath {
                target: target.to_path_buf(),
                file: file.to_path_buf(),
            });
        }
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| OutputError::NotAnOutputDir(target.to_path_buf()))?;
        let lock = Lock::take(&parent, &name, target)?;
        remove_stale_staging(&parent, &name);
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        register(&dir);
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            identity,
            previous,
            committed: false,
            _lock: lock,
        })
    }

    /// [`Staging::open`] for a job that states no identity beyond its
    /// command.
    pub fn new(target: &Path) -> Result<Staging, OutputError> {
        Staging::open(target, Identity::new("swapsim", []), true)
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the results will be once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the staged results into the target. A new target is the
    /// staging directory renamed (one atomic step). An existing one keeps
    /// every file swapsim did not write: each staged file replaces its
    /// namesake (an atomic rename each), files of the previous results that
    /// this job did not write again are removed, and the marker is updated.
    /// The marker lists every file swapsim may have written at every step,
    /// so even a process killed half-way leaves nothing unaccounted for.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let mut written = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(io_err(&self.dir))? {
            let entry = entry.map_err(io_err(&self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            written.push(name);
        }
        written.sort();
        let marker = Marker::new(self.identity.clone(), written.clone());
        match self.previous.take() {
            None if !self.target.exists() => {
                marker.write(&self.dir)?;
                fs::rename(&self.dir, &self.target).map_err(io_err(&self.target))?;
            }
            previous => {
                let old: Vec<String> = previous.map(|m| m.files).unwrap_or_default();
                // Nothing is written through a link or over a folder.
                for name in &written {
                    let path = self.target.join(name);
                    if let Ok(meta) = fs::symlink_metadata(&path)
                        && !meta.is_file()
                    {
                        return Err(OutputError::InTheWay(path));
                    }
                }
                let all: BTreeSet<String> = old.iter().chain(&written).cloned().collect();
                Marker::new(self.identity.clone(), all.into_iter().collect())
                    .write(&self.target)?;
                for name in &written {
                    let from = self.dir.join(name);
                    let to = self.target.join(name);
                    fs::rename(&from, &to).map_err(io_err(&to))?;
                }
                for name in old.iter().filter(|n| !written.contains(n)) {
                    let path = self.target.join(name);
                    // Only a regular file swapsim wrote; a user's folder or
                    // link of the same name stays.
                    if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                        fs::remove_file(&path).map_err(io_err(&path))?;
                    }
                }
                marker.write(&self.target)?;
                fs::remove_dir_all(&self.dir).map_err(io_err(&self.dir))?;
            }
        }
        self.committed = true;
        unregister(&self.dir);
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
            unregister(&self.dir);
        }
    }
}

/// Removes the staging directories of `name` left in `parent` by processes
/// that no longer run.
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid_text = rest.strip_suffix(".old").unwrap_or(rest);
        let Ok(pid) = pid_text.parse::<u32>() else {
            continue;
        };
        let is_dir = entry
            .file_type()
            .is_ok_and(|t| t.is_dir() && !t.is_symlink());
        if is_dir && !process_alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Checks, before any work is done, that the file a command writes
/// beside its results folder (`calibrate --out`, `history --write-path`)
/// can be written there by [`write_file_atomically`], so that a refusal
/// leaves nothing behind: nothing but a regular file in the way, a folder
/// that exists, and none of `inputs` (what each file is, and its path), the
/// files the command reads, which the write would replace. `flag` names the
/// option in the message.
pub fn check_extra_file(
    flag: &str,
    path: &Path,
    inputs: &[(&str, &Path)],
) -> Result<(), crate::error::Error> {
    use crate::error::Error;
    if let Ok(meta) = fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(Error::input(format!(
            "{flag} {} is not a regular file (a folder, a link, a device or a pipe): give \
             the name of a file to write",
            path.display()
        )));
    }
    let parent = folder_of(path);
    if !parent.is_dir() {
        return Err(Error::input(format!(
            "{flag} {}: the folder {} does not exist; create it first or give a file in an \
             existing folder",
            path.display(),
            parent.display()
        )));
    }
    for (what, input) in inputs {
        if same_file(path, input) {
            return Err(Error::input(format!(
                "{flag} {} is {what} itself, which writing would replace; give another file",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Refuses, before any work is done, a file to be written beside the
/// results (`flag`, as in [`check_extra_file`]) that lies in the results
/// folder `results` itself: the folder is replaced when the results are
/// written, and the file would replace one of them.
pub fn check_outside_results(
    flag: &str,
    path: &Path,
    results: &Path,
) -> Result<(), crate::error::Error> {
    let parent = folder_of(path);
    // A folder that is not there yet holds nothing, and a file in it is
    // refused by `check_extra_file`.
    if let (Ok(p), Ok(r)) = (fs::canonicalize(parent), fs::canonicalize(results))
        && p.starts_with(&r)
    {
        return Err(crate::error::Error::input(format!(
            "{flag} {} is inside the results folder {}, which swapsim writes and replaces; \
             give a file outside it",
            path.display(),
            results.display()
        )));
    }
    Ok(())
}

/// The folder a file is written into: its parent, or the current folder
/// for a bare name.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether `a` and `b` name one file (through links and relative paths);
/// paths that do not both exist are compared as written.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Writes `bytes` to the file `path` through a temporary file beside it,
/// so that an interrupted write never leaves half a file, and never over
/// something that is not a regular file (a link, a folder, a device, a
/// FIFO).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if let Ok(meta) = fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(OutputError::InTheWay(path.to_path_buf()));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| OutputError::InTheWay(path.to_path_buf()))?;
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    register(&tmp);
    let result = fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(io_err(path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    unregister(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(command: &str, scenario: &str) -> Identity {
        Identity::new(command, [("scenario", scenario.to_string())])
    }

    fn stage_and_commit(target: &Path, identity: Identity, files: &[&str]) -> PathBuf {
        let staging = Staging::open(target, identity, false).unwrap();
        for f in files {
            fs::write(staging.path().join(f), f).unwrap();
        }
        staging.commit().unwrap()
    }

    #[test]
    fn a_rerun_replaces_only_what_swapsim_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        stage_and_commit(&target, id("run", "a.toml"), &["summary.json", "old.csv"]);
        fs::write(target.join("notes.txt"), "mine").unwrap();
        fs::create_dir(target.join("analysis")).unwrap();
        fs::write(target.join("analysis/fit.R"), "mine").unwrap();
        stage_and_commit(&target, id("run", "a.toml"), &["summary.json", "new.csv"]);
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(target.join("analysis/fit.R").exists());
        assert!(target.join("new.csv").exists());
        assert!(
            !target.join("old.csv").exists(),
            "an output no longer written is removed"
        );
        let marker = Marker::read(&target).unwrap();
        assert_eq!(marker.files, ["new.csv", "summary.json"]);
        // No staging directory or lock is left beside it.
        let debris: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "out")
            .collect();
        assert!(debris.is_empty(), "{debris:?}");
    }

    #[test]
    fn a_folder_without_the_marker_is_not_swapsims() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("mine");
        fs::create_dir(&target).unwrap();
        // A manifest that looks like swapsim's is not enough.
        fs::write(
            target.join("manifest.json"),
            r#"{"swapsim_version": "0.1.0"}"#,
        )
        .unwrap();
        let e = Staging::open(&target, id("run", "a.toml"), true).unwrap_err();
        assert!(matches!(e, OutputError::NotAnOutputDir(_)), "{e}");
        // An empty folder may be used.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        stage_and_commit(&empty, id("run", "a.toml"), &["summary.json"]);
    }

    #[test]
    fn another_analysis_is_replaced_only_when_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        stage_and_commit(&target, id("compare", "a.toml"), &["comparison.json"]);
        let knockout = Identity::new(
            "compare",
            [
                ("scenario", "a.toml".to_string()),
                ("knockout", "yes".to_string()),
            ],
        );
        let e = Staging::open(&target, knockout.clone(), false).unwrap_err();
        assert!(e.to_string().contains("knockout is none, not yes"), "{e}");
        Staging::open(&target, knockout, true).unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let first = Staging::open(&target, id("run", "a.toml"), false).unwrap();
        // The lock holds this process's id, which is running.
        let e = Staging::open(&target, id("run", "a.toml"), false).unwrap_err();
        assert!(e.to_string().contains("another swapsim run"), "{e}");
        drop(first);
        Staging::open(&target, id("run", "a.toml"), false).unwrap();
    }

    #[test]
    fn leftovers_of_dead_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        // Process ids are below 2^22 on Linux: this one cannot run.
        let dead = 4_194_999u32;
        fs::create_dir(tmp.path().join(format!(".out.partial-{dead}"))).unwrap();
        fs::write(tmp.path().join(".out.swapsim-lock"), dead.to_string()).unwrap();
        stage_and_commit(&tmp.path().join("out"), id("run", "a.toml"), &["x.csv"]);
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["out"]);
    }

    #[cfg(unix)]
    #[test]
    fn nothing_is_written_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside.txt");
        fs::write(&outside, "keep").unwrap();
        // The target itself a link.
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = Staging::open(&link, id("run", "a.toml"), false).unwrap_err();
        assert!(matches!(e, OutputError::Link(_)), "{e}");
        // A link where swapsim writes a file.
        let target = tmp.path().join("out");
        stage_and_commit(&target, id("run", "a.toml"), &["summary.json"]);
        std::os::unix::fs::symlink(&outside, target.join("report.html")).unwrap();
        let staging = Staging::open(&target, id("run", "a.toml"), false).unwrap();
        fs::write(staging.path().join("report.html"), "page").unwrap();
        let e = staging.commit().unwrap_err();
        assert!(matches!(e, OutputError::InTheWay(_)), "{e}");
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        assert!(
            fs::symlink_metadata(target.join("report.html"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A file written alone is never written over a folder.
        let e = write_file_atomically(&real, b"x").unwrap_err();
        assert!(matches!(e, OutputError::InTheWay(_)), "{e}");
        let e = write_file_atomically(&link, b"x").unwrap_err();
        assert!(matches!(e, OutputError::InTheWay(_)), "{e}");
    }
}
