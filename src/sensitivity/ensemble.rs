//! Two layers of uncertainty: chance within a parameter set, and the
//! scenario's assumptions across parameter sets.
//!
//! A run at the central values states how precisely swapsim knows the
//! answer *if* every assumed value is right; its interval shrinks with
//! more trials whatever the assumptions are worth. An ensemble draws
//! parameter sets from the scenario's `[uncertainties]`, runs the same
//! trials (common random numbers) at each, and reports what a reader needs
//! besides: the answer over all draws (the predictive estimate, assumptions
//! and chance together), how far it moves across the plausible values
//! (percentiles of the per-set estimate), and how much of the outcome's
//! variance the assumptions explain (law of total variance).
//!
//! Everything here is a pure function of per-set numbers, so the
//! estimators are tested on inputs whose answer is known.

use super::{percentile_interval, quantile_type7};
use crate::outcomes::Outcome;
use crate::stats::interval::Z95;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Bootstrap replicates behind the interval of a variance share.
pub const SHARE_BOOTSTRAP_REPLICATES: usize = 1000;

/// One outcome at one parameter set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetValue {
    /// The estimate over all the set's trials (a probability or a mean, in
    /// the outcome's unit).
    pub estimate: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// The estimates over the first half of the trials and over the rest:
    /// independent given the parameters, since the halves use disjoint
    /// random streams.
    pub halves: [f64; 2],
    /// Variance of the per-trial value within the set (the unit squared):
    /// `p (1 - p)` for a probability, the sample variance for a mean.
    pub within_variance: f64,
}

/// An estimate with its Monte Carlo standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimated {
    pub estimate: f64,
    pub se: f64,
    pub ci95: [f64; 2],
}

/// A percentile of the per-set estimates with a distribution-free 95%
/// interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentile {
    /// Hyndman–Fan type 7 percentile of the per-set estimates.
    pub estimate: f64,
    /// Order-statistic interval: the order statistics whose ranks bound
    /// the binomial count of sets below the percentile (normal
    /// approximation, 95%). It measures the error from drawing a finite
    /// number of sets.
    pub ci95: [f64; 2],
}

/// The spread of an outcome across parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Across {
    pub p5: Percentile,
    pub p50: Percentile,
    pub p95: Percentile,
    /// Root mean square Monte Carlo standard error of a set's estimate:
    /// the chance noise each per-set estimate carries, which widens the
    /// p5–p95 range a little beyond the assumptions' own.
    pub set_se: f64,
}

/// The law of total variance of the per-trial outcome, over parameter
/// sets drawn from the scenario's laws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VarianceShare {
    /// Variance explained by the assumptions, `Var(E[Y | theta])`,
    /// estimated by the covariance across sets of the two half-set
    /// estimates (cut at 0): the halves share the parameters but not the
    /// trials, so their noise, correlated across sets by the common random
    /// numbers but independent between halves, leaves the covariance
    /// unbiased where the plain variance of the set estimates would count
    /// the noise as assumptions.
    pub assumptions: f64,
    /// Variance from chance, `E[Var(Y | theta)]`: the mean within-set
    /// variance of the per-trial value.
    pub chance: f64,
    /// `assumptions / (assumptions + chance)`; `None` when the outcome does
    /// not vary at all.
    pub share: Option<f64>,
    /// 95% percentile bootstrap interval of the share, resampling
    /// parameter sets.
    pub share_ci95: Option<[f64; 2]>,
}

/// The two layers of one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Layers {
    /// Over all draws, assumptions and chance together: the mean of the
    /// per-set estimates (every set runs the same trials, so this is the
    /// estimate over all trials of all sets). Its standard error treats the
    /// sets as independent draws, `sd(set estimates) / sqrt(sets)`, which a
    /// Sobol design only improves on.
    pub predictive: Estimated,
    pub across: Across,
    pub variance: VarianceShare,
}

/// An outcome at the central values (the scenario as written).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Central {
    /// `None` where the outcome does not apply (a target outcome without a
    /// pool).
    pub estimate: Option<f64>,
    /// Monte Carlo standard error; the 95% interval is in the run's own
    /// section of `summary.json`.
    pub se: Option<f64>,
}

