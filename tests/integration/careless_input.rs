//! What careless and hostile input must never do: lose a user's files,
//! write outside where it was told, mix two analyses in one folder, hang,
//! or fail without saying which file, line or field is wrong.

use crate::common::{ok, stderr, swapsim};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    // A file in a folder that is not there is refused before anything is
    // written, the results folder included.
    let out = swapsim(
        d,
        &[
            "calibrate",
            "--out",
            "nowhere/x.toml",
            "--no-charts",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the folder nowhere does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("output").exists());
}

/// `history --write-path` into a folder that is not there, or onto a
/// folder, is refused with exit code 2 before the results folder is
/// written, as `calibrate --out` is.
#[test]
fn history_write_path_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("a-folder")).unwrap();
    for (target, says) in [
        ("nowhere/path.csv", "the folder nowhere does not exist"),
        ("a-folder", "not a regular file"),
    ] {
        let out = swapsim(
            d,
            &[
                "history",
                "--from",
                "2024-01-01",
                "--to",
                "2024-02-01",
                "--write-path",
                target,
                "--no-charts",
                "--quiet",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{target}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("--write-path {target}")) && stderr(&out).contains(says),
            "{}",
            stderr(&out)
        );
        assert!(!d.join("output").exists(), "{target}: results were written");
    }
    assert!(d.join("a-folder").is_dir());
}

/// A file written beside the results into the results folder itself would
/// replace one of them (`manifest.json` here): refused before anything is
/// written, and the results stay as they were.
#[test]
fn a_file_written_beside_the_results_is_never_written_into_them() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let window = ["--from", "2024-01-01", "--to", "2024-02-01"];
    ok(&swapsim(
        d,
        &[&["history", "--no-charts", "--quiet"][..], &window].concat(),
    ));
    ok(&swapsim(d, &["calibrate", "--no-charts", "--quiet"]));
    let history = fs::read(d.join("output/history/manifest.json")).unwrap();
    let calibration = fs::read(d.join("output/calibration/manifest.json")).unwrap();
    for (args, says) in [
        (
            [
                &["history", "--write-path", "output/history/manifest.json"][..],
                &window,
            ]
            .concat(),
            "--write-path output/history/manifest.json is inside the results folder",
        ),
        (
            vec!["calibrate", "--out", "output/calibration/manifest.json"],
            "--out output/calibration/manifest.json is inside the results folder",
        ),
    ] {
        let args = [&args[..], &["--no-charts", "--quiet"]].concat();
        let out = swapsim(d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    assert_eq!(
        fs::read(d.join("output/history/manifest.json")).unwrap(),
        history
    );
    assert_eq!(
        fs::read(d.join("output/calibration/manifest.json")).unwrap(),
        calibration
    );
}

/// A file the command reads (the record, the claimed losses) given again
/// as the file it writes is refused, and the input is left as it was.
#[test]
fn history_and_calibrate_never_write_over_the_files_they_read() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data");
    fs::copy(data.join("exchanges.csv"), d.join("record.csv")).unwrap();
    fs::copy(data.join("claimed_losses_daily.csv"), d.join("losses.csv")).unwrap();
    let record = fs::read(d.join("record.csv")).unwrap();
    let losses = fs::read(d.join("losses.csv")).unwrap();
    let window = ["--from", "2024-01-01", "--to", "2024-02-01"];
    let cases: [(Vec<&str>, &str); 3] = [
        (
            [
                &[
                    "history",
                    "--record",
                    "record.csv",
                    "--write-path",
                    "./record.csv",
                ][..],
                &window,
            ]
            .concat(),
            "--write-path ./record.csv is the record of exchanges (--record) itself",
        ),
        (
            [
                &[
                    "history",
                    "--losses",
                    "losses.csv",
                    "--write-path",
                    "losses.csv",
                ][..],
                &window,
            ]
            .concat(),
            "--write-path losses.csv is the series of claimed losses (--losses) itself",
        ),
        (
            vec!["calibrate", "--record", "record.csv", "--out", "record.csv"],
            "--out record.csv is the record of exchanges (--record) itself",
        ),
    ];
    for (args, says) in cases {
        let args = [&args[..], &["--no-charts", "--quiet"]].concat();
        let out = swapsim(d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
        assert!(!d.join("output").exists(), "{args:?}: results were written");
    }
    assert_eq!(fs::read(d.join("record.csv")).unwrap(), record);
    assert_eq!(fs::read(d.join("losses.csv")).unwrap(), losses);
}

/// `discover` writes `DIR/discover/` as every output folder is written: a
/// link there is not followed, a folder of a user's own is not mixed with
/// results, and its own results are replaced by a rerun.
#[cfg(unix)]
#[test]
fn discover_never_writes_through_a_link_nor_into_a_users_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "50",
            "--assumptions",
            "16",
            "--out",
            "ens",
            "--quiet",
            "--no-charts",
        ],
    ));
    let discover = |above: &str| {
        swapsim(
            d,
            &[
                "discover",
                "ens",
                "--outcome",
                "no_round_by_deadline",
                "--above",
                above,
                "--quiet",
            ],
        )
    };
    fs::create_dir(d.join("ens/discover")).unwrap();
    fs::write(d.join("ens/discover/notes.txt"), "mine").unwrap();
    let out = discover("0.2");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refusing to write into ens/discover"),
        "{}",
        stderr(&out)
    );
    assert_eq!(names(&d.join("ens/discover")), ["notes.txt"]);
    fs::remove_dir_all(d.join("ens/discover")).unwrap();

    fs::create_dir(d.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", d.join("ens/discover")).unwrap();
    let out = discover("0.2");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(names(&d.join("elsewhere")).is_empty());
    fs::remove_file(d.join("ens/discover")).unwrap();

    ok(&discover("0.2"));
    ok(&discover("0.5"));
    assert!(names(&d.join("ens/discover")).contains(&"discover.json".to_string()));
}

