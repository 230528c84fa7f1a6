//! The four analyses: design, evaluation on common random numbers,
//! estimators. Each design is a [`Plan`] of points made before anything is
//! simulated, and each result is computed from the estimates at all its
//! points, so a design can be evaluated in shards and merged (`swapsim
//! merge`). `tables` turns results into files and `plot::sensitivity` into
//! charts.
//!
//! Random choices (the Sobol scrambling, Morris trajectories, bootstrap
//! resamples) draw from Xoshiro256++ streams derived from the scenario's
//! seed like the simulation's own streams, so an analysis is repeated
//! exactly by running it again with the same seed.

use super::BOOTSTRAP_REPLICATES;
use super::design::{self, DesignError, SaltelliDesign, Trajectory};
use super::evaluate::{EvaluateError, Evaluator, Settings};
use super::morris::{self, Effects};
use super::outcomes::KeyEstimates;
use super::sobol::{self, SobolIndices};
use super::tornado::{self, Swing};
use crate::engine::{StreamRng, fnv1a, stream};
use crate::outcomes::Outcome;
use crate::scenario::uncertainty::{Parameter, Uncertainty};
use rand::Rng;

/// Why an analysis could not be run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Design(#[from] DesignError),
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
}

impl AnalysisError {
    /// Whether the user's input caused it (a bad design or design point)
    /// rather than the machine (threads).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            AnalysisError::Design(_) | AnalysisError::Evaluate(EvaluateError::Invalid { .. })
        )
    }
}

/// The random stream of one part of an analysis: like a trial's stream,
/// keyed by the seed and the part's name.
pub(crate) fn analysis_stream(seed: u64, part: &str) -> StreamRng {
    stream(seed, 0, fnv1a(&format!("sensitivity:{part}")))
}

/// Progress of a design: called with (points finished, points in all).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Runs `points` and reports progress against their number.
fn run_points(
    eval: &Evaluator,
    points: &[Settings],
    threads: usize,
    progress: Progress,
) -> Result<Vec<KeyEstimates>, EvaluateError> {
    let total = points.len() as u64;
    progress(0, total);
    eval.run(points, threads, &|done| progress(done, total))
}

/// A one-parameter sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub parameter: Parameter,
    pub values: Vec<f64>,
    /// Key outcomes at each value, in the order of `values`.
    pub estimates: Vec<KeyEstimates>,
}

/// Runs the scenario at each value of one parameter (`eval.parameters[0]`),
/// on common random numbers.
pub fn sweep(
    eval: &Evaluator,
    values: &[f64],
    threads: usize,
    progress: Progress,
) -> Result<SweepResult, AnalysisError> {
    let points: Vec<Settings> = values.iter().map(|&v| vec![(0, v)]).collect();
    let estimates = run_points(eval, &points, threads, progress)?;
    Ok(SweepResult {
        parameter: eval.parameters[0].clone(),
        values: values.to_vec(),
        estimates,
    })
}

/// One-at-a-time swings of every uncertainty.
#[derive(Debug, Clone)]
pub struct TornadoResult {
    /// The scenario as written.
    pub base: KeyEstimates,
    /// Low and high value of each uncertainty.
    pub low_values: Vec<f64>,
    pub high_values: Vec<f64>,
    pub at_low: Vec<KeyEstimates>,
    pub at_high: Vec<KeyEstimates>,
}

impl TornadoResult {
    /// The bars of one outcome, widest first.
    pub fn swings(&self, outcome: Outcome) -> Vec<Swing> {
        let get = |e: &[KeyEstimates]| {
            e.iter()
                .map(|k| k.get(outcome).estimate)
                .collect::<Vec<_>>()
        };
        tornado::swings(&get(&self.at_low), &get(&self.at_high))
    }
}

/// Runs the scenario as written, then each uncertainty at its low and at
/// its high value with the others as written: `2d + 1` points.
pub fn tornado(
    eval: &Evaluator,
    uncertainties: &[Uncertainty],
    threads: usize,
    progress: Progress,
) -> Result<TornadoResult, AnalysisError> {
    let plan = tornado_plan(uncertainties);
    let estimates = run_points(eval, &plan.points, threads, progress)?;
    Ok(tornado_result(plan, &estimates))
}

/// The design points of an analysis and what is needed to read its
/// results, before any point is simulated. Sharded designs simulate a
/// contiguous part of `points` each; the merged estimates, in design order,
/// give the same result as one unsharded run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub design: Design,
    /// Parameter values at every design point, in design order.
    pub points: Vec<Settings>,
}

