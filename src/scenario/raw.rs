//! The scenario file exactly as written: serde structs that mirror the TOML.
//!
//! Nothing here is checked beyond its TOML type. `validate` turns a
//! [`RawScenario`] into a [`super::Scenario`] whose invariants hold, in the
//! two-stage shape of ripgrep's low-level and high-level arguments. Every
//! table denies unknown fields, so a misspelt key is an error rather than a
//! silently ignored setting.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A date as written in a scenario: a string `"2025-11-16"` or a bare TOML
/// date `2025-11-16`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    pub fn as_text(&self) -> String {
        match self {
            RawDate::Text(s) => s.clone(),
            RawDate::Toml(d) => d.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario file format version; only 1 exists.
    pub version: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub simulation: RawSimulation,
    #[serde(default)]
    pub target: RawTarget,
    pub escalation: RawEscalation,
    pub mediation: RawMediation,
    pub exchange: RawExchange,
    /// Named changes to this scenario, compared by `swapsim compare`.
    #[serde(default)]
    pub variants: Vec<RawVariant>,
    /// Uncertain parameters by dotted path, each a range or distribution;
    /// checked by `scenario::uncertainty`.
    #[serde(default)]
    pub uncertainties: toml::Table,
    /// Dated changes to the scenario; checked by `scenario::events`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<RawEvent>,
}

/// One `[[events]]` table: a dated change, written with a variant's verbs
/// plus a forced regime or phase.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: String,
    pub date: RawDate,
    pub until: Option<RawDate>,
    /// Values to set while the event is in force, by dotted path.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub set: toml::Table,
    /// Mediators whose channels count as closed while it is in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_mediators: Vec<String>,
    /// Mediators that exist while it is in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_mediators: Vec<toml::Table>,
    /// A regime forced on every day it is in force (`until` required).
    pub regime: Option<String>,
    /// A phase forced at the start of its date.
    pub phase: Option<ForcedPhase>,
}

/// A phase that an event may force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForcedPhase {
    Suspended,
    Active,
    Collapsed,
}

/// A given escalation path: a file name (columns `date,level`) or rows.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum RawPath {
    File(String),
    Rows(Vec<RawPathRow>),
}

/// One day of a given escalation path.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPathRow {
    pub date: RawDate,
    pub level: f64,
}

/// A milestone: `people` returned by the end of `by`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawMilestone {
    pub name: String,
    pub people: i64,
    pub by: RawDate,
}

/// One `[[variants]]` table: a name and changes to the base scenario.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Names of mediators to drop.
    #[serde(default)]
    pub remove_mediators: Vec<String>,
    /// Mediator tables to add, written like `[[mediation.mediators]]`.
    #[serde(default)]
    pub add_mediators: Vec<toml::Table>,
    /// Names of dated events to drop.
    #[serde(default)]
    pub remove_events: Vec<String>,
    /// Event tables to add, written like `[[events]]`.
    #[serde(default)]
    pub add_events: Vec<toml::Table>,
    /// Values to set, by dotted path (mediators, regimes and events by name).
    #[serde(default)]
    pub set: toml::Table,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub trials: i64,
    pub horizon_days: i64,
    pub start_date: RawDate,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub pool: Option<i64>,
    pub deadline: Option<RawDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<RawMilestone>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    pub initial_regime: String,
    pub shock_daily_probability: f64,
    pub shock_mean_size: f64,
    pub shock_half_life_days: f64,
    #[serde(default)]
    pub seasonal: RawSeasonal,
    pub regimes: Vec<RawRegime>,
    /// A given escalation path, which replaces the stochastic one on the
    /// days it covers.
    pub path: Option<RawPath>,
    /// `"previous"`: a day missing from the path takes the level before it.
    pub fill: Option<String>,
    /// Regime in force after the path's last day (default `initial_regime`).
    pub path_continues_in: Option<String>,
}

/// Offsets to escalation by calendar month; an absent month counts 0.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSeasonal {
    pub jan: Option<f64>,
    pub feb: Option<f64>,
    pub mar: Option<f64>,
    pub apr: Option<f64>,
    pub may: Option<f64>,
    pub jun: Option<f64>,
    pub jul: Option<f64>,
    pub aug: Option<f64>,
    pub sep: Option<f64>,
    pub oct: Option<f64>,
    pub nov: Option<f64>,
    pub dec: Option<f64>,
}

