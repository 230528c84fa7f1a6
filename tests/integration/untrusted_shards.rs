//! A shard's `partial.json` is input from anywhere: every damaged or
//! hostile field is refused with exit code 2 and a message naming it,
//! before anything is written, and nothing the file says decides where
//! results go.

use crate::common::{ok, swapsim};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Two shards of a 2,048-trial run in `output/x-shard-K-of-2` (two engine
/// blocks, one per shard).
fn run_shards(d: &Path, scenario: &str) {
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario),
        d.join("x.toml"),
    )
    .unwrap();
    for k in ["1/2", "2/2"] {
        ok(&swapsim(
            d,
            &[
                "run",
                "x.toml",
                "--trials",
                "2048",
                "--assumptions",
                "0",
                "--shard",
                k,
                "--quiet",
            ],
        ));
    }
}

const FIRST: &str = "output/x-shard-1-of-2";
const SECOND: &str = "output/x-shard-2-of-2";

fn edit(d: &Path, shard: &str, change: impl FnOnce(&mut Value)) {
    let path = d.join(shard).join("partial.json");
    let mut v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    change(&mut v);
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
}

/// Merging is refused with exit code 2, the message contains `field`, and
/// nothing is written.
fn refused(d: &Path, field: &str) {
    let out = swapsim(d, &["merge", FIRST, SECOND, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{field}: {err}");
    assert!(
        err.contains(field),
        "the message does not name {field}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !d.join("output/x").exists(),
        "{field}: a refused merge wrote results"
    );
}

fn run_stats(v: &mut Value) -> &mut Value {
    &mut v["statistics"]["run"]
}

#[test]
fn daily_rows_of_the_wrong_length_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/long-run.toml");
    edit(d, SECOND, |v| {
        run_stats(v)["first_suspension"]
            .as_array_mut()
            .unwrap()
            .truncate(10);
    });
    refused(d, "first_suspension");
    run_shards(d, "scenarios/long-run.toml");
    edit(d, SECOND, |v| {
        run_stats(v)["phase_steps"] = Value::Array(vec![])
    });
    refused(d, "phase_steps");
}

#[test]
fn counts_above_the_trials_and_counts_that_wrap_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| {
        run_stats(v)["target_by_deadline"] = Value::from(333_333_u64)
    });
    refused(d, "target_by_deadline");
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| {
        let counts = &mut run_stats(v)["rounds"]["hist"]["counts"];
        *counts = serde_json::json!([u64::MAX, 2]);
    });
    refused(d, "rounds.hist.counts");
}

#[test]
fn impossible_bins_are_named_and_do_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| {
        run_stats(v)["returned_steps"]["rows"][0]["sparse"] =
            serde_json::json!({ u32::MAX.to_string(): 1 });
    });
    refused(d, "returned_steps.rows[0]");
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| {
        // A bin of the dense part written in the sparse one.
        run_stats(v)["returned_steps"]["rows"][3]["sparse"] = serde_json::json!({ "5": 1 });
    });
    refused(d, "returned_steps.rows[3]");
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| {
        // One bin more than 64-bit values need.
        run_stats(v)["returned_by_deadline"]["hist"]["counts"] =
            Value::Array(vec![Value::from(0); 425_985]);
    });
    refused(d, "returned_by_deadline.hist.counts");
}

#[test]
fn a_claim_of_a_quintillion_shards_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/istanbul-2025.toml");
    for shard in [FIRST, SECOND] {
        edit(d, shard, |v| {
            v["shards"] = Value::from(1_000_000_000_000_000_000_u64)
        });
    }
    refused(d, "shards");
}

#[test]
fn another_format_version_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/istanbul-2025.toml");
    edit(d, FIRST, |v| v["format_version"] = Value::from(2));
    refused(d, "version 2");
}

#[test]
fn an_edited_scenario_text_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/istanbul-2025.toml");
    for shard in [FIRST, SECOND] {
        edit(d, shard, |v| {
            let text = &mut v["job"]["run"]["scenario"]["text"];
            *text = Value::from(format!("{}\n# edited\n", text.as_str().unwrap()));
        });
    }
    refused(d, "job.scenario.sha256");
}

#[test]
fn names_in_a_shard_never_decide_where_results_go() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("work")).unwrap();
    let w = d.join("work");
    run_shards(&w, "scenarios/istanbul-2025.toml");
    for shard in [FIRST, SECOND] {
        edit(&w, shard, |v| {
            let s = &mut v["job"]["run"]["scenario"];
            s["stem"] = Value::from("../../escaped");
            s["file"] = Value::from("/etc/passwd\u{1b}[2J");
        });
    }
    ok(&swapsim(
        &w,
        &["merge", FIRST, SECOND, "--quiet", "--no-charts"],
    ));
    // The merged folder is the shard folder's name less -shard-K-of-N.
    assert!(w.join("output/x/summary.json").exists());
    assert!(!d.join("escaped").exists() && !w.join("escaped").exists());
}

