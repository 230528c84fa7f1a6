//! Sweeps and sensitivity analyses on the real simulator: common random
//! numbers, exact zeros for parameters the model ignores, determinism across
//! thread counts, and the command line's outputs and messages.
//!
//! The estimators themselves are tested against functions with known
//! indices (Ishigami, linear models) in `src/sensitivity`.

use crate::common::swapsim;
use std::fs;
use std::path::Path;
use swapsim::outcomes::{DESIGN, Outcome};
use swapsim::scenario::DEFAULT_SCENARIO_TOML;
use swapsim::scenario::uncertainty::{self, Uncertainty, configuration_tree, resolve};
use swapsim::sensitivity::analysis;
use swapsim::sensitivity::evaluate::Evaluator;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The default scenario with its `[uncertainties]` replaced by `table`.
fn default_with_uncertainties(table: &str) -> String {
    let base = DEFAULT_SCENARIO_TOML
        .split("\n[uncertainties]")
        .next()
        .expect("the default scenario has a body");
    format!("{base}\n[uncertainties]\n{table}\n")
}

fn no_progress(_: u64, _: u64) {}

/// A sweep of `path` over `values` of the default scenario, on common
/// random numbers.
fn sweep_default(path: &str, values: &[f64], trials: u64) -> analysis::SweepResult {
    let tree = configuration_tree(DEFAULT_SCENARIO_TOML).unwrap();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let params = [resolve(&tree, path, [lo, hi]).unwrap()];
    let eval = Evaluator {
        tree: &tree,
        parameters: &params,
        trials,
        seed: 16112025,
    };
    analysis::sweep(&eval, values, 2, &no_progress).unwrap()
}

fn series(r: &analysis::SweepResult, o: Outcome) -> Vec<f64> {
    r.estimates.iter().map(|e| e.get(o).estimate).collect()
}

#[test]
fn sweeps_on_common_random_numbers_are_exactly_monotone_where_every_path_is() {
    // Trial n draws the same rounds whatever the pool, until the smaller
    // pool is reached; so a trial that completes a larger pool by the
    // deadline completes a smaller one too, and returns at least as many
    // people by the horizon. On common random numbers both curves must then
    // be monotone to the last trial. The steps are fine: 10 people of
    // pool change the mean returned by the horizon by a few people, while
    // independent runs of 4,000 trials would differ by about 9 (standard
    // error of a difference of two means with sd near 400), so without
    // common random numbers the curve would zigzag.
    let values: Vec<f64> = (0..11).map(|k| 1150.0 + 10.0 * f64::from(k)).collect();
    let r = sweep_default("target.pool", &values, 4000);
    let returned = series(&r, Outcome::MeanReturnedByHorizon);
    let target = series(&r, Outcome::TargetByDeadline);
    for k in 1..values.len() {
        assert!(
            returned[k] >= returned[k - 1],
            "returned fell: {returned:?}"
        );
        assert!(target[k] <= target[k - 1], "P(target) rose: {target:?}");
    }
    assert!(returned[10] > returned[0], "{returned:?}");
}

#[test]
fn p_suspended_never_falls_as_the_suspension_base_rises() {
    // A higher suspension hazard makes a suspension more likely on every
    // path of escalation and mediation, and those paths are the same in
    // every configuration. The model draws suspensions by thinning
    // candidate days spaced according to a bound proportional to the base,
    // so a new base moves the candidates too: the coupling is partial, and
    // about one trial in eight changes status, in either direction, between
    // neighbouring values here. The paired standard error of a step is
    // sqrt(discordant trials) / n, about 0.4 percentage points at 8,000
    // trials, while each step raises P by 2.4 to 4.4 points: a fall would be
    // more than 6 standard errors from the expected rise.
    let values: Vec<f64> = (0..7).map(|k| 0.001 + 0.0002 * f64::from(k)).collect();
    let r = sweep_default("exchange.suspension.base", &values, 8000);
    let p = series(&r, Outcome::SuspendedWithinHorizon);
    for w in p.windows(2) {
        assert!(w[1] >= w[0], "P(suspended) fell: {p:?}");
    }
    assert!(p[6] - p[0] > 0.15, "{p:?}");
}

/// Uncertainties with one parameter the model never reads: the seasonal
/// offset of August, a month outside the November-to-May horizon.
fn with_unused_parameter() -> (toml::Table, Vec<Uncertainty>) {
    let text = default_with_uncertainties(
        r#""escalation.seasonal.aug" = { min = 0.0, max = 2.0 }
"exchange.round_rate" = { min = 0.05, max = 0.12 }
"exchange.suspension.base" = { distribution = "lognormal", median = 0.002, gsd = 2 }"#,
    );
    let u = uncertainty::parse(&text, "test.toml").unwrap();
    (configuration_tree(&text).unwrap(), u)
}

