//! Shards, merging and convergence control: results must not depend on how
//! a run is split.

use crate::common::{ok, swapsim};
use std::fs;
use std::path::Path;
use swapsim::engine::{self, StreamKeys};
use swapsim::jobs::run::{RunJob, RunOptions};
use swapsim::jobs::{Exec, Job, Silent};
use swapsim::model::Model;
use swapsim::outcomes::Outcome;
use swapsim::scenario::ScenarioSource;
use swapsim::stats::Accumulator;

const TRIALS: &str = "6000";

#[test]
fn merged_shards_give_the_same_bytes_as_a_single_run_for_any_number_of_shards() {
    let tmp = tempfile::tempdir().unwrap();
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &["run", "--trials", TRIALS, "--assumptions", "0"],
        &[
            "summary.json",
            "summary.csv",
            "daily.csv",
            "returned_by_deadline.csv",
        ],
        &[1, 2, 3, 7],
    );
}

#[test]
fn merge_refuses_duplicates_missing_shards_and_other_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (k, seed) in [(1, "1"), (2, "1"), (3, "1"), (3, "2")] {
        let dir = format!("k{k}-seed{seed}");
        let shard = format!("{k}/3");
        ok(&swapsim(
            d,
            &[
                "run", "--trials", "3000", "--seed", seed, "--shard", &shard, "--out", &dir,
                "--quiet",
            ],
        ));
    }
    fs::write(d.join("junk.json"), "{\"format\": \"something else\"}").unwrap();
    for (args, message) in [
        (vec!["k1-seed1", "k1-seed1", "k2-seed1"], "given twice"),
        (vec!["k1-seed1", "k2-seed1"], "shards 3 of 3 are missing"),
        (vec!["k1-seed1", "k2-seed1", "k3-seed2"], "the seed differs"),
        (vec!["junk.json"], "is not a swapsim partial result"),
        (
            vec!["."],
            "is not a shard's directory: it has no partial.json",
        ),
    ] {
        let mut all = vec!["merge", "--quiet"];
        all.extend(args);
        let out = swapsim(d, &all);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{err}");
    }
    assert!(!d.join("output").exists(), "a refused merge writes nothing");
}

#[test]
fn convergence_stops_at_the_first_batch_whose_standard_error_is_under_the_target() {
    let s = ScenarioSource::builtin().parse().unwrap();
    let model = Model::new(&s);
    let keys = StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()));
    let target = 0.003;
    let batch = swapsim::jobs::run::CONVERGENCE_BATCH;
    // Standard errors after each whole batch, computed independently of the
    // stop rule: the first one under the target fixes the expected count.
    let mut expected = None;
    for k in 1..=20 {
        let acc = engine::run(
            &model,
            &keys,
            s.simulation().seed,
            0..k * batch,
            Some(2),
            || Accumulator::new(&s),
            &|_| {},
        )
        .unwrap();
        let (_, se) = acc.estimate(Outcome::NoRoundByDeadline, true).unwrap();
        if se < target {
            expected = Some(k * batch);
            break;
        }
    }
    let expected = expected.expect("the target is reached within 20 batches");
    let job = RunJob::plan(ScenarioSource::builtin(), &RunOptions::default()).unwrap();
    for threads in [1, 2] {
        let exec = Exec {
            threads,
            progress: &Silent,
        };
        let converged = job
            .converge(target, Outcome::NoRoundByDeadline, u64::MAX, &exec)
            .unwrap();
        assert!(converged.reached);
        assert!(converged.se < target);
        assert_eq!(converged.stats.acc.trials(), expected, "{threads} threads");
        assert_eq!(converged.job.units(), expected, "{threads} threads");
    }
}

