//! Variants: named changes to a base scenario, and dotted parameter paths.
//!
//! Researchers compare configurations that differ in a few values ("without
//! the UAE", "a more sensitive Turkish channel"). A variant is written as
//! changes to the base file, applied to its TOML tree, and the result is
//! validated exactly like a scenario file, so a variant can never hold a
//! value a scenario could not. The same dotted paths
//! (`mediation.mediators.Turkey.availability`, with mediators and regimes
//! addressed by name) serve sweeps and sensitivity analyses.

use super::Scenario;
use super::error::{Locator, Problem, ScenarioError, TomlPath, nearest};
use super::raw::RawScenario;

/// The name by which the unmodified scenario is referred to.
pub const BASE_NAME: &str = "base";

/// One named configuration derived from a base scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
    /// The variant's TOML tree (the file's, with the variant's changes),
    /// for building it at other parameter values.
    pub tree: toml::Table,
}

/// A scenario file with its variants, all validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSet {
    pub base: Scenario,
    pub variants: Vec<Variant>,
}

/// Parses a scenario file and every `[[variants]]` table in it.
pub fn parse_set(text: &str, source_name: &str) -> Result<ScenarioSet, ScenarioError> {
    let fail = |problems: Vec<Problem>| ScenarioError {
        source_name: source_name.to_string(),
        problems,
    };
    let base = Scenario::from_toml_str(text, source_name)?;
    let locator = Locator::new(text);
    // The text parsed above, so it is a valid TOML table with valid variants.
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        fail(vec![Problem {
            line: None,
            column: None,
            path: "(file)".to_string(),
            message: e.message().to_string(),
        }])
    })?;
    let tree = base_tree(text).map_err(|message| {
        fail(vec![Problem {
            line: None,
            column: None,
            path: "(file)".to_string(),
            message,
        }])
    })?;

    let mut problems = Vec::new();
    let mut variants: Vec<Variant> = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let at = TomlPath::root().key("variants").index(i);
        let here = |path: &TomlPath, message: String| locator.problem(path, message);
        if !super::is_label(&v.name, 64) {
            problems.push(here(
                &at.key("name"),
                format!(
                    "{:?} is not a valid variant name: use 1 to 64 characters, not blank, with \
                     no leading or trailing space, no '/' or '\\', and no control or invisible \
                     characters",
                    v.name
                ),
            ));
            continue;
        }
        if v.name == BASE_NAME || variants.iter().any(|o| o.name == v.name) {
            problems.push(here(
                &at.key("name"),
                format!(
                    "variant name {:?} is already taken (\"{BASE_NAME}\" is the unmodified scenario)",
                    v.name
                ),
            ));
            continue;
        }
        let mut t = tree.clone();
        let mut changes = Vec::new();
        for name in &v.remove_mediators {
            changes.push(
                remove_mediator(&mut t, name).map_err(|m| here(&at.key("remove_mediators"), m)),
            );
        }
        for m in &v.add_mediators {
            changes.push(
                add_mediator(&mut t, m.clone()).map_err(|msg| here(&at.key("add_mediators"), msg)),
            );
        }
        // Events as mediators: removed, then added, then set, so that a
        // variant can replace an event by removing and re-adding its name.
        for name in &v.remove_events {
            changes.push(remove_event(&mut t, name).map_err(|m| here(&at.key("remove_events"), m)));
        }
        for ev in &v.add_events {
            changes.push(add_event(&mut t, ev.clone()).map_err(|m| here(&at.key("add_events"), m)));
        }
        for (path, value) in &v.set {
            let refused = refused_in_a_variant(path);
            changes.push(match refused {
                Some(why) => Err(here(&at.key("set").key(path), why)),
                None => set_path(&mut t, path, value.clone())
                    .map_err(|m| here(&at.key("set").key(path), m)),
            });
        }
        let failed: Vec<Problem> = changes.into_iter().filter_map(Result::err).collect();
        if !failed.is_empty() {
            problems.extend(failed.into_iter().map(|p| in_variant(&v.name, p)));
            continue;
        }
        match scenario_from_tree(t.clone()) {
            Ok(scenario)
                if scenario.exchange().requires_mediator
                    && scenario.mediation().mediators.is_empty() =>
            {
                problems.push(in_variant(
                    &v.name,
                    here(
                        &at.key("remove_mediators"),
                        "this variant leaves no mediator while rounds require one \
                         (exchange.requires_mediator = true), so no round could ever take place: \
                         keep a mediator, or set \"exchange.requires_mediator\" = false"
                            .to_string(),
                    ),
                ));
            }
            Ok(scenario) => variants.push(Variant {
                name: v.name.clone(),
                description: v.description.clone(),
                scenario,
                tree: t,
            }),
            Err(ps) => {
                // The modified tree has no lines of its own: point at the
                // variant's table in the file.
                let (line, column) = locator
                    .offset_of(&at)
                    .map(|o| locator.line_col(o))
                    .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                problems.extend(
                    ps.into_iter()
                        .map(|p| in_variant(&v.name, Problem { line, column, ..p })),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(ScenarioSet { base, variants })
    } else {
        Err(fail(problems))
    }
}

/// Why a variant may not set `path`, if it may not: the variants and
/// uncertainties are the file's own structure, and every configuration of a
/// comparison runs the reference's trials with its seed (that is what pairs
/// them), so a variant's own trials or seed would be silently ignored.
fn refused_in_a_variant(path: &str) -> Option<String> {
    let first = path.split('.').next().unwrap_or_default();
    match (first, path) {
        ("variants" | "uncertainties" | "version", _) => Some(format!(
            "a variant cannot set {path}: variants change the scenario's values, not the \
             file's structure"
        )),
        (_, "simulation.trials" | "simulation.seed") => Some(format!(
            "a variant cannot set {path}: every configuration of a comparison runs the \
             reference's trials with its seed, which pairs them; use --trials or --seed"
        )),
        _ => None,
    }
}

fn in_variant(name: &str, p: Problem) -> Problem {
    Problem {
        path: format!("variant {name:?}: {}", p.path),
        ..p
    }
}

/// Validates a TOML tree as a scenario. Problems carry paths but no lines.
pub fn scenario_from_tree(tree: toml::Table) -> Result<Scenario, Vec<Problem>> {
    super::read_and_validate(tree, &Locator::new(""), true).map(|(_, scenario)| scenario)
}

fn mediators(tree: &mut toml::Table) -> Result<&mut Vec<toml::Value>, String> {
    tree.get_mut("mediation")
        .and_then(|m| m.as_table_mut())
        .map(|m| {
            m.entry("mediators")
                .or_insert_with(|| toml::Value::Array(Vec::new()))
        })
        .and_then(|m| m.as_array_mut())
        .ok_or_else(|| "the scenario has no [mediation] table".to_string())
}

fn name_of(v: &toml::Value) -> Option<&str> {
    v.get("name").and_then(|n| n.as_str())
}

fn unknown_name(kind: &str, name: &str, items: &[toml::Value]) -> String {
    let names: Vec<&str> = items.iter().filter_map(name_of).collect();
    let hint = nearest(name, names.iter().copied())
        .map(|g| format!(" (did you mean {g:?}?)"))
        .unwrap_or_default();
    let list: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    format!(
        "no {kind} is named {name:?}{hint}; {kind}s: {}",
        list.join(", ")
    )
}

/// Drops the mediator called `name`.
pub fn remove_mediator(tree: &mut toml::Table, name: &str) -> Result<(), String> {
    let list = mediators(tree)?;
    match list.iter().position(|m| name_of(m) == Some(name)) {
        Some(i) => {
            list.remove(i);
            Ok(())
        }
        None => Err(unknown_name("mediator", name, list)),
    }
}

/// Appends a mediator table.
pub fn add_mediator(tree: &mut toml::Table, mediator: toml::Table) -> Result<(), String> {
    let list = mediators(tree)?;
    if let Some(name) = mediator.get("name").and_then(|n| n.as_str())
        && list.iter().any(|m| name_of(m) == Some(name))
    {
        return Err(format!(
            "a mediator named {name:?} already exists; remove it first to replace it"
        ));
    }
    list.push(toml::Value::Table(mediator));
    Ok(())
}

fn events(tree: &mut toml::Table) -> &mut Vec<toml::Value> {
    let list = tree
        .entry("events")
        .or_insert_with(|| toml::Value::Array(Vec::new()));
    if !list.is_array() {
        // Validation of the file made `events` an array of tables.
        *list = toml::Value::Array(Vec::new());
    }
    list.as_array_mut().expect("made an array above")
}

/// Drops the dated event called `name`.
pub fn remove_event(tree: &mut toml::Table, name: &str) -> Result<(), String> {
    let list = events(tree);
    match list.iter().position(|e| name_of(e) == Some(name)) {
        Some(i) => {
            list.remove(i);
            if list.is_empty() {
                tree.remove("events");
            }
            Ok(())
        }
        None if list.is_empty() => {
            tree.remove("events");
            Err(format!(
                "no event is named {name:?}: the scenario has no [[events]]"
            ))
        }
        None => Err(unknown_name("event", name, list)),
    }
}

/// Appends a dated event table, checked with the others when the variant
/// is validated.
pub fn add_event(tree: &mut toml::Table, event: toml::Table) -> Result<(), String> {
    let list = events(tree);
    if let Some(name) = event.get("name").and_then(|n| n.as_str())
        && list.iter().any(|e| name_of(e) == Some(name))
    {
        return Err(format!(
            "an event named {name:?} already exists; remove it first (remove_events) to replace \
             it, or move it with set = {{ \"events.{name}.date\" = ... }}"
        ));
    }
    list.push(toml::Value::Table(event));
    Ok(())
}

/// Sets the value at a dotted path such as
/// `mediation.mediators.Turkey.availability` or
/// `exchange.suspension.escalation_coef`. In `mediation.mediators` and
/// `escalation.regimes` the next step is an element's `name`. Missing
/// tables along the way are created (so `target.pool` can be set when the
/// file has no `[target]`); whether the result is a valid scenario is for
/// validation to say.
pub fn set_path(tree: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let steps: Vec<&str> = path.split('.').collect();
    if steps.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "{path:?} is not a parameter path: write keys separated by single dots, \
             such as \"exchange.suspension.base\""
        ));
    }
    let mut table = tree;
    let mut i = 0;
    while i + 1 < steps.len() {
        let key = steps[i];
        let entry = table
            .entry(key)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                // An array of named tables: the next step is a name.
                i += 1;
                let name = steps[i];
                let kind = match key {
                    "regimes" => "regime",
                    "events" => "event",
                    _ => "mediator",
                };
                let found = items.iter().position(|v| name_of(v) == Some(name));
                let Some(pos) = found else {
                    return Err(unknown_name(kind, name, items));
                };
                if i + 1 >= steps.len() {
                    return Err(format!(
                        "{path:?} names a whole {kind}; add the field to set, such as \"{path}.{}\"",
                        match kind {
                            "regime" => "intensity",
                            "event" => "date",
                            _ => "availability",
                        }
                    ));
                }
                match &mut items[pos] {
                    toml::Value::Table(t) => t,
                    _ => return Err(format!("{path:?}: {kind} {name:?} is not a table")),
                }
            }
            other => {
                return Err(format!(
                    "{path:?}: {:?} is a {}, not a table, so it has no field {:?}",
                    steps[..=i].join("."),
                    other.type_str(),
                    steps[i + 1]
                ));
            }
        };
        i += 1;
    }
    let key = steps[steps.len() - 1];
    table.insert(key.to_string(), value);
    if let [first, hazard, _] = steps[..]
        && first == "exchange"
        && super::raw::HAZARD_TABLES.contains(&hazard)
    {
        super::raw::keep_one_hazard_form(table, key);
    }
    Ok(())
}

