//! The sums that sweeps and sensitivity analyses keep at each design point,
//! and the estimates made from them.
//!
//! A design has thousands of configurations, so each one keeps only exact
//! integer sums of the design outcomes ([`DESIGN`]), the ones a policy
//! question turns on, not the daily tables of a full run. The sums are
//! integers for the same reason as in `stats`: merging them in any order
//! gives the same bits.

use crate::engine::TrialSink;
use crate::model::{TrialOutcome, TrialTrace};
use crate::outcomes::{Bounds, DESIGN, Kind, Outcome};
use crate::scenario::Scenario;
use crate::stats::interval::{Z95, mean_se, wilson95};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

// Design points are estimated from sums alone, and their sums are written
// without the horizon (see [`KeySums`]): a median or an outcome censored at
// the horizon would need more than this module keeps.
const _: () = {
    let mut i = 0;
    while i < DESIGN.len() {
        let entry = DESIGN[i].entry();
        assert!(
            !matches!(entry.kind, Kind::Median) && !entry.measure.censored(),
            "a design outcome must be a probability or a mean of an uncensored value"
        );
        i += 1;
    }
};

/// The design outcomes a scenario has: all of them, less the target where
/// it sets no pool.
pub fn design_outcomes(scenario: &Scenario) -> Vec<Outcome> {
    let has_pool = scenario.target().pool.is_some();
    DESIGN.into_iter().filter(|o| o.applies(has_pool)).collect()
}

/// The place of a design outcome in [`DESIGN`], and so in every table here.
///
/// # Panics
/// If `outcome` is not a design outcome: no design point estimates it.
fn index(outcome: Outcome) -> usize {
    match DESIGN.iter().position(|o| *o == outcome) {
        Some(i) => i,
        None => panic!("{} is not an outcome of designs", outcome.id()),
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

/// The design outcomes of one configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyEstimates {
    pub trials: u64,
    /// In the order of [`DESIGN`].
    values: [Estimate; DESIGN.len()],
}

impl KeyEstimates {
    /// The estimate of a design outcome.
    ///
    /// # Panics
    /// If `outcome` is not one of [`DESIGN`].
    pub fn get(&self, outcome: Outcome) -> &Estimate {
        &self.values[index(outcome)]
    }
}

/// Exact sums of the design outcomes over trials.
///
/// In `partial.json` it is an object with the deadline day, the trials,
/// then each design outcome under its [`crate::outcomes::Designed::sums_field`]:
/// the event counts of the probabilities (a 0/1 value is its own square)
/// and then the `[sum, sum of squares]` of the means, each in design order.
/// The horizon is not written: no design outcome reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySums {
    deadline_day: u32,
    trials: u64,
    /// Sums of the per-trial values and of their squares, in the order of
    /// [`DESIGN`].
    sum: [u128; DESIGN.len()],
    sum_sq: [u128; DESIGN.len()],
}

impl KeySums {
    pub fn new(scenario: &Scenario) -> Self {
        KeySums {
            deadline_day: scenario.target().deadline_day,
            trials: 0,
            sum: [0; DESIGN.len()],
            sum_sq: [0; DESIGN.len()],
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
        let mean = |sum: u128, sum_sq: u128| {
            let (m, se) = mean_se(n, sum, sum_sq);
            Estimate {
                estimate: m,
                se,
                ci95: [(m - Z95 * se).max(0.0), m + Z95 * se],
            }
        };
        KeyEstimates {
            trials: n,
            values: std::array::from_fn(|i| {
                if DESIGN[i].is_probability() {
                    proportion(self.sum[i] as u64)
                } else {
                    mean(self.sum[i], self.sum_sq[i])
                }
            }),
        }
    }
}

impl TrialSink for KeySums {
    fn record(&mut self, _trial: u64, o: &TrialOutcome, _trace: &TrialTrace) {
        self.trials += 1;
        let at = Bounds {
            deadline_day: self.deadline_day,
            // Never read: no design outcome is censored (asserted above).
            horizon_days: u32::MAX,
        };
        let values = DESIGN.map(|outcome| u128::from(outcome.value(o, at)));
        for (i, v) in values.into_iter().enumerate() {
            self.sum[i] += v;
            self.sum_sq[i] += v * v;
        }
    }

    fn merge(&mut self, o: Self) {
        self.trials += o.trials;
        for i in 0..DESIGN.len() {
            self.sum[i] += o.sum[i];
            self.sum_sq[i] += o.sum_sq[i];
        }
    }
}

/// The name of a design outcome's sums in `partial.json`.
fn sums_field(outcome: Outcome) -> &'static str {
    outcome.design().map_or(outcome.id(), |d| d.sums_field)
}

/// Design outcomes with their place in [`DESIGN`], in the order their sums
/// are written: probabilities, then means.
fn written_order() -> impl Iterator<Item = (usize, Outcome)> {
    Kind::SUMMED.into_iter().flat_map(|kind| {
        DESIGN
            .into_iter()
            .enumerate()
            .filter(move |(_, o)| o.kind() == kind)
    })
}

impl Serialize for KeySums {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("KeySums", 2 + DESIGN.len())?;
        out.serialize_field("deadline_day", &self.deadline_day)?;
        out.serialize_field("trials", &self.trials)?;
        for (i, o) in written_order() {
            if o.is_probability() {
                out.serialize_field(sums_field(o), &(self.sum[i] as u64))?;
            } else {
                out.serialize_field(sums_field(o), &(self.sum[i], self.sum_sq[i]))?;
            }
        }
        out.end()
    }
}

