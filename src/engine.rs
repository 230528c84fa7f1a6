//! Running many trials: seeding, random streams, parallelism and progress.
//!
//! Reproducibility is a property of this module. Every trial's streams are
//! derived from `(seed, trial index, component)` alone, so a trial draws the
//! same numbers whichever thread runs it, in whatever order, and in whatever
//! shard. Trials are handed out in fixed blocks of [`CHUNK_TRIALS`] and their
//! results go to a [`TrialSink`] whose `merge` must be exact (associative and
//! commutative), which the integer accumulators of `stats` are. Together
//! these make the results byte-identical on any number of threads.

use crate::model::{Model, TrialOutcome, TrialStreams, TrialTrace};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// The generator of every stream: Xoshiro256++ (Blackman and Vigna), whose
/// output for a given state is fixed by its definition, unlike `StdRng`.
pub type StreamRng = Xoshiro256PlusPlus;

/// Trials per unit of work. Fixed, so that work units never depend on the
/// number of threads.
pub const CHUNK_TRIALS: u64 = 1024;

/// 64-bit FNV-1a hash of a string: a stable key for a named component.
pub fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The SplitMix64 output function (Steele, Lea and Flood), used to mix seed,
/// trial and component into one well-spread 64-bit key.
fn mix64(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A component's stream in one trial. Its 256-bit state is filled by
/// SplitMix64 from a key that mixes seed, trial index and component key
/// (`Xoshiro256PlusPlus::seed_from_u64`).
pub fn stream(seed: u64, trial: u64, component: u64) -> StreamRng {
    stream_of_trial(trial_key(seed, trial), component)
}

/// The part of a stream's key that depends on seed and trial only.
fn trial_key(seed: u64, trial: u64) -> u64 {
    mix64(mix64(seed) ^ trial)
}

/// [`stream`], from the trial's key.
fn stream_of_trial(trial_key: u64, component: u64) -> StreamRng {
    StreamRng::seed_from_u64(mix64(trial_key ^ component))
}

/// Component keys of the streams that do not belong to a mediator.
pub mod component {
    use super::fnv1a;

    pub fn escalation() -> u64 {
        fnv1a("escalation")
    }
    pub fn common_outage() -> u64 {
        fnv1a("common_outage")
    }
    /// The exchange process has one stream per kind of event, so that a
    /// change in when one kind can happen does not shift the draws of the
    /// others.
    pub fn exchange(event: &str) -> u64 {
        fnv1a(&format!("exchange:{event}"))
    }
    /// A mediator's stream is keyed by its name, so it is the same stream
    /// whatever other mediators a configuration has.
    pub fn mediator(name: &str) -> u64 {
        fnv1a(&format!("mediator:{name}"))
    }
}

/// Stream keys of one model configuration.
#[derive(Debug, Clone)]
pub struct StreamKeys {
    /// Escalation, common outage and the exchange's six event streams, in
    /// the order of [`TrialStreams`]' fields: hashed once, not per trial.
    fixed: [u64; 8],
    mediators: Vec<u64>,
}

impl StreamKeys {
    /// Keys for mediators with these names, in scenario order.
    pub fn new<'a>(mediator_names: impl IntoIterator<Item = &'a str>) -> Self {
        StreamKeys {
            fixed: [
                component::escalation(),
                component::common_outage(),
                component::exchange("confirmation"),
                component::exchange("suspension"),
                component::exchange("rounds"),
                component::exchange("resumption"),
                component::exchange("collapse"),
                component::exchange("sizes"),
            ],
            mediators: mediator_names
                .into_iter()
                .map(component::mediator)
                .collect(),
        }
    }

    /// The streams of trial `trial` under `seed`.
    pub fn trial_streams(&self, seed: u64, trial: u64) -> TrialStreams<StreamRng> {
        let key = trial_key(seed, trial);
        let [
            escalation,
            outage,
            confirmation,
            suspension,
            rounds,
            resumption,
            collapse,
            sizes,
        ] = self.fixed.map(|k| stream_of_trial(key, k));
        TrialStreams {
            escalation,
            common_outage: outage,
            confirmation,
            suspension,
            rounds,
            resumption,
            collapse,
            sizes,
            mediators: self
                .mediators
                .iter()
                .map(|&k| stream_of_trial(key, k))
                .collect(),
        }
    }
}

