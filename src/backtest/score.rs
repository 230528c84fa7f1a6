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

/// The randomised PIT of a count `y` (Czado, Gneiting and Held, 2009):
/// `P(X < y) + v P(X = y)` under the sample, with `v` a uniform draw on
/// [0, 1). For a count the plain PIT `P(X <= y)` piles up where the
/// forecast has mass at `y` even when the forecast is right; drawing
/// within that jump makes the PIT exactly uniform on (0, 1) whenever `y`
/// comes from the forecast distribution, so its histogram can be read like
/// that of a continuous quantity. NaN for an empty sample.
pub fn randomised_pit(hist: &[(u64, u64)], y: u64, v: f64) -> f64 {
    let n: u64 = hist.iter().map(|&(_, c)| c).sum();
    if n == 0 {
        return f64::NAN;
    }
    let below: u64 = hist.iter().filter(|&&(x, _)| x < y).map(|&(_, c)| c).sum();
    let at: u64 = hist.iter().filter(|&&(x, _)| x == y).map(|&(_, c)| c).sum();
    (below as f64 + v * at as f64) / n as f64
}

/// The uniform draw behind the randomised PIT of one quantity at one
/// horizon from one origin: its own stream, keyed by the seed, the origin
/// (days from the common era) and the score's name, so that it does not
/// depend on which other scores or origins were computed. All forecasts
/// scored against the same outcome share the draw, which keeps their
/// PITs comparable origin by origin.
pub fn pit_draw(seed: u64, origin_day: i64, quantity: &str, horizon_days: u32) -> f64 {
    let key = crate::engine::fnv1a(&format!("randomised PIT {quantity} {horizon_days}"));
    let mut rng = crate::engine::stream(seed, origin_day as u64, key);
    rand::RngExt::random(&mut rng)
}

/// Bins of a PIT histogram: tenths of (0, 1).
pub const PIT_BINS: usize = 10;

/// Counts of PIT values in [`PIT_BINS`] equal bins of [0, 1]: bin `i`
/// holds `[i/10, (i+1)/10)`, the last also 1 itself. NaN values are left
/// out.
pub fn pit_histogram(pits: &[f64]) -> [u64; PIT_BINS] {
    let mut out = [0; PIT_BINS];
    for &p in pits.iter().filter(|p| !p.is_nan()) {
        let bin = (p.clamp(0.0, 1.0) * PIT_BINS as f64).floor() as usize;
        out[bin.min(PIT_BINS - 1)] += 1;
    }
    out
}

/// The share of outcomes that fell inside a forecast band, with its 95%
/// Wilson score interval ([`crate::stats::interval::wilson95`]). Origins
/// that overlap are not independent, so the interval is narrower than it
/// should be when origins are closer together than the horizon; it states
/// the sampling error of independent origins, a lower bound.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Coverage {
    /// Origins scored.
    pub origins: u64,
    /// Origins whose outcome lay inside the band (ends included).
    pub inside: u64,
    /// `inside / origins` (no unit; NaN for no origins).
    pub share: f64,
    /// 95% Wilson score interval of the share.
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Coverage {
    /// Coverage of `outcomes` by their bands `(low, high)`, ends included.
    pub fn of(cases: impl IntoIterator<Item = (f64, f64, u64)>) -> Coverage {
        let (mut origins, mut inside) = (0u64, 0u64);
        for (lo, hi, y) in cases {
            origins += 1;
            inside += u64::from(lo <= y as f64 && y as f64 <= hi);
        }
        let [ci95_low, ci95_high] = crate::stats::interval::wilson95(inside, origins);
        Coverage {
            origins,
            inside,
            share: inside as f64 / origins as f64,
            ci95_low,
            ci95_high,
        }
    }
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

/// The forecasts a back-test scores, by the names its tables use:
/// swapsim, the naive forecast and the recency-weighted naive forecast.
pub const FORECASTS: [&str; 3] = ["swapsim", "naive", "recent"];

/// The score of forecast `name` (one of [`FORECASTS`]).
pub fn forecast_of<'a>(s: &'a super::HorizonScore, name: &str) -> &'a super::ForecastScore {
    match name {
        "naive" => &s.naive,
        "recent" => &s.recent,
        _ => &s.swapsim,
    }
}

/// The scored rows of one quantity at one horizon over several origins,
/// in origin order.
fn scored<'a>(
    tests: &'a [super::Backtest],
    quantity: &'a str,
    horizon_days: u32,
) -> impl Iterator<Item = &'a super::HorizonScore> + 'a {
    tests.iter().flat_map(|t| &t.scores).filter(move |s| {
        s.quantity == quantity && s.horizon_days == horizon_days && s.observed.is_some()
    })
}

