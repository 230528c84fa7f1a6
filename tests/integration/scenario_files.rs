//! Scenario files as a user writes them, checked against files on disk.
//!
//! Following lumol-input's tests, each case is a file: every fixture in
//! `tests/fixtures/good` must validate, and every one in `tests/fixtures/bad`
//! must fail with each message its `# error:` lines state. A new case is a
//! new file, and a failing case is named with the message it produced. The
//! shipped scenarios are checked the same way, since a researcher's first run
//! uses one of them.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use swapsim::scenario::{DEFAULT_SCENARIO_TOML, Scenario, ScenarioError, path_file};

/// Fewest bad fixtures accepted, so that a lost or renamed directory fails
/// rather than passing with nothing to check.
const MIN_BAD_FIXTURES: usize = 20;
/// Fewest good fixtures accepted, for the same reason.
const MIN_GOOD_FIXTURES: usize = 4;
/// Prefix of the lines in a bad fixture that state an expected message.
const ERROR_PREFIX: &str = "# error:";

fn crate_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The `.toml` files of a directory, sorted so that failures are listed in
/// a stable order.
fn toml_files(relative_dir: &str) -> Vec<PathBuf> {
    let dir = crate_path(relative_dir);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .expect("fixture names are UTF-8")
        .to_string()
}

/// The folder a file's path files are read from.
fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// What validating one file gave.
enum Outcome {
    Valid(Box<Scenario>),
    Invalid(ScenarioError),
    /// Validation panicked, which it must never do on what a user wrote.
    Panicked(String),
}

/// Validates `text` under the bare file name, so that messages read
/// `NAME:LINE:COL: ...` whatever the directory, and fixtures can state
/// positions. A path file it names is read from `folder`, as when the
/// scenario is read from disk. A panic is caught so that the test can name
/// the fixture.
fn validate(name: &str, text: &str, folder: &Path) -> Outcome {
    let read = || {
        let (text, _) = path_file::resolve(text, folder, name)?;
        Scenario::from_toml_str(&text, name)
    };
    match panic::catch_unwind(AssertUnwindSafe(read)) {
        Ok(Ok(scenario)) => Outcome::Valid(Box::new(scenario)),
        Ok(Err(error)) => Outcome::Invalid(error),
        Err(payload) => Outcome::Panicked(
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_string()),
        ),
    }
}

/// The messages a bad fixture states, one per `# error:` line.
fn stated_messages(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.strip_prefix(ERROR_PREFIX))
        .map(str::trim)
        .collect()
}

/// Panics with every failure listed, so that one run shows all of them.
fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_good_fixture_validates() {
    let mut failures = Vec::new();
    for path in toml_files("tests/fixtures/good") {
        let name = file_name(&path);
        match validate(&name, &read(&path), &folder_of(&path)) {
            Outcome::Valid(_) => {}
            Outcome::Invalid(error) => failures.push(format!("{name} was rejected:\n{error}")),
            Outcome::Panicked(message) => failures.push(format!("{name} panicked: {message}")),
        }
    }
    assert_no_failures("good fixture(s) failed to validate", &failures);
}

#[test]
fn every_bad_fixture_fails_with_its_stated_messages() {
    let mut failures = Vec::new();
    for path in toml_files("tests/fixtures/bad") {
        let name = file_name(&path);
        let text = read(&path);
        let expected = stated_messages(&text);
        if !text.starts_with(ERROR_PREFIX) || expected.iter().any(|m| m.is_empty()) {
            failures.push(format!(
                "{name} must open with a line `{ERROR_PREFIX} <message>`, and no such line may be empty"
            ));
            continue;
        }
        match validate(&name, &text, &folder_of(&path)) {
            Outcome::Valid(_) => failures.push(format!(
                "{name} validated, but it should fail with {expected:?}"
            )),
            Outcome::Panicked(message) => failures.push(format!(
                "{name} panicked ({message}) instead of failing with {expected:?}"
            )),
            Outcome::Invalid(error) => {
                let shown = error.to_string();
                let missing: Vec<&&str> =
                    expected.iter().filter(|m| !shown.contains(**m)).collect();
                if !missing.is_empty() {
                    failures.push(format!(
                        "{name}: the error does not contain {missing:?}; it reads:\n{shown}"
                    ));
                }
            }
        }
    }
    assert_no_failures("bad fixture(s) did not fail as stated", &failures);
}

