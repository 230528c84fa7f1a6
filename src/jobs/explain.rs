//! `explain`: what a scenario's numbers mean in days.
//!
//! A hazard's `base` is its value at no fighting and no mediation, a
//! condition nobody pictures, so a value that looks like "two to three
//! weeks" can mean one week in the scenario's own conditions. This job
//! states every hazard at the reference conditions of
//! [`crate::scenario::reference`] as a daily probability, a mean waiting
//! time and a chance within 30 days; each mediator's open share at typical
//! fighting; and round sizes. It is exact arithmetic on the validated
//! scenario: it simulates nothing (no units), and is a job so that its
//! `explain.json` is staged and manifested like every other output.

use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::error::{Error, Result};
use crate::outputs::Identity;
use crate::outputs::manifest::{Manifest, ManifestFile};
use crate::scenario::raw::RawScenario;
use crate::scenario::reference::{self, At, Conditions, HazardKind, Levels};
use crate::scenario::{Hazard, Scenario, ScenarioSource};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The file `explain` writes.
pub const EXPLAIN_JSON: &str = "explain.json";

/// Version of the layout of `explain.json`.
pub const EXPLAIN_FORMAT: u32 = 1;

/// Days of the "chance within" column.
pub const WITHIN_DAYS: u32 = 30;

/// One reference condition as `explain` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedConditions {
    /// `calm`, `calm_typical_mediation`, `typical_full_mediation` or
    /// `typical`.
    pub key: String,
    /// In words.
    pub label: String,
    #[serde(flatten)]
    pub conditions: Conditions,
}

/// A hazard at one reference condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardAt {
    /// Key of the condition (see [`NamedConditions::key`]), or `any` for a
    /// hazard that is the same in every condition.
    pub condition: String,
    /// Hazard per day.
    pub hazard_per_day: f64,
    /// Probability per day, `1 - exp(-hazard)`.
    pub probability_per_day: f64,
    /// Mean waiting time in days if the condition held throughout,
    /// geometric: `1 / probability`; absent when the probability is 0.
    pub mean_wait_days: Option<f64>,
    /// Chance that it happens within [`WITHIN_DAYS`] days if the condition
    /// held throughout: `1 - (1 - p)^30`.
    pub chance_within_30_days: f64,
}

/// A waiting time as the scenario file gave it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Given {
    /// Mean waiting time in days.
    pub mean_days: f64,
    /// Where it holds; absent for collapse, the same in every condition.
    pub at: Option<At>,
}

/// One hazard of the exchange process, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardExplained {
    /// `confirmation`, `suspension`, `resumption`, `collapse` or `rounds`.
    pub key: String,
    /// What happens, in words.
    pub label: String,
    /// The hazard per day at no fighting and no mediation (`base`; for
    /// rounds, `round_rate`, the hazard at full mediation strength).
    pub base: f64,
    /// Log hazard ratio per unit of escalation (0 where none).
    pub escalation_coef: f64,
    /// Log hazard ratio per unit of mediation strength (0 where none).
    pub mediation_coef: f64,
    /// The waiting time the file wrote instead of `base`, if it did.
    pub given: Option<Given>,
    /// The hazard at each reference condition.
    pub at: Vec<HazardAt>,
}

/// One mediator's channel at typical fighting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediatorExplained {
    pub name: String,
    /// Long-run share of days open at no fighting (`availability`).
    pub open_share_calm: f64,
    /// Long-run share of days open with escalation held at its typical
    /// level, before common outages.
    pub open_share_typical: f64,
    /// Mean length of an outage of the channel (days), in any condition.
    pub mean_outage_days: f64,
    /// Mean length of an open spell at typical fighting (days); absent for
    /// a channel that never closes on its own.
    pub mean_open_days_typical: Option<f64>,
    /// Contribution to mediation strength when open, 0 to 1.
    pub effectiveness: f64,
}

/// Mean round sizes before the pool cap (people).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundSizes {
    /// Mean people per round at no fighting: `size_mean`.
    pub mean_calm: f64,
    /// Mean people per round at typical escalation:
    /// `1 + (size_mean - 1) exp(-size_escalation_coef E)`.
    pub mean_typical: f64,
}

