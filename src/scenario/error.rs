//! Errors in scenario files, located by file, line, column and TOML path.
//!
//! A researcher who mistypes a key or an out-of-range value should be able to
//! fix it from the message alone, so every problem carries where it is, what
//! was found and what is allowed, and all problems of a file are reported at
//! once rather than one per run.

use std::fmt;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a TOML path: a key or an index into an array of tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path into a TOML document, such as `escalation.regimes[1].intensity`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TomlPath(pub Vec<Seg>);

impl TomlPath {
    pub fn root() -> Self {
        TomlPath(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        TomlPath(segs)
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(i));
        TomlPath(segs)
    }
}

impl fmt::Display for TomlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the offending value, where it can be located.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the offending value.
    pub column: Option<usize>,
    /// TOML path of the offending value, as a reader would write it.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Everything wrong with one scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file as the user named it (or `built-in default`).
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            writeln!(
                f,
                "{} problems in scenario {}:",
                self.problems.len(),
                self.source_name
            )?;
        }
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.source_name)?;
            if let (Some(line), Some(col)) = (p.line, p.column) {
                write!(f, ":{line}:{col}")?;
            }
            write!(f, ": {}: {}", p.path, shortened(&p.message))?;
        }
        Ok(())
    }
}

/// Longest problem message printed whole (characters).
const MAX_MESSAGE_CHARS: usize = 1000;

/// `message`, with the middle of a message longer than
/// [`MAX_MESSAGE_CHARS`] left out: a value quoted from a file may be
/// megabytes long, and the terminal needs only its start and what is
/// allowed, said at the end.
fn shortened(message: &str) -> std::borrow::Cow<'_, str> {
    let chars = message.chars().count();
    if chars <= MAX_MESSAGE_CHARS {
        return message.into();
    }
    let head: String = message.chars().take(300).collect();
    let tail: String = message.chars().skip(chars - 300).collect();
    format!(
        "{head} [... {} characters left out ...] {tail}",
        chars - 600
    )
    .into()
}

impl std::error::Error for ScenarioError {}