/// The two layers of one outcome, as `summary.json` holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLayers {
    pub outcome: Outcome,
    /// `probability`, `people`, `suspensions`: every number of the entry
    /// is in it (variances in its square).
    pub unit: Cow<'static, str>,
    pub central: Central,
    #[serde(flatten)]
    pub layers: Layers,
}

/// The estimators of the `assumptions` block, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerMethods {
    pub design: Cow<'static, str>,
    pub predictive: Cow<'static, str>,
    pub percentiles: Cow<'static, str>,
    pub percentile_interval: Cow<'static, str>,
    pub variance_share: Cow<'static, str>,
    pub share_interval: Cow<'static, str>,
    /// How the `medians` rows are estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medians: Option<Cow<'static, str>>,
}

pub const LAYER_METHODS: LayerMethods = LayerMethods {
    design: Cow::Borrowed(
        "first points of an Owen-scrambled Sobol sequence (Burley's hash scrambling), \
             scrambled from the seed, through each uncertainty's quantile function; every set \
             runs the same trials (common random numbers)",
    ),
    predictive: Cow::Borrowed(
        "mean of the per-set estimates (all trials of all sets); standard error \
                 sd(set estimates) / sqrt(sets)",
    ),
    percentiles: Cow::Borrowed("Hyndman-Fan type 7 percentiles of the per-set estimates"),
    percentile_interval: Cow::Borrowed(
        "distribution-free order-statistic interval (normal approximation to \
                          the binomial ranks), 95%",
    ),
    variance_share: Cow::Borrowed(
        "law of total variance: Var(E[Y|theta]) from the covariance across sets of \
                     the estimates of the two halves of each set's trials (removes the trials' \
                     noise), E[Var(Y|theta)] from the mean within-set variance",
    ),
    share_interval: Cow::Borrowed("percentile bootstrap over parameter sets, 1000 replicates, 95%"),
    medians: Some(Cow::Borrowed(
        "predictive: Hyndman-Fan type 7 median of all trials of all sets, standard error from \
         the medians of 8 groups of sets (set k in group k mod 8), Student t 95% interval; \
         across: type 7 percentiles of the per-set medians with order-statistic intervals; \
         a set's standard error is the width of its distribution-free median interval / 3.92; \
         a day at or beyond the horizon is null (not within it)",
    )),
};

impl OutcomeLayers {
    /// The same numbers to the precision they have (`format::data`), as
    /// every table swapsim writes holds them.
    pub fn rounded(mut self) -> Self {
        let d = crate::format::data;
        let opt = |v: Option<f64>| v.map(d);
        let pair = |[a, b]: [f64; 2]| [d(a), d(b)];
        self.central.estimate = opt(self.central.estimate);
        self.central.se = opt(self.central.se);
        let l = &mut self.layers;
        l.predictive.estimate = d(l.predictive.estimate);
        l.predictive.se = d(l.predictive.se);
        l.predictive.ci95 = pair(l.predictive.ci95);
        for p in [&mut l.across.p5, &mut l.across.p50, &mut l.across.p95] {
            p.estimate = d(p.estimate);
            p.ci95 = pair(p.ci95);
        }
        l.across.set_se = d(l.across.set_se);
        l.variance.assumptions = d(l.variance.assumptions);
        l.variance.chance = d(l.variance.chance);
        l.variance.share = opt(l.variance.share);
        l.variance.share_ci95 = l.variance.share_ci95.map(pair);
        self
    }
}

/// What the fan chart of an ensemble (`fan_chart.png`/`.svg`) shows,
/// written as on the command line (`--fan predictive|median-across`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Fan {
    /// Percentiles of people returned over all draws: every trial of every
    /// parameter set (assumptions and chance together).
    #[default]
    Predictive,
    /// The 5th to 95th percentile across parameter sets of each set's
    /// median.
    MedianAcross,
}

impl Fan {
    /// What the fan's bands rest on, in words: "64 parameter sets × 20,000
    /// trials = 1,280,000 draws" for the predictive fan (percentiles of
    /// every draw), "64 parameter sets (the median of 20,000 trials each)"
    /// for the band of the medians (percentiles of one number per set).
    pub fn basis(self, parameter_sets: usize, trials_per_set: u64) -> String {
        use crate::format::{counted, grouped};
        let sets = counted(parameter_sets as u64, "parameter set");
        let trials = counted(trials_per_set, "trial");
        match self {
            Fan::Predictive => format!(
                "{sets} × {trials} = {} draws",
                // In 128 bits, so that no count can overflow.
                grouped(
                    (parameter_sets as u128 * u128::from(trials_per_set)) as f64,
                    0
                )
            ),
            Fan::MedianAcross => format!("{sets} (the median of {trials} each)"),
        }
    }
}

