//! Reference conditions: what "calm" and "typical" mean for a scenario.
//!
//! A hazard's `base` is its value at no fighting and no mediation, which is
//! not a condition anyone has a feeling for. Researchers judge waiting times
//! in conditions they can picture ("in a calm spell with every channel
//! open", "in typical fighting"), so those conditions are defined here,
//! once, as exact functions of the scenario's parameters: `explain` prints
//! hazards at them, and a hazard written as a waiting time (`mean_days`,
//! `at`) is converted to its `base` at them. Nothing here samples; the same
//! scenario always gives the same numbers, bit for bit.
//!
//! Formulas (docs/model.md, section 3.6):
//! - escalation, typical: the long-run mean of the regime chain's intensity
//!   (its stationary distribution, reached from `initial_regime`), plus the
//!   stationary mean shock level `p m / (1 - 2^(-1/half_life))`, plus the
//!   seasonal offset averaged over the days of the horizon, floored at 0;
//! - a channel's open share at escalation `E`: the stationary share of a
//!   two-state chain, `q / (q + p_close(E))`, exact for `E` held fixed;
//! - mediation, full: every channel open, combined by the scenario's rule;
//! - mediation, typical: the expected strength with channels open
//!   independently at their shares at typical escalation, times the
//!   long-run share of days without a common outage. Holding `E` at its
//!   mean is an approximation (the shares are not linear in `E`).

use super::{Combine, Escalation, Hazard, Mediation, Mediator};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A named reference condition at which a hazard can be stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum At {
    /// No fighting (`E = 0`) and every mediation channel open.
    Calm,
    /// The scenario's typical escalation and typical mediation.
    Typical,
}

impl At {
    /// The words of a scenario file: `calm` or `typical`.
    pub const NAMES: [&'static str; 2] = ["calm", "typical"];

    /// Reads `calm` or `typical`.
    pub fn parse(text: &str) -> Option<At> {
        match text {
            "calm" => Some(At::Calm),
            "typical" => Some(At::Typical),
            _ => None,
        }
    }

    /// The word as written in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            At::Calm => "calm",
            At::Typical => "typical",
        }
    }
}

/// Escalation and mediation strength held fixed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// Escalation `E` (escalation units: 0 frozen front, 1 typical
    /// attritional fighting).
    pub escalation: f64,
    /// Mediation strength `M`, from 0 to 1.
    pub mediation: f64,
}

/// The reference levels of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    /// Typical escalation (escalation units), as in the module's formula.
    pub typical_escalation: f64,
    /// Mediation strength with every channel open, 0 to 1.
    pub full_mediation: f64,
    /// Typical mediation strength at typical escalation, 0 to 1.
    pub typical_mediation: f64,
}

impl Levels {
    /// The levels of a scenario's escalation and mediation over `horizon_days`
    /// days from `start`.
    pub fn of(
        escalation: &Escalation,
        mediation: &Mediation,
        start: NaiveDate,
        horizon_days: u32,
    ) -> Levels {
        let typical_escalation = typical_escalation(escalation, start, horizon_days);
        Levels {
            typical_escalation,
            full_mediation: full_mediation(mediation),
            typical_mediation: typical_mediation(mediation, typical_escalation),
        }
    }

    /// The conditions a named reference stands for.
    pub fn at(&self, at: At) -> Conditions {
        match at {
            At::Calm => Conditions {
                escalation: 0.0,
                mediation: self.full_mediation,
            },
            At::Typical => Conditions {
                escalation: self.typical_escalation,
                mediation: self.typical_mediation,
            },
        }
    }
}

/// Which phase change a log-linear hazard drives; it fixes the signs of
/// the coefficients (MODEL.md: escalation slows confirmation and
/// resumption and speeds suspension; mediation does the opposite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HazardKind {
    Confirmation,
    Suspension,
    Resumption,
}

/// The exponent of a hazard's log-linear predictor at `c`: the log of
/// `hazard / base`.
pub fn log_ratio(kind: HazardKind, h: &Hazard, c: Conditions) -> f64 {
    let (e, m) = (
        h.escalation_coef * c.escalation,
        h.mediation_coef * c.mediation,
    );
    match kind {
        HazardKind::Confirmation | HazardKind::Resumption => m - e,
        HazardKind::Suspension => e - m,
    }
}

/// The daily hazard at `c`.
pub fn hazard_at(kind: HazardKind, h: &Hazard, c: Conditions) -> f64 {
    if h.base == 0.0 {
        return 0.0;
    }
    h.base * log_ratio(kind, h, c).exp()
}

/// Daily probability of a hazard `h` per day: `1 - exp(-h)`.
pub fn daily_probability(h: f64) -> f64 {
    -(-h).exp_m1()
}