/// One row of a coverage table: how often one forecast's central band held
/// the outcome of one quantity at one horizon.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoverageRow {
    pub quantity: &'static str,
    pub horizon_days: u32,
    /// `swapsim`, `naive` or `recent`.
    pub forecast: &'static str,
    /// Nominal coverage of the band, in percent: 50 (25th to 75th
    /// percentile) or 90 (5th to 95th).
    pub band_percent: u32,
    pub origins: u64,
    pub inside: u64,
    /// Share of origins inside (no unit).
    pub share: f64,
    /// 95% Wilson score interval of the share (independent origins).
    pub ci95_low: f64,
    pub ci95_high: f64,
}

/// The coverage of the central 50% and 90% bands of every forecast, for
/// each quantity and horizon, over the origins where the outcome is known.
pub fn coverage_rows(tests: &[super::Backtest]) -> Vec<CoverageRow> {
    let mut out = Vec::new();
    for quantity in ["people", "rounds"] {
        for h in super::HORIZONS {
            if scored(tests, quantity, h).next().is_none() {
                continue;
            }
            for forecast in FORECASTS {
                for band_percent in [50, 90] {
                    let c = Coverage::of(scored(tests, quantity, h).filter_map(|s| {
                        let f = forecast_of(s, forecast);
                        let (lo, hi) = if band_percent == 50 {
                            (f.p25, f.p75)
                        } else {
                            (f.p5, f.p95)
                        };
                        s.observed.map(|y| (lo, hi, y))
                    }));
                    out.push(CoverageRow {
                        quantity,
                        horizon_days: h,
                        forecast,
                        band_percent,
                        origins: c.origins,
                        inside: c.inside,
                        share: c.share,
                        ci95_low: c.ci95_low,
                        ci95_high: c.ci95_high,
                    });
                }
            }
        }
    }
    out
}

/// One bin of a PIT histogram.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PitRow {
    pub quantity: &'static str,
    pub horizon_days: u32,
    /// `swapsim`, `naive` or `recent`.
    pub forecast: &'static str,
    /// The bin `[bin_from, bin_to)` of randomised PIT values (no unit).
    pub bin_from: f64,
    pub bin_to: f64,
    /// Origins whose randomised PIT fell in the bin.
    pub count: u64,
    /// Origins in the histogram (each bin expects `origins / 10` under a
    /// calibrated forecast).
    pub origins: u64,
}

