//! Which model of the timing of rounds a calibration fits: the variants
//! compared by out-of-sample score.
//!
//! The two-state hidden Markov model of [`super::hmm`] reads long silences
//! as suspensions; a rolling back-test found that reading costly out of
//! sample (a pause read as "suspended" was often followed by a round within
//! weeks), and the pace of the early record a poor guide to the later one.
//! So the timing can be fitted in several ways, each a [`Variant`]:
//!
//! - **states**: the two-state model (running or suspended), or a
//!   one-state process (a round on each day with the same probability,
//!   never suspended: the boundary of the two-state model);
//! - **half-life**: every day's log-likelihood term weighted by
//!   `2^(-age / half_life)`, `age` in days before the window's last day (a
//!   recency-weighted likelihood, so the fitted pace is that of recent
//!   months), or every day alike;
//! - **intensity**: the round probability a complementary log-log function
//!   of the observed escalation index (`pi_t = 1 - exp(-exp(eta + b (E_t -
//!   E_end)))`, [`super::covariate`]), so that the fitted probability is
//!   the one at the index's level on the window's last day (the level is
//!   assumed to persist), or constant;
//! - **start**: for a two-state model, whether a forecast starts from the
//!   filtered state on the last day or from the chain's long-run mix.
//!
//! Weights are scaled by `sum w / sum w^2` (so they sum to the effective
//! number of days `(sum w)^2 / sum w^2`): the point estimate does not
//! change, and the curvature of the weighted log-likelihood is that of a
//! record of the effective length, so the profile-likelihood intervals are
//! approximately right rather than too narrow. They remain approximate:
//! a weighted likelihood is not a likelihood.

use super::covariate::{ETA_MAX, ETA_MIN, cloglog, cloglog_probability};
use super::fit::{Estimate, FitError};
use super::hmm::{self, HmmFit, HmmParams, LOGIT_LIMIT, PROFILE_DROP_95, logit, sigmoid};
use super::optimize::{NelderMead, nelder_mead, profile_end};
use serde::Serialize;

/// How many states the timing model has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum States {
    /// Running or suspended (a two-state hidden Markov model).
    TwoState,
    /// Always running: rounds at one daily probability.
    OneState,
}

/// Where a two-state forecast starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// The filtered probability of each state on the last day of the window.
    Filtered,
    /// The chain's long-run (stationary) share of each state.
    LongRun,
}

/// One way of fitting the timing of rounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Variant {
    pub states: States,
    /// Half-life (days) of the recency weights of the likelihood; `None`
    /// weighs every day alike.
    pub half_life_days: Option<f64>,
    /// The round probability depends on the observed escalation index.
    pub intensity: bool,
    /// Where a two-state forecast starts (ignored for one state).
    pub start: Start,
    /// Round sizes fitted with the same recency weights as the timing
    /// (each round's term weighted by `2^(-age/half_life)`); without a
    /// half-life every round weighs alike either way.
    pub sizes_weighted: bool,
}

/// The variant a calibration, back-test and forecast use unless told
/// otherwise: the best-scoring one of the rolling back-test
/// (docs/calibration.md, "Choosing the model by out-of-sample score").
pub const DEFAULT: Variant = Variant {
    states: States::OneState,
    half_life_days: Some(90.0),
    intensity: false,
    // Only a two-state model reads it: the long-run mix scored better than
    // the filtered state for every two-state model compared.
    start: Start::LongRun,
    sizes_weighted: false,
};

/// The two-state model of earlier releases: every day alike, no covariate,
/// started from the filtered state.
pub const CLASSIC: Variant = Variant {
    states: States::TwoState,
    half_life_days: None,
    intensity: false,
    start: Start::Filtered,
    sizes_weighted: false,
};

impl Default for Variant {
    fn default() -> Self {
        DEFAULT
    }
}

impl Variant {
    /// The half-life (days) of the weights of the size fit: the timing's
    /// if the sizes are weighted, else none.
    pub fn sizes_half_life(&self) -> Option<f64> {
        self.half_life_days.filter(|_| self.sizes_weighted)
    }