/// The `assumptions` block of `summary.json`: the outcomes over the
/// scenario's `[uncertainties]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssumptionsSummary {
    pub parameter_sets: usize,
    pub trials_per_set: u64,
    /// What the fan chart draws (`--fan`), written by every ensemble, with
    /// or without charts. Absent (`None`) only in folders written before
    /// it was recorded, whose chart may be either fan, or, before an
    /// ensemble pooled its sets' trials (no `methods.medians`), the trials
    /// at the central values alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_chart: Option<Fan>,
    /// Trials of the parameter sets (all of them together) in which a
    /// round reached the size cap of `model::MAX_ROUND_PEOPLE` people, so
    /// that their people returned are lower bounds; absent when none did.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trials_at_round_cap: u64,
    /// The uncertain parameters' paths, in the order of `ensemble.csv`.
    pub uncertainties: Vec<String>,
    pub outcomes: Vec<OutcomeLayers>,
    /// The median outcomes of the catalogue, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medians: Vec<MedianLayers>,
    pub methods: LayerMethods,
}

/// For `skip_serializing_if`: a count of 0 is left out, so the outputs of
/// ensembles whose rounds never reach the cap keep their bytes.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Groups of parameter sets (set `k` in group `k mod MEDIAN_BATCHES`)
/// whose pooled medians give the Monte Carlo error of the predictive
/// median.
pub const MEDIAN_BATCHES: usize = 8;

/// 97.5% points of Student's t with 1 to `MEDIAN_BATCHES - 1` degrees of
/// freedom.
const T_975: [f64; MEDIAN_BATCHES - 1] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
];

/// A median outcome at one parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SetMedian {
    /// Hyndman–Fan type 7 median of the set's trials, in the outcome's
    /// unit; for a censored outcome the horizon stands for "not within
    /// it".
    pub median: f64,
    /// Its Monte Carlo standard error, from the width of the
    /// distribution-free 95% interval of the median (`width / (2 x 1.96)`).
    pub se: f64,
}

/// A median that may be unknown (at or beyond the horizon of a censored
/// outcome), with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaybeEstimated {
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub ci95: [Option<f64>; 2],
}

/// A percentile of the per-set medians, unknown where it reaches the
/// horizon of a censored outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaybePercentile {
    /// Hyndman–Fan type 7 percentile of the per-set medians.
    pub estimate: Option<f64>,
    /// Order-statistic interval, as for [`Percentile`].
    pub ci95: [Option<f64>; 2],
}

/// The spread of the per-set median across parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianAcross {
    pub p5: MaybePercentile,
    pub p50: MaybePercentile,
    pub p95: MaybePercentile,
    /// Root mean square Monte Carlo standard error of a set's median.
    pub set_se: Option<f64>,
}

/// The two layers of a median outcome, as `summary.json`'s `assumptions`
/// block holds them in `medians`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedianLayers {
    pub outcome: Outcome,
    /// `people` or `days`: every number of the entry is in it.
    pub unit: Cow<'static, str>,
    /// The median at the central values, with its distribution-free 95%
    /// interval (as the run's own section states it); `se` is null.
    pub central: MaybeEstimated,
    /// The median over all trials of all sets (the pooled histogram), with
    /// a standard error from the spread of the medians of
    /// [`MEDIAN_BATCHES`] groups of sets and a Student t interval.
    pub predictive: MaybeEstimated,
    /// Percentiles of the per-set median.
    pub across: MedianAcross,
}

/// The central median of a histogram: its type 7 median and
/// distribution-free 95% interval, unknown at or beyond `censored_at`.
pub fn central_median(
    hist: &crate::stats::histogram::IntHistogram,
    censored_at: Option<f64>,
) -> MaybeEstimated {
    let known = known_below(censored_at);
    let ci = hist
        .median_ci95()
        .map_or([None, None], |[lo, hi]| [known(lo), known(hi)]);
    MaybeEstimated {
        estimate: hist.quantile(0.5).and_then(known),
        se: None,
        ci95: ci,
    }
}