/// One value of the reference state (see [`EventChange`]) before and
/// after a change of the values in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    /// What it is ("suspension, while active", "UAE open share").
    pub what: String,
    /// Unit of `before` and `after`: `probability per day` (at typical
    /// fighting and mediation of that day), `share of days`, `escalation
    /// units`, `mediation strength` (0 to 1) or `people`.
    pub unit: String,
    /// On the day before; absent where it does not exist (a mediator not
    /// yet added, no pool).
    pub before: Option<f64>,
    /// On the day of the change; absent where it does not exist.
    pub after: Option<f64>,
}

/// A dated event and what it changes.
///
/// `starts` compares the reference state of the day before the event takes
/// effect with that of its first day in force (the scenario as written, for
/// an event in force from the start); `ends` compares its last day in force
/// with the day after, when that day lies in the horizon. The reference
/// state of a day is every hazard as a daily probability at that day's
/// typical fighting and mediation, each channel's open share at that
/// fighting (0 where removed), the typical escalation `E` and mediation
/// `M`, the mean round size and the pool, all computed as for the scenario
/// as a whole (docs/model.md, reference conditions) from the values in
/// force that day. Events that take effect on the same day share one
/// comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventChange {
    /// The event's name.
    pub name: String,
    /// First day in force (`YYYY-MM-DD`).
    pub date: String,
    /// Last day in force, if the change is temporary.
    pub until: Option<String>,
    /// What it changes, in words.
    pub changes: Vec<String>,
    /// Reference values that differ between the day before it takes
    /// effect and its first day in force.
    #[serde(default)]
    pub starts: Vec<ValueChange>,
    /// Reference values that differ between its last day in force and the
    /// day after; empty when that day is past the horizon.
    #[serde(default)]
    pub ends: Vec<ValueChange>,
}

/// Everything `explain` reports: the contents of `explain.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Layout version of this file ([`EXPLAIN_FORMAT`]).
    pub format_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file as named, or the built-in default.
    pub scenario_file: String,
    /// Typical escalation, full and typical mediation.
    pub levels: Levels,
    /// Long-run share of days in each regime, in file order.
    pub regime_shares: Vec<(String, f64)>,
    /// Stationary mean shock level (escalation units).
    pub mean_shock_level: f64,
    /// Seasonal offset averaged over the days of the horizon (escalation
    /// units).
    pub mean_seasonal_offset: f64,
    /// Long-run share of days without a common outage.
    pub no_common_outage_share: f64,
    /// The reference conditions used below.
    pub conditions: Vec<NamedConditions>,
    /// Confirmation, suspension, resumption, collapse and rounds.
    pub hazards: Vec<HazardExplained>,
    /// Each mediator's channel, in file order.
    pub mediators: Vec<MediatorExplained>,
    pub round_sizes: RoundSizes,
    /// Dated events in date order (ties in file order); empty for a
    /// scenario without events.
    pub events: Vec<EventChange>,
}

/// The four reference conditions `explain` reports, in order.
pub fn named_conditions(levels: &Levels) -> Vec<NamedConditions> {
    let named = |key: &str, label: &str, escalation: f64, mediation: f64| NamedConditions {
        key: key.to_string(),
        label: label.to_string(),
        conditions: Conditions {
            escalation,
            mediation,
        },
    };
    let (e, full, typical) = (
        levels.typical_escalation,
        levels.full_mediation,
        levels.typical_mediation,
    );
    vec![
        named("calm", "no fighting, every channel open", 0.0, full),
        named(
            "calm_typical_mediation",
            "no fighting, typical mediation",
            0.0,
            typical,
        ),
        named(
            "typical_full_mediation",
            "typical fighting, every channel open",
            e,
            full,
        ),
        named("typical", "typical fighting and mediation", e, typical),
    ]
}

/// A hazard per day at a condition, with its probability, wait and chance.
pub fn hazard_at(condition: &str, h: f64) -> HazardAt {
    let p = reference::daily_probability(h);
    HazardAt {
        condition: condition.to_string(),
        hazard_per_day: h,
        probability_per_day: p,
        mean_wait_days: (p > 0.0).then(|| reference::mean_wait_days(p)),
        chance_within_30_days: reference::chance_within(p, WITHIN_DAYS),
    }
}

