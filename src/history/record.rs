//! Reading a record of exchanges from CSV, and refusing a bad one clearly.
//!
//! Researchers extend the record with rows of their own, usually in a
//! spreadsheet, and a record that is silently misread (a "1,200" taken as
//! 1, an empty cell taken as zero, a row out of date order) would bias every
//! fit made from it. So the file is checked row by row before anything else
//! uses it, and every problem is reported at once with the file, the line,
//! the column, the value found and what is allowed. An empty count means
//! "not reported", never zero, and stays distinct from zero from here on.

use crate::dates::{self, DateError};
use chrono::NaiveDate;
use std::fmt;
use std::path::Path;

/// The record shipped with swapsim (`scenarios/data/exchanges.csv`),
/// compiled into the binary so that every command works from any directory.
pub const SHIPPED_RECORD_CSV: &str = include_str!("../../scenarios/data/exchanges.csv");
/// How the shipped record is named in messages and outputs.
pub const SHIPPED_RECORD_NAME: &str = "scenarios/data/exchanges.csv (built in)";

/// Last day the shipped record covers. No exchange took place between its
/// last row (2 October 2025) and this day, which matters to a fit: those
/// days count as days without a round.
pub fn shipped_record_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 15).unwrap_or_default()
}

/// The columns a record may have, in the order of the shipped file.
pub const COLUMNS: [&str; 7] = [
    "date",
    "returned_to_ukraine",
    "returned_to_russia",
    "mediator",
    "kind",
    "confidence",
    "source_url",
];
/// Columns every record must have; a missing optional column reads as
/// empty cells.
pub const REQUIRED_COLUMNS: [&str; 2] = ["date", "returned_to_ukraine"];

/// The mediator value for "no third party named in the sources".
pub const NO_MEDIATOR: &str = "none/unknown";
/// Mediators of the shipped record and of the current talks. Other names
/// are accepted (a new mediator may appear), but a name one or two letters
/// from one of these is taken for a misspelling.
pub const KNOWN_MEDIATORS: [&str; 6] =
    ["UAE", "Turkey", "Saudi Arabia", "Qatar", "Vatican", "ICRC"];
/// Allowed parts of `kind`, which may list both, separated by `;`.
pub const KINDS: [&str; 2] = ["pow", "civilians"];
/// Allowed values of `confidence`.
pub const CONFIDENCES: [&str; 3] = ["high", "medium", "low"];

/// Most problems listed for one file; a file with more is probably not a
/// record at all, and the first ones say why.
pub(crate) const MAX_PROBLEMS: usize = 30;

/// How well a row's date and figures are attested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Only one side's partial report.
    Low,
    /// A secondary mention, an inferred or approximate figure, or a date
    /// taken from a later cross-reference.
    Medium,
    /// Date and figures from a primary statement or a wire report.
    High,
}

/// One row of the record: one exchange on one day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Exchange {
    /// 1-based line of the row in its file (the header is line 1).
    pub line: u64,
    pub date: NaiveDate,
    /// People returned to Ukraine (people); `None` where no figure was
    /// reported.
    pub returned_to_ukraine: Option<u64>,
    /// People returned to Russia (people); `None` where no figure was
    /// reported.
    pub returned_to_russia: Option<u64>,
    /// Mediators credited in the sources; empty when none was named.
    pub mediators: Vec<String>,
    /// Prisoners of war were exchanged.
    pub pow: bool,
    /// Civilians were exchanged.
    pub civilians: bool,
    /// `None` where the column is absent or the cell empty.
    pub confidence: Option<Confidence>,
    pub source_url: String,
}

impl Exchange {
    /// The mediators as a reader writes them: "UAE", "Turkey and Saudi
    /// Arabia", or [`NO_MEDIATOR`].
    pub fn mediator_label(&self) -> String {
        mediator_label(&self.mediators)
    }
}