impl RawSeasonal {
    /// The twelve offsets, January first, with their TOML keys.
    pub fn months(&self) -> [(&'static str, Option<f64>); 12] {
        [
            ("jan", self.jan),
            ("feb", self.feb),
            ("mar", self.mar),
            ("apr", self.apr),
            ("may", self.may),
            ("jun", self.jun),
            ("jul", self.jul),
            ("aug", self.aug),
            ("sep", self.sep),
            ("oct", self.oct),
            ("nov", self.nov),
            ("dec", self.dec),
        ]
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawRegime {
    pub name: String,
    pub intensity: f64,
    pub mean_duration_days: Option<f64>,
    #[serde(default)]
    pub next: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// `M = 1 - prod(1 - w_i U_i)`: channels add up, with diminishing returns.
    NoisyOr,
    /// `M = max(w_i U_i)`: only the best open channel counts.
    Max,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawMediation {
    #[serde(default = "default_combine")]
    pub combine: Combine,
    #[serde(default)]
    pub common_outage_probability: f64,
    #[serde(default = "one")]
    pub common_outage_mean_days: f64,
    #[serde(default)]
    pub mediators: Vec<RawMediator>,
}

fn default_combine() -> Combine {
    Combine::NoisyOr
}

fn one() -> f64 {
    1.0
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawMediator {
    pub name: String,
    pub availability: f64,
    pub mean_outage_days: f64,
    #[serde(default)]
    pub escalation_sensitivity: f64,
    pub effectiveness: f64,
    #[serde(default = "yes")]
    pub initially_open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialPhase {
    Pending,
    Active,
    /// Suspended before day 0: it may resume (then prepares) or collapse.
    /// Back-tests start here when the record says the process was most
    /// likely suspended.
    Suspended,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawExchange {
    pub initial_phase: InitialPhase,
    pub preparation_days: i64,
    pub min_days_between_rounds: i64,
    pub round_rate: f64,
    #[serde(default = "yes")]
    pub requires_mediator: bool,
    pub size_mean: f64,
    pub size_dispersion: f64,
    #[serde(default)]
    pub size_escalation_coef: f64,
    pub confirmation: RawHazard,
    pub suspension: RawHazard,
    pub resumption: RawHazard,
    #[serde(default)]
    pub collapse: RawCollapse,
}

/// A daily hazard `base * exp(±mediation_coef * M ∓ escalation_coef * E)`,
/// written either with its `base` or as a mean waiting time `mean_days` at
/// reference conditions `at` (`calm` or `typical`, see
/// `scenario::reference`), converted to `base` at validation.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawHazard {
    pub base: Option<f64>,
    /// Mean waiting time in days (> 1) at the conditions `at`.
    pub mean_days: Option<f64>,
    /// `calm` or `typical`: where `mean_days` holds.
    pub at: Option<String>,
    #[serde(default)]
    pub escalation_coef: f64,
    #[serde(default)]
    pub mediation_coef: f64,
}

/// The collapse hazard, the same in every condition: its `base` (0 when
/// absent) or its mean waiting time `mean_days`.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCollapse {
    pub base: Option<f64>,
    /// Mean waiting time in days (> 1) while suspended.
    pub mean_days: Option<f64>,
}

/// The hazard tables of `[exchange]` that may be written as a waiting time.
pub const HAZARD_TABLES: [&str; 4] = ["confirmation", "suspension", "resumption", "collapse"];

/// After `key` was set in the hazard table `table`, drops the other way of
/// writing the hazard, so that a variant or a design point may set either
/// `base` or `mean_days` whichever the file wrote. `at` stays: it says
/// where a `mean_days` set later holds.
pub fn keep_one_hazard_form(table: &mut toml::Table, key: &str) {
    match key {
        "base" => {
            table.remove("mean_days");
        }
        "mean_days" => {
            table.remove("base");
        }
        _ => {}
    }
}