/// The waiting times a scenario file wrote instead of a base, for
/// confirmation, suspension, resumption and collapse.
pub fn given_waiting_times(text: &str) -> [Option<Given>; 4] {
    let Ok(raw) = toml::from_str::<RawScenario>(text) else {
        return [None; 4];
    };
    let x = &raw.exchange;
    let of = |h: &crate::scenario::raw::RawHazard| {
        h.mean_days.map(|mean_days| Given {
            mean_days,
            at: h.at.as_deref().and_then(At::parse),
        })
    };
    [
        of(&x.confirmation),
        of(&x.suspension),
        of(&x.resumption),
        x.collapse.mean_days.map(|mean_days| Given {
            mean_days,
            at: None,
        }),
    ]
}

/// Explains a validated scenario; `given` holds the waiting times its file
/// wrote ([`given_waiting_times`]).
pub fn explain(s: &Scenario, scenario_file: &str, given: [Option<Given>; 4]) -> Explanation {
    let sim = s.simulation();
    let levels = Levels::of(
        s.escalation(),
        s.mediation(),
        sim.start_date,
        sim.horizon_days,
    );
    let conditions = named_conditions(&levels);
    let x = s.exchange();
    let log_linear = |key: &str, label: &str, kind, h: &Hazard, given| HazardExplained {
        key: key.to_string(),
        label: label.to_string(),
        base: h.base,
        escalation_coef: h.escalation_coef,
        mediation_coef: h.mediation_coef,
        given,
        at: conditions
            .iter()
            .map(|c| hazard_at(&c.key, reference::hazard_at(kind, h, c.conditions)))
            .collect(),
    };
    let rounds = HazardExplained {
        key: "rounds".to_string(),
        label: if x.requires_mediator {
            "a round, on an eligible active day (round_rate x M)".to_string()
        } else {
            "a round, on an eligible active day (round_rate)".to_string()
        },
        base: x.round_rate,
        escalation_coef: 0.0,
        mediation_coef: 0.0,
        given: None,
        at: conditions
            .iter()
            .map(|c| {
                let m = if x.requires_mediator {
                    c.conditions.mediation
                } else {
                    1.0
                };
                hazard_at(&c.key, x.round_rate * m)
            })
            .collect(),
    };
    let collapse = HazardExplained {
        key: "collapse".to_string(),
        label: "collapse, while suspended (the same in every condition)".to_string(),
        base: x.collapse_base,
        escalation_coef: 0.0,
        mediation_coef: 0.0,
        given: given[3],
        at: vec![hazard_at("any", x.collapse_base)],
    };
    let [gc, gs, gr, _] = given;
    let hazards = vec![
        log_linear(
            "confirmation",
            "confirmation, while pending",
            HazardKind::Confirmation,
            &x.confirmation,
            gc,
        ),
        log_linear(
            "suspension",
            "suspension, while active",
            HazardKind::Suspension,
            &x.suspension,
            gs,
        ),
        log_linear(
            "resumption",
            "resumption, while suspended",
            HazardKind::Resumption,
            &x.resumption,
            gr,
        ),
        collapse,
        rounds,
    ];
    let e = levels.typical_escalation;
    let mediators = s
        .mediation()
        .mediators
        .iter()
        .map(|m| {
            let closing = reference::closing_probability(m, e);
            MediatorExplained {
                name: m.name.clone(),
                open_share_calm: reference::open_share(m, 0.0),
                open_share_typical: reference::open_share(m, e),
                mean_outage_days: m.mean_outage_days,
                mean_open_days_typical: (closing > 0.0).then(|| 1.0 / closing),
                effectiveness: m.effectiveness,
            }
        })
        .collect();
    let esc = s.escalation();
    Explanation {
        format_version: EXPLAIN_FORMAT,
        scenario: s.name().to_string(),
        scenario_file: scenario_file.to_string(),
        levels,
        regime_shares: esc
            .regimes
            .iter()
            .map(|r| r.name.clone())
            .zip(reference::regime_shares(esc))
            .collect(),
        mean_shock_level: reference::mean_shock_level(esc),
        mean_seasonal_offset: reference::mean_seasonal_offset(
            esc,
            sim.start_date,
            sim.horizon_days,
        ),
        no_common_outage_share: reference::no_common_outage_share(s.mediation()),
        conditions,
        hazards,
        mediators,
        round_sizes: RoundSizes {
            mean_calm: x.size_mean,
            mean_typical: 1.0 + (x.size_mean - 1.0) * (-x.size_escalation_coef * e).exp(),
        },
        events: event_changes(s),
    }
}

