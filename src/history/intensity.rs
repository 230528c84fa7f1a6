//! The escalation index: how hard the fighting was on each day, on the
//! scale of swapsim's scenarios (1 = typical attritional fighting).
//!
//! The raw daily claims of [`crate::history::losses`] cannot be used as
//! they are. Their level drifts with the war's character (about 200 people
//! a day in mid-2022, about 1,500 in late 2024), so a fixed threshold would
//! call all of 2024 an escalation; and reporting is lumpy from one day to the
//! next. The index therefore compares a short recent window with what the
//! trailing year would lead one to expect for it:
//!
//! ```text
//! d_t      personnel claimed for day t (a total that fell counts as 0)
//! s_t      mean of d over the SHORT_DAYS days ending on t       (smoothing)
//! b_t      the ordinary least-squares line through (u, d_u) over the
//!          LONG_DAYS days ending on t, read at the centre of the short
//!          window, t - (SHORT_DAYS - 1)/2; at least half the long window's
//!          mean                                                  (drift)
//! level_t  s_t / b_t
//! ```
//!
//! A constant series and a series that grows or falls in a straight line
//! both give exactly 1: steady drift is the war's character, not an
//! escalation. A step up to a new level reads above 1 at once and returns
//! to 1 within a year as the new level becomes the baseline (undershooting
//! a little on the way, since a straight line fitted through a step
//! overshoots at its end). The floor
//! on `b_t` keeps a steep fall over the trailing year from making the index
//! explode. Only past days enter `level_t`, so the index on a day is known
//! on that day, as a forecast from it requires. Near the start of the series
//! the windows hold the days there are; until [`MIN_TREND_DAYS`] claims are
//! available, `b_t` is their plain mean (a trend through a few weeks of the
//! war's opening would mean little).

use super::losses::ClaimedLosses;
use chrono::NaiveDate;
use serde::Serialize;

/// Length of the smoothing window (days): two weeks, so that a one-day
/// burst of reporting moves the index by a fourteenth of its size.
pub const SHORT_DAYS: usize = 14;
/// Length of the trailing window whose trend is the baseline (days).
pub const LONG_DAYS: usize = 365;
/// Claims needed before the baseline is a trend rather than a mean (days).
pub const MIN_TREND_DAYS: usize = 90;
/// The baseline is never below this share of the long window's mean.
pub const BASELINE_FLOOR: f64 = 0.5;

/// The index on one day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndexDay {
    pub date: NaiveDate,
    /// Escalation level (1 = typical attritional fighting, dimensionless).
    pub level: f64,
}

/// The index from daily claims `d` (people per day); element `i` of the
/// result belongs to the same day as `d[i]`.
pub fn index_of_claims(d: &[f64]) -> Vec<f64> {
    // Prefix sums of d, u d and u (u = day number) make every window's least
    // squares an O(1) computation.
    let n = d.len();
    let mut sum = vec![0.0; n + 1];
    let mut sum_ud = vec![0.0; n + 1];
    for (u, &v) in d.iter().enumerate() {
        sum[u + 1] = sum[u] + v;
        sum_ud[u + 1] = sum_ud[u] + u as f64 * v;
    }
    (0..n)
        .map(|t| {
            let short_from = (t + 1).saturating_sub(SHORT_DAYS);
            let short = (sum[t + 1] - sum[short_from]) / (t + 1 - short_from) as f64;
            let from = (t + 1).saturating_sub(LONG_DAYS);
            let m = (t + 1 - from) as f64;
            let mean = (sum[t + 1] - sum[from]) / m;
            let baseline = if t + 1 - from < MIN_TREND_DAYS {
                mean
            } else {
                // Least squares of d on u over u = from ..= t.
                let u_mean = (from + t) as f64 / 2.0;
                let s_uu = m * (m * m - 1.0) / 12.0;
                let s_ud = (sum_ud[t + 1] - sum_ud[from]) - u_mean * (sum[t + 1] - sum[from]);
                let slope = s_ud / s_uu;
                let centre = t as f64 - (t - short_from) as f64 / 2.0;
                (mean + slope * (centre - u_mean)).max(BASELINE_FLOOR * mean)
            };
            if baseline > 0.0 {
                short / baseline
            } else {
                // No claims at all over the trailing year: nothing marks
                // the fighting as unusual.
                1.0
            }
        })
        .collect()
}

