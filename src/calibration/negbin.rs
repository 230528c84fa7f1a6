//! Round sizes: the model's `1 + NegativeBinomial(mean m, dispersion k)`,
//! fitted by maximum likelihood.
//!
//! The record's round sizes run from a handful of people to a thousand, so
//! their spread matters as much as their mean: it decides how often a
//! single round could bring a pool home. The negative binomial part
//! `N = size - 1` has mean `m` and variance `m + m^2/k`. Its maximum-
//! likelihood estimate of `m` is the sample mean of `N` whatever `k` is,
//! so `k` is found by a one-dimensional search of the profile likelihood
//! (golden section on `ln k`). 95% intervals are profile-likelihood
//! intervals; standard errors come from the observed information.
//!
//! A recency-weighted fit ([`fit_weighted`]) weighs each round's
//! log-likelihood term by `2^(-age / half_life)`, `age` in days from the
//! round's first day to the window's last day, the weights of the timing
//! fit (super::variant): so the sizes drawn are those of recent months as
//! the pace is. The weights are scaled by `sum w / sum w^2`, so they sum to
//! the effective number of rounds and the profile intervals are those of a
//! record of that length (approximate: a weighted likelihood is not a
//! likelihood).

use super::fit::{Estimate, FitError};
use super::hmm::PROFILE_DROP_95;
use super::optimize::{golden_max, profile_end};
use serde::Serialize;
use statrs::function::gamma::ln_gamma;

/// `ln k` is searched in `[ln 1e-3, ln 1e6]`. At `k = 1e6` the law is
/// Poisson to within a millionth, so a sample no more spread than a
/// Poisson one ends there.
const LN_K_RANGE: (f64, f64) = (-6.907_755_278_982_137, 13.815_510_557_964_274);

/// The fit of round sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbFit {
    /// Rounds used.
    pub rounds: usize,
    /// Mean of `size - 1` (people).
    pub mean_extra: Estimate,
    /// Dispersion `k` (smaller is more spread).
    pub dispersion: Estimate,
    pub log_likelihood: f64,
    /// Sample mean and standard deviation of the sizes themselves (people).
    pub sample_mean_size: f64,
    pub sample_sd_size: f64,
    pub interval_method: &'static str,
}

/// Log-likelihood of counts `n` under NB(mean `m`, dispersion `k`).
pub fn log_likelihood(n: &[u64], m: f64, k: f64) -> f64 {
    if !(m > 0.0 && k > 0.0) {
        return f64::NEG_INFINITY;
    }
    let log_p = (k / (k + m)).ln();
    let log_q = (m / (k + m)).ln();
    let lg_k = ln_gamma(k);
    n.iter()
        .map(|&v| {
            let v = v as f64;
            ln_gamma(v + k) - lg_k - ln_gamma(v + 1.0) + k * log_p + v * log_q
        })
        .sum()
}

/// Log-likelihood of counts `n` under NB(mean `m`, dispersion `k`), each
/// term multiplied by its weight in `w` (no unit).
fn weighted_log_likelihood(n: &[u64], w: &[f64], m: f64, k: f64) -> f64 {
    if !(m > 0.0 && k > 0.0) {
        return f64::NEG_INFINITY;
    }
    let log_p = (k / (k + m)).ln();
    let log_q = (m / (k + m)).ln();
    let lg_k = ln_gamma(k);
    n.iter()
        .zip(w)
        .map(|(&v, &w)| {
            let v = v as f64;
            w * (ln_gamma(v + k) - lg_k - ln_gamma(v + 1.0) + k * log_p + v * log_q)
        })
        .sum()
}

/// The probabilities of `N = 0 ..= max` under NB(mean `m`, dispersion `k`),
/// by the recurrence `P(n+1) = P(n) (n + k)/(n + 1) * m/(k + m)`.
pub fn pmf_table(m: f64, k: f64, max: usize) -> Vec<f64> {
    let q = m / (k + m);
    let mut p = (k * (k / (k + m)).ln()).exp();
    let mut out = Vec::with_capacity(max + 1);
    for n in 0..=max {
        out.push(p);
        p *= (n as f64 + k) / (n as f64 + 1.0) * q;
    }
    out
}

/// Fits NB(m, k) to the round sizes `sizes` (people, each at least 1),
/// every round alike.
pub fn fit(sizes: &[u64]) -> Result<NbFit, FitError> {
    fit_weighted(sizes, &vec![1.0; sizes.len()])
}

