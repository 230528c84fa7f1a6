//! Paired comparison of configurations run on common random numbers.
//!
//! Trial n of every configuration faces the same war and the same draws
//! wherever the configurations' rules agree, so the per-trial difference of
//! an outcome between a configuration and the reference varies far less than
//! two independent estimates would. This module keeps, for each
//! configuration, the full single-run statistics (for charts) and, for each
//! compared outcome ([`crate::outcomes::COMPARED`]), exact sums of the
//! per-trial values and of the paired differences. Medians, which are not averages of per-trial values, are
//! compared by batch medians: trials fall into [`BATCHES`] batches by trial
//! number, the median difference is computed in each, and the spread of
//! those batch differences gives its standard error.

use super::histogram::IntHistogram;
use super::interval::{Z95, mean_se, wilson95};
use super::{Accumulator, Results};
use crate::engine::{PairedSink, TrialSink};
use crate::model::{TrialOutcome, TrialTrace};
use crate::outcomes::{Bounds, COMPARED, Kind, Measure, Outcome, View, count, select};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Batches for the standard error of median differences.
pub const BATCHES: usize = 32;
/// 97.5% point of Student's t with `BATCHES - 1` = 31 degrees of freedom.
const T31_975: f64 = 2.039_513_446;

/// Compared outcomes estimated from sums of per-trial values
/// (probabilities and means), in the order of [`Sums`].
const SUMMED: [Outcome; count(View::Compared, &Kind::SUMMED)] =
    select(View::Compared, &Kind::SUMMED);

/// Compared outcomes estimated by medians, in the order of
/// `CompareAccumulator::batches`.
const MEDIANS: [Outcome; count(View::Compared, &[Kind::Median])] =
    select(View::Compared, &[Kind::Median]);

/// The per-trial quantity whose paired differences are counted one by one
/// (`differences.csv`).
const DISTRIBUTED: Measure = Measure::ReturnedByDeadline;

/// Where `outcome` sits in `list` (one of the lists above, which hold every
/// compared outcome of their kinds).
fn slot(list: &[Outcome], outcome: Outcome) -> usize {
    list.iter().position(|o| *o == outcome).unwrap_or(0)
}

/// Exact sums of one configuration's per-trial values and of its paired
/// differences from the reference.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Sums {
    sum: [i128; SUMMED.len()],
    sum_sq: [u128; SUMMED.len()],
    diff_sum: [i128; SUMMED.len()],
    diff_sq: [u128; SUMMED.len()],
}

/// Statistics of several configurations run on the same trials; the first
/// configuration is the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareAccumulator {
    deadline_day: u32,
    horizon: u32,
    trials: u64,
    runs: Vec<Accumulator>,
    sums: Vec<Sums>,
    /// `[config][outcome][batch]` histograms for medians.
    batches: Vec<Vec<Vec<IntHistogram>>>,
    /// Per configuration: trials by difference in people returned by the
    /// deadline from the reference.
    differences: Vec<BTreeMap<i64, u64>>,
}

impl CompareAccumulator {
    /// An empty accumulator for these configurations (the first is the
    /// reference). They must share horizon and deadline.
    pub fn new(scenarios: &[&Scenario]) -> Self {
        let k = scenarios.len();
        let first = scenarios[0];
        CompareAccumulator {
            deadline_day: first.target().deadline_day,
            horizon: first.simulation().horizon_days,
            trials: 0,
            runs: scenarios.iter().map(|s| Accumulator::new(s)).collect(),
            sums: vec![Sums::default(); k],
            batches: vec![vec![vec![IntHistogram::new(); BATCHES]; MEDIANS.len()]; k],
            differences: vec![BTreeMap::new(); k],
        }
    }
}

impl CompareAccumulator {
    /// Trials recorded so far.
    pub fn trials(&self) -> u64 {
        self.trials
    }
}

