//! Paired comparison of configurations run on common random numbers.
//!
//! Trial n of every configuration faces the same war and the same draws
//! wherever the configurations' rules agree, so the per-trial difference of
//! an outcome between a configuration and the reference varies far less than
//! two independent estimates would. This module keeps, for each
//! configuration, the full single-run statistics (for charts) and, for each
//! key outcome, exact sums of the per-trial values and of the paired
//! differences. Medians, which are not averages of per-trial values, are
//! compared by batch medians: trials fall into [`BATCHES`] batches by trial
//! number, the median difference is computed in each, and the spread of
//! those batch differences gives its standard error.

use super::histogram::IntHistogram;
use super::interval::{Z95, mean_se, wilson95};
use super::{Accumulator, OUTCOME_BINS, Results};
use crate::engine::{PairedSink, TrialSink};
use crate::model::{TrialOutcome, TrialTrace};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Batches for the standard error of median differences.
pub const BATCHES: usize = 32;
/// 97.5% point of Student's t with `BATCHES - 1` = 31 degrees of freedom.
const T31_975: f64 = 2.039_513_446;

/// The outcomes compared across configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOutcome {
    TargetByDeadline,
    NoRoundByDeadline,
    MeanReturnedByDeadline,
    MedianReturnedByDeadline,
    MeanReturnedByHorizon,
    MedianReturnedByHorizon,
    MedianFirstSuspensionDay,
    MeanSuspensions,
    MeanDaysSuspended,
    Collapse,
}

/// How a key outcome is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Share of trials with a 0/1 outcome.
    Probability,
    /// Mean of a whole-number outcome.
    Mean,
    /// Median of a whole-number outcome (batch method for differences).
    Median,
}

impl KeyOutcome {
    pub const ALL: [KeyOutcome; 10] = [
        KeyOutcome::TargetByDeadline,
        KeyOutcome::NoRoundByDeadline,
        KeyOutcome::MeanReturnedByDeadline,
        KeyOutcome::MedianReturnedByDeadline,
        KeyOutcome::MeanReturnedByHorizon,
        KeyOutcome::MedianReturnedByHorizon,
        KeyOutcome::MedianFirstSuspensionDay,
        KeyOutcome::MeanSuspensions,
        KeyOutcome::MeanDaysSuspended,
        KeyOutcome::Collapse,
    ];

    /// Name used in files.
    pub fn name(self) -> &'static str {
        match self {
            KeyOutcome::TargetByDeadline => "p_target_by_deadline",
            KeyOutcome::NoRoundByDeadline => "p_no_round_by_deadline",
            KeyOutcome::MeanReturnedByDeadline => "mean_returned_by_deadline",
            KeyOutcome::MedianReturnedByDeadline => "median_returned_by_deadline",
            KeyOutcome::MeanReturnedByHorizon => "mean_returned_by_horizon",
            KeyOutcome::MedianReturnedByHorizon => "median_returned_by_horizon",
            KeyOutcome::MedianFirstSuspensionDay => "median_first_suspension_day",
            KeyOutcome::MeanSuspensions => "mean_suspensions",
            KeyOutcome::MeanDaysSuspended => "mean_days_suspended",
            KeyOutcome::Collapse => "p_collapse",
        }
    }

    /// A label for charts and tables.
    pub fn label(self) -> &'static str {
        match self {
            KeyOutcome::TargetByDeadline => "P(whole pool returned by the deadline)",
            KeyOutcome::NoRoundByDeadline => "P(no round by the deadline)",
            KeyOutcome::MeanReturnedByDeadline => "mean people returned by the deadline",
            KeyOutcome::MedianReturnedByDeadline => "median people returned by the deadline",
            KeyOutcome::MeanReturnedByHorizon => "mean people returned by the horizon",
            KeyOutcome::MedianReturnedByHorizon => "median people returned by the horizon",
            KeyOutcome::MedianFirstSuspensionDay => "median day of the first suspension",
            KeyOutcome::MeanSuspensions => "mean number of suspensions",
            KeyOutcome::MeanDaysSuspended => "mean days suspended",
            KeyOutcome::Collapse => "P(collapse within the horizon)",
        }
    }

    /// Unit of the estimate.
    pub fn unit(self) -> &'static str {
        match self.kind() {
            Kind::Probability => "probability",
            _ => match self {
                KeyOutcome::MedianFirstSuspensionDay | KeyOutcome::MeanDaysSuspended => "days",
                KeyOutcome::MeanSuspensions => "suspensions",
                _ => "people",
            },
        }
    }

    fn kind(self) -> Kind {
        match self {
            KeyOutcome::TargetByDeadline | KeyOutcome::NoRoundByDeadline | KeyOutcome::Collapse => {
                Kind::Probability
            }
            KeyOutcome::MedianReturnedByDeadline
            | KeyOutcome::MedianReturnedByHorizon
            | KeyOutcome::MedianFirstSuspensionDay => Kind::Median,
            _ => Kind::Mean,
        }
    }
}

