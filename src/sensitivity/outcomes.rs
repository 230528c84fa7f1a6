//! The key outcomes that sweeps and sensitivity analyses report, and the
//! light sink that estimates them from a configuration's trials.
//!
//! A design has thousands of configurations, so each one keeps only exact
//! integer sums of the seven outcomes a policy question turns on, not the
//! daily tables of a full run. The sums are integers for the same reason as
//! in `stats`: merging them in any order gives the same bits.

use crate::engine::TrialSink;
use crate::model::{TrialOutcome, TrialTrace};
use crate::scenario::Scenario;
use crate::stats::interval::{Z95, mean_se, wilson95};
use serde::Serialize;

/// An outcome reported by sweeps and sensitivity analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOutcome {
    /// Probability that the whole pool is returned by the deadline.
    TargetByDeadline,
    /// Probability of no round by the deadline.
    NoRoundByDeadline,
    /// Mean people returned by the deadline.
    ReturnedByDeadline,
    /// Mean people returned by the end of the horizon.
    ReturnedByHorizon,
    /// Probability of at least one suspension within the horizon.
    SuspendedWithinHorizon,
    /// Mean number of suspensions within the horizon.
    Suspensions,
    /// Probability of collapse within the horizon.
    Collapse,
}

impl KeyOutcome {
    pub const ALL: [KeyOutcome; 7] = [
        KeyOutcome::TargetByDeadline,
        KeyOutcome::NoRoundByDeadline,
        KeyOutcome::ReturnedByDeadline,
        KeyOutcome::ReturnedByHorizon,
        KeyOutcome::SuspendedWithinHorizon,
        KeyOutcome::Suspensions,
        KeyOutcome::Collapse,
    ];

    /// The outcomes a scenario has: all of them, less the target where it
    /// sets no pool.
    pub fn of(scenario: &Scenario) -> Vec<KeyOutcome> {
        Self::ALL
            .into_iter()
            .filter(|o| *o != KeyOutcome::TargetByDeadline || scenario.target().pool.is_some())
            .collect()
    }

    /// Name in files, as in `summary.json`.
    pub fn key(self) -> &'static str {
        match self {
            KeyOutcome::TargetByDeadline => "target_by_deadline",
            KeyOutcome::NoRoundByDeadline => "no_round_by_deadline",
            KeyOutcome::ReturnedByDeadline => "returned_by_deadline",
            KeyOutcome::ReturnedByHorizon => "returned_by_horizon",
            KeyOutcome::SuspendedWithinHorizon => "suspended_within_horizon",
            KeyOutcome::Suspensions => "suspensions",
            KeyOutcome::Collapse => "collapse",
        }
    }

    /// Whether the outcome is a probability (else a mean count).
    pub fn is_probability(self) -> bool {
        matches!(
            self,
            KeyOutcome::TargetByDeadline
                | KeyOutcome::NoRoundByDeadline
                | KeyOutcome::SuspendedWithinHorizon
                | KeyOutcome::Collapse
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// An estimate from one configuration's trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// A probability (share of trials) or a mean over trials.
    pub estimate: f64,
    /// Its Monte Carlo standard error: `sqrt(p (1 - p) / n)` for a
    /// probability, sample sd / `sqrt(n)` for a mean.
    pub se: f64,
    /// 95% interval: Wilson score interval for a probability, mean -/+ 1.96
    /// se (cut at 0) for a mean.
    pub ci95: [f64; 2],
}

/// The key outcomes of one configuration, indexed by [`KeyOutcome`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyEstimates {
    pub trials: u64,
    values: [Estimate; 7],
}

impl KeyEstimates {
    pub fn get(&self, outcome: KeyOutcome) -> &Estimate {
        &self.values[outcome.index()]
    }
}

/// Exact sums of the key outcomes over trials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KeySums {
    deadline_day: u32,
    trials: u64,
    target: u64,
    no_round: u64,
    suspended: u64,
    collapsed: u64,
    /// (sum, sum of squares) of people returned by the deadline, by the
    /// horizon, and of suspensions.
    by_deadline: (u128, u128),
    by_horizon: (u128, u128),
    suspensions: (u128, u128),
}

fn add(acc: &mut (u128, u128), v: u64) {
    let v = u128::from(v);
    acc.0 += v;
    acc.1 += v * v;
}

