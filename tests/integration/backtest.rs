//! Scores of forecasts, and back-tests against the record.

use std::path::Path;
use std::process::Command;
use swapsim::backtest::{self, Setup, Spec, score};
use swapsim::calibration::conditions::Conditions;
use swapsim::history::Record;
use swapsim::scenario::ScenarioSource;

#[test]
fn the_crps_of_a_point_forecast_is_the_absolute_error() {
    for (x, y) in [(0u64, 0u64), (5, 9), (9, 5), (1200, 0), (0, 1200)] {
        let h = score::histogram(&[x; 7]);
        assert_eq!(score::crps(&h, y), x.abs_diff(y) as f64, "x = {x}, y = {y}");
    }
}

#[test]
fn the_crps_of_a_uniform_sample_has_its_closed_form() {
    // X uniform on {0, ..., n-1}: E|X - X'| = (n^2 - 1)/(3n), so
    // CRPS(y) = E|X - y| - (n^2 - 1)/(6n); at y = 0, E|X| = (n - 1)/2.
    for n in [1u64, 2, 10, 101, 1000] {
        let values: Vec<u64> = (0..n).collect();
        let h = score::histogram(&values);
        let nf = n as f64;
        let at_zero = (nf - 1.0) / 2.0 - (nf * nf - 1.0) / (6.0 * nf);
        assert!((score::crps(&h, 0) - at_zero).abs() < 1e-9, "n = {n}");
        // Beyond the sample, every value is below y: E|X - y| = y - (n-1)/2.
        let y = 3 * n;
        let beyond = y as f64 - (nf - 1.0) / 2.0 - (nf * nf - 1.0) / (6.0 * nf);
        assert!((score::crps(&h, y) - beyond).abs() < 1e-9, "n = {n}");
    }
    // For a large n the scaled score approaches that of the continuous
    // uniform law on (0, 1) at y = 1/2: 1/4 - 1/6 = 1/12.
    let n = 10_000u64;
    let h = score::histogram(&(0..n).collect::<Vec<_>>());
    let scaled = score::crps(&h, n / 2) / n as f64;
    assert!((scaled - 1.0 / 12.0).abs() < 1e-4, "{scaled}");
}

#[test]
fn a_backtest_is_reproducible_and_scores_what_the_record_allows() {
    let record = Record::shipped().expect("the shipped record");
    let source = ScenarioSource::builtin();
    let base = source.parse().expect("valid");
    let conditions = Conditions::simulate(&base).expect("conditions");
    let setup = Setup {
        record: &record,
        base: &base,
        conditions: &conditions,
        threads: Some(2),
    };
    let d = |s: &str| s.parse().expect("a date");
    let spec = Spec {
        fit_from: d("2022-03-01"),
        sizes_from: d("2024-01-01"),
        fit_until: d("2024-12-31"),
        until: d("2025-06-29"),
        trials: 600,
        seed: 11,
        half_life_days: backtest::DEFAULT_HALF_LIFE_DAYS,
    };
    let a = backtest::run(&setup, spec).expect("runs");
    let b = backtest::run(
        &Setup {
            threads: Some(1),
            ..setup
        },
        spec,
    )
    .expect("runs");
    assert_eq!(
        a, b,
        "the same inputs give the same back-test on 1 and 2 threads"
    );
    assert!((0.0..=1.0).contains(&a.p_suspended_at_origin));
    let find = |q: &str, h: u32| {
        a.scores
            .iter()
            .find(|s| s.quantity == q && s.horizon_days == h)
            .expect("scored")
    };
    // The record shows 3 rounds and 372 people in the first 90 days of
    // 2025, and 11 rounds in 180 days, whose figures are partly withheld.
    assert_eq!(find("rounds", 90).observed, Some(3));
    assert_eq!(find("people", 90).observed, Some(372));
    assert_eq!(find("rounds", 180).observed, Some(11));
    let people_180 = find("people", 180);
    assert_eq!(people_180.observed, None);
    assert!(
        people_180
            .not_scored
            .as_deref()
            .is_some_and(|m| m.contains("no published figure"))
    );
    for s in a.scores.iter().filter(|s| s.observed.is_some()) {
        assert!(s.swapsim.crps.is_some_and(|c| c >= 0.0) && s.naive.crps.is_some_and(|c| c >= 0.0));
        assert!(s.swapsim.pit.is_some_and(|p| (0.0..=1.0).contains(&p)));
    }
    // Equal weights make the recency-weighted benchmark the plain naive
    // forecast, draw for draw and score for score.
    let flat = backtest::run(
        &setup,
        Spec {
            half_life_days: f64::INFINITY,
            ..spec
        },
    )
    .expect("runs");
    assert_eq!(flat.recent, flat.naive);
    assert_eq!(flat.recent_rate, flat.naive_rate);
    for s in &flat.scores {
        assert_eq!(s.recent, s.naive);
        assert_eq!(s.skill_recent, s.skill);
    }
    // A finite half-life weighs the record differently: 2024 held rounds
    // at a different pace from the window's average.
    assert_ne!(a.recent_rate, a.naive_rate);
}

