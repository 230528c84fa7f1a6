//! Confidence intervals, in one place so every output uses the same ones.

/// The 97.5% point of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval (Wilson, 1927) at 95% for `successes` out of
/// `n`. Unlike the Wald interval it stays inside [0, 1] and keeps its
/// coverage near 0 and 1, where rare outcomes such as collapse live.
pub fn wilson95(successes: u64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let [lo, hi] = wilson95_share(successes as f64 / n as f64, n as f64);
    // At p = 0 or 1 the bound is exactly 0 or 1; rounding must not move it.
    [
        if successes == 0 { 0.0 } else { lo },
        if successes == n { 1.0 } else { hi },
    ]
}

/// The Wilson score interval at 95% of a share `p` of `n` units that may
/// count some units in part (a tie split between configurations).
pub fn wilson95_share(p: f64, n: f64) -> [f64; 2] {
    if n <= 0.0 {
        return [0.0, 1.0];
    }
    let n_f = n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    let lo = if p <= 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if p >= 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    [lo, hi]
}

/// Mean and its standard error from exact sums of whole-number values:
/// `se = s / sqrt(n)` with `s` the sample standard deviation.
pub fn mean_se(n: u64, sum: u128, sum_sq: u128) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let n_f = n as f64;
    let mean = sum as f64 / n_f;
    if n < 2 {
        return (mean, f64::NAN);
    }
    // n * sum_sq - sum^2 is computed exactly in integers (it is n^2 times
    // the population variance), avoiding cancellation in floating point.
    let n_u = u128::from(n);
    let spread = n_u
        .checked_mul(sum_sq)
        .and_then(|a| sum.checked_mul(sum).map(|b| a - b));
    let var = match spread {
        Some(d) => d as f64 / (n_f * (n_f - 1.0)),
        None => (sum_sq as f64 - sum as f64 * mean) / (n_f - 1.0),
    };
    (mean, (var.max(0.0) / n_f).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_published_value() {
        // Newcombe (1998), Table I: 81/263 gives 0.2553 to 0.3662.
        let [lo, hi] = wilson95(81, 263);
        assert!(
            (lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5,
            "{lo} {hi}"
        );
    }

    #[test]
    fn wilson_is_exact_at_the_edges() {
        assert_eq!(wilson95(0, 100)[0], 0.0);
        assert_eq!(wilson95(100, 100)[1], 1.0);
        assert!(wilson95(0, 100)[1] > 0.0);
    }

    #[test]
    fn mean_and_standard_error_of_known_values() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7).
        let v = [2u128, 4, 4, 4, 5, 5, 7, 9];
        let (m, se) = mean_se(8, v.iter().sum(), v.iter().map(|x| x * x).sum());
        assert_eq!(m, 5.0);
        assert!((se - (32.0f64 / 7.0).sqrt() / 8f64.sqrt()).abs() < 1e-12);
    }
}
