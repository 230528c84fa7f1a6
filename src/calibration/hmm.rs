//! A two-state hidden Markov model of the daily round indicator.
//!
//! Whether the exchange process was running or suspended on a given day is
//! never reported; only the rounds are. Long silences may be suspensions
//! or bad luck, and the model below weighs the two: the process is either
//! *Active*, when a round comes on a day with probability `round`, or
//! *Suspended*, when none comes. From one day to the next an Active process
//! is suspended with probability `suspend` and a Suspended one resumes with
//! probability `resume`.
//!
//! The timing follows swapsim's model day for day (`docs/model.md`, 3.5):
//! the hidden state is the phase at the end of a day; a round can come only
//! on a day that begins and ends Active (not on the day of a suspension or
//! a resumption). With `preparation_days` and `min_days_between_rounds` at
//! most 1, constant mediation and escalation, and no collapse, a swapsim
//! trial is exactly this model, which the tests use to check the fit. The
//! state before the first day is drawn from the chain's stationary law.
//!
//! The likelihood is computed by the forward algorithm, scaled day by day
//! (Rabiner, 1989), and maximised over the logits of the three
//! probabilities by Nelder–Mead from several starting points; 95% intervals
//! are profile-likelihood intervals (the set of values whose profile
//! log-likelihood lies within 1.92 = chi-square(1, 0.95)/2 of the maximum),
//! and standard errors come from the observed information (the numerical
//! Hessian on the logit scale, carried to probabilities by the delta method).

use super::fit::{Estimate, FitError};
use super::optimize::{NelderMead, hessian, invert, nelder_mead, profile_end};
use serde::Serialize;

/// Logits are kept within +/- this bound (probabilities from about 1e-13
/// to 1 - 1e-13), so that the boundary cases of "never suspended" or
/// "always resumes" are reached to within 1e-13 and nothing overflows.
pub const LOGIT_LIMIT: f64 = 30.0;
/// Half the 95% point of chi-square with one degree of freedom: the drop in
/// log-likelihood that bounds a 95% profile-likelihood interval.
pub const PROFILE_DROP_95: f64 = 1.920_729_410_347_062;

/// The three daily probabilities of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HmmParams {
    /// Probability per day that an Active process is suspended.
    pub suspend: f64,
    /// Probability per day that a Suspended process resumes.
    pub resume: f64,
    /// Probability of a round on a day that begins and ends Active.
    pub round: f64,
}

/// A fitted suspension probability below this (per active day) is the
/// one-state boundary, "never suspended": the optimiser's logit bound puts
/// it near `1e-13` there, far below any suspension the record could show.
pub const NEVER_SUSPENDED: f64 = 1e-9;

impl HmmParams {
    /// The fit sits on the boundary of the two-state model: the process is
    /// never suspended, it is a one-state process, and the resumption
    /// probability is not identified (no day is ever Suspended).
    pub fn never_suspended(&self) -> bool {
        self.suspend < NEVER_SUSPENDED
    }

    fn from_logits(x: &[f64]) -> HmmParams {
        HmmParams {
            suspend: sigmoid(x[0]),
            resume: sigmoid(x[1]),
            round: sigmoid(x[2]),
        }
    }

    fn logits(&self) -> [f64; 3] {
        [logit(self.suspend), logit(self.resume), logit(self.round)]
    }

    /// Long-run share of days Suspended.
    pub fn stationary_suspended(&self) -> f64 {
        let total = self.suspend + self.resume;
        if total > 0.0 {
            self.suspend / total
        } else {
            0.0
        }
    }
}

/// `1 / (1 + exp(-x))` with `x` kept within [`LOGIT_LIMIT`].
pub fn sigmoid(x: f64) -> f64 {
    let x = x.clamp(-LOGIT_LIMIT, LOGIT_LIMIT);
    1.0 / (1.0 + (-x).exp())
}

/// `ln(p / (1 - p))`, kept within [`LOGIT_LIMIT`].
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln().clamp(-LOGIT_LIMIT, LOGIT_LIMIT)
}