/// "UAE", "Turkey and Saudi Arabia", "A, B and C", or [`NO_MEDIATOR`].
pub fn mediator_label(mediators: &[String]) -> String {
    match mediators {
        [] => NO_MEDIATOR.to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A checked record: rows in date order, every value valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The file as the user named it, or [`SHIPPED_RECORD_NAME`].
    pub source_name: String,
    /// SHA-256 of the file's bytes, so outputs can name the exact record.
    pub sha256: String,
    pub exchanges: Vec<Exchange>,
    /// Last day the record is known to cover, where that is known (the
    /// shipped record); otherwise the date of its last row is the best
    /// guess, and commands say so.
    pub covered_until: Option<NaiveDate>,
}

impl Record {
    /// The shipped record.
    pub fn shipped() -> Result<Record, RecordError> {
        let mut r = Record::parse(SHIPPED_RECORD_CSV, SHIPPED_RECORD_NAME)?;
        r.covered_until = Some(shipped_record_end());
        Ok(r)
    }

    /// Reads and checks a record file.
    pub fn read(path: &Path) -> Result<Record, RecordError> {
        let (name, text) = read_data_file(path, HISTORY_FILE)?;
        Record::parse(&text, &name)
    }

    /// Checks CSV text; `source_name` names it in messages.
    pub fn parse(text: &str, source_name: &str) -> Result<Record, RecordError> {
        let (exchanges, sha256) = load_rows(
            text,
            source_name,
            HISTORY_FILE,
            (
                1,
                "the file has a header but no rows: a record needs at least one exchange",
            ),
            parse_rows,
        )?;
        Ok(Record {
            source_name: source_name.to_string(),
            sha256,
            exchanges,
            covered_until: None,
        })
    }

    /// First and last dates of the rows.
    pub fn span(&self) -> (NaiveDate, NaiveDate) {
        let first = self.exchanges.first().map(|e| e.date).unwrap_or_default();
        let last = self.exchanges.last().map(|e| e.date).unwrap_or_default();
        (first, last)
    }

    /// The last day the record covers: the known end, else its last row.
    pub fn end(&self) -> NaiveDate {
        self.covered_until.unwrap_or(self.span().1)
    }
}

/// One thing wrong with a record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// 1-based line in the file (the header is line 1).
    pub line: Option<u64>,
    /// The column, by its header name.
    pub column: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Everything wrong with one data file: a record of exchanges, or a series
/// of claimed losses ([`crate::history::losses`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub source_name: String,
    /// What the file is, as messages name it: [`HISTORY_FILE`] or
    /// [`crate::history::losses::LOSSES_FILE`].
    pub file_kind: &'static str,
    pub problems: Vec<RecordProblem>,
}

/// How messages name a record of exchanges.
pub const HISTORY_FILE: &str = "history file";

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            let more = if self.problems.len() >= MAX_PROBLEMS {
                " (the first ones)"
            } else {
                ""
            };
            writeln!(
                f,
                "{} problems in {} {}{more}:",
                self.problems.len(),
                self.file_kind,
                self.source_name
            )?;
        }
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.source_name)?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
            }
            if let Some(column) = &p.column {
                write!(f, ": {column}")?;
            }
            write!(f, ": {}", p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for RecordError {}

/// Where each known column sits in the file's header.
struct Layout {
    index: [Option<usize>; COLUMNS.len()],
    width: usize,
}

impl Layout {
    fn cell<'r>(&self, row: &'r csv::StringRecord, column: usize) -> &'r str {
        self.index[column]
            .and_then(|i| row.get(i))
            .map_or("", str::trim)
    }
}

pub(crate) fn problem(line: Option<u64>, column: Option<&str>, message: String) -> RecordProblem {
    RecordProblem {
        line,
        column: column.map(str::to_string),
        message,
    }
}

/// Reads a data file named `path` whole; a failure is reported as a
/// problem of the file (`file_kind`, e.g. [`HISTORY_FILE`]). Returns the
/// name messages use for it and its text.
pub(crate) fn read_data_file(
    path: &Path,
    file_kind: &'static str,
) -> Result<(String, String), RecordError> {
    let name = path.display().to_string();
    // The shared reader refuses folders, devices and oversized files, and
    // locates the first byte that is not UTF-8 by line and byte.
    let text =
        crate::input::read_text(path, crate::input::MAX_TABLE_BYTES).map_err(|e| RecordError {
            source_name: name.clone(),
            file_kind,
            problems: vec![problem(
                None,
                None,
                format!("cannot read the {file_kind}: {e}"),
            )],
        })?;
    Ok((name, text))
}

