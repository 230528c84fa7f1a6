//! `compare --assumptions`: configurations across the scenario's
//! assumptions, beside the comparison at the central values.

use crate::common::{ok, swapsim};
use std::fs;
use std::path::Path;

fn compare(dir: &Path, out: &str, extra: &[&str]) {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mediator-configurations.toml");
    let mut args = vec![
        "compare",
        scenario.to_str().unwrap(),
        "--trials",
        "300",
        "--out",
        out,
        "--no-charts",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    ok(&swapsim(dir, &args));
}

#[test]
fn a_robust_comparison_is_the_same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for threads in ["1", "2"] {
        compare(
            d,
            &format!("t{threads}"),
            &["--assumptions", "8", "--threads", threads],
        );
    }
    for f in [
        "robustness.csv",
        "robustness.json",
        "robustness_sets.csv",
        "comparison.json",
        "differences.csv",
    ] {
        assert_eq!(
            fs::read(d.join("t1").join(f)).unwrap(),
            fs::read(d.join("t2").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn assumptions_zero_writes_what_compare_wrote_before() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    compare(d, "plain", &[]);
    compare(d, "zero", &["--assumptions", "0"]);
    compare(d, "robust", &["--assumptions", "4"]);
    for f in ["comparison.json", "comparison.csv", "differences.csv"] {
        let plain = fs::read(d.join("plain").join(f)).unwrap();
        assert_eq!(plain, fs::read(d.join("zero").join(f)).unwrap(), "{f}");
        assert_eq!(plain, fs::read(d.join("robust").join(f)).unwrap(), "{f}");
    }
    assert!(!d.join("zero").join("robustness.csv").exists());
}

#[test]
fn two_identical_files_have_no_regret_and_share_p_best() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/istanbul-2025.toml");
    let s = scenario.to_str().unwrap();
    ok(&swapsim(
        d,
        &[
            "compare",
            s,
            s,
            "--trials",
            "200",
            "--assumptions",
            "6",
            "--out",
            "same",
            "--no-charts",
            "--quiet",
        ],
    ));
    let csv = fs::read_to_string(d.join("same").join("robustness.csv")).unwrap();
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.rsplitn(7, ',').collect();
        // From the end: diff_p95, diff_p50, diff_p5, max_regret,
        // mean_regret, p_best.
        assert_eq!(
            &cells[..6],
            ["0.0", "0.0", "0.0", "0.0", "0.0", "0.5"],
            "{line}"
        );
        rows += 1;
    }
    assert!(rows >= 10, "{csv}");
}

#[test]
fn discover_finds_where_a_configuration_falls_behind_the_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    compare(d, "c", &["--assumptions", "32"]);
    let sets = fs::read_to_string(d.join("c/robustness_sets.csv")).unwrap();
    // A header, then one row per configuration of each of the 32 sets.
    assert_eq!(sets.lines().count(), 1 + 32 * 3);
    assert!(sets.starts_with("point,configuration,"));
    let out = swapsim(
        d,
        &[
            "discover",
            "c",
            "--outcome",
            "diff:UAE only:returned_by_deadline",
            "--below=-50",
        ],
    );
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("returned_by_deadline of UAE only less base below -50"),
        "{said}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("c/discover/discover.json")).unwrap())
            .unwrap();
    assert_eq!(json["difference"]["configuration"], "UAE only");
    assert_eq!(json["difference"]["reference"], "base");
    assert_eq!(json["points"], 32);
    for f in ["prim_trajectory.svg", "prim_box.svg", "prim_box.png"] {
        assert!(d.join("c/discover").join(f).is_file(), "{f}");
    }
    // A configuration the comparison does not hold, and the reference
    // itself, are refused with exit code 2.
    for outcome in [
        "diff:Vatican:returned_by_deadline",
        "diff:base:returned_by_deadline",
        "diff:returned_by_deadline",
    ] {
        let out = swapsim(d, &["discover", "c", "--outcome", outcome, "--below", "0"]);
        assert_eq!(out.status.code(), Some(2), "{outcome}");
    }
}
