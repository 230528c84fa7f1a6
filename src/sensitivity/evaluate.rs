//! Running the simulator at the points of a design.
//!
//! A design point sets some parameters (by dotted path) and leaves the rest
//! as the scenario has them. Each point becomes a scenario through the same
//! validation as a file, so a design can never simulate a value a scenario
//! could not hold, and then runs a fixed number of trials, always with the
//! same seed. Trial `n` of every point therefore draws the same random
//! numbers (common random numbers), and outputs differ between points only
//! through the parameters: a parameter the model ignores changes nothing,
//! to the last bit.
//!
//! Points run in parallel, one point per worker at a time, and each point's
//! trials run in order on its worker ([`engine::run_serial`]). The results
//! are collected in design order and each depends only on its own point, so
//! they are identical for any number of threads.

use super::outcomes::{KeyEstimates, KeySums};
use crate::engine::{self, StreamKeys, TrialSink};
use crate::model::Model;
use crate::scenario::uncertainty::{Parameter, scenario_with};
use crate::scenario::{Problem, Scenario};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// The values one design point sets: (index into the parameters, value).
pub type Settings = Vec<(usize, f64)>;

/// Why a design could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// A design point is not a valid scenario (for example two ranges that
    /// are valid alone but not together).
    #[error("design point {point} ({values}) is not a valid scenario: {problems}")]
    Invalid {
        point: usize,
        values: String,
        problems: String,
    },
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Builds and simulates the configurations of a design.
#[derive(Debug, Clone)]
pub struct Evaluator<'a> {
    /// The scenario's TOML tree, without variants and uncertainties.
    pub tree: &'a toml::Table,
    pub parameters: &'a [Parameter],
    /// Trials per design point.
    pub trials: u64,
    /// The seed every design point uses.
    pub seed: u64,
}

impl Evaluator<'_> {
    /// The scenario of one design point, with this evaluator's trials and
    /// seed.
    pub fn scenario(&self, settings: &[(usize, f64)]) -> Result<Scenario, Vec<Problem>> {
        let pairs: Vec<(&Parameter, f64)> = settings
            .iter()
            .map(|&(i, v)| (&self.parameters[i], v))
            .collect();
        let s = scenario_with(self.tree, &pairs)?;
        let s = s.with_trials(self.trials).map_err(|message| {
            vec![Problem {
                line: None,
                column: None,
                path: "trials".to_string(),
                message,
            }]
        })?;
        Ok(s.with_seed(self.seed))
    }

    fn invalid(
        &self,
        point: usize,
        settings: &[(usize, f64)],
        problems: &[Problem],
    ) -> EvaluateError {
        let values = if settings.is_empty() {
            "the scenario as written".to_string()
        } else {
            settings
                .iter()
                .map(|&(i, v)| format!("{} = {v}", self.parameters[i].path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let problems = problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("; ");
        EvaluateError::Invalid {
            point,
            values,
            problems,
        }
    }

    /// Simulates every design point on `threads` workers and returns their
    /// key outcomes in design order. Every point is validated before any is
    /// simulated, so a bad design fails at once; the error names the first
    /// bad point and its values. `progress` is called with the number of
    /// points finished.
    pub fn run(
        &self,
        points: &[Settings],
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<KeyEstimates>, EvaluateError> {
        let sums = self.run_sums(points, 0..points.len(), threads, progress)?;
        Ok(sums.iter().map(KeySums::estimates).collect())
    }

    /// Like [`Evaluator::run`] for the points `range` of the design only,
    /// returning their exact sums (a shard of a design); errors name points
    /// by their number in the whole design.
    pub fn run_sums(
        &self,
        points: &[Settings],
        range: Range<usize>,
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<KeySums>, EvaluateError> {
        self.run_each(points, range, threads, progress, simulate_sums)
    }

    /// Simulates the points `range` of the design with `simulate` (given
    /// each point's scenario, with this evaluator's trials and seed) and
    /// returns what it gives, in design order.
    pub fn run_each<T: Send>(
        &self,
        points: &[Settings],
        range: Range<usize>,
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
        simulate: impl Fn(&Scenario) -> T + Sync,
    ) -> Result<Vec<T>, EvaluateError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let first = range.start;
        let part = &points[range];
        pool.install(|| {
            let first_bad = part
                .par_iter()
                .enumerate()
                .filter_map(|(k, p)| self.scenario(p).err().map(|e| (k, e)))
                .min_by_key(|(k, _)| *k);
            if let Some((k, problems)) = first_bad {
                return Err(self.invalid(first + k, &part[k], &problems));
            }
            let done = AtomicU64::new(0);
            part.par_iter()
                .enumerate()
                .map(|(k, p)| {
                    let s = self
                        .scenario(p)
                        .map_err(|problems| self.invalid(first + k, p, &problems))?;
                    let out = simulate(&s);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                    Ok(out)
                })
                .collect()
        })
    }
}

/// The exact sums of the key outcomes of a scenario's trials, run in the
/// calling thread.
pub fn simulate_sums(s: &Scenario) -> KeySums {
    let [first, second] = simulate_halves(s);
    let mut all = first;
    all.merge(second);
    all
}

/// The exact sums of the key outcomes of the first half of a scenario's
/// trials (`0..trials / 2`) and of the rest, run in the calling thread.
/// The halves draw disjoint streams, so their estimates are independent
/// given the parameters: what an ensemble needs to tell the spread of the
/// parameters' effect from the noise of the trials.
pub fn simulate_halves(s: &Scenario) -> [KeySums; 2] {
    simulate_halves_with(s, || KeySums::new(s))
}

/// Like [`simulate_halves`], into any sink `empty` makes (each half starts
/// from a new one).
pub fn simulate_halves_with<S: TrialSink>(s: &Scenario, empty: impl Fn() -> S) -> [S; 2] {
    let model = Model::new(s);
    let keys = StreamKeys::new(s.mediator_names());
    let (seed, trials) = (s.simulation().seed, s.simulation().trials);
    let half = trials / 2;
    [0..half, half..trials].map(|range| engine::run_serial(&model, &keys, seed, range, empty()))
}

/// Like [`simulate_halves_with`], and every trial of both halves also into
/// `shared`. Its blocks are those of each half, as if it had been filled
/// half by half and the two merged (which a sink's exact merge makes the
/// same), without building and merging a second one.
pub fn simulate_halves_sharing<S: TrialSink, T: TrialSink>(
    s: &Scenario,
    empty: impl Fn() -> S,
    shared: T,
) -> ([S; 2], T) {
    let model = Model::new(s);
    let keys = StreamKeys::new(s.mediator_names());
    let (seed, trials) = (s.simulation().seed, s.simulation().trials);
    let half = trials / 2;
    let (first, shared) = engine::run_serial(&model, &keys, seed, 0..half, (empty(), shared));
    let (second, shared) = engine::run_serial(&model, &keys, seed, half..trials, (empty(), shared));
    ([first, second], shared)
}
