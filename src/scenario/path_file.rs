//! `[escalation] path = "file.csv"`: a given escalation path kept in a table
//! of its own (`MODEL.md` v2, "Given escalation path").
//!
//! The file is read once, when the scenario is read, and its rows are then
//! written inline in place of the file name, on the same line of the
//! scenario text: every later step (variants, uncertainties, shards,
//! `merge`) works on that one self-contained text and never reads the file
//! again, and every line number of the scenario stays what it was. The
//! file's own text and its SHA-256 are kept beside it, so outputs record
//! exactly which file was used.
//!
//! Where the file may be: any path the researcher writes, relative to the
//! scenario file's folder (absolute paths and `..` included: data are often
//! kept in a folder next door, and the scenario is the researcher's own),
//! but only a regular file of at most [`crate::input::MAX_TABLE_BYTES`] is
//! read, so a folder, device or pipe is refused before anything is read.

use super::error::{Locator, Problem, ScenarioError, TomlPath};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A path file as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFile {
    /// The file name as written in the scenario (`[escalation] path`).
    pub file: String,
    /// SHA-256 of `text` (lower-case hex).
    pub sha256: String,
    /// The file's full text.
    pub text: String,
}

impl PathFile {
    fn new(file: &str, text: String) -> Self {
        PathFile {
            file: file.to_string(),
            sha256: crate::outputs::sha256_hex(&text),
            text,
        }
    }

    /// Whether `text` is the text that was hashed.
    pub fn is_intact(&self) -> bool {
        crate::outputs::sha256_hex(&self.text) == self.sha256
    }
}

/// The path file that `text` names, if it names one, read relative to
/// `folder`, and `text` with the file's rows written inline. A scenario
/// without a path file is returned unchanged (the same bytes).
pub fn resolve(
    text: &str,
    folder: &Path,
    source_name: &str,
) -> Result<(String, Option<PathFile>), ScenarioError> {
    let Some((name, fill_previous)) = named_file(text) else {
        return Ok((text.to_string(), None));
    };
    let locator = Locator::new(text);
    let at = TomlPath::root().key("escalation").key("path");
    let scenario_problem = |message: String| ScenarioError {
        source_name: source_name.to_string(),
        problems: vec![locator.problem(&at, message)],
    };
    let full = folder.join(&name);
    let csv = crate::input::read_text(&full, crate::input::MAX_TABLE_BYTES).map_err(|e| {
        scenario_problem(format!(
            "path = {name:?} ({}): cannot use this path file: {e}",
            full.display()
        ))
    })?;
    let file = PathFile::new(&name, csv);
    let inline = inline_text(text, &file, fill_previous, &full.display().to_string())?;
    Ok((inline, Some(file)))
}

/// `text` with the rows of `file` inline; problems in the file are named
/// by `shown_as`, the file as found.
fn inline_text(
    text: &str,
    file: &PathFile,
    fill_previous: bool,
    shown_as: &str,
) -> Result<String, ScenarioError> {
    let rows = rows(&file.text, fill_previous).map_err(|problems| ScenarioError {
        source_name: shown_as.to_string(),
        problems,
    })?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| ScenarioError {
        source_name: shown_as.to_string(),
        problems: vec![Problem {
            line: None,
            column: None,
            path: "(file)".to_string(),
            message: format!("the scenario is not valid TOML: {e}"),
        }],
    })?;
    let mut array = toml_edit::Array::new();
    for (date, level) in rows {
        let mut row = toml_edit::InlineTable::new();
        row.insert("date", date.to_string().into());
        row.insert("level", level.into());
        array.push(row);
    }
    // `named_file` found the key, so the item exists and is a value.
    if let Some(value) = doc
        .get_mut("escalation")
        .and_then(|e| e.get_mut("path"))
        .and_then(|p| p.as_value_mut())
    {
        let decor = value.decor().clone();
        *value = toml_edit::Value::Array(array);
        *value.decor_mut() = decor;
    }
    Ok(doc.to_string())
}

/// The file name in `[escalation] path` and whether `fill = "previous"`,
/// if the path is a file name.
fn named_file(text: &str) -> Option<(String, bool)> {
    let tree: toml::Table = text.parse().ok()?;
    let esc = tree.get("escalation")?.as_table()?;
    let name = esc.get("path")?.as_str()?.to_string();
    let fill = esc.get("fill").and_then(|f| f.as_str()) == Some("previous");
    Some((name, fill))
}