/// The design behind a [`Plan`].
#[derive(Debug, Clone)]
pub enum Design {
    /// The scenario as written, then each uncertainty low and high.
    Tornado {
        low_values: Vec<f64>,
        high_values: Vec<f64>,
    },
    Sobol(SaltelliDesign),
    Morris {
        levels: usize,
        trajectories: Vec<Trajectory>,
    },
}

/// The `2d + 1` points of a tornado.
pub fn tornado_plan(uncertainties: &[Uncertainty]) -> Plan {
    let ends: Vec<(f64, f64)> = uncertainties.iter().map(Uncertainty::swing).collect();
    let mut points: Vec<Settings> = vec![Vec::new()];
    for (i, &(lo, hi)) in ends.iter().enumerate() {
        points.push(vec![(i, lo)]);
        points.push(vec![(i, hi)]);
    }
    Plan {
        design: Design::Tornado {
            low_values: ends.iter().map(|e| e.0).collect(),
            high_values: ends.iter().map(|e| e.1).collect(),
        },
        points,
    }
}

/// The swings, from the estimates at the points of [`tornado_plan`].
pub fn tornado_result(plan: Plan, out: &[KeyEstimates]) -> TornadoResult {
    let Design::Tornado {
        low_values,
        high_values,
    } = plan.design
    else {
        unreachable!("a tornado result needs a tornado plan")
    };
    TornadoResult {
        base: out[0],
        low_values,
        high_values,
        at_low: out[1..].iter().step_by(2).copied().collect(),
        at_high: out[2..].iter().step_by(2).copied().collect(),
    }
}

/// Values of every uncertainty at a point of the unit hypercube.
fn settings_at(uncertainties: &[Uncertainty], unit: &[f64]) -> Settings {
    uncertainties
        .iter()
        .zip(unit)
        .enumerate()
        .map(|(i, (u, &level))| (i, u.value_at(level)))
        .collect()
}

/// Mean squared Monte Carlo standard error of an outcome over design
/// points: the variance that the inner trials add to each point's output.
fn inner_variance(estimates: &[KeyEstimates], o: Outcome) -> f64 {
    let sum: f64 = estimates
        .iter()
        .map(|e| e.get(o).se)
        .filter(|se| se.is_finite())
        .map(|se| se * se)
        .sum();
    sum / estimates.len().max(1) as f64
}

/// Sobol indices of every key outcome.
#[derive(Debug, Clone)]
pub struct SobolResult {
    pub design: SaltelliDesign,
    /// Parameter values at every design point, in design order.
    pub points: Vec<Settings>,
    pub estimates: Vec<KeyEstimates>,
    pub indices: Vec<(Outcome, SobolIndices)>,
    /// For each entry of `indices`, the share of the output's variance over
    /// the design that the inner trials' Monte Carlo noise accounts for:
    /// mean squared standard error over the `A` and `B` points divided by
    /// the variance of their outputs. It attenuates first-order indices by
    /// about this factor, and a total index below it cannot be told from
    /// noise unless common random numbers couple the parameter exactly.
    pub noise_share: Vec<f64>,
}

/// A Saltelli design of `n` base samples over the uncertainties, run on
/// common random numbers, and the indices of each outcome in `outcomes`.
pub fn sobol(
    eval: &Evaluator,
    uncertainties: &[Uncertainty],
    n: usize,
    outcomes: &[Outcome],
    threads: usize,
    progress: Progress,
) -> Result<SobolResult, AnalysisError> {
    let plan = sobol_plan(eval.seed, uncertainties, n)?;
    let estimates = run_points(eval, &plan.points, threads, progress)?;
    Ok(sobol_result(eval.seed, plan, estimates, outcomes))
}

/// The points of a Saltelli design of `n` base samples, scrambled from
/// `seed`.
pub fn sobol_plan(seed: u64, uncertainties: &[Uncertainty], n: usize) -> Result<Plan, DesignError> {
    let scramble = analysis_stream(seed, "sobol").next_u32();
    let design = design::saltelli(n, uncertainties.len(), scramble)?;
    let points: Vec<Settings> = design
        .points
        .iter()
        .map(|p| settings_at(uncertainties, p))
        .collect();
    Ok(Plan {
        design: Design::Sobol(design),
        points,
    })
}

/// The parameter sets of an ensemble: `n` points of a scrambled Sobol
/// sequence over the uncertainties ([`design::sobol_points`]), mapped
/// through each law's quantile function. The scrambling comes from `seed`,
/// so the same seed gives the same sets.
pub fn ensemble_plan(
    seed: u64,
    uncertainties: &[Uncertainty],
    n: usize,
) -> Result<Vec<Settings>, DesignError> {
    let scramble = analysis_stream(seed, "ensemble").next_u32();
    let unit = design::sobol_points(n, uncertainties.len(), scramble)?;
    Ok(unit.iter().map(|p| settings_at(uncertainties, p)).collect())
}