    /// A short name, such as `one-state, half-life 365 d, intensity off`.
    pub fn label(&self) -> String {
        let states = match self.states {
            States::TwoState => "two-state",
            States::OneState => "one-state",
        };
        let half = match self.half_life_days {
            Some(h) => format!("half-life {} d", crate::format::sig_trimmed(h, 4)),
            None => "no half-life".to_string(),
        };
        let start = match (self.states, self.start) {
            (States::OneState, _) => "",
            (States::TwoState, Start::Filtered) => ", filtered start",
            (States::TwoState, Start::LongRun) => ", long-run start",
        };
        let sizes = if self.sizes_weighted && self.half_life_days.is_some() {
            ", sizes weighted"
        } else {
            ""
        };
        format!(
            "{states}, {half}, intensity {}{start}{sizes}",
            if self.intensity { "on" } else { "off" }
        )
    }

    /// The model in words, for reports and scenario headers.
    pub fn description(&self) -> String {
        let mut s = match self.states {
            States::TwoState => {
                "two-state hidden Markov model of the days on which rounds began (running or \
                 suspended)"
            }
            States::OneState => {
                "one-state process: a round on each day with one probability, never suspended"
            }
        }
        .to_string();
        if let Some(h) = self.half_life_days {
            s.push_str(&format!(
                "; each day's log-likelihood weighted by 2^(-age/{}) (age in days before the \
                 window's last day)",
                crate::format::sig_trimmed(h, 4)
            ));
        }
        if let (true, Some(h)) = (self.sizes_weighted, self.half_life_days) {
            s.push_str(&format!(
                "; round sizes fitted with each round weighted by 2^(-age/{})",
                crate::format::sig_trimmed(h, 4)
            ));
        }
        if self.intensity {
            s.push_str(
                "; round probability a complementary log-log function of the escalation index, \
                 taken at the index's level on the window's last day",
            );
        }
        s
    }
}

/// Recency weight (no unit) of a day `age` days before the origin (0 = the
/// origin itself) for a half-life of `half_life` days: `2^(-age /
/// half_life)`, exactly 1 for an infinite half-life.
pub fn recency_weight(age: u32, half_life: f64) -> f64 {
    0.5f64.powf(f64::from(age) / half_life)
}

/// Rounds per day in a fitting window, each day weighted by
/// [`recency_weight`] of its distance from the window's last day (the
/// origin): `sum_t w_t d_t / sum_t w_t`, with `d_t` 1 on a day a round
/// started. For an infinite half-life it is the plain share of round days.
/// It is also the weighted maximum-likelihood estimate of the one-state
/// model's daily probability.
pub fn weighted_rate(days: &[bool], half_life: f64) -> f64 {
    let n = days.len();
    let (mut rounds, mut total) = (0.0, 0.0);
    for (t, &d) in days.iter().enumerate() {
        let w = recency_weight((n - 1 - t) as u32, half_life);
        total += w;
        if d {
            rounds += w;
        }
    }
    if total > 0.0 { rounds / total } else { 0.0 }
}

/// The likelihood weights of a window of `n` days: [`recency_weight`]
/// scaled to sum to the effective number of days (see the module
/// documentation); all 1 without a half-life.
pub fn likelihood_weights(n: usize, half_life: Option<f64>) -> Vec<f64> {
    let Some(h) = half_life else {
        return vec![1.0; n];
    };
    let w: Vec<f64> = (0..n)
        .map(|t| recency_weight((n - 1 - t) as u32, h))
        .collect();
    let sum: f64 = w.iter().sum();
    let sum_sq: f64 = w.iter().map(|v| v * v).sum();
    let scale = if sum_sq > 0.0 { sum / sum_sq } else { 1.0 };
    w.into_iter().map(|v| v * scale).collect()
}

/// The point fit of a variant: what a back-test and a forecast use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointFit {
    /// The daily probabilities; `round` is per active day at the index's
    /// last level where the variant has the covariate.
    pub params: HmmParams,
    /// Log hazard ratio of a round per unit of the index (0 without it).
    pub intensity_coef: f64,
    /// The index on the window's last day, where the variant uses it.
    pub index_at_end: Option<f64>,
    /// Probability that the process is suspended at the end of the
    /// window's last day, given the record up to it (filtered).
    pub p_suspended_filtered: f64,
    /// Probability with which a forecast starts suspended (the filtered
    /// one or the long-run share, as the variant says; 0 for one state).
    pub p_suspended_start: f64,
    /// Weighted log-likelihood at the estimate.
    pub log_likelihood: f64,
}

/// The data a variant is fitted to.
struct Problem<'a> {
    days: &'a [bool],
    /// Index minus its last value, day by day (covariate variants only).
    centred: Option<Vec<f64>>,
    weights: Vec<f64>,
    two_state: bool,
}

