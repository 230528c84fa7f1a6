//! One-at-a-time swings, for tornado charts.
//!
//! Each uncertainty in turn is set to a low and a high value while every
//! other parameter keeps its value in the scenario, and the output is
//! recorded at both ends. The swing `|f(high) - f(low)|` ranks the
//! uncertainties: the widest bar is drawn on top, which gives the chart its
//! funnel shape. It is the cheapest analysis (`2d + 1` evaluations) and the
//! easiest to read, but it sees each parameter only around the scenario's
//! other values: interactions and effects that are not monotone within the
//! range (a peak in the middle) do not show. The Sobol indices do not have
//! that blind spot.
//!
//! With common random numbers the two ends of a bar and the base differ
//! only through the parameter: a parameter the output does not depend on
//! gets a bar of exactly zero width.

use serde::Serialize;

/// One uncertainty's bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Swing {
    /// Index of the uncertainty in the scenario's list.
    pub input: usize,
    /// Output with the uncertainty at its low value.
    pub at_low: f64,
    /// Output with the uncertainty at its high value.
    pub at_high: f64,
    /// `|at_high - at_low|`.
    pub swing: f64,
}

/// Bars from the output at each uncertainty's low and high values, widest
/// first; ties keep the scenario's order so the chart is reproducible.
pub fn swings(at_low: &[f64], at_high: &[f64]) -> Vec<Swing> {
    let mut out: Vec<Swing> = at_low
        .iter()
        .zip(at_high)
        .enumerate()
        .map(|(input, (&lo, &hi))| Swing {
            input,
            at_low: lo,
            at_high: hi,
            swing: (hi - lo).abs(),
        })
        .collect();
    // A swing that is not a number sorts last.
    out.sort_by(|a, b| {
        let key = |s: &Swing| if s.swing.is_nan() { -1.0 } else { s.swing };
        key(b).total_cmp(&key(a)).then(a.input.cmp(&b.input))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_sorted_by_swing_whatever_their_direction() {
        let s = swings(&[1.0, 5.0, 2.0, 3.0], &[2.0, 1.0, 2.0, 3.5]);
        let order: Vec<usize> = s.iter().map(|b| b.input).collect();
        assert_eq!(order, vec![1, 0, 3, 2]);
        assert_eq!(s[0].swing, 4.0);
        assert_eq!(s[3].swing, 0.0);
    }
}