#[test]
fn a_parameter_the_model_ignores_gets_a_total_index_of_zero() {
    let (tree, u) = with_unused_parameter();
    let params: Vec<_> = u.iter().map(|u| u.parameter.clone()).collect();
    let eval = Evaluator {
        tree: &tree,
        parameters: &params,
        trials: 300,
        seed: 7,
    };
    let outcomes = DESIGN;
    let r = analysis::sobol(&eval, &u, 32, &outcomes, 2, &no_progress).unwrap();
    for (o, ix) in &r.indices {
        // With common random numbers A and AB_aug give identical outputs,
        // so the Jansen and Saltelli sums are exactly 0 in every resample.
        let t = &ix.total_order[0];
        if ix.variance > 0.0 {
            assert_eq!(t.estimate, 0.0, "{o:?}");
            assert!(t.ci95[0] <= 0.0 && 0.0 <= t.ci95[1], "{o:?}: {t:?}");
            assert_eq!(ix.first_order[0].estimate, 0.0, "{o:?}");
        }
    }
    // The parameters the model does use are not zero, so the zeros above
    // are not an artefact of the design.
    let ix = &r
        .indices
        .iter()
        .find(|(o, _)| *o == Outcome::MeanReturnedByDeadline)
        .unwrap()
        .1;
    assert!(ix.total_order[1].ci95[0] > 0.05, "{:?}", ix.total_order[1]);
    let ix = &r
        .indices
        .iter()
        .find(|(o, _)| *o == Outcome::SuspendedWithinHorizon)
        .unwrap()
        .1;
    assert!(ix.total_order[2].ci95[0] > 0.05, "{:?}", ix.total_order[2]);
}

#[test]
fn a_parameter_the_model_ignores_gets_a_zero_width_tornado_bar() {
    let (tree, u) = with_unused_parameter();
    let params: Vec<_> = u.iter().map(|u| u.parameter.clone()).collect();
    let eval = Evaluator {
        tree: &tree,
        parameters: &params,
        trials: 2000,
        seed: 16112025,
    };
    let r = analysis::tornado(&eval, &u, 2, &no_progress).unwrap();
    for o in DESIGN {
        let bars = r.swings(o);
        let aug = bars.iter().find(|b| b.input == 0).unwrap();
        assert_eq!(aug.swing, 0.0, "{o:?}");
        assert_eq!(aug.at_low, r.base.get(o).estimate, "{o:?}");
    }
    // The round rate moves people returned by the deadline, and its bar is
    // drawn above the empty one.
    let bars = r.swings(Outcome::MeanReturnedByDeadline);
    assert_eq!(bars[0].input, 1);
    assert!(bars[0].swing > 50.0, "{:?}", bars[0]);
}

