//! First-order and total-order Sobol indices from a Saltelli design.
//!
//! For an output `Y = f(X_1, ..., X_d)` with independent inputs, the
//! first-order index `S_i = Var(E[Y | X_i]) / Var(Y)` is the share of the
//! output's variance that `X_i` explains alone, and the total-order index
//! `S_Ti = E[Var(Y | X_~i)] / Var(Y)` the share it explains with all its
//! interactions: the variance that would remain if every other input were
//! known. `S_Ti` near 0 means the input can be fixed anywhere in its range
//! without changing the answer; `S_Ti - S_i` is what it does through
//! interactions.
//!
//! From the design of [`super::design::saltelli`], with `f_A`, `f_B` and
//! `f_ABi` the outputs at the rows of `A`, `B` and `AB_i`:
//!
//! - first order, Saltelli et al. (2010), eq. (b) of their Table 2:
//!   `V_i = (1/N) sum_j f_B(j) (f_ABi(j) - f_A(j))`;
//! - total order, Jansen (1999), eq. (f) of the same table:
//!   `V_Ti = (1/(2N)) sum_j (f_A(j) - f_ABi(j))^2`;
//! - both divided by `Var(Y)`, the variance (divisor `2N`) of the `2N`
//!   outputs at `A` and `B`, as SALib does;
//! - every output first centred on the mean of all `N (d + 2)` outputs, as
//!   SALib does: the first-order estimator is not invariant to a shift of
//!   the output, and without centring its variance grows with the square of
//!   the output's mean.
//!
//! Intervals are bootstrap percentile intervals: the `N` rows are resampled
//! with replacement [`super::BOOTSTRAP_REPLICATES`] times, every index is
//! recomputed on each resample (variance included), and the 2.5th and 97.5th
//! percentiles (type 7) of the replicates bound the interval. Resampling
//! treats the rows as independent, which the scrambled Sobol rows are not
//! quite: they are more evenly spread, so the intervals err on the wide
//! side.

use super::{Interval, percentile_interval};
use rand::{Rng, RngExt};
use serde::Serialize;

/// The indices of one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolIndices {
    /// Mean of the output over the `A` and `B` rows.
    pub mean: f64,
    /// Variance of the output over the `A` and `B` rows (divisor `2N`):
    /// the denominator of every index. Zero when the output does not vary,
    /// and then every index is NaN.
    pub variance: f64,
    /// `S_i` for each input, in design order.
    pub first_order: Vec<Interval>,
    /// `S_Ti` for each input, in design order.
    pub total_order: Vec<Interval>,
}

