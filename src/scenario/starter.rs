//! The starter scenario that `swapsim new` writes.
//!
//! A researcher's first scenario is best copied from one that is known to
//! be sound: this is the calibrated default (`scenarios/istanbul-2025.toml`)
//! with every key present and explained in words, with its unit and
//! whether its value is fitted on the record or assumed. A test keeps it
//! valid, runnable and in step with the default's values.

/// The starter file, with `{{NAME}}` where the scenario's name goes.
const TEMPLATE: &str = include_str!("starter.toml");

/// The text of a starter scenario called `name` (written as a TOML string,
/// so any name reads back as written).
pub fn starter_text(name: &str) -> String {
    let quoted = toml::Value::String(name.to_string()).to_string();
    TEMPLATE.replacen("\"{{NAME}}\"", &quoted, 1)
}

/// The file name `swapsim new NAME` writes: `NAME.toml` (or `NAME` if it
/// already ends in `.toml`), refused unless it is a plain file name of
/// letters, digits, `-`, `_` and `.` that does not start with `.`.
pub fn file_name(name: &str) -> Result<String, String> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    let plain = !stem.is_empty()
        && stem.chars().count() <= 120
        && !stem.starts_with('.')
        && stem
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        Ok(format!("{stem}.toml"))
    } else {
        Err(format!(
            "{name:?} is not allowed as a scenario name: use 1 to 120 letters, digits, '-', '_' \
             or '.', not starting with '.', and no folders (the file is written in the current \
             folder)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_becomes_a_toml_file_name_and_paths_are_refused() {
        assert_eq!(file_name("my-scenario").unwrap(), "my-scenario.toml");
        assert_eq!(file_name("a.toml").unwrap(), "a.toml");
        for bad in ["", ".toml", "../x", "a/b", ".hidden", "a b", "x\u{202e}"] {
            assert!(file_name(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_starter_validates_with_the_name_given() {
        let text = starter_text("Kharkiv \"test\"");
        let s = crate::scenario::Scenario::from_toml_str(&text, "starter").unwrap();
        assert_eq!(s.name(), "Kharkiv \"test\"");
    }
}
