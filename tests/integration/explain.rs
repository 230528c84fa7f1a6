//! `swapsim explain` and `swapsim new`, and hazards written as waiting
//! times: explain's numbers against hand computations, its JSON read back
//! through its own type, its table on an 80-column terminal, the waiting
//! time conversion both ways and in simulation, and the starter scenario.

use crate::common::swapsim;
use std::fs;
use std::path::{Path, PathBuf};
use swapsim::engine::{self, StreamKeys, TrialSink};
use swapsim::jobs::explain::{self, Explanation};
use swapsim::model::{Model, TrialOutcome, TrialTrace};
use swapsim::scenario::Scenario;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn explained(toml: &str) -> (Scenario, Explanation) {
    let s = Scenario::from_toml_str(toml, "test.toml").expect("valid");
    let e = explain::explain(&s, "test.toml", explain::given_waiting_times(toml));
    (s, e)
}

/// A scenario whose reference conditions have closed forms: one regime
/// that is never left, no shocks, no seasons, one mediator and a common
/// outage. `hazards` is the `[exchange]` hazard lines.
fn one_regime_one_mediator(hazards: &str) -> String {
    format!(
        r#"
name = "closed forms"
[simulation]
trials = 100
horizon_days = 60
start_date = "2026-03-01"
seed = 1
[escalation]
initial_regime = "steady"
shock_daily_probability = 0.0
shock_mean_size = 0.0
shock_half_life_days = 7.0
[[escalation.regimes]]
name = "steady"
intensity = 1.5
[mediation]
common_outage_probability = 0.01
common_outage_mean_days = 20
[[mediation.mediators]]
name = "Turkey"
availability = 0.8
mean_outage_days = 10
escalation_sensitivity = 0.5
effectiveness = 0.6
[exchange]
initial_phase = "pending"
preparation_days = 0
min_days_between_rounds = 0
round_rate = 0.1
size_mean = 101
size_dispersion = 1.5
size_escalation_coef = 0.2
{hazards}
"#
    )
}

/// Relative agreement of two computations of the same closed form.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn explain_matches_hand_computations_for_one_regime_and_one_mediator() {
    let toml = one_regime_one_mediator(
        "confirmation = { base = 0.05, mediation_coef = 1.0, escalation_coef = 0.3 }\n\
         suspension = { base = 0.002, escalation_coef = 1.0, mediation_coef = 0.5 }\n\
         resumption = { base = 0.02, escalation_coef = 0.8, mediation_coef = 1.5 }\n\
         collapse = { base = 0.001 }",
    );
    let (_, e) = explained(&toml);
    // Typical E is the one regime's intensity: no shocks, no seasons.
    let big_e = 1.5;
    assert!(close(e.levels.typical_escalation, big_e));
    // Channel: q = 1/10, p0 = q (1 - A) / A = 0.025, lambda = -ln(1 - p0);
    // closing at E: 1 - exp(-lambda e^(0.5 E)); open share q / (q + close).
    let q = 0.1;
    let lambda = -(1.0f64 - 0.025).ln();
    let close_p = 1.0 - (-lambda * (0.5 * big_e).exp()).exp();
    let share = q / (q + close_p);
    // No common outage on 1 / (1 + 0.01 x 20) of days.
    let no_outage = 1.0 / 1.2;
    let m_full = 0.6;
    let m_typ = 0.6 * share * no_outage;
    assert!(close(e.levels.full_mediation, m_full));
    assert!(close(e.levels.typical_mediation, m_typ), "{:?}", e.levels);
    assert!(close(e.mediators[0].open_share_typical, share));
    assert!(close(e.mediators[0].open_share_calm, 0.8));
    assert!(close(
        e.mediators[0].mean_open_days_typical.unwrap(),
        1.0 / close_p
    ));
    assert_eq!(e.mediators[0].mean_outage_days, 10.0);
    // Conditions a-d: (E, M) = (0, full), (0, typical), (E, full), (E, typical).
    let conditions = [(0.0, m_full), (0.0, m_typ), (big_e, m_full), (big_e, m_typ)];
    let hazard = |key: &str| e.hazards.iter().find(|h| h.key == key).unwrap();
    for (key, law) in [
        (
            "confirmation",
            &(|x: f64, m: f64| 0.05 * (m - 0.3 * x).exp()) as &dyn Fn(f64, f64) -> f64,
        ),
        ("suspension", &|x: f64, m: f64| 0.002 * (x - 0.5 * m).exp()),
        ("resumption", &|x: f64, m: f64| {
            0.02 * (1.5 * m - 0.8 * x).exp()
        }),
        ("rounds", &|_x: f64, m: f64| 0.1 * m),
    ] {
        let h = hazard(key);
        assert_eq!(h.at.len(), 4, "{key}");
        for (row, (x, m)) in h.at.iter().zip(conditions) {
            let rate = law(x, m);
            let p = 1.0 - (-rate).exp();
            assert!(close(row.hazard_per_day, rate), "{key} {row:?}");
            assert!(close(row.probability_per_day, p), "{key} {row:?}");
            assert!(close(row.mean_wait_days.unwrap(), 1.0 / p), "{key} {row:?}");
            assert!(
                close(row.chance_within_30_days, 1.0 - (1.0 - p).powi(30)),
                "{key} {row:?}"
            );
        }
    }
    let collapse = hazard("collapse");
    assert_eq!(collapse.at.len(), 1);
    assert!(close(
        collapse.at[0].probability_per_day,
        1.0 - (-0.001f64).exp()
    ));
    // Round sizes: 1 + (size_mean - 1) exp(-0.2 E).
    assert_eq!(e.round_sizes.mean_calm, 101.0);
    assert!(close(
        e.round_sizes.mean_typical,
        1.0 + 100.0 * (-0.2 * big_e).exp()
    ));
    assert!(e.events.is_empty());
}