/// Per-trial values of the outcomes compared by means or probabilities,
/// in the order of [`MEAN_OUTCOMES`].
const MEAN_OUTCOMES: [KeyOutcome; 7] = [
    KeyOutcome::TargetByDeadline,
    KeyOutcome::NoRoundByDeadline,
    KeyOutcome::MeanReturnedByDeadline,
    KeyOutcome::MeanReturnedByHorizon,
    KeyOutcome::MeanSuspensions,
    KeyOutcome::MeanDaysSuspended,
    KeyOutcome::Collapse,
];

/// Outcomes compared by medians, in the order of [`MEDIAN_OUTCOMES`].
const MEDIAN_OUTCOMES: [KeyOutcome; 3] = [
    KeyOutcome::MedianReturnedByDeadline,
    KeyOutcome::MedianReturnedByHorizon,
    KeyOutcome::MedianFirstSuspensionDay,
];

fn mean_values(o: &TrialOutcome, deadline_day: u32) -> [i64; 7] {
    [
        i64::from(o.target_day.is_some_and(|d| d <= deadline_day)),
        i64::from(o.rounds_by_deadline == 0),
        o.returned_by_deadline as i64,
        o.returned_by_horizon as i64,
        i64::from(o.suspensions),
        i64::from(o.days_suspended),
        i64::from(o.collapse_day.is_some()),
    ]
}

/// A first suspension beyond the horizon counts as the horizon, which is
/// above every observed day, so medians below it are unaffected.
fn median_values(o: &TrialOutcome, horizon: u32) -> [u64; 3] {
    [
        o.returned_by_deadline,
        o.returned_by_horizon,
        u64::from(o.first_suspension_day.unwrap_or(horizon)),
    ]
}

/// Exact sums of one configuration's per-trial values and of its paired
/// differences from the reference.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Sums {
    sum: [i128; 7],
    sum_sq: [u128; 7],
    diff_sum: [i128; 7],
    diff_sq: [u128; 7],
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
            batches: vec![
                vec![
                    vec![IntHistogram::new(OUTCOME_BINS); BATCHES];
                    MEDIAN_OUTCOMES.len()
                ];
                k
            ],
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
        let reference = mean_values(&outcomes[0], self.deadline_day);
        for (c, (o, trace)) in outcomes.iter().zip(traces).enumerate() {
            self.runs[c].record(trial, o, trace);
            let values = mean_values(o, self.deadline_day);
            let sums = &mut self.sums[c];
            for (i, &v) in values.iter().enumerate() {
                let d = v - reference[i];
                sums.sum[i] += i128::from(v);
                sums.sum_sq[i] += (i128::from(v) * i128::from(v)) as u128;
                sums.diff_sum[i] += i128::from(d);
                sums.diff_sq[i] += (i128::from(d) * i128::from(d)) as u128;
            }
            for (i, v) in median_values(o, self.horizon).into_iter().enumerate() {
                self.batches[c][i][batch].add(v);
            }
            *self.differences[c]
                .entry(values[2] - reference[2])
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
            for i in 0..7 {
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparedOutcome {
    pub configuration: String,
    pub outcome: KeyOutcome,
    pub label: &'static str,
    pub unit: &'static str,
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
            for outcome in KeyOutcome::ALL {
                let row = match outcome.kind() {
                    Kind::Probability | Kind::Mean => {
                        let i = MEAN_OUTCOMES
                            .iter()
                            .position(|o| *o == outcome)
                            .unwrap_or(0);
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
                        let ci = if outcome.kind() == Kind::Probability {
                            wilson95(s.sum[i] as u64, n).map(Some)
                        } else {
                            [finite((mean - Z95 * se).max(0.0)), finite(mean + Z95 * se)]
                        };
                        let applicable = outcome != KeyOutcome::TargetByDeadline || has_pool;
                        ComparedOutcome {
                            configuration: name.clone(),
                            outcome,
                            label: outcome.label(),
                            unit: outcome.unit(),
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
    fn median_row(&self, c: usize, name: &str, outcome: KeyOutcome) -> ComparedOutcome {
        let i = MEDIAN_OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(0);
        let censored_at =
            (outcome == KeyOutcome::MedianFirstSuspensionDay).then_some(f64::from(self.horizon));
        // Beyond the horizon is not a value: it is reported as unknown.
        let known = |v: f64| match censored_at {
            Some(h) if v >= h => None,
            _ => finite(v),
        };
        let whole = |cfg: usize| {
            let mut h = IntHistogram::new(OUTCOME_BINS);
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
            label: outcome.label(),
            unit: outcome.unit(),
            estimate: median,
            ci95: ci,
            diff,
            diff_ci95,
            variance_reduction,
        }
    }
}
