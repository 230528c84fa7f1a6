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
