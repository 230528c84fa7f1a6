//! The rounds of a window of the record, as the fits take them.
//!
//! Every fit works on a window of the record: the timing fit on the daily
//! series of whether a round began, the size fit on the sizes of the rounds
//! with a published figure. A calibration, a back-test (which refits on the
//! record up to each origin and reads what happened after it) and the
//! charts must cut a window the same way, or a back-test would score a fit
//! other than the one `swapsim calibrate` reports; so the cutting is
//! defined here, once.

use crate::history::intensity::IndexDay;
use crate::history::record::Record;
use crate::history::rounds::{Round, Window, in_window, round_days, rounds};

/// Rounds of a window and the daily series the timing is fitted to.
pub fn window_rounds(record: &Record, window: Window) -> (Vec<Round>, Vec<bool>) {
    let rs = rounds(&in_window(&record.exchanges, window));
    let days = round_days(&rs, window);
    (rs, days)
}

/// Round sizes (people returned to Ukraine) in a window, and the number of
/// rounds without a figure and with a figure of 0, which are left out.
pub fn window_sizes(record: &Record, window: Window) -> (Vec<u64>, usize, usize) {
    let (rs, _) = window_rounds(record, window);
    let without = rs
        .iter()
        .filter(|r| r.returned_to_ukraine.is_none())
        .count();
    let zero = rs
        .iter()
        .filter(|r| r.returned_to_ukraine == Some(0))
        .count();
    let sizes = rs
        .iter()
        .filter_map(|r| r.returned_to_ukraine)
        .filter(|&s| s > 0)
        .collect();
    (sizes, without, zero)
}

/// The recency weight (no unit) of each size [`window_sizes`] returns, in
/// the same order: `2^(-age / half_life)` with `age` the days from the
/// round's first day to the window's last day, the weights of the timing
/// fit ([`super::variant::recency_weight`]); all 1 for no half-life.
pub fn size_weights(record: &Record, window: Window, half_life: Option<f64>) -> Vec<f64> {
    let (rs, _) = window_rounds(record, window);
    rs.iter()
        .filter(|r| r.returned_to_ukraine.is_some_and(|s| s > 0))
        .map(|r| match half_life {
            Some(h) => {
                let age = (window.to - r.first).num_days().max(0);
                super::variant::recency_weight(u32::try_from(age).unwrap_or(u32::MAX), h)
            }
            None => 1.0,
        })
        .collect()
}

/// The index on every day of `window`, or `None` if it misses one.
pub fn index_over(index: &[IndexDay], window: Window) -> Option<Vec<f64>> {
    let first = index.first()?.date;
    let start = usize::try_from(window.day_of(first).checked_neg()?).ok()?;
    let levels: Vec<f64> = index
        .get(start..start + window.days())?
        .iter()
        .map(|d| d.level)
        .collect();
    Some(levels)
}
