//! Dated events, a given escalation path and milestones (`MODEL.md` v2).
//!
//! Researchers ask about dates ("the UAE channel closes on 1 February"), so
//! a scenario may change its values from a day on. The values in force are
//! piecewise constant between event boundaries; each stretch (an *epoch*)
//! is built by applying the events in force to the scenario's TOML tree and
//! validating the result exactly like a scenario file, so no day can run on
//! values a file could not hold, and every problem is reported against the
//! event that causes it.

use super::error::{Locator, Problem, TomlPath};
use super::raw::{ForcedPhase, RawEvent, RawPath, RawScenario};
use super::{ESCALATION_LIMIT, Scenario, variants};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One event as the scenario gives it, with its dates validated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub name: String,
    /// First day in force (calendar date).
    pub date: NaiveDate,
    /// Last day in force (inclusive); `None`: to the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Values set while in force, by dotted path; written as a map of
    /// path to value, as in the scenario file.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "set_as_map")]
    pub set: Vec<(String, f64)>,
    /// Mediators whose channels count as closed while in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_mediators: Vec<String>,
    /// Names of the mediators that exist while in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_mediators: Vec<String>,
    /// Regime forced on every day in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// Phase forced at the start of `date`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<ForcedPhase>,
}

/// An event's `set` as a map of dotted path to value, in its order, so
/// that `manifest.json` and `summary.json` echo it as the file wrote it.
mod set_as_map {
    use serde::de::{Error, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(set: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(set.len()))?;
        for (path, value) in set {
            map.serialize_entry(path, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, f64)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of dotted paths to numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, f64)> = Vec::new();
                while let Some((path, value)) = map.next_entry::<String, f64>()? {
                    if out.iter().any(|(p, _)| *p == path) {
                        return Err(A::Error::custom(format!("{path:?} is set twice")));
                    }
                    out.push((path, value));
                }
                Ok(out)
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// A milestone: at least `people` returned by the end of `by`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Milestone {
    pub name: String,
    /// People returned (the side the scenario counts).
    pub people: u64,
    /// Calendar date by whose end the level counts as reached.
    pub by: NaiveDate,
    /// Day index of `by`, within the horizon.
    #[serde(skip)]
    pub by_day: u32,
}

/// The values in force from `first_day` until the next epoch starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Epoch {
    /// First day index of the epoch.
    pub first_day: u32,
    /// The scenario's values in force: its mediators are those that exist.
    pub values: Scenario,
    /// Names of the existing mediators whose channels count as closed.
    pub removed: Vec<String>,
    /// Regime forced on every day of the epoch.
    pub forced_regime: Option<String>,
}

/// A given escalation path, as days relative to the start.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenPath {
    /// Day index of the first covered day (negative: before the start).
    pub first_day: i64,
    /// `level_t` of each covered day from `first_day` on (escalation
    /// units), gaps filled.
    pub levels: Vec<f64>,
    /// Regime in force on the day after the last covered day.
    pub continues_in: String,
}

impl GivenPath {
    /// Level given for day `t`, if the path covers it.
    pub fn level(&self, t: u32) -> Option<f64> {
        let k = i64::from(t) - self.first_day;
        usize::try_from(k)
            .ok()
            .and_then(|k| self.levels.get(k).copied())
    }

    /// Day index of the last covered day.
    pub fn last_day(&self) -> i64 {
        self.first_day + self.levels.len() as i64 - 1
    }
}

/// What events and a given path change over the horizon, compiled from a
/// valid scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated {
    /// Epochs in day order; the first starts on day 0.
    pub epochs: Vec<Epoch>,
    /// Every mediator that exists on some day: the file's, then those that
    /// events add, in file order. Model indices follow this order.
    pub mediators_ever: Vec<String>,
    /// Forced phases: (day index, phase) in day order, one per day at most.
    pub forced_phases: Vec<(u32, ForcedPhase)>,
    pub path: Option<GivenPath>,
}

impl Dated {
    /// Index of the epoch in force on day `t`.
    pub fn epoch_of(&self, t: u32) -> usize {
        self.epochs.partition_point(|e| e.first_day <= t) - 1
    }
}