/// Runs `base` unsharded into `single` and in `n` shards merged into
/// `merged{n}` (shards given in reverse order), for each `n`, and checks
/// that `files` are the same bytes.
fn shards_merge_to_the_same_bytes(d: &Path, base: &[&str], files: &[&str], counts: &[u64]) {
    let mut single = base.to_vec();
    single.extend(["--out", "single", "--no-charts", "--quiet"]);
    ok(&swapsim(d, &single));
    for &n in counts {
        let mut dirs = Vec::new();
        for k in 1..=n {
            let dir = format!("s{n}-{k}");
            let shard = format!("{k}/{n}");
            let mut args = base.to_vec();
            args.extend(["--shard", &shard, "--out", &dir, "--quiet"]);
            ok(&swapsim(d, &args));
            dirs.push(dir);
        }
        let merged = format!("merged{n}");
        let mut args = vec!["merge", "--out", &merged, "--no-charts", "--quiet"];
        args.extend(dirs.iter().rev().map(String::as_str));
        ok(&swapsim(d, &args));
        for f in files {
            let a = fs::read(d.join("single").join(f)).unwrap();
            let b = fs::read(d.join(&merged).join(f)).unwrap();
            assert!(a == b, "{f} differs after merging {n} shards of {base:?}");
        }
    }
}

#[test]
fn merged_shards_of_an_ensemble_give_the_same_bytes_as_one_ensemble() {
    let tmp = tempfile::tempdir().unwrap();
    // The central run and 12 parameter sets of 300 trials: 13 units, so 7
    // shards leave the central run alone in the first.
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &["run", "--trials", "300", "--assumptions", "12"],
        &[
            "summary.json",
            "summary.csv",
            "daily.csv",
            "returned_by_deadline.csv",
            "ensemble.csv",
        ],
        &[1, 2, 3, 7],
    );
}

/// Every file of `dir` but the manifest (timings, threads) and the
/// report (which shows the manifest), by name.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .filter(|(name, _)| name != "manifest.json" && name != "report.html")
        .map(|(name, p)| (name, fs::read(p).unwrap()))
        .collect();
    files.sort();
    files
}

/// Runs an ensemble drawing `fan` unsharded into `single-<fan>` and in
/// shards merged (with charts) into `merged-<fan>-<n>`.
fn ensemble_shards(d: &Path, fan: &str, counts: &[u64]) {
    let base = [
        "run",
        "--trials",
        "200",
        "--assumptions",
        "6",
        "--fan",
        fan,
        "--quiet",
    ];
    let single = format!("single-{fan}");
    let mut args = base.to_vec();
    args.extend(["--out", &single]);
    ok(&swapsim(d, &args));
    for &n in counts {
        let mut dirs = Vec::new();
        for k in 1..=n {
            let dir = format!("{fan}-{k}-of-{n}");
            let shard = format!("{k}/{n}");
            let mut args = base.to_vec();
            args.extend(["--shard", &shard, "--out", &dir]);
            ok(&swapsim(d, &args));
            dirs.push(dir);
        }
        let merged = format!("merged-{fan}-{n}");
        let mut args = vec!["merge", "--out", &merged, "--quiet"];
        args.extend(dirs.iter().map(String::as_str));
        ok(&swapsim(d, &args));
    }
}

#[test]
fn merged_shards_of_an_ensemble_draw_the_same_fan_chart_as_one_ensemble_for_either_fan() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for fan in ["predictive", "median-across"] {
        // 7 units (the central run and 6 sets): 1 shard, 2 shards, and 3
        // shards the first of which holds the central run and 2 sets.
        ensemble_shards(d, fan, &[1, 2, 3]);
        let single = files_of(&d.join(format!("single-{fan}")));
        let names: Vec<&str> = single.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"fan_chart.svg") && names.contains(&"fan_chart.png"));
        for n in [1, 2, 3] {
            let merged = files_of(&d.join(format!("merged-{fan}-{n}")));
            let merged_names: Vec<&str> = merged.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(merged_names, names, "{fan}, {n} shards");
            for ((name, a), (_, b)) in single.iter().zip(&merged) {
                assert!(
                    a == b,
                    "{name} differs after merging {n} shards of --fan {fan}"
                );
            }
        }
    }
    // The two fans are different charts, each recorded as such.
    let svg = |fan: &str| fs::read(d.join(format!("merged-{fan}-2/fan_chart.svg"))).unwrap();
    assert!(svg("predictive") != svg("median-across"));
    let summary = fs::read_to_string(d.join("merged-median-across-2/summary.json")).unwrap();
    assert!(summary.contains("\"fan_chart\": \"median-across\""));
}