#[test]
fn a_waiting_time_explains_back_to_itself() {
    for at in ["calm", "typical"] {
        for (key, mean_days) in [
            ("confirmation", 18.0),
            ("suspension", 250.0),
            ("resumption", 1.25),
        ] {
            let mut lines = vec![
                "confirmation = { base = 0.05, mediation_coef = 1.0, escalation_coef = 0.3 }"
                    .to_string(),
                "suspension = { base = 0.002, escalation_coef = 1.0, mediation_coef = 0.5 }"
                    .to_string(),
                "resumption = { base = 0.02, escalation_coef = 0.8, mediation_coef = 1.5 }"
                    .to_string(),
            ];
            let coefs = lines
                .iter()
                .find(|l| l.starts_with(key))
                .unwrap()
                .split_once(", ")
                .unwrap()
                .1
                .to_string();
            for l in &mut lines {
                if l.starts_with(key) {
                    *l = format!("{key} = {{ mean_days = {mean_days}, at = \"{at}\", {coefs}");
                }
            }
            let (_, e) = explained(&one_regime_one_mediator(&lines.join("\n")));
            let h = e.hazards.iter().find(|h| h.key == key).unwrap();
            let given = h.given.expect("the file gave a waiting time");
            assert_eq!(given.mean_days, mean_days);
            assert_eq!(given.at.unwrap().name(), at);
            let row = h.at.iter().find(|r| r.condition == at).unwrap();
            let shown = row.mean_wait_days.unwrap();
            assert!(
                (shown - mean_days).abs() < 1e-9,
                "{key} at {at}: written {mean_days} days, explained {shown}"
            );
        }
    }
    let (_, e) = explained(&one_regime_one_mediator(
        "confirmation = { base = 0.05 }\nsuspension = { base = 0.002 }\n\
         resumption = { base = 0.02 }\ncollapse = { mean_days = 1500 }",
    ));
    let collapse = e.hazards.iter().find(|h| h.key == "collapse").unwrap();
    assert!((collapse.at[0].mean_wait_days.unwrap() - 1500.0).abs() < 1e-9);
}

/// Keeps each trial's first suspension day.
struct FirstSuspension(Vec<(u64, Option<u32>)>);

impl TrialSink for FirstSuspension {
    fn record(&mut self, trial: u64, outcome: &TrialOutcome, _trace: &TrialTrace) {
        self.0.push((trial, outcome.first_suspension_day));
    }
    fn merge(&mut self, mut other: Self) {
        self.0.append(&mut other.0);
    }
}