/// The raw parts that [`Dated`] was built from, kept so that a scenario can
/// be rebuilt (`Scenario::rebuilt`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDated {
    pub events: Vec<RawEvent>,
    pub path: Option<RawPath>,
    pub fill: Option<String>,
    pub path_continues_in: Option<String>,
}

/// Values of an event that `set` may not change: they are not numbers in
/// force on a day but the scenario's structure or calendar.
fn refused_in_an_event(path: &str) -> Option<&'static str> {
    let first = path.split('.').next().unwrap_or_default();
    let last = path.rsplit('.').next().unwrap_or_default();
    if !matches!(first, "escalation" | "mediation" | "exchange") && path != "target.pool" {
        return Some(
            "an event may set numbers of [escalation], [mediation], [exchange] and \
             target.pool only",
        );
    }
    if matches!(
        last,
        "name" | "initial_regime" | "initially_open" | "initial_phase" | "combine"
    ) || path.ends_with("requires_mediator")
        || path.starts_with("escalation.path")
        || path == "escalation.fill"
        || path == "escalation.path_continues_in"
    {
        return Some("an event may set numeric values only, not names, switches or the path");
    }
    None
}

/// An event's day indices: first and last day in force (`None`: to the
/// horizon).
struct Span {
    first: i64,
    last: Option<i64>,
}

impl Span {
    fn covers(&self, t: i64) -> bool {
        t >= self.first && self.last.is_none_or(|l| t <= l)
    }
}