/// The index of a series of claimed losses, from its second day (the first
/// day with a daily claim) to its last.
pub fn escalation_index(losses: &ClaimedLosses) -> Vec<IndexDay> {
    let levels = index_of_claims(&losses.daily_personnel());
    losses.days[1..]
        .iter()
        .zip(levels)
        .map(|(day, level)| IndexDay {
            date: day.date,
            level,
        })
        .collect()
}

/// One row of a path file (`date,level`), the format of a scenario's
/// `[escalation] path`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathRow {
    pub date: NaiveDate,
    /// Escalation level, written with four significant digits
    /// ([`crate::format::sig_trimmed`]).
    pub level: String,
}

/// The rows of a path file for the days `from ..= to` of `index`.
pub fn path_rows(index: &[IndexDay], from: NaiveDate, to: NaiveDate) -> Vec<PathRow> {
    index
        .iter()
        .filter(|d| (from..=to).contains(&d.date))
        .map(|d| PathRow {
            date: d.date,
            level: crate::format::sig_trimmed(d.level, 4),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact arithmetic on these series is only disturbed by rounding of
    /// sums of a few hundred terms of size ~1e5.
    const EXACT: f64 = 1e-9;

    #[test]
    fn a_constant_series_is_one_everywhere() {
        for level in index_of_claims(&[250.0; 800]) {
            assert!((level - 1.0).abs() < EXACT, "{level}");
        }
    }

    #[test]
    fn a_straight_line_trend_is_drift_not_escalation() {
        // Claims rising by one person a day every day, then falling: once
        // the baseline is a trend (day MIN_TREND_DAYS on) the index is 1.
        let up: Vec<f64> = (0..800).map(|u| 200.0 + u as f64).collect();
        let down: Vec<f64> = (0..800).map(|u| 1200.0 - u as f64).collect();
        for series in [up, down] {
            let index = index_of_claims(&series);
            for (t, level) in index.iter().enumerate().skip(MIN_TREND_DAYS - 1) {
                assert!((level - 1.0).abs() < EXACT, "day {t}: {level}");
            }
        }
    }

    #[test]
    fn a_step_up_reads_high_then_fades_over_a_year() {
        // 400 days at 100 a day, then 200 a day from day 400 on. The
        // expected values were computed independently (least squares of the
        // step function, docs/calibration.md).
        let d: Vec<f64> = (0..1200)
            .map(|u| if u < 400 { 100.0 } else { 200.0 })
            .collect();
        let index = index_of_claims(&d);
        assert!((index[399] - 1.0).abs() < EXACT);
        let expected = [(413, 1.747_079_5), (490, 1.117_784_0), (600, 0.883_192_5)];
        for (t, want) in expected {
            assert!(
                (index[t] - want).abs() < 1e-6,
                "day {t}: {} against {want}",
                index[t]
            );
        }
        // A whole window after the step, the new level is the baseline.
        for (t, level) in index.iter().enumerate().skip(400 + LONG_DAYS - 1) {
            assert!((level - 1.0).abs() < EXACT, "day {t}: {level}");
        }
    }

    #[test]
    fn a_one_day_burst_of_reporting_is_spread_over_the_short_window() {
        let mut d = vec![100.0; 600];
        d[500] = 100.0 + 1400.0;
        let index = index_of_claims(&d);
        // The burst adds 1400 / 14 = 100 a day to the short mean for 14
        // days; the trend line, pulled up by the burst at the end of its
        // window, takes some of it: about 1.75 for two weeks (computed
        // independently), never the 15 of the raw day. After the two weeks
        // the raised trend makes the index dip below 1 for a while.
        for (t, level) in index.iter().enumerate().take(514).skip(500) {
            assert!(*level > 1.74 && *level < 1.76, "day {t}: {level}");
        }
        assert!((index[514] - 0.877).abs() < 1e-3, "{}", index[514]);
    }

    #[test]
    fn the_shipped_index_starts_the_day_after_the_series() {
        let losses = ClaimedLosses::shipped().unwrap();
        let index = escalation_index(&losses);
        assert_eq!(index.len(), 1359);
        assert_eq!(index[0].date.to_string(), "2022-02-26");
        assert!(index.iter().all(|d| d.level.is_finite() && d.level >= 0.0));
        let rows = path_rows(
            &index,
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 11, 15).unwrap(),
        );
        assert_eq!(rows.len(), 15);
    }
}
