//! Reading a scenario file's text into the raw structs, reporting every
//! problem at once.
//!
//! serde stops at the first field it cannot read, so a file with a
//! misspelt key, a word where a number belongs and a bad date would be
//! fixed one run at a time. Here each such problem is recorded with its
//! path and line, the offending value is taken out of the tree (an unknown
//! key) or replaced by a stand-in of some type (a wrong type, a missing
//! field), and the tree is read again, until it reads. Validation then runs
//! on the result, and its problems at paths already reported (where a
//! stand-in sits) are dropped, so every problem is reported once.

use super::error::{Locator, Problem, Seg, TomlPath, explain_serde_message};
use super::raw::RawScenario;
use std::collections::BTreeMap;

/// Most problems reported from one file (and so most rereads).
const MAX_PROBLEMS: usize = 100;

/// The raw scenario, if the tree could be read (with stand-ins), the
/// problems found, and the paths (as text) where stand-ins sit.
pub(super) struct Parsed {
    pub raw: Option<RawScenario>,
    pub problems: Vec<Problem>,
    pub patched: Vec<String>,
}

impl Parsed {
    /// Whether a problem at `path` follows from one already reported: it
    /// lies at or below a path where a stand-in sits.
    pub fn covers(&self, path: &str) -> bool {
        self.patched.iter().any(|p| {
            p == "(top level)"
                || path == p
                || path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }
}

/// Stand-ins tried in turn for a value of the wrong type or a missing one,
/// until the tree reads. Each is invalid where it can be (NaN, -1, "?"), so
/// that validation fails at the stand-in's own path, where the problem is
/// already reported, rather than passing it on to checks of other fields
/// (a valid stand-in date would make a valid deadline look out of range).
fn stand_in(attempt: usize) -> Option<toml::Value> {
    Some(match attempt {
        0 => toml::Value::Float(f64::NAN),
        1 => toml::Value::Integer(-1),
        2 => toml::Value::Integer(1),
        3 => toml::Value::String("?".to_string()),
        4 => toml::Value::Boolean(true),
        5 => toml::Value::Table(toml::Table::new()),
        6 => toml::Value::Array(Vec::new()),
        _ => return None,
    })
}

fn toml_path(path: &serde_path_to_error::Path) -> TomlPath {
    let mut out = TomlPath::root();
    for seg in path {
        match seg {
            serde_path_to_error::Segment::Seq { index } => out = out.index(*index),
            serde_path_to_error::Segment::Map { key } => out = out.key(key),
            serde_path_to_error::Segment::Enum { variant } => out = out.key(variant),
            serde_path_to_error::Segment::Unknown => break,
        }
    }
    out
}

/// The first word between backticks of a serde message.
fn first_backticked(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

/// The value at `path` in `tree`, mutably, creating nothing.
fn slot<'t>(tree: &'t mut toml::Table, path: &[Seg]) -> Option<&'t mut toml::Value> {
    let (first, rest) = path.split_first()?;
    let Seg::Key(k) = first else { return None };
    let mut value = tree.get_mut(k)?;
    for seg in rest {
        value = match (seg, value) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k)?,
            (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The table that holds (or would hold) the key at the end of `path`.
fn parent_table<'t>(tree: &'t mut toml::Table, path: &[Seg]) -> Option<&'t mut toml::Table> {
    match path.split_last()? {
        (Seg::Key(_), []) => Some(tree),
        (Seg::Key(_), parent) => slot(tree, parent)?.as_table_mut(),
        _ => None,
    }
}

/// Puts `value` at `path` (a key in a table, or an element of an array).
fn put(tree: &mut toml::Table, path: &[Seg], value: toml::Value) -> bool {
    match path.split_last() {
        Some((Seg::Key(k), _)) => parent_table(tree, path)
            .map(|t| t.insert(k.clone(), value))
            .is_some(),
        Some((Seg::Index(_), _)) => match slot(tree, path) {
            Some(v) => {
                *v = value;
                true
            }
            None => false,
        },
        None => false,
    }
}

/// Takes the key at `path` out of its table.
fn remove(tree: &mut toml::Table, path: &[Seg]) -> bool {
    match path.split_last() {
        Some((Seg::Key(k), _)) => parent_table(tree, path).is_some_and(|t| t.remove(k).is_some()),
        _ => false,
    }
}

/// The tables of a scenario, by path (`*` for every element of an array of
/// tables). serde would read a list written in their place by position,
/// silently assigning its numbers to fields in declaration order.
const TABLES: &[&str] = &[
    "simulation",
    "target",
    "escalation",
    "escalation.seasonal",
    "escalation.regimes.*",
    "escalation.regimes.*.next",
    "mediation",
    "mediation.mediators.*",
    "exchange",
    "exchange.confirmation",
    "exchange.suspension",
    "exchange.resumption",
    "exchange.collapse",
    "variants.*",
    "variants.*.set",
    "variants.*.add_mediators.*",
    "uncertainties",
    "uncertainties.*",
];

/// Paths in `value` matching `pattern` (dotted, `*` for any key or index).
fn matching(value: &toml::Value, pattern: &[&str], at: TomlPath, out: &mut Vec<(TomlPath, bool)>) {
    let Some((first, rest)) = pattern.split_first() else {
        out.push((at, value.is_array()));
        return;
    };
    match (value, *first) {
        (toml::Value::Table(t), "*") => {
            for (k, v) in t {
                matching(v, rest, at.key(k), out);
            }
        }
        (toml::Value::Array(a), "*") => {
            for (i, v) in a.iter().enumerate() {
                matching(v, rest, at.index(i), out);
            }
        }
        (toml::Value::Table(t), key) => {
            if let Some(v) = t.get(key) {
                matching(v, rest, at.key(key), out);
            }
        }
        _ => {}
    }
}

/// Reads `tree` as a scenario, recording every problem serde finds.
pub(super) fn read_all(mut tree: toml::Table, locator: &Locator) -> Parsed {
    let mut problems = Vec::new();
    let mut patched: Vec<String> = Vec::new();
    let root = toml::Value::Table(tree.clone());
    let mut found = Vec::new();
    for pattern in TABLES {
        let parts: Vec<&str> = pattern.split('.').collect();
        matching(&root, &parts, TomlPath::root(), &mut found);
    }
    for (path, is_list) in found {
        if is_list {
            problems.push(
                locator.problem(
                    &path,
                    "expected a table of named values (a [table] of `key = value` lines, or \
                 { key = value, ... }), found a list: swapsim never reads values by their position"
                        .to_string(),
                ),
            );
            patched.push(path.to_string());
            put(&mut tree, &path.0, toml::Value::Table(toml::Table::new()));
        }
    }
    let mut attempts: BTreeMap<String, usize> = BTreeMap::new();
    let parsed = |raw, problems, patched| Parsed {
        raw,
        problems,
        patched,
    };
    for _ in 0..MAX_PROBLEMS * 8 {
        let error = match serde_path_to_error::deserialize::<_, RawScenario>(toml::Value::Table(
            tree.clone(),
        )) {
            Ok(raw) => return parsed(Some(raw), without_misspelt_twins(problems), patched),
            Err(e) => e,
        };
        let message = error.inner().message().to_string();
        let mut path = toml_path(error.path());
        let unknown = message.starts_with("unknown field");
        let missing = message.starts_with("missing field");
        // The path of an unknown or missing field is its table's; name the
        // field itself.
        if (unknown || missing)
            && let Some(field) = first_backticked(&message)
            && path.0.last() != Some(&Seg::Key(field.to_string()))
        {
            path = path.key(field);
        }
        let key = path.to_string();
        let so_far = Parsed {
            raw: None,
            problems: Vec::new(),
            patched: patched.clone(),
        };
        if !so_far.covers(&key) {
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
            let explained = explain_serde_message(&message);
            problems.push(if unknown {
                locator.key_problem(&path, explained)
            } else {
                locator.problem(&path, explained)
            });
            patched.push(key.clone());
        }
        let fixed = if unknown {
            remove(&mut tree, &path.0)
        } else {
            let attempt = attempts.entry(key).or_insert(0);
            let value = stand_in(*attempt);
            *attempt += 1;
            value.is_some_and(|v| put(&mut tree, &path.0, v))
        };
        if !fixed {
            break;
        }
    }
    parsed(None, without_misspelt_twins(problems), patched)
}

/// A misspelt key is reported twice by serde: as an unknown field and as
/// the missing field it was meant to be. Keeps the first report, which
/// says "did you mean".
fn without_misspelt_twins(problems: Vec<Problem>) -> Vec<Problem> {
    let meant: Vec<String> = problems
        .iter()
        .filter(|p| p.message.starts_with("unknown field"))
        .filter_map(|p| {
            let guess = p
                .message
                .split("(did you mean `")
                .nth(1)?
                .split('`')
                .next()?;
            let table = p.path.rsplit_once('.').map_or("", |(t, _)| t);
            Some(if table.is_empty() {
                guess.to_string()
            } else {
                format!("{table}.{guess}")
            })
        })
        .collect();
    problems
        .into_iter()
        .filter(|p| !(p.message.starts_with("missing required field") && meant.contains(&p.path)))
        .collect()
}

/// Reads the text of a scenario file into a TOML tree, or says where the
/// syntax is wrong, naming the key on that line when there is one.
pub(super) fn read_tree(text: &str, locator: &Locator) -> Result<toml::Table, Problem> {
    text.parse::<toml::Table>().map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| locator.line_col(s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let message = e.message().trim().to_string();
        let too_large = ["too large", "overflow", "as i128"]
            .iter()
            .any(|m| message.contains(m));
        let (path, message) = if too_large {
            (
                line.and_then(|l| key_on_line(text, l))
                    .unwrap_or_else(|| "(syntax)".to_string()),
                "this whole number is too large: whole numbers in a scenario file go up to \
                 9223372036854775807"
                    .to_string(),
            )
        } else {
            (
                "(syntax)".to_string(),
                format!("this is not valid TOML: {message}"),
            )
        };
        Problem {
            line,
            column,
            path,
            message,
        }
    })
}