/// A table `discover` reads beyond any size swapsim writes (gigabytes of
/// zeros here, a sparse file) is refused at once by its size, not read
/// until memory runs out.
#[test]
fn discover_refuses_an_oversized_table_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("ens")).unwrap();
    let file = fs::File::create(d.join("ens/ensemble.csv")).unwrap();
    file.set_len(3 << 30).unwrap();
    let started = Instant::now();
    let out = swapsim(
        d,
        &[
            "discover",
            "ens",
            "--outcome",
            "no_round_by_deadline",
            "--above",
            "0.5",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ens/ensemble.csv") && stderr(&out).contains("3221225472 bytes"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!d.join("ens/discover").exists());
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
            "p_no_round_by_deadline",
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

/// The long-run scenario with `size_escalation_coef` replaced.
fn long_run_with_size_coef(coef: &str) -> String {
    let text = shipped("long-run.toml");
    let line = text
        .lines()
        .find(|l| l.starts_with("size_escalation_coef"))
        .expect("long-run.toml sets size_escalation_coef");
    text.replace(line, &format!("size_escalation_coef = {coef}"))
}

#[test]
fn rounds_that_grow_with_fighting_stay_bounded() {
    // No pool and rounds that grow as exp(15 E): without a cap, sizes
    // overflowed and the sums of squares wrapped (a panic in a debug build).
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = long_run_with_size_coef("-15").replace("horizon_days = 730", "horizon_days = 3650");
    fs::write(d.join("grow.toml"), text).unwrap();
    let started = Instant::now();
    let out = swapsim(
        d,
        &[
            "run",
            "grow.toml",
            "--trials",
            "400",
            "--quiet",
            "--no-charts",
        ],
    );
    ok(&out);
    assert!(started.elapsed() < Duration::from_secs(60));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("output/grow/summary.json")).unwrap())
            .unwrap();
    let max = summary["outcomes"]["returned_by_horizon"]["max"]
        .as_f64()
        .unwrap();
    // Rounds of at most a billion people, at most one a day.
    assert!(
        max > 1e9,
        "the scenario must reach the cap to test it: {max}"
    );
    assert!(max <= 1e9 * 3650.0, "{max}");
    assert!(
        summary["outcomes"]["returned_by_horizon"]["mean"]
            .as_f64()
            .unwrap()
            <= max
    );
}

/// Exact Hyndman–Fan type 7 quantile of sorted values.
fn type7(sorted: &[u64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] as f64 - sorted[lo] as f64)
}