/// A reference value: what, unit and value.
type Reference = (String, &'static str, f64);

/// The reference state of a day whose values in force are `values`, with
/// `removed` channels closed and `forced_regime` held (see [`EventChange`]).
fn reference_state(
    s: &Scenario,
    values: &Scenario,
    removed: &[String],
    forced_regime: Option<&str>,
) -> Vec<Reference> {
    let sim = s.simulation();
    let esc = values.escalation();
    let mut mediation = values.mediation().clone();
    mediation.mediators.retain(|m| !removed.contains(&m.name));
    let e = match forced_regime.and_then(|r| esc.regime_index(r)) {
        // A forced regime's level, with shocks and seasons as usual.
        Some(i) => {
            esc.regimes[i].intensity
                + reference::mean_shock_level(esc)
                + reference::mean_seasonal_offset(esc, sim.start_date, sim.horizon_days)
        }
        None => reference::typical_escalation(esc, sim.start_date, sim.horizon_days),
    };
    let m = reference::typical_mediation(&mediation, e);
    let c = Conditions {
        escalation: e,
        mediation: m,
    };
    let x = values.exchange();
    let p = reference::daily_probability;
    let mut out: Vec<Reference> = vec![
        ("typical escalation E".to_string(), "escalation units", e),
        ("typical mediation M".to_string(), "mediation strength", m),
    ];
    for (label, kind, h) in [
        ("confirmation", HazardKind::Confirmation, &x.confirmation),
        ("suspension", HazardKind::Suspension, &x.suspension),
        ("resumption", HazardKind::Resumption, &x.resumption),
    ] {
        out.push((
            label.to_string(),
            "probability per day",
            p(reference::hazard_at(kind, h, c)),
        ));
    }
    out.push((
        "collapse".to_string(),
        "probability per day",
        p(x.collapse_base),
    ));
    let rounds = if x.requires_mediator {
        x.round_rate * m
    } else {
        x.round_rate
    };
    out.push(("rounds".to_string(), "probability per day", p(rounds)));
    for md in &values.mediation().mediators {
        let share = if removed.contains(&md.name) {
            0.0
        } else {
            reference::open_share(md, e)
        };
        out.push((format!("{} open share", md.name), "share of days", share));
    }
    out.push((
        "mean round size".to_string(),
        "people",
        1.0 + (x.size_mean - 1.0) * (-x.size_escalation_coef * e).exp(),
    ));
    if let Some(pool) = values.target().pool {
        out.push(("pool".to_string(), "people", pool as f64));
    }
    out
}

/// The values of `before` and `after` that differ, in the order of
/// `before` then the values only `after` has.
fn differences(before: &[Reference], after: &[Reference]) -> Vec<ValueChange> {
    let find = |list: &[Reference], what: &str| {
        list.iter().find(|(w, _, _)| w == what).map(|(_, _, v)| *v)
    };
    let mut out = Vec::new();
    for (what, unit, _) in before.iter().chain(after) {
        if out.iter().any(|c: &ValueChange| &c.what == what) {
            continue;
        }
        let (b, a) = (find(before, what), find(after, what));
        let same = match (b, a) {
            // Equal to a part in 10^9: the same values computed by
            // different routes.
            (Some(b), Some(a)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.push(ValueChange {
                what: what.clone(),
                unit: unit.to_string(),
                before: b,
                after: a,
            });
        }
    }
    out
}

/// What an event does, in words.
fn verbs_in_words(e: &crate::scenario::events::Event) -> Vec<String> {
    let mut out = Vec::new();
    if !e.add_mediators.is_empty() {
        out.push(format!("adds mediator(s) {}", e.add_mediators.join(", ")));
    }
    if !e.remove_mediators.is_empty() {
        out.push(format!(
            "removes mediator(s) {}: their channels count as closed",
            e.remove_mediators.join(", ")
        ));
    }
    for (path, v) in &e.set {
        out.push(format!("sets {path} = {v}"));
    }
    if let Some(r) = &e.regime {
        out.push(format!("forces regime {r:?} on every day in force"));
    }
    if let Some(p) = e.phase {
        let name = match p {
            crate::scenario::raw::ForcedPhase::Suspended => "suspended",
            crate::scenario::raw::ForcedPhase::Active => "active",
            crate::scenario::raw::ForcedPhase::Collapsed => "collapsed",
        };
        out.push(format!(
            "forces the phase to {name} at the start of its date (unless completed or collapsed)"
        ));
    }
    out
}

/// Every event of `s` in date order, with what it changes when.
fn event_changes(s: &Scenario) -> Vec<EventChange> {
    let Some(dated) = s.dated() else {
        return Vec::new();
    };
    let start = s.simulation().start_date;
    let h = i64::from(s.simulation().horizon_days);
    let state_of_day = |t: i64| {
        let epoch = &dated.epochs[dated.epoch_of(t as u32)];
        reference_state(
            s,
            &epoch.values,
            &epoch.removed,
            epoch.forced_regime.as_deref(),
        )
    };
    let as_written = reference_state(s, s, &[], None);
    let mut events: Vec<&crate::scenario::events::Event> = s.events().iter().collect();
    events.sort_by_key(|e| e.date);
    events
        .into_iter()
        .map(|e| {
            let first = crate::dates::days_between(start, e.date);
            let last = e.until.map(|u| crate::dates::days_between(start, u));
            let mut changes = verbs_in_words(e);
            let ignored = last.is_some_and(|l| l < 0);
            if ignored {
                changes.push("ends before the start: ignored".to_string());
            } else if first < 0 {
                changes.push("dated before the start: in force from the start".to_string());
            }
            let (starts, ends) = if ignored {
                (Vec::new(), Vec::new())
            } else {
                let first = first.max(0);
                let before = if first == 0 {
                    as_written.clone()
                } else {
                    state_of_day(first - 1)
                };
                let starts = differences(&before, &state_of_day(first));
                let ends = match last {
                    Some(l) if l + 1 < h => differences(&state_of_day(l), &state_of_day(l + 1)),
                    _ => Vec::new(),
                };
                (starts, ends)
            };
            EventChange {
                name: e.name.clone(),
                date: e.date.to_string(),
                until: e.until.map(|u| u.to_string()),
                changes,
                starts,
                ends,
            }
        })
        .collect()
}

/// `explain` of one scenario file.
#[derive(Debug, Clone)]
pub struct ExplainJob {
    source: ScenarioSource,
    scenario: Scenario,
}

impl ExplainJob {
    /// Validates the scenario file.
    pub fn plan(source: ScenarioSource) -> Result<ExplainJob> {
        let scenario = source.parse()?;
        Ok(ExplainJob { source, scenario })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

impl Job for ExplainJob {
    type Stats = ();
    type Results = Explanation;

    fn command(&self) -> &'static str {
        "explain"
    }

    fn units(&self) -> u64 {
        0
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join(format!("{}-explain", self.source.stem))
    }

    fn identity(&self) -> Identity {
        Identity::new("explain", [("scenario", self.source.stem.clone())])
    }

    fn simulate(&self, _range: Range<u64>, _exec: &Exec) -> Result<()> {
        Ok(())
    }

    fn merge(_into: &mut (), _from: ()) {}

    fn finish(&self, _stats: ()) -> Result<Explanation> {
        Ok(explain(
            &self.scenario,
            &self.source.display_name,
            given_waiting_times(&self.source.text),
        ))
    }

    fn write(&self, r: &Explanation, out: &mut Outputs, _options: &WriteOptions) -> Result<()> {
        out.json(EXPLAIN_JSON, r)
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        ManifestFile::Scenario(Manifest::new(
            &self.source,
            &self.scenario,
            run.threads,
            run.wall,
            outputs,
        ))
    }
}

/// Reads an `explain.json` back.
pub fn read_explanation(path: &Path) -> Result<Explanation> {
    let text = crate::input::read_text(path, crate::input::MAX_SCENARIO_BYTES)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::input(format!("{} is not an explain.json: {e}", path.display())))
}