/// Fits NB(m, k) to the round sizes `sizes` (people, each at least 1), the
/// log-likelihood term of each weighted by `weights` (no unit, one per
/// size, positive; scaled here to sum to the effective number of rounds).
/// All weights 1 give exactly [`fit`].
pub fn fit_weighted(sizes: &[u64], weights: &[f64]) -> Result<NbFit, FitError> {
    assert_eq!(sizes.len(), weights.len(), "one weight per size");
    if sizes.len() < 3 {
        return Err(FitError::TooFewSizes {
            sizes: sizes.len(),
            needed: 3,
        });
    }
    if sizes.contains(&0) {
        return Err(FitError::ZeroSize);
    }
    let n: Vec<u64> = sizes.iter().map(|s| s - 1).collect();
    let raw_sum: f64 = weights.iter().sum();
    let scale = raw_sum / weights.iter().map(|w| w * w).sum::<f64>();
    let w: Vec<f64> = weights.iter().map(|x| x * scale).collect();
    // The effective number of rounds, (sum w)^2 / sum w^2: the count for
    // equal weights.
    let effective: f64 = w.iter().sum();
    let m_hat = n.iter().zip(&w).map(|(&v, &x)| x * v as f64).sum::<f64>() / effective;
    if m_hat <= 0.0 {
        return Err(FitError::AllSizesOne);
    }
    let log_likelihood = |n: &[u64], m: f64, k: f64| weighted_log_likelihood(n, &w, m, k);
    let profile_k = |ln_k: f64| log_likelihood(&n, m_hat, ln_k.exp());
    let (ln_k_hat, ll) = golden_max(profile_k, LN_K_RANGE.0, LN_K_RANGE.1, 1e-9);
    let k_hat = ln_k_hat.exp();

    // Profile of ln m: the best k for each m. Within the interval of m the
    // best k moves little, so it is sought within a factor of 20 of k-hat.
    let near_k = (
        (ln_k_hat - 3.0).max(LN_K_RANGE.0),
        (ln_k_hat + 3.0).min(LN_K_RANGE.1),
    );
    let profile_m = |ln_m: f64| {
        let m = ln_m.exp();
        golden_max(
            |lk| log_likelihood(&n, m, lk.exp()),
            near_k.0,
            near_k.1,
            1e-6,
        )
        .1
    };
    let drop_m = |ln_m: f64| (ll - profile_m(ln_m)).max(0.0);
    let drop_k = |ln_k: f64| (ll - profile_k(ln_k)).max(0.0);
    let ln_m_hat = m_hat.ln();
    let end_m = |step: f64| {
        let limit = ln_m_hat + step.signum() * 20.0;
        profile_end(drop_m, ln_m_hat, step, limit, PROFILE_DROP_95, 1e-5)
    };
    let (m_lo, m_hi) = (end_m(-0.05), end_m(0.05));
    let k_lo = profile_end(drop_k, ln_k_hat, -0.1, LN_K_RANGE.0, PROFILE_DROP_95, 1e-5);
    let k_hi = profile_end(drop_k, ln_k_hat, 0.1, LN_K_RANGE.1, PROFILE_DROP_95, 1e-5);

    // Observed information: m and k are orthogonal in the negative binomial
    // (the expected cross-information is zero), so each standard error
    // comes from its own second derivative.
    let se_m = (m_hat * (1.0 + m_hat / k_hat) / effective).sqrt();
    let h = 1e-4 * k_hat.max(1e-3);
    let curvature = (log_likelihood(&n, m_hat, k_hat + h) - 2.0 * ll
        + log_likelihood(&n, m_hat, k_hat - h))
        / (h * h);
    let se_k = (curvature < 0.0).then(|| (-1.0 / curvature).sqrt());

    let count = sizes.len() as f64;
    let sizes_f: Vec<f64> = sizes.iter().map(|&s| s as f64).collect();
    let mean = sizes_f.iter().sum::<f64>() / count;
    let var = sizes_f.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (count - 1.0);
    Ok(NbFit {
        rounds: sizes.len(),
        mean_extra: Estimate {
            estimate: m_hat,
            se: Some(se_m),
            ci95: [m_lo.exp(), m_hi.exp()],
        },
        dispersion: Estimate {
            estimate: k_hat,
            se: se_k,
            ci95: [k_lo.exp(), k_hi.exp()],
        },
        log_likelihood: ll,
        sample_mean_size: mean,
        sample_sd_size: var.sqrt(),
        interval_method: "95% profile-likelihood intervals (drop of 1.92 in log-likelihood); \
                          standard errors from the observed information",
    })
}

