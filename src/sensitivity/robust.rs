//! Robust comparison: which configuration is best across the assumptions.
//!
//! Every configuration runs at every parameter set of an ensemble on the
//! same trials (common random numbers), so in each set the configurations
//! are compared on the same simulated wars. For one outcome this module
//! turns the per-set, per-configuration estimates into the share of sets
//! where each configuration is best, its regret (shortfall from the best
//! configuration of the set) and the spread of its difference from the
//! reference. Pure functions of per-set numbers, tested on inputs whose
//! answer is known.

use super::ensemble::percentile;
use crate::outcomes::Better;
use crate::stats::interval::{Z95, wilson95_share};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One configuration's outcome at one parameter set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The estimate over all the set's trials, in the outcome's unit.
    pub estimate: f64,
    /// The estimates over the first half of the trials and over the rest:
    /// independent given the parameters.
    pub halves: [f64; 2],
}

/// One configuration's robustness on one outcome. Every number is in the
/// outcome's unit except `p_best`, a share of parameter sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Robustness {
    pub configuration: String,
    /// Share of parameter sets in which this configuration has the best
    /// estimate; a tie between m configurations gives each 1/m of the set.
    pub p_best: f64,
    /// Wilson score interval (95%) of `p_best`, the sets taken as
    /// independent draws: it measures the error from drawing a finite
    /// number of sets.
    pub p_best_ci95: [f64; 2],
    /// Mean over sets of the split-half regret (see [`ROBUST_METHODS`]),
    /// cut at 0 after averaging.
    pub mean_regret: f64,
    /// Normal 95% interval of the mean regret over sets (mean -/+ 1.96
    /// sd / sqrt(sets)), cut at 0.
    pub mean_regret_ci95: [f64; 2],
    /// Largest split-half regret of any set, cut at 0: an extreme of the
    /// sets drawn, with no interval (it can only grow with more sets).
    pub max_regret: f64,
    /// Hyndman–Fan type 7 percentiles across sets of the paired difference
    /// (this configuration less the reference), each with its
    /// distribution-free order-statistic 95% interval.
    pub diff_p5: f64,
    pub diff_p5_ci95: [f64; 2],
    pub diff_p50: f64,
    pub diff_p50_ci95: [f64; 2],
    pub diff_p95: f64,
    pub diff_p95_ci95: [f64; 2],
}

/// The estimators of the `robustness` block, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustMethods {
    pub p_best: Cow<'static, str>,
    pub regret: Cow<'static, str>,
    pub differences: Cow<'static, str>,
    pub flip: Cow<'static, str>,
}

pub const ROBUST_METHODS: RobustMethods = RobustMethods {
    p_best: Cow::Borrowed(
        "share of parameter sets where the configuration has the best estimate over all the \
         set's trials; ties split evenly",
    ),
    regret: Cow::Borrowed(
        "split-half regret: the best configuration is picked on one half of a set's trials and \
         the shortfall measured on the other half, averaged over both ways round; the picking \
         and the measuring use independent trials, so noise does not inflate the regret as the \
         plug-in max does",
    ),
    differences: Cow::Borrowed(
        "Hyndman-Fan type 7 percentiles across sets of the paired difference from the reference",
    ),
    flip: Cow::Borrowed(
        "Spearman rank correlation of each uncertainty with whether the most often best \
         configuration is best in the set; the largest in absolute value is named",
    ),
};

/// How much better `a` is than `b` (positive when better).
fn gain(better: Better, a: f64, b: f64) -> f64 {
    match better {
        Better::Higher => a - b,
        Better::Lower => b - a,
    }
}

/// The indices of the best values (all of them when tied).
fn best_of(values: &[f64], better: Better) -> Vec<usize> {
    let mut best: Vec<usize> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        match best.first() {
            None => best.push(i),
            Some(&b) => {
                let g = gain(better, v, values[b]);
                if g > 0.0 {
                    best = vec![i];
                } else if g == 0.0 {
                    best.push(i);
                }
            }
        }
    }
    best
}

/// Split-half regret of every configuration in one set: pick the best on
/// half `a`, measure shortfalls on half `b` (a tie in the picking averages
/// over the tied), both ways round.
fn split_regret(set: &[Paired], better: Better) -> Vec<f64> {
    let mut regret = vec![0.0; set.len()];
    for (pick, measure) in [(0, 1), (1, 0)] {
        let picked: Vec<f64> = set.iter().map(|p| p.halves[pick]).collect();
        let best = best_of(&picked, better);
        let best_value =
            best.iter().map(|&i| set[i].halves[measure]).sum::<f64>() / best.len() as f64;
        for (r, p) in regret.iter_mut().zip(set) {
            *r += 0.5 * gain(better, best_value, p.halves[measure]);
        }
    }
    regret
}