fn known_below(censored_at: Option<f64>) -> impl Fn(f64) -> Option<f64> {
    move |v: f64| match censored_at {
        Some(h) if v >= h => None,
        _ => v.is_finite().then_some(v),
    }
}

/// The two layers of a median outcome: the predictive median from the
/// histogram of all sets' trials (`pooled`) with its batch error from the
/// histograms of the groups of sets (`groups`, empty groups ignored), and
/// the percentiles of the per-set medians. Values at or beyond
/// `censored_at` are reported as unknown.
pub fn median_layers(
    pooled: &crate::stats::histogram::IntHistogram,
    groups: &[crate::stats::histogram::IntHistogram],
    sets: &[SetMedian],
    censored_at: Option<f64>,
) -> (MaybeEstimated, MedianAcross) {
    let known = known_below(censored_at);
    let median = pooled.quantile(0.5);
    // Groups of sets, not trials: the trials of different sets share
    // their random numbers, so only the sets are independent draws.
    let batch: Vec<f64> = groups.iter().filter_map(|g| g.quantile(0.5)).collect();
    let se = (batch.len() >= 2).then(|| {
        let b = batch.len() as f64;
        let m = mean(&batch);
        (batch.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (b - 1.0) / b).sqrt()
    });
    let (se, ci95) = match (median, se) {
        (Some(m), Some(se)) if known(m).is_some() => {
            let t = T_975[(batch.len() - 2).min(T_975.len() - 1)];
            // A median lies within the values observed.
            let highest = pooled
                .order_statistic(pooled.count().saturating_sub(1))
                .unwrap_or(f64::INFINITY);
            (
                Some(se),
                [
                    known((m - t * se).max(0.0)),
                    known((m + t * se).min(highest)),
                ],
            )
        }
        _ => (None, [None, None]),
    };
    let predictive = MaybeEstimated {
        estimate: median.and_then(&known),
        se,
        ci95,
    };
    let mut values: Vec<f64> = sets.iter().map(|s| s.median).collect();
    values.sort_by(f64::total_cmp);
    let at = |p: f64| {
        if values.is_empty() {
            return MaybePercentile {
                estimate: None,
                ci95: [None, None],
            };
        }
        let q = percentile(&values, p);
        MaybePercentile {
            estimate: known(q.estimate),
            ci95: [known(q.ci95[0]), known(q.ci95[1])],
        }
    };
    let ses: Vec<f64> = sets
        .iter()
        .map(|s| s.se)
        .filter(|v| v.is_finite())
        .collect();
    let set_se = (!ses.is_empty())
        .then(|| (ses.iter().map(|v| v * v).sum::<f64>() / ses.len() as f64).sqrt());
    (
        predictive,
        MedianAcross {
            p5: at(0.05),
            p50: at(0.5),
            p95: at(0.95),
            set_se,
        },
    )
}

impl MedianLayers {
    /// The same numbers to the precision they have (`format::data`).
    pub fn rounded(mut self) -> Self {
        let d = |v: Option<f64>| v.map(crate::format::data);
        for e in [&mut self.central, &mut self.predictive] {
            e.estimate = d(e.estimate);
            e.se = d(e.se);
            e.ci95 = e.ci95.map(d);
        }
        let a = &mut self.across;
        for p in [&mut a.p5, &mut a.p50, &mut a.p95] {
            p.estimate = d(p.estimate);
            p.ci95 = p.ci95.map(d);
        }
        a.set_se = d(a.set_se);
        self
    }
}