/// Daily hazard of a daily probability `p < 1`: `-ln(1 - p)`.
pub fn hazard_of_probability(p: f64) -> f64 {
    -(-p).ln_1p()
}

/// Mean waiting time (days) of a geometric wait with daily probability `p`:
/// `1 / p`; infinite for `p = 0`.
pub fn mean_wait_days(p: f64) -> f64 {
    1.0 / p
}

/// Chance that a geometric wait with daily probability `p` ends within
/// `days` days: `1 - (1 - p)^days`.
pub fn chance_within(p: f64, days: u32) -> f64 {
    -(f64::from(days) * (-p).ln_1p()).exp_m1()
}

/// The `base` that gives a mean waiting time of `mean_days` (> 1) at
/// conditions whose log ratio is `log_ratio`: `p = 1 / mean_days`,
/// `h = -ln(1 - p)`, `base = h / exp(log_ratio)`.
pub fn base_for_mean_days(mean_days: f64, log_ratio: f64) -> f64 {
    hazard_of_probability(1.0 / mean_days) / log_ratio.exp()
}

/// Typical escalation over `horizon_days` days from `start`: long-run
/// regime intensity plus stationary mean shock plus mean seasonal offset
/// over the horizon's days, floored at 0 (escalation units).
pub fn typical_escalation(e: &Escalation, start: NaiveDate, horizon_days: u32) -> f64 {
    let shares = regime_shares(e);
    let regimes: f64 = e
        .regimes
        .iter()
        .zip(&shares)
        .map(|(r, s)| r.intensity * s)
        .sum();
    (regimes + mean_shock_level(e) + mean_seasonal_offset(e, start, horizon_days)).max(0.0)
}

/// Stationary mean of the shock level `S_{t+1} = S_t 2^(-1/half_life) +
/// J_t`: `p m / (1 - 2^(-1/half_life))` (escalation units).
pub fn mean_shock_level(e: &Escalation) -> f64 {
    let kept = (-1.0 / e.shock_half_life_days).exp2();
    e.shock_daily_probability * e.shock_mean_size / (1.0 - kept)
}

/// The seasonal offset averaged over the days `0 .. horizon_days`
/// (escalation units).
pub fn mean_seasonal_offset(e: &Escalation, start: NaiveDate, horizon_days: u32) -> f64 {
    if horizon_days == 0 {
        return 0.0;
    }
    let total: f64 = (0..horizon_days)
        .map(|t| {
            let day =
                crate::dates::add_days(start, u64::from(t)).unwrap_or(crate::dates::LAST_DATE);
            e.seasonal_offset(day.month())
        })
        .sum();
    total / f64::from(horizon_days)
}

/// Long-run share of days in each regime (in the order of
/// `e.regimes`), for the chain started in `initial_regime`: the Cesàro
/// limit, which is the stationary distribution when the chain is
/// irreducible. Within a closed class, the share of regime `i` is
/// proportional to `nu_i d_i` (`nu` the stationary distribution of the
/// chain of regimes entered, `d` the mean dwell); over classes, each is
/// weighted by the probability of being absorbed in it.
pub fn regime_shares(e: &Escalation) -> Vec<f64> {
    let n = e.regimes.len();
    let mut shares = vec![0.0; n];
    let Some(init) = e.regime_index(&e.initial_regime) else {
        return shares;
    };
    // Transition probabilities of the chain of regimes entered.
    let mut jump = vec![vec![0.0; n]; n];
    for (i, r) in e.regimes.iter().enumerate() {
        let total: f64 = r.next.values().sum();
        for (name, w) in &r.next {
            if let Some(j) = e.regime_index(name)
                && total > 0.0
            {
                jump[i][j] += w / total;
            }
        }
    }
    let reach = reachability(&jump);
    let closed_class = |i: usize| -> Option<Vec<usize>> {
        let class: Vec<usize> = (0..n).filter(|&j| reach[i][j] && reach[j][i]).collect();
        let leaves = (0..n).any(|j| reach[i][j] && !class.contains(&j));
        (!leaves).then_some(class)
    };
    // Absorption probabilities into each closed class reachable from init.
    let transient: Vec<usize> = (0..n)
        .filter(|&i| reach[init][i] && closed_class(i).is_none())
        .collect();
    let mut classes: Vec<Vec<usize>> = Vec::new();
    for i in (0..n).filter(|&i| reach[init][i]) {
        if let Some(c) = closed_class(i)
            && !classes.contains(&c)
        {
            classes.push(c);
        }
    }
    for class in classes {
        let absorbed = if class.contains(&init) {
            1.0
        } else {
            absorption_probability(&jump, &transient, &class, init)
        };
        let inside = stationary_in_class(e, &jump, &class);
        for (k, &i) in class.iter().enumerate() {
            shares[i] += absorbed * inside[k];
        }
    }
    shares
}