impl Problem<'_> {
    /// Parameters: two states `[logit s, logit r, eta, (b)]`, one state
    /// `[eta, (b)]`; the index of `eta`.
    fn eta_index(&self) -> usize {
        if self.two_state { 2 } else { 0 }
    }

    fn params(&self, x: &[f64]) -> (f64, f64, f64, f64) {
        let (s, r) = if self.two_state {
            (sigmoid(x[0]), sigmoid(x[1]))
        } else {
            (0.0, 1.0)
        };
        let k = self.eta_index();
        let b = if self.centred.is_some() {
            x[k + 1]
        } else {
            0.0
        };
        (s, r, x[k], b)
    }

    /// Weighted log-likelihood by the scaled forward algorithm, and the
    /// filtered probability of Suspended at the end.
    fn forward(&self, x: &[f64]) -> (f64, f64) {
        let (s, r, eta, b) = self.params(x);
        let stationary = if s + r > 0.0 { s / (s + r) } else { 0.0 };
        let (mut active, mut suspended) = (1.0 - stationary, stationary);
        let mut ll = 0.0;
        for (t, &y) in self.days.iter().enumerate() {
            let pi = match &self.centred {
                Some(c) => cloglog_probability(eta + b * c[t]),
                None => cloglog_probability(eta),
            };
            let stay = active * (1.0 - s);
            let (a, z) = if y {
                (stay * pi, 0.0)
            } else {
                (
                    stay * (1.0 - pi) + suspended * r,
                    active * s + suspended * (1.0 - r),
                )
            };
            let c = a + z;
            if c <= 0.0 || !c.is_finite() {
                return (f64::NEG_INFINITY, f64::NAN);
            }
            ll += self.weights[t] * c.ln();
            active = a / c;
            suspended = z / c;
        }
        (ll, suspended)
    }

    fn neg(&self, x: &[f64]) -> f64 {
        -self.forward(x).0
    }

    fn maximise(&self) -> Result<(Vec<f64>, f64), FitError> {
        let n = self.days.len();
        let rounds = self.days.iter().filter(|d| **d).count();
        if rounds < 2 {
            return Err(FitError::TooFewRounds { rounds, needed: 2 });
        }
        let rate = self
            .weights
            .iter()
            .zip(self.days)
            .map(|(w, &d)| if d { *w } else { 0.0 })
            .sum::<f64>()
            / self.weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let rate = rate.clamp(1.0 / (n as f64 + 1.0), 0.9);
        let opts = NelderMead::default();
        let mut starts: Vec<Vec<f64>> = Vec::new();
        let tail = |eta: f64| -> Vec<f64> {
            let mut v = vec![eta];
            if self.centred.is_some() {
                v.push(0.0);
            }
            v
        };
        if self.two_state {
            // The one-state boundary first, so the fit never ends below it.
            let mut v = vec![-LOGIT_LIMIT, 0.0];
            v.extend(tail(cloglog(rate)));
            starts.push(v);
            for s in [0.002, 0.01, 0.05] {
                for r in [0.005, 0.05] {
                    let mut v = vec![logit(s), logit(r)];
                    v.extend(tail(cloglog((rate * 2.0).min(0.9))));
                    starts.push(v);
                }
            }
        } else {
            starts.push(tail(cloglog(rate)));
        }
        let mut best: Option<(Vec<f64>, f64)> = None;
        for s in &starts {
            let m = nelder_mead(|x| self.neg(x), s, opts);
            let m = nelder_mead(|x| self.neg(x), &m.x, opts);
            if best.as_ref().is_none_or(|(_, v)| m.value < *v) {
                best = Some((m.x, m.value));
            }
        }
        let (x, value) = best.ok_or(FitError::NoOptimum)?;
        if !value.is_finite() {
            return Err(FitError::NoOptimum);
        }
        Ok((x, -value))
    }

    /// 95% profile-likelihood interval of parameter `j` (on its own scale).
    fn profile(&self, x_hat: &[f64], log_lik: f64, j: usize, limits: (f64, f64)) -> [f64; 2] {
        let opts = NelderMead {
            max_evaluations: 2000,
            ..NelderMead::default()
        };
        let drop = |v: f64| {
            let others: Vec<f64> = (0..x_hat.len())
                .filter(|&i| i != j)
                .map(|i| x_hat[i])
                .collect();
            let with = |y: &[f64]| {
                let mut x = Vec::with_capacity(x_hat.len());
                let mut k = 0;
                for i in 0..x_hat.len() {
                    if i == j {
                        x.push(v);
                    } else {
                        x.push(y[k]);
                        k += 1;
                    }
                }
                self.neg(&x)
            };
            let value = if others.is_empty() {
                with(&[])
            } else {
                let m = nelder_mead(with, &others, opts);
                nelder_mead(with, &m.x, opts).value
            };
            (log_lik + value).max(0.0)
        };
        let lo = profile_end(drop, x_hat[j], -0.25, limits.0, PROFILE_DROP_95, 1e-4);
        let hi = profile_end(drop, x_hat[j], 0.25, limits.1, PROFILE_DROP_95, 1e-4);
        [lo, hi]
    }
}