#[test]
fn at_least_twenty_bad_fixtures_exist() {
    let count = toml_files("tests/fixtures/bad").len();
    assert!(
        count >= MIN_BAD_FIXTURES,
        "found {count} bad fixtures in tests/fixtures/bad, expected at least {MIN_BAD_FIXTURES}"
    );
}

#[test]
fn at_least_four_good_fixtures_exist() {
    let count = toml_files("tests/fixtures/good").len();
    assert!(
        count >= MIN_GOOD_FIXTURES,
        "found {count} good fixtures in tests/fixtures/good, expected at least {MIN_GOOD_FIXTURES}"
    );
}

#[test]
fn no_two_bad_fixtures_state_the_same_messages() {
    let mut seen: Vec<(String, Vec<String>)> = Vec::new();
    let mut failures = Vec::new();
    for path in toml_files("tests/fixtures/bad") {
        let name = file_name(&path);
        let mut messages: Vec<String> = stated_messages(&read(&path))
            .into_iter()
            .map(str::to_string)
            .collect();
        messages.sort();
        if let Some((other, _)) = seen.iter().find(|(_, m)| *m == messages) {
            failures.push(format!("{name} states the same messages as {other}"));
        }
        seen.push((name, messages));
    }
    assert_no_failures("bad fixture(s) duplicate another", &failures);
}

#[test]
fn every_shipped_scenario_validates() {
    let files = toml_files("scenarios");
    assert!(!files.is_empty(), "no scenarios/*.toml found");
    let mut failures = Vec::new();
    for path in files {
        let name = file_name(&path);
        match validate(&name, &read(&path), &folder_of(&path)) {
            Outcome::Valid(_) => {}
            Outcome::Invalid(error) => failures.push(format!("{name} was rejected:\n{error}")),
            Outcome::Panicked(message) => failures.push(format!("{name} panicked: {message}")),
        }
    }
    assert_no_failures("shipped scenario(s) failed to validate", &failures);
}

#[test]
fn every_shipped_scenario_states_format_version_one() {
    let mut failures = Vec::new();
    for path in toml_files("scenarios") {
        let name = file_name(&path);
        let table: toml::Table = match read(&path).parse() {
            Ok(table) => table,
            Err(e) => {
                failures.push(format!("{name} is not TOML: {e}"));
                continue;
            }
        };
        if table.get("version").and_then(toml::Value::as_integer) != Some(1) {
            failures.push(format!("{name} does not say `version = 1`"));
        }
    }
    assert_no_failures("shipped scenario(s) lack a format version", &failures);
}

#[test]
fn shipped_scenarios_have_distinct_names_and_seeds() {
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    let mut failures = Vec::new();
    for path in toml_files("scenarios") {
        let file = file_name(&path);
        let Outcome::Valid(scenario) = validate(&file, &read(&path), &folder_of(&path)) else {
            // Reported by every_shipped_scenario_validates.
            continue;
        };
        for (other, name, seed) in &seen {
            if *name == scenario.name() {
                failures.push(format!("{file} and {other} are both named {name:?}"));
            }
            if *seed == scenario.simulation().seed {
                failures.push(format!("{file} and {other} both use seed {seed}"));
            }
        }
        seen.push((
            file,
            scenario.name().to_string(),
            scenario.simulation().seed,
        ));
    }
    assert_no_failures("clash(es) between shipped scenarios", &failures);
}

#[test]
fn the_builtin_default_is_the_shipped_istanbul_file() {
    let shipped = read(&crate_path("scenarios/istanbul-2025.toml"));
    assert!(
        DEFAULT_SCENARIO_TOML == shipped,
        "DEFAULT_SCENARIO_TOML differs from scenarios/istanbul-2025.toml"
    );
}

/// Line and column (1-based, in characters) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The default scenario with `old` (which must occur exactly once) replaced
/// by `new`, and the line and column where `new` begins.
fn default_with(old: &str, new: &str) -> (String, (usize, usize)) {
    assert_eq!(
        DEFAULT_SCENARIO_TOML.matches(old).count(),
        1,
        "{old:?} must occur exactly once in the default scenario"
    );
    let at = DEFAULT_SCENARIO_TOML.find(old).expect("counted above");
    (
        DEFAULT_SCENARIO_TOML.replacen(old, new, 1),
        line_col(DEFAULT_SCENARIO_TOML, at),
    )
}