/// State probabilities `[active, suspended]` at the end of a day.
pub type StateProbs = [f64; 2];

/// The forward pass: for each day, the probabilities of each state at its
/// end given the rounds up to and including that day (the filtered
/// probabilities), and the log-likelihood of the whole series.
pub fn forward(p: &HmmParams, days: &[bool]) -> (Vec<StateProbs>, f64) {
    let mut out = Vec::with_capacity(days.len());
    let mut a = [1.0 - p.stationary_suspended(), p.stationary_suspended()];
    let mut log_lik = 0.0;
    for &round in days {
        let next = step(p, a, round);
        let c = next[0] + next[1];
        if c.is_nan() || c <= 0.0 {
            // The series is impossible under these parameters.
            return (out, f64::NEG_INFINITY);
        }
        log_lik += c.ln();
        a = [next[0] / c, next[1] / c];
        out.push(a);
    }
    (out, log_lik)
}

/// One day of the forward recursion (unnormalised).
#[inline]
fn step(p: &HmmParams, a: StateProbs, round: bool) -> StateProbs {
    let stay = a[0] * (1.0 - p.suspend);
    if round {
        [stay * p.round, 0.0]
    } else {
        [
            stay * (1.0 - p.round) + a[1] * p.resume,
            a[0] * p.suspend + a[1] * (1.0 - p.resume),
        ]
    }
}

/// A 2x2 matrix of transition-and-emission probabilities, rows "from"
/// (active, suspended) and columns "to".
type Mat = [[f64; 2]; 2];

fn mat_mul(a: &Mat, b: &Mat) -> Mat {
    [
        [
            a[0][0] * b[0][0] + a[0][1] * b[1][0],
            a[0][0] * b[0][1] + a[0][1] * b[1][1],
        ],
        [
            a[1][0] * b[0][0] + a[1][1] * b[1][0],
            a[1][0] * b[0][1] + a[1][1] * b[1][1],
        ],
    ]
}

/// `m` to the power `n`, by repeated squaring.
fn mat_pow(m: &Mat, mut n: u32) -> Mat {
    let mut result: Mat = [[1.0, 0.0], [0.0, 1.0]];
    let mut base = *m;
    while n > 0 {
        if n & 1 == 1 {
            result = mat_mul(&result, &base);
        }
        base = mat_mul(&base, &base);
        n >>= 1;
    }
    result
}

/// Log-likelihood of the series.
///
/// The same number as [`forward`] gives, computed faster for the many
/// evaluations of a fit: a run of `L` days without a round is one product
/// with the `L`-th power of the quiet-day matrix (found by repeated
/// squaring), so the cost grows with the number of rounds rather than of
/// days.
pub fn log_likelihood(p: &HmmParams, days: &[bool]) -> f64 {
    let quiet: Mat = [
        [(1.0 - p.suspend) * (1.0 - p.round), p.suspend],
        [p.resume, 1.0 - p.resume],
    ];
    let mut a = [1.0 - p.stationary_suspended(), p.stationary_suspended()];
    let mut log_lik = 0.0;
    // Adds the log of the scale and rescales; false if the series is
    // impossible under these parameters.
    let absorb = |a: &mut [f64; 2], next: [f64; 2], log_lik: &mut f64| -> bool {
        let c = next[0] + next[1];
        if c.is_nan() || c <= 0.0 {
            return false;
        }
        *log_lik += c.ln();
        *a = [next[0] / c, next[1] / c];
        true
    };
    let quiet_run = |a: &[f64; 2], run: u32| {
        let m = mat_pow(&quiet, run);
        [
            a[0] * m[0][0] + a[1] * m[1][0],
            a[0] * m[0][1] + a[1] * m[1][1],
        ]
    };
    let mut run = 0u32;
    for &round in days {
        if !round {
            run += 1;
            continue;
        }
        if run > 0 {
            let next = quiet_run(&a, run);
            if !absorb(&mut a, next, &mut log_lik) {
                return f64::NEG_INFINITY;
            }
        }
        run = 0;
        let next = step(p, a, true);
        if !absorb(&mut a, next, &mut log_lik) {
            return f64::NEG_INFINITY;
        }
    }
    if run > 0 {
        let next = quiet_run(&a, run);
        if !absorb(&mut a, next, &mut log_lik) {
            return f64::NEG_INFINITY;
        }
    }
    log_lik
}