/// The indices of each outcome, from the estimates at the points of
/// [`sobol_plan`], with bootstrap intervals drawn from `seed`.
pub fn sobol_result(
    seed: u64,
    plan: Plan,
    estimates: Vec<KeyEstimates>,
    outcomes: &[Outcome],
) -> SobolResult {
    let Design::Sobol(design) = plan.design else {
        unreachable!("a Sobol result needs a Sobol plan")
    };
    let indices: Vec<(Outcome, SobolIndices)> = outcomes
        .iter()
        .map(|&o| {
            let y: Vec<f64> = estimates.iter().map(|e| e.get(o).estimate).collect();
            // The same resamples for every outcome.
            let mut rng = analysis_stream(seed, "bootstrap");
            let ix = sobol::indices(&y, design.n, design.d, BOOTSTRAP_REPLICATES, &mut rng);
            (o, ix)
        })
        .collect();
    let stride = design.stride();
    let a_and_b: Vec<KeyEstimates> = estimates
        .iter()
        .enumerate()
        .filter(|(k, _)| k % stride == 0 || k % stride == stride - 1)
        .map(|(_, e)| *e)
        .collect();
    let noise_share = indices
        .iter()
        .map(|(o, ix)| inner_variance(&a_and_b, *o) / ix.variance)
        .collect();
    SobolResult {
        design,
        points: plan.points,
        estimates,
        indices,
        noise_share,
    }
}

/// Morris elementary effects of every key outcome.
#[derive(Debug, Clone)]
pub struct MorrisResult {
    pub levels: usize,
    pub trajectories: Vec<Trajectory>,
    pub points: Vec<Settings>,
    pub estimates: Vec<KeyEstimates>,
    pub effects: Vec<(Outcome, Vec<Effects>)>,
    /// For each entry of `effects`, the mean |EE| that the inner trials'
    /// noise alone would give a parameter with no effect, were the two
    /// points of a step not coupled: `sqrt(2 s^2) sqrt(2/pi) / delta`, with
    /// `s^2` the mean squared standard error over the design (the mean
    /// absolute value of a normal difference of two independent estimates,
    /// per unit of the step). A mu* near it may be noise.
    pub noise_floor: Vec<f64>,
}

/// The points of `r` Morris trajectories on `levels` levels, drawn from
/// `seed`.
pub fn morris_plan(
    seed: u64,
    uncertainties: &[Uncertainty],
    r: usize,
    levels: usize,
) -> Result<Plan, DesignError> {
    let mut rng = analysis_stream(seed, "morris");
    let trajectories = design::morris(r, uncertainties.len(), levels, &mut rng)?;
    let points: Vec<Settings> = trajectories
        .iter()
        .flat_map(|t| t.points.iter().map(|p| settings_at(uncertainties, p)))
        .collect();
    Ok(Plan {
        design: Design::Morris {
            levels,
            trajectories,
        },
        points,
    })
}

/// The effects on each outcome, from the estimates at the points of
/// [`morris_plan`], with bootstrap intervals drawn from `seed`.
pub fn morris_result(
    seed: u64,
    plan: Plan,
    estimates: Vec<KeyEstimates>,
    outcomes: &[Outcome],
) -> MorrisResult {
    let Design::Morris {
        levels,
        trajectories,
    } = plan.design
    else {
        unreachable!("a Morris result needs a Morris plan")
    };
    let d = trajectories.first().map_or(0, |t| t.order.len());
    let effects: Vec<(Outcome, Vec<Effects>)> = outcomes
        .iter()
        .map(|&o| {
            let y: Vec<f64> = estimates.iter().map(|e| e.get(o).estimate).collect();
            let mut rng = analysis_stream(seed, "bootstrap");
            (
                o,
                morris::effects(&y, &trajectories, d, BOOTSTRAP_REPLICATES, &mut rng),
            )
        })
        .collect();
    let delta = levels as f64 / (2.0 * (levels - 1) as f64);
    let noise_floor = effects
        .iter()
        .map(|(o, _)| {
            (2.0 * inner_variance(&estimates, *o)).sqrt() * (2.0 / std::f64::consts::PI).sqrt()
                / delta
        })
        .collect();
    MorrisResult {
        levels,
        trajectories,
        points: plan.points,
        estimates,
        effects,
        noise_floor,
    }
}
