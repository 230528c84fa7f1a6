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

#[cfg(test)]
mod tests {
    use super::*;

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
