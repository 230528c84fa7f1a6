//! Throughput of the simulator on the default scenario.
//!
//! `cargo bench` reports time per run; with `Throughput::Elements` set to
//! trial-days, criterion also prints trial-days per second, from which ns
//! per trial-day follows. The README and the issue notes quote these
//! figures. `model_only` discards outcomes to separate the model's cost
//! from aggregation; `with_statistics` is what `swapsim run` does.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use swapsim::engine::{self, Discard, StreamKeys};
use swapsim::model::Model;
use swapsim::scenario::ScenarioSource;
use swapsim::stats::Accumulator;

const TRIALS: u64 = 100_000;

fn bench(c: &mut Criterion) {
    let s = ScenarioSource::builtin()
        .parse()
        .expect("the built-in scenario is valid");
    let model = Model::new(&s);
    let keys = StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()));
    let seed = s.simulation().seed;
    let days = u64::from(s.simulation().horizon_days);
    let mut group = c.benchmark_group("default_scenario_100k_trials");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TRIALS * days));
    for threads in [1usize, 2] {
        group.bench_function(format!("model_only/{threads}_threads"), |b| {
            b.iter(|| {
                engine::run(
                    &model,
                    &keys,
                    seed,
                    0..TRIALS,
                    Some(threads),
                    Discard::default,
                    &|_| {},
                )
                .map(|d| black_box(d.0))
            })
        });
        group.bench_function(format!("with_statistics/{threads}_threads"), |b| {
            b.iter(|| {
                engine::run(
                    &model,
                    &keys,
                    seed,
                    0..TRIALS,
                    Some(threads),
                    || Accumulator::new(&s),
                    &|_| {},
                )
                .map(|acc| black_box(acc.finish(&s)))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