/// Translates byte offsets and TOML paths of one file into lines and columns.
pub struct Locator<'a> {
    text: &'a str,
    doc: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            doc: DeTable::parse(text).ok(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// Byte offset of the value at `path`, or of its nearest ancestor that
    /// exists in the file (a missing key is reported at its table).
    pub fn offset_of(&self, path: &TomlPath) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let mut best = None;
        let mut table: &DeTable = doc.get_ref();
        let mut value: Option<&Spanned<DeValue>> = None;
        for seg in &path.0 {
            let next = match (seg, value) {
                (Seg::Key(k), None) => table.get(k.as_str()),
                (Seg::Key(k), Some(v)) => v.get_ref().get(k.as_str()),
                (Seg::Index(i), Some(v)) => v.get_ref().get(*i),
                (Seg::Index(_), None) => None,
            };
            match next {
                Some(v) => {
                    best = Some(v.span().start);
                    value = Some(v);
                    if let Some(t) = v.get_ref().as_table() {
                        table = t;
                    }
                }
                None => break,
            }
        }
        best
    }

    /// Byte offset of the key at the end of `path` (where a misspelt key
    /// is), or of its value or nearest ancestor when the key is not found.
    pub fn key_offset_of(&self, path: &TomlPath) -> Option<usize> {
        let found = (|| {
            let doc = self.doc.as_ref()?;
            let (Seg::Key(last), parent) = path.0.split_last()? else {
                return None;
            };
            let mut table: &DeTable = doc.get_ref();
            let mut value: Option<&Spanned<DeValue>> = None;
            for seg in parent {
                let next = match (seg, value) {
                    (Seg::Key(k), None) => table.get(k.as_str()),
                    (Seg::Key(k), Some(v)) => v.get_ref().get(k.as_str()),
                    (Seg::Index(i), Some(v)) => v.get_ref().get(*i),
                    (Seg::Index(_), None) => None,
                }?;
                value = Some(next);
                if let Some(t) = next.get_ref().as_table() {
                    table = t;
                }
            }
            let table = match value {
                Some(v) => v.get_ref().as_table()?,
                None => table,
            };
            table
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == last.as_str())
                .map(|(k, _)| k.span().start)
        })();
        found.or_else(|| self.offset_of(path))
    }

    /// A problem located at the key at the end of `path`.
    pub fn key_problem(&self, path: &TomlPath, message: String) -> Problem {
        let mut p = self.problem(path, message);
        if let Some(off) = self.key_offset_of(path) {
            let (l, c) = self.line_col(off);
            (p.line, p.column) = (Some(l), Some(c));
        }
        p
    }

    pub fn problem(&self, path: &TomlPath, message: String) -> Problem {
        let (line, column) = match self.offset_of(path) {
            Some(off) => {
                let (l, c) = self.line_col(off);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        Problem {
            line,
            column,
            path: path.to_string(),
            message,
        }
    }
}

/// The valid name closest to `word`, if it is close enough to be a likely
/// misspelling (Damerau–Levenshtein distance at most a third of its length,
/// and at least 1 edit allowed).
pub fn nearest<'n>(word: &str, candidates: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Words between backticks in a serde message, such as
/// "unknown field `basee`, expected one of `base`, `escalation_coef`".
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// Rewords serde's messages for a reader who has not seen Rust, and adds a
/// "did you mean" where a misspelling is likely.
pub fn explain_serde_message(message: &str) -> String {
    let words = backticked(message);
    let unknown = message.starts_with("unknown field") || message.starts_with("unknown variant");
    if unknown && !words.is_empty() {
        let (bad, allowed) = (words[0], &words[1..]);
        let kind = if message.starts_with("unknown field") {
            "unknown field"
        } else {
            "unknown value"
        };
        let mut out = if allowed.is_empty() {
            format!("{kind} `{bad}`: this table takes no fields")
        } else {
            let list: Vec<String> = allowed.iter().map(|w| format!("`{w}`")).collect();
            format!("{kind} `{bad}`; allowed: {}", list.join(", "))
        };
        if let Some(guess) = nearest(bad, allowed.iter().copied()) {
            out.push_str(&format!(" (did you mean `{guess}`?)"));
        }
        return out;
    }
    if message.starts_with("missing field") && !words.is_empty() {
        return format!("missing required field `{}`", words[0]);
    }
    message
        .replace(
            "invalid type: floating point",
            "invalid type: decimal number",
        )
        // toml reads integers beyond 64 bits as i128 before serde rejects them.
        .replace("` as i128,", "` (too large),")
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace(
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        )
        .replace("expected a boolean", "expected true or false")
        .replace(
            "data did not match any variant of untagged enum RawDate",
            "expected a date written as \"YYYY-MM-DD\"",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_value_is_not_printed_whole() {
        let message = format!("\"{}\" is not allowed: at most 200", "x".repeat(3 << 20));
        let short = shortened(&message);
        assert!(short.chars().count() < 700, "{}", short.len());
        assert!(short.ends_with("is not allowed: at most 200"));
        assert_eq!(shortened("short"), "short");
    }

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        let p = TomlPath::root()
            .key("mediation")
            .key("mediators")
            .index(1)
            .key("Saudi Arabia");
        assert_eq!(p.to_string(), "mediation.mediators[1].\"Saudi Arabia\"");
    }

    #[test]
    fn unknown_field_message_suggests_the_nearest_name() {
        let m = explain_serde_message(
            "unknown field `basee`, expected one of `base`, `escalation_coef`, `mediation_coef`",
        );
        assert!(m.contains("did you mean `base`?"), "{m}");
    }

    #[test]
    fn no_suggestion_for_a_word_unlike_any_name() {
        let m = explain_serde_message("unknown field `colour`, expected `base`");
        assert!(!m.contains("did you mean"), "{m}");
    }

    #[test]
    fn locator_finds_values_inside_arrays_of_tables() {
        let text = "a = 1\n[[r]]\nx = 1\n[[r]]\nx = 2\n";
        let loc = Locator::new(text);
        let off = loc
            .offset_of(&TomlPath::root().key("r").index(1).key("x"))
            .unwrap();
        assert_eq!(loc.line_col(off), (5, 5));
    }
}