#[test]
fn sensitivity_results_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = swapsim(
            tmp.path(),
            &[
                "sensitivity",
                "--method",
                "sobol",
                "--samples",
                "16",
                "--inner-trials",
                "150",
                "--threads",
                threads,
                "--no-charts",
                "--quiet",
                "--out",
                threads,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let dir = tmp.path().join(threads);
        let files: Vec<Vec<u8>> = ["sobol.csv", "sobol.json", "design.csv"]
            .iter()
            .map(|f| fs::read(dir.join(f)).unwrap())
            .collect();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn tornado_writes_tables_charts_and_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = swapsim(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "300",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("17 design points x 300 trials"), "{stdout}");
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/tornado");
    for f in ["tornado.csv", "tornado.json", "manifest.json"] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    for o in DESIGN {
        for ext in ["png", "svg"] {
            let f = dir.join(format!("tornado_{}.{ext}", o.design_key()));
            assert!(
                fs::metadata(&f).map(|m| m.len() > 1000).unwrap_or(false),
                "{f:?}"
            );
        }
    }
    let svg = fs::read_to_string(dir.join("tornado_target_by_deadline.svg")).unwrap();
    assert!(svg.contains("What moves P(all 1,200 returned by 31 Dec 2025)"));
    assert!(svg.contains("size mean"));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["analysis"]["method"], "tornado");
    assert_eq!(manifest["analysis"]["design_points"], 17);
    assert_eq!(manifest["trials"], 300);
    // Tidy rows: 7 outcomes x 8 uncertainties, plus a header.
    let csv = fs::read_to_string(dir.join("tornado.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7 * 8 + 1);
    assert!(csv.starts_with("outcome,rank,parameter,low_value,high_value,base,"));
}

#[test]
fn morris_and_sweep_write_their_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = swapsim(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "4",
            "--inner-trials",
            "100",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/morris");
    assert!(dir.join("morris_returned_by_deadline.png").is_file());
    // 4 trajectories of 9 points, plus a header.
    let design = fs::read_to_string(dir.join("design.csv")).unwrap();
    assert_eq!(design.lines().count(), 4 * 9 + 1);

    let out = swapsim(
        tmp.path(),
        &[
            "sweep",
            "--param",
            "mediation.mediators.UAE.availability",
            "--range",
            "0.6:0.9:3",
            "--trials",
            "500",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tmp.path().join("output/istanbul-2025-sweep");
    let csv = fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert!(csv.starts_with("parameter,value,outcome,estimate,se,ci95_low,ci95_high,trials"));
    assert_eq!(csv.lines().count(), 3 * 7 + 1);
    let svg = fs::read_to_string(dir.join("sweep_returned_by_deadline.svg")).unwrap();
    assert!(svg.contains("as written: 0.85"), "the base value is marked");
}

#[test]
fn bad_requests_exit_2_with_a_message_naming_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let no_uncertainties = tmp.path().join("plain.toml");
    fs::write(&no_uncertainties, default_with_uncertainties("")).unwrap();
    let plain = no_uncertainties.to_str().unwrap();
    for (args, want) in [
        (
            vec![
                "sweep",
                "--param",
                "exchange.suspension.bse",
                "--values",
                "0.001,0.002",
            ],
            "--param exchange.suspension.bse: at 0.001: exchange.suspension.bse: unknown field `bse`",
        ),
        (
            vec![
                "sweep",
                "--param",
                "mediation.mediators.Qatar.availability",
                "--values",
                "0.5",
            ],
            "no mediator is named \"Qatar\"",
        ),
        (
            vec![
                "sweep",
                "--param",
                "exchange.preparation_days",
                "--values",
                "3,4.5",
            ],
            "exchange.preparation_days takes whole numbers",
        ),
        (
            vec![
                "sweep",
                "--param",
                "exchange.round_rate",
                "--range",
                "0.1:0.05:3",
            ],
            "LOW must be a number below HIGH",
        ),
        (
            vec!["sweep", "--param", "exchange.round_rate", "--values", "nan"],
            "values must be finite numbers",
        ),
        (
            vec!["sensitivity", plain, "--method", "tornado"],
            "declares no [uncertainties]",
        ),
        (
            vec!["sensitivity", "--method", "sobol", "--samples", "1000"],
            "--samples 1000 is not allowed: a Sobol design needs a power of two",
        ),
        (
            vec!["sensitivity", "--method", "tornado", "--samples", "64"],
            "--samples applies to --method sobol only",
        ),
        (
            vec!["sensitivity", "--method", "morris", "--levels", "3"],
            "--levels 3 is not allowed",
        ),
    ] {
        let out = swapsim(tmp.path(), &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(want),
            "{args:?}:\n{stderr}\ndoes not contain\n{want}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_design_point_invalid_in_combination_is_named_before_anything_runs() {
    // Each range is valid with the other parameter as written (outages of
    // 21 days, availability 0.8), but a channel whose outages last a day on
    // average is open at least half the time, so low availability with
    // short outages is not a valid scenario.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("corner.toml");
    fs::write(
        &file,
        default_with_uncertainties(
            r#""mediation.mediators.Turkey.availability" = { min = 0.05, max = 0.9 }
"mediation.mediators.Turkey.mean_outage_days" = { min = 1, max = 40 }"#,
        ),
    )
    .unwrap();
    let out = swapsim(
        tmp.path(),
        &[
            "sensitivity",
            file.to_str().unwrap(),
            "--method",
            "morris",
            "--inner-trials",
            "10",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a valid scenario"), "{stderr}");
    assert!(
        stderr.contains("mediation.mediators.Turkey.availability = "),
        "{stderr}"
    );
    assert!(!tmp.path().join("output/corner-sensitivity/morris").exists());
}

#[test]
fn every_shipped_scenario_declares_its_uncertainties_with_a_reason_for_each() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        // Read as the program reads it, so that a path file is found.
        let text = swapsim::scenario::ScenarioSource::read(&path).unwrap().text;
        let u = uncertainty::parse(&text, &path.display().to_string()).unwrap();
        assert!(
            u.len() >= 5,
            "{} declares {} uncertainties",
            path.display(),
            u.len()
        );
        // Each entry of the table sits under a comment giving its reason.
        let table = text.split("\n[uncertainties]\n").nth(1).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with('"') {
                assert!(
                    i > 0 && lines[i - 1].starts_with("# "),
                    "{}: {line} has no reason above it",
                    path.display()
                );
            }
        }
    }
}