impl PairedSink for CompareAccumulator {
    fn record(&mut self, trial: u64, outcomes: &[TrialOutcome], traces: &[TrialTrace]) {
        self.trials += 1;
        let batch = (trial % BATCHES as u64) as usize;
        let at = Bounds {
            deadline_day: self.deadline_day,
            horizon_days: self.horizon,
        };
        let reference = &outcomes[0];
        let reference_values = SUMMED.map(|k| i128::from(k.value(reference, at)));
        let reference_distributed = DISTRIBUTED.value(reference, at) as i64;
        for (c, (o, trace)) in outcomes.iter().zip(traces).enumerate() {
            self.runs[c].record(trial, o, trace);
            let values = SUMMED.map(|k| i128::from(k.value(o, at)));
            let sums = &mut self.sums[c];
            for (i, (v, r)) in values.into_iter().zip(reference_values).enumerate() {
                let d = v - r;
                sums.sum[i] += v;
                sums.sum_sq[i] += (v * v) as u128;
                sums.diff_sum[i] += d;
                sums.diff_sq[i] += (d * d) as u128;
            }
            let medians = MEDIANS.map(|k| k.value(o, at));
            for (batches, v) in self.batches[c].iter_mut().zip(medians) {
                batches[batch].add(v);
            }
            *self.differences[c]
                .entry(DISTRIBUTED.value(o, at) as i64 - reference_distributed)
                .or_insert(0) += 1;
        }
    }

    fn end_block(&mut self) {
        for run in &mut self.runs {
            run.end_block();
        }
    }

    fn merge(&mut self, other: Self) {
        self.trials += other.trials;
        for (a, b) in self.runs.iter_mut().zip(other.runs) {
            a.merge(b);
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            for i in 0..SUMMED.len() {
                a.sum[i] += b.sum[i];
                a.sum_sq[i] += b.sum_sq[i];
                a.diff_sum[i] += b.diff_sum[i];
                a.diff_sq[i] += b.diff_sq[i];
            }
        }
        for (a, b) in self.batches.iter_mut().zip(&other.batches) {
            for (ha, hb) in a.iter_mut().flatten().zip(b.iter().flatten()) {
                ha.merge(hb);
            }
        }
        for (a, b) in self.differences.iter_mut().zip(other.differences) {
            for (d, n) in b {
                *a.entry(d).or_insert(0) += n;
            }
        }
    }
}

/// One key outcome of one configuration, with its paired difference from
/// the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedOutcome {
    pub configuration: String,
    /// Written as its identifier.
    pub outcome: Outcome,
    /// Owned when read back from `comparison.json`.
    pub label: Cow<'static, str>,
    pub unit: Cow<'static, str>,
    /// The configuration's estimate; null for a median beyond the horizon or
    /// a target without a pool.
    pub estimate: Option<f64>,
    /// Its 95% interval (Wilson for probabilities, mean -/+ 1.96 se for
    /// means, order statistics for medians); null ends where undefined.
    pub ci95: [Option<f64>; 2],
    /// Estimate minus the reference's estimate.
    pub diff: Option<f64>,
    /// 95% interval of the difference from the paired standard error.
    pub diff_ci95: [Option<f64>; 2],
    /// Variance the difference would have from two independent runs of the
    /// same size, divided by its paired variance; null where the paired
    /// variance is 0 (identical outcomes) or undefined.
    pub variance_reduction: Option<f64>,
}

/// Trials by difference in people returned by the deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceCount {
    pub configuration: String,
    /// People returned by the deadline in this configuration minus in the
    /// reference, in the same trial.
    pub difference: i64,
    pub trials: u64,
    pub share: f64,
}

/// Everything a comparison reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub trials: u64,
    /// Configuration names, reference first.
    pub names: Vec<String>,
    /// Each configuration's single-run results (for charts and tables).
    pub runs: Vec<Results>,
    /// Key outcomes, configuration by configuration.
    pub outcomes: Vec<ComparedOutcome>,
    pub differences: Vec<DifferenceCount>,
}

/// The label of a compared outcome.
fn label(outcome: Outcome) -> &'static str {
    outcome.compared().map_or(outcome.id(), |c| c.label)
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn ratio(independent: f64, paired: f64) -> Option<f64> {
    (paired > 0.0)
        .then(|| independent / paired)
        .and_then(finite)
}