/// Points of a QQ plot of sizes against the fitted `1 + NB(m, k)`: for the
/// i-th smallest of n sizes, the fitted quantile at the Hazen plotting
/// position `(i - 1/2)/n` (the smallest size whose fitted distribution
/// function reaches it). Returns (fitted quantile, observed size) pairs.
pub fn qq_points(sizes: &[u64], m: f64, k: f64) -> Vec<(u64, u64)> {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    // Far enough into the tail for the largest plotting position.
    let top = 1.0 - 0.5 / n as f64;
    let mut max = 1024;
    let cdf: Vec<f64> = loop {
        let cdf: Vec<f64> = pmf_table(m, k, max)
            .iter()
            .scan(0.0, |acc, p| {
                *acc += p;
                Some(*acc)
            })
            .collect();
        if cdf.last().is_some_and(|&c| c >= top) || max >= 1 << 24 {
            break cdf;
        }
        max *= 4;
    };
    sorted
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let p = (i as f64 + 0.5) / n as f64;
            let q = cdf.iter().position(|&c| c >= p).unwrap_or(cdf.len());
            (1 + q as u64, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_sum_to_one_and_have_the_stated_mean() {
        let p = pmf_table(40.0, 1.5, 20_000);
        let total: f64 = p.iter().sum();
        let mean: f64 = p.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert!((mean - 40.0).abs() < 1e-6, "{mean}");
    }

    #[test]
    fn log_likelihood_agrees_with_the_table() {
        let n = [0u64, 3, 17, 60];
        let table = pmf_table(25.0, 0.8, 100);
        let direct: f64 = n.iter().map(|&v| table[v as usize].ln()).sum();
        assert!((log_likelihood(&n, 25.0, 0.8) - direct).abs() < 1e-9);
    }

    #[test]
    fn weighted_sizes_follow_the_recent_rounds_and_equal_weights_change_nothing() {
        // Forty old rounds of about 50 people and ten recent ones of about
        // 500: weights of 0.01 on the old ones make the weighted mean that
        // of the recent rounds to within 40*0.01*50/10.4 ~ 2 people over
        // the recent mean, while the unweighted mean sits near 140.
        let old: Vec<u64> = (0..40).map(|i| 40 + (i * 7) % 21).collect();
        let recent: Vec<u64> = (0..10).map(|i| 450 + (i * 37) % 101).collect();
        let sizes: Vec<u64> = old.iter().chain(&recent).copied().collect();
        let w: Vec<f64> = (0..50).map(|i| if i < 40 { 0.01 } else { 1.0 }).collect();
        let recent_mean = recent.iter().sum::<u64>() as f64 / 10.0 - 1.0;
        let weighted = fit_weighted(&sizes, &w).unwrap();
        let plain = fit(&sizes).unwrap();
        assert!(
            (weighted.mean_extra.estimate - recent_mean).abs() < 0.05 * recent_mean,
            "{} vs {recent_mean}",
            weighted.mean_extra.estimate
        );
        assert!(plain.mean_extra.estimate < 0.4 * recent_mean);
        // The standard error of m is that of the effective number of
        // rounds, (sum w)^2 / sum w^2 = 10.4^2 / 10.004, not of all 50.
        let n_eff = 10.4f64.powi(2) / 10.004;
        let (m, k) = (weighted.mean_extra.estimate, weighted.dispersion.estimate);
        let se = (m * (1.0 + m / k) / n_eff).sqrt();
        let got = weighted.mean_extra.se.unwrap();
        assert!((got - se).abs() < 1e-9 * se, "{got} vs {se}");
        // Equal weights of any scale give exactly the unweighted fit.
        assert_eq!(fit_weighted(&sizes, &[2.0; 50]).unwrap(), plain);
    }

    #[test]
    fn sizes_of_zero_are_refused() {
        assert_eq!(fit(&[0, 5, 7]).unwrap_err(), FitError::ZeroSize);
    }
}