/// The forward–backward pass: for each day, the probability that the
/// process was Suspended at its end given the whole series (the smoothed
/// or posterior probability).
pub fn smoothed_suspended(p: &HmmParams, days: &[bool]) -> Vec<f64> {
    let (filtered, log_lik) = forward(p, days);
    if !log_lik.is_finite() || filtered.len() != days.len() {
        return vec![f64::NAN; days.len()];
    }
    let n = days.len();
    let mut out = vec![0.0; n];
    // Backward recursion on the scaled variables: beta[i] is proportional
    // to P(rest of the series | state i at the end of day t).
    let mut beta = [1.0, 1.0];
    for t in (0..n).rev() {
        let f = filtered[t];
        let w = [f[0] * beta[0], f[1] * beta[1]];
        let total = w[0] + w[1];
        out[t] = if total > 0.0 { w[1] / total } else { f64::NAN };
        if t == 0 {
            break;
        }
        // beta_{t-1}(i) = sum_j P(i -> j, y_t) beta_t(j).
        let round = days[t];
        let from_active = step(p, [1.0, 0.0], round);
        let from_suspended = step(p, [0.0, 1.0], round);
        let b = [
            from_active[0] * beta[0] + from_active[1] * beta[1],
            from_suspended[0] * beta[0] + from_suspended[1] * beta[1],
        ];
        let scale = b[0].max(b[1]);
        beta = if scale > 0.0 {
            [b[0] / scale, b[1] / scale]
        } else {
            [0.0, 0.0]
        };
    }
    out
}

/// For a gap of `d` whole days, the probability that the next round comes
/// more than `d` days after a round (`d = 0 ..= max_days`): the fitted law
/// of the gaps between the first days of consecutive rounds.
pub fn gap_survival(p: &HmmParams, max_days: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(max_days + 1);
    // The state at the end of a round day is Active.
    let mut v = [1.0, 0.0];
    out.push(1.0);
    for _ in 0..max_days {
        v = step(p, v, false);
        out.push(v[0] + v[1]);
    }
    out
}

/// The one-state (homogeneous Bernoulli) model: a round on each day with
/// the same probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneState {
    /// Probability of a round on any day.
    pub round: Estimate,
    pub log_likelihood: f64,
}

/// A likelihood-ratio test of the two-state model against the one-state
/// model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LrTest {
    /// `2 (l_two_state - l_one_state)`.
    pub statistic: f64,
    pub degrees_of_freedom: u32,
    /// Upper tail of the reference distribution at the statistic.
    pub p_value: f64,
    pub reference: &'static str,
    pub caveat: &'static str,
}

/// The fit of the two-state model to one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HmmFit {
    /// Days in the series.
    pub days: usize,
    /// Days on which a round began.
    pub rounds: usize,
    /// Probability per day that an Active process is suspended.
    pub suspend: Estimate,
    /// Probability per day that a Suspended process resumes.
    pub resume: Estimate,
    /// Probability of a round on a day that begins and ends Active.
    pub round: Estimate,
    pub log_likelihood: f64,
    pub one_state: OneState,
    pub lr_test: LrTest,
    /// How the intervals and standard errors were computed.
    pub interval_method: &'static str,
}

impl HmmFit {
    /// The point estimates.
    pub fn params(&self) -> HmmParams {
        HmmParams {
            suspend: self.suspend.estimate,
            resume: self.resume.estimate,
            round: self.round.estimate,
        }
    }
}