/// Robustness of every configuration on one outcome. `sets[k][c]` is
/// configuration `c` at parameter set `k`; configuration 0 is the
/// reference. Also returns, per set, whether each configuration is (one of)
/// the best there, as shares summing to 1.
///
/// # Panics
/// If `sets` is empty or its rows differ in length from `names`.
pub fn robustness(
    sets: &[Vec<Paired>],
    names: &[String],
    better: Better,
) -> (Vec<Robustness>, Vec<Vec<f64>>) {
    assert!(!sets.is_empty(), "a robust comparison has at least one set");
    let m = names.len();
    let k = sets.len() as f64;
    let mut wins = vec![0.0; m];
    let mut regrets: Vec<Vec<f64>> = vec![Vec::with_capacity(sets.len()); m];
    let mut regret_max = vec![0.0f64; m];
    let mut diffs: Vec<Vec<f64>> = vec![Vec::with_capacity(sets.len()); m];
    let mut shares = Vec::with_capacity(sets.len());
    for set in sets {
        assert_eq!(set.len(), m, "one value per configuration");
        let full: Vec<f64> = set.iter().map(|p| p.estimate).collect();
        let best = best_of(&full, better);
        let mut share = vec![0.0; m];
        for &b in &best {
            share[b] = 1.0 / best.len() as f64;
            wins[b] += share[b];
        }
        shares.push(share);
        for (c, r) in split_regret(set, better).into_iter().enumerate() {
            regrets[c].push(r);
            regret_max[c] = regret_max[c].max(r);
            diffs[c].push(set[c].estimate - set[0].estimate);
        }
    }
    let rows = (0..m)
        .map(|c| {
            let d = &mut diffs[c];
            d.sort_by(f64::total_cmp);
            let [p5, p50, p95] = [0.05, 0.5, 0.95].map(|p| percentile(d, p));
            let mean = regrets[c].iter().sum::<f64>() / k;
            let sd = if sets.len() > 1 {
                (regrets[c]
                    .iter()
                    .map(|r| (r - mean) * (r - mean))
                    .sum::<f64>()
                    / (k - 1.0))
                    .sqrt()
            } else {
                f64::NAN
            };
            let half = Z95 * sd / k.sqrt();
            Robustness {
                configuration: names[c].clone(),
                p_best: wins[c] / k,
                p_best_ci95: wilson95_share(wins[c] / k, k),
                mean_regret: mean.max(0.0),
                mean_regret_ci95: [(mean - half).max(0.0), (mean + half).max(0.0)],
                max_regret: regret_max[c],
                diff_p5: p5.estimate,
                diff_p5_ci95: p5.ci95,
                diff_p50: p50.estimate,
                diff_p50_ci95: p50.ci95,
                diff_p95: p95.estimate,
                diff_p95_ci95: p95.ci95,
            }
        })
        .collect();
    (rows, shares)
}