/// The dotted key assigned on 1-based `line`, with the table header above
/// it, as a reader would name it ("simulation.seed").
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?;
    let key = here.split_once('=')?.0.trim();
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | ' '));
    if !plain {
        return None;
    }
    let key = key.replace('"', "");
    let table = lines[..line - 1].iter().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix("[[")
            .and_then(|r| r.strip_suffix("]]"))
            .or_else(|| l.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
            .map(str::trim)
    });
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_line_is_named_with_its_table() {
        let text = "name = \"x\"\n[simulation]\nseed = 99999999999999999999\n";
        assert_eq!(key_on_line(text, 3).as_deref(), Some("simulation.seed"));
        assert_eq!(key_on_line(text, 1).as_deref(), Some("name"));
        assert_eq!(key_on_line(text, 2), None);
    }

    #[test]
    fn a_problem_below_a_stand_in_is_covered() {
        let p = Parsed {
            raw: None,
            problems: Vec::new(),
            patched: vec!["exchange".to_string(), "escalation.regimes[1]".to_string()],
        };
        assert!(p.covers("exchange.round_rate"));
        assert!(p.covers("escalation.regimes[1].intensity"));
        assert!(!p.covers("exchange_rate"));
        assert!(!p.covers("escalation.regimes[0].intensity"));
    }
}