impl KeySums {
    pub fn new(scenario: &Scenario) -> Self {
        KeySums {
            deadline_day: scenario.target().deadline_day,
            ..Default::default()
        }
    }

    /// The estimates, with the same estimators as `summary.json`.
    pub fn estimates(&self) -> KeyEstimates {
        let n = self.trials;
        let proportion = |k: u64| {
            let p = k as f64 / n as f64;
            Estimate {
                estimate: p,
                se: (p * (1.0 - p) / n as f64).sqrt(),
                ci95: wilson95(k, n),
            }
        };
        let mean = |(sum, sum_sq): (u128, u128)| {
            let (m, se) = mean_se(n, sum, sum_sq);
            Estimate {
                estimate: m,
                se,
                ci95: [(m - Z95 * se).max(0.0), m + Z95 * se],
            }
        };
        KeyEstimates {
            trials: n,
            values: [
                proportion(self.target),
                proportion(self.no_round),
                mean(self.by_deadline),
                mean(self.by_horizon),
                proportion(self.suspended),
                mean(self.suspensions),
                proportion(self.collapsed),
            ],
        }
    }
}

impl TrialSink for KeySums {
    fn record(&mut self, _trial: u64, o: &TrialOutcome, _trace: &TrialTrace) {
        self.trials += 1;
        self.target += u64::from(o.target_day.is_some_and(|d| d <= self.deadline_day));
        self.no_round += u64::from(o.rounds_by_deadline == 0);
        self.suspended += u64::from(o.first_suspension_day.is_some());
        self.collapsed += u64::from(o.collapse_day.is_some());
        add(&mut self.by_deadline, o.returned_by_deadline);
        add(&mut self.by_horizon, o.returned_by_horizon);
        add(&mut self.suspensions, u64::from(o.suspensions));
    }

    fn merge(&mut self, o: Self) {
        self.trials += o.trials;
        self.target += o.target;
        self.no_round += o.no_round;
        self.suspended += o.suspended;
        self.collapsed += o.collapsed;
        for (a, b) in [
            (&mut self.by_deadline, o.by_deadline),
            (&mut self.by_horizon, o.by_horizon),
            (&mut self.suspensions, o.suspensions),
        ] {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, StreamKeys};
    use crate::model::Model;
    use crate::scenario::ScenarioSource;
    use crate::stats::Accumulator;

    #[test]
    fn key_estimates_agree_with_a_full_run() {
        let s = ScenarioSource::builtin()
            .parse()
            .unwrap()
            .with_trials(3000)
            .unwrap();
        let model = Model::new(&s);
        let keys = StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()));
        let seed = s.simulation().seed;
        let (acc, sums) = engine::run(
            &model,
            &keys,
            seed,
            0..3000,
            Some(2),
            || (Accumulator::new(&s), KeySums::new(&s)),
            &|_| {},
        )
        .unwrap();
        let full = acc.finish(&s).summary;
        let k = sums.estimates();
        let p = &full.probabilities;
        let o = &full.outcomes;
        let pairs = [
            (
                KeyOutcome::TargetByDeadline,
                p.target_by_deadline.as_ref().unwrap().estimate,
            ),
            (
                KeyOutcome::NoRoundByDeadline,
                p.no_round_by_deadline.estimate,
            ),
            (KeyOutcome::ReturnedByDeadline, o.returned_by_deadline.mean),
            (KeyOutcome::ReturnedByHorizon, o.returned_by_horizon.mean),
            (
                KeyOutcome::SuspendedWithinHorizon,
                p.suspended_within_horizon.estimate,
            ),
            (KeyOutcome::Suspensions, o.suspensions.mean),
            (KeyOutcome::Collapse, p.collapse.estimate),
        ];
        for (outcome, want) in pairs {
            assert_eq!(k.get(outcome).estimate, want, "{outcome:?}");
        }
        assert_eq!(
            k.get(KeyOutcome::ReturnedByDeadline).se,
            o.returned_by_deadline.se
        );
        // The serial runner gives the same sums as the parallel engine.
        let serial = engine::run_serial(&model, &keys, seed, 0..3000, KeySums::new(&s));
        assert_eq!(serial, sums);
    }
}