#[test]
fn merge_refuses_shards_of_ensembles_that_draw_different_fans() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (k, fan) in [(1, "predictive"), (2, "median-across")] {
        let shard = format!("{k}/2");
        let out = format!("k{k}");
        ok(&swapsim(
            d,
            &[
                "run",
                "--trials",
                "100",
                "--assumptions",
                "4",
                "--fan",
                fan,
                "--shard",
                &shard,
                "--out",
                &out,
                "--quiet",
            ],
        ));
    }
    let out = swapsim(d, &["merge", "k1", "k2", "--out", "merged", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "come from different runs: the fan chart (--fan predictive or median-across) differs"
        ),
        "{err}"
    );
    assert!(!d.join("merged").exists(), "a refused merge writes nothing");
}

#[test]
fn a_shard_written_before_the_fan_was_recorded_merges_as_the_predictive_fan() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ensemble_shards(d, "predictive", &[2]);
    // The partials as an earlier swapsim wrote them: no `fan` in the job.
    for k in 1..=2 {
        let path = d.join(format!("predictive-{k}-of-2/partial.json"));
        let mut partial: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let job = partial["job"]["ensemble"].as_object_mut().unwrap();
        assert_eq!(job.remove("fan"), Some("predictive".into()));
        fs::write(&path, serde_json::to_string(&partial).unwrap()).unwrap();
    }
    ok(&swapsim(
        d,
        &[
            "merge",
            "predictive-1-of-2",
            "predictive-2-of-2",
            "--out",
            "old",
            "--quiet",
        ],
    ));
    assert!(files_of(&d.join("old")) == files_of(&d.join("single-predictive")));
}

#[test]
fn a_shard_naming_a_fan_that_swapsim_does_not_draw_is_refused_by_its_field() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ensemble_shards(d, "median-across", &[2]);
    let path = d.join("median-across-1-of-2/partial.json");
    let text = fs::read_to_string(&path).unwrap();
    let edited = text.replace("\"fan\":\"median-across\"", "\"fan\":\"sideways\"");
    assert!(edited != text);
    fs::write(&path, edited).unwrap();
    let out = swapsim(
        d,
        &[
            "merge",
            "median-across-1-of-2",
            "median-across-2-of-2",
            "--out",
            "merged",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("job.ensemble.fan")
            && err.contains("sideways")
            && err.contains("median-across"),
        "{err}"
    );
    assert!(!d.join("merged").exists(), "a refused merge writes nothing");
}

#[test]
fn merged_shards_of_a_comparison_give_the_same_bytes_as_one_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &["compare", "--knockout", "--trials", "5000"],
        &["comparison.json", "comparison.csv", "differences.csv"],
        &[1, 2, 3, 7],
    );
}

#[test]
fn merged_shards_of_a_sensitivity_design_give_the_same_bytes_as_one_design() {
    let tmp = tempfile::tempdir().unwrap();
    // 8 base samples of 8 uncertainties: 80 design points of 100 trials.
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "8",
            "--inner-trials",
            "100",
        ],
        &["sobol.json", "sobol.csv", "design.csv"],
        &[1, 2, 3, 7],
    );
    let tmp = tempfile::tempdir().unwrap();
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "200",
        ],
        &["tornado.json", "tornado.csv"],
        &[1, 2, 3, 7],
    );
    // 4 trajectories of 9 points.
    let tmp = tempfile::tempdir().unwrap();
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "4",
            "--inner-trials",
            "100",
        ],
        &["morris.json", "morris.csv", "design.csv"],
        &[1, 2, 3, 7],
    );
}

