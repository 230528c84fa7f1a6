//! From exchange days to rounds, and from rounds to a daily series.
//!
//! The model's unit is the *round*: one batch of people crossing on one day.
//! The record has staged operations that ran over consecutive days (the
//! 1,000-for-1,000 of 23–25 May 2025 is one agreed exchange carried out in
//! three stages), and counting each day as a round would make rounds look
//! far more frequent than agreements to exchange are. So an exchange on the
//! day after another one (or on the same day) joins its round; a gap of two
//! days or more starts a new round. A round's size is the sum of its days'
//! figures, and unknown if any day's figure is unknown: a partial sum would
//! read as a small round.

use super::record::{Exchange, mediator_label};
use chrono::NaiveDate;
use serde::Serialize;

/// An exchange at most this many days after the previous one joins its
/// round.
pub const JOIN_DAYS: i64 = 1;

/// A calendar window, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// A window; `None` if `to` is before `from`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Window> {
        (from <= to).then_some(Window { from, to })
    }

    /// Number of days in the window.
    pub fn days(&self) -> usize {
        ((self.to - self.from).num_days() + 1) as usize
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        (self.from..=self.to).contains(&d)
    }

    /// Day index of `d` (0 = `from`).
    pub fn day_of(&self, d: NaiveDate) -> i64 {
        (d - self.from).num_days()
    }

    /// Date of day index `t`.
    pub fn date_of(&self, t: usize) -> NaiveDate {
        self.from + chrono::Days::new(t as u64)
    }
}

/// One round: exchanges on consecutive days counted together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// Day of its first exchange.
    pub first: NaiveDate,
    /// Day of its last exchange.
    pub last: NaiveDate,
    /// People returned to Ukraine (people); `None` if any day's figure is
    /// unknown.
    pub returned_to_ukraine: Option<u64>,
    /// People returned to Russia (people); `None` if any day's figure is
    /// unknown.
    pub returned_to_russia: Option<u64>,
    /// The mediators credited on any of its days, as a reader writes them.
    pub mediator: String,
    /// Number of rows (exchange days) in the round.
    pub rows: usize,
}

/// Groups exchanges (in date order) into rounds.
pub fn rounds(exchanges: &[Exchange]) -> Vec<Round> {
    let mut out: Vec<(Round, Vec<String>)> = Vec::new();
    for e in exchanges {
        let joins = out
            .last()
            .is_some_and(|(r, _)| (e.date - r.last).num_days() <= JOIN_DAYS);
        if joins && let Some((r, mediators)) = out.last_mut() {
            r.last = e.date;
            r.returned_to_ukraine = r
                .returned_to_ukraine
                .zip(e.returned_to_ukraine)
                .map(|(a, b)| a + b);
            r.returned_to_russia = r
                .returned_to_russia
                .zip(e.returned_to_russia)
                .map(|(a, b)| a + b);
            r.rows += 1;
            for m in &e.mediators {
                if !mediators.contains(m) {
                    mediators.push(m.clone());
                }
            }
            r.mediator = mediator_label(mediators);
        } else {
            out.push((
                Round {
                    first: e.date,
                    last: e.date,
                    returned_to_ukraine: e.returned_to_ukraine,
                    returned_to_russia: e.returned_to_russia,
                    mediator: e.mediator_label(),
                    rows: 1,
                },
                e.mediators.clone(),
            ));
        }
    }
    out.into_iter().map(|(r, _)| r).collect()
}

/// The exchanges whose date lies in `window`.
pub fn in_window(exchanges: &[Exchange], window: Window) -> Vec<Exchange> {
    exchanges
        .iter()
        .filter(|e| window.contains(e.date))
        .cloned()
        .collect()
}

/// For each day of `window`, whether a round began on it: the series the
/// hidden Markov model is fitted to. Days on which a round continues count
/// as days without a new round.
pub fn round_days(rounds: &[Round], window: Window) -> Vec<bool> {
    let mut days = vec![false; window.days()];
    for r in rounds {
        if window.contains(r.first) {
            days[window.day_of(r.first) as usize] = true;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::record::Record;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn consecutive_days_join_and_a_two_day_gap_does_not() {
        let r = Record::parse(
            "date,returned_to_ukraine,mediator\n\
             2025-05-23,390,Turkey\n2025-05-24,307,Turkey\n2025-05-25,303,Turkey\n\
             2025-06-09,,Turkey\n2025-06-10,,Turkey\n2025-06-12,,Turkey\n\
             2025-07-23,250,Turkey\n2025-07-23,5,UAE\n",
            "t.csv",
        )
        .unwrap();
        let rs = rounds(&r.exchanges);
        assert_eq!(rs.len(), 4);
        assert_eq!(
            (rs[0].first, rs[0].last),
            (date("2025-05-23"), date("2025-05-25"))
        );
        assert_eq!(rs[0].returned_to_ukraine, Some(1000));
        assert_eq!(rs[0].rows, 3);
        assert_eq!(rs[1].returned_to_ukraine, None);
        assert_eq!(rs[2].first, date("2025-06-12"));
        // Two rows on one day are one round, credited to both mediators.
        assert_eq!(rs[3].returned_to_ukraine, Some(255));
        assert_eq!(rs[3].mediator, "Turkey and UAE");
    }

    #[test]
    fn an_unknown_part_makes_the_round_unknown() {
        let r = Record::parse(
            "date,returned_to_ukraine\n2022-11-23,36\n2022-11-24,\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(rounds(&r.exchanges)[0].returned_to_ukraine, None);
    }

    #[test]
    fn the_shipped_record_has_68_rounds() {
        let r = Record::shipped().unwrap();
        let rs = rounds(&r.exchanges);
        assert_eq!(rs.len(), 68);
        let window = Window::new(date("2022-03-01"), r.end()).unwrap();
        let days = round_days(&rs, window);
        assert_eq!(days.iter().filter(|d| **d).count(), 68);
        assert_eq!(days.len(), 1356);
    }
}
