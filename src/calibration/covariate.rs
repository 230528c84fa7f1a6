//! Does escalation suspend exchanges? The two-state model with the observed
//! escalation index as a covariate, and a likelihood-ratio test of the
//! premise.
//!
//! swapsim's scenarios assume that heavy fighting raises the hazard of a
//! suspension and lowers that of a resumption. With a daily index of the
//! fighting ([`crate::history::intensity`]) the record can be asked whether
//! it agrees. The model is the two-state hidden Markov model of
//! [`super::hmm`] with each daily probability a complementary log-log
//! function of the index `E_t` on that day, exactly as a scenario's hazards
//! are (`docs/model.md`, 3.3):
//!
//! ```text
//! p_s,t = 1 - exp(-exp(a_s + b_s E_t))    suspension, per active day
//! p_r,t = 1 - exp(-exp(a_r + b_r E_t))    resumption, per suspended day
//! pi_t  = 1 - exp(-exp(a_pi + b_pi E_t))  round, per active day
//! ```
//!
//! so `exp(a)` is the daily hazard at `E = 0` and each `b` is a log hazard
//! ratio per unit of the index: `b_s` is a scenario's
//! `suspension.escalation_coef` and `-b_r` its `resumption.escalation_coef`.
//! The six values are estimated by maximum likelihood (scaled forward
//! algorithm, Nelder–Mead from several starts including the fit without the
//! covariate), with 95% Wald intervals from the observed information. The
//! premise "escalation suspends exchanges" is tested by the likelihood
//! ratio of this model against the same model with `b_s = 0`, referred to
//! chi-square with one degree of freedom.

use super::fit::Estimate;
use super::hmm::{self, HmmParams};
use super::optimize::{NelderMead, hessian, invert, nelder_mead};
use serde::Serialize;

/// The linear predictors are kept within these bounds: below, the daily
/// probability is about `1e-13` ("never"); above, it is 1 to within
/// `1e-23`.
pub const ETA_MIN: f64 = -30.0;
pub const ETA_MAX: f64 = 4.0;
/// A standard error (of a log hazard ratio per unit index) beyond this
/// means the window cannot tell the effect from zero or from a huge one.
const UNIDENTIFIED_SE: f64 = 5.0;
/// 97.5% point of the standard normal law, for 95% Wald intervals.
const Z_975: f64 = 1.959_963_984_540_054;

/// The six coefficients, in the order (a_s, b_s, a_r, b_r, a_pi, b_pi).
pub type Coefficients = [f64; 6];

/// Complementary log-log: the daily probability of a hazard `exp(eta)`.
pub fn cloglog_probability(eta: f64) -> f64 {
    -(-eta.clamp(ETA_MIN, ETA_MAX).exp()).exp_m1()
}

/// The inverse of [`cloglog_probability`] for `p` in (0, 1).
pub fn cloglog(p: f64) -> f64 {
    (-(-p).ln_1p()).ln().clamp(ETA_MIN, ETA_MAX)
}

/// Log-likelihood of the days on which rounds began (`days`) given the
/// index on each of them (`e`, same length), by the scaled forward
/// algorithm, started from the stationary law of the first day's
/// probabilities.
pub fn log_likelihood(x: &Coefficients, days: &[bool], e: &[f64]) -> f64 {
    let probs = |t: usize| {
        let v = e[t];
        (
            cloglog_probability(x[0] + x[1] * v),
            cloglog_probability(x[2] + x[3] * v),
            cloglog_probability(x[4] + x[5] * v),
        )
    };
    if e.is_empty() || e.len() != days.len() {
        return f64::NEG_INFINITY;
    }
    let (s0, r0, _) = probs(0);
    let mut suspended = if s0 + r0 > 0.0 { s0 / (s0 + r0) } else { 0.0 };
    let mut active = 1.0 - suspended;
    let mut ll = 0.0;
    for (t, &y) in days.iter().enumerate() {
        let (ps, pr, pi) = probs(t);
        let (a, s) = if y {
            (active * (1.0 - ps) * pi, 0.0)
        } else {
            (
                active * (1.0 - ps) * (1.0 - pi) + suspended * pr,
                active * ps + suspended * (1.0 - pr),
            )
        };
        let c = a + s;
        if c <= 0.0 || !c.is_finite() {
            return f64::NEG_INFINITY;
        }
        ll += c.ln();
        active = a / c;
        suspended = s / c;
    }
    ll
}

/// One fitted coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// What it is, such as "suspension: log hazard ratio per unit of index".
    pub name: &'static str,
    /// The value; with a 95% Wald interval and its standard error, where
    /// the observed information allows one.
    pub estimate: Estimate,
    /// Whether the window identifies it (a finite standard error below
    /// 5 on the log scale and an estimate off the "never suspended"
    /// boundary).
    pub identified: bool,
}