#[test]
fn errors_name_the_line_of_the_bad_value() {
    // A value out of range, found by validation: located at the value.
    let (text, (line, col)) = default_with("effectiveness = 0.8", "effectiveness = 1.8");
    let value_col = col + "effectiveness = ".len();
    let Outcome::Invalid(error) = validate("istanbul-2025.toml", &text, &crate_path("scenarios"))
    else {
        panic!("an effectiveness of 1.8 was not rejected");
    };
    let expected = format!(
        "istanbul-2025.toml:{line}:{value_col}: mediation.mediators[1].effectiveness: 1.8 is not allowed"
    );
    assert!(
        error.to_string().contains(&expected),
        "expected {expected:?} in:\n{error}"
    );

    // A misspelt key, found while reading the TOML: located at the key.
    let (text, (line, col)) = default_with("preparation_days = 7", "preparaton_days = 7");
    let Outcome::Invalid(error) = validate("istanbul-2025.toml", &text, &crate_path("scenarios"))
    else {
        panic!("a misspelt key was not rejected");
    };
    let expected = format!("istanbul-2025.toml:{line}:{col}: exchange.preparaton_days:");
    assert!(
        error.to_string().contains(&expected),
        "expected {expected:?} in:\n{error}"
    );
}

#[test]
fn bare_dates_mean_the_same_as_quoted_dates() {
    let bare = read(&crate_path("tests/fixtures/good/bare_dates.toml"));
    let quoted = bare
        .replace("start_date = 2025-11-16", "start_date = \"2025-11-16\"")
        .replace("deadline = 2025-12-31", "deadline = \"2025-12-31\"");
    assert_eq!(
        quoted.matches('"').count(),
        bare.matches('"').count() + 4,
        "bare_dates.toml no longer holds both bare dates this test quotes"
    );
    let (Outcome::Valid(from_bare), Outcome::Valid(from_quoted)) = (
        validate("bare_dates.toml", &bare, &crate_path("scenarios")),
        validate("quoted.toml", &quoted, &crate_path("scenarios")),
    ) else {
        panic!("bare_dates.toml or its quoted twin was rejected");
    };
    assert_eq!(from_bare, from_quoted);
}

#[test]
fn a_bad_horizon_is_reported_once_and_not_again_through_the_deadline() {
    // The deadline of zero_horizon.toml lies within any valid horizon; it
    // must not be reported against the 1-day horizon the 0 was clamped to.
    let path = crate_path("tests/fixtures/bad/zero_horizon.toml");
    let Outcome::Invalid(error) = validate("zero_horizon.toml", &read(&path), &folder_of(&path))
    else {
        panic!("zero_horizon.toml was not rejected");
    };
    assert_eq!(error.problems.len(), 1, "{error}");
    assert_eq!(error.problems[0].path, "simulation.horizon_days", "{error}");
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    let path = crate_path("tests/fixtures/bad/several_problems.toml");
    let Outcome::Invalid(error) =
        validate("several_problems.toml", &read(&path), &folder_of(&path))
    else {
        panic!("several_problems.toml was not rejected");
    };
    assert_eq!(error.problems.len(), 5, "{error}");
}

#[test]
fn every_value_of_every_shipped_scenario_states_its_basis() {
    let mut failures = Vec::new();
    let files = toml_files("scenarios");
    assert!(files.len() >= 6, "found {} shipped scenarios", files.len());
    for path in files {
        let text = read(&path);
        let (resolved_text, _) = path_file::resolve(&text, &folder_of(&path), &file_name(&path))
            .expect("a shipped scenario's path file is readable");
        let scenario = Scenario::from_toml_str(&resolved_text, &file_name(&path))
            .expect("a shipped scenario is valid");
        let resolved = serde_json::to_value(&scenario).expect("a scenario serialises");
        for row in swapsim::report::html::assumption_rows(&resolved, &text, None, None) {
            // Every model value must say whether it is fitted, taken from the
            // record or assumed (or be swapsim's documented default); run
            // settings may be plain settings.
            let stated =
                ["fitted", "record", "assumed", "setting", "default"].contains(&row.basis.as_str());
            if !stated {
                failures.push(format!(
                    "{}: {} has basis {:?} and source {:?}",
                    file_name(&path),
                    row.parameter,
                    row.basis,
                    row.source
                ));
            }
        }
    }
    assert_no_failures("values without a stated basis", &failures);
}