fn num(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// Checks the dated parts of `raw` against its valid `base` (built without
/// them) and compiles them. Problems are pushed to `problems`.
pub(super) fn validate(
    raw: &RawScenario,
    base: &Scenario,
    locator: &Locator,
    problems: &mut Vec<Problem>,
) -> (Option<Dated>, Vec<Milestone>, Vec<Event>) {
    let start = base.simulation.start_date;
    let h = base.simulation.horizon_days;
    let last = base.date_of_day(h - 1);
    let root = TomlPath::root();
    let day_of = |d: NaiveDate| crate::dates::days_between(start, d);
    let mut fail = |path: &TomlPath, message: String| problems.push(locator.problem(path, message));

    // Milestones.
    let mut milestones = Vec::new();
    for (i, m) in raw.target.milestones.iter().enumerate() {
        let at = root.key("target").key("milestones").index(i);
        if !super::is_label(&m.name, 64) || milestones.iter().any(|o: &Milestone| o.name == m.name)
        {
            fail(
                &at.key("name"),
                format!(
                    "milestone {:?}: a milestone needs a unique name of 1 to 64 characters",
                    m.name
                ),
            );
        }
        if !(1..=1_000_000_000).contains(&m.people) {
            fail(
                &at.key("people"),
                format!(
                    "milestone {:?}: people = {} is not allowed: a whole number of people from 1 \
                     to 1000000000",
                    m.name, m.people
                ),
            );
        }
        match crate::dates::parse(&m.by.as_text()) {
            Ok(d) if d >= start && d <= last => milestones.push(Milestone {
                name: m.name.clone(),
                people: m.people.max(1) as u64,
                by: d,
                by_day: day_of(d) as u32,
            }),
            Ok(d) => fail(
                &at.key("by"),
                format!(
                    "milestone {:?}: by = {d} lies outside the horizon: allowed {start} to {last}",
                    m.name
                ),
            ),
            Err(_) => fail(
                &at.key("by"),
                format!(
                    "milestone {:?}: \"{}\" is not a date: {}",
                    m.name,
                    m.by.as_text(),
                    crate::dates::FORMAT_HINT
                ),
            ),
        }
    }

    let regimes: Vec<&str> = base
        .escalation
        .regimes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let path = given_path(raw, base, locator, problems);
    let mut fail = |path: &TomlPath, message: String| problems.push(locator.problem(path, message));
    if raw.events.is_empty() {
        return (
            path.map(|path| Dated {
                epochs: vec![Epoch {
                    first_day: 0,
                    values: base.clone(),
                    removed: Vec::new(),
                    forced_regime: None,
                }],
                mediators_ever: base
                    .mediation
                    .mediators
                    .iter()
                    .map(|m| m.name.clone())
                    .collect(),
                forced_phases: Vec::new(),
                path: Some(path),
            }),
            milestones,
            Vec::new(),
        );
    }

    // Each event on its own: names, dates, verbs.
    let mut spans: Vec<Option<Span>> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, ev) in raw.events.iter().enumerate() {
        let at = root.key("events").index(i);
        let who = format!("event {:?}", ev.name);
        if !super::is_label(&ev.name, 64) || ev.name.contains('.') {
            fail(
                &at.key("name"),
                format!(
                    "{who}: an event needs a name of 1 to 64 characters without '.', so that \
                     \"events.NAME.date\" can address it"
                ),
            );
        } else if names.contains(&ev.name.as_str()) {
            fail(
                &at.key("name"),
                format!("{who} is named twice: event names must be unique"),
            );
        }
        names.push(&ev.name);
        let date = match crate::dates::parse(&ev.date.as_text()) {
            Ok(d) => Some(d),
            Err(_) => {
                fail(
                    &at.key("date"),
                    format!(
                        "{who}: \"{}\" is not a date: {}",
                        ev.date.as_text(),
                        crate::dates::FORMAT_HINT
                    ),
                );
                None
            }
        };
        let until = ev
            .until
            .as_ref()
            .map(|u| match crate::dates::parse(&u.as_text()) {
                Ok(d) => Some(d),
                Err(_) => {
                    fail(
                        &at.key("until"),
                        format!(
                            "{who}: \"{}\" is not a date: {}",
                            u.as_text(),
                            crate::dates::FORMAT_HINT
                        ),
                    );
                    None
                }
            });
        let mut span = None;
        if let Some(d) = date {
            if d > last {
                fail(
                    &at.key("date"),
                    format!(
                        "{who}: date = {d} lies after the last day of the horizon ({last}): an \
                         event must start by then"
                    ),
                );
            } else {
                span = Some(Span {
                    first: day_of(d),
                    last: None,
                });
            }
            if let Some(Some(u)) = until {
                if u < d {
                    fail(
                        &at.key("until"),
                        format!(
                            "{who}: until = {u} lies before date = {d}: `until` is the last day \
                             in force, on or after `date`"
                        ),
                    );
                    span = None;
                } else if let Some(s) = &mut span {
                    s.last = Some(day_of(u));
                }
            }
        }
        if until == Some(None) {
            span = None;
        }
        let verbs = !ev.set.is_empty()
            || !ev.remove_mediators.is_empty()
            || !ev.add_mediators.is_empty()
            || ev.regime.is_some()
            || ev.phase.is_some();
        if !verbs {
            fail(
                &at.key("name"),
                format!(
                    "{who} changes nothing: give it set, remove_mediators, add_mediators, \
                     regime or phase"
                ),
            );
        }
        if let Some(r) = &ev.regime {
            if !regimes.contains(&r.as_str()) {
                let hint = super::error::nearest(r, regimes.iter().copied())
                    .map(|g| format!(" (did you mean {g:?}?)"))
                    .unwrap_or_default();
                fail(
                    &at.key("regime"),
                    format!(
                        "{who}: no regime is named {r:?}{hint}; regimes: {}",
                        super::quoted_list(&regimes)
                    ),
                );
            }
            if ev.until.is_none() {
                fail(
                    &at.key("until"),
                    format!("{who}: a forced regime needs `until`, the last day it is forced"),
                );
            }
        }
        if ev.phase.is_some() && ev.until.is_some() && ev.regime.is_none() && ev.set.is_empty() {
            // `until` has no effect on a phase (MODEL.md, edge case 3); it is
            // accepted so that one event can carry a phase and other verbs.
        }
        for (path, value) in &ev.set {
            let here = at.key("set").key(path);
            if let Some(why) = refused_in_an_event(path) {
                fail(&here, format!("{who}: cannot set {path:?}: {why}"));
            } else if num(value).is_none_or(|v| !v.is_finite()) {
                fail(
                    &here,
                    format!("{who}: {path} = {value} is not allowed: give a finite number"),
                );
            }
        }
        for (k, m) in ev.add_mediators.iter().enumerate() {
            if m.get("name").and_then(|n| n.as_str()).is_none() {
                fail(
                    &at.key("add_mediators").index(k),
                    format!("{who}: an added mediator needs a name"),
                );
            }
        }
        spans.push(span);
    }
    if spans.iter().any(Option::is_none) {
        return (None, milestones, Vec::new());
    }
    let spans: Vec<Span> = spans
        .into_iter()
        .map(|s| s.expect("checked above"))
        .collect();
    let mut fail = |path: &TomlPath, message: String| problems.push(locator.problem(path, message));

    // Two regimes forced on one day.
    for (i, a) in raw.events.iter().enumerate() {
        for (j, b) in raw.events.iter().enumerate().skip(i + 1) {
            if let (Some(ra), Some(rb)) = (&a.regime, &b.regime) {
                let (sa, sb) = (&spans[i], &spans[j]);
                let overlap = sa.first.max(sb.first)
                    <= sa.last.unwrap_or(i64::MAX).min(sb.last.unwrap_or(i64::MAX));
                if ra != rb && overlap {
                    fail(
                        &root.key("events").index(j).key("regime"),
                        format!(
                            "event {:?}: forces regime {rb:?} on days when event {:?} forces \
                             {ra:?}: two events cannot force different regimes on the same day",
                            b.name, a.name
                        ),
                    );
                }
            }
        }
    }

    // Epoch boundaries: day 0, each first day in force, each day after the
    // last; all within the horizon.
    let h = i64::from(h);
    let mut bounds: BTreeSet<i64> = BTreeSet::from([0]);
    for s in &spans {
        bounds.insert(s.first.max(0));
        if let Some(l) = s.last {
            bounds.insert(l + 1);
        }
    }
    let bounds: Vec<i64> = bounds
        .into_iter()
        .filter(|&b| (0..h).contains(&b))
        .collect();
    // Precedence: the latest date wins, ties the later in the file.
    let mut order: Vec<usize> = (0..raw.events.len()).collect();
    order.sort_by_key(|&i| (spans[i].first, i));

    let mut stripped = raw.clone();
    stripped.events.clear();
    stripped.variants.clear();
    stripped.uncertainties.clear();
    stripped.target.milestones.clear();
    stripped.escalation.path = None;
    stripped.escalation.fill = None;
    stripped.escalation.path_continues_in = None;
    let tree = match toml::Table::try_from(&stripped) {
        Ok(t) => t,
        Err(e) => {
            fail(&root, format!("cannot apply the events: {e}"));
            return (None, milestones, Vec::new());
        }
    };
    let mut mediators_ever: Vec<String> = base
        .mediation
        .mediators
        .iter()
        .map(|m| m.name.clone())
        .collect();
    for ev in &raw.events {
        for m in &ev.add_mediators {
            if let Some(n) = m.get("name").and_then(|n| n.as_str())
                && !mediators_ever.iter().any(|x| x == n)
            {
                mediators_ever.push(n.to_string());
            }
        }
    }

    let mut epochs = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for &b in &bounds {
        let in_force: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| spans[i].covers(b))
            .collect();
        // The events a problem of this epoch is blamed on: those that start
        // here, else those that ended the day before, else all in force.
        let starting: Vec<usize> = in_force
            .iter()
            .copied()
            .filter(|&i| spans[i].first.max(0) == b)
            .collect();
        let blamed: Vec<usize> = if !starting.is_empty() {
            starting
        } else {
            let ended: Vec<usize> = (0..raw.events.len())
                .filter(|&i| spans[i].last == Some(b - 1))
                .collect();
            if ended.is_empty() {
                in_force.clone()
            } else {
                ended
            }
        };
        let when = base.date_of_day(b as u32);
        let mut report = |i: usize, field: &str, message: String| {
            let key = (format!("{i}.{field}"), message.clone());
            if seen.insert(key) {
                problems.push(locator.problem(
                    &root.key("events").index(i).key(field),
                    format!(
                        "event {:?} (values in force on {when}): {message}",
                        raw.events[i].name
                    ),
                ));
            }
        };
        let mut t = tree.clone();
        let mut removed: Vec<(String, usize)> = Vec::new();
        let mut forced_regime = None;
        let mut ok = true;
        for &i in &in_force {
            let ev = &raw.events[i];
            for m in &ev.add_mediators {
                if let Err(msg) = variants::add_mediator(&mut t, m.clone()) {
                    report(i, "add_mediators", msg);
                    ok = false;
                }
            }
            for (path, value) in &ev.set {
                if refused_in_an_event(path).is_some() || num(value).is_none() {
                    ok = false;
                    continue;
                }
                if let Err(msg) = variants::set_path(&mut t, path, value.clone()) {
                    report(i, "set", format!("{path}: {msg}"));
                    ok = false;
                }
            }
            if let Some(r) = &ev.regime {
                forced_regime = Some(r.clone());
            }
        }
        let present: Vec<String> = t
            .get("mediation")
            .and_then(|m| m.get("mediators"))
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for &i in &in_force {
            for name in &raw.events[i].remove_mediators {
                if let Some((_, j)) = removed.iter().find(|(n, _)| n == name) {
                    report(
                        i,
                        "remove_mediators",
                        format!(
                            "{name:?} is already removed by event {:?}",
                            raw.events[*j].name
                        ),
                    );
                    ok = false;
                } else if !present.contains(name) {
                    let hint = if mediators_ever.contains(name) {
                        " on this day (an event adds it on other days only)".to_string()
                    } else {
                        String::new()
                    };
                    report(
                        i,
                        "remove_mediators",
                        format!(
                            "no mediator is named {name:?}{hint}; mediators: {}",
                            present
                                .iter()
                                .map(|n| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    ok = false;
                } else {
                    removed.push((name.clone(), i));
                }
            }
        }
        if !ok {
            continue;
        }
        match variants::scenario_from_tree(t) {
            Ok(values) => epochs.push(Epoch {
                first_day: b as u32,
                values,
                removed: removed.into_iter().map(|(n, _)| n).collect(),
                forced_regime,
            }),
            Err(found) => {
                for p in found {
                    for &i in &blamed {
                        let field = if raw.events[i].set.is_empty() {
                            "add_mediators"
                        } else {
                            "set"
                        };
                        report(i, field, format!("{}: {}", p.path, p.message));
                    }
                }
            }
        }
    }
    if epochs.len() != bounds.len() {
        return (None, milestones, Vec::new());
    }

    let forced_phases = {
        let mut by_day: Vec<(u32, ForcedPhase)> = Vec::new();
        for &i in &order {
            if let Some(p) = raw.events[i].phase
                && (0..h).contains(&spans[i].first)
            {
                let d = spans[i].first as u32;
                // The later event of one day wins, as for values.
                by_day.retain(|(x, _)| *x != d);
                by_day.push((d, p));
            }
        }
        by_day.sort_by_key(|(d, _)| *d);
        by_day
    };
    let events = raw
        .events
        .iter()
        .map(|ev| Event {
            name: ev.name.clone(),
            date: crate::dates::parse(&ev.date.as_text()).expect("checked above"),
            until: ev
                .until
                .as_ref()
                .map(|u| crate::dates::parse(&u.as_text()).expect("checked above")),
            set: ev
                .set
                .iter()
                .map(|(k, v)| (k.clone(), num(v).expect("checked above")))
                .collect(),
            remove_mediators: ev.remove_mediators.clone(),
            add_mediators: ev
                .add_mediators
                .iter()
                .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect(),
            regime: ev.regime.clone(),
            phase: ev.phase,
        })
        .collect();
    (
        Some(Dated {
            epochs,
            mediators_ever,
            forced_phases,
            path,
        }),
        milestones,
        events,
    )
}

/// Checks and compiles `[escalation] path`, `fill` and `path_continues_in`.
fn given_path(
    raw: &RawScenario,
    base: &Scenario,
    locator: &Locator,
    problems: &mut Vec<Problem>,
) -> Option<GivenPath> {
    let e = &raw.escalation;
    let esc = TomlPath::root().key("escalation");
    let mut fail = |path: &TomlPath, message: String| problems.push(locator.problem(path, message));
    let fill_previous = match e.fill.as_deref() {
        None => false,
        Some("previous") => true,
        Some(other) => {
            fail(
                &esc.key("fill"),
                format!("fill = {other:?} is not allowed: the only fill is \"previous\""),
            );
            false
        }
    };
    let Some(path) = &e.path else {
        if e.fill.is_some() || e.path_continues_in.is_some() {
            fail(
                &esc.key(if e.fill.is_some() {
                    "fill"
                } else {
                    "path_continues_in"
                }),
                "this applies to a given path: add [escalation] path".to_string(),
            );
        }
        return None;
    };
    let continues_in = e
        .path_continues_in
        .clone()
        .unwrap_or_else(|| base.escalation.initial_regime.clone());
    if base.escalation.regime_index(&continues_in).is_none() {
        fail(
            &esc.key("path_continues_in"),
            format!("no regime is named {continues_in:?}"),
        );
    }
    let rows: Vec<(NaiveDate, f64)> = match path {
        RawPath::File(name) => {
            // Reading a scenario file replaces the file name by its rows
            // (`path_file::resolve`), so a name is left only in text that
            // came without a file to read it next to.
            fail(
                &esc.key("path"),
                format!(
                    "path = {name:?} names a path file, but this scenario text was not read \
                     from a file, so there is no folder to find it in: read the scenario from \
                     its file, or give the rows inline (path = [ {{ date = \"YYYY-MM-DD\", \
                     level = 1.0 }}, ... ])"
                ),
            );
            return None;
        }
        RawPath::Rows(rows) => {
            let mut out = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                let at = esc.key("path").index(i);
                let date = crate::dates::parse(&r.date.as_text());
                if date.is_err() {
                    fail(
                        &at.key("date"),
                        format!(
                            "path row {}: \"{}\" is not a date: {}",
                            i + 1,
                            r.date.as_text(),
                            crate::dates::FORMAT_HINT
                        ),
                    );
                }
                if !(r.level.is_finite() && (0.0..=ESCALATION_LIMIT).contains(&r.level)) {
                    fail(
                        &at.key("level"),
                        format!(
                            "path row {}: level = {} is not allowed: a number of escalation \
                             units from 0 to {ESCALATION_LIMIT}",
                            i + 1,
                            r.level
                        ),
                    );
                }
                if let Ok(d) = date {
                    out.push((d, r.level));
                }
            }
            if out.len() != rows.len() {
                return None;
            }
            out
        }
    };
    compile_rows(
        &rows,
        fill_previous,
        base.simulation.start_date,
        continues_in,
    )
    .map_err(|(row, message)| fail(&esc.key("path").index(row), message))
    .ok()
}

/// Rows of (date, level) into a path of consecutive days: dates must
/// increase; a gap is an error unless `fill_previous`. The error gives the
/// 0-based row and the message.
pub fn compile_rows(
    rows: &[(NaiveDate, f64)],
    fill_previous: bool,
    start: NaiveDate,
    continues_in: String,
) -> Result<GivenPath, (usize, String)> {
    let Some(&(first, _)) = rows.first() else {
        return Err((0, "a path needs at least one row".to_string()));
    };
    let mut levels = Vec::new();
    for (i, w) in rows.windows(2).enumerate() {
        let ((d0, l0), (d1, _)) = (w[0], w[1]);
        let gap = crate::dates::days_between(d0, d1);
        if gap == 0 {
            return Err((
                i + 1,
                format!(
                    "path row {}: {d1} is given twice: each day takes one level",
                    i + 2
                ),
            ));
        }
        if gap < 0 {
            return Err((
                i + 1,
                format!(
                    "path row {}: {d1} does not come after {d0}: dates must increase",
                    i + 2
                ),
            ));
        }
        if gap > 1 && !fill_previous {
            return Err((
                i + 1,
                format!(
                    "path row {}: {} days are missing between {d0} and {d1}; give every day, or \
                     set fill = \"previous\" to carry the last level forward",
                    i + 2,
                    gap - 1
                ),
            ));
        }
        levels.extend(std::iter::repeat_n(l0, gap as usize));
    }
    levels.push(rows[rows.len() - 1].1);
    Ok(GivenPath {
        first_day: crate::dates::days_between(start, first),
        levels,
        continues_in,
    })
}