/// The rows of a path file: a header `date,level`, then one row a day.
/// Every bad row is named with its line and column; dates must increase,
/// and a gap is an error unless `fill_previous`.
pub fn rows(text: &str, fill_previous: bool) -> Result<Vec<(NaiveDate, f64)>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let problem = |line: usize, column: Option<usize>, field: &str, message: String| Problem {
        line: Some(line),
        column,
        path: field.to_string(),
        message,
    };
    let mut problems = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(vec![problem(
            1,
            Some(1),
            "(header)",
            "the path file is empty: write a header `date,level`, then one row a day".to_string(),
        )]);
    };
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    if names != ["date", "level"] {
        return Err(vec![problem(
            header_line,
            Some(1),
            "(header)",
            format!("the header is {header:?}: write `date,level` (two columns, in this order)"),
        )]);
    }
    let mut out: Vec<(NaiveDate, f64, usize)> = Vec::new();
    for (line, row) in lines {
        let cells: Vec<&str> = row.split(',').collect();
        if cells.len() != 2 {
            problems.push(problem(
                line,
                Some(1),
                "(row)",
                format!(
                    "{} columns where 2 are wanted (date,level): {row:?}",
                    cells.len()
                ),
            ));
            continue;
        }
        let date = crate::dates::parse(cells[0].trim());
        if date.is_err() {
            problems.push(problem(
                line,
                Some(1),
                "date",
                format!(
                    "\"{}\" is not a date: {}",
                    cells[0].trim(),
                    crate::dates::FORMAT_HINT
                ),
            ));
        }
        let level = cells[1]
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|l| l.is_finite() && (0.0..=super::ESCALATION_LIMIT).contains(l));
        if level.is_none() {
            problems.push(problem(
                line,
                Some(cells[0].chars().count() + 2),
                "level",
                format!(
                    "level = \"{}\" is not allowed: a number of escalation units from 0 to {}",
                    cells[1].trim(),
                    super::ESCALATION_LIMIT
                ),
            ));
        }
        if let (Ok(d), Some(l)) = (date, level) {
            out.push((d, l, line));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let pairs: Vec<(NaiveDate, f64)> = out.iter().map(|&(d, l, _)| (d, l)).collect();
    // The same rules as inline rows, with the row named by its line.
    let epoch = pairs.first().map_or(NaiveDate::MIN, |p| p.0);
    if let Err((row, message)) =
        super::events::compile_rows(&pairs, fill_previous, epoch, String::new())
    {
        let line = out.get(row).map_or(header_line, |r| r.2);
        return Err(vec![problem(line, Some(1), "date", message)]);
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_row_is_named_with_line_and_column() {
        let e = rows(
            "date,level\n2026-01-01,1.0\n2026-13-01,1.0\n2026-01-03,-2\n",
            false,
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!((e[0].line, e[0].column), (Some(3), Some(1)));
        assert!(e[0].message.contains("2026-13-01"), "{}", e[0].message);
        assert_eq!((e[1].line, e[1].column), (Some(4), Some(12)));
        assert!(e[1].message.contains("\"-2\""), "{}", e[1].message);
    }

    #[test]
    fn gaps_need_fill_previous_and_dates_must_increase() {
        let gap = "date,level\n2026-01-01,1.0\n2026-01-04,2.0\n";
        let e = rows(gap, false).unwrap_err();
        assert_eq!(e[0].line, Some(3));
        assert!(
            e[0].message.contains("2 days are missing"),
            "{}",
            e[0].message
        );
        assert_eq!(rows(gap, true).unwrap().len(), 2);
        let back = "date,level\n2026-01-02,1.0\n\n2026-01-01,2.0\n";
        assert_eq!(rows(back, false).unwrap_err()[0].line, Some(4));
        assert!(
            rows("day,level\n", false).unwrap_err()[0]
                .message
                .contains("date,level")
        );
    }

    #[test]
    fn rows_are_written_inline_on_the_same_line() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("p.csv"),
            "date,level\r\n2026-01-01,1.5\r\n2026-01-02,0.25\r\n",
        )
        .unwrap();
        let text = "# c\n[escalation]\npath = \"p.csv\" # given\nfill = \"previous\"\n";
        let (inline, file) = resolve(text, tmp.path(), "s.toml").unwrap();
        let file = file.unwrap();
        assert!(file.is_intact());
        assert_eq!(file.file, "p.csv");
        assert_eq!(inline.lines().count(), text.lines().count());
        let line = inline.lines().nth(2).unwrap();
        assert!(
            line.contains("2026-01-02") && line.contains("0.25"),
            "{line}"
        );
        assert!(line.ends_with("# given"), "{line}");
        // No path file: the same bytes.
        let plain = "[escalation]\ninitial_regime = \"x\"\n";
        assert_eq!(
            resolve(plain, tmp.path(), "s").unwrap(),
            (plain.to_string(), None)
        );
        // A folder is refused before reading.
        std::fs::create_dir(tmp.path().join("d.csv")).unwrap();
        let e = resolve("[escalation]\npath = \"d.csv\"\n", tmp.path(), "s.toml").unwrap_err();
        assert_eq!(e.problems[0].line, Some(2));
        assert!(e.problems[0].message.contains("folder"), "{e}");
    }
}
