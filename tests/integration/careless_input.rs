//! What careless and hostile input must never do: lose a user's files,
//! write outside where it was told, mix two analyses in one folder, hang,
//! or fail without saying which file, line or field is wrong.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn swapsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn shipped(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

/// Names in `dir`, sorted (none if it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_rerun_keeps_the_files_a_user_put_in_the_results_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = ["run", "--trials", "200", "--quiet", "--no-charts"];
    ok(&swapsim(d, &run));
    let out = d.join("output/istanbul-2025");
    fs::write(out.join("notes.txt"), "my notes").unwrap();
    fs::create_dir(out.join("analysis")).unwrap();
    fs::write(out.join("analysis/fit.R"), "x <- 1").unwrap();
    ok(&swapsim(d, &run));
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(
        fs::read_to_string(out.join("analysis/fit.R")).unwrap(),
        "x <- 1"
    );
    assert!(out.join("summary.json").exists());
    // Nothing but the results folder is left beside it.
    assert_eq!(names(&d.join("output")), ["istanbul-2025"]);
}

#[test]
fn file_names_in_other_alphabets_keep_separate_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = shipped("istanbul-2025.toml");
    fs::write(d.join("Львів.toml"), &text).unwrap();
    fs::write(d.join("Одеса.toml"), &text).unwrap();
    for f in ["Львів.toml", "Одеса.toml"] {
        ok(&swapsim(
            d,
            &["run", f, "--trials", "100", "--quiet", "--no-charts"],
        ));
    }
    assert_eq!(names(&d.join("output")), ["Львів", "Одеса"]);
}

#[test]
fn a_folder_swapsim_did_not_make_is_refused_even_with_a_lookalike_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("mine")).unwrap();
    fs::write(
        d.join("mine/manifest.json"),
        r#"{"swapsim_version": "0.1.0"}"#,
    )
    .unwrap();
    fs::write(d.join("mine/thesis.docx"), "years of work").unwrap();
    let out = swapsim(d, &["run", "--trials", "100", "--out", "mine", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("choose another"), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(d.join("mine/thesis.docx")).unwrap(),
        "years of work"
    );
}

#[test]
fn different_comparisons_of_one_file_never_share_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("a.toml"), shipped("mediator-configurations.toml")).unwrap();
    fs::write(d.join("b.toml"), shipped("uae-only.toml")).unwrap();
    let common = ["--trials", "200", "--quiet", "--no-charts"];
    for args in [
        vec!["compare", "a.toml"],
        vec!["compare", "a.toml", "--knockout"],
        vec!["compare", "a.toml", "b.toml"],
    ] {
        let mut all = args.clone();
        all.extend(common);
        ok(&swapsim(d, &all));
    }
    assert_eq!(
        names(&d.join("output")),
        ["a-compare", "a-knockout", "a-vs-b"]
    );
    // Into one folder by hand, a different comparison is refused unless
    // forced, and the refusal says what differs.
    let mut again = vec![
        "compare",
        "a.toml",
        "--knockout",
        "--out",
        "output/a-compare",
    ];
    again.extend(common);
    let out = swapsim(d, &again);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("configurations") && stderr(&out).contains("--force"));
    again.push("--force");
    ok(&swapsim(d, &again));
}

#[test]
fn a_small_design_does_not_silently_replace_a_larger_one() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sobol = |samples: &str| {
        swapsim(
            d,
            &[
                "sensitivity",
                "--method",
                "sobol",
                "--samples",
                samples,
                "--inner-trials",
                "20",
                "--quiet",
                "--no-charts",
            ],
        )
    };
    ok(&sobol("16"));
    let out = sobol("8");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("16 base samples"), "{}", stderr(&out));
}

