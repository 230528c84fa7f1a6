//! The base scenario's simulated escalation and mediation, and the baseline
//! that matches a fitted daily probability under them.
//!
//! A scenario states baseline hazards that its escalation `E` and mediation
//! `M` scale every day, while the record yields only daily probabilities
//! averaged over the days it covers. Turning one into the other needs the
//! days' `(E, M)`, which the record does not hold and the base scenario's
//! own model does. [`Conditions`] samples them from simulated histories of
//! the base scenario, and its solver finds the baseline whose daily
//! probability, averaged over those samples, equals the fitted one. The
//! simulation is the one costly step of a calibration, so it stands apart
//! from the mapping: a rolling back-test simulates the conditions once and
//! maps every origin's fit under them.

use super::CalibrateError;
use crate::engine::{self, StreamKeys, TrialSink};
use crate::model::{Model, TrialOutcome, TrialTrace};
use crate::scenario::Scenario;
use serde::Serialize;

/// Days of simulated escalation and mediation over which the hazards are
/// averaged: three whole years, so every season counts equally and the
/// escalation regimes have time to mix.
pub const CONDITION_DAYS: u32 = 3 * 365;
/// Simulated histories for those averages.
pub const CONDITION_TRIALS: u64 = 1000;
/// Every this many days of each history is kept for the averages (days
/// close together carry nearly the same information).
const CONDITION_STRIDE: usize = 5;

/// Escalation and mediation of the base scenario, sampled from simulated
/// histories.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    /// (E, M) pairs: escalation units and mediation strength.
    pub samples: Vec<(f64, f64)>,
}

/// Averages of the base scenario's escalation and mediation, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionSummary {
    /// Mean escalation `E` (escalation units).
    pub mean_escalation: f64,
    /// Mean mediation strength `M` (0 to 1).
    pub mean_mediation: f64,
    /// Share of days with `M = 0` (every channel shut).
    pub share_without_mediation: f64,
    pub trials: u64,
    pub days_per_trial: u32,
    /// Days sampled from each trial (every fifth).
    pub samples: usize,
}

/// The (E, M) samples of a range of simulated trials, each with its trial
/// index, so that ranges simulated apart (by threads or by a job's parts)
/// merge into the samples of the whole run whatever their order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConditionTrials(Vec<(u64, Vec<(f64, f64)>)>);

impl TrialSink for ConditionTrials {
    fn record(&mut self, trial: u64, _o: &TrialOutcome, trace: &TrialTrace) {
        let pairs = trace
            .escalation
            .iter()
            .zip(&trace.mediation)
            .step_by(CONDITION_STRIDE)
            .map(|(&e, &m)| (e, m))
            .collect();
        self.0.push((trial, pairs));
    }
    fn merge(&mut self, mut other: Self) {
        self.0.append(&mut other.0);
    }
}

impl ConditionTrials {
    /// The samples of trials `range` of [`Conditions::simulate`], on
    /// `threads` threads (all cores if `None`; the samples do not depend
    /// on it); `progress` hears how many trials of the range are done.
    pub fn simulate(
        base: &Scenario,
        range: std::ops::Range<u64>,
        threads: Option<usize>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ConditionTrials, CalibrateError> {
        // The deadline is not used here; it moves to the last day so that it
        // lies in the shorter horizon.
        let s = base
            .rebuilt(|r| {
                r.simulation.horizon_days = i64::from(CONDITION_DAYS);
                r.target.pool = None;
                r.target.deadline = None;
            })
            .map_err(|e| CalibrateError::Engine(e.to_string()))?;
        let model = Model::new(&s);
        let keys = StreamKeys::new(s.mediator_names());
        engine::run(
            &model,
            &keys,
            s.simulation().seed,
            range,
            threads,
            ConditionTrials::default,
            progress,
        )
        .map_err(|e| CalibrateError::Engine(e.to_string()))
    }

    /// Trials held.
    pub fn trials(&self) -> u64 {
        self.0.len() as u64
    }

    /// The samples of every trial held, in trial order.
    pub fn into_conditions(self) -> Conditions {
        let mut by_trial = self.0;
        by_trial.sort_unstable_by_key(|(t, _)| *t);
        Conditions {
            samples: by_trial.into_iter().flat_map(|(_, v)| v).collect(),
        }
    }
}

impl Conditions {
    /// Samples the base scenario's escalation and mediation over
    /// [`CONDITION_DAYS`] from its start date, with its own seed, in
    /// [`CONDITION_TRIALS`] trials.
    pub fn simulate(base: &Scenario) -> Result<Conditions, CalibrateError> {
        Ok(ConditionTrials::simulate(base, 0..CONDITION_TRIALS, None, &|_| {})?.into_conditions())
    }