/// The escalation index centred on its last value, checked against the
/// window.
fn centred(days: &[bool], index: Option<&[f64]>) -> Result<(Vec<f64>, f64), VariantError> {
    let e = index.ok_or(VariantError::NoIndex)?;
    if e.len() != days.len() || e.is_empty() {
        return Err(VariantError::NoIndex);
    }
    let last = e[e.len() - 1];
    Ok((e.iter().map(|v| v - last).collect(), last))
}

/// Why a variant could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VariantError {
    #[error(transparent)]
    Fit(#[from] FitError),
    #[error(
        "the escalation index does not cover every day of the window, so the model with the \
         intensity covariate cannot be fitted (use --intensity off)"
    )]
    NoIndex,
}

fn problem<'a>(
    days: &'a [bool],
    index: Option<&[f64]>,
    v: &Variant,
) -> Result<(Problem<'a>, Option<f64>), VariantError> {
    let (centred, end) = if v.intensity {
        let (c, end) = centred(days, index)?;
        (Some(c), Some(end))
    } else {
        (None, None)
    };
    Ok((
        Problem {
            days,
            centred,
            weights: likelihood_weights(days.len(), v.half_life_days),
            two_state: v.states == States::TwoState,
        },
        end,
    ))
}

/// The maximum-likelihood point fit of variant `v` to the daily round
/// indicator `days`, with the escalation index `index` on the same days
/// (needed only by a variant with the covariate).
///
/// The classic variant ([`CLASSIC`]) is fitted by [`hmm::fit_point`]
/// itself, so its numbers are those of earlier releases; a one-state
/// variant without the covariate has the closed form [`weighted_rate`].
pub fn fit_point(
    days: &[bool],
    index: Option<&[f64]>,
    v: &Variant,
) -> Result<PointFit, VariantError> {
    let start = |p: &HmmParams, filtered: f64| match (v.states, v.start) {
        (States::OneState, _) => 0.0,
        (States::TwoState, Start::Filtered) => filtered,
        (States::TwoState, Start::LongRun) => p.stationary_suspended(),
    };
    if v.states == States::TwoState && v.half_life_days.is_none() && !v.intensity {
        let (params, log_likelihood) = hmm::fit_point(days)?;
        let (filtered, _) = hmm::forward(&params, days);
        let f = filtered.last().map_or(0.0, |s| s[1]);
        return Ok(PointFit {
            params,
            intensity_coef: 0.0,
            index_at_end: None,
            p_suspended_filtered: f,
            p_suspended_start: start(&params, f),
            log_likelihood,
        });
    }
    let (problem, index_at_end) = problem(days, index, v)?;
    let (x, log_likelihood) = if v.states == States::OneState && !v.intensity {
        let rounds = days.iter().filter(|d| **d).count();
        if rounds < 2 {
            return Err(FitError::TooFewRounds { rounds, needed: 2 }.into());
        }
        let p = weighted_rate(days, v.half_life_days.unwrap_or(f64::INFINITY));
        let x = vec![cloglog(p)];
        let ll = problem.forward(&x).0;
        (x, ll)
    } else {
        problem.maximise()?
    };
    let (s, r, eta, b) = problem.params(&x);
    let params = HmmParams {
        suspend: s,
        resume: r,
        round: cloglog_probability(eta),
    };
    let (_, f) = problem.forward(&x);
    let f = if f.is_finite() { f } else { 0.0 };
    Ok(PointFit {
        params,
        intensity_coef: b,
        index_at_end,
        p_suspended_filtered: f,
        p_suspended_start: start(&params, f),
        log_likelihood,
    })
}