/// `reach[i][j]`: whether regime `j` can follow `i` (each reaches itself).
fn reachability(jump: &[Vec<f64>]) -> Vec<Vec<bool>> {
    let n = jump.len();
    let mut reach: Vec<Vec<bool>> = (0..n)
        .map(|i| (0..n).map(|j| i == j || jump[i][j] > 0.0).collect())
        .collect();
    for k in 0..n {
        let through = reach[k].clone();
        for row in reach.iter_mut() {
            if row[k] {
                for (to, via) in row.iter_mut().zip(&through) {
                    *to |= *via;
                }
            }
        }
    }
    reach
}

/// Probability that the chain of regimes entered, from transient `start`,
/// ends in `class`: solves `x = Q x + r` over the transient regimes.
fn absorption_probability(
    jump: &[Vec<f64>],
    transient: &[usize],
    class: &[usize],
    start: usize,
) -> f64 {
    let t = transient.len();
    let mut a = vec![vec![0.0; t + 1]; t];
    for (row, &i) in transient.iter().enumerate() {
        for (col, &j) in transient.iter().enumerate() {
            a[row][col] = f64::from(u8::from(row == col)) - jump[i][j];
        }
        a[row][t] = class.iter().map(|&j| jump[i][j]).sum();
    }
    let x = solve(a);
    transient
        .iter()
        .position(|&i| i == start)
        .and_then(|k| x.get(k).copied())
        .unwrap_or(0.0)
}

/// Long-run share of days in each regime of a closed class, in the class's
/// order: `nu_i d_i` normalised, `nu` solving `nu = nu P` on the class.
fn stationary_in_class(e: &Escalation, jump: &[Vec<f64>], class: &[usize]) -> Vec<f64> {
    let c = class.len();
    if c == 1 {
        return vec![1.0];
    }
    // Equations sum_i nu_i (P_ij - [i = j]) = 0 for j, the last replaced
    // by sum_i nu_i = 1.
    let mut a = vec![vec![0.0; c + 1]; c];
    for (row, &j) in class.iter().enumerate() {
        for (col, &i) in class.iter().enumerate() {
            a[row][col] = jump[i][j] - f64::from(u8::from(i == j));
        }
    }
    a[c - 1].fill(1.0);
    let nu = solve(a);
    let weighted: Vec<f64> = class
        .iter()
        .zip(&nu)
        .map(|(&i, v)| v * e.regimes[i].mean_duration_days.unwrap_or(1.0))
        .collect();
    let total: f64 = weighted.iter().sum();
    weighted.iter().map(|w| w / total).collect()
}

/// Solves a square linear system given as rows `[A | b]`, by Gaussian
/// elimination with partial pivoting. The systems here are small
/// (at most 64 regimes) and non-singular by construction.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p == 0.0 {
            continue;
        }
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            let f = row[col] / p;
            if r != col && f != 0.0 {
                for (x, y) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * y;
                }
            }
        }
    }
    (0..n).map(|i| a[i][n] / a[i][i]).collect()
}

/// Daily closing probability of an open channel at escalation `e`:
/// `1 - exp(-lambda exp(kappa e))`, with `lambda` set by `availability`
/// (docs/model.md, section 3.2).
pub fn closing_probability(m: &Mediator, e: f64) -> f64 {
    let q = 1.0 / m.mean_outage_days;
    let p0 = q * (1.0 - m.availability) / m.availability;
    let lambda = hazard_of_probability(p0);
    if lambda == 0.0 {
        return 0.0;
    }
    daily_probability(lambda * (m.escalation_sensitivity * e).exp())
}

/// Long-run share of days a channel is open with escalation held at `e`:
/// `q / (q + p_close(e))`, `q = 1 / mean_outage_days`.
pub fn open_share(m: &Mediator, e: f64) -> f64 {
    let q = 1.0 / m.mean_outage_days;
    q / (q + closing_probability(m, e))
}

/// Long-run share of days without a common outage: `1 / (1 + p d)` for
/// outages that start with daily probability `p` and last `d` days on
/// average.
pub fn no_common_outage_share(m: &Mediation) -> f64 {
    1.0 / (1.0 + m.common_outage_probability * m.common_outage_mean_days)
}

/// Mediation strength with every channel open (and no common outage).
pub fn full_mediation(m: &Mediation) -> f64 {
    let w = m.mediators.iter().map(|x| x.effectiveness);
    match m.combine {
        Combine::NoisyOr => 1.0 - w.fold(1.0, |acc, w| acc * (1.0 - w)),
        Combine::Max => w.fold(0.0, f64::max),
    }
}

