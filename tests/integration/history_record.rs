//! Record files as researchers write them, and `swapsim history`.
//!
//! Each bad fixture in `tests/fixtures/history/bad` is a CSV file with a
//! sidecar `.expected` file beside it (CSV has no comments): every line of
//! the sidecar must appear in the error, so each case states the row, the
//! column and what is allowed. Every good fixture must load.

use crate::common::swapsim;
use std::path::{Path, PathBuf};
use swapsim::history::Record;

/// Fewest bad fixtures accepted, so that a lost directory fails the test.
const MIN_BAD_FIXTURES: usize = 15;

fn crate_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn csv_files(relative_dir: &str) -> Vec<PathBuf> {
    let dir = crate_path(relative_dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .expect("fixture names are UTF-8")
        .to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_bad_history_file_fails_with_its_stated_messages() {
    let files = csv_files("tests/fixtures/history/bad");
    assert!(
        files.len() >= MIN_BAD_FIXTURES,
        "found {} bad history fixtures, expected at least {MIN_BAD_FIXTURES}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in files {
        let file = name(&path);
        let sidecar = path.with_extension("expected");
        let Ok(expected) = std::fs::read_to_string(&sidecar) else {
            failures.push(format!("{file} has no sidecar {}", name(&sidecar)));
            continue;
        };
        let wanted: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        if wanted.is_empty() {
            failures.push(format!("{} states no message", name(&sidecar)));
            continue;
        }
        match Record::parse(&read(&path), &file) {
            Ok(_) => failures.push(format!(
                "{file} was accepted; it should fail with {wanted:?}"
            )),
            Err(e) => {
                let shown = e.to_string();
                for w in wanted {
                    if !shown.contains(w) {
                        failures.push(format!("{file}: the error lacks {w:?}; it reads:\n{shown}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_good_history_file_loads() {
    let files = csv_files("tests/fixtures/history/good");
    assert!(
        files.len() >= 3,
        "found {} good history fixtures",
        files.len()
    );
    for path in files {
        let file = name(&path);
        if let Err(e) = Record::parse(&read(&path), &file) {
            panic!("{file} was rejected:\n{e}");
        }
    }
}

#[test]
fn rows_a_researcher_adds_are_counted() {
    let path = crate_path("tests/fixtures/history/good/extended_record.csv");
    let extended = Record::read(&path).expect("the extended record loads");
    let shipped = Record::shipped().expect("the shipped record loads");
    assert_eq!(extended.exchanges.len(), shipped.exchanges.len() + 1);
    let added = extended.exchanges.last().expect("a row");
    assert_eq!(added.mediator_label(), "UAE and Turkey");
    // Another file's end is its last row: nothing says it covers more.
    assert_eq!(extended.end().to_string(), "2025-12-24");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn history_prints_the_yearly_table_and_writes_tables_and_charts() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = swapsim(tmp.path(), &["history"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for want in [
        "76 rows on 75 days, 68 rounds",
        "returned to Ukraine: 6,441 (9 rows without a figure)",
        "  2024        366             12      11         1,358",
        "     149  2023-08-07 to 2024-01-03",
        "     44+  2025-10-02 to the end of the window",
    ] {
        assert!(stdout.contains(want), "{want:?} not in:\n{stdout}");
    }
    let dir = tmp.path().join("output/history");
    for f in [
        "summary.json",
        "years.csv",
        "mediators.csv",
        "gaps.csv",
        "rounds.csv",
        "timeline.png",
        "timeline.svg",
        "cumulative.png",
        "cumulative.svg",
        "manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let rounds = std::fs::read_to_string(dir.join("rounds.csv")).expect("rounds.csv");
    assert_eq!(rounds.lines().count(), 69, "a header and 68 rounds");
    // The 1,000-for-1,000 of 23-25 May 2025 is one round.
    assert!(
        rounds.contains("2025-05-23,2025-05-25,1000,1000,Turkey,3"),
        "{rounds}"
    );
}

#[test]
fn history_of_a_bad_file_exits_2_and_names_the_row() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let bad = crate_path("tests/fixtures/history/bad/negative_count.csv");
    let out = swapsim(
        tmp.path(),
        &["history", "--record", bad.to_str().expect("UTF-8 path")],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("negative_count.csv:3: returned_to_ukraine: \"-207\" is not allowed"),
        "{stderr}"
    );
    assert!(!tmp.path().join("output/history").exists());
}

#[test]
fn a_window_past_the_end_of_the_record_is_refused() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = swapsim(tmp.path(), &["history", "--to", "2026-01-31"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is after the end of the record (2025-11-15)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn history_writes_the_escalation_index_as_a_path_file() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = swapsim(
        tmp.path(),
        &[
            "history",
            "--from",
            "2025-11-01",
            "--to",
            "2025-11-15",
            "--write-path",
            "path.csv",
            "--no-charts",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = std::fs::read_to_string(tmp.path().join("path.csv")).expect("path.csv");
    let lines: Vec<&str> = path.lines().collect();
    assert_eq!(lines.len(), 16, "a header and 15 days:\n{path}");
    assert_eq!(lines[0], "date,level");
    assert!(lines[1].starts_with("2025-11-01,"), "{path}");
    assert!(lines[15].starts_with("2025-11-15,"), "{path}");
    for line in &lines[1..] {
        let level: f64 = line
            .split(',')
            .nth(1)
            .expect("a level")
            .parse()
            .expect("a number");
        assert!(level.is_finite() && level >= 0.0, "{line}");
    }
    // The same days are in the history folder's index table.
    let index = std::fs::read_to_string(tmp.path().join("output/history/escalation_index.csv"))
        .expect("escalation_index.csv");
    assert_eq!(index.lines().count(), 16);
}

#[test]
fn a_path_outside_the_series_or_onto_a_folder_is_refused() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = swapsim(
        tmp.path(),
        &[
            "history",
            "--from",
            "2022-02-20",
            "--to",
            "2022-06-01",
            "--write-path",
            "p.csv",
        ],
    );
    // The record starts on 1 March 2022; a window before it is refused by
    // the record, one before the index by the index.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!tmp.path().join("p.csv").exists());
    std::fs::create_dir(tmp.path().join("folder")).expect("a folder");
    let out = swapsim(
        tmp.path(),
        &[
            "history",
            "--from",
            "2025-01-01",
            "--write-path",
            "folder",
            "--no-charts",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(tmp.path().join("folder").is_dir());
}

#[test]
fn a_bad_losses_file_exits_2_and_names_the_row() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        tmp.path().join("losses.csv"),
        "date,personnel,tanks,armoured_vehicles,artillery,rocket_launchers,air_defence,drones,cruise_missiles,aircraft,helicopters\n\
         2022-02-25,2800,80,516,49,4,0,0,,10,7\n\
         2022-02-26,-4300,146,706,49,4,0,2,,27,26\n",
    )
    .expect("written");
    let out = swapsim(tmp.path(), &["history", "--losses", "losses.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("losses.csv:3: personnel: \"-4300\" is not allowed"),
        "{stderr}"
    );
}
