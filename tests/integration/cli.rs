//! The `swapsim` binary as a user runs it: outputs, exit codes, messages,
//! and what is left on disk when a run fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::swapsim as run_in;

/// The binary as a command still to be started, for tests that spawn and
/// kill it; tests that wait for it use `run_in`.
fn swapsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_swapsim"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every file `swapsim run` writes by default.
const RUN_OUTPUTS: [&str; 13] = [
    "summary.json",
    "summary.csv",
    "daily.csv",
    "returned_by_deadline.csv",
    "manifest.json",
    "returned_by_deadline.png",
    "returned_by_deadline.svg",
    "fan_chart.png",
    "fan_chart.svg",
    "survival.png",
    "survival.svg",
    "phases.png",
    "phases.svg",
];

#[test]
fn run_without_arguments_writes_every_output_of_the_default_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tmp.path().join("output/istanbul-2025");
    for f in RUN_OUTPUTS {
        let path = dir.join(f);
        assert!(path.is_file(), "missing {f}");
        assert!(fs::metadata(&path).unwrap().len() > 0, "{f} is empty");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 20000);
    for key in ["mean", "se", "p5", "p25", "p50", "p75", "p95"] {
        assert!(
            summary["outcomes"]["returned_by_deadline"][key].is_number(),
            "returned_by_deadline.{key}"
        );
    }
    let ci = &summary["probabilities"]["target_by_deadline"]["ci95"];
    assert_eq!(ci.as_array().map(Vec::len), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("95% CI"), "{stdout}");
    // The daily table has one row per day of the horizon, plus a header.
    let daily = fs::read_to_string(dir.join("daily.csv")).unwrap();
    assert_eq!(daily.lines().count(), 181);
}

#[test]
fn every_png_chart_decodes_to_a_picture_that_is_not_blank() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["run", "--trials", "2000", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tmp.path().join("output/istanbul-2025");
    for f in RUN_OUTPUTS.iter().filter(|f| f.ends_with(".png")) {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            fs::File::open(dir.join(f)).unwrap(),
        ));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).expect("PNG pixel data");
        assert!(info.width >= 800 && info.height >= 500, "{f} is too small");
        let distinct: std::collections::HashSet<&[u8]> =
            buf[..info.buffer_size()].chunks(3).collect();
        assert!(distinct.len() > 10, "{f} looks blank");
    }
}

#[test]
fn same_seed_gives_identical_results_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        let out = run_in(
            tmp.path(),
            &[
                "run",
                "--trials",
                "3000",
                "--threads",
                threads,
                "--out",
                threads,
                "--no-charts",
                "--quiet",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    for f in [
        "summary.json",
        "summary.csv",
        "daily.csv",
        "returned_by_deadline.csv",
    ] {
        let one = fs::read(tmp.path().join("1").join(f)).unwrap();
        let two = fs::read(tmp.path().join("2").join(f)).unwrap();
        assert!(one == two, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn a_different_seed_gives_different_results() {
    let tmp = tempfile::tempdir().unwrap();
    for seed in ["1", "2"] {
        let out = run_in(
            tmp.path(),
            &[
                "run",
                "--trials",
                "2000",
                "--seed",
                seed,
                "--out",
                seed,
                "--no-charts",
                "--quiet",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let one = fs::read(tmp.path().join("1/summary.json")).unwrap();
    let two = fs::read(tmp.path().join("2/summary.json")).unwrap();
    assert_ne!(one, two);
}

#[test]
fn per_trial_writes_one_row_per_trial() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "--trials",
            "1500",
            "--per-trial",
            "--no-charts",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = fs::read_to_string(tmp.path().join("output/istanbul-2025/per_trial.csv")).unwrap();
    let mut lines = rows.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("trial,returned_by_deadline,"),
        "{header}"
    );
    assert_eq!(lines.count(), 1500);
}

#[test]
fn a_named_scenario_writes_under_its_file_stem() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/uae-only.toml");
    let out = run_in(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--trials",
            "500",
            "--no-charts",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(tmp.path().join("output/uae-only/summary.json").is_file());
}

#[test]
fn a_failed_run_leaves_the_previous_results_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let ok = run_in(
        tmp.path(),
        &["run", "--trials", "1000", "--no-charts", "--quiet"],
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let dir = tmp.path().join("output/istanbul-2025");
    let before = fs::read(dir.join("summary.json")).unwrap();

    // Bad input is refused before anything is written.
    let bad = run_in(tmp.path(), &["run", "--trials", "0", "--quiet"]);
    assert_eq!(bad.status.code(), Some(2));

    // A run that is killed part-way leaves the old results in place.
    let mut child = swapsim()
        .current_dir(tmp.path())
        .args(["run", "--trials", "100000000", "--no-charts", "--quiet"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(fs::read(dir.join("summary.json")).unwrap(), before);
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"manifest.json".to_string()), "{names:?}");
}

#[test]
fn a_scenario_error_exits_2_and_names_the_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    let text_in = fs::read_to_string(repo("scenarios/istanbul-2025.toml"))
        .unwrap()
        .replace("effectiveness = 0.8", "effectiveness = 1.8");
    fs::write(&path, &text_in).unwrap();
    let line = text_in
        .lines()
        .position(|l| l.starts_with("effectiveness = 1.8"))
        .unwrap()
        + 1;
    let out = run_in(tmp.path(), &["run", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("bad.toml:{line}:"))
            && err.contains("mediation.mediators[1].effectiveness")
            && err.contains("from 0 to 1"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !tmp.path().join("output").exists(),
        "nothing may be written"
    );
}

#[test]
fn a_missing_scenario_file_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["run", "no-such-file.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-file.toml"));
}

#[test]
fn an_unwritable_output_directory_exits_1_without_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a-file"), "not a directory").unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "--out",
            "a-file/results",
            "--trials",
            "100",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("a-file"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn swapsim_refuses_to_replace_a_directory_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let mine = tmp.path().join("my-notes");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "precious").unwrap();
    let out = run_in(
        tmp.path(),
        &["run", "--out", "my-notes", "--trials", "100", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("refusing to write into") && err.contains("choose another"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "precious"
    );
}

#[test]
fn fails_for_an_unknown_command() {
    let out = swapsim().arg("simulate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("simulate"));
}

#[test]
fn help_of_every_command_shows_examples() {
    for cmd in ["run", "validate", "explain", "new"] {
        let out = swapsim().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains("Examples:"), "{cmd}: {help}");
        assert!(help.contains("swapsim "), "{cmd}: {help}");
    }
}

#[test]
fn validate_summarises_good_files_and_reports_bad_ones() {
    let good = repo("scenarios/istanbul-2025.toml");
    let out = swapsim()
        .args(["validate", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok: \"Istanbul framework, November 2025\""));

    let bad = repo("tests/fixtures/bad/probability_above_one.toml");
    let out = swapsim()
        .args(["validate", good.to_str().unwrap(), bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("shock_daily_probability"), "{err}");
    assert!(err.contains("1 of 2 scenario files are invalid"), "{err}");
}
