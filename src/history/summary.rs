//! What the record shows over a window: exchanges and people per year, who
//! mediated, and the longest gaps.
//!
//! These are counts and sums of what is written in the record, nothing
//! estimated: a reader should be able to check each number against the CSV
//! by hand. Sums of people cover only rows with a figure, and every table
//! says how many rows had none, so an undercount is visible as one.

use super::record::Record;
use super::rounds::{Round, Window, in_window, rounds};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Gaps at least this long are called long and shaded on the timeline.
pub const LONG_GAP_DAYS: i64 = 60;
/// Number of gaps listed as the longest.
pub const LONGEST_GAPS: usize = 5;

/// One calendar year of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearRow {
    pub year: i32,
    /// Days of the window in this year.
    pub days_in_window: usize,
    /// Distinct days with an exchange.
    pub exchange_days: usize,
    /// Rows of the record (an exchange day may have several).
    pub rows: usize,
    /// Rounds that began in this year.
    pub rounds: usize,
    /// People returned to Ukraine, summed over rows with a figure.
    pub returned_to_ukraine: u64,
    /// Rows without a figure for people returned to Ukraine.
    pub rows_without_ukraine_figure: usize,
    /// People returned to Russia, summed over rows with a figure.
    pub returned_to_russia: u64,
    /// Rows without a figure for people returned to Russia.
    pub rows_without_russia_figure: usize,
}

/// One mediator (or combination credited together) over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediatorRow {
    pub mediator: String,
    pub rounds: usize,
    /// People returned to Ukraine in its rounds with a figure.
    pub returned_to_ukraine: u64,
    /// Its rounds without a figure for people returned to Ukraine.
    pub rounds_without_figure: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Days without an exchange between two rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Last exchange before the gap (`None`: the gap runs from the start of
    /// the window).
    pub from: Option<NaiveDate>,
    /// First exchange after it (`None`: the gap runs to the end of the
    /// window).
    pub to: Option<NaiveDate>,
    /// Days from the last exchange before to the first exchange after (to
    /// or from the window's edge if one is missing).
    pub days: i64,
    /// Whether the gap is cut by the window's edge, so that its true length
    /// is at least `days`.
    pub censored: bool,
}

/// Everything `swapsim history` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistorySummary {
    /// The record file, and the SHA-256 of its bytes.
    pub record: String,
    pub record_sha256: String,
    pub window: Window,
    /// Rows in the window.
    pub rows: usize,
    pub exchange_days: usize,
    pub rounds: usize,
    /// People returned to Ukraine, rows with a figure only.
    pub returned_to_ukraine: u64,
    pub rows_without_ukraine_figure: usize,
    /// People returned to Russia, rows with a figure only.
    pub returned_to_russia: u64,
    pub rows_without_russia_figure: usize,
    /// Median of the complete gaps (days), if there is one.
    pub median_gap_days: Option<f64>,
    /// Gaps of at least [`LONG_GAP_DAYS`], censored ones included.
    pub long_gaps: usize,
    pub years: Vec<YearRow>,
    /// Mediators by number of rounds, most first.
    pub mediators: Vec<MediatorRow>,
    /// The longest gaps, longest first.
    pub longest_gaps: Vec<Gap>,
    /// Every gap, in date order.
    pub gaps: Vec<Gap>,
    /// How rounds and gaps are counted.
    pub rules: Rules,
}

/// The counting rules, written into the outputs so a table can be read
/// without the documentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    pub rounds: &'static str,
    pub gaps: &'static str,
    pub sums: &'static str,
}

const RULES: Rules = Rules {
    rounds: "an exchange on the same day as, or the day after, the previous exchange joins its round; a round's size is the sum of its days' figures, unknown if any is unknown",
    gaps: "days from the last exchange of one round to the first exchange of the next; a gap cut by the window's edge is censored",
    sums: "sums of people cover rows with a figure only; empty cells mean not reported, never zero",
};

