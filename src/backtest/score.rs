//! Scores of a forecast given as a sample of whole numbers.
//!
//! A back-test asks how close a forecast distribution came to what then
//! happened. The continuous ranked probability score (CRPS; Matheson and
//! Winkler, 1976; Gneiting and Raftery, 2007) measures it in the unit of the
//! forecast quantity (people, rounds): for a point forecast it is the
//! absolute error, and a wide forecast is penalised for its spread. For a
//! forecast given by a sample `X_1 .. X_n`, swapsim scores the sample's own
//! (empirical) distribution:
//!
//! ```text
//! CRPS = (1/n) sum_i |X_i - y|  -  (1/(2 n^2)) sum_i sum_j |X_i - X_j|
//! ```
//!
//! which equals `integral (F_n(x) - 1{x >= y})^2 dx` exactly (this is the
//! "NRG" form with `1/n^2`, not the "fair" form with `1/(n(n-1))`). The
//! values are whole numbers, so both sums are computed in integers from
//! the sample's histogram, and only the final division is rounded.

/// The values of a sample as `(value, count)` pairs in increasing order.
pub fn histogram(values: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for v in sorted {
        match out.last_mut() {
            Some((last, c)) if *last == v => *c += 1,
            _ => out.push((v, 1)),
        }
    }
    out
}

/// CRPS of the empirical distribution of `hist` (from [`histogram`]) at
/// the observation `y`; NaN for an empty sample.
pub fn crps(hist: &[(u64, u64)], y: u64) -> f64 {
    let n: u128 = hist.iter().map(|&(_, c)| u128::from(c)).sum();
    if n == 0 {
        return f64::NAN;
    }
    let n_i = n as i128;
    // sum_i |X_i - y|
    let mut a: i128 = 0;
    // sum_i sum_j |X_i - X_j| = 2 sum_k (2k - n - 1) x_(k) over the sorted
    // sample (k = 1..n); the ranks a+1 .. a+c of a value held c times sum
    // to c (2a + c - n) in that formula.
    let mut b: i128 = 0;
    let mut below: i128 = 0;
    for &(v, c) in hist {
        let (v, c) = (i128::from(v), i128::from(c));
        a += c * (v - i128::from(y)).abs();
        b += 2 * v * c * (2 * below + c - n_i);
        below += c;
    }
    // CRPS = a/n - b/(2 n^2) = (2 n a - b) / (2 n^2)
    let numerator = 2 * n_i * a - b;
    numerator as f64 / (2.0 * (n as f64) * (n as f64))
}

/// The mid-distribution PIT of `y`: `P(X < y) + P(X = y)/2` under the
/// sample. For a calibrated forecast of a count it is spread evenly over
/// (0, 1) across many forecasts; values near 0 or 1 mean the outcome fell
/// in a tail.
pub fn mid_pit(hist: &[(u64, u64)], y: u64) -> f64 {
    let n: u64 = hist.iter().map(|&(_, c)| c).sum();
    if n == 0 {
        return f64::NAN;
    }
    let below: u64 = hist.iter().filter(|&&(v, _)| v < y).map(|&(_, c)| c).sum();
    let at: u64 = hist.iter().filter(|&&(v, _)| v == y).map(|&(_, c)| c).sum();
    (below as f64 + 0.5 * at as f64) / n as f64
}

/// The skill of a forecast against a reference: `1 - CRPS / CRPS_ref`.
/// 0 is no better than the reference, 1 is perfect, negative is worse.
pub fn skill(crps: f64, reference: f64) -> f64 {
    if reference > 0.0 {
        1.0 - crps / reference
    } else if crps == 0.0 {
        0.0
    } else {
        f64::NEG_INFINITY
    }
}

/// Bootstrap replicates behind [`block_bootstrap_skill`].
pub const BOOTSTRAP_REPLICATES: usize = 4000;

/// 95% percentile interval of the skill `1 - mean(crps) / mean(reference)`
/// over a series of origins in date order, by the moving-block bootstrap
/// (Künsch 1989): each replicate joins blocks of `block` consecutive
/// origins, started at uniformly drawn positions, until it has as many
/// origins as the series, and the same origins are taken for both
/// forecasts (the scores are paired). Origins closer together than the
/// horizon share forecast days and so are not independent; blocks that
/// span the overlap keep that dependence in every replicate. `None` for
/// fewer than two origins. The 2.5% and 97.5% points are Hyndman–Fan type
/// 7 quantiles of the replicates; the generator is seeded from `seed`, so
/// the interval is reproducible.
pub fn block_bootstrap_skill(
    crps: &[f64],
    reference: &[f64],
    block: usize,
    seed: u64,
) -> Option<[f64; 2]> {
    let n = crps.len().min(reference.len());
    if n < 2 {
        return None;
    }
    let block = block.clamp(1, n);
    let starts = n - block + 1;
    let mut rng = crate::engine::stream(seed, 0, crate::engine::fnv1a("block bootstrap"));
    let mut skills: Vec<f64> = (0..BOOTSTRAP_REPLICATES)
        .map(|_| {
            let (mut a, mut b, mut taken) = (0.0, 0.0, 0);
            while taken < n {
                let s = rand::RngExt::random_range(&mut rng, 0..starts);
                for i in s..(s + block).min(s + n - taken) {
                    a += crps[i];
                    b += reference[i];
                }
                taken += block.min(n - taken);
            }
            skill(a, b)
        })
        .collect();
    skills.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (skills.len() - 1) as f64 * p;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        skills[lo] + (h - lo as f64) * (skills[hi] - skills[lo])
    };
    Some([q(0.025), q(0.975)])
}