#[test]
fn a_simulated_wait_has_the_mean_written_as_mean_days() {
    // Constant conditions: E = 1.5 every day (one regime, no shocks or
    // seasons) and one channel that never closes (A = 1) with no common
    // outage, so M = 0.6 every day and typical conditions are exactly the
    // day's conditions. Suspension is written as a 40-day mean wait at
    // typical conditions; the process starts Active with no pool, so the
    // first suspension day T (0-based) is geometric with p = 1/40 and
    // E[T + 1] = 40. The horizon (3650 days) censors a share (39/40)^3650
    // < 1e-40 of trials: none.
    let toml = r#"
name = "constant"
[simulation]
trials = 20000
horizon_days = 3650
start_date = "2026-01-01"
seed = 5
[escalation]
initial_regime = "steady"
shock_daily_probability = 0.0
shock_mean_size = 0.0
shock_half_life_days = 7.0
[[escalation.regimes]]
name = "steady"
intensity = 1.5
[[mediation.mediators]]
name = "always"
availability = 1.0
mean_outage_days = 5
escalation_sensitivity = 0.5
effectiveness = 0.6
[exchange]
initial_phase = "active"
preparation_days = 0
min_days_between_rounds = 0
round_rate = 0.0
size_mean = 10
size_dispersion = 1.5
confirmation = { base = 0.05 }
suspension = { mean_days = 40, at = "typical", escalation_coef = 1.0, mediation_coef = 1.0 }
resumption = { base = 0.02 }
"#;
    let s = Scenario::from_toml_str(toml, "constant.toml").unwrap();
    let model = Model::new(&s);
    let keys = StreamKeys::new(["always"]);
    let n = s.simulation().trials;
    let sink = engine::run(
        &model,
        &keys,
        s.simulation().seed,
        0..n,
        None,
        || FirstSuspension(Vec::new()),
        &|_| {},
    )
    .expect("the thread pool starts");
    let waits: Vec<f64> = sink
        .0
        .iter()
        .map(|(_, d)| f64::from(d.expect("every trial is suspended within 3650 days")) + 1.0)
        .collect();
    let count = waits.len() as f64;
    let mean = waits.iter().sum::<f64>() / count;
    let var = waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let se = (var / count).sqrt();
    // Tolerance: 4 Monte Carlo standard errors of the mean (s / sqrt(n),
    // seed 5, n = 20,000); a correct conversion fails with probability
    // 6.3e-5.
    assert!(
        (mean - 40.0).abs() <= 4.0 * se,
        "mean wait {mean:.3} days, written 40, standard error {se:.3}"
    );
}