    /// Mean over the samples of `f(E, M)`, summed in a fixed order.
    pub(super) fn mean(&self, f: impl Fn(f64, f64) -> f64) -> f64 {
        self.samples.iter().map(|&(e, m)| f(e, m)).sum::<f64>() / self.samples.len().max(1) as f64
    }

    pub fn summary(&self) -> ConditionSummary {
        ConditionSummary {
            mean_escalation: self.mean(|e, _| e),
            mean_mediation: self.mean(|_, m| m),
            share_without_mediation: self.mean(|_, m| if m == 0.0 { 1.0 } else { 0.0 }),
            trials: CONDITION_TRIALS,
            days_per_trial: CONDITION_DAYS,
            samples: self.samples.len(),
        }
    }

    /// The baseline `b` for which the mean daily probability
    /// `1 - exp(-b * multiplier(E, M))` equals `p`. `None` if no baseline
    /// up to the scenario limit of 1000 reaches `p`.
    ///
    /// Newton's method from `b0 = -ln(1 - p) / mean(multiplier)`: the mean
    /// probability is concave and increasing in `b`, and by Jensen's
    /// inequality it is at most `p` at `b0`, so every step stays below the
    /// root and the iteration climbs to it without overshooting.
    pub(super) fn solve_base(&self, p: f64, multiplier: impl Fn(f64, f64) -> f64) -> Option<f64> {
        if p <= 0.0 {
            return Some(0.0);
        }
        let mult: Vec<f64> = self
            .samples
            .iter()
            .map(|&(e, m)| multiplier(e, m))
            .collect();
        let n = mult.len().max(1) as f64;
        // Mean probability and its derivative in b.
        let at = |b: f64| {
            mult.iter().fold((0.0, 0.0), |(f, d), &k| {
                let q = (-b * k).exp();
                (f + (1.0 - q) / n, d + k * q / n)
            })
        };
        const LIMIT: f64 = 1000.0;
        if at(LIMIT).0 < p {
            return None;
        }
        let mean_mult = mult.iter().sum::<f64>() / n;
        let mut b = -(-p).ln_1p() / mean_mult;
        // Quadratic convergence reaches the rounding noise of the mean
        // (about 1e-12 relative over 200,000 samples) in a few steps.
        for _ in 0..50 {
            let (f, d) = at(b);
            if d <= 0.0 {
                break;
            }
            let next = (b + (p - f) / d).min(LIMIT);
            let done = (next - b).abs() <= 1e-10 * b;
            b = next;
            if done {
                break;
            }
        }
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_solves_the_mean_probability_equation() {
        let c = Conditions {
            samples: vec![(0.0, 0.2), (1.0, 0.9), (2.0, 0.0), (0.5, 0.5)],
        };
        let mult = |e: f64, m: f64| (0.8 * e - 1.2 * m).exp();
        let b = c.solve_base(0.03, mult).unwrap();
        let mean: f64 = c
            .samples
            .iter()
            .map(|&(e, m)| 1.0 - (-b * mult(e, m)).exp())
            .sum::<f64>()
            / 4.0;
        assert!((mean - 0.03).abs() < 1e-12, "{mean}");
        // Mediation 0 on every day: no round rate gives rounds.
        let none = Conditions {
            samples: vec![(1.0, 0.0); 3],
        };
        assert_eq!(none.solve_base(0.05, |_, m| m), None);
    }
}
