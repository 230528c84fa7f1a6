//! Reproducibility: a run is determined by its scenario and seed alone, and
//! each model component draws from its own stream (common random numbers).

use swapsim::engine::{self, StreamKeys};
use swapsim::model::{Model, TrialTrace};
use swapsim::scenario::{Scenario, ScenarioSource};
use swapsim::stats::Accumulator;

fn default_scenario() -> Scenario {
    ScenarioSource::builtin().parse().unwrap()
}

fn keys(s: &Scenario) -> StreamKeys {
    StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()))
}

fn results(s: &Scenario, trials: u64, threads: usize) -> swapsim::stats::Results {
    let model = Model::new(s);
    engine::run(
        &model,
        &keys(s),
        s.simulation().seed,
        0..trials,
        Some(threads),
        || Accumulator::new(s),
        &|_| {},
    )
    .unwrap()
    .finish(s)
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let s = default_scenario();
    // 5,000 trials are five blocks of 1,024 and a partial one, so threads
    // really do split the work differently.
    let one = results(&s, 5000, 1);
    for threads in [2, 3] {
        assert_eq!(one, results(&s, 5000, threads), "{threads} threads");
    }
}

#[test]
fn the_escalation_path_of_a_trial_does_not_depend_on_the_mediators() {
    let full = default_scenario();
    let turkey_only = full
        .rebuilt(|r| r.mediation.mediators.retain(|m| m.name == "Turkey"))
        .unwrap();
    let none = full
        .rebuilt(|r| {
            r.mediation.mediators.clear();
            r.exchange.requires_mediator = false;
        })
        .unwrap();

    let configs = [&full, &turkey_only, &none];
    let models: Vec<Model> = configs.iter().map(|s| Model::new(s)).collect();
    let keys: Vec<StreamKeys> = configs.iter().map(|s| keys(s)).collect();
    let seed = full.simulation().seed;
    for trial in 0..200 {
        let paths: Vec<TrialTrace> = models
            .iter()
            .zip(&keys)
            .map(|(m, k)| {
                let mut trace = TrialTrace::default();
                m.simulate(&mut k.trial_streams(seed, trial), &mut trace);
                trace
            })
            .collect();
        assert_eq!(paths[0].escalation, paths[1].escalation, "trial {trial}");
        assert_eq!(paths[0].escalation, paths[2].escalation, "trial {trial}");
        // A mediator's channel is keyed by its name, so Turkey's channel is
        // the same with or without the UAE.
        assert_eq!(
            paths[0].channel_open[0], paths[1].channel_open[0],
            "trial {trial}"
        );
    }
}

#[test]
fn the_same_trial_gives_the_same_history_twice() {
    let s = default_scenario();
    let model = Model::new(&s);
    let k = keys(&s);
    let (mut a, mut b) = (TrialTrace::default(), TrialTrace::default());
    for trial in [0, 1, 999_999] {
        let oa = model.simulate(&mut k.trial_streams(7, trial), &mut a);
        let ob = model.simulate(&mut k.trial_streams(7, trial), &mut b);
        assert_eq!(oa, ob);
        assert_eq!(a.events, b.events);
        assert_eq!(a.mediation, b.mediation);
    }
}