/// The trials of shard `k` (1-based) of `n`: a contiguous run of whole
/// blocks of [`CHUNK_TRIALS`], so that every block is simulated and summed
/// exactly as in a single run. Shards differ in size by at most one block;
/// when there are fewer blocks than shards, some shards are empty.
pub fn shard_range(trials: u64, k: u64, n: u64) -> Range<u64> {
    let blocks = trials.div_ceil(CHUNK_TRIALS);
    let first = (k - 1) * blocks / n;
    let end = k * blocks / n;
    (first * CHUNK_TRIALS).min(trials)..(end * CHUNK_TRIALS).min(trials)
}

/// Receives the results of trials. `merge` must be exact: merging sinks in
/// any grouping or order must give the same sink, or the results would
/// depend on scheduling.
///
/// Trials arrive block by block: the trials of one block of
/// [`CHUNK_TRIALS`] (numbered from trial 0) reach one sink consecutively, in
/// trial order, followed by a call to `end_block`. A sink may therefore keep
/// per-block partial results in floating point and fold them into exact
/// totals at the end of each block.
pub trait TrialSink: Send {
    fn record(&mut self, trial: u64, outcome: &TrialOutcome, trace: &TrialTrace);
    /// Called after the last trial of each block.
    fn end_block(&mut self) {}
    fn merge(&mut self, other: Self);
}

impl<A: TrialSink, B: TrialSink> TrialSink for (A, B) {
    fn record(&mut self, trial: u64, outcome: &TrialOutcome, trace: &TrialTrace) {
        self.0.record(trial, outcome, trace);
        self.1.record(trial, outcome, trace);
    }
    fn end_block(&mut self) {
        self.0.end_block();
        self.1.end_block();
    }
    fn merge(&mut self, other: Self) {
        self.0.merge(other.0);
        self.1.merge(other.1);
    }
}

/// Keeps every trial's outcome, for `--per-trial`. Memory grows with trials.
#[derive(Debug, Clone, Default)]
pub struct PerTrial(pub Vec<(u64, TrialOutcome)>);

impl PerTrial {
    /// The outcomes in trial order.
    pub fn into_sorted(mut self) -> Vec<(u64, TrialOutcome)> {
        self.0.sort_unstable_by_key(|(i, _)| *i);
        self.0
    }
}

impl TrialSink for PerTrial {
    fn record(&mut self, trial: u64, outcome: &TrialOutcome, _trace: &TrialTrace) {
        self.0.push((trial, *outcome));
    }
    fn merge(&mut self, mut other: Self) {
        self.0.append(&mut other.0);
    }
}

/// A sink that keeps nothing, for benchmarks of the model alone.
#[derive(Debug, Default)]
pub struct Discard(pub u64);

impl TrialSink for Discard {
    fn record(&mut self, _trial: u64, outcome: &TrialOutcome, _trace: &TrialTrace) {
        self.0 = self.0.wrapping_add(outcome.returned_by_horizon);
    }
    fn merge(&mut self, other: Self) {
        self.0 = self.0.wrapping_add(other.0);
    }
}

/// Receives the results of every configuration for each trial, in the
/// order the configurations were given. The same contract as
/// [`TrialSink`]: blocks arrive whole and in trial order, and `merge` is
/// exact.
pub trait PairedSink: Send {
    fn record(&mut self, trial: u64, outcomes: &[TrialOutcome], traces: &[TrialTrace]);
    fn end_block(&mut self) {}
    fn merge(&mut self, other: Self);
}

/// A single-configuration sink seen as a paired one.
struct One<S>(S);

impl<S: TrialSink> PairedSink for One<S> {
    fn record(&mut self, trial: u64, outcomes: &[TrialOutcome], traces: &[TrialTrace]) {
        self.0.record(trial, &outcomes[0], &traces[0]);
    }
    fn end_block(&mut self) {
        self.0.end_block();
    }
    fn merge(&mut self, other: Self) {
        self.0.merge(other.0);
    }
}

/// One configuration to simulate: its compiled model and stream keys.
#[derive(Debug, Clone, Copy)]
pub struct Configuration<'a> {
    pub model: &'a Model,
    pub keys: &'a StreamKeys,
}