/// Checks the CSV `text` of a data file row by row with `rows`, which
/// reads the header and every row from the reader it is given and adds
/// what is wrong to the problems. A byte-order mark left by a spreadsheet
/// is ignored; fewer than `min_rows.0` rows is the problem `min_rows.1`.
/// Returns the rows and the SHA-256 of the text, or every problem found
/// (at most [`MAX_PROBLEMS`]) with the file named.
pub(crate) fn load_rows<T>(
    text: &str,
    source_name: &str,
    file_kind: &'static str,
    min_rows: (usize, &str),
    rows: impl FnOnce(&mut csv::Reader<&[u8]>, &mut Vec<RecordProblem>) -> Vec<T>,
) -> Result<(Vec<T>, String), RecordError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let out = rows(&mut reader, &mut problems);
    if problems.is_empty() && out.len() < min_rows.0 {
        problems.push(problem(None, None, min_rows.1.to_string()));
    }
    if problems.is_empty() {
        Ok((out, crate::report::sha256_hex(text)))
    } else {
        problems.truncate(MAX_PROBLEMS);
        Err(RecordError {
            source_name: source_name.to_string(),
            file_kind,
            problems,
        })
    }
}

/// The header of a data file, or the problem that it cannot be read.
pub(crate) fn header_row(
    reader: &mut csv::Reader<&[u8]>,
    problems: &mut Vec<RecordProblem>,
) -> Option<csv::StringRecord> {
    match reader.headers() {
        Ok(h) => Some(h.clone()),
        Err(e) => {
            problems.push(problem(
                Some(1),
                None,
                format!("cannot read the header: {e}"),
            ));
            None
        }
    }
}

/// Calls `each` with every row of `reader` that is valid CSV and has
/// `width` fields, and its 1-based line; other rows become problems (a
/// row of the wrong width with `width_hint` appended to the message).
/// Stops once [`MAX_PROBLEMS`] problems are known.
pub(crate) fn for_each_row(
    reader: &mut csv::Reader<&[u8]>,
    width: usize,
    width_hint: &str,
    problems: &mut Vec<RecordProblem>,
    mut each: impl FnMut(&csv::StringRecord, u64, &mut Vec<RecordProblem>),
) {
    for row in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                problems.push(problem(line, None, format!("this is not valid CSV: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.len() != width {
            problems.push(problem(
                Some(line),
                None,
                format!(
                    "the row has {} fields but the header has {width}{width_hint}",
                    row.len()
                ),
            ));
            continue;
        }
        each(&row, line, problems);
    }
}

fn read_header(
    reader: &mut csv::Reader<&[u8]>,
    problems: &mut Vec<RecordProblem>,
) -> Option<Layout> {
    let header = header_row(reader, problems)?;
    let allowed = COLUMNS
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut index = [None; COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(k) if index[k].is_some() => problems.push(problem(
                Some(1),
                Some(name),
                "the column appears twice in the header".to_string(),
            )),
            Some(k) => index[k] = Some(i),
            None => {
                let hint = crate::scenario::error::nearest(name, COLUMNS)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                let shown = if name.is_empty() {
                    "a column with an empty name".to_string()
                } else {
                    format!("unknown column `{name}`")
                };
                problems.push(problem(
                    Some(1),
                    None,
                    format!("{shown}{hint}; allowed columns: {allowed}"),
                ));
            }
        }
    }
    for required in REQUIRED_COLUMNS {
        let k = COLUMNS.iter().position(|c| *c == required).unwrap_or(0);
        if index[k].is_none() {
            problems.push(problem(
                Some(1),
                None,
                format!("the header has no `{required}` column, which every record needs"),
            ));
        }
    }
    problems.is_empty().then_some(Layout {
        index,
        width: header.len(),
    })
}

fn parse_rows(reader: &mut csv::Reader<&[u8]>, problems: &mut Vec<RecordProblem>) -> Vec<Exchange> {
    let Some(layout) = read_header(reader, problems) else {
        return Vec::new();
    };
    let mut out: Vec<Exchange> = Vec::new();
    let mut previous: Option<(NaiveDate, u64)> = None;
    for_each_row(
        reader,
        layout.width,
        "; a value containing a comma must be quoted",
        problems,
        |row, line, problems| {
            let before = problems.len();
            let exchange = parse_row(row, line, &layout, problems);
            if let Some(ex) = exchange {
                if let Some((prev, prev_line)) = previous
                    && ex.date < prev
                {
                    problems.push(problem(
                        Some(line),
                        Some("date"),
                        format!(
                            "{} comes before {prev} on line {prev_line}: rows must be in date order (earliest first)",
                            ex.date
                        ),
                    ));
                }
                previous = Some((ex.date, line));
                if problems.len() == before {
                    out.push(ex);
                }
            }
        },
    );
    out
}