#[test]
fn backtest_and_calibrate_write_their_files_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_swapsim"))
            .current_dir(tmp.path())
            .args(args)
            .output()
            .expect("the swapsim binary starts")
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

    let out = run(&[
        "calibrate",
        "--sizes-from",
        "2024-01-01",
        "--no-charts",
        "--out",
        "mine.toml",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("P(suspended) per active day"), "{stdout}");
    let dir = tmp.path().join("output/calibration");
    for f in [
        "calibration.json",
        "calibration.csv",
        "states.csv",
        "gaps.csv",
        "sizes_qq.csv",
        "calibrated.toml",
        "manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let written = std::fs::read_to_string(tmp.path().join("mine.toml")).expect("--out file");
    assert_eq!(
        written,
        std::fs::read_to_string(dir.join("calibrated.toml")).expect("calibrated.toml")
    );
    let validate = run(&["validate", "mine.toml"]);
    assert!(validate.status.success(), "{}", text(&validate.stderr));

    let out = run(&[
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
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tmp.path().join("output/backtest-rolling");
    let scores = std::fs::read_to_string(dir.join("scores.csv")).expect("scores.csv");
    // Two origins, each scored for people and rounds at 90 and 180 days.
    assert_eq!(scores.lines().count(), 1 + 2 * 4, "{scores}");
    assert!(dir.join("mean_scores.csv").is_file() && dir.join("rolling.json").is_file());

    // A base scenario may not be overwritten by its own calibration.
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/long-run.toml");
    let copy = tmp.path().join("long-run.toml");
    std::fs::copy(&base, &copy).expect("copy");
    let out = run(&[
        "calibrate",
        "--base",
        "long-run.toml",
        "--out",
        "./long-run.toml",
        "--no-charts",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is the base scenario itself"));
}

#[test]
fn a_rolling_backtest_split_into_parts_gives_the_same_scores() {
    use swapsim::jobs::backtest::{BacktestJob, BacktestOptions, Origins};
    use swapsim::jobs::{Exec, Job};
    let d = |s: &str| s.parse().expect("a date");
    let job = BacktestJob::plan(
        Record::shipped().expect("the shipped record"),
        &BacktestOptions {
            origins: Origins::Rolling {
                from: d("2024-01-01"),
                to: d("2024-07-01"),
                every: swapsim::backtest::Every::Quarter,
            },
            fit_from: None,
            sizes_from: None,
            base: None,
            trials: 200,
            seed: Some(5),
            half_life_days: swapsim::backtest::DEFAULT_HALF_LIFE_DAYS,
            model: Default::default(),
            compare_models: true,
        },
    )
    .expect("planned");
    assert_eq!(job.units(), 3);
    let exec = Exec::serial();
    let whole = job
        .finish(job.simulate(0..3, &exec).expect("simulated"))
        .expect("finished");
    let mut parts = job.simulate(0..1, &exec).expect("simulated");
    BacktestJob::merge(&mut parts, job.simulate(1..3, &exec).expect("simulated"));
    let parts = job.finish(parts).expect("finished");
    assert_eq!(parts.tests, whole.tests);
    assert_eq!(parts.means, whole.means);
    assert_eq!(parts.coverage, whole.coverage);
    // Every model compared, too, and the grid is scored in full.
    assert_eq!(parts.models, whole.models);
    assert_eq!(whole.models.len(), swapsim::backtest::model_grid().len());
    // A part that lost an origin is refused, not finished.
    let short = job.simulate(0..2, &exec).expect("simulated");
    assert!(job.finish(short).is_err());
}

#[test]
fn a_backtest_whose_fit_is_never_suspended_runs_as_a_one_state_process() {
    // 1 August 2022 to 31 July 2023 fits on the "never suspended" boundary.
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(tmp.path())
        .args([
            "backtest",
            "--fit-from",
            "2022-08-01",
            "--fit-until",
            "2023-07-31",
            "--until",
            "2023-10-31",
            "--trials",
            "200",
            "--no-charts",
        ])
        .output()
        .expect("the swapsim binary starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("suspension.base 0,"), "{stdout}");
    assert!(
        stdout.contains("0 of 200 trials start suspended"),
        "{stdout}"
    );
}

#[test]
fn a_rolling_backtest_writes_pit_histograms_coverage_and_charts_that_match_its_scores() {
    use std::collections::HashMap;
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(tmp.path())
        .args([
            "backtest",
            "--rolling",
            "--from",
            "2023-07-01",
            "--to",
            "2024-10-01",
            "--trials",
            "300",
            "--out",
            "bt",
        ])
        .output()
        .expect("the swapsim binary starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Coverage: share of origins"), "{stdout}");
    let dir = tmp.path().join("bt");
    for q in ["people", "rounds"] {
        for h in [90, 180] {
            for stem in ["crps", "pit"] {
                for ext in ["png", "svg"] {
                    let f = dir.join(format!("{stem}_{q}_{h}d.{ext}"));
                    assert!(f.is_file(), "missing {}", f.display());
                }
            }
        }
    }
    let read = |name: &str| -> Vec<HashMap<String, String>> {
        let mut r = csv::Reader::from_path(dir.join(name)).expect(name);
        r.deserialize().map(|row| row.expect("a row")).collect()
    };
    let scores = read("scores.csv");
    let coverage = read("coverage.csv");
    let pit = read("pit_histogram.csv");
    let num = |row: &HashMap<String, String>, k: &str| -> f64 {
        row[k]
            .parse()
            .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
    };
    for q in ["people", "rounds"] {
        for h in ["90", "180"] {
            let scored: Vec<&HashMap<String, String>> = scores
                .iter()
                .filter(|r| {
                    r["quantity"] == q && r["horizon_days"] == h && !r["observed"].is_empty()
                })
                .collect();
            // swapsim's coverage, recounted from the percentiles in scores.csv.
            for (band, lo, hi) in [
                ("50", "swapsim_p25", "swapsim_p75"),
                ("90", "swapsim_p5", "swapsim_p95"),
            ] {
                let inside = scored
                    .iter()
                    .filter(|r| {
                        num(r, lo) <= num(r, "observed") && num(r, "observed") <= num(r, hi)
                    })
                    .count();
                let row = coverage
                    .iter()
                    .find(|r| {
                        r["quantity"] == q
                            && r["horizon_days"] == h
                            && r["forecast"] == "swapsim"
                            && r["band_percent"] == band
                    })
                    .expect("a coverage row");
                assert_eq!(row["inside"], inside.to_string(), "{q} {h} {band}%");
                assert_eq!(row["origins"], scored.len().to_string(), "{q} {h} {band}%");
                assert!(
                    num(row, "ci95_low") <= num(row, "share")
                        && num(row, "share") <= num(row, "ci95_high")
                );
            }
            // The PIT histogram bins the randomised PIT values of scores.csv.
            for forecast in ["swapsim", "naive", "recent"] {
                let mut expected = [0u64; 10];
                for r in &scored {
                    let v = num(r, &format!("{forecast}_randomised_pit"));
                    assert!((0.0..=1.0).contains(&v));
                    expected[((v * 10.0).floor() as usize).min(9)] += 1;
                }
                let got: Vec<u64> = pit
                    .iter()
                    .filter(|r| {
                        r["quantity"] == q && r["horizon_days"] == h && r["forecast"] == forecast
                    })
                    .map(|r| num(r, "count") as u64)
                    .collect();
                assert_eq!(got, expected, "{q} {h} {forecast}");
            }
        }
    }
}