#[test]
fn a_comparison_shard_missing_configurations_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mediator-configurations.toml"),
        d.join("x.toml"),
    )
    .unwrap();
    for k in ["1/2", "2/2"] {
        ok(&swapsim(
            d,
            &[
                "compare", "x.toml", "--trials", "2048", "--shard", k, "--quiet",
            ],
        ));
    }
    let (first, second) = (
        "output/x-compare-shard-1-of-2",
        "output/x-compare-shard-2-of-2",
    );
    let path = d.join(second).join("partial.json");
    let mut v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    v["statistics"]["compare"]["runs"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = swapsim(d, &["merge", first, second, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("statistics.compare.runs"), "{err}");
}

#[test]
fn a_design_point_with_zero_trials_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for k in ["1/2", "2/2"] {
        ok(&swapsim(
            d,
            &[
                "sensitivity",
                "--method",
                "tornado",
                "--inner-trials",
                "64",
                "--shard",
                k,
                "--quiet",
            ],
        ));
    }
    let dir = "output/istanbul-2025-sensitivity";
    let (first, second) = (
        format!("{dir}/tornado-shard-1-of-2"),
        format!("{dir}/tornado-shard-2-of-2"),
    );
    let path = d.join(&first).join("partial.json");
    let mut v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    v["statistics"]["sensitivity"][0]["trials"] = Value::from(0);
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = swapsim(d, &["merge", &first, &second, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("statistics.sensitivity[0].trials"), "{err}");
}

#[test]
fn a_partial_result_that_is_not_a_regular_file_or_too_large_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("dir")).unwrap();
    fs::create_dir(d.join("dir/partial.json")).unwrap();
    let out = swapsim(d, &["merge", "dir", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    // A sparse file larger than any partial result: refused by its size,
    // not read.
    let big = fs::File::create(d.join("big.json")).unwrap();
    big.set_len(300 << 20).unwrap();
    let out = swapsim(d, &["merge", "big.json", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than any partial result"));
}

#[test]
fn sums_of_squares_beyond_64_bits_survive_a_shard_round_trip() {
    // A pool of a billion, a round almost every day and rounds of a
    // million people: people returned reach a few hundred million per
    // trial, so the sum of squares over 1,024 trials passes 2^64 (1.8e19)
    // by far.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = r#"
name = "a billion people"
[simulation]
trials = 2048
horizon_days = 365
start_date = "2025-11-16"
seed = 1
[target]
pool = 1000000000
[escalation]
initial_regime = "steady"
shock_daily_probability = 0.0
shock_mean_size = 0.0
shock_half_life_days = 7.0
[[escalation.regimes]]
name = "steady"
intensity = 1.0
[mediation]
[exchange]
initial_phase = "active"
requires_mediator = false
preparation_days = 0
min_days_between_rounds = 1
round_rate = 1.0
size_mean = 1000000
size_dispersion = 5
confirmation = { base = 0.05 }
suspension = { base = 0.0 }
resumption = { base = 0.01 }
"#;
    fs::write(d.join("x.toml"), text).unwrap();
    for k in ["1/2", "2/2"] {
        ok(&swapsim(
            d,
            &[
                "run",
                "x.toml",
                "--trials",
                "2048",
                "--assumptions",
                "0",
                "--shard",
                k,
                "--quiet",
            ],
        ));
    }
    ok(&swapsim(
        d,
        &["merge", FIRST, SECOND, "--quiet", "--no-charts"],
    ));
    ok(&swapsim(
        d,
        &[
            "run",
            "x.toml",
            "--trials",
            "2048",
            "--assumptions",
            "0",
            "--out",
            "single",
            "--quiet",
            "--no-charts",
        ],
    ));
    let partial = fs::read_to_string(d.join(FIRST).join("partial.json")).unwrap();
    let v: Value = serde_json::from_str(&partial).unwrap();
    let sum_sq = &v["statistics"]["run"]["returned_by_horizon"]["sum_sq"];
    assert!(
        sum_sq.as_u64().is_none(),
        "the test needs a sum of squares beyond 64 bits, got {sum_sq}"
    );
    for file in ["summary.json", "daily.csv"] {
        assert_eq!(
            fs::read(d.join("output/x").join(file)).unwrap(),
            fs::read(d.join("single").join(file)).unwrap(),
            "{file}"
        );
    }
}

/// Two shards of `compare --assumptions 4` of the shipped comparison in
/// `output/x-compare-shard-K-of-2`: the first holds the central comparison
/// and parameter sets 1 and 2, the second sets 3 and 4.
fn robust_shards(d: &Path, extra: &[&str], k: &str) {
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mediator-configurations.toml"),
        d.join("x.toml"),
    )
    .unwrap();
    let mut args = vec![
        "compare",
        "x.toml",
        "--trials",
        "64",
        "--assumptions",
        "4",
        "--shard",
        k,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    ok(&swapsim(d, &args));
}

const ROBUST_FIRST: &str = "output/x-compare-shard-1-of-2";
const ROBUST_SECOND: &str = "output/x-compare-shard-2-of-2";

/// Both shards of a comparison across assumptions, the second edited by
/// `change`; merging them must fail with exit 2 naming `field`, writing
/// nothing.
fn robust_refused(field: &str, change: impl FnOnce(&mut Value)) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    robust_shards(d, &[], "1/2");
    robust_shards(d, &[], "2/2");
    edit(d, ROBUST_SECOND, change);
    let out = swapsim(d, &["merge", ROBUST_FIRST, ROBUST_SECOND, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{field}: {err}");
    assert!(
        err.contains(field),
        "the message does not name {field}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!d.join("output/x-compare").exists(), "{field}: {err}");
}

fn robust_sets(v: &mut Value) -> &mut Vec<Value> {
    v["statistics"]["robust"]["sets"].as_array_mut().unwrap()
}

#[test]
fn a_robust_shard_with_counts_its_trials_cannot_give_is_named() {
    robust_refused("statistics.robust.sets[0][1][0].trials", |v| {
        robust_sets(v)[0][1][0]["trials"] = Value::from(33);
    });
    // A count of trials (a probability's sum) above the 32 trials of the
    // second half.
    robust_refused("statistics.robust.sets[1][0][1].", |v| {
        let sums = robust_sets(v)[1][0][1].as_object_mut().unwrap();
        let count = sums
            .iter_mut()
            .find(|(k, v)| v.is_u64() && *k != "trials" && *k != "deadline_day")
            .expect("a probability's count")
            .1;
        *count = Value::from(1_000_000);
    });
}

#[test]
fn a_robust_shard_missing_sets_or_configurations_is_named() {
    robust_refused("statistics.robust.sets", |v| {
        robust_sets(v).pop();
    });
    robust_refused("statistics.robust.sets[0]", |v| {
        robust_sets(v)[0].as_array_mut().unwrap().truncate(2);
    });
    robust_refused("statistics.robust.central", |v| {
        v["statistics"]["robust"]["central"] = serde_json::json!({});
    });
}

#[test]
fn a_robust_shard_claiming_sets_out_of_its_range_is_named() {
    robust_refused("first, end", |v| {
        // One set short of its range: parameter sets 3 and 4 claimed as 4.
        v["first"] = Value::from(v["first"].as_u64().unwrap() + 1);
    });
    robust_refused("number of parameter sets (--assumptions)", |v| {
        v["job"]["robust"]["assumptions"] = Value::from(u64::MAX);
    });
}

#[test]
fn non_finite_and_out_of_type_values_in_a_robust_shard_are_named() {
    for bad in [
        Value::from(f64::MAX),
        Value::from(-0.0),
        Value::from(1.5),
        Value::from("NaN"),
        Value::from(""),
        Value::Null,
    ] {
        robust_refused("statistics.robust.sets[0][0][0].trials", |v| {
            robust_sets(v)[0][0][0]["trials"] = bad;
        });
    }
}

#[test]
fn a_robust_shard_of_another_design_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    robust_shards(d, &[], "1/2");
    robust_shards(d, &["--seed", "7"], "2/2");
    let out = swapsim(d, &["merge", ROBUST_FIRST, ROBUST_SECOND, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the seed differs"), "{err}");
    // A shard of the plain comparison with one across assumptions.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    robust_shards(d, &[], "1/2");
    robust_shards(d, &[], "2/2");
    ok(&swapsim(
        d,
        &[
            "compare", "x.toml", "--trials", "64", "--shard", "2/2", "--out", "plain", "--quiet",
        ],
    ));
    let out = swapsim(d, &["merge", ROBUST_FIRST, "plain", "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--assumptions"), "{err}");
}

#[test]
fn every_kind_of_bad_number_in_a_run_shard_is_named_by_its_field() {
    // NaN and infinity cannot be written in JSON; a tool that tried writes
    // null or a string. Each value below is refused with the field's path.
    let bad = [
        Value::Null,
        Value::from("NaN"),
        Value::from(""),
        Value::from(f64::MAX),
        Value::from(-0.0),
        Value::from(-1),
        // 2^64, beyond every count's 64 bits.
        serde_json::from_str("18446744073709551616").unwrap(),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/long-run.toml");
    let pristine = fs::read(d.join(SECOND).join("partial.json")).unwrap();
    for field in ["trials", "collapsed", "no_round_by_deadline", "horizon"] {
        for value in &bad {
            fs::write(d.join(SECOND).join("partial.json"), &pristine).unwrap();
            edit(d, SECOND, |v| run_stats(v)[field] = value.clone());
            refused(d, &format!("statistics.run.{field}"));
        }
    }
    for field in ["shard", "shards", "first", "end"] {
        for value in &bad {
            fs::write(d.join(SECOND).join("partial.json"), &pristine).unwrap();
            edit(d, SECOND, |v| v[field] = value.clone());
            refused(d, field);
        }
    }
}

/// A shard that reads well but fails the checks of its counts is named by
/// its file as well as its number, as one that cannot be read is.
#[test]
fn a_shard_failing_its_checks_is_named_by_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    run_shards(d, "scenarios/long-run.toml");
    edit(d, SECOND, |v| {
        run_stats(v)["target_reached"][3] = Value::from(1_000_000u64);
    });
    refused(d, "target_reached");
    let out = swapsim(d, &["merge", FIRST, SECOND, "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{SECOND}/partial.json (shard 2 of 2)")),
        "{err}"
    );
}