fn parse_row(
    row: &csv::StringRecord,
    line: u64,
    layout: &Layout,
    problems: &mut Vec<RecordProblem>,
) -> Option<Exchange> {
    let at = |column: &str, message: String| problem(Some(line), Some(column), message);
    let date_text = layout.cell(row, 0);
    let date = match parse_date(date_text) {
        Ok(d) => Some(d),
        Err(message) => {
            problems.push(at("date", message));
            None
        }
    };
    let mut count = |k: usize| match parse_count(layout.cell(row, k)) {
        Ok(v) => v,
        Err(message) => {
            problems.push(at(COLUMNS[k], message));
            None
        }
    };
    let returned_to_ukraine = count(1);
    let returned_to_russia = count(2);
    let mediators = match parse_mediators(layout.cell(row, 3)) {
        Ok(m) => m,
        Err(message) => {
            problems.push(at("mediator", message));
            Vec::new()
        }
    };
    let (pow, civilians) = match parse_kind(layout.cell(row, 4)) {
        Ok(k) => k,
        Err(message) => {
            problems.push(at("kind", message));
            (false, false)
        }
    };
    let confidence = match layout.cell(row, 5) {
        "" => None,
        "high" => Some(Confidence::High),
        "medium" => Some(Confidence::Medium),
        "low" => Some(Confidence::Low),
        other => {
            problems.push(at(
                "confidence",
                format!(
                    "{other:?} is not allowed: write `high`, `medium` or `low`, or leave it empty"
                ),
            ));
            None
        }
    };
    let source_url = layout.cell(row, 6).to_string();
    let is_address = source_url.starts_with("https://") || source_url.starts_with("http://");
    if !source_url.is_empty() && !is_address {
        problems.push(at(
            "source_url",
            format!(
                "{source_url:?} is not a web address: write the full address, starting with https:// or http://"
            ),
        ));
    }
    Some(Exchange {
        line,
        date: date?,
        returned_to_ukraine,
        returned_to_russia,
        mediators,
        pow,
        civilians,
        confidence,
        source_url,
    })
}

/// A date written `YYYY-MM-DD` ([`dates::parse`]).
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let hint = "write dates as YYYY-MM-DD, for example 2025-10-02";
    dates::parse(text).map_err(|e| match e {
        DateError::Empty => format!("the date is empty: every row needs one; {hint}"),
        other => format!("{other}: {hint}"),
    })
}

/// A number of people: a whole number, 0 or more, or empty for "not
/// reported".
fn parse_count(text: &str) -> Result<Option<u64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let allowed = "a count must be a whole number of people, 0 or more, written with digits only \
                   (no separators or signs), or left empty if no figure was reported";
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not allowed: {allowed}"));
    }
    // At most ten digits: more people than have ever lived in either country
    // is a typing error, and the bound keeps every later sum in range.
    match text.parse::<u64>() {
        Ok(v) if v < 10_000_000_000 => Ok(Some(v)),
        _ => Err(format!("{text:?} is too large: {allowed}")),
    }
}