#[test]
fn merge_refuses_shards_of_different_commands_designs_and_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sobol = ["sensitivity", "--method", "sobol", "--samples", "4"];
    for (args, dir) in [
        (vec!["run", "--trials", "2000", "--shard", "1/2"], "run1"),
        (
            vec![
                "compare",
                "--knockout",
                "--trials",
                "2000",
                "--shard",
                "2/2",
            ],
            "cmp2",
        ),
        (
            vec![
                "compare",
                "--knockout",
                "--trials",
                "2000",
                "--shard",
                "1/2",
            ],
            "cmp1",
        ),
        (
            [&sobol[..], &["--inner-trials", "50", "--shard", "1/2"]].concat(),
            "sobol1",
        ),
        (
            [&sobol[..], &["--inner-trials", "60", "--shard", "2/2"]].concat(),
            "sobol2-60",
        ),
        (
            vec![
                "sensitivity",
                "--method",
                "tornado",
                "--inner-trials",
                "50",
                "--shard",
                "2/2",
            ],
            "tornado2",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--out", dir, "--quiet"]);
        ok(&swapsim(d, &all));
    }
    // A shard of the current version, altered: claims other trials, or is
    // of the first format version.
    let text = fs::read_to_string(d.join("cmp2/partial.json")).unwrap();
    fs::create_dir(d.join("moved")).unwrap();
    fs::write(
        d.join("moved/partial.json"),
        text.replacen("\"first\":1024", "\"first\":1000", 1),
    )
    .unwrap();
    fs::create_dir(d.join("old")).unwrap();
    fs::write(
        d.join("old/partial.json"),
        text.replacen("\"format_version\":4", "\"format_version\":1", 1),
    )
    .unwrap();
    for (args, message) in [
        (
            vec!["run1", "cmp2"],
            "the command (run, compare or sensitivity) differs",
        ),
        (
            vec!["sobol1", "sobol2-60"],
            "the number of inner trials differs",
        ),
        (vec!["sobol1", "tornado2"], "the method differs"),
        (
            vec!["cmp1", "moved"],
            "holds trials 1000 to 2000, but shard 2 of 2 is 1024 to 2000",
        ),
        (
            vec!["cmp1", "old"],
            "format swapsim-partial version 4 (it has format swapsim-partial, version 1)",
        ),
    ] {
        let mut all = vec!["merge", "--quiet"];
        all.extend(args);
        let out = swapsim(d, &all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{all:?}: {err}");
    }
    assert!(!d.join("output").exists(), "a refused merge writes nothing");
    // Where to write comes from the command line, never from the shard's
    // file: shards in folders not named NAME-shard-K-of-N need --out.
    let out = swapsim(d, &["merge", "cmp1", "cmp2", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --out DIR"));
    assert!(!d.join("output").exists(), "a refused merge writes nothing");
    // The two shards of the comparison merge, with a report.
    ok(&swapsim(
        d,
        &[
            "merge",
            "cmp1",
            "cmp2",
            "--out",
            "output/istanbul-2025-compare",
            "--report",
            "--quiet",
            "--no-charts",
        ],
    ));
    let page = fs::read_to_string(d.join("output/istanbul-2025-compare/report.html")).unwrap();
    assert!(
        page.contains("<html"),
        "the merged comparison has its report"
    );
}

#[test]
fn report_and_shard_do_not_combine() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "--shard", "1/2", "--report"],
        vec!["compare", "--knockout", "--shard", "1/2", "--report"],
        vec![
            "sensitivity",
            "--method",
            "tornado",
            "--shard",
            "1/2",
            "--report",
        ],
    ] {
        let out = swapsim(tmp.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--report cannot be combined with --shard"),
            "{err}"
        );
    }
}

#[test]
fn merged_shards_of_a_comparison_across_assumptions_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mediator-configurations.toml");
    // The central comparison and 6 parameter sets: 7 units, so 7 shards
    // hold one each and 2 or 3 shards split the sets unevenly.
    shards_merge_to_the_same_bytes(
        tmp.path(),
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--trials",
            "300",
            "--assumptions",
            "6",
        ],
        &[
            "comparison.json",
            "comparison.csv",
            "differences.csv",
            "robustness.json",
            "robustness.csv",
        ],
        &[1, 2, 3, 7],
    );
}
