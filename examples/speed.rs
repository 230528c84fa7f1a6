//! Rough timing during development; the benchmark of record is benches/.
use swapsim::{engine, model::Model, scenario::ScenarioSource, stats::Accumulator};
fn main() {
    let s = ScenarioSource::builtin().parse().unwrap();
    let model = Model::new(&s);
    let keys = engine::StreamKeys::new(s.mediation.mediators.iter().map(|m| m.name.as_str()));
    let n: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(1_000_000);
    let threads: usize = std::env::args()
        .nth(2)
        .map(|a| a.parse().unwrap())
        .unwrap_or(2);
    let mut el = f64::INFINITY;
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let acc = engine::run(
            &model,
            &keys,
            1,
            0..n,
            Some(threads),
            || (Accumulator::new(&s), engine::Discard::default()),
            &|_| {},
        )
        .unwrap()
        .0;
        el = el.min(t0.elapsed().as_secs_f64());
        assert_eq!(acc.trials(), n);
    }
    println!(
        "{n} trials {threads} threads: {el:.3} s, {:.2} ns/trial-day/core",
        el * 1e9 * threads as f64 / (n as f64 * 180.0)
    );
}