#[test]
fn daily_percentiles_are_exact_where_bins_used_to_widen() {
    // 20,000 trials of the long run return up to a few thousand people:
    // the bins of the daily histograms used to widen to 2 people there,
    // which put day 0's p5 at 1.5 where it is 0. The last day's row of
    // daily.csv is the distribution of people returned by the horizon, so
    // it must equal the exact quantiles of per_trial.csv.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("long.toml"), shipped("long-run.toml")).unwrap();
    ok(&swapsim(
        d,
        &[
            "run",
            "long.toml",
            "--trials",
            "20000",
            "--per-trial",
            "--quiet",
            "--no-charts",
        ],
    ));
    let per_trial = fs::read_to_string(d.join("output/long/per_trial.csv")).unwrap();
    let mut lines = per_trial.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "returned_by_horizon")
        .unwrap();
    let mut values: Vec<u64> = lines
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect();
    values.sort_unstable();
    assert!(*values.last().unwrap() > 4096, "bins would have widened");
    let daily = fs::read_to_string(d.join("output/long/daily.csv")).unwrap();
    let rows: Vec<Vec<&str>> = daily.lines().map(|l| l.split(',').collect()).collect();
    let at = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let last = rows.last().unwrap();
    for (name, p) in [
        ("returned_p5", 0.05),
        ("returned_p25", 0.25),
        ("returned_p50", 0.5),
        ("returned_p75", 0.75),
        ("returned_p95", 0.95),
    ] {
        let got: f64 = last[at(name)].parse().unwrap();
        let exact = type7(&values, p);
        // Values below 16,384 are counted exactly: the only difference
        // allowed is the rounding to 12 significant digits of the file.
        assert!(
            (got - exact).abs() <= 1e-11 * exact,
            "{name}: {got} against {exact}"
        );
    }
    let first = &rows[1];
    assert_eq!(first[at("returned_p5")], "0.0", "day 0 p5");
}

#[test]
fn numbers_in_tables_carry_no_floating_point_noise() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &["run", "--trials", "2000", "--quiet", "--no-charts"],
    ));
    for file in ["daily.csv", "summary.csv", "summary.json"] {
        let text = fs::read_to_string(d.join("output/istanbul-2025").join(file)).unwrap();
        for word in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            // Noise such as 0.9200000000000699 shows as 16 significant
            // digits; written values have at most 12.
            let significant = word.replace('.', "");
            let significant = significant.trim_start_matches('0');
            assert!(significant.len() <= 12, "{file}: {word}");
        }
    }
}