#[test]
fn scenario_files_that_are_not_text_files_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let started = Instant::now();
    for (path, message) in [
        (".", "is a folder"),
        ("/dev/zero", "not a regular file"),
        ("absent.toml", "cannot read it"),
    ] {
        let out = swapsim(d, &["validate", path]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        assert!(stderr(&out).contains(message), "{path}: {}", stderr(&out));
    }
    // Latin-1 text, as a spreadsheet might save it.
    let text = shipped("istanbul-2025.toml").replace("Istanbul", "Istanbul \u{e9}t\u{e9}");
    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    fs::write(d.join("latin1.toml"), latin1).unwrap();
    let out = swapsim(d, &["run", "latin1.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not UTF-8"), "{}", stderr(&out));
    assert!(stderr(&out).contains("line "), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[cfg(unix)]
#[test]
fn nothing_is_written_through_a_symbolic_link() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(d.join("elsewhere"), d.join("link")).unwrap();
    let out = swapsim(d, &["run", "--trials", "100", "--out", "link", "--quiet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(names(&d.join("elsewhere")).is_empty());
    // A report.html that is a link to a file outside the folder.
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "100",
            "--out",
            "res",
            "--quiet",
            "--no-charts",
        ],
    ));
    fs::write(d.join("outside.html"), "keep me").unwrap();
    std::os::unix::fs::symlink(d.join("outside.html"), d.join("res/report.html")).unwrap();
    let out = swapsim(
        d,
        &[
            "run",
            "--trials",
            "100",
            "--out",
            "res",
            "--report",
            "--quiet",
            "--no-charts",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(d.join("outside.html")).unwrap(),
        "keep me"
    );
    assert!(
        fs::symlink_metadata(d.join("res/report.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn calibrate_writes_its_scenario_only_to_a_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("a-folder")).unwrap();
    let status = Command::new("mkfifo")
        .arg(d.join("a-fifo"))
        .status()
        .unwrap();
    assert!(status.success());
    for target in ["a-folder", "a-fifo"] {
        let out = swapsim(d, &["calibrate", "--out", target, "--no-charts", "--quiet"]);
        assert_eq!(out.status.code(), Some(2), "{target}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert!(d.join("a-folder").is_dir());
}

/// Starts a run long enough to be interrupted, and waits until it has
/// created its staging folder.
#[cfg(unix)]
fn start_long_run(d: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(d)
        .args([
            "run",
            "long.toml",
            "--trials",
            "4000000",
            "--threads",
            "1",
            "--quiet",
            "--no-charts",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !names(&d.join("output"))
        .iter()
        .any(|n| n.contains(".partial-"))
    {
        assert!(Instant::now() < deadline, "the run never started staging");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_previous_results_and_no_debris() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("long.toml"), shipped("long-run.toml")).unwrap();
    ok(&swapsim(
        d,
        &[
            "run",
            "long.toml",
            "--trials",
            "100",
            "--quiet",
            "--no-charts",
        ],
    ));
    let before = fs::read(d.join("output/long/summary.json")).unwrap();
    for signal in ["TERM", "INT", "HUP"] {
        let child = start_long_run(d);
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "{signal}");
        assert_eq!(names(&d.join("output")), ["long"], "{signal}: debris left");
        assert_eq!(
            fs::read(d.join("output/long/summary.json")).unwrap(),
            before
        );
    }
    // SIGKILL leaves debris that no handler can remove; the next run removes
    // it.
    let mut child = start_long_run(d);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        names(&d.join("output")).len() > 1,
        "SIGKILL should leave the staging folder"
    );
    ok(&swapsim(
        d,
        &[
            "run",
            "long.toml",
            "--trials",
            "100",
            "--quiet",
            "--no-charts",
        ],
    ));
    assert_eq!(names(&d.join("output")), ["long"]);
}

#[cfg(unix)]
#[test]
fn a_second_run_into_the_same_folder_is_refused_while_the_first_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("long.toml"), shipped("long-run.toml")).unwrap();
    let mut first = start_long_run(d);
    let out = swapsim(d, &["run", "long.toml", "--trials", "100", "--quiet"]);
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("another swapsim run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_target_precision_out_of_reach_stops_at_the_cap_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let out = swapsim(
        d,
        &[
            "run",
            "--target-se",
            "1e-9",
            "--metric",
            "p_collapse",
            "--trials",
            "20000",
            "--quiet",
            "--no-charts",
        ],
    );
    ok(&out);
    assert!(
        stderr(&out).contains("still above the target"),
        "{}",
        stderr(&out)
    );
    let summary = fs::read_to_string(d.join("output/istanbul-2025/summary.json")).unwrap();
    assert!(
        summary.contains("\"trials\": 20000"),
        "the run stops at the cap"
    );
}