/// Block length for origins `spacing_days` apart scored up to
/// `horizon_days` ahead: the number of consecutive origins whose forecast
/// windows overlap, `ceil(horizon / spacing)` (6 for month-end origins and
/// 180 days, 2 for quarters).
pub fn overlap_block_length(horizon_days: u32, spacing_days: u32) -> usize {
    horizon_days.div_ceil(spacing_days.max(1)).max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_ratio_of_scores_bootstraps_to_that_skill_exactly() {
        // Every resample has the same ratio of sums, so the interval is the
        // point 1 - 0.8 = 0.2, whatever the blocks.
        let reference = [3.0, 10.0, 1.0, 7.0, 4.0, 9.0, 2.0, 5.0];
        let crps: Vec<f64> = reference.iter().map(|r| 0.8 * r).collect();
        for block in [1, 3, 8] {
            let ci = block_bootstrap_skill(&crps, &reference, block, 7).unwrap();
            assert!(
                (ci[0] - 0.2).abs() < 1e-12 && (ci[1] - 0.2).abs() < 1e-12,
                "{ci:?}"
            );
        }
    }

    #[test]
    fn one_block_as_long_as_the_series_resamples_only_the_series() {
        let crps = [1.0, 5.0, 2.0, 8.0];
        let reference = [2.0, 4.0, 4.0, 6.0];
        let ci = block_bootstrap_skill(&crps, &reference, 4, 1).unwrap();
        let point = skill(16.0, 16.0);
        assert_eq!(ci, [point, point]);
    }

    #[test]
    fn with_independent_origins_the_interval_has_the_textbook_width() {
        // Reference CRPS 1 everywhere and swapsim's CRPS i.i.d. with mean 1
        // and standard deviation 0.5 (alternating 0.5 and 1.5): skill is
        // 1 - mean, whose 95% interval under independence is about
        // +/- 1.96 * 0.5 / sqrt(n). With n = 200 that is +/- 0.069; the
        // bootstrap's percentile interval must agree within 15%
        // (its own Monte Carlo error over 4,000 replicates is a few %).
        let n = 200;
        let crps: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 0.5 } else { 1.5 }).collect();
        let reference = vec![1.0; n];
        let ci = block_bootstrap_skill(&crps, &reference, 1, 3).unwrap();
        let half = (ci[1] - ci[0]) / 2.0;
        let expected = 1.959_964 * 0.5 / (n as f64).sqrt();
        assert!(
            (half / expected - 1.0).abs() < 0.15,
            "{half} against {expected}"
        );
        assert!(ci[0] < 0.0 && ci[1] > 0.0);
    }

    #[test]
    fn blocks_cover_the_overlap_of_forecast_windows() {
        assert_eq!(overlap_block_length(180, 30), 6);
        assert_eq!(overlap_block_length(180, 91), 2);
        assert_eq!(overlap_block_length(90, 30), 3);
    }

    /// The definition, term by term, in floating point.
    fn brute_force(values: &[u64], y: u64) -> f64 {
        let n = values.len() as f64;
        let a: f64 = values
            .iter()
            .map(|&x| (x as f64 - y as f64).abs())
            .sum::<f64>()
            / n;
        let b: f64 = values
            .iter()
            .flat_map(|&x| values.iter().map(move |&z| (x as f64 - z as f64).abs()))
            .sum::<f64>()
            / (2.0 * n * n);
        a - b
    }

    #[test]
    fn integer_sums_agree_with_the_definition() {
        let values = [3u64, 0, 7, 7, 12, 1, 3, 3, 40, 5];
        for y in [0, 3, 4, 9, 100] {
            let got = crps(&histogram(&values), y);
            assert!((got - brute_force(&values, y)).abs() < 1e-12, "y = {y}");
        }
    }

    #[test]
    fn the_integral_form_gives_the_same_value() {
        // integral (F_n(x) - 1{x >= y})^2 dx over whole-number steps.
        let values = [2u64, 5, 5, 9];
        let y = 6;
        let n = values.len() as f64;
        let integral: f64 = (0..20u64)
            .map(|x| {
                let f = values.iter().filter(|&&v| v <= x).count() as f64 / n;
                let h = if x >= y { 1.0 } else { 0.0 };
                (f - h).powi(2)
            })
            .sum();
        assert!((crps(&histogram(&values), y) - integral).abs() < 1e-12);
    }

    #[test]
    fn mid_pit_splits_the_mass_at_the_outcome() {
        let h = histogram(&[1, 2, 2, 3]);
        assert_eq!(mid_pit(&h, 2), 0.5);
        assert_eq!(mid_pit(&h, 0), 0.0);
        assert_eq!(mid_pit(&h, 9), 1.0);
    }
}