#[test]
fn per_trial_rows_beyond_memory_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let started = Instant::now();
    let out = swapsim(
        d,
        &["run", "--trials", "1000000000", "--per-trial", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--per-trial"), "{}", stderr(&out));
    assert!(stderr(&out).contains("MB"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(names(d).is_empty(), "nothing is written");
}

#[test]
fn an_oversized_scenario_file_is_refused_by_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A valid scenario followed by a 10 MB comment.
    let mut text = shipped("istanbul-2025.toml");
    text.push('#');
    text.push_str(&"x".repeat(10 << 20));
    fs::write(d.join("big.toml"), text).unwrap();
    let out = swapsim(d, &["validate", "big.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("big.toml"), "{}", stderr(&out));
    assert!(stderr(&out).contains("bytes"), "{}", stderr(&out));
}

#[test]
fn variants_cannot_set_what_pairs_them_nor_leave_rounds_without_a_mediator() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (variant, message) in [
        (
            "name = \"more trials\"\nset = { \"simulation.trials\" = 5 }",
            "a variant cannot set simulation.trials",
        ),
        (
            "name = \"other seed\"\nset = { \"simulation.seed\" = 5 }",
            "a variant cannot set simulation.seed",
        ),
        (
            "name = \"nested\"\nset = { \"uncertainties\" = 5 }",
            "a variant cannot set uncertainties",
        ),
        (
            "name = \"nobody\"\nremove_mediators = [\"Turkey\", \"UAE\"]",
            "variant \"nobody\": variants[0].remove_mediators: this variant leaves no mediator",
        ),
    ] {
        let text = format!(
            "{}\n[[variants]]\n{variant}\n",
            shipped("istanbul-2025.toml")
        );
        fs::write(d.join("v.toml"), text).unwrap();
        let out = swapsim(d, &["validate", "v.toml"]);
        assert_eq!(out.status.code(), Some(2), "{variant}");
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        assert!(stderr(&out).contains("v.toml:"), "{}", stderr(&out));
    }
}

#[test]
fn a_round_cap_that_binds_is_counted_warned_about_and_merged_exactly() {
    // The extreme scenario of the test above: rounds reach the cap of a
    // billion people in some trials.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = long_run_with_size_coef("-15").replace("horizon_days = 730", "horizon_days = 3650");
    fs::write(d.join("grow.toml"), text).unwrap();
    let base = ["run", "grow.toml", "--trials", "300", "--assumptions", "0"];
    let one = swapsim(d, &[&base[..], &["--out", "one", "--no-charts"]].concat());
    ok(&one);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("one/summary.json")).unwrap()).unwrap();
    let capped = summary["trials_at_round_cap"]
        .as_u64()
        .expect("summary.json counts the trials at the cap");
    assert!(
        (1..=300).contains(&capped),
        "the scenario must reach the cap to test it: {capped}"
    );
    let warning = format!("warning: in {capped} of 300 trials a round reached the cap");
    assert!(stderr(&one).contains(&warning), "{}", stderr(&one));
    // Shards count their own trials; the merge adds them exactly.
    for k in ["1/3", "2/3", "3/3"] {
        let out = format!("s{}", &k[..1]);
        ok(&swapsim(
            d,
            &[&base[..], &["--shard", k, "--out", &out, "--quiet"]].concat(),
        ));
    }
    let merged = swapsim(
        d,
        &["merge", "s1", "s2", "s3", "--out", "merged", "--no-charts"],
    );
    ok(&merged);
    assert!(stderr(&merged).contains(&warning), "{}", stderr(&merged));
    assert_eq!(
        fs::read(d.join("one/summary.json")).unwrap(),
        fs::read(d.join("merged/summary.json")).unwrap()
    );
    // A shipped scenario never reaches the cap: no warning, no field, so
    // its summary.json keeps its bytes.
    let plain = swapsim(
        d,
        &[
            "run",
            "--trials",
            "200",
            "--out",
            "plain",
            "--no-charts",
            "--quiet",
        ],
    );
    ok(&plain);
    assert!(!stderr(&plain).contains("cap"), "{}", stderr(&plain));
    let text = fs::read_to_string(d.join("plain/summary.json")).unwrap();
    assert!(!text.contains("trials_at_round_cap"), "{text}");
}

#[test]
fn a_round_cap_that_binds_only_in_the_parameter_sets_of_an_ensemble_is_counted_and_warned_about() {
    // At the file's coefficient (0.2) rounds stay small; the sets draw it
    // from -15 to -14, where rounds grow as exp(15 E) and reach the cap.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = shipped("long-run.toml")
        .replace("horizon_days = 730", "horizon_days = 3650")
        .replace(
            "[uncertainties]\n",
            "[uncertainties]\n\"exchange.size_escalation_coef\" = { min = -15, max = -14 }\n",
        );
    fs::write(d.join("grow.toml"), text).unwrap();
    let base = ["run", "grow.toml", "--trials", "60", "--assumptions", "4"];
    let one = swapsim(d, &[&base[..], &["--out", "one", "--no-charts"]].concat());
    ok(&one);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("one/summary.json")).unwrap()).unwrap();
    assert!(
        summary.get("trials_at_round_cap").is_none(),
        "the central values never reach the cap: {}",
        stderr(&one)
    );
    let capped = summary["assumptions"]["trials_at_round_cap"]
        .as_u64()
        .expect("the assumptions block counts the sets' trials at the cap");
    assert!(
        (1..=240).contains(&capped),
        "the sets must reach the cap to test it: {capped}"
    );
    let warning =
        format!("warning: in {capped} of 240 trials of the parameter sets a round reached the cap");
    assert!(stderr(&one).contains(&warning), "{}", stderr(&one));
    assert!(
        stderr(&one).contains("summary.json as assumptions.trials_at_round_cap"),
        "{}",
        stderr(&one)
    );
    // Shards of the ensemble merge to the same count and the same warning.
    for k in ["1/2", "2/2"] {
        let out = format!("s{}", &k[..1]);
        ok(&swapsim(
            d,
            &[&base[..], &["--shard", k, "--out", &out, "--quiet"]].concat(),
        ));
    }
    let merged = swapsim(d, &["merge", "s1", "s2", "--out", "merged", "--no-charts"]);
    ok(&merged);
    assert!(stderr(&merged).contains(&warning), "{}", stderr(&merged));
    assert_eq!(
        fs::read(d.join("one/summary.json")).unwrap(),
        fs::read(d.join("merged/summary.json")).unwrap()
    );
}

