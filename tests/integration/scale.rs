//! Shards, merging and convergence control: results must not depend on how
//! a run is split.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use swapsim::engine::{self, StreamKeys};
use swapsim::model::Model;
use swapsim::scenario::ScenarioSource;
use swapsim::stats::{Accumulator, Metric};

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

const TRIALS: &str = "6000";

#[test]
fn merged_shards_give_the_same_bytes_as_a_single_run_for_any_number_of_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            TRIALS,
            "--out",
            "single",
            "--no-charts",
            "--quiet",
        ],
    ));
    for n in [1, 2, 3, 7] {
        let mut dirs = Vec::new();
        for k in 1..=n {
            let dir = format!("s{n}-{k}");
            let shard = format!("{k}/{n}");
            ok(&swapsim(
                d,
                &[
                    "run", "--trials", TRIALS, "--shard", &shard, "--out", &dir, "--quiet",
                ],
            ));
            dirs.push(dir);
        }
        let merged = format!("merged{n}");
        let mut args = vec!["merge", "--out", &merged, "--no-charts", "--quiet"];
        // Shards may be given in any order.
        args.extend(dirs.iter().rev().map(String::as_str));
        ok(&swapsim(d, &args));
        for f in [
            "summary.json",
            "summary.csv",
            "daily.csv",
            "returned_by_deadline.csv",
        ] {
            let a = fs::read(d.join("single").join(f)).unwrap();
            let b = fs::read(d.join(&merged).join(f)).unwrap();
            assert!(a == b, "{f} differs after merging {n} shards");
        }
    }
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
    let keys = StreamKeys::new(s.mediation.mediators.iter().map(|m| m.name.as_str()));
    let target = 0.003;
    let batch = swapsim::cli::CONVERGENCE_BATCH;
    // Standard errors after each whole batch, computed independently of the
    // stop rule: the first one under the target fixes the expected count.
    let mut expected = None;
    for k in 1..=20 {
        let acc = engine::run(
            &model,
            &keys,
            s.simulation.seed,
            0..k * batch,
            Some(2),
            || Accumulator::new(&s),
            &|_| {},
        )
        .unwrap();
        let (_, se) = acc.estimate(Metric::NoRoundByDeadline, true).unwrap();
        if se < target {
            expected = Some(k * batch);
            break;
        }
    }
    let expected = expected.expect("the target is reached within 20 batches");
    for threads in [1, 2] {
        let acc = swapsim::cli::converge(
            &s,
            threads,
            target,
            Metric::NoRoundByDeadline,
            u64::MAX,
            true,
        )
        .unwrap();
        assert_eq!(acc.trials(), expected, "{threads} threads");
    }
}
