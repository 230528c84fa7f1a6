//! Sensitivity analysis: which uncertain assumptions drive the answer.
//!
//! A scenario's answer rests on values nobody can measure well (how strongly
//! fighting suspends exchanges, how often a channel is open). Before
//! defending the answer a researcher needs to know which of those values
//! move it, by how much, and which do not matter. This module holds the
//! statistical core of three standard answers to that question, as pure
//! functions on numbers so that each can be tested on functions with known
//! indices, without the simulator:
//!
//! - [`tornado`]: one-at-a-time swings of each uncertainty between a low and
//!   a high value, sorted by the size of the swing (as @RISK and Crystal
//!   Ball draw them).
//! - [`sobol`]: variance-based first-order and total-order indices from a
//!   Saltelli design, with the Saltelli (2010) and Jansen (1999) estimators
//!   and bootstrap percentile intervals (as SALib computes them).
//! - [`morris`]: elementary effects (mu*, sigma) from Morris trajectories, a
//!   cheap screen for many parameters.
//!
//! [`design`] builds the sampling designs in the unit hypercube; the
//! scenario's laws ([`crate::scenario::uncertainty`]) map them to parameter
//! values. [`evaluate`] is the one part that runs the simulator: it sets each
//! design point's values on the scenario, validates it, and runs a fixed
//! number of trials with the scenario's seed, so every design point sees the
//! same random numbers (common random numbers) and differences between
//! points come from the parameters alone.

pub mod analysis;
pub mod design;
pub mod ensemble;
pub mod evaluate;
pub mod morris;
pub mod outcomes;
pub mod prim;
pub mod robust;
pub mod sobol;
pub mod tables;
pub mod tornado;

use serde::Serialize;

/// Bootstrap replicates behind every interval of the Sobol indices and of
/// Morris mu*.
pub const BOOTSTRAP_REPLICATES: usize = 1000;

/// An estimate with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub estimate: f64,
    /// 95% interval; how it is made is stated where it is computed.
    pub ci95: [f64; 2],
}

/// The `p`-quantile of sorted, finite `values` by linear interpolation
/// between order statistics (Hyndman–Fan type 7, the default of R and
/// numpy); NaN for no values.
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The 2.5th and 97.5th type 7 percentiles of bootstrap replicates, leaving
/// out replicates that are not numbers (a resample with no variance); NaN
/// when none is left.
pub fn percentile_interval(mut replicates: Vec<f64>) -> [f64; 2] {
    replicates.retain(|v| v.is_finite());
    replicates.sort_by(f64::total_cmp);
    [
        quantile_type7(&replicates, 0.025),
        quantile_type7(&replicates, 0.975),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_type7(&v, 0.0), 1.0);
        assert_eq!(quantile_type7(&v, 1.0), 4.0);
        // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75.
        assert!((quantile_type7(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!(quantile_type7(&[], 0.5).is_nan());
    }

    #[test]
    fn percentile_intervals_ignore_replicates_that_are_not_numbers() {
        let mut r: Vec<f64> = (0..=1000).map(f64::from).collect();
        r.push(f64::NAN);
        let [lo, hi] = percentile_interval(r);
        assert!((lo - 25.0).abs() < 1e-9 && (hi - 975.0).abs() < 1e-9);
        assert!(
            percentile_interval(vec![f64::NAN])
                .iter()
                .all(|v| v.is_nan())
        );
    }
}