/// Every `.csv` and `.json` file under `dir` (shards' `partial.json`
/// aside: exact sums for machines, not data for people).
fn data_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            data_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "csv" || e == "json")
            && path.file_name().is_some_and(|n| n != "partial.json")
        {
            found.push(path);
        }
    }
}

#[test]
fn every_command_writes_numbers_with_at_most_twelve_significant_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mediators = shipped("mediator-configurations.toml");
    fs::write(d.join("m.toml"), mediators).unwrap();
    let commands: &[&[&str]] = &[
        &["run", "--trials", "500", "--assumptions", "0"],
        &[
            "run",
            "--trials",
            "200",
            "--assumptions",
            "8",
            "--out",
            "ens",
        ],
        &["compare", "m.toml", "--trials", "300"],
        &[
            "compare",
            "m.toml",
            "--trials",
            "200",
            "--assumptions",
            "6",
            "--out",
            "robust",
        ],
        &[
            "sweep",
            "--param",
            "exchange.round_rate",
            "--values",
            "0.05,0.0927,0.15",
            "--trials",
            "200",
        ],
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "100",
        ],
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "8",
            "--inner-trials",
            "100",
        ],
        &[
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "4",
            "--inner-trials",
            "100",
        ],
        &["history"],
        &[
            "calibrate",
            "--sizes-from",
            "2024-01-01",
            "--out",
            "mine.toml",
        ],
        &[
            "backtest",
            "--rolling",
            "--from",
            "2024-07-01",
            "--to",
            "2024-10-01",
            "--sizes-from",
            "2024-01-01",
            "--trials",
            "300",
        ],
        &["explain", "--out", "explained"],
    ];
    for args in commands {
        // `explain` draws no charts and prints what it writes.
        let quiet: &[&str] = if args[0] == "explain" {
            &[]
        } else {
            &["--no-charts", "--quiet"]
        };
        ok(&swapsim(d, &[*args, quiet].concat()));
    }
    let mut files = Vec::new();
    data_files(d, &mut files);
    assert!(files.len() > 20, "too few outputs found: {files:?}");
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let numbers = text
            .split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
            .filter(|w| w.contains('.') && w.parse::<f64>().is_ok());
        for word in numbers {
            assert!(
                swapsim::format::significant_digits(word) <= 12,
                "{}: {word} has more than 12 significant digits",
                file.display()
            );
        }
    }
}

#[test]
fn discover_refuses_a_threshold_a_probability_can_never_cross() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "100",
            "--assumptions",
            "8",
            "--out",
            "ens",
            "--quiet",
            "--no-charts",
        ],
    ));
    for (side, value, message) in [
        (
            "--above",
            "50",
            "--above 50 is not allowed: no_round_by_deadline is a probability, from 0 to 1",
        ),
        ("--below=-0.2", "", "--below -0.2 is not allowed"),
    ] {
        let mut args = vec!["discover", "ens", "--outcome", "no_round_by_deadline", side];
        if !value.is_empty() {
            args.push(value);
        }
        let out = swapsim(d, &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    assert!(!d.join("ens/discover").exists());
    // A mean is not a probability: any threshold is a question.
    ok(&swapsim(
        d,
        &[
            "discover",
            "ens",
            "--outcome",
            "returned_by_deadline",
            "--above",
            "50",
            "--quiet",
        ],
    ));
}

#[test]
fn an_output_folder_under_a_file_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("notes.txt"), "mine").unwrap();
    let out = swapsim(
        d,
        &[
            "run",
            "--trials",
            "50",
            "--assumptions",
            "0",
            "--out",
            "notes.txt/run",
            "--quiet",
        ],
    );
    // Exit 1, as for any output folder that cannot be written.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("notes.txt is a file, not a folder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(d.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn discover_names_every_kind_of_bad_number_in_an_ensemble_table() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "100",
            "--assumptions",
            "20",
            "--out",
            "ens",
            "--quiet",
            "--no-charts",
        ],
    ));
    let pristine = fs::read_to_string(d.join("ens/ensemble.csv")).unwrap();
    let header: Vec<&str> = pristine.lines().next().unwrap().split(',').collect();
    let param = header
        .iter()
        .position(|h| h.starts_with("exchange."))
        .unwrap();
    let outcome = header
        .iter()
        .position(|h| *h == "no_round_by_deadline")
        .unwrap();
    // An outcome other than the one asked about: a damaged table all the same.
    let other = header.iter().position(|h| *h == "collapse").unwrap();
    for column in [param, outcome, other] {
        for bad in [
            "NaN",
            "inf",
            "-inf",
            "1e308",
            "",
            "abc",
            "99999999999999999999999",
            "-1.5e13",
        ] {
            let text: String = pristine
                .lines()
                .enumerate()
                .map(|(i, line)| {
                    let mut f: Vec<&str> = line.split(',').collect();
                    if i == 3 {
                        f[column] = bad;
                    }
                    f.join(",") + "\n"
                })
                .collect();
            fs::write(d.join("ens/ensemble.csv"), text).unwrap();
            let out = swapsim(
                d,
                &[
                    "discover",
                    "ens",
                    "--outcome",
                    "no_round_by_deadline",
                    "--above",
                    "0.2",
                    "--quiet",
                ],
            );
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
            assert!(
                err.contains("line 4") && err.contains(header[column]),
                "{bad:?}: {err}"
            );
        }
    }
}