/// A likelihood-ratio test of one coefficient being 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoefficientTest {
    /// The hypothesis tested against.
    pub null: &'static str,
    /// Log-likelihood without the effect.
    pub null_log_likelihood: f64,
    /// `2 (l_full - l_null)`.
    pub statistic: f64,
    /// Upper tail of chi-square with 1 degree of freedom.
    pub p_value: f64,
}

/// What the record says about escalation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationEffects {
    /// Days in the window.
    pub days: usize,
    /// Mean of the index over the window (dimensionless).
    pub mean_index: f64,
    /// (a_s, b_s, a_r, b_r, a_pi, b_pi) with their intervals.
    pub coefficients: Vec<Coefficient>,
    pub log_likelihood: f64,
    /// The same model without the index (the plain two-state fit).
    pub log_likelihood_without_index: f64,
    /// "Escalation suspends exchanges": `b_s = 0` against `b_s` free.
    pub suspension_test: CoefficientTest,
    /// The answer in words.
    pub conclusion: String,
    pub method: &'static str,
}

const NAMES: [&str; 6] = [
    "suspension: log daily hazard at index 0",
    "suspension: log hazard ratio per unit of index",
    "resumption: log daily hazard at index 0",
    "resumption: log hazard ratio per unit of index",
    "round: log daily hazard at index 0",
    "round: log hazard ratio per unit of index",
];

const METHOD: &str = "two-state hidden Markov model with complementary log-log daily \
probabilities linear in the escalation index; maximum likelihood (scaled forward algorithm, \
Nelder-Mead from several starts); 95% Wald intervals from the observed information; \
likelihood-ratio test against the model without the index's effect on suspension \
(chi-square, 1 degree of freedom)";

/// Maximises the likelihood over the coefficients not fixed by `fixed`
/// (index, value), from each of `starts`.
fn maximise(
    days: &[bool],
    e: &[f64],
    starts: &[Coefficients],
    fixed: Option<(usize, f64)>,
) -> (Coefficients, f64) {
    let free: Vec<usize> = (0..6)
        .filter(|&i| fixed.is_none_or(|(j, _)| j != i))
        .collect();
    let build = |y: &[f64]| {
        let mut x = [0.0; 6];
        for (k, &i) in free.iter().enumerate() {
            x[i] = y[k];
        }
        if let Some((j, v)) = fixed {
            x[j] = v;
        }
        x
    };
    let neg = |y: &[f64]| {
        let v = -log_likelihood(&build(y), days, e);
        if v.is_finite() { v } else { f64::MAX }
    };
    let opts = NelderMead {
        max_evaluations: 4000,
        ..NelderMead::default()
    };
    let mut best = (starts[0], f64::INFINITY);
    for s in starts {
        let y: Vec<f64> = free.iter().map(|&i| s[i]).collect();
        let m = nelder_mead(neg, &y, opts);
        let m = nelder_mead(neg, &m.x, opts);
        if m.value < best.1 {
            best = (build(&m.x), m.value);
        }
    }
    (best.0, -best.1)
}

/// The covariate model's coefficients for the plain two-state fit `p`:
/// every effect 0.
pub fn without_effects(p: &HmmParams) -> Coefficients {
    [
        cloglog(p.suspend),
        0.0,
        cloglog(p.resume),
        0.0,
        cloglog(p.round),
        0.0,
    ]
}