/// Asserts that two JSON trees are equal, numbers to the 12 significant
/// digits files hold.
fn assert_json_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            // Files hold 12 significant digits (`format::data`): rounding
            // moves a number by at most half a unit in its twelfth digit,
            // 5e-12 of it; 1e-11 leaves room for the parse.
            assert!(
                (x - y).abs() <= 1e-11 * x.abs().max(y.abs()),
                "{at}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_json_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                assert_json_close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn explain_writes_json_that_reads_back_to_what_it_printed() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo("tests/fixtures/good/waiting_times.toml");
    let out = swapsim(
        dir.path(),
        &["explain", fixture.to_str().unwrap(), "--out", "explained"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let read = explain::read_explanation(&dir.path().join("explained/explain.json")).unwrap();
    let toml = fs::read_to_string(&fixture).unwrap();
    let s = Scenario::from_toml_str(&toml, "x").unwrap();
    let fresh = explain::explain(
        &s,
        fixture.to_str().unwrap(),
        explain::given_waiting_times(&toml),
    );
    // The file holds every number to 12 significant digits: compare
    // numbers to that precision, everything else exactly.
    assert_json_close(
        &serde_json::to_value(&read).unwrap(),
        &serde_json::to_value(&fresh).unwrap(),
        "explain.json",
    );
    assert!(dir.path().join("explained/manifest.json").is_file());
    // What the terminal shows is what the file holds.
    let printed = text(&out.stdout);
    assert!(
        printed.contains("written as mean_days = 18 at typical"),
        "{printed}"
    );
    assert!(printed.contains("18.0 days"), "{printed}");
}

#[test]
fn explain_fits_an_80_column_terminal_for_every_shipped_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.push(repo("tests/fixtures/good/waiting_times.toml"));
    files.sort();
    assert!(files.len() >= 7);
    for (i, f) in files.iter().enumerate() {
        let out_dir = format!("out{i}");
        let out = swapsim(
            dir.path(),
            &["explain", f.to_str().unwrap(), "--out", &out_dir],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            f.display(),
            text(&out.stderr)
        );
        let printed = text(&out.stdout);
        assert!(printed.contains("Confirmation, while pending"), "{printed}");
        for line in printed.lines() {
            // The last line names the output folder, which is the user's.
            if line.trim_start().starts_with("results:") {
                continue;
            }
            assert!(
                line.chars().count() <= 80,
                "{}: {} columns: {line:?}",
                f.display(),
                line.chars().count()
            );
        }
    }
}

#[test]
fn explain_of_a_bad_file_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = repo("tests/fixtures/bad/hazard_unknown_at.toml");
    let out = swapsim(dir.path(), &["explain", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("exchange.confirmation.at"), "{err}");
    assert!(!dir.path().join("output").exists(), "nothing is written");
}

#[test]
fn new_writes_a_starter_that_validates_runs_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = swapsim(dir.path(), &["new", "my-scenario"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = dir.path().join("my-scenario.toml");
    let written = fs::read_to_string(&path).unwrap();
    assert!(written.contains("name = \"my-scenario\""));
    let run = swapsim(
        dir.path(),
        &["run", "my-scenario.toml", "--trials", "500", "--no-charts"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(dir.path().join("output/my-scenario/summary.json").is_file());
    let set = swapsim::scenario::variants::parse_set(&written, "my-scenario.toml").unwrap();
    assert!(
        swapsim::scenario::uncertainty::parse(&written, "my-scenario.toml")
            .unwrap()
            .len()
            >= 8
    );
    // Every value states its basis, as every shipped scenario's does.
    let resolved = serde_json::to_value(&set.base).unwrap();
    for row in swapsim::report::html::assumption_rows(&resolved, &written, None, None) {
        assert!(
            ["fitted", "record", "assumed", "setting", "default"].contains(&row.basis.as_str()),
            "{} has basis {:?}",
            row.parameter,
            row.basis
        );
    }

    // A second `new` refuses, and the file is untouched.
    fs::write(&path, "# mine\n").unwrap();
    let again = swapsim(dir.path(), &["new", "my-scenario.toml"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "# mine\n");
    // A name with a folder is refused.
    let bad = swapsim(dir.path(), &["new", "../elsewhere"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!dir.path().join("../elsewhere.toml").exists());
}

#[test]
fn the_starter_holds_the_defaults_values() {
    // Copied from the calibrated default: the same values except the
    // confirmation hazard, written there as a waiting time.
    let starter = swapsim::scenario::starter::starter_text("x");
    let s = Scenario::from_toml_str(&starter, "x.toml").unwrap();
    // The default is a forecast starting from the observed fighting; the
    // starter leaves that path out.
    let d = swapsim::scenario::ScenarioSource::builtin()
        .parse()
        .unwrap()
        .rebuilt(|r| r.escalation.path = None)
        .unwrap();
    assert_eq!(s.escalation(), d.escalation());
    assert_eq!(s.mediation(), d.mediation());
    assert_eq!(s.simulation(), d.simulation());
    assert_eq!(s.target(), d.target());
    let (x, y) = (s.exchange(), d.exchange());
    assert_eq!(
        (x.suspension, x.resumption, x.round_rate),
        (y.suspension, y.resumption, y.round_rate)
    );
    assert!((x.confirmation.base - y.confirmation.base).abs() < 0.002);
}

#[test]
fn variants_and_uncertainties_may_set_either_form_of_a_hazard() {
    let toml = fs::read_to_string(repo("tests/fixtures/good/waiting_times.toml")).unwrap();
    let set = swapsim::scenario::variants::parse_set(&toml, "w.toml").unwrap();
    let base = &set.base;
    let variant = |name: &str| {
        &set.variants
            .iter()
            .find(|v| v.name == name)
            .unwrap()
            .scenario
    };
    // A variant that changes a channel keeps the file's converted bases.
    let v = variant("without Turkey's channel in winter");
    assert_eq!(v.exchange().confirmation, base.exchange().confirmation);
    assert_eq!(v.exchange().collapse_base, base.exchange().collapse_base);
    // One that sets mean_days states a new wait, converted at its own
    // typical conditions (here the file's, since nothing else changes).
    let longer = variant("a longer wait to confirm");
    let (_, e) = ((), explain::explain(longer, "w", [None; 4]));
    let typical = e.hazards[0]
        .at
        .iter()
        .find(|r| r.condition == "typical")
        .unwrap();
    assert!((typical.mean_wait_days.unwrap() - 40.0).abs() < 1e-9);
    // One that sets base replaces the waiting time.
    assert_eq!(variant("a base instead").exchange().resumption.base, 0.02);
    // Uncertainties on both forms resolve and stay valid at their ends.
    let u = swapsim::scenario::uncertainty::parse(&toml, "w.toml").unwrap();
    assert_eq!(u.len(), 2);
    let tree = swapsim::scenario::uncertainty::configuration_tree(&toml).unwrap();
    for unc in &u {
        let (lo, hi) = unc.law.bounds();
        for v in [lo, hi] {
            swapsim::scenario::uncertainty::scenario_with(&tree, &[(&unc.parameter, v)])
                .unwrap_or_else(|p| panic!("{} at {v}: {p:?}", unc.parameter.path));
        }
    }
}