impl CompareAccumulator {
    /// The comparison's estimates. `names[c]` and `scenarios[c]` describe
    /// configuration c, the reference first.
    pub fn finish(&self, names: &[String], scenarios: &[&Scenario]) -> Comparison {
        let n = self.trials;
        let nf = n as f64;
        let runs: Vec<Results> = self
            .runs
            .iter()
            .zip(scenarios)
            .map(|(a, s)| a.finish(s))
            .collect();
        let has_pool = scenarios[0].target().pool.is_some();
        let mut outcomes = Vec::new();
        for (c, name) in names.iter().enumerate() {
            for outcome in COMPARED {
                let row = match outcome.kind() {
                    Kind::Probability | Kind::Mean => {
                        let i = slot(&SUMMED, outcome);
                        let s = &self.sums[c];
                        let r = &self.sums[0];
                        let (mean, se) = mean_se(n, s.sum[i] as u128, s.sum_sq[i]);
                        let (_, se_ref) = mean_se(n, r.sum[i] as u128, r.sum_sq[i]);
                        let diff_mean = s.diff_sum[i] as f64 / nf;
                        let diff_var = if n > 1 {
                            (s.diff_sq[i] as f64 - s.diff_sum[i] as f64 * diff_mean) / (nf - 1.0)
                        } else {
                            f64::NAN
                        };
                        let diff_se = (diff_var.max(0.0) / nf).sqrt();
                        let ci = if outcome.is_probability() {
                            wilson95(s.sum[i] as u64, n).map(Some)
                        } else {
                            [finite((mean - Z95 * se).max(0.0)), finite(mean + Z95 * se)]
                        };
                        let applicable = outcome.applies(has_pool);
                        ComparedOutcome {
                            configuration: name.clone(),
                            outcome,
                            label: Cow::Borrowed(label(outcome)),
                            unit: Cow::Borrowed(outcome.unit().name()),
                            estimate: applicable.then_some(mean).and_then(finite),
                            ci95: if applicable { ci } else { [None, None] },
                            diff: applicable.then_some(diff_mean).and_then(finite),
                            diff_ci95: if applicable {
                                [
                                    finite(diff_mean - Z95 * diff_se),
                                    finite(diff_mean + Z95 * diff_se),
                                ]
                            } else {
                                [None, None]
                            },
                            variance_reduction: if applicable && c > 0 {
                                ratio(se * se + se_ref * se_ref, diff_se * diff_se)
                            } else {
                                None
                            },
                        }
                    }
                    Kind::Median => self.median_row(c, name, outcome),
                };
                outcomes.push(row);
            }
        }
        let differences = names
            .iter()
            .enumerate()
            .skip(1)
            .flat_map(|(c, name)| {
                self.differences[c]
                    .iter()
                    .map(move |(&difference, &trials)| DifferenceCount {
                        configuration: name.clone(),
                        difference,
                        trials,
                        share: trials as f64 / nf,
                    })
            })
            .collect();
        Comparison {
            trials: n,
            names: names.to_vec(),
            runs,
            outcomes,
            differences,
        }
    }

    /// Median of configuration c's outcome, its order-statistic interval,
    /// and the batch-median difference from the reference.
    fn median_row(&self, c: usize, name: &str, outcome: Outcome) -> ComparedOutcome {
        let i = slot(&MEDIANS, outcome);
        let censored_at = outcome.censored().then_some(f64::from(self.horizon));
        // Beyond the horizon is not a value: it is reported as unknown.
        let known = |v: f64| match censored_at {
            Some(h) if v >= h => None,
            _ => finite(v),
        };
        let whole = |cfg: usize| {
            let mut h = IntHistogram::new();
            for b in &self.batches[cfg][i] {
                h.merge(b);
            }
            h
        };
        let (mine, reference) = (whole(c), whole(0));
        let median = mine.quantile(0.5).and_then(known);
        let ref_median = reference.quantile(0.5).and_then(known);
        let ci = mine
            .median_ci95()
            .map_or([None, None], |[lo, hi]| [known(lo), known(hi)]);
        let batch_medians = |cfg: usize| -> Option<Vec<f64>> {
            self.batches[cfg][i]
                .iter()
                .map(|h| h.quantile(0.5).and_then(known))
                .collect()
        };
        let spread = |values: &[f64]| {
            let m = values.iter().sum::<f64>() / values.len() as f64;
            let var =
                values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0);
            (var / values.len() as f64).sqrt()
        };
        let (mut diff_ci95, mut variance_reduction) = ([None, None], None);
        let diff = median.zip(ref_median).map(|(a, b)| a - b);
        if let (Some(d), Some(mb), Some(rb)) = (diff, batch_medians(c), batch_medians(0)) {
            let diffs: Vec<f64> = mb.iter().zip(&rb).map(|(a, b)| a - b).collect();
            let se = spread(&diffs);
            diff_ci95 = [finite(d - T31_975 * se), finite(d + T31_975 * se)];
            if c > 0 {
                let (se_m, se_r) = (spread(&mb), spread(&rb));
                variance_reduction = ratio(se_m * se_m + se_r * se_r, se * se);
            }
        }
        ComparedOutcome {
            configuration: name.to_string(),
            outcome,
            label: Cow::Borrowed(label(outcome)),
            unit: Cow::Borrowed(outcome.unit().name()),
            estimate: median,
            ci95: ci,
            diff,
            diff_ci95,
            variance_reduction,
        }
    }
}