/// Sample covariance (divisor `n - 1`) of two equal-length series.
fn covariance(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    if n < 2 {
        return f64::NAN;
    }
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (n - 1) as f64
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// The distribution-free 95% interval of the `p`-percentile of `sorted`
/// values: the number of values below the true percentile is binomial
/// `(n, p)`, so the order statistics at ranks `n p -/+ 1.96 sqrt(n p (1 -
/// p))` (rounded outwards, cut to the sample) bound it.
fn order_statistic_interval(sorted: &[f64], p: f64) -> [f64; 2] {
    let n = sorted.len();
    if n == 0 {
        return [f64::NAN; 2];
    }
    let centre = n as f64 * p;
    let half = Z95 * (n as f64 * p * (1.0 - p)).sqrt();
    let lo = (centre - half).floor().max(1.0) as usize;
    let hi = ((centre + half).ceil() as usize + 1).min(n);
    [sorted[lo.min(n) - 1], sorted[hi - 1]]
}

/// The `p`-percentile of `sorted` values with its order-statistic
/// interval.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Percentile {
    Percentile {
        estimate: quantile_type7(sorted, p),
        ci95: order_statistic_interval(sorted, p),
    }
}

/// The explained variance and the share, without an interval.
fn share_of(sets: &[&SetValue]) -> (f64, f64, Option<f64>) {
    let first: Vec<f64> = sets.iter().map(|s| s.halves[0]).collect();
    let second: Vec<f64> = sets.iter().map(|s| s.halves[1]).collect();
    let assumptions = covariance(&first, &second).max(0.0);
    let chance = sets.iter().map(|s| s.within_variance).sum::<f64>() / sets.len() as f64;
    let total = assumptions + chance;
    let share = (total > 0.0).then(|| assumptions / total);
    (assumptions, chance, share)
}