/// Expected mediation strength with escalation held at `e`: channels open
/// independently at their [`open_share`]s, combined by the scenario's rule
/// (`noisy_or`: `1 - prod(1 - w_i s_i)`; `max`: the expected largest open
/// `w_i`), times [`no_common_outage_share`].
pub fn typical_mediation(m: &Mediation, e: f64) -> f64 {
    let channels: Vec<(f64, f64)> = m
        .mediators
        .iter()
        .map(|x| (x.effectiveness, open_share(x, e)))
        .collect();
    let expected = match m.combine {
        Combine::NoisyOr => 1.0 - channels.iter().fold(1.0, |acc, (w, s)| acc * (1.0 - w * s)),
        Combine::Max => {
            let mut by_strength = channels;
            by_strength.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut all_better_closed = 1.0;
            let mut sum = 0.0;
            for (w, s) in by_strength {
                sum += w * s * all_better_closed;
                all_better_closed *= 1.0 - s;
            }
            sum
        }
    };
    expected * no_common_outage_share(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Regime, ScenarioSource};
    use std::collections::BTreeMap;

    fn regime(name: &str, intensity: f64, d: Option<f64>, next: &[(&str, f64)]) -> Regime {
        Regime {
            name: name.to_string(),
            intensity,
            mean_duration_days: d,
            next: next.iter().map(|(k, w)| (k.to_string(), *w)).collect(),
        }
    }

    fn escalation(initial: &str, regimes: Vec<Regime>) -> Escalation {
        Escalation {
            initial_regime: initial.to_string(),
            shock_daily_probability: 0.0,
            shock_mean_size: 0.0,
            shock_half_life_days: 7.0,
            seasonal: BTreeMap::new(),
            regimes,
        }
    }

    #[test]
    fn two_regimes_share_days_in_proportion_to_their_mean_durations() {
        let e = escalation(
            "a",
            vec![
                regime("a", 1.0, Some(30.0), &[("b", 1.0)]),
                regime("b", 2.0, Some(10.0), &[("a", 1.0)]),
            ],
        );
        let s = regime_shares(&e);
        assert!(
            (s[0] - 0.75).abs() < 1e-12 && (s[1] - 0.25).abs() < 1e-12,
            "{s:?}"
        );
    }

    #[test]
    fn a_chain_that_ends_in_an_absorbing_regime_spends_the_long_run_there() {
        let e = escalation(
            "a",
            vec![
                regime("a", 1.0, Some(30.0), &[("b", 1.0), ("c", 3.0)]),
                regime("b", 2.0, None, &[]),
                regime("c", 0.0, None, &[]),
            ],
        );
        let s = regime_shares(&e);
        assert!(s[0].abs() < 1e-12, "{s:?}");
        assert!(
            (s[1] - 0.25).abs() < 1e-12 && (s[2] - 0.75).abs() < 1e-12,
            "{s:?}"
        );
    }

    #[test]
    fn the_default_scenarios_regime_shares_solve_the_balance_equations() {
        let s = ScenarioSource::builtin().parse().unwrap();
        let shares = regime_shares(s.escalation());
        // lull 30 d -> attritional; attritional 60 d -> lull 0.4, offensive
        // 0.6; offensive 30 d -> attritional. Entries: nu_att = 1/2,
        // nu_lull = 0.2, nu_off = 0.3; days: 6 : 30 : 9 over 45.
        let want = [6.0 / 45.0, 30.0 / 45.0, 9.0 / 45.0];
        for (got, want) in shares.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{shares:?}");
        }
    }

    #[test]
    fn the_waiting_time_and_the_base_convert_exactly_both_ways() {
        for (mean_days, ratio) in [(18.0, 0.4), (1.5, -2.0), (1000.0, 0.0)] {
            let base = base_for_mean_days(mean_days, ratio);
            let p = daily_probability(base * f64::exp(ratio));
            assert!((mean_wait_days(p) - mean_days).abs() < 1e-9 * mean_days);
        }
        assert!((chance_within(0.1, 30) - (1.0 - 0.9f64.powi(30))).abs() < 1e-15);
    }

    #[test]
    fn an_always_open_channel_is_open_every_day_at_any_escalation() {
        let m = Mediator {
            name: "x".to_string(),
            availability: 1.0,
            mean_outage_days: 10.0,
            escalation_sensitivity: 2.0,
            effectiveness: 0.5,
            initially_open: true,
        };
        assert_eq!(open_share(&m, 3.0), 1.0);
        let m = Mediator {
            availability: 0.8,
            ..m
        };
        assert!((open_share(&m, 0.0) - 0.8).abs() < 1e-12);
    }
}
