//! The daily series of claimed Russian losses: a measure of how hard the
//! fighting was on each day.
//!
//! The record of exchanges says nothing about the fighting, yet swapsim's
//! premise is that heavy fighting suspends exchanges. The General Staff of
//! Ukraine's armed forces has published cumulative totals of claimed Russian
//! losses every morning since February 2022; the day-to-day difference is
//! one side's claim for that day, and a widely used proxy for intensity.
//! swapsim ships the series (structured by Petro Ivaniuk's public
//! "2022-Ukraine-Russia-War-Dataset", MIT licence, see
//! `scenarios/data/LICENSE-claimed-losses.txt`) and builds its escalation
//! index from it ([`crate::history::intensity`]).
//!
//! Like the record, the file is checked row by row before it is used, and
//! every problem is reported with its line, column, value and what is
//! allowed: a missing day would shift every later day of the index, and a
//! "1,157,400" misread as 1 would look like a ceasefire.

use super::record::{
    RecordError, RecordProblem, for_each_row, header_row, load_rows, parse_date, problem,
    read_data_file,
};
use chrono::NaiveDate;
use std::path::Path;

/// The series shipped with swapsim (`scenarios/data/claimed_losses_daily.csv`),
/// compiled into the binary like the record.
pub const SHIPPED_LOSSES_CSV: &str = include_str!("../../scenarios/data/claimed_losses_daily.csv");
/// How the shipped series is named in messages and outputs.
pub const SHIPPED_LOSSES_NAME: &str = "scenarios/data/claimed_losses_daily.csv (built in)";
/// How messages name a file of claimed losses.
pub const LOSSES_FILE: &str = "claimed-losses file";

/// The columns of the file, in the order of the shipped one. Every one is
/// a cumulative count since 24 February 2022.
pub const COLUMNS: [&str; 11] = [
    "date",
    "personnel",
    "tanks",
    "armoured_vehicles",
    "artillery",
    "rocket_launchers",
    "air_defence",
    "drones",
    "cruise_missiles",
    "aircraft",
    "helicopters",
];

/// One day of the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossesDay {
    /// 1-based line of the row in its file (the header is line 1).
    pub line: u64,
    pub date: NaiveDate,
    /// Cumulative claimed personnel losses up to that morning (people).
    /// Always present: the escalation index is built from it.
    pub personnel: u64,
    /// Cumulative claimed losses of each equipment column, in the order of
    /// [`COLUMNS`] from `tanks` (items); `None` where the series was not yet
    /// published (`cruise_missiles` before May 2022).
    pub equipment: [Option<u64>; 9],
}

/// A checked series: one row per consecutive day, every value valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedLosses {
    /// The file as the user named it, or [`SHIPPED_LOSSES_NAME`].
    pub source_name: String,
    /// SHA-256 of the file's bytes, so outputs can name the exact series.
    pub sha256: String,
    pub days: Vec<LossesDay>,
}

impl ClaimedLosses {
    /// The shipped series.
    pub fn shipped() -> Result<ClaimedLosses, RecordError> {
        ClaimedLosses::parse(SHIPPED_LOSSES_CSV, SHIPPED_LOSSES_NAME)
    }

    /// Reads and checks a file.
    pub fn read(path: &Path) -> Result<ClaimedLosses, RecordError> {
        let (name, text) = read_data_file(path, LOSSES_FILE)?;
        ClaimedLosses::parse(&text, &name)
    }

    /// Checks CSV text; `source_name` names it in messages.
    pub fn parse(text: &str, source_name: &str) -> Result<ClaimedLosses, RecordError> {
        let (days, sha256) = load_rows(
            text,
            source_name,
            LOSSES_FILE,
            (
                2,
                "the file has fewer than two days: a daily claim is the difference of two consecutive totals",
            ),
            parse_rows,
        )?;
        Ok(ClaimedLosses {
            source_name: source_name.to_string(),
            sha256,
            days,
        })
    }

    /// First day of the series.
    pub fn first(&self) -> NaiveDate {
        self.days.first().map(|d| d.date).unwrap_or_default()
    }

    /// Last day of the series.
    pub fn last(&self) -> NaiveDate {
        self.days.last().map(|d| d.date).unwrap_or_default()
    }

    /// Personnel claimed for each day from the second row on (people per
    /// day): today's total minus yesterday's. A total that went down (a
    /// correction) counts as a claim of 0 for that day rather than a
    /// negative one, so that a correction cannot read as negative fighting.
    /// Element `i` is the claim for `days[i + 1].date`.
    pub fn daily_personnel(&self) -> Vec<f64> {
        self.days
            .windows(2)
            .map(|w| w[1].personnel.saturating_sub(w[0].personnel) as f64)
            .collect()
    }
}