/// The summary of `record` over `window`, with its rounds.
pub fn summarise(record: &Record, window: Window) -> (HistorySummary, Vec<Round>) {
    let rows = in_window(&record.exchanges, window);
    let rs = rounds(&rows);
    let distinct_days = |it: &mut dyn Iterator<Item = NaiveDate>| {
        let mut v: Vec<NaiveDate> = it.collect();
        v.dedup();
        v.len()
    };

    let mut years = Vec::new();
    for year in window.from.year()..=window.to.year() {
        let in_year: Vec<_> = rows.iter().filter(|e| e.date.year() == year).collect();
        let first = window
            .from
            .max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(window.from));
        let last = window
            .to
            .min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(window.to));
        years.push(YearRow {
            year,
            days_in_window: ((last - first).num_days() + 1).max(0) as usize,
            exchange_days: distinct_days(&mut in_year.iter().map(|e| e.date)),
            rows: in_year.len(),
            rounds: rs.iter().filter(|r| r.first.year() == year).count(),
            returned_to_ukraine: in_year.iter().filter_map(|e| e.returned_to_ukraine).sum(),
            rows_without_ukraine_figure: in_year
                .iter()
                .filter(|e| e.returned_to_ukraine.is_none())
                .count(),
            returned_to_russia: in_year.iter().filter_map(|e| e.returned_to_russia).sum(),
            rows_without_russia_figure: in_year
                .iter()
                .filter(|e| e.returned_to_russia.is_none())
                .count(),
        });
    }

    let mut mediators: Vec<MediatorRow> = Vec::new();
    for r in &rs {
        let row = match mediators.iter_mut().find(|m| m.mediator == r.mediator) {
            Some(m) => m,
            None => {
                mediators.push(MediatorRow {
                    mediator: r.mediator.clone(),
                    rounds: 0,
                    returned_to_ukraine: 0,
                    rounds_without_figure: 0,
                    first: r.first,
                    last: r.last,
                });
                let n = mediators.len() - 1;
                &mut mediators[n]
            }
        };
        row.rounds += 1;
        match r.returned_to_ukraine {
            Some(v) => row.returned_to_ukraine += v,
            None => row.rounds_without_figure += 1,
        }
        row.last = r.last;
    }
    // Most rounds first; ties by name, so the order never depends on the
    // order of the file.
    mediators.sort_by(|a, b| b.rounds.cmp(&a.rounds).then(a.mediator.cmp(&b.mediator)));

    let gaps = gaps(&rs, window);
    let mut complete: Vec<i64> = gaps
        .iter()
        .filter(|g| !g.censored)
        .map(|g| g.days)
        .collect();
    complete.sort_unstable();
    let median_gap_days = match complete.len() {
        0 => None,
        n if n % 2 == 1 => Some(complete[n / 2] as f64),
        n => Some((complete[n / 2 - 1] + complete[n / 2]) as f64 / 2.0),
    };
    let mut longest = gaps.clone();
    // Longest first; among equal lengths the earlier first.
    longest.sort_by(|a, b| b.days.cmp(&a.days).then(a.from.cmp(&b.from)));
    longest.truncate(LONGEST_GAPS);

    let summary = HistorySummary {
        record: record.source_name.clone(),
        record_sha256: record.sha256.clone(),
        window,
        rows: rows.len(),
        exchange_days: distinct_days(&mut rows.iter().map(|e| e.date)),
        rounds: rs.len(),
        returned_to_ukraine: rows.iter().filter_map(|e| e.returned_to_ukraine).sum(),
        rows_without_ukraine_figure: rows
            .iter()
            .filter(|e| e.returned_to_ukraine.is_none())
            .count(),
        returned_to_russia: rows.iter().filter_map(|e| e.returned_to_russia).sum(),
        rows_without_russia_figure: rows
            .iter()
            .filter(|e| e.returned_to_russia.is_none())
            .count(),
        median_gap_days,
        long_gaps: gaps.iter().filter(|g| g.days >= LONG_GAP_DAYS).count(),
        years,
        mediators,
        longest_gaps: longest,
        gaps,
        rules: RULES,
    };
    (summary, rs)
}

/// Gaps between consecutive rounds, plus the censored stretches from the
/// window's start to the first round and from the last round to its end
/// (when they are at least a day long).
pub fn gaps(rs: &[Round], window: Window) -> Vec<Gap> {
    let mut out = Vec::new();
    match rs.first() {
        None => out.push(Gap {
            from: None,
            to: None,
            days: window.days() as i64,
            censored: true,
        }),
        Some(first) if first.first > window.from => out.push(Gap {
            from: None,
            to: Some(first.first),
            days: (first.first - window.from).num_days(),
            censored: true,
        }),
        Some(_) => {}
    }
    for pair in rs.windows(2) {
        out.push(Gap {
            from: Some(pair[0].last),
            to: Some(pair[1].first),
            days: (pair[1].first - pair[0].last).num_days(),
            censored: false,
        });
    }
    if let Some(last) = rs.last()
        && last.last < window.to
    {
        out.push(Gap {
            from: Some(last.last),
            to: None,
            days: (window.to - last.last).num_days(),
            censored: true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_record_matches_its_documented_coverage() {
        let record = Record::shipped().unwrap();
        let window = Window::new("2022-02-24".parse().unwrap(), record.end()).unwrap();
        let (s, _) = summarise(&record, window);
        let by_year: Vec<(i32, usize, u64)> = s
            .years
            .iter()
            .map(|y| (y.year, y.rows, y.returned_to_ukraine))
            .collect();
        assert_eq!(
            by_year,
            vec![
                (2022, 32, 1550),
                (2023, 12, 986),
                (2024, 12, 1358),
                (2025, 20, 2547)
            ]
        );
        let top: Vec<i64> = s.longest_gaps.iter().map(|g| g.days).collect();
        assert_eq!(top[..4], [149, 113, 73, 65]);
        // The stretch since 2 October 2025 is cut by the end of the record.
        let last = s.gaps.last().unwrap();
        assert!(
            last.censored && last.to.is_none() && last.days == 44,
            "{last:?}"
        );
    }
}