/// Point estimates from the rows `rows` (with repetition, for bootstrap
/// resamples) of outputs `y` laid out as the design stores them.
fn estimate(y: &[f64], d: usize, rows: &[usize]) -> (f64, f64, Vec<f64>, Vec<f64>) {
    let stride = d + 2;
    let n = rows.len() as f64;
    let f_a = |j: usize| y[j * stride];
    let f_b = |j: usize| y[j * stride + d + 1];
    let f_ab = |j: usize, i: usize| y[j * stride + 1 + i];
    let mean = rows.iter().map(|&j| f_a(j) + f_b(j)).sum::<f64>() / (2.0 * n);
    let variance = rows
        .iter()
        .map(|&j| (f_a(j) - mean).powi(2) + (f_b(j) - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n);
    let mut first = Vec::with_capacity(d);
    let mut total = Vec::with_capacity(d);
    for i in 0..d {
        let (mut v1, mut vt) = (0.0, 0.0);
        for &j in rows {
            let diff = f_ab(j, i) - f_a(j);
            v1 += f_b(j) * diff;
            vt += diff * diff;
        }
        if variance > 0.0 {
            first.push(v1 / n / variance);
            total.push(vt / (2.0 * n) / variance);
        } else {
            first.push(f64::NAN);
            total.push(f64::NAN);
        }
    }
    (mean, variance, first, total)
}

/// First- and total-order indices of the `d` inputs of a Saltelli design
/// with `n` base samples, from its outputs `y` (`n (d + 2)` values, in design
/// order), with bootstrap intervals from `replicates` resamples drawn from
/// `rng`.
///
/// # Panics
/// If `y` does not hold `n (d + 2)` values: the caller built the design.
pub fn indices<R: Rng>(
    y: &[f64],
    n: usize,
    d: usize,
    replicates: usize,
    rng: &mut R,
) -> SobolIndices {
    assert_eq!(y.len(), n * (d + 2), "outputs do not match the design");
    // The first-order estimator multiplies f_B by f_ABi - f_A, whose mean
    // is not exactly 0 in a finite design, so an output far from 0 adds
    // its offset times that noise: intervals several times wider than
    // needed. Centring every output on the mean of all of them (as SALib
    // does) removes it; the other estimators are unchanged by a shift.
    let centre = y.iter().sum::<f64>() / y.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - centre).collect();
    let y = centred.as_slice();
    let all: Vec<usize> = (0..n).collect();
    let (mean, variance, first, total) = estimate(y, d, &all);
    let mean = mean + centre;
    let mut first_reps = vec![Vec::with_capacity(replicates); d];
    let mut total_reps = vec![Vec::with_capacity(replicates); d];
    let mut rows = vec![0; n];
    for _ in 0..replicates {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n);
        }
        let (_, _, f, t) = estimate(y, d, &rows);
        for i in 0..d {
            first_reps[i].push(f[i]);
            total_reps[i].push(t[i]);
        }
    }
    let interval = |est: f64, reps: Vec<f64>| Interval {
        estimate: est,
        ci95: if est.is_finite() {
            percentile_interval(reps)
        } else {
            [f64::NAN; 2]
        },
    };
    SobolIndices {
        mean,
        variance,
        first_order: first
            .iter()
            .zip(first_reps)
            .map(|(&e, r)| interval(e, r))
            .collect(),
        total_order: total
            .iter()
            .zip(total_reps)
            .map(|(&e, r)| interval(e, r))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::BOOTSTRAP_REPLICATES;
    use crate::sensitivity::design::saltelli;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use std::f64::consts::PI;

    /// SALib's point estimates on its own design, from
    /// `scripts/salib-sobol-reference.py` (SALib 1.5, Ishigami plus 100 at
    /// 64 base samples in 3 dimensions). Both compute the same formulas on
    /// the same numbers, so they agree to rounding.
    const SALIB_FIRST: [f64; 3] = [
        0.3584593362813651,
        0.37309781307411344,
        -0.012019429383393716,
    ];
    const SALIB_TOTAL: [f64; 3] = [0.6173056378477005, 0.3898625580792081, 0.2218253243903434];

    #[test]
    fn indices_agree_with_salib_on_a_fixed_design_far_from_zero() {
        let text = include_str!("../../tests/fixtures/sobol/salib-ishigami.csv");
        let y: Vec<f64> = text.lines().map(|l| l.parse().unwrap()).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let ix = indices(&y, 64, 3, 200, &mut rng);
        for i in 0..3 {
            let (s1, st) = (ix.first_order[i].estimate, ix.total_order[i].estimate);
            assert!((s1 - SALIB_FIRST[i]).abs() < 1e-9, "S1[{i}] {s1}");
            assert!((st - SALIB_TOTAL[i]).abs() < 1e-9, "ST[{i}] {st}");
        }
        // An offset of the output changes no index (to rounding).
        let shifted: Vec<f64> = y.iter().map(|v| v + 1e4).collect();
        let again = indices(&shifted, 64, 3, 0, &mut rng);
        for i in 0..3 {
            let d = again.first_order[i].estimate - ix.first_order[i].estimate;
            assert!(d.abs() < 1e-6, "S1[{i}] moves by {d} with the offset");
        }
    }

    fn analyse(n: usize, d: usize, f: impl Fn(&[f64]) -> f64) -> SobolIndices {
        let design = saltelli(n, d, 20_251_116).unwrap();
        let y: Vec<f64> = design.points.iter().map(|p| f(p)).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        indices(&y, n, d, BOOTSTRAP_REPLICATES, &mut rng)
    }

    fn assert_within(what: &str, got: &[Interval], want: &[f64], max_width: f64) {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                g.ci95[0] <= *w && *w <= g.ci95[1],
                "{what}[{i}]: {w} is outside the bootstrap interval {:?} (estimate {})",
                g.ci95,
                g.estimate
            );
            // An interval wide enough to hold anything would pass vacuously.
            assert!(
                g.ci95[1] - g.ci95[0] < max_width,
                "{what}[{i}]: interval {:?} is wider than {max_width}",
                g.ci95
            );
        }
    }

    #[test]
    fn ishigami_indices_fall_within_their_bootstrap_intervals() {
        // Ishigami and Homma (1990), a = 7, b = 0.1, X_i ~ U(-pi, pi):
        // analytic indices from Sobol' and Levitan (1999).
        let (a, b) = (7.0, 0.1);
        let r = analyse(4096, 3, |u| {
            let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
            x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
        });
        let variance = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
        // Relative error of the variance: its standard error is about
        // sqrt(Var(Y^2)/2N) / Var(Y), under 5% here; 10% allows two.
        assert!((r.variance / variance - 1.0).abs() < 0.1, "{}", r.variance);
        assert_within("S1", &r.first_order, &[0.3139, 0.4424, 0.0], 0.15);
        assert_within("ST", &r.total_order, &[0.5576, 0.4424, 0.2437], 0.15);
    }

    #[test]
    fn linear_model_indices_are_its_variance_shares() {
        // Y = 1 X1 + 2 X2 + 3 X3 + 0 X4, X_i ~ U(0, 1): no interactions, so
        // S_i = S_Ti = c_i^2 / sum c^2 = 1/14, 4/14, 9/14 and 0.
        let r = analyse(8192, 4, |x| x[0] + 2.0 * x[1] + 3.0 * x[2]);
        let shares = [1.0 / 14.0, 4.0 / 14.0, 9.0 / 14.0, 0.0];
        assert_within("S1", &r.first_order, &shares, 0.15);
        assert_within("ST", &r.total_order, &shares, 0.15);
        // An input the output ignores has a total index of exactly 0, with a
        // zero-width interval: A and AB_4 give identical outputs.
        assert_eq!(r.total_order[3].estimate, 0.0);
        assert_eq!(r.total_order[3].ci95, [0.0, 0.0]);
    }

    #[test]
    fn a_constant_output_has_no_indices_rather_than_made_up_ones() {
        let r = analyse(64, 2, |_| 3.0);
        assert_eq!(r.variance, 0.0);
        assert!(r.first_order.iter().all(|i| i.estimate.is_nan()));
        assert!(r.total_order.iter().all(|i| i.ci95[0].is_nan()));
    }

    #[test]
    fn the_same_outputs_and_seed_give_the_same_intervals() {
        let f = |x: &[f64]| x[0] * x[1] + x[2];
        assert_eq!(analyse(256, 3, f), analyse(256, 3, f));
    }
}