/// Average ranks (1-based, ties sharing their mean rank).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            out[o] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman rank correlation (Pearson correlation of average ranks);
/// `None` when either series is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: usize) -> Vec<String> {
        (0..m).map(|c| format!("c{c}")).collect()
    }

    fn at(v: f64, noise: f64) -> Paired {
        Paired {
            estimate: v,
            halves: [v - noise, v + noise],
        }
    }

    #[test]
    fn a_configuration_that_dominates_in_every_set_has_no_regret() {
        // Configuration 1 is better by 0.1 in every set and in both halves,
        // whatever the noise shared by the halves of a set.
        let sets: Vec<Vec<Paired>> = (0..50)
            .map(|k| {
                let base = 0.2 + 0.01 * k as f64;
                let noise = 0.003 * (k % 7) as f64;
                vec![
                    at(base, noise),
                    at(base + 0.1, noise),
                    at(base - 0.05, noise),
                ]
            })
            .collect();
        let (rows, shares) = robustness(&sets, &names(3), Better::Higher);
        assert_eq!(rows[1].p_best, 1.0);
        assert_eq!(rows[1].mean_regret, 0.0);
        assert_eq!(rows[1].max_regret, 0.0);
        assert!((rows[0].mean_regret - 0.1).abs() < 1e-12);
        assert!((rows[2].max_regret - 0.15).abs() < 1e-12);
        assert!((rows[1].diff_p50 - 0.1).abs() < 1e-12);
        for s in &shares {
            assert_eq!(s.iter().sum::<f64>(), 1.0);
        }
        // Lower is better: the same numbers make configuration 2 dominant.
        let (rows, _) = robustness(&sets, &names(3), Better::Lower);
        assert_eq!(rows[2].p_best, 1.0);
        assert_eq!(rows[2].max_regret, 0.0);
    }

    #[test]
    fn p_best_sums_to_one_with_ties_split_evenly() {
        let sets: Vec<Vec<Paired>> = (0..40)
            .map(|k| {
                let x = (k % 5) as f64 / 10.0;
                // Configurations 0 and 2 tie in every fifth set.
                vec![
                    at(0.2, 0.0),
                    at(x, 0.01),
                    at(if k % 5 == 0 { 0.2 } else { 0.1 }, 0.0),
                ]
            })
            .collect();
        let (rows, _) = robustness(&sets, &names(3), Better::Higher);
        let total: f64 = rows.iter().map(|r| r.p_best).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        // k % 5 == 0: x = 0 < 0.2 = c0 = c2, a tie; k % 5 == 1: x = 0.1 < 0.2,
        // c0; k % 5 == 2: x = 0.2 ties c0; 3 and 4: c1.
        assert!((rows[0].p_best - (0.5 + 1.0 + 0.5) / 5.0).abs() < 1e-12);
        assert!((rows[1].p_best - (0.5 + 2.0) / 5.0).abs() < 1e-12);
        assert!((rows[2].p_best - 0.5 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn identical_configurations_have_zero_regret_and_equal_p_best() {
        // The same configuration twice sees the same trials, so every
        // estimate agrees to the bit.
        let sets: Vec<Vec<Paired>> = (0..30)
            .map(|k| {
                let v = at(0.3 + 0.01 * (k % 11) as f64, 0.02);
                vec![v, v]
            })
            .collect();
        let (rows, _) = robustness(&sets, &names(2), Better::Lower);
        for r in &rows {
            assert_eq!(r.p_best, 0.5);
            assert_eq!(r.mean_regret, 0.0);
            assert_eq!(r.max_regret, 0.0);
            assert_eq!((r.diff_p5, r.diff_p95), (0.0, 0.0));
        }
    }

    #[test]
    fn split_half_regret_does_not_count_noise_as_regret() {
        // Two configurations with the same true value 0.5, each half
        // estimate noisy with sd 0.05 (independent between configurations
        // and halves), so the true regret is 0. The plug-in regret (best
        // full estimate less own) averages E|d| / 2 with d the difference of
        // the full estimates, sd 0.05: 0.05 * 0.798 / 2 ~ 0.020. The
        // split-half regret averages 0; a set's value has sd below 0.071
        // (two half estimates), so over 4,000 sets its mean has standard
        // error below 0.0012 and 0.005 is over 4 standard errors.
        use rand::{RngExt, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let normal = |r: &mut rand_xoshiro::Xoshiro256PlusPlus| {
            0.05 * ((0..12).map(|_| r.random::<f64>()).sum::<f64>() - 6.0)
        };
        let sets: Vec<Vec<Paired>> = (0..4000)
            .map(|_| {
                (0..2)
                    .map(|_| {
                        let h = [0.5 + normal(&mut r), 0.5 + normal(&mut r)];
                        Paired {
                            estimate: 0.5 * (h[0] + h[1]),
                            halves: h,
                        }
                    })
                    .collect()
            })
            .collect();
        let (rows, _) = robustness(&sets, &names(2), Better::Higher);
        let plug_in: f64 = sets
            .iter()
            .map(|s| (s[0].estimate - s[1].estimate).abs() / 2.0)
            .sum::<f64>()
            / 4000.0;
        assert!(plug_in > 0.015, "{plug_in}");
        for row in &rows {
            assert!(row.mean_regret < 0.005, "{row:?}");
        }
    }

    #[test]
    fn spearman_of_known_series() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(spearman(&a, &[10.0, 20.0, 30.0, 40.0, 50.0]), Some(1.0));
        assert_eq!(spearman(&a, &[5.0, 4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&a, &[1.0; 5]), None);
        // Ranks [4, 1.5, 1.5, 4, 4]: 2.5 / sqrt(10 x 7.5) = 1 / (2 sqrt(3)),
        // as scipy.stats.spearmanr gives.
        let s = spearman(&a, &[1.0, 0.0, 0.0, 1.0, 1.0]).unwrap();
        assert!((s - 0.28867513459481287).abs() < 1e-12, "{s}");
    }

    #[test]
    fn every_robust_number_but_the_largest_regret_carries_an_interval_around_it() {
        let sets: Vec<Vec<Paired>> = (0..200)
            .map(|k| {
                let x = (k % 13) as f64 / 13.0;
                vec![at(0.5, 0.01), at(x, 0.02), at(1.0 - x, 0.03)]
            })
            .collect();
        let (rows, _) = robustness(&sets, &names(3), Better::Higher);
        for r in &rows {
            let within = |v: f64, [lo, hi]: [f64; 2]| lo <= v && v <= hi;
            assert!(within(r.p_best, r.p_best_ci95), "{r:?}");
            assert!(within(r.mean_regret, r.mean_regret_ci95), "{r:?}");
            assert!(within(r.diff_p5, r.diff_p5_ci95), "{r:?}");
            assert!(within(r.diff_p50, r.diff_p50_ci95), "{r:?}");
            assert!(within(r.diff_p95, r.diff_p95_ci95), "{r:?}");
        }
        // The p_best interval is the Wilson score interval of the share of
        // 200 sets.
        let c0 = &rows[0];
        let k = (c0.p_best * 200.0).round() as u64;
        if (c0.p_best * 200.0 - k as f64).abs() < 1e-9 {
            assert_eq!(c0.p_best_ci95, crate::stats::interval::wilson95(k, 200));
        }
    }
}