#[test]
fn history_names_every_kind_of_bad_count_in_a_record_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for bad in [
        "NaN",
        "inf",
        "1e308",
        "-0",
        "247.5",
        "99999999999999999999999",
        "18446744073709551616",
    ] {
        fs::write(
            d.join("r.csv"),
            format!(
                "date,returned_to_ukraine,returned_to_russia,mediator,kind,confidence,source_url\n\
                 2025-07-23,250,{bad},Turkey,pow,medium,https://example.org/a\n"
            ),
        )
        .unwrap();
        let out = swapsim(d, &["history", "--record", "r.csv", "--quiet"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("r.csv:2: returned_to_russia") && err.contains(bad),
            "{bad}: {err}"
        );
    }
}

/// A shipped scenario without a given path (the default holds one inline)
/// with its escalation path read from `x.csv` in `d`, which holds `csv`.
fn with_path_file(d: &Path, csv: &[u8]) {
    let text =
        shipped("uae-only.toml").replacen("[escalation]\n", "[escalation]\npath = \"x.csv\"\n", 1);
    fs::write(d.join("x.toml"), text).unwrap();
    fs::write(d.join("x.csv"), csv).unwrap();
}

/// Whether `text` holds anything a terminal would act on rather than show.
fn has_terminal_controls(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[cfg(unix)]
#[test]
fn text_from_files_reaches_the_terminal_without_escape_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A valid scenario saved under a name that clears the screen, rings the
    // bell, returns the carriage and reverses the line: it is printed back.
    let name = "x\u{1b}[2J\u{1b}]0;title\u{7}\r\u{202e}.toml";
    fs::write(d.join(name), shipped("istanbul-2025.toml")).unwrap();
    let out = swapsim(d, &["validate", name]);
    let said = ok(&out);
    assert!(said.contains("ok"), "{said}");
    assert!(!has_terminal_controls(&said), "{said:?}");
    // A cell of an escalation path file is quoted in the error.
    with_path_file(
        d,
        b"date,level\n2025-11-16,1.0\n2025-11-17,\x1b[31m\x07\r1.2\xe2\x80\xae\n",
    );
    let out = swapsim(d, &["validate", "x.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("x.csv:3"), "{}", stderr(&out));
    assert!(!has_terminal_controls(&stderr(&out)), "{:?}", stderr(&out));
}

#[test]
fn a_whole_number_parameter_is_not_swept_at_a_fraction() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for how in [["--values", "3,3.5"], ["--range", "3.2:3.8:2"]] {
        let out = swapsim(
            d,
            &[
                "sweep",
                "--param",
                "exchange.preparation_days",
                how[0],
                how[1],
                "--trials",
                "100",
                "--quiet",
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{how:?}: {err}");
        assert!(err.contains("exchange.preparation_days"), "{err}");
        assert!(err.contains("whole numbers"), "{err}");
        assert!(names(d).is_empty(), "nothing is written");
    }
}

#[test]
fn path_and_record_files_that_are_not_utf8_name_the_line_and_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    with_path_file(d, b"date,level\n2025-11-16,1.0\n2025-11-17,1\xe9\n");
    let out = swapsim(d, &["validate", "x.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("x.csv"), "{err}");
    assert!(err.contains("line 3, byte 13 of the line"), "{err}");
    assert!(err.contains("not UTF-8"), "{err}");

    let record =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data/exchanges.csv"))
            .unwrap();
    let mut bytes = Vec::new();
    let mut lines = record.split_inclusive(|&b| b == b'\n');
    bytes.extend_from_slice(lines.next().unwrap());
    bytes.extend_from_slice(lines.next().unwrap());
    bytes.push(0xff);
    for l in lines {
        bytes.extend_from_slice(l);
    }
    fs::write(d.join("r.csv"), bytes).unwrap();
    let out = swapsim(d, &["history", "--record", "r.csv", "--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("r.csv"), "{err}");
    assert!(err.contains("line 3, byte 1 of the line"), "{err}");
    assert!(!d.join("output").exists(), "nothing is written");
}

#[test]
fn sensitivity_designs_beyond_memory_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Twenty mediators, each with three uncertain parameters: 60
    // uncertainties (of the 64 allowed), so 65,536 Sobol samples make about
    // 4 million design points of 60 coordinates each (gigabytes).
    let mut text = shipped("istanbul-2025.toml");
    let mut uncertain = String::from("\n[uncertainties]\n");
    for k in 0..20 {
        text = text.replacen(
            "[exchange]",
            &format!(
                "[[mediation.mediators]]\nname = \"M{k}\"\navailability = 0.5\n\
                 mean_outage_days = 10\neffectiveness = 0.5\n\n[exchange]"
            ),
            1,
        );
        for (field, range) in [
            ("availability", "min = 0.4, max = 0.6"),
            ("mean_outage_days", "min = 5, max = 20"),
            ("effectiveness", "min = 0.4, max = 0.6"),
        ] {
            uncertain.push_str(&format!(
                "\"mediation.mediators.M{k}.{field}\" = {{ {range} }}\n"
            ));
        }
    }
    // The shipped uncertainties come last in the file: replace them.
    let at = text.find("\n[uncertainties]\n").unwrap();
    text.truncate(at);
    text.push_str(&uncertain);
    fs::write(d.join("wide.toml"), text).unwrap();
    let started = Instant::now();
    let out = swapsim(
        d,
        &[
            "sensitivity",
            "wide.toml",
            "--method",
            "sobol",
            "--samples",
            "65536",
            "--quiet",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--samples 65536"), "{err}");
    assert!(err.contains("MB"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!d.join("output").exists(), "nothing is written");
}

#[test]
fn every_bad_number_in_an_escalation_path_file_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (cell, column) in [
        ("2025-11-17,NaN", "level"),
        ("2025-11-17,inf", "level"),
        ("2025-11-17,-1", "level"),
        ("2025-11-17,1e308", "level"),
        ("2025-11-17,", "level"),
        ("2025-11-17T06:00,1.0", "date"),
        ("yesterday,1.0", "date"),
    ] {
        with_path_file(
            d,
            format!("date,level\n2025-11-16,1.0\n{cell}\n2025-11-18,1.0\n").as_bytes(),
        );
        let out = swapsim(d, &["validate", "x.toml"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{cell}: {err}");
        let value = if column == "date" {
            cell.split(',').next().unwrap()
        } else {
            cell.split(',').nth(1).unwrap()
        };
        assert!(err.contains("x.csv:3:"), "{cell}: {err}");
        assert!(err.contains(column), "{cell}: {err}");
        assert!(err.contains(&format!("\"{value}\"")), "{cell}: {err}");
        assert!(
            err.contains("allowed") || err.contains("YYYY-MM-DD") || err.contains("date"),
            "{cell}: {err}"
        );
    }
}

/// The question's flags of `forecast` are named when they are out of
/// range, with the value given, not only the line of a scenario text that
/// exists nowhere on disk.
#[test]
fn forecast_names_the_flag_of_a_question_out_of_range() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (flag, value) in [
        ("--pool", "18446744073709551615"),
        ("--pool", "0"),
        ("--horizon", "100000"),
    ] {
        let out = swapsim(
            d,
            &["forecast", "--as-of", "2025-11-15", flag, value, "--quiet"],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("'{value}' for '{flag}")),
            "{}",
            stderr(&out)
        );
    }
    let out = swapsim(
        d,
        &[
            "forecast",
            "--as-of",
            "2025-11-15",
            "--deadline",
            "2025-11-10",
            "--trials",
            "100",
            "--no-charts",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--deadline"), "{}", stderr(&out));
    assert!(stderr(&out).contains("2025-11-10"), "{}", stderr(&out));
    assert!(!d.join("output").exists());
}
