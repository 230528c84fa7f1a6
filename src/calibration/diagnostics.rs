//! Tables that show how well the fitted model reads the record.
//!
//! Estimates and intervals do not say whether the model suits the data.
//! These rows set the record beside the fitted laws: the probability that
//! the process was suspended on each day of the window, the distribution of
//! gaps between rounds as observed and as fitted, and a QQ table of round
//! sizes. They are written to CSV and drawn by [`crate::plot::history`];
//! computing them here keeps the charts to drawing and lets a reader redo
//! the charts from the CSV files.

use super::hmm::{self, HmmParams};
use super::negbin;
use crate::history::rounds::Window;
use serde::Serialize;

/// One day of the fitted window: the data and the decoded state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateRow {
    pub date: chrono::NaiveDate,
    /// Whether a round began on this day.
    pub round: bool,
    /// Probability that the process was Suspended at the end of the day,
    /// given the whole window (forward–backward smoothing).
    pub p_suspended: f64,
    /// The same given only the days up to this one (forward filtering).
    pub p_suspended_filtered: f64,
}

/// The decoded state path of `params` over `window`.
pub fn state_rows(params: &HmmParams, days: &[bool], window: Window) -> Vec<StateRow> {
    let smoothed = hmm::smoothed_suspended(params, days);
    let (filtered, _) = hmm::forward(params, days);
    days.iter()
        .enumerate()
        .map(|(t, &round)| StateRow {
            date: window.date_of(t),
            round,
            p_suspended: smoothed.get(t).copied().unwrap_or(f64::NAN),
            p_suspended_filtered: filtered.get(t).map_or(f64::NAN, |f| f[1]),
        })
        .collect()
}

/// The distribution of gaps between the first days of consecutive rounds:
/// observed (Kaplan–Meier, with the stretch after the last round as a
/// censored gap) and under each fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRow {
    /// Gap length (days).
    pub days: u32,
    /// Share of observed gaps longer than `days` (Kaplan–Meier estimate).
    pub observed: f64,
    /// The same under the fitted two-state model.
    pub two_state: f64,
    /// The same under the fitted one-state model (geometric gaps).
    pub one_state: f64,
}

/// Gaps between the first days of consecutive rounds in `days`, with
/// whether each is censored (the last, cut by the window's end).
pub fn round_gaps(days: &[bool]) -> Vec<(u32, bool)> {
    let starts: Vec<usize> = days
        .iter()
        .enumerate()
        .filter_map(|(t, &r)| r.then_some(t))
        .collect();
    let mut out: Vec<(u32, bool)> = starts
        .windows(2)
        .map(|w| ((w[1] - w[0]) as u32, false))
        .collect();
    if let Some(&last) = starts.last()
        && last + 1 < days.len()
    {
        out.push(((days.len() - 1 - last) as u32, true));
    }
    out
}

/// The table behind the gap chart, for gaps of 0 to `max_days` days.
pub fn gap_rows(days: &[bool], params: &HmmParams, one_state_p: f64, max_days: u32) -> Vec<GapRow> {
    let gaps = round_gaps(days);
    let fitted = hmm::gap_survival(params, max_days as usize);
    // Kaplan–Meier: at each length d with events, multiply by
    // 1 - (gaps ending at d) / (gaps still at risk at d).
    let mut survival = 1.0;
    (0..=max_days)
        .map(|d| {
            let ended = gaps.iter().filter(|&&(g, c)| g == d && !c).count() as f64;
            let at_risk = gaps.iter().filter(|&&(g, _)| g >= d).count() as f64;
            if ended > 0.0 && at_risk > 0.0 {
                survival *= 1.0 - ended / at_risk;
            }
            GapRow {
                days: d,
                observed: survival,
                two_state: fitted[d as usize],
                one_state: (1.0 - one_state_p).powi(d as i32),
            }
        })
        .collect()
}

/// One round of a QQ plot of sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QqRow {
    /// Rank of the size among the fitted ones (1 = smallest).
    pub rank: usize,
    /// The observed size (people).
    pub observed: u64,
    /// The fitted `1 + NB(m, k)` quantile at the Hazen plotting position
    /// `(rank - 1/2) / n` (people).
    pub fitted: u64,
}

/// The QQ table of the sizes fitted.
pub fn qq_rows(sizes: &[u64], m: f64, k: f64) -> Vec<QqRow> {
    negbin::qq_points(sizes, m, k)
        .into_iter()
        .enumerate()
        .map(|(i, (fitted, observed))| QqRow {
            rank: i + 1,
            observed,
            fitted,
        })
        .collect()
}
