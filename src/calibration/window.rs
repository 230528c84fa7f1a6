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
