//! Calendar dates and day indices, defined once.
//!
//! Scenario files, records of exchanges and command-line options all name
//! days as `YYYY-MM-DD`, and the model counts days from a start date. Every
//! reader and every conversion goes through this module, so that the same
//! text means the same day everywhere and the accepted years are the same
//! (1 to 9999: four digits, as the format says). Arithmetic is checked: a
//! day past 9999-12-31 is an error for the caller to report, never a panic
//! or a date with a five-digit year.

use chrono::{Datelike, NaiveDate};

/// The years a date may have: the four-digit years of `YYYY-MM-DD`.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// The last date a scenario, record or option may name.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a date"),
};

/// How a date is written, for messages.
pub const FORMAT_HINT: &str = "write it as YYYY-MM-DD, for example 2025-11-16";

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("the date is empty")]
    Empty,
    /// Not ten characters of the shape `dddd-dd-dd`.
    #[error("{0:?} is not a date")]
    Shape(String),
    /// The right shape, but no such day (`2025-02-30`, `2025-13-01`).
    #[error("{0:?} is not a day of the calendar")]
    NoSuchDay(String),
    /// The year 0000.
    #[error("{0:?} is outside the years 1 to 9999")]
    Year(String),
}

/// Reads a date written exactly `YYYY-MM-DD`, with a year from 1 to 9999.
/// Signs, spaces, times and other layouts are refused, so that a day-first
/// date such as `02-10-2025` is never read as another day.
pub fn parse(text: &str) -> Result<NaiveDate, DateError> {
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let shape_ok = text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(DateError::Shape(text.to_string()));
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if YEARS.contains(&d.year()) => Ok(d),
        Ok(_) => Err(DateError::Year(text.to_string())),
        Err(_) => Err(DateError::NoSuchDay(text.to_string())),
    }
}

/// The date `days` days after `date`, or `None` past 9999-12-31.
pub fn add_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(chrono::Days::new(days))
        .filter(|d| YEARS.contains(&d.year()))
}

/// Whole days from `from` to `to` (negative when `to` comes first).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The last day of a span of `days` days starting on `first` (`days >= 1`),
/// or `None` if it would pass 9999-12-31.
pub fn last_day(first: NaiveDate, days: u32) -> Option<NaiveDate> {
    add_days(first, u64::from(days.max(1)) - 1)
}

/// 1970-01-01, from which [`day_number`] counts.
const DAY_NUMBER_ORIGIN: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// A date as a number of days since 1970-01-01, the form in which a date
/// is varied like any other number (an uncertain event date). R reads it
/// back with `as.Date(n)`, pandas with `pd.to_datetime(n, unit="D")`.
pub fn day_number(date: NaiveDate) -> i64 {
    days_between(DAY_NUMBER_ORIGIN, date)
}

/// The date of day number `n` (see [`day_number`]), or `None` outside the
/// years 1 to 9999.
pub fn from_day_number(n: i64) -> Option<NaiveDate> {
    DAY_NUMBER_ORIGIN
        .checked_add_signed(chrono::TimeDelta::try_days(n)?)
        .filter(|d| YEARS.contains(&d.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn day_numbers_count_days_from_1970_and_read_back() {
        assert_eq!(day_number(d(1970, 1, 1)), 0);
        assert_eq!(day_number(d(2026, 2, 1)), 20485);
        assert_eq!(from_day_number(20485), Some(d(2026, 2, 1)));
        assert_eq!(from_day_number(day_number(d(1, 1, 1))), Some(d(1, 1, 1)));
        assert_eq!(from_day_number(day_number(LAST_DATE) + 1), None);
        assert_eq!(from_day_number(i64::MAX), None);
    }

    #[test]
    fn reads_dates_of_every_four_digit_year() {
        assert_eq!(parse("2025-11-16"), Ok(d(2025, 11, 16)));
        assert_eq!(parse("0001-01-01"), Ok(d(1, 1, 1)));
        assert_eq!(parse("9999-12-31"), Ok(d(9999, 12, 31)));
        assert_eq!(
            parse("0000-06-01"),
            Err(DateError::Year("0000-06-01".into()))
        );
    }

    #[test]
    fn refuses_other_layouts_and_impossible_days() {
        for text in [
            "02-10-2025",
            "2025-1-02",
            "+2025-01-02",
            " 2025-01-02",
            "2025-01-02T00:00",
        ] {
            assert_eq!(parse(text), Err(DateError::Shape(text.into())), "{text}");
        }
        assert_eq!(parse(""), Err(DateError::Empty));
        assert_eq!(
            parse("2025-02-30"),
            Err(DateError::NoSuchDay("2025-02-30".into()))
        );
    }

    #[test]
    fn arithmetic_stops_at_the_end_of_year_9999() {
        assert_eq!(add_days(d(2025, 12, 31), 1), Some(d(2026, 1, 1)));
        assert_eq!(add_days(d(9999, 12, 30), 1), Some(d(9999, 12, 31)));
        assert_eq!(add_days(d(9999, 12, 31), 1), None);
        assert_eq!(last_day(d(2025, 11, 16), 1), Some(d(2025, 11, 16)));
        assert_eq!(last_day(d(9999, 12, 1), 32), None);
        assert_eq!(days_between(d(2025, 11, 16), d(2025, 12, 31)), 45);
        assert_eq!(days_between(d(2025, 12, 31), d(2025, 11, 16)), -45);
    }
}