/// The base scenario's TOML tree without its variants, for building
/// configurations by path. A hazard written as a waiting time carries the
/// `base` converted for the file itself: a configuration that changes
/// mediators or fighting changes the hazard through its coefficients,
/// rather than being converted anew to the same waiting time; one that
/// sets `mean_days` states a new waiting time.
pub fn base_tree(text: &str) -> Result<toml::Table, String> {
    let mut tree: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    tree.remove("variants");
    super::with_converted_hazards(&mut tree);
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DEFAULT_SCENARIO_TOML;

    fn with_variants(extra: &str) -> String {
        format!("{DEFAULT_SCENARIO_TOML}\n{extra}")
    }

    #[test]
    fn a_variant_can_remove_add_and_set() {
        let text = with_variants(
            r#"
[[variants]]
name = "no-uae"
remove_mediators = ["UAE"]

[[variants]]
name = "qatar added"
add_mediators = [ { name = "Qatar", availability = 0.5, mean_outage_days = 30, effectiveness = 0.4 } ]
set = { "mediation.mediators.Turkey.availability" = 0.6, "exchange.suspension.escalation_coef" = 1.5, "escalation.regimes.lull.intensity" = 0.3 }
"#,
        );
        let set = parse_set(&text, "t.toml").unwrap();
        assert_eq!(set.variants.len(), 2);
        let no_uae = &set.variants[0].scenario;
        assert_eq!(no_uae.mediation.mediators.len(), 1);
        let q = &set.variants[1].scenario;
        assert_eq!(q.mediation.mediators.len(), 3);
        assert_eq!(q.mediation.mediators[0].availability, 0.6);
        assert_eq!(q.exchange.suspension.escalation_coef, 1.5);
        assert_eq!(q.escalation.regimes[0].intensity, 0.3);
        // The base is untouched.
        assert_eq!(set.base.mediation.mediators[0].availability, 0.8);
    }

    #[test]
    fn bad_variants_are_reported_with_their_name() {
        for (extra, want) in [
            (
                "[[variants]]\nname = \"x\"\nremove_mediators = [\"Qatar\"]",
                "variant \"x\": variants[0].remove_mediators: no mediator is named \"Qatar\"",
            ),
            (
                "[[variants]]\nname = \"y\"\nset = { \"mediation.mediators.Turky.availability\" = 0.5 }",
                "did you mean \"Turkey\"?",
            ),
            (
                "[[variants]]\nname = \"z\"\nset = { \"exchange.suspension.basee\" = 0.5 }",
                "variant \"z\": exchange.suspension.basee: unknown field `basee`",
            ),
            (
                "[[variants]]\nname = \"w\"\nset = { \"mediation.mediators.UAE.availability\" = 1.5 }",
                "variant \"w\": mediation.mediators[1].availability: 1.5 is not allowed",
            ),
            (
                "[[variants]]\nname = \"base\"",
                "variant name \"base\" is already taken",
            ),
        ] {
            let err = parse_set(&with_variants(extra), "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}\n does not contain\n{want}");
        }
    }

    #[test]
    fn setting_a_missing_optional_table_creates_it() {
        let mut tree = base_tree(DEFAULT_SCENARIO_TOML).unwrap();
        tree.remove("target");
        set_path(&mut tree, "target.pool", toml::Value::Integer(500)).unwrap();
        let s = scenario_from_tree(tree).unwrap();
        assert_eq!(s.target.pool, Some(500));
    }
}
