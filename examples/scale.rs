use rayon::prelude::*;
fn work(seed: u64) -> f64 {
    let mut x = seed as f64;
    let mut s = 0.0;
    for _ in 0..2_000_000 {
        x = x * 1.0000001 + 0.5;
        s += x.sqrt();
    }
    s
}
fn main() {
    for th in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(th)
            .build()
            .unwrap();
        let t = std::time::Instant::now();
        let s: f64 = pool.install(|| (0..200u64).into_par_iter().map(work).sum());
        println!("{th} threads: {:.3}s {s}", t.elapsed().as_secs_f64());
    }
}