/// The maximum-likelihood estimate, from several starting points.
pub fn fit_point(days: &[bool]) -> Result<(HmmParams, f64), FitError> {
    let rounds = days.iter().filter(|d| **d).count();
    if rounds < 2 {
        return Err(FitError::TooFewRounds { rounds, needed: 2 });
    }
    let rate = rounds as f64 / days.len() as f64;
    let neg = |x: &[f64]| -log_likelihood(&HmmParams::from_logits(x), days);
    let opts = NelderMead::default();
    // The one-state model, reached as "never suspended": the fit starts
    // there too, so it can never end below it.
    let mut starts = vec![[-LOGIT_LIMIT, 0.0, logit(rate)]];
    for s in [0.002, 0.01, 0.05] {
        for r in [0.005, 0.02, 0.1] {
            for k in [1.2, 2.5] {
                starts.push([logit(s), logit(r), logit((rate * k).min(0.9))]);
            }
        }
    }
    let mut best: Option<(Vec<f64>, f64)> = None;
    for s in &starts {
        let m = nelder_mead(neg, s, opts);
        // Restart from the result once: Nelder–Mead can stall on a ridge.
        let m = nelder_mead(neg, &m.x, opts);
        if best.as_ref().is_none_or(|(_, v)| m.value < *v) {
            best = Some((m.x, m.value));
        }
    }
    let (x, value) = best.ok_or(FitError::NoOptimum)?;
    if !value.is_finite() {
        return Err(FitError::NoOptimum);
    }
    Ok((HmmParams::from_logits(&x), -value))
}

/// Fits the model with 95% profile-likelihood intervals and standard
/// errors, and compares it with the one-state model.
pub fn fit(days: &[bool]) -> Result<HmmFit, FitError> {
    let (params, log_lik) = fit_point(days)?;
    let x_hat = params.logits();
    let neg = |x: &[f64]| -log_likelihood(&HmmParams::from_logits(x), days);

    // Observed information on the logit scale.
    let h = hessian(neg, &x_hat, 1e-3);
    let covariance = invert(&h).filter(|c| (0..3).all(|i| c[i][i] > 0.0));

    let opts = NelderMead {
        max_evaluations: 2000,
        ..NelderMead::default()
    };
    let estimate = |j: usize| -> Estimate {
        let p = sigmoid(x_hat[j]);
        let profile = |v: f64| {
            let others: Vec<f64> = (0..3).filter(|&i| i != j).map(|i| x_hat[i]).collect();
            let inner = |y: &[f64]| {
                let mut x = [0.0; 3];
                let mut k = 0;
                for (i, xi) in x.iter_mut().enumerate() {
                    if i == j {
                        *xi = v;
                    } else {
                        *xi = y[k];
                        k += 1;
                    }
                }
                neg(&x)
            };
            let m = nelder_mead(inner, &others, opts);
            let m = nelder_mead(inner, &m.x, opts);
            // A profile cannot exceed the maximum; rounding may say it does.
            (log_lik + m.value).max(0.0)
        };
        let lo = profile_end(
            profile,
            x_hat[j],
            -0.25,
            -LOGIT_LIMIT,
            PROFILE_DROP_95,
            1e-4,
        );
        let hi = profile_end(profile, x_hat[j], 0.25, LOGIT_LIMIT, PROFILE_DROP_95, 1e-4);
        let se = covariance
            .as_ref()
            .map(|c| p * (1.0 - p) * c[j][j].sqrt())
            .filter(|s| s.is_finite());
        Estimate {
            estimate: p,
            se,
            ci95: [sigmoid(lo), sigmoid(hi)],
        }
    };
    let rounds = days.iter().filter(|d| **d).count();
    let n = days.len();
    let one_state_p = rounds as f64 / n as f64;
    let one_state_ll = bernoulli_log_likelihood(rounds, n, one_state_p);
    let statistic = (2.0 * (log_lik - one_state_ll)).max(0.0);
    Ok(HmmFit {
        days: n,
        rounds,
        suspend: estimate(0),
        resume: estimate(1),
        round: estimate(2),
        log_likelihood: log_lik,
        one_state: OneState {
            round: Estimate {
                estimate: one_state_p,
                se: Some((one_state_p * (1.0 - one_state_p) / n as f64).sqrt()),
                ci95: crate::stats::interval::wilson95(rounds as u64, n as u64),
            },
            log_likelihood: one_state_ll,
        },
        lr_test: LrTest {
            statistic,
            degrees_of_freedom: 2,
            // The upper tail of chi-square with 2 degrees of freedom.
            p_value: (-statistic / 2.0).exp(),
            reference: "chi-square with 2 degrees of freedom",
            caveat: "approximate: under the one-state model the suspension probability sits on \
                     the boundary (0) and the resumption probability is not identified, so the \
                     usual chi-square limit of the likelihood ratio does not strictly hold; a \
                     statistic far beyond any chi-square quantile still rejects the one-state model",
        },
        interval_method: "95% profile-likelihood intervals on the logit scale (drop of 1.92 in \
                          log-likelihood); standard errors from the observed information, by the \
                          delta method",
    })
}

