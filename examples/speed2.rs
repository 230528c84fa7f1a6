use swapsim::{engine, model::Model, scenario::ScenarioSource};
fn main() {
    let s = ScenarioSource::builtin().parse().unwrap();
    let model = Model::new(&s);
    let keys = engine::StreamKeys::new(s.mediation.mediators.iter().map(|m| m.name.as_str()));
    for threads in [1usize, 2] {
        let n = 400_000u64 * threads as u64;
        let mut el = f64::INFINITY;
        for _ in 0..3 {
            let t0 = std::time::Instant::now();
            engine::run(
                &model,
                &keys,
                1,
                0..n,
                Some(threads),
                engine::Discard::default,
                &|_| {},
            )
            .unwrap();
            el = el.min(t0.elapsed().as_secs_f64());
        }
        println!(
            "discard {n} trials {threads} threads: {el:.3} s, {:.2} ns/trial-day/core",
            el * 1e9 * threads as f64 / (n as f64 * 180.0)
        );
    }
}