/// Histograms of the randomised PIT ([`randomised_pit`]) in
/// [`PIT_BINS`] bins, for each quantity, horizon and forecast.
pub fn pit_rows(tests: &[super::Backtest]) -> Vec<PitRow> {
    let mut out = Vec::new();
    for quantity in ["people", "rounds"] {
        for h in super::HORIZONS {
            for forecast in FORECASTS {
                let pits: Vec<f64> = scored(tests, quantity, h)
                    .filter_map(|s| forecast_of(s, forecast).randomised_pit)
                    .collect();
                if pits.is_empty() {
                    continue;
                }
                let counts = pit_histogram(&pits);
                for (i, &count) in counts.iter().enumerate() {
                    out.push(PitRow {
                        quantity,
                        horizon_days: h,
                        forecast,
                        bin_from: i as f64 / PIT_BINS as f64,
                        bin_to: (i + 1) as f64 / PIT_BINS as f64,
                        count,
                        origins: pits.len() as u64,
                    });
                }
            }
        }
    }
    out
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

    #[test]
    fn a_point_mass_scores_its_absolute_error() {
        // All mass at c: CRPS = |c - y| exactly (no spread to subtract).
        let h = histogram(&[7; 50]);
        for y in [0u64, 6, 7, 8, 30] {
            assert_eq!(crps(&h, y), (7.0 - y as f64).abs(), "y = {y}");
        }
    }

    #[test]
    fn a_two_point_forecast_matches_its_closed_form() {
        // Half the mass at a, half at b: E|X - y| - E|X - X'|/2 =
        // (|a - y| + |b - y|)/2 - |a - b|/4, exactly for an even sample.
        let (a, b) = (3u64, 11u64);
        let values: Vec<u64> = (0..40).map(|i| if i % 2 == 0 { a } else { b }).collect();
        let h = histogram(&values);
        for y in [0u64, 3, 5, 11, 20] {
            let closed = ((a as f64 - y as f64).abs() + (b as f64 - y as f64).abs()) / 2.0
                - (b - a) as f64 / 4.0;
            assert!((crps(&h, y) - closed).abs() < 1e-12, "y = {y}");
        }
    }

    /// Modified Bessel function of the first kind `I_nu(x)` by its power
    /// series, which converges fast for the small arguments used here.
    fn bessel_i(nu: u32, x: f64) -> f64 {
        let mut term = (x / 2.0).powi(nu as i32) / (1..=nu).map(f64::from).product::<f64>();
        let mut sum = term;
        for m in 1..200 {
            term *= (x / 2.0).powi(2) / (f64::from(m) * f64::from(m + nu));
            sum += term;
        }
        sum
    }

    /// CRPS of a Poisson(lambda) forecast at y in closed form (Wei and
    /// Held, 2014): `(y - l)(2F(y) - 1) + 2 l f(y) - l e^(-2l) (I0(2l) +
    /// I1(2l))`.
    fn poisson_crps(lambda: f64, y: u64) -> f64 {
        let pmf = |k: u64| {
            (-lambda + k as f64 * lambda.ln() - (1..=k).map(|i| (i as f64).ln()).sum::<f64>()).exp()
        };
        let cdf: f64 = (0..=y).map(pmf).sum();
        (y as f64 - lambda) * (2.0 * cdf - 1.0) + 2.0 * lambda * pmf(y)
            - lambda
                * (-2.0 * lambda).exp()
                * (bessel_i(0, 2.0 * lambda) + bessel_i(1, 2.0 * lambda))
    }

    #[test]
    fn a_poisson_sample_scores_the_poisson_closed_form() {
        use rand_distr::{Distribution, Poisson};
        let lambda = 4.0;
        let n = 100_000usize;
        let mut rng = crate::engine::stream(11, 0, crate::engine::fnv1a("poisson crps test"));
        let law = Poisson::new(lambda).expect("a valid mean");
        let values: Vec<u64> = (0..n).map(|_| law.sample(&mut rng) as u64).collect();
        let h = histogram(&values);
        for y in [0u64, 2, 4, 9] {
            let got = crps(&h, y);
            let closed = poisson_crps(lambda, y);
            // The sample CRPS is a V-statistic; its Monte Carlo error is
            // that of the mean of its first-order terms
            // g(x) = |x - y| - E|x - X'| (computed here from the sample),
            // whose standard error is sd(g) / sqrt(n). Allow four of them;
            // the V-statistic's bias, E|X - X'| / (2n), is below 1e-5.
            let mean_abs = |x: u64| {
                h.iter()
                    .map(|&(v, c)| c as f64 * (v as f64 - x as f64).abs())
                    .sum::<f64>()
                    / n as f64
            };
            let g: Vec<(f64, u64)> = h
                .iter()
                .map(|&(v, c)| ((v as f64 - y as f64).abs() - mean_abs(v), c))
                .collect();
            let mean = g.iter().map(|&(x, c)| x * c as f64).sum::<f64>() / n as f64;
            let var = g
                .iter()
                .map(|&(x, c)| (x - mean).powi(2) * c as f64)
                .sum::<f64>()
                / n as f64;
            let se = (var / n as f64).sqrt();
            assert!(
                (got - closed).abs() < 4.0 * se,
                "y = {y}: sample {got}, closed form {closed}, se {se}"
            );
        }
        // The closed form is checked against the integral form too: at
        // y = 0, CRPS = sum over whole k of (F(k) - 1)^2.
        let integral: f64 = {
            let mut cdf = 0.0;
            let mut p = (-lambda).exp();
            let mut total = 0.0;
            for k in 0..200u64 {
                cdf += p;
                total += (cdf - 1.0).powi(2);
                p *= lambda / (k + 1) as f64;
            }
            total
        };
        assert!((poisson_crps(lambda, 0) - integral).abs() < 1e-9);
    }

    #[test]
    fn the_randomised_pit_draws_within_the_jump_at_the_outcome() {
        // P(X < 2) = 1/4 and P(X = 2) = 2/4 under [1, 2, 2, 3].
        let h = histogram(&[1, 2, 2, 3]);
        assert_eq!(randomised_pit(&h, 2, 0.0), 0.25);
        assert_eq!(randomised_pit(&h, 2, 0.25), 0.375);
        assert_eq!(randomised_pit(&h, 2, 0.5), mid_pit(&h, 2));
        // Outside the sample's values there is no jump to draw within.
        assert_eq!(randomised_pit(&h, 0, 0.9), 0.0);
        assert_eq!(randomised_pit(&h, 9, 0.1), 1.0);
        assert!(randomised_pit(&[], 1, 0.5).is_nan());
    }

    #[test]
    fn the_randomised_pit_is_uniform_under_a_correct_forecast() {
        use rand::RngExt;
        // A lumpy count forecast (half its mass on 0, as for rounds in a
        // pause) and 5,000 outcomes drawn from that same forecast.
        let forecast: Vec<u64> = (0..1000u64)
            .map(|i| if i < 500 { 0 } else { 1 + i % 4 })
            .collect();
        let h = histogram(&forecast);
        let mut rng = crate::engine::stream(5, 0, crate::engine::fnv1a("pit uniformity test"));
        let n = 5000u64;
        let (mut randomised, mut mid) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let y = forecast[rng.random_range(0..forecast.len())];
            randomised.push(randomised_pit(&h, y, rng.random()));
            mid.push(mid_pit(&h, y));
        }
        // Each bin's count is Binomial(5000, 0.1) if the PIT is uniform:
        // standard error sqrt(5000 * 0.1 * 0.9) = 21.2. Allow four of them
        // per bin (all ten bins inside has probability above 0.999).
        let expected = n as f64 / PIT_BINS as f64;
        let se = (n as f64 * 0.1 * 0.9).sqrt();
        for (i, &c) in pit_histogram(&randomised).iter().enumerate() {
            assert!(
                (c as f64 - expected).abs() < 4.0 * se,
                "bin {i}: {c} against {expected}"
            );
        }
        // The mid-distribution PIT of the same outcomes is not uniform (it
        // puts the half of the outcomes that are 0 in one bin), which is
        // why the histograms use the randomised one.
        let lumpy = pit_histogram(&mid);
        assert!(
            lumpy
                .iter()
                .any(|&c| (c as f64 - expected).abs() > 10.0 * se)
        );
    }

    #[test]
    fn pit_values_fall_in_tenths_with_one_in_the_last_bin() {
        let counts = pit_histogram(&[0.0, 0.05, 0.1, 0.55, 0.999, 1.0, f64::NAN]);
        assert_eq!(counts, [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn coverage_counts_band_ends_as_inside_with_a_wilson_interval() {
        let c = Coverage::of([(1.0, 3.0, 1), (1.0, 3.0, 3), (1.0, 3.0, 4), (1.0, 3.0, 0)]);
        assert_eq!((c.origins, c.inside, c.share), (4, 2, 0.5));
        assert_eq!(
            [c.ci95_low, c.ci95_high],
            crate::stats::interval::wilson95(2, 4)
        );
    }

    #[test]
    fn a_constant_series_bootstraps_to_a_zero_width_interval() {
        let crps = [2.0; 12];
        let reference = [4.0; 12];
        for block in [1, 4] {
            let ci = block_bootstrap_skill(&crps, &reference, block, 9).unwrap();
            assert_eq!(ci, [0.5, 0.5], "block {block}");
        }
    }

    #[test]
    fn an_iid_series_bootstraps_close_to_the_normal_theory_interval() {
        use rand::RngExt;
        // swapsim's CRPS i.i.d. exponential with mean 1, the reference 1
        // everywhere: skill = 1 - mean, whose normal-theory 95% interval
        // has half-width 1.96 s / sqrt(n) with s the sample standard
        // deviation. Moving blocks of 3 on independent scores must agree
        // within 15%: with n = 600 the block bootstrap's variance estimate
        // has a relative error of about sqrt(2 * 3 / 600) = 10%, 5% on the
        // width, and the percentile points over 4,000 replicates add a
        // few % more.
        let n = 600;
        let mut rng = crate::engine::stream(21, 0, crate::engine::fnv1a("iid bootstrap test"));
        let crps: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
        let reference = vec![1.0; n];
        let mean = crps.iter().sum::<f64>() / n as f64;
        let sd = (crps.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let expected = crate::stats::interval::Z95 * sd / (n as f64).sqrt();
        let ci = block_bootstrap_skill(&crps, &reference, 3, 4).unwrap();
        let half = (ci[1] - ci[0]) / 2.0;
        assert!(
            (half / expected - 1.0).abs() < 0.15,
            "{half} against {expected}"
        );
        let centre = (ci[0] + ci[1]) / 2.0;
        assert!(
            (centre - (1.0 - mean)).abs() < 0.25 * expected,
            "{ci:?} around {}",
            1.0 - mean
        );
    }
}