/// A variant's fit with intervals: what `calibrate` maps onto a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFit {
    pub variant: Variant,
    /// The model in words.
    pub model: String,
    /// Probability per day that an Active process is suspended (0 for one
    /// state).
    pub suspend: Estimate,
    /// Probability per day that a Suspended process resumes (1 for one
    /// state, where it is not identified).
    pub resume: Estimate,
    /// Probability of a round per active day (at the index's last level,
    /// where the variant has the covariate).
    pub round: Estimate,
    /// Log hazard ratio of a round per unit of the escalation index (null
    /// without the covariate).
    pub intensity_coef: Option<f64>,
    /// The index on the window's last day, where the variant uses it.
    pub index_at_end: Option<f64>,
    /// Effective number of days, `(sum w)^2 / sum w^2` (days).
    pub effective_days: f64,
    /// Probability of Suspended at the end of the window given the record.
    pub p_suspended_filtered: f64,
    /// Probability with which a forecast starts suspended.
    pub p_suspended_start: f64,
    pub log_likelihood: f64,
    pub interval_method: &'static str,
}

impl ModelFit {
    pub fn params(&self) -> HmmParams {
        HmmParams {
            suspend: self.suspend.estimate,
            resume: self.resume.estimate,
            round: self.round.estimate,
        }
    }
}

const PROFILE_METHOD: &str = "95% profile-likelihood intervals (drop of 1.92 in the \
log-likelihood; with a half-life, in the weighted log-likelihood scaled to the effective number \
of days, so approximate)";