/// Fits the covariate model to `days` with the index `e` on each day, and
/// tests the premise. `plain` is the two-state fit without the index.
pub fn fit(days: &[bool], e: &[f64], plain: &HmmParams) -> EscalationEffects {
    let mean_index = e.iter().sum::<f64>() / e.len().max(1) as f64;
    let centre = without_effects(plain);
    let plain_ll = hmm::log_likelihood(plain, days);
    // Starts: no effect, and each effect in either direction with the
    // intercept moved so that the hazard at the mean index is unchanged.
    let mut starts = vec![centre];
    for (k, b) in [
        (1, 1.0),
        (1, -1.0),
        (3, 1.0),
        (3, -1.0),
        (5, 0.5),
        (5, -0.5),
    ] {
        let mut s = centre;
        s[k] = b;
        s[k - 1] -= b * mean_index;
        starts.push(s);
    }
    let (x, ll) = maximise(days, e, &starts, None);
    let ll = ll.max(plain_ll);
    let mut null_starts = vec![centre];
    let mut from_full = x;
    from_full[1] = 0.0;
    null_starts.push(from_full);
    let (_, null_ll) = maximise(days, e, &null_starts, Some((1, 0.0)));
    let null_ll = null_ll.max(plain_ll);
    let statistic = (2.0 * (ll - null_ll)).max(0.0);
    let p_value = chi_square_1_upper(statistic);

    let neg = |y: &[f64]| {
        let mut c = [0.0; 6];
        c.copy_from_slice(y);
        -log_likelihood(&c, days, e)
    };
    let h = hessian(neg, &x, 1e-3);
    // On the "never suspended" boundary the suspension coefficients, and
    // the resumption ones with them, describe nothing that happened, and
    // the information about them is nil: the round coefficients are then
    // those of a one-state process, with the information of their own
    // block.
    let never_suspended = e
        .iter()
        .all(|&v| cloglog_probability(x[0] + x[1] * v) < hmm::NEVER_SUSPENDED);
    let block: Vec<usize> = if never_suspended {
        vec![4, 5]
    } else {
        (0..6).collect()
    };
    let sub: Vec<Vec<f64>> = block
        .iter()
        .map(|&i| block.iter().map(|&j| h[i][j]).collect())
        .collect();
    let covariance = invert(&sub);
    let coefficients: Vec<Coefficient> = (0..6)
        .map(|i| {
            let se = block
                .iter()
                .position(|&k| k == i)
                .and_then(|k| covariance.as_ref().map(|c| c[k][k]))
                .filter(|v| *v > 0.0 && v.is_finite())
                .map(f64::sqrt);
            let ci95 = se.map_or([f64::NEG_INFINITY, f64::INFINITY], |s| {
                [x[i] - Z_975 * s, x[i] + Z_975 * s]
            });
            let identified = se.is_some_and(|s| s < UNIDENTIFIED_SE) && !(never_suspended && i < 4);
            Coefficient {
                name: NAMES[i],
                estimate: Estimate {
                    estimate: x[i],
                    se,
                    ci95,
                },
                identified,
            }
        })
        .collect();
    let conclusion = conclusion(&coefficients[1], statistic, p_value);
    EscalationEffects {
        days: days.len(),
        mean_index,
        coefficients,
        log_likelihood: ll,
        log_likelihood_without_index: plain_ll,
        suspension_test: CoefficientTest {
            null: "escalation does not change the suspension hazard (b_s = 0)",
            null_log_likelihood: null_ll,
            statistic,
            p_value,
        },
        conclusion,
        method: METHOD,
    }
}

/// The upper tail of chi-square with one degree of freedom,
/// `erfc(sqrt(x / 2))`.
pub fn chi_square_1_upper(x: f64) -> f64 {
    statrs::function::erf::erfc((x.max(0.0) / 2.0).sqrt())
}

fn conclusion(b_s: &Coefficient, statistic: f64, p_value: f64) -> String {
    let e = &b_s.estimate;
    if !b_s.identified {
        return "the record cannot identify the effect of escalation on suspensions over this \
                window; it stays an assumption of the scenario"
            .to_string();
    }
    let direction = if e.estimate > 0.0 {
        "more likely"
    } else {
        "less likely"
    };
    let ratio = e.estimate.exp();
    let verdict = if p_value < 0.05 {
        "the record supports an effect"
    } else {
        "the record does not show an effect distinguishable from none"
    };
    format!(
        "{verdict} (likelihood ratio {statistic:.2}, p = {p_value:.3}): at the estimate, each unit \
         of the index makes a suspension {direction} by a factor of {ratio:.2} per day (95% \
         interval {:.2} to {:.2})",
        e.ci95[0].exp(),
        e.ci95[1].exp()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_index_the_covariate_model_is_the_two_state_model() {
        let days: Vec<bool> = (0..400).map(|t| t % 9 == 0 || t % 23 == 0).collect();
        let e: Vec<f64> = (0..400).map(|t| 0.5 + (t as f64 / 50.0).sin()).collect();
        let p = HmmParams {
            suspend: 0.01,
            resume: 0.05,
            round: 0.12,
        };
        let plain = hmm::log_likelihood(&p, &days);
        let covariate = log_likelihood(&without_effects(&p), &days, &e);
        assert!((plain - covariate).abs() < 1e-9, "{plain} {covariate}");
    }

    #[test]
    fn cloglog_inverts_its_probability() {
        for p in [1e-6, 0.01, 0.3, 0.9] {
            assert!((cloglog_probability(cloglog(p)) - p).abs() < 1e-12 * p.max(1e-3));
        }
    }

    #[test]
    fn the_chi_square_tail_is_the_textbook_one() {
        // 3.841 is the 95% point of chi-square with one degree of freedom.
        assert!((chi_square_1_upper(3.841_458_820_694_124) - 0.05).abs() < 1e-9);
        assert!((chi_square_1_upper(0.0) - 1.0).abs() < 1e-12);
    }
}