fn parse_mediators(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() || text == NO_MEDIATOR {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for part in text.split(';') {
        let name = part.trim();
        if name.is_empty() {
            return Err(format!(
                "{text:?} has an empty name: separate several mediators with `;`, as in \"Turkey;Saudi Arabia\""
            ));
        }
        if name == NO_MEDIATOR {
            return Err(format!(
                "{text:?} lists `{NO_MEDIATOR}` with other mediators: use it alone, for a row where no mediator was named"
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '\'' || c == '.')
        {
            return Err(format!(
                "{name:?} is not a mediator name: use letters, digits, spaces, '-', ''' or '.'"
            ));
        }
        if !KNOWN_MEDIATORS.contains(&name)
            && let Some(known) = crate::scenario::error::nearest(name, KNOWN_MEDIATORS)
        {
            return Err(format!(
                "{name:?} looks like a misspelling of {known:?}; known mediators: {}; another name is accepted if it is not this close to one of them",
                KNOWN_MEDIATORS.join(", ")
            ));
        }
        if out.iter().any(|m| m == name) {
            return Err(format!("{text:?} names {name:?} twice"));
        }
        out.push(name.to_string());
    }
    Ok(out)
}

fn parse_kind(text: &str) -> Result<(bool, bool), String> {
    let allowed = "write `pow`, `civilians` or `pow;civilians`, or leave it empty";
    if text.is_empty() {
        return Ok((false, false));
    }
    let (mut pow, mut civilians) = (false, false);
    for part in text.split(';') {
        match part.trim() {
            "pow" if !pow => pow = true,
            "civilians" if !civilians => civilians = true,
            _ => return Err(format!("{text:?} is not allowed: {allowed}")),
        }
    }
    Ok((pow, civilians))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "date,returned_to_ukraine,returned_to_russia,mediator,kind,confidence,source_url\n";

    fn parse(rows: &str) -> Result<Record, RecordError> {
        Record::parse(&format!("{HEADER}{rows}"), "t.csv")
    }

    #[test]
    fn the_shipped_record_reads_with_all_76_rows() {
        let r = Record::shipped().expect("the shipped record is valid");
        assert_eq!(r.exchanges.len(), 76);
        let (first, last) = r.span();
        assert_eq!(first.to_string(), "2022-03-01");
        assert_eq!(last.to_string(), "2025-10-02");
        assert_eq!(r.end().to_string(), "2025-11-15");
        // Withheld figures stay unknown rather than becoming zero.
        let withheld = r
            .exchanges
            .iter()
            .filter(|e| e.returned_to_ukraine.is_none())
            .count();
        assert_eq!(withheld, 9);
    }

    #[test]
    fn an_empty_count_is_unknown_and_zero_is_zero() {
        let r = parse("2024-01-03,,0,UAE,pow,high,https://example.org/a\n").unwrap();
        assert_eq!(r.exchanges[0].returned_to_ukraine, None);
        assert_eq!(r.exchanges[0].returned_to_russia, Some(0));
    }

    #[test]
    fn optional_columns_may_be_left_out_in_any_order() {
        let r = Record::parse("returned_to_ukraine,date\n12,2023-05-06\n", "t.csv").unwrap();
        assert_eq!(r.exchanges[0].returned_to_ukraine, Some(12));
        assert!(r.exchanges[0].mediators.is_empty());
    }

    #[test]
    fn several_mediators_and_kinds_are_split() {
        let r = parse("2022-09-21,215,56,Turkey;Saudi Arabia,pow;civilians,high,https://e.org\n")
            .unwrap();
        let e = &r.exchanges[0];
        assert_eq!(e.mediator_label(), "Turkey and Saudi Arabia");
        assert!(e.pow && e.civilians);
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_column() {
        let err = parse(
            "2024-13-01,5,5,UAE,pow,high,https://e.org\n\
             2024-02-01,1.200,5,Turky,pows,certain,www.e.org\n",
        )
        .unwrap_err();
        let text = err.to_string();
        for want in [
            "6 problems in history file t.csv:",
            "t.csv:2: date: \"2024-13-01\" is not a day of the calendar",
            "t.csv:3: returned_to_ukraine: \"1.200\" is not allowed",
            "t.csv:3: mediator: \"Turky\" looks like a misspelling of \"Turkey\"",
            "t.csv:3: kind: \"pows\" is not allowed",
            "t.csv:3: confidence: \"certain\" is not allowed",
            "t.csv:3: source_url: \"www.e.org\" is not a web address",
        ] {
            assert!(text.contains(want), "{want:?} not in:\n{text}");
        }
    }

    #[test]
    fn a_byte_order_mark_from_a_spreadsheet_is_ignored() {
        let r = Record::parse(
            &format!("\u{feff}{HEADER}2024-01-03,1,1,UAE,pow,high,https://e.org\n"),
            "t.csv",
        );
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn a_header_without_rows_is_refused() {
        let err = parse("").unwrap_err();
        assert!(err.to_string().contains("no rows"), "{err}");
    }
}
