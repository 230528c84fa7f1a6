//! Paired comparisons: `swapsim compare` and the statistics behind it.

use crate::common::swapsim;
use std::fs;
use std::path::Path;
use swapsim::engine::{self, Configuration, StreamKeys};
use swapsim::model::{Model, TrialTrace};
use swapsim::outcomes::{COMPARED, Outcome};
use swapsim::scenario::raw::RawMediator;
use swapsim::scenario::{Scenario, ScenarioSource};
use swapsim::stats::compare::{CompareAccumulator, Comparison};

fn default_scenario() -> Scenario {
    ScenarioSource::builtin().parse().unwrap()
}

fn keys(s: &Scenario) -> StreamKeys {
    StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()))
}

fn compare(scenarios: &[Scenario], trials: u64) -> Comparison {
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let models: Vec<Model> = refs.iter().map(|s| Model::new(s)).collect();
    let keys: Vec<StreamKeys> = refs.iter().map(|s| keys(s)).collect();
    let configs: Vec<Configuration> = models
        .iter()
        .zip(&keys)
        .map(|(model, keys)| Configuration { model, keys })
        .collect();
    let names: Vec<String> = (0..scenarios.len()).map(|i| format!("c{i}")).collect();
    engine::run_paired(
        &configs,
        refs[0].simulation().seed,
        0..trials,
        Some(2),
        || CompareAccumulator::new(&refs),
        &|_| {},
    )
    .unwrap()
    .finish(&names, &refs)
}

#[test]
fn comparing_a_configuration_with_itself_gives_zero_differences_of_zero_width() {
    let s = default_scenario();
    let cmp = compare(&[s.clone(), s], 3000);
    let twin: Vec<_> = cmp
        .outcomes
        .iter()
        .filter(|o| o.configuration == "c1")
        .collect();
    assert_eq!(twin.len(), COMPARED.len());
    for o in twin {
        if o.estimate.is_none() {
            // A median beyond the horizon has no difference to report.
            assert_eq!(o.diff, None, "{:?}", o.outcome);
            continue;
        }
        assert_eq!(o.diff, Some(0.0), "{:?}", o.outcome);
        assert_eq!(o.diff_ci95, [Some(0.0), Some(0.0)], "{:?}", o.outcome);
    }
    assert!(cmp.differences.iter().all(|d| d.difference == 0));
}

#[test]
fn a_mediator_with_effectiveness_zero_changes_no_outcome_of_any_trial() {
    let base = default_scenario();
    let with_idle = base
        .rebuilt(|r| {
            r.mediation.mediators.push(RawMediator {
                name: "Qatar".to_string(),
                availability: 0.5,
                mean_outage_days: 10.0,
                escalation_sensitivity: 1.0,
                effectiveness: 0.0,
                initially_open: true,
            })
        })
        .unwrap();
    let (ma, mb) = (Model::new(&base), Model::new(&with_idle));
    let (ka, kb) = (keys(&base), keys(&with_idle));
    let (mut ta, mut tb) = (TrialTrace::default(), TrialTrace::default());
    for trial in 0..3000 {
        let oa = ma.simulate(&mut ka.trial_streams(5, trial), &mut ta);
        let ob = mb.simulate(&mut kb.trial_streams(5, trial), &mut tb);
        assert_eq!(oa, ob, "trial {trial}");
        assert_eq!(ta.events, tb.events, "trial {trial}");
    }
}

#[test]
fn every_configuration_of_a_knockout_faces_the_same_escalation_in_each_trial() {
    let base = default_scenario();
    let only_turkey = base
        .rebuilt(|r| r.mediation.mediators.retain(|m| m.name == "Turkey"))
        .unwrap();
    let none = base.rebuilt(|r| r.mediation.mediators.clear()).unwrap();
    let scenarios = [base, only_turkey, none];
    let models: Vec<Model> = scenarios.iter().map(Model::new).collect();
    let keys: Vec<StreamKeys> = scenarios.iter().map(keys).collect();
    let mut traces = vec![TrialTrace::default(); 3];
    for trial in 0..500 {
        for (i, trace) in traces.iter_mut().enumerate() {
            models[i].simulate(&mut keys[i].trial_streams(9, trial), trace);
        }
        assert_eq!(traces[0].escalation, traces[1].escalation, "trial {trial}");
        assert_eq!(traces[0].escalation, traces[2].escalation, "trial {trial}");
    }
}

#[test]
fn pairing_reduces_the_variance_of_the_difference_in_people_returned() {
    // Default scenario against the same without the UAE, 20,000 trials,
    // seed 16112025. The factor is (var_a + var_b) / var(a - b) per trial;
    // measured values are about 2.7 without the UAE and 7.3 without
    // Turkey. Its sampling error at this n is a few percent, so "above 1.5"
    // cannot fail by chance, and fails if pairing is lost (factor near 1).
    let base = default_scenario();
    let no_uae = base
        .rebuilt(|r| r.mediation.mediators.retain(|m| m.name != "UAE"))
        .unwrap();
    let cmp = compare(&[base, no_uae], 20_000);
    let row = cmp
        .outcomes
        .iter()
        .find(|o| o.configuration == "c1" && o.outcome == Outcome::MeanReturnedByDeadline)
        .unwrap();
    let factor = row.variance_reduction.unwrap();
    assert!(factor > 1.5, "variance reduction {factor}");
    // Losing a channel never brings more people home in this model's
    // default, and the paired interval excludes zero.
    assert!(row.diff_ci95[1].unwrap() < 0.0, "{row:?}");
}

#[test]
fn compare_writes_its_tables_for_the_shipped_mediator_configurations() {
    let tmp = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mediator-configurations.toml");
    let out = swapsim(
        tmp.path(),
        &[
            "compare",
            file.to_str().unwrap(),
            "--trials",
            "2000",
            "--quiet",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("output/mediator-configurations-compare");
    for f in [
        "comparison.json",
        "comparison.csv",
        "differences.csv",
        "manifest.json",
        "compare_outcomes.png",
        "compare_differences.svg",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let csv = fs::read_to_string(dir.join("comparison.csv")).unwrap();
    assert!(csv.starts_with(
        "configuration,outcome,estimate,ci_low,ci_high,diff,diff_ci_low,diff_ci_high,variance_reduction"
    ));
    for name in ["base", "Turkey only", "UAE only"] {
        assert!(
            csv.contains(&format!("\n{name},mean_returned_by_deadline,")),
            "{name}"
        );
    }
}

#[test]
fn a_bad_variant_is_refused_with_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[[variants]]\nname = \"weaker Turkey\"\nset = {{ \"mediation.mediators.Turkey.availability\" = 1.4 }}\n",
        swapsim::scenario::DEFAULT_SCENARIO_TOML
    );
    fs::write(tmp.path().join("v.toml"), text).unwrap();
    let out = swapsim(tmp.path(), &["compare", "v.toml", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("variant \"weaker Turkey\"") && err.contains("availability"),
        "{err}"
    );
    assert!(!tmp.path().join("output").exists());
}

#[test]
fn compare_needs_variants_or_knockout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = swapsim(tmp.path(), &["compare", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--knockout"));
}

#[test]
fn files_with_different_horizons_cannot_be_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let out = swapsim(
        tmp.path(),
        &[
            "compare",
            root.join("istanbul-2025.toml").to_str().unwrap(),
            root.join("long-run.toml").to_str().unwrap(),
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("horizon_days"));
}