/// Log-likelihood of `k` rounds in `n` days under a daily probability `p`.
pub fn bernoulli_log_likelihood(k: usize, n: usize, p: f64) -> f64 {
    let term = |count: usize, q: f64| {
        if count == 0 {
            0.0
        } else {
            count as f64 * q.ln()
        }
    };
    term(k, p) + term(n - k, 1.0 - p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(pattern: &str) -> Vec<bool> {
        pattern.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn forward_matches_brute_force_enumeration_of_the_hidden_paths() {
        let p = HmmParams {
            suspend: 0.2,
            resume: 0.3,
            round: 0.4,
        };
        let y = series("0100110");
        // Sum over all 2^(n+1) state paths (the state before day 1 included).
        let n = y.len();
        let mut total = 0.0;
        for path in 0..1u32 << (n + 1) {
            let state = |t: usize| (path >> t) & 1; // 0 active, 1 suspended
            let mut prob = if state(0) == 0 {
                1.0 - p.stationary_suspended()
            } else {
                p.stationary_suspended()
            };
            for (t, &round) in y.iter().enumerate() {
                let quiet = if round { 0.0 } else { 1.0 };
                prob *= match (state(t), state(t + 1)) {
                    (0, 0) => (1.0 - p.suspend) * if round { p.round } else { 1.0 - p.round },
                    (0, 1) => p.suspend * quiet,
                    (1, 0) => p.resume * quiet,
                    _ => (1.0 - p.resume) * quiet,
                };
            }
            total += prob;
        }
        assert!((log_likelihood(&p, &y) - total.ln()).abs() < 1e-12);
    }

    #[test]
    fn the_fast_likelihood_equals_the_day_by_day_forward_pass() {
        let p = HmmParams {
            suspend: 0.004,
            resume: 0.02,
            round: 0.06,
        };
        let mut y = vec![false; 400];
        for t in [0, 3, 50, 51, 52, 200, 398] {
            y[t] = true;
        }
        for days in [&y[..], &y[1..], &y[..0], &y[4..50]] {
            let (_, slow) = forward(&p, days);
            let fast = log_likelihood(&p, days);
            assert!(
                (slow - fast).abs() < 1e-9 * slow.abs().max(1.0),
                "{slow} {fast}"
            );
        }
    }

    #[test]
    fn a_round_day_is_certainly_active_and_smoothed_probabilities_are_probabilities() {
        let p = HmmParams {
            suspend: 0.05,
            resume: 0.05,
            round: 0.3,
        };
        let y = series("1000000000000000000000000000000000001");
        let s = smoothed_suspended(&p, &y);
        assert_eq!(s[0], 0.0);
        assert_eq!(s[y.len() - 1], 0.0);
        assert!(s.iter().all(|v| (0.0..=1.0).contains(v)));
        // The middle of a long silence is the likeliest place for a
        // suspension.
        assert!(s[18] > s[2] && s[18] > s[34], "{s:?}");
    }

    #[test]
    fn gap_survival_of_a_process_never_suspended_is_geometric() {
        let p = HmmParams {
            suspend: 0.0,
            resume: 0.5,
            round: 0.1,
        };
        let s = gap_survival(&p, 30);
        for (d, v) in s.iter().enumerate() {
            assert!((v - 0.9f64.powi(d as i32)).abs() < 1e-12);
        }
    }
}