fn parse_rows(
    reader: &mut csv::Reader<&[u8]>,
    problems: &mut Vec<RecordProblem>,
) -> Vec<LossesDay> {
    let Some(header) = header_row(reader, problems) else {
        return Vec::new();
    };
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names != COLUMNS {
        problems.push(problem(
            Some(1),
            None,
            format!(
                "the header is `{}`; a claimed-losses file has exactly the columns `{}`, in that order",
                names.join(","),
                COLUMNS.join(",")
            ),
        ));
        return Vec::new();
    }
    let mut out: Vec<LossesDay> = Vec::new();
    for_each_row(
        reader,
        COLUMNS.len(),
        "",
        problems,
        |row, line, problems| {
            let cell = |k: usize| row.get(k).map_or("", str::trim);
            let before = problems.len();
            let date = match parse_date(cell(0)) {
                Ok(d) => Some(d),
                Err(message) => {
                    problems.push(problem(Some(line), Some("date"), message));
                    None
                }
            };
            let mut counts = [None; 10];
            for (k, slot) in counts.iter_mut().enumerate() {
                match parse_total(cell(k + 1)) {
                    Ok(v) => *slot = v,
                    Err(message) => {
                        problems.push(problem(Some(line), Some(COLUMNS[k + 1]), message))
                    }
                }
            }
            if problems.len() == before && counts[0].is_none() {
                problems.push(problem(
                Some(line),
                Some("personnel"),
                "the cell is empty: every day needs its personnel total, which the escalation index is built from"
                    .to_string(),
            ));
            }
            if let (Some(date), Some(prev)) = (date, out.last())
                && problems.len() == before
                && date != prev.date + chrono::Days::new(1)
            {
                problems.push(problem(
                Some(line),
                Some("date"),
                format!(
                    "{date} follows {} on line {}: rows must be consecutive days, earliest first, with none missing",
                    prev.date, prev.line
                ),
            ));
            }
            if problems.len() == before
                && let (Some(date), Some(personnel)) = (date, counts[0])
            {
                let mut equipment = [None; 9];
                equipment.copy_from_slice(&counts[1..]);
                out.push(LossesDay {
                    line,
                    date,
                    personnel,
                    equipment,
                });
            }
        },
    );
    out
}

/// A cumulative total: a whole number, 0 or more, or empty for "not yet
/// published".
fn parse_total(text: &str) -> Result<Option<u64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let allowed = "a total must be a whole number, 0 or more, written with digits only \
                   (no separators or signs), or left empty where the series was not yet published";
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not allowed: {allowed}"));
    }
    match text.parse::<u64>() {
        Ok(v) if v < 10_000_000_000 => Ok(Some(v)),
        _ => Err(format!("{text:?} is too large: {allowed}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "date,personnel,tanks,armoured_vehicles,artillery,rocket_launchers,air_defence,drones,cruise_missiles,aircraft,helicopters\n";

    #[test]
    fn the_shipped_series_reads_with_every_day_to_15_november_2025() {
        let s = ClaimedLosses::shipped().expect("the shipped series is valid");
        assert_eq!(s.days.len(), 1360);
        assert_eq!(s.first().to_string(), "2022-02-25");
        assert_eq!(s.last().to_string(), "2025-11-15");
        assert_eq!(s.days[1359].personnel, 1_157_400);
        // cruise_missiles was not yet published on the first day.
        assert_eq!(s.days[0].equipment[6], None);
        let daily = s.daily_personnel();
        assert_eq!(daily.len(), 1359);
        assert_eq!(daily[0], 1500.0);
    }

    #[test]
    fn bad_rows_are_named_by_line_and_column() {
        let text = format!(
            "{HEADER}2022-02-25,2800,80,516,49,4,0,0,,10,7\n\
             2022-02-26,4.300,146,706,49,4,0,2,,27,x\n\
             2022-02-28,,150,706,50,4,0,2,,27,26\n\
             2022-03-01,5300,150,816,74,21,5,3,,29,29\n"
        );
        let err = ClaimedLosses::parse(&text, "l.csv").unwrap_err();
        let text = err.to_string();
        for want in [
            "4 problems in claimed-losses file l.csv:",
            "l.csv:3: personnel: \"4.300\" is not allowed",
            "l.csv:3: helicopters: \"x\" is not allowed",
            "l.csv:4: personnel: the cell is empty",
            "l.csv:5: date: 2022-03-01 follows 2022-02-25 on line 2: rows must be consecutive days",
        ] {
            assert!(text.contains(want), "{want:?} not in:\n{text}");
        }
    }

    #[test]
    fn a_header_with_other_columns_is_refused() {
        let err = ClaimedLosses::parse("date,personel\n2022-02-25,1\n", "l.csv").unwrap_err();
        assert!(
            err.to_string()
                .contains("l.csv:1: the header is `date,personel`"),
            "{err}"
        );
    }

    #[test]
    fn a_correction_downwards_is_a_claim_of_zero() {
        let text = format!(
            "{HEADER}2022-02-25,100,,,,,,,,,\n2022-02-26,90,,,,,,,,,\n2022-02-27,130,,,,,,,,,\n"
        );
        let s = ClaimedLosses::parse(&text, "l.csv").unwrap();
        assert_eq!(s.daily_personnel(), vec![0.0, 40.0]);
    }
}