impl CompareAccumulator {
    /// Checks statistics read from a shard's file against the
    /// configurations they claim to come from and the number of trials
    /// they claim to hold. The error is `field: problem`.
    pub fn check_against(&self, scenarios: &[&Scenario], trials: u64) -> Result<(), String> {
        let k = scenarios.len();
        let Some(first) = scenarios.first() else {
            return Err("configurations: none".to_string());
        };
        if self.horizon != first.simulation().horizon_days
            || self.deadline_day != first.target().deadline_day
        {
            return Err("horizon, deadline_day: not the job's".to_string());
        }
        if self.trials != trials {
            return Err(format!(
                "trials: {}, but the shard holds {trials}",
                self.trials
            ));
        }
        for (name, len) in [
            ("runs", self.runs.len()),
            ("sums", self.sums.len()),
            ("batches", self.batches.len()),
            ("differences", self.differences.len()),
        ] {
            if len != k {
                return Err(format!(
                    "{name}: {len} configurations, but the comparison has {k}"
                ));
            }
        }
        for (c, (run, s)) in self.runs.iter().zip(scenarios).enumerate() {
            run.check_against(s, trials)
                .map_err(|e| format!("runs[{c}].{e}"))?;
        }
        for (c, sums) in self.sums.iter().enumerate() {
            for (i, outcome) in SUMMED.iter().enumerate() {
                let bad_probability = outcome.kind() == Kind::Probability
                    && (sums.sum[i] < 0 || sums.sum[i] > i128::from(trials));
                if bad_probability || sums.sum_sq[i] < sums.sum[i].unsigned_abs() {
                    return Err(format!(
                        "sums[{c}]: the sums of {} do not come from {trials} trials",
                        outcome.id()
                    ));
                }
            }
        }
        for (c, per_outcome) in self.batches.iter().enumerate() {
            if per_outcome.len() != MEDIANS.len() {
                return Err(format!("batches[{c}]: not one list per median outcome"));
            }
            for (i, batches) in per_outcome.iter().enumerate() {
                if batches.len() != BATCHES {
                    return Err(format!("batches[{c}][{i}]: not {BATCHES} batches"));
                }
                let mut total = 0u64;
                for (b, h) in batches.iter().enumerate() {
                    let n = h.count_checked().ok_or(format!(
                        "batches[{c}][{i}][{b}]: counts beyond any number of trials"
                    ))?;
                    h.check(n)
                        .map_err(|e| format!("batches[{c}][{i}][{b}].{e}"))?;
                    total = total.saturating_add(n);
                }
                if total != trials {
                    return Err(format!(
                        "batches[{c}][{i}]: {total} trials, not the {trials} of the shard"
                    ));
                }
            }
        }
        for (c, d) in self.differences.iter().enumerate() {
            let total = d
                .values()
                .try_fold(0u64, |a, &n| a.checked_add(n))
                .ok_or(format!(
                    "differences[{c}]: counts beyond any number of trials"
                ))?;
            if total != trials {
                return Err(format!(
                    "differences[{c}]: {total} trials, not the {trials} of the shard"
                ));
            }
        }
        Ok(())
    }
}