/// Runs trials `trials` of `model` under `seed` on `threads` threads (all
/// cores when `None`), feeding a sink made by `new_sink`. `progress` is
/// called with the number of trials finished so far after each block.
pub fn run<S, F>(
    model: &Model,
    keys: &StreamKeys,
    seed: u64,
    trials: Range<u64>,
    threads: Option<usize>,
    new_sink: F,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<S, rayon::ThreadPoolBuildError>
where
    S: TrialSink,
    F: Fn() -> S + Sync,
{
    let configs = [Configuration { model, keys }];
    run_paired(
        &configs,
        seed,
        trials,
        threads,
        || One(new_sink()),
        progress,
    )
    .map(|one| one.0)
}

/// Runs every configuration on the same trials: trial n of each uses the
/// streams of (seed, n), so the configurations face the same escalation and
/// the same draws wherever their rules agree (common random numbers), and
/// the sink sees them side by side.
pub fn run_paired<S, F>(
    configs: &[Configuration],
    seed: u64,
    trials: Range<u64>,
    threads: Option<usize>,
    new_sink: F,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<S, rayon::ThreadPoolBuildError>
where
    S: PairedSink,
    F: Fn() -> S + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()?;
    let start = trials.start;
    let n = trials.end.saturating_sub(trials.start);
    let chunks = n.div_ceil(CHUNK_TRIALS);
    let done = AtomicU64::new(0);
    // Few, large pieces of work per thread keep the number of sinks (each
    // holding daily tables) small; the exact merge makes the split irrelevant
    // to the result.
    let min_len = (chunks / (pool.current_num_threads() as u64 * 8)).max(1) as usize;
    let fresh = || {
        (
            new_sink(),
            vec![TrialTrace::default(); configs.len()],
            Vec::with_capacity(configs.len()),
        )
    };
    let sink = pool.install(|| {
        (0..chunks as usize)
            .into_par_iter()
            .with_min_len(min_len)
            .fold(fresh, |(mut sink, mut traces, mut outcomes), chunk| {
                let lo = start + chunk as u64 * CHUNK_TRIALS;
                let hi = (lo + CHUNK_TRIALS).min(trials.end);
                for trial in lo..hi {
                    outcomes.clear();
                    for (c, trace) in configs.iter().zip(traces.iter_mut()) {
                        let mut streams = c.keys.trial_streams(seed, trial);
                        outcomes.push(c.model.simulate(&mut streams, trace));
                    }
                    sink.record(trial, &outcomes, &traces);
                }
                sink.end_block();
                let finished = done.fetch_add(hi - lo, Ordering::Relaxed) + (hi - lo);
                progress(finished);
                (sink, traces, outcomes)
            })
            .map(|(sink, _, _)| sink)
            .reduce_with(|mut a, b| {
                a.merge(b);
                a
            })
    });
    Ok(sink.unwrap_or_else(new_sink))
}

/// Runs trials `trials` of `model` under `seed` in the calling thread,
/// block by block as [`run`] does, so the sink receives the same trials in
/// the same blocks and an exact sink ends up identical to one from [`run`].
/// For callers that run many small configurations in parallel themselves
/// (sweeps and sensitivity designs), where a thread pool per configuration
/// would cost more than the trials.
pub fn run_serial<S: TrialSink>(
    model: &Model,
    keys: &StreamKeys,
    seed: u64,
    trials: Range<u64>,
    mut sink: S,
) -> S {
    let mut trace = TrialTrace::default();
    let mut lo = trials.start;
    while lo < trials.end {
        // Blocks of CHUNK_TRIALS from the first trial, as in `run`.
        let hi = lo.saturating_add(CHUNK_TRIALS).min(trials.end);
        for trial in lo..hi {
            let mut streams = keys.trial_streams(seed, trial);
            let outcome = model.simulate(&mut streams, &mut trace);
            sink.record(trial, &outcome, &trace);
        }
        sink.end_block();
        lo = hi;
    }
    sink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_trial_once_in_whole_blocks() {
        for (trials, n) in [(10_000, 3), (5_000, 7), (1_024, 2), (100_000, 1)] {
            let ranges: Vec<Range<u64>> = (1..=n).map(|k| shard_range(trials, k, n)).collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[n as usize - 1].end, trials);
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(w[0].end % CHUNK_TRIALS, 0, "{trials} {n}");
            }
        }
    }

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        // FNV-1a 64 of "a" (Fowler/Noll/Vo reference values).
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn streams_differ_by_trial_and_component() {
        use rand::Rng;
        let a = stream(1, 0, component::escalation()).next_u64();
        let b = stream(1, 1, component::escalation()).next_u64();
        let c = stream(1, 0, component::exchange("rounds")).next_u64();
        let d = stream(2, 0, component::escalation()).next_u64();
        assert!(a != b && a != c && a != d);
        assert_eq!(a, stream(1, 0, component::escalation()).next_u64());
    }
}