/// Fits variant `v` with 95% intervals. The classic variant reuses the
/// two-state fit `classic` (its intervals and standard errors) unchanged.
pub fn fit(
    days: &[bool],
    index: Option<&[f64]>,
    v: &Variant,
    classic: &HmmFit,
) -> Result<ModelFit, VariantError> {
    let point = fit_point(days, index, v)?;
    let weights = likelihood_weights(days.len(), v.half_life_days);
    let effective_days = {
        let raw: Vec<f64> = match v.half_life_days {
            Some(h) => (0..days.len())
                .map(|t| recency_weight((days.len() - 1 - t) as u32, h))
                .collect(),
            None => weights.clone(),
        };
        let s: f64 = raw.iter().sum();
        s * s
            / raw
                .iter()
                .map(|w| w * w)
                .sum::<f64>()
                .max(f64::MIN_POSITIVE)
    };
    let base = |suspend, resume, round, method| ModelFit {
        variant: *v,
        model: v.description(),
        suspend,
        resume,
        round,
        intensity_coef: v.intensity.then_some(point.intensity_coef),
        index_at_end: point.index_at_end,
        effective_days,
        p_suspended_filtered: point.p_suspended_filtered,
        p_suspended_start: point.p_suspended_start,
        log_likelihood: point.log_likelihood,
        interval_method: method,
    };
    if *v
        == (Variant {
            start: v.start,
            ..CLASSIC
        })
    {
        return Ok(base(
            classic.suspend.clone(),
            classic.resume.clone(),
            classic.round.clone(),
            classic.interval_method,
        ));
    }
    let (problem, _) = problem(days, index, v)?;
    let p = point.params;
    let mut x = Vec::new();
    if problem.two_state {
        x.extend([logit(p.suspend), logit(p.resume)]);
    }
    x.push(cloglog(p.round));
    if v.intensity {
        x.push(point.intensity_coef);
    }
    let log_lik = point.log_likelihood;
    let k = problem.eta_index();
    let eta = problem.profile(&x, log_lik, k, (ETA_MIN, ETA_MAX));
    let round = Estimate {
        estimate: p.round,
        se: None,
        ci95: [cloglog_probability(eta[0]), cloglog_probability(eta[1])],
    };
    let (suspend, resume) = if problem.two_state {
        let lim = (-LOGIT_LIMIT, LOGIT_LIMIT);
        let s = problem.profile(&x, log_lik, 0, lim);
        let r = problem.profile(&x, log_lik, 1, lim);
        (
            Estimate {
                estimate: p.suspend,
                se: None,
                ci95: [sigmoid(s[0]), sigmoid(s[1])],
            },
            Estimate {
                estimate: p.resume,
                se: None,
                ci95: [sigmoid(r[0]), sigmoid(r[1])],
            },
        )
    } else {
        // Not estimated: the one-state model is "never suspended" by
        // construction, and its resumption is not identified.
        (
            Estimate {
                estimate: 0.0,
                se: None,
                ci95: [0.0, 0.0],
            },
            Estimate {
                estimate: 1.0,
                se: None,
                ci95: [0.0, 1.0],
            },
        )
    };
    Ok(base(suspend, resume, round, PROFILE_METHOD))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize, every: &[usize]) -> Vec<bool> {
        (0..n).map(|t| every.iter().any(|k| t % k == 0)).collect()
    }

    #[test]
    fn the_classic_variant_is_the_two_state_fit_of_earlier_releases() {
        let y = days(600, &[23, 31]);
        let (p, ll) = hmm::fit_point(&y).unwrap();
        let f = fit_point(&y, None, &CLASSIC).unwrap();
        assert_eq!(f.params, p);
        assert_eq!(f.log_likelihood, ll);
    }

    #[test]
    fn a_one_state_fit_is_the_weighted_share_of_round_days_and_never_suspended() {
        let y = days(500, &[17]);
        for h in [None, Some(90.0)] {
            let v = Variant {
                states: States::OneState,
                half_life_days: h,
                intensity: false,
                start: Start::Filtered,
                sizes_weighted: false,
            };
            let f = fit_point(&y, None, &v).unwrap();
            let expected = weighted_rate(&y, h.unwrap_or(f64::INFINITY));
            // cloglog and back: rounding only.
            assert!((f.params.round - expected).abs() < 1e-12 * expected);
            assert_eq!(f.params.suspend, 0.0);
            assert!(f.params.never_suspended());
            assert_eq!(f.p_suspended_start, 0.0);
        }
    }

    #[test]
    fn recency_weights_follow_a_late_change_of_pace() {
        // A round every 10 days for 600 days, then every 40 days for 200:
        // the weighted fit (half-life 60 days) reads the recent pace, the
        // unweighted one the average.
        let y: Vec<bool> = (0..800)
            .map(|t| if t < 600 { t % 10 == 0 } else { t % 40 == 0 })
            .collect();
        let v = |h| Variant {
            states: States::OneState,
            half_life_days: h,
            intensity: false,
            start: Start::Filtered,
            sizes_weighted: false,
        };
        let plain = fit_point(&y, None, &v(None)).unwrap().params.round;
        let recent = fit_point(&y, None, &v(Some(60.0))).unwrap().params.round;
        assert!((plain - 65.0 / 800.0).abs() < 1e-12, "{plain}");
        // The weight of the days before day 600 is 2^(-200/60) = 0.1 of the
        // total at most, so the rate lies within 10% of 1/40 of it.
        assert!((recent - 0.025).abs() < 0.1 * 0.075 + 0.0025, "{recent}");
    }

    #[test]
    fn the_covariate_fit_reads_rounds_that_follow_the_index() {
        // Rounds on every 8th day while the index is 2, every 40th while it
        // is 0.5 (blocks of 100 days): 52 round days of 400 at 2, 8 of 400
        // at 0.5, and the round probability is read at the last level.
        let e: Vec<f64> = (0..800)
            .map(|t| if (t / 100) % 2 == 0 { 2.0 } else { 0.5 })
            .collect();
        let y: Vec<bool> = (0..800)
            .map(|t| if e[t] > 1.0 { t % 8 == 0 } else { t % 40 == 0 })
            .collect();
        let v = Variant {
            states: States::OneState,
            half_life_days: None,
            intensity: true,
            start: Start::Filtered,
            sizes_weighted: false,
        };
        let f = fit_point(&y, Some(&e), &v).unwrap();
        assert_eq!(f.index_at_end, Some(0.5));
        // Two levels and two free coefficients: the maximum-likelihood
        // answer reproduces the two shares exactly, so the tolerance is the
        // optimiser's (about 1e-3 in the coefficient).
        let b = (cloglog(52.0 / 400.0) - cloglog(8.0 / 400.0)) / 1.5;
        assert!(
            (f.intensity_coef - b).abs() < 1e-2,
            "{} {b}",
            f.intensity_coef
        );
        assert!((f.params.round - 0.02).abs() < 1e-3, "{}", f.params.round);
        // Without the index it cannot be fitted, and says so.
        assert_eq!(fit_point(&y, None, &v), Err(VariantError::NoIndex));
    }

    #[test]
    fn weights_sum_to_the_effective_number_of_days() {
        let w = likelihood_weights(1000, Some(200.0));
        let raw: Vec<f64> = (0..1000).map(|t| recency_weight(999 - t, 200.0)).collect();
        let s: f64 = raw.iter().sum();
        let eff = s * s / raw.iter().map(|v| v * v).sum::<f64>();
        let total: f64 = w.iter().sum();
        assert!((total - eff).abs() < 1e-9 * eff, "{total} {eff}");
        assert_eq!(likelihood_weights(3, None), vec![1.0; 3]);
    }
}