/// The two layers of one outcome from its values at every parameter set;
/// `probability` keeps the predictive interval inside [0, 1]. The share's
/// bootstrap draws from `rng`.
///
/// # Panics
/// If `sets` is empty.
pub fn layers<R: Rng>(sets: &[SetValue], probability: bool, rng: &mut R) -> Layers {
    assert!(!sets.is_empty(), "an ensemble has at least one set");
    let k = sets.len();
    let mut estimates: Vec<f64> = sets.iter().map(|s| s.estimate).collect();
    let m = mean(&estimates);
    let sd = if k > 1 {
        covariance(&estimates, &estimates).max(0.0).sqrt()
    } else {
        f64::NAN
    };
    let se = sd / (k as f64).sqrt();
    let (lo, hi) = (m - Z95 * se, m + Z95 * se);
    let ci95 = if probability {
        [lo.max(0.0), hi.min(1.0)]
    } else {
        [lo, hi]
    };
    estimates.sort_by(f64::total_cmp);
    let set_se = (sets.iter().map(|s| s.se * s.se).sum::<f64>() / k as f64).sqrt();
    let all: Vec<&SetValue> = sets.iter().collect();
    let (assumptions, chance, share) = share_of(&all);
    let share_ci95 = share.filter(|_| k > 2).map(|_| {
        let replicates: Vec<f64> = (0..SHARE_BOOTSTRAP_REPLICATES)
            .map(|_| {
                let resample: Vec<&SetValue> =
                    (0..k).map(|_| &sets[rng.random_range(0..k)]).collect();
                share_of(&resample).2.unwrap_or(f64::NAN)
            })
            .collect();
        percentile_interval(replicates)
    });
    Layers {
        predictive: Estimated {
            estimate: m,
            se,
            ci95,
        },
        across: Across {
            p5: percentile(&estimates, 0.05),
            p50: percentile(&estimates, 0.5),
            p95: percentile(&estimates, 0.95),
            set_se,
        },
        variance: VarianceShare {
            assumptions,
            chance,
            share,
            share_ci95,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn rng() -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(7)
    }

    #[test]
    fn a_fans_basis_names_both_factors_and_what_the_bands_are_percentiles_of() {
        assert_eq!(
            Fan::Predictive.basis(64, 20_000),
            "64 parameter sets × 20,000 trials = 1,280,000 draws"
        );
        assert_eq!(
            Fan::MedianAcross.basis(64, 20_000),
            "64 parameter sets (the median of 20,000 trials each)"
        );
        assert_eq!(
            Fan::Predictive.basis(1, 2),
            "1 parameter set × 2 trials = 2 draws"
        );
    }

    #[test]
    fn a_fan_is_recorded_under_its_name_on_the_command_line() {
        use clap::ValueEnum;
        for fan in Fan::value_variants() {
            let name = fan.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(serde_json::to_value(fan).unwrap(), name.as_str());
            let back: Fan = serde_json::from_value(name.into()).unwrap();
            assert_eq!(back, *fan);
        }
    }

    #[test]
    fn an_outcome_the_assumptions_do_not_move_has_a_share_of_zero() {
        // On common random numbers every set sees the same trials, so an
        // outcome no uncertainty touches has the same halves everywhere.
        let sets: Vec<SetValue> = (0..64)
            .map(|_| SetValue {
                estimate: 0.25,
                se: 0.003,
                halves: [0.248, 0.252],
                within_variance: 0.1875,
            })
            .collect();
        let l = layers(&sets, true, &mut rng());
        assert_eq!(l.variance.assumptions, 0.0);
        assert_eq!(l.variance.share, Some(0.0));
        assert_eq!(l.across.p5.estimate, 0.25);
        assert_eq!(l.across.p95.estimate, 0.25);
        assert_eq!(l.predictive.estimate, 0.25);
    }

    #[test]
    fn an_outcome_without_chance_is_all_assumptions() {
        // Deterministic trials: each set's value is a function of its
        // parameters alone, so both halves equal the set's value.
        let sets: Vec<SetValue> = (0..50)
            .map(|k| {
                let v = k as f64;
                SetValue {
                    estimate: v,
                    se: 0.0,
                    halves: [v, v],
                    within_variance: 0.0,
                }
            })
            .collect();
        let l = layers(&sets, false, &mut rng());
        assert_eq!(l.variance.share, Some(1.0));
        assert_eq!(l.variance.share_ci95, Some([1.0, 1.0]));
        // Variance of 0..49 with divisor n - 1.
        assert!((l.variance.assumptions - 212.5).abs() < 1e-9);
        assert!((l.across.p50.estimate - 24.5).abs() < 1e-12);
        // numpy.quantile(range(50), 0.05) = 2.45.
        assert!((l.across.p5.estimate - 2.45).abs() < 1e-12);
    }

    #[test]
    fn the_split_half_covariance_removes_the_noise_of_the_trials() {
        // Sets whose true value is theta (uniform on [0, 1], variance 1/12)
        // observed with independent noise of sd 0.5 in each half: the plain
        // variance of the set estimates would be 1/12 + 0.25/2; the
        // covariance of the halves is 1/12 on average. With 4,000 sets its
        // standard error is about sqrt((v_t + 0.25)^2 / n) ~ 0.0053, so
        // 0.02 is almost 4 standard errors.
        let mut r = rng();
        let sets: Vec<SetValue> = (0..4000)
            .map(|_| {
                let theta: f64 = r.random();
                let noise = |r: &mut Xoshiro256PlusPlus| {
                    // Sum of 12 uniforms less 6: mean 0, variance 1.
                    0.5 * ((0..12).map(|_| r.random::<f64>()).sum::<f64>() - 6.0)
                };
                let halves = [theta + noise(&mut r), theta + noise(&mut r)];
                SetValue {
                    estimate: 0.5 * (halves[0] + halves[1]),
                    se: 0.5 / 2f64.sqrt(),
                    halves,
                    within_variance: 0.25,
                }
            })
            .collect();
        let l = layers(&sets, false, &mut r);
        assert!(
            (l.variance.assumptions - 1.0 / 12.0).abs() < 0.02,
            "{:?}",
            l.variance
        );
        let share = l.variance.share.unwrap();
        let want = (1.0 / 12.0) / (1.0 / 12.0 + 0.25);
        let [lo, hi] = l.variance.share_ci95.unwrap();
        assert!(lo <= share && share <= hi);
        assert!((share - want).abs() < 0.05, "{share} vs {want}");
    }

    #[test]
    fn order_statistic_intervals_hold_the_percentile() {
        let sorted: Vec<f64> = (0..1000).map(f64::from).collect();
        for p in [0.05, 0.5, 0.95] {
            let q = percentile(&sorted, p);
            assert!(q.ci95[0] < q.estimate && q.estimate < q.ci95[1], "{q:?}");
            // About 1.96 sqrt(n p (1 - p)) ranks either side.
            let half = Z95 * (1000.0 * p * (1.0 - p)).sqrt();
            assert!((q.ci95[1] - q.ci95[0] - 2.0 * half).abs() < 4.0, "{q:?}");
        }
        let one = percentile(&[3.0], 0.05);
        assert_eq!(one.ci95, [3.0, 3.0]);
    }
}