impl<'de> Deserialize<'de> for KeySums {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SumsVisitor)
    }
}

struct SumsVisitor;

impl<'de> Visitor<'de> for SumsVisitor {
    type Value = KeySums;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the sums of the key outcomes at a design point")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeySums, A::Error> {
        let (mut deadline_day, mut trials) = (None, None);
        let mut sums = KeySums {
            deadline_day: 0,
            trials: 0,
            sum: [0; DESIGN.len()],
            sum_sq: [0; DESIGN.len()],
        };
        let mut seen = [false; DESIGN.len()];
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "deadline_day" if deadline_day.is_none() => deadline_day = Some(map.next_value()?),
                "trials" if trials.is_none() => trials = Some(map.next_value()?),
                "deadline_day" => return Err(de::Error::duplicate_field("deadline_day")),
                "trials" => return Err(de::Error::duplicate_field("trials")),
                name => match DESIGN.iter().position(|o| sums_field(*o) == name) {
                    Some(i) if seen[i] => {
                        return Err(de::Error::duplicate_field(sums_field(DESIGN[i])));
                    }
                    Some(i) => {
                        seen[i] = true;
                        if DESIGN[i].is_probability() {
                            let count: u64 = map.next_value()?;
                            sums.sum[i] = u128::from(count);
                            sums.sum_sq[i] = u128::from(count);
                        } else {
                            (sums.sum[i], sums.sum_sq[i]) = map.next_value()?;
                        }
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        sums.deadline_day = deadline_day.ok_or_else(|| de::Error::missing_field("deadline_day"))?;
        sums.trials = trials.ok_or_else(|| de::Error::missing_field("trials"))?;
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(de::Error::missing_field(sums_field(DESIGN[i])));
        }
        Ok(sums)
    }
}

impl KeySums {
    /// Checks sums read from a shard's file against the scenario of the
    /// design point and its number of trials. The error is `field: problem`.
    pub fn check_against(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        if self.deadline_day != scenario.target().deadline_day {
            return Err(format!(
                "deadline_day: {}, but the scenario's is {}",
                self.deadline_day,
                scenario.target().deadline_day
            ));
        }
        if self.trials != trials {
            return Err(format!(
                "trials: {}, but every design point runs {trials}",
                self.trials
            ));
        }
        for (i, outcome) in DESIGN.iter().enumerate() {
            let probability = outcome.kind() == crate::outcomes::Kind::Probability;
            if (probability && self.sum[i] > u128::from(trials)) || self.sum_sq[i] < self.sum[i] {
                return Err(format!(
                    "{}: sums that {trials} trials cannot give",
                    outcome.id()
                ));
            }
        }
        Ok(())
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
        let keys = StreamKeys::new(s.mediator_names());
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
                Outcome::TargetByDeadline,
                p.target_by_deadline.as_ref().unwrap().estimate,
            ),
            (Outcome::NoRoundByDeadline, p.no_round_by_deadline.estimate),
            (Outcome::MeanReturnedByDeadline, o.returned_by_deadline.mean),
            (Outcome::MeanReturnedByHorizon, o.returned_by_horizon.mean),
            (
                Outcome::SuspendedWithinHorizon,
                p.suspended_within_horizon.estimate,
            ),
            (Outcome::MeanSuspensions, o.suspensions.mean),
            (Outcome::Collapse, p.collapse.estimate),
        ];
        // The summary holds its estimates as written, to
        // `format::DATA_DIGITS` significant digits.
        let written = crate::format::data;
        for (outcome, want) in pairs {
            assert_eq!(written(k.get(outcome).estimate), want, "{outcome:?}");
        }
        assert_eq!(
            written(k.get(Outcome::MeanReturnedByDeadline).se),
            o.returned_by_deadline.se
        );
        // The serial runner gives the same sums as the parallel engine.
        let serial = engine::run_serial(&model, &keys, seed, 0..3000, KeySums::new(&s));
        assert_eq!(serial, sums);
    }

    #[test]
    fn sums_are_written_as_partial_json_has_always_held_them() {
        let s = ScenarioSource::builtin().parse().unwrap();
        let mut sums = KeySums::new(&s);
        sums.trials = 3;
        sums.sum = [1, 2, 300, 600, 3, 4, 0];
        sums.sum_sq = [1, 2, 30_000, 120_000, 3, 6, 0];
        let text = serde_json::to_string(&sums).unwrap();
        assert_eq!(
            text,
            format!(
                "{{\"deadline_day\":{},\"trials\":3,\"target\":1,\"no_round\":2,\
                 \"suspended\":3,\"collapsed\":0,\"by_deadline\":[300,30000],\
                 \"by_horizon\":[600,120000],\"suspensions\":[4,6]}}",
                s.target().deadline_day
            )
        );
        let back: KeySums = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sums);
        let missing = text.replace(",\"collapsed\":0", "");
        let err = serde_json::from_str::<KeySums>(&missing).unwrap_err();
        assert!(
            err.to_string().contains("missing field `collapsed`"),
            "{err}"
        );
        let twice = text.replace("\"trials\":3,", "\"trials\":3,\"target\":1,");
        assert!(serde_json::from_str::<KeySums>(&twice).is_err());
    }
}
