//! Scenario files: parsing, validation, and the validated [`Scenario`].
//!
//! A scenario passes two stages. [`raw`] mirrors the TOML and checks only
//! types; [`validate`] checks every range and reference and yields a
//! `Scenario` in which all invariants hold, so the model never re-checks its
//! inputs. Every problem found is reported with file, line, TOML path, the
//! value found and what is allowed. Units are those of `docs/model.md`:
//! days, people, probabilities per day, hazards per day.

pub mod error;
pub mod events;
mod parse;
pub mod path_file;
pub mod raw;
pub mod reference;
pub mod starter;
pub mod uncertainty;
pub mod variants;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use error::{Problem, ScenarioError, TomlPath};
pub use raw::{Combine, InitialPhase};

use error::Locator;
pub use raw::RawScenario;
use raw::{RawDate, RawHazard};

/// The scenario compiled into the binary: the same file as
/// `scenarios/istanbul-2025.toml`.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../scenarios/istanbul-2025.toml");
/// The file stem under which the built-in default writes its results.
pub const DEFAULT_SCENARIO_STEM: &str = "istanbul-2025";

/// Largest number of trials one run accepts.
pub const MAX_TRIALS: u64 = 1_000_000_000;
/// Longest horizon in days (ten years).
pub const MAX_HORIZON_DAYS: u32 = 3650;
/// Largest pool of a question (people).
pub const MAX_POOL: u64 = 1_000_000_000;
/// Most mediators one scenario may name.
pub const MAX_MEDIATORS: usize = 32;
/// Most escalation regimes one scenario may name.
pub const MAX_REGIMES: usize = 64;
/// Bound on the absolute value of every coefficient (log hazard ratio per
/// unit of escalation or mediation). exp(20) is a 500-million-fold change,
/// far beyond any defensible assumption, and keeps hazards finite.
pub const COEF_LIMIT: f64 = 20.0;
/// Bound on escalation intensities, shock sizes and seasonal offsets
/// (escalation units: 0 frozen front, 1 typical attritional fighting).
pub const ESCALATION_LIMIT: f64 = 100.0;
/// The only scenario file format version.
pub const FORMAT_VERSION: i64 = 1;

/// The twelve TOML keys of `escalation.seasonal`, January first.
pub const MONTH_KEYS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Where a scenario came from, kept for error messages and the manifest.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// The file as the user named it, or `built-in default`.
    pub display_name: String,
    /// File stem used to name the output directory (safe as a path component).
    pub stem: String,
    /// The scenario text that is parsed: the file's full text, except that
    /// a path file's rows are written inline in place of its name (on the
    /// same line, so line numbers hold).
    pub text: String,
    /// The path file that `[escalation] path` named, as read.
    pub path_file: Option<path_file::PathFile>,
}

impl ScenarioSource {
    /// The built-in default scenario (`scenarios/istanbul-2025.toml`).
    pub fn builtin() -> Self {
        ScenarioSource {
            display_name: "built-in default (scenarios/istanbul-2025.toml)".to_string(),
            stem: DEFAULT_SCENARIO_STEM.to_string(),
            text: DEFAULT_SCENARIO_TOML.to_string(),
            path_file: None,
        }
    }

    /// Reads a scenario file. The error names the file and the reason.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        let display_name = path.display().to_string();
        let fail = |message: String| ScenarioError {
            source_name: display_name.clone(),
            problems: vec![Problem {
                line: None,
                column: None,
                path: "(file)".to_string(),
                message,
            }],
        };
        let text = crate::input::read_text(path, crate::input::MAX_SCENARIO_BYTES)
            .map_err(|e| fail(format!("cannot use this scenario file: {e}")))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(safe_path_component)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| fail("the file name has no usable stem".to_string()))?;
        // A path file is relative to the scenario file's folder.
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let (text, path_file) = path_file::resolve(&text, folder, &display_name)?;
        Ok(ScenarioSource {
            display_name,
            stem,
            text,
            path_file,
        })
    }

    /// Parses and validates the text.
    pub fn parse(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_str(&self.text, &self.display_name)
    }
}

/// Replaces every character that is not a letter or digit (of any script:
/// `Львів` stays `Львів`), `-`, `_` or `.` by `_`, and a leading `.` too,
/// so the result can never name a parent directory, a hidden file or a path
/// outside the output folder, while files named in other alphabets keep
/// distinct folders.
pub fn safe_path_component(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(120)
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    out
}

/// A validated scenario: every number in range, every reference resolved.
///
/// Its fields are private, so a `Scenario` is valid by construction: it is
/// made only by validating a file, and changed only through builders
/// ([`Scenario::with_trials`], [`Scenario::rebuilt`], ...) that validate the
/// changed scenario again.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scenario {
    name: String,
    description: String,
    simulation: Simulation,
    target: Target,
    escalation: Escalation,
    mediation: Mediation,
    exchange: Exchange,
    /// Dated events as given, in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<events::Event>,
    /// Values in force per epoch and the given path; `None` for a scenario
    /// without events or path, whose values hold on every day.
    #[serde(skip)]
    dated: Option<Box<events::Dated>>,
    /// The raw events and path, to rebuild the scenario.
    #[serde(skip)]
    raw_dated: events::RawDated,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Simulation {
    /// Number of independent trials (histories).
    pub trials: u64,
    /// Days simulated, `H`; day indices run `0 .. H-1`.
    pub horizon_days: u32,
    /// Calendar date of day 0.
    pub start_date: NaiveDate,
    /// Seed of every random stream of the run.
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    /// Agreed number of people to be returned (people), if any.
    pub pool: Option<u64>,
    /// Calendar date of the deadline (inclusive).
    pub deadline: NaiveDate,
    /// Day index of the deadline, `0 ..= H-1`.
    pub deadline_day: u32,
    /// Levels of people returned to be reached by given dates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<events::Milestone>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Escalation {
    pub initial_regime: String,
    /// Probability per day that a shock occurs.
    pub shock_daily_probability: f64,
    /// Mean size of a shock (escalation units).
    pub shock_mean_size: f64,
    /// Half-life of the shock level (days).
    pub shock_half_life_days: f64,
    /// Offset to escalation by calendar month (escalation units); absent
    /// months count 0.
    pub seasonal: BTreeMap<String, f64>,
    pub regimes: Vec<Regime>,
}

impl Escalation {
    /// Seasonal offset of a month (1 = January).
    pub fn seasonal_offset(&self, month: u32) -> f64 {
        MONTH_KEYS
            .get(month as usize - 1)
            .and_then(|k| self.seasonal.get(*k))
            .copied()
            .unwrap_or(0.0)
    }

    /// Index of a regime by name.
    pub fn regime_index(&self, name: &str) -> Option<usize> {
        self.regimes.iter().position(|r| r.name == name)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Regime {
    pub name: String,
    /// Escalation level while in this regime (escalation units).
    pub intensity: f64,
    /// Mean dwell time (days); `None` for a regime that is never left.
    pub mean_duration_days: Option<f64>,
    /// Relative weights of the regimes entered on leaving this one.
    pub next: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mediation {
    pub combine: Combine,
    /// Probability per day that a common outage starts.
    pub common_outage_probability: f64,
    /// Mean length of a common outage (days).
    pub common_outage_mean_days: f64,
    pub mediators: Vec<Mediator>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mediator {
    pub name: String,
    /// Long-run share of days the channel is open at escalation 0.
    pub availability: f64,
    /// Mean length of an outage of this channel (days).
    pub mean_outage_days: f64,
    /// Log hazard ratio of channel closure per unit of escalation.
    pub escalation_sensitivity: f64,
    /// Contribution to mediation strength when open, in [0, 1].
    pub effectiveness: f64,
    /// Whether the channel is open on day 0.
    pub initially_open: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Hazard {
    /// Baseline hazard per day.
    pub base: f64,
    /// Log hazard ratio per unit of escalation.
    pub escalation_coef: f64,
    /// Log hazard ratio per unit of mediation strength.
    pub mediation_coef: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Exchange {
    pub initial_phase: InitialPhase,
    /// Days after every (re)activation before a round can take place.
    pub preparation_days: u32,
    /// Least number of days from one round to the next.
    pub min_days_between_rounds: u32,
    /// Hazard per day of a round at full mediation strength.
    pub round_rate: f64,
    /// Whether rounds need an open mediation channel.
    pub requires_mediator: bool,
    /// Mean round size before escalation scaling (people, >= 1).
    pub size_mean: f64,
    /// Negative binomial dispersion `k` of round sizes (variance m + m^2/k).
    pub size_dispersion: f64,
    /// Log ratio of mean round size (less one) per unit of escalation.
    pub size_escalation_coef: f64,
    pub confirmation: Hazard,
    pub suspension: Hazard,
    pub resumption: Hazard,
    /// Hazard per day of collapse while suspended.
    pub collapse_base: f64,
}

impl Scenario {
    /// Parses and validates a scenario; `source_name` names the file in
    /// error messages.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Scenario, ScenarioError> {
        let locator = Locator::new(text);
        let fail = |problems| ScenarioError {
            source_name: source_name.to_string(),
            problems,
        };
        let tree = parse::read_tree(text, &locator).map_err(|p| fail(vec![p]))?;
        let (raw, scenario) = read_and_validate(tree, &locator, false).map_err(fail)?;
        // Uncertainties are checked against the valid scenario they vary.
        uncertainty::check_raw(text, &raw, &locator).map_err(|problems| ScenarioError {
            source_name: source_name.to_string(),
            problems,
        })?;
        Ok(scenario)
    }

    /// The scenario's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scenario's `description` (may be empty).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `[simulation]`: trials, horizon, start date and seed.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// `[target]`: pool and deadline.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// `[escalation]`: regimes, shocks and seasons.
    pub fn escalation(&self) -> &Escalation {
        &self.escalation
    }

    /// `[mediation]`: the mediators and the common outage.
    pub fn mediation(&self) -> &Mediation {
        &self.mediation
    }

    /// `[exchange]`: the phases' hazards, rounds and their sizes.
    pub fn exchange(&self) -> &Exchange {
        &self.exchange
    }

    /// Names of every mediator that exists on some day, in the order of
    /// the model's streams: the file's, then those that events add.
    pub fn mediator_names(&self) -> Vec<&str> {
        match &self.dated {
            Some(d) => d.mediators_ever.iter().map(String::as_str).collect(),
            None => self
                .mediation
                .mediators
                .iter()
                .map(|m| m.name.as_str())
                .collect(),
        }
    }

    /// `[[events]]` as given, in file order.
    pub fn events(&self) -> &[events::Event] {
        &self.events
    }

    /// What events and a given path change over the horizon; `None` when
    /// the scenario's values hold on every day.
    pub fn dated(&self) -> Option<&events::Dated> {
        self.dated.as_deref()
    }

    /// The same scenario with another number of trials (for `--trials`).
    pub fn with_trials(self, trials: u64) -> Result<Scenario, String> {
        if !(1..=MAX_TRIALS).contains(&trials) {
            return Err(format!(
                "--trials {trials} is out of range: allowed 1 to {MAX_TRIALS}"
            ));
        }
        Ok(Scenario {
            simulation: Simulation {
                trials,
                ..self.simulation
            },
            ..self
        })
    }

    /// The same scenario with another seed (for `--seed`). Every seed is
    /// valid.
    pub fn with_seed(self, seed: u64) -> Scenario {
        Scenario {
            simulation: Simulation {
                seed,
                ..self.simulation
            },
            ..self
        }
    }

    /// The scenario after `change` to its raw form, validated again as a
    /// configuration derived from a file (so rounds that need a mediator
    /// may be left with none). This is how back-tests move the start date,
    /// calibration shortens the horizon and knock-outs drop mediators: the
    /// result obeys every rule a file must, or the problems are returned.
    pub fn rebuilt(
        &self,
        change: impl FnOnce(&mut RawScenario),
    ) -> Result<Scenario, ScenarioError> {
        let mut raw = self.to_raw();
        change(&mut raw);
        validate_raw(&raw, &Locator::new(""), true).map_err(|problems| ScenarioError {
            source_name: format!("scenario {:?} as changed", self.name),
            problems,
        })
    }

    /// The raw form that validates to this scenario.
    fn to_raw(&self) -> RawScenario {
        use raw::*;
        let date = |d: NaiveDate| RawDate::Text(d.to_string());
        let month = |key: &str| self.escalation.seasonal.get(key).copied();
        // The conversion of a waiting time happened when the file was
        // validated: configurations derived from it keep the base.
        let hazard = |h: &Hazard| RawHazard {
            base: Some(h.base),
            mean_days: None,
            at: None,
            escalation_coef: h.escalation_coef,
            mediation_coef: h.mediation_coef,
        };
        let (e, m, x) = (&self.escalation, &self.mediation, &self.exchange);
        RawScenario {
            version: Some(FORMAT_VERSION),
            name: self.name.clone(),
            description: self.description.clone(),
            simulation: RawSimulation {
                trials: self.simulation.trials as i64,
                horizon_days: i64::from(self.simulation.horizon_days),
                start_date: date(self.simulation.start_date),
                seed: self.simulation.seed,
            },
            target: RawTarget {
                pool: self.target.pool.map(|p| p as i64),
                deadline: Some(date(self.target.deadline)),
                milestones: self
                    .target
                    .milestones
                    .iter()
                    .map(|m| RawMilestone {
                        name: m.name.clone(),
                        people: m.people as i64,
                        by: date(m.by),
                    })
                    .collect(),
            },
            escalation: RawEscalation {
                initial_regime: e.initial_regime.clone(),
                shock_daily_probability: e.shock_daily_probability,
                shock_mean_size: e.shock_mean_size,
                shock_half_life_days: e.shock_half_life_days,
                seasonal: RawSeasonal {
                    jan: month("jan"),
                    feb: month("feb"),
                    mar: month("mar"),
                    apr: month("apr"),
                    may: month("may"),
                    jun: month("jun"),
                    jul: month("jul"),
                    aug: month("aug"),
                    sep: month("sep"),
                    oct: month("oct"),
                    nov: month("nov"),
                    dec: month("dec"),
                },
                regimes: e
                    .regimes
                    .iter()
                    .map(|r| RawRegime {
                        name: r.name.clone(),
                        intensity: r.intensity,
                        mean_duration_days: r.mean_duration_days,
                        next: r.next.clone(),
                    })
                    .collect(),
                path: self.raw_dated.path.clone(),
                fill: self.raw_dated.fill.clone(),
                path_continues_in: self.raw_dated.path_continues_in.clone(),
            },
            mediation: RawMediation {
                combine: m.combine,
                common_outage_probability: m.common_outage_probability,
                common_outage_mean_days: m.common_outage_mean_days,
                mediators: m
                    .mediators
                    .iter()
                    .map(|md| RawMediator {
                        name: md.name.clone(),
                        availability: md.availability,
                        mean_outage_days: md.mean_outage_days,
                        escalation_sensitivity: md.escalation_sensitivity,
                        effectiveness: md.effectiveness,
                        initially_open: md.initially_open,
                    })
                    .collect(),
            },
            exchange: RawExchange {
                initial_phase: x.initial_phase,
                preparation_days: i64::from(x.preparation_days),
                min_days_between_rounds: i64::from(x.min_days_between_rounds),
                round_rate: x.round_rate,
                requires_mediator: x.requires_mediator,
                size_mean: x.size_mean,
                size_dispersion: x.size_dispersion,
                size_escalation_coef: x.size_escalation_coef,
                confirmation: hazard(&x.confirmation),
                suspension: hazard(&x.suspension),
                resumption: hazard(&x.resumption),
                collapse: RawCollapse {
                    base: Some(x.collapse_base),
                    mean_days: None,
                },
            },
            variants: Vec::new(),
            uncertainties: toml::Table::new(),
            events: self.raw_dated.events.clone(),
        }
    }

    /// Calendar date of day index `t` (days past the horizon too, up to
    /// 9999-12-31; later days give that date).
    pub fn date_of_day(&self, t: u32) -> NaiveDate {
        crate::dates::add_days(self.simulation.start_date, u64::from(t))
            .unwrap_or(crate::dates::LAST_DATE)
    }
}

/// Puts beside each `mean_days` of an `[exchange]` hazard table the `base`
/// it converts to for this file, if the tree is a valid scenario
/// (otherwise leaves the tree as it is, for validation to report). In a
/// derived configuration the base then holds; setting `mean_days` (which
/// drops the base, [`raw::keep_one_hazard_form`]) converts anew.
fn with_converted_hazards(tree: &mut toml::Table) {
    let has_waiting_time = |t: &toml::Table| {
        t.get("exchange")
            .and_then(|x| x.as_table())
            .is_some_and(|x| {
                raw::HAZARD_TABLES.iter().any(|h| {
                    x.get(*h)
                        .and_then(|v| v.as_table())
                        .is_some_and(|v| v.contains_key("mean_days"))
                })
            })
    };
    if !has_waiting_time(tree) {
        return;
    }
    let mut plain = tree.clone();
    plain.remove("uncertainties");
    let Ok((_, s)) = read_and_validate(plain, &Locator::new(""), false) else {
        return;
    };
    let x = s.exchange();
    let bases = [
        x.confirmation.base,
        x.suspension.base,
        x.resumption.base,
        x.collapse_base,
    ];
    if let Some(exchange) = tree.get_mut("exchange").and_then(|v| v.as_table_mut()) {
        for (name, base) in raw::HAZARD_TABLES.iter().zip(bases) {
            if let Some(t) = exchange.get_mut(*name).and_then(|v| v.as_table_mut())
                && t.contains_key("mean_days")
            {
                t.insert("base".to_string(), toml::Value::Float(base));
            }
        }
    }
}

/// How the problem of a hazard with neither `base` nor `mean_days` begins.
const MISSING_HAZARD: &str = "missing: give";

/// Reads a TOML tree as a scenario and validates it, reporting every
/// problem of both stages at once (see [`parse`]).
fn read_and_validate(
    tree: toml::Table,
    locator: &Locator,
    derived: bool,
) -> Result<(RawScenario, Scenario), Vec<Problem>> {
    let parsed = parse::read_all(tree, locator);
    let mut problems = parsed.problems.clone();
    let Some(raw) = parsed.raw.clone() else {
        return Err(problems);
    };
    match validate_raw(&raw, locator, derived) {
        Ok(scenario) if problems.is_empty() => return Ok((raw, scenario)),
        Ok(_) => {}
        Err(more) => {
            // A hazard table with a misspelt key was most likely meant to
            // hold base or mean_days: the misspelling is reported ("did you
            // mean"), and the hazard's missing base would say it twice.
            let misspelt_in = |table: &str| {
                parsed.problems.iter().any(|p| {
                    p.message.starts_with("unknown field")
                        && p.path
                            .strip_prefix(table)
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            };
            let said_already = |p: &Problem| {
                parsed.covers(&p.path)
                    || (p.message.starts_with(MISSING_HAZARD) && misspelt_in(&p.path))
            };
            problems.extend(more.into_iter().filter(|p| !said_already(p)))
        }
    }
    // In the order of the file; problems without a line last.
    problems.sort_by_key(|p| (p.line.is_none(), p.line, p.column));
    Err(problems)
}

/// Validates raw structs; problems are located through `locator`.
/// `derived` is true for a configuration derived from a file (a variant,
/// a design point), false for a scenario file itself.
fn validate_raw(
    raw: &RawScenario,
    locator: &Locator,
    derived: bool,
) -> Result<Scenario, Vec<Problem>> {
    let mut checker = Checker {
        locator,
        problems: Vec::new(),
        derived,
    };
    match validate(raw, &mut checker) {
        Some(s) if checker.problems.is_empty() => Ok(s),
        _ => Err(checker.problems),
    }
}

/// Collects problems with their locations while validating.
struct Checker<'a> {
    locator: &'a Locator<'a>,
    problems: Vec<Problem>,
    /// Whether the scenario is derived from a file rather than written.
    derived: bool,
}

impl Checker<'_> {
    fn fail(&mut self, path: &TomlPath, message: String) {
        self.problems.push(self.locator.problem(path, message));
    }

    /// A finite number in `[lo, hi]`.
    fn range(&mut self, path: &TomlPath, v: f64, lo: f64, hi: f64, what: &str) -> f64 {
        if !v.is_finite() || v < lo || v > hi {
            self.fail(path, format!("{} is not allowed: {what}", show(v)));
        }
        v
    }

    /// A finite number in `(lo, hi]`.
    fn range_open_low(&mut self, path: &TomlPath, v: f64, lo: f64, hi: f64, what: &str) -> f64 {
        if !v.is_finite() || v <= lo || v > hi {
            self.fail(path, format!("{} is not allowed: {what}", show(v)));
        }
        v
    }

    fn probability(&mut self, path: &TomlPath, v: f64) -> f64 {
        self.range(
            path,
            v,
            0.0,
            1.0,
            "a probability per day must be a number from 0 to 1",
        )
    }

    fn coefficient(&mut self, path: &TomlPath, v: f64) -> f64 {
        self.range(
            path,
            v,
            -COEF_LIMIT,
            COEF_LIMIT,
            &format!("a coefficient (log hazard ratio) must be a finite number from -{COEF_LIMIT} to {COEF_LIMIT}"),
        )
    }

    fn base_hazard(&mut self, path: &TomlPath, v: f64) -> f64 {
        self.range(
            path,
            v,
            0.0,
            1000.0,
            "a baseline hazard per day must be a finite number from 0 to 1000",
        )
    }

    /// A log-linear hazard written with its `base` or as a mean waiting
    /// time `mean_days` at reference conditions `at`, converted exactly
    /// with the scenario's reference `levels` (`None` when escalation or
    /// mediation already failed validation, so no conversion is trusted).
    fn hazard(
        &mut self,
        path: &TomlPath,
        raw: &RawHazard,
        kind: reference::HazardKind,
        levels: Option<&reference::Levels>,
    ) -> Hazard {
        let escalation_coef = self.coefficient(&path.key("escalation_coef"), raw.escalation_coef);
        let mediation_coef = self.coefficient(&path.key("mediation_coef"), raw.mediation_coef);
        let at = match (&raw.at, raw.mean_days) {
            (Some(text), _) => {
                let at = reference::At::parse(text);
                if at.is_none() {
                    self.fail(
                        &path.key("at"),
                        format!(
                            "{text:?} is not allowed: at names where mean_days holds, \"calm\" (no \
                             fighting, every mediation channel open) or \"typical\" (the \
                             scenario's typical fighting and mediation)"
                        ),
                    );
                } else if raw.mean_days.is_none() && !self.derived {
                    self.fail(
                        &path.key("at"),
                        format!(
                            "{text:?} has no effect without mean_days: at says where a mean \
                             waiting time holds; remove it, or give mean_days instead of base"
                        ),
                    );
                }
                at
            }
            (None, Some(_)) => {
                self.fail(
                    &path.key("at"),
                    "missing: mean_days needs at = \"calm\" (no fighting, every mediation \
                     channel open) or at = \"typical\" (the scenario's typical fighting and \
                     mediation)"
                        .to_string(),
                );
                None
            }
            (None, None) => None,
        };
        let base = match (raw.base, raw.mean_days) {
            (Some(base), None) => self.base_hazard(&path.key("base"), base),
            // A configuration derived from a file that wrote mean_days
            // carries the file's conversion beside it (see
            // `with_converted_hazards`).
            (Some(base), Some(_)) if self.derived => self.base_hazard(&path.key("base"), base),
            (Some(_), Some(_)) => {
                self.fail(
                    &path.key("mean_days"),
                    "give either base (hazard per day at no fighting and no mediation) or \
                     mean_days (mean waiting time at the conditions `at`), not both"
                        .to_string(),
                );
                f64::NAN
            }
            (None, None) => {
                self.fail(
                    path,
                    format!(
                        "{MISSING_HAZARD} base (hazard per day at no fighting and no mediation) \
                         or mean_days with at (mean waiting time in days at \"calm\" or \
                         \"typical\" conditions)"
                    ),
                );
                f64::NAN
            }
            (None, Some(mean_days)) => {
                let mean_days = self.mean_days(&path.key("mean_days"), mean_days);
                let coefs = Hazard {
                    base: 1.0,
                    escalation_coef,
                    mediation_coef,
                };
                match (at, levels) {
                    // Bad coefficients are reported where they are; a
                    // conversion through them would only repeat it.
                    (Some(at), Some(levels))
                        if mean_days.is_finite()
                            && mean_days > 1.0
                            && [escalation_coef, mediation_coef]
                                .iter()
                                .all(|b| b.abs() <= COEF_LIMIT) =>
                    {
                        let ratio = reference::log_ratio(kind, &coefs, levels.at(at));
                        let base = reference::base_for_mean_days(mean_days, ratio);
                        self.converted_base(&path.key("mean_days"), mean_days, at, base)
                    }
                    _ => f64::NAN,
                }
            }
        };
        Hazard {
            base,
            escalation_coef,
            mediation_coef,
        }
    }

    /// A mean waiting time in days: above 1 (a daily probability below 1).
    fn mean_days(&mut self, path: &TomlPath, v: f64) -> f64 {
        self.range_open_low(
            path,
            v,
            1.0,
            1e6,
            "mean_days is a mean waiting time in days: a number above 1 (one day would be a \
             daily probability of 1) and at most 1000000",
        )
    }

    /// The base a waiting time converts to, which must itself be allowed.
    fn converted_base(
        &mut self,
        path: &TomlPath,
        mean_days: f64,
        at: reference::At,
        base: f64,
    ) -> f64 {
        if !base.is_finite() || base > 1000.0 {
            self.fail(
                path,
                format!(
                    "{mean_days} days at {} conditions needs a base of {} per day, above the \
                     allowed 1000: the coefficients make the hazard at those conditions far \
                     smaller than at no fighting and no mediation; give a shorter wait, smaller \
                     coefficients, or base directly",
                    at.name(),
                    show(base)
                ),
            );
        }
        base
    }

    fn whole(&mut self, path: &TomlPath, v: i64, lo: i64, hi: i64, what: &str) -> i64 {
        if v < lo || v > hi {
            self.fail(path, format!("{v} is not allowed: {what}"));
        }
        v.clamp(lo, hi)
    }

    fn date(&mut self, path: &TomlPath, raw: &RawDate) -> Option<NaiveDate> {
        let text = raw.as_text();
        match crate::dates::parse(&text) {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    path,
                    format!("\"{text}\" is not a date: write it as \"YYYY-MM-DD\", for example \"2025-11-16\""),
                );
                None
            }
        }
    }

    /// A name used as a key elsewhere (regimes, mediators): letters, digits,
    /// spaces, `-` and `_`, so that it can never act as a path or break a
    /// dotted parameter path.
    fn identifier(&mut self, path: &TomlPath, name: &str) {
        if !is_valid_name(name) {
            self.fail(
                path,
                format!(
                    "{name:?} is not a valid name: use 1 to 64 characters, with no leading or \
                     trailing space, no '.', '/' or '\\', and no control or invisible characters"
                ),
            );
        }
    }
}

/// Unicode format characters (category Cf): invisible marks such as the
/// right-to-left override U+202E or the zero-width space U+200B, which make
/// a name display as something it is not.
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// A name a reader sees (of a scenario, variant or event): 1 to `max`
/// characters, not blank, no leading or trailing space, no control or
/// invisible format characters, and no path separators. Punctuation is
/// welcome: "Qatar joins, Turkey more fragile" is a name.
pub fn is_label(name: &str, max: usize) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= max
        && name.trim() == name
        && !name
            .chars()
            .any(|c| c.is_control() || is_format_char(c) || c == '/' || c == '\\')
}

/// The rule for names used as keys in dotted parameter paths (regimes,
/// mediators): a label of at most 64 characters without `.`, which would
/// break a path such as `mediation.mediators.UAE.availability`.
pub fn is_valid_name(name: &str) -> bool {
    is_label(name, 64) && !name.contains('.')
}

/// Formats a number as a reader wrote it, naming NaN and infinities.
fn show(v: f64) -> String {
    if v.is_nan() {
        "nan (not a number)".to_string()
    } else if v.is_infinite() {
        format!("{v} (infinite)")
    } else {
        format!("{v}")
    }
}

fn validate(raw: &RawScenario, c: &mut Checker) -> Option<Scenario> {
    let root = TomlPath::root();

    if let Some(v) = raw.version
        && v != FORMAT_VERSION
    {
        c.fail(
            &root.key("version"),
            format!(
                "format version {v} is not supported: this swapsim reads version {FORMAT_VERSION}"
            ),
        );
    }
    if !is_label(&raw.name, 200) {
        c.fail(
            &root.key("name"),
            format!(
                "{:?} is not allowed: a scenario name must be 1 to 200 characters, not blank, \
                 with no path separators ('/' or '\\') and no control or invisible characters",
                raw.name
            ),
        );
    }

    // [simulation]
    let sim = root.key("simulation");
    let trials = c.whole(
        &sim.key("trials"),
        raw.simulation.trials,
        1,
        MAX_TRIALS as i64,
        &format!("trials must be a whole number from 1 to {MAX_TRIALS}"),
    ) as u64;
    let horizon_days = c.whole(
        &sim.key("horizon_days"),
        raw.simulation.horizon_days,
        1,
        i64::from(MAX_HORIZON_DAYS),
        &format!("horizon_days must be a whole number of days from 1 to {MAX_HORIZON_DAYS}"),
    ) as u32;
    let start_date = c.date(&sim.key("start_date"), &raw.simulation.start_date);

    // [target]
    let tgt = root.key("target");
    let pool = raw.target.pool.map(|p| {
        c.whole(
            &tgt.key("pool"),
            p,
            1,
            MAX_POOL as i64,
            &format!("pool must be a whole number of people from 1 to {MAX_POOL}"),
        ) as u64
    });
    // A deadline that is not a date is reported even when start_date is bad
    // too; its range is checked only against a valid horizon, since against
    // the clamped one the message would quote a horizon nobody wrote.
    let written_deadline = raw
        .target
        .deadline
        .as_ref()
        .map(|rd| c.date(&tgt.key("deadline"), rd));
    let horizon_ok = i64::from(horizon_days) == raw.simulation.horizon_days;
    let mut deadline = None;
    let mut start_date = start_date;
    let last_day = match (start_date, horizon_ok) {
        (Some(start), true) => {
            let last = crate::dates::last_day(start, horizon_days);
            if last.is_none() {
                c.fail(
                    &sim.key("horizon_days"),
                    format!(
                        "{horizon_days} days from {start} run past 9999-12-31, the last date \
                         swapsim can write: start earlier or shorten the horizon"
                    ),
                );
                start_date = None;
            }
            last.map(|last| (start, last))
        }
        _ => None,
    };
    if let Some((start, last)) = last_day {
        match written_deadline {
            None => deadline = Some((last, horizon_days - 1)),
            Some(None) => {}
            Some(Some(d)) => {
                if d < start || d > last {
                    c.fail(
                        &tgt.key("deadline"),
                        format!(
                            "{d} lies outside the horizon: allowed {start} (start_date) to \
                             {last} (the last of {horizon_days} days)"
                        ),
                    );
                } else {
                    deadline = Some((d, (d - start).num_days() as u32));
                }
            }
        }
    }

    // [escalation]
    let esc = root.key("escalation");
    let e = &raw.escalation;
    let shock_daily_probability = c.probability(
        &esc.key("shock_daily_probability"),
        e.shock_daily_probability,
    );
    let shock_mean_size = c.range(
        &esc.key("shock_mean_size"),
        e.shock_mean_size,
        0.0,
        ESCALATION_LIMIT,
        &format!(
            "the mean shock size must be a number from 0 to {ESCALATION_LIMIT} (escalation units)"
        ),
    );
    if shock_daily_probability > 0.0 && shock_mean_size == 0.0 {
        c.fail(
            &esc.key("shock_mean_size"),
            "0 is not allowed while shock_daily_probability > 0: shocks need a positive mean size"
                .to_string(),
        );
    }
    let shock_half_life_days = c.range_open_low(
        &esc.key("shock_half_life_days"),
        e.shock_half_life_days,
        0.0,
        1e6,
        "the half-life must be a number of days above 0 (and at most 1000000)",
    );
    let mut seasonal = BTreeMap::new();
    for (key, value) in e.seasonal.months() {
        if let Some(v) = value {
            let v = c.range(
                &esc.key("seasonal").key(key),
                v,
                -ESCALATION_LIMIT,
                ESCALATION_LIMIT,
                &format!("a seasonal offset must be a number from -{ESCALATION_LIMIT} to {ESCALATION_LIMIT} (escalation units)"),
            );
            seasonal.insert(key.to_string(), v);
        }
    }
    if e.regimes.is_empty() {
        c.fail(
            &esc.key("regimes"),
            "at least one [[escalation.regimes]] table is required".to_string(),
        );
    }
    if e.regimes.len() > MAX_REGIMES {
        c.fail(
            &esc.key("regimes"),
            format!(
                "{} regimes is too many: at most {MAX_REGIMES}",
                e.regimes.len()
            ),
        );
    }
    let names: Vec<&str> = e.regimes.iter().map(|r| r.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut regimes = Vec::new();
    for (i, r) in e.regimes.iter().enumerate() {
        let rp = esc.key("regimes").index(i);
        c.identifier(&rp.key("name"), &r.name);
        if !seen.insert(r.name.as_str()) {
            c.fail(
                &rp.key("name"),
                format!("regime {:?} is named twice: names must be unique", r.name),
            );
        }
        let intensity = c.range(
            &rp.key("intensity"),
            r.intensity,
            0.0,
            ESCALATION_LIMIT,
            &format!("intensity must be a number from 0 to {ESCALATION_LIMIT} (escalation units: 0 frozen front, 1 typical fighting)"),
        );
        let mut next = BTreeMap::new();
        for (target, &w) in &r.next {
            let np = rp.key("next").key(target);
            if !names.contains(&target.as_str()) {
                let hint = error::nearest(target, names.iter().copied())
                    .map(|g| format!(" (did you mean {g:?}?)"))
                    .unwrap_or_default();
                c.fail(
                    &np,
                    format!(
                        "no regime is named {target:?}{hint}; regimes: {}",
                        quoted_list(&names)
                    ),
                );
            } else if target == &r.name {
                c.fail(
                    &np,
                    "a regime cannot list itself in `next`: the weights are over the other regimes"
                        .to_string(),
                );
            }
            let w = c.range(&np, w, 0.0, 1e9, "a weight must be a number from 0 to 1e9");
            next.insert(target.clone(), w);
        }
        if !r.next.is_empty() && next.values().all(|w| *w == 0.0) {
            c.fail(
                &rp.key("next"),
                "the weights in `next` are all 0: give at least one a positive weight, or remove \
                 `next` for a regime that is never left"
                    .to_string(),
            );
        }
        let mean_duration_days = match (r.mean_duration_days, r.next.is_empty()) {
            (Some(_), true) => {
                c.fail(
                    &rp.key("mean_duration_days"),
                    "has no effect: a regime without `next` is never left; remove \
                     mean_duration_days, or add `next` with the regimes it leads to"
                        .to_string(),
                );
                None
            }
            (Some(d), false) => Some(c.range(
                &rp.key("mean_duration_days"),
                d,
                1.0,
                1e6,
                "mean_duration_days must be a number of days from 1 to 1000000 (the daily exit probability is 1/d)",
            )),
            (None, true) => None,
            (None, false) => {
                c.fail(
                    &rp.key("mean_duration_days"),
                    "missing: a regime with `next` needs mean_duration_days (days, at least 1)"
                        .to_string(),
                );
                None
            }
        };
        regimes.push(Regime {
            name: r.name.clone(),
            intensity,
            mean_duration_days,
            next,
        });
    }
    if !names.is_empty() && !names.contains(&e.initial_regime.as_str()) {
        let hint = error::nearest(&e.initial_regime, names.iter().copied())
            .map(|g| format!(" (did you mean {g:?}?)"))
            .unwrap_or_default();
        c.fail(
            &esc.key("initial_regime"),
            format!(
                "no regime is named {:?}{hint}; regimes: {}",
                e.initial_regime,
                quoted_list(&names)
            ),
        );
    }

    // [mediation]
    let med = root.key("mediation");
    let m = &raw.mediation;
    let common_outage_probability = c.probability(
        &med.key("common_outage_probability"),
        m.common_outage_probability,
    );
    let common_outage_mean_days = c.range(
        &med.key("common_outage_mean_days"),
        m.common_outage_mean_days,
        1.0,
        1e6,
        "the mean outage length must be a number of days from 1 to 1000000",
    );
    if m.mediators.len() > MAX_MEDIATORS {
        c.fail(
            &med.key("mediators"),
            format!(
                "{} mediators is too many: at most {MAX_MEDIATORS}",
                m.mediators.len()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    let mut mediators = Vec::new();
    for (i, md) in m.mediators.iter().enumerate() {
        let mp = med.key("mediators").index(i);
        c.identifier(&mp.key("name"), &md.name);
        if !seen.insert(md.name.as_str()) {
            c.fail(
                &mp.key("name"),
                format!(
                    "mediator {:?} is named twice: names must be unique",
                    md.name
                ),
            );
        }
        let mean_outage_days = c.range(
            &mp.key("mean_outage_days"),
            md.mean_outage_days,
            1.0,
            1e6,
            "mean_outage_days must be a number of days from 1 to 1000000",
        );
        let availability = c.range_open_low(
            &mp.key("availability"),
            md.availability,
            0.0,
            1.0,
            "availability is the long-run share of days the channel is open: a number above 0 and at most 1",
        );
        if availability.is_finite()
            && mean_outage_days.is_finite()
            && availability > 0.0
            && availability <= 1.0
            && mean_outage_days >= 1.0
            && availability <= 1.0 / (mean_outage_days + 1.0)
        {
            c.fail(
                &mp.key("availability"),
                format!(
                    "{availability} is too low for mean_outage_days = {mean_outage_days}: a channel \
                     whose outages last {mean_outage_days} days on average is open at least \
                     1/(mean_outage_days + 1) = {:.4} of the time; raise availability above that \
                     or shorten the outages",
                    1.0 / (mean_outage_days + 1.0)
                ),
            );
        }
        let escalation_sensitivity = c.range(
            &mp.key("escalation_sensitivity"),
            md.escalation_sensitivity,
            0.0,
            COEF_LIMIT,
            &format!("escalation_sensitivity is a log hazard ratio per unit of escalation: a number from 0 to {COEF_LIMIT}"),
        );
        let effectiveness = c.range(
            &mp.key("effectiveness"),
            md.effectiveness,
            0.0,
            1.0,
            "effectiveness must be a number from 0 to 1",
        );
        mediators.push(Mediator {
            name: md.name.clone(),
            availability,
            mean_outage_days,
            escalation_sensitivity,
            effectiveness,
            initially_open: md.initially_open,
        });
    }

    let escalation = Escalation {
        initial_regime: e.initial_regime.clone(),
        shock_daily_probability,
        shock_mean_size,
        shock_half_life_days,
        seasonal,
        regimes,
    };
    let mediation = Mediation {
        combine: m.combine,
        common_outage_probability,
        common_outage_mean_days,
        mediators,
    };
    // Waiting times convert at reference conditions, which are trusted only
    // when everything they depend on is valid.
    let levels = match start_date {
        Some(start) if c.problems.is_empty() => Some(reference::Levels::of(
            &escalation,
            &mediation,
            start,
            horizon_days,
        )),
        _ => None,
    };

    // [exchange]
    let ex = root.key("exchange");
    let x = &raw.exchange;
    let preparation_days = c.whole(
        &ex.key("preparation_days"),
        x.preparation_days,
        0,
        i64::from(MAX_HORIZON_DAYS),
        &format!("preparation_days must be a whole number of days from 0 to {MAX_HORIZON_DAYS}"),
    ) as u32;
    let min_days_between_rounds = c.whole(
        &ex.key("min_days_between_rounds"),
        x.min_days_between_rounds,
        0,
        i64::from(MAX_HORIZON_DAYS),
        &format!(
            "min_days_between_rounds must be a whole number of days from 0 to {MAX_HORIZON_DAYS}"
        ),
    ) as u32;
    let round_rate = c.base_hazard(&ex.key("round_rate"), x.round_rate);
    // In a file, rounds that need a mediator with none named are a mistake;
    // in a derived configuration ("no mediators") they are the question.
    if x.requires_mediator && m.mediators.is_empty() && !c.derived {
        c.fail(
            &ex.key("requires_mediator"),
            "rounds require a mediator but [mediation] names none, so no round could ever take \
             place: add a [[mediation.mediators]] table or set requires_mediator = false"
                .to_string(),
        );
    }
    let size_mean = c.range(
        &ex.key("size_mean"),
        x.size_mean,
        1.0,
        1e6,
        "size_mean is the mean number of people per round: a number from 1 to 1000000",
    );
    let size_dispersion = c.range_open_low(
        &ex.key("size_dispersion"),
        x.size_dispersion,
        0.0,
        1e6,
        "size_dispersion is the negative binomial k: a number above 0 (smaller is more variable), at most 1000000",
    );
    let size_escalation_coef =
        c.coefficient(&ex.key("size_escalation_coef"), x.size_escalation_coef);
    use reference::HazardKind;
    let levels = levels.as_ref();
    let confirmation = c.hazard(
        &ex.key("confirmation"),
        &x.confirmation,
        HazardKind::Confirmation,
        levels,
    );
    let suspension = c.hazard(
        &ex.key("suspension"),
        &x.suspension,
        HazardKind::Suspension,
        levels,
    );
    let resumption = c.hazard(
        &ex.key("resumption"),
        &x.resumption,
        HazardKind::Resumption,
        levels,
    );
    let collapse_path = ex.key("collapse");
    let collapse_base = match (x.collapse.base, x.collapse.mean_days) {
        (base, None) => c.base_hazard(&collapse_path.key("base"), base.unwrap_or(0.0)),
        (Some(base), Some(_)) if c.derived => c.base_hazard(&collapse_path.key("base"), base),
        (Some(_), Some(_)) => {
            c.fail(
                &collapse_path.key("mean_days"),
                "give either base (hazard per day while suspended) or mean_days (mean waiting \
                 time in days while suspended), not both"
                    .to_string(),
            );
            f64::NAN
        }
        (None, Some(mean_days)) => {
            // The collapse hazard is the same in every condition.
            let mean_days = c.mean_days(&collapse_path.key("mean_days"), mean_days);
            reference::base_for_mean_days(mean_days, 0.0)
        }
    };

    let (start_date, (deadline, deadline_day)) = (start_date?, deadline?);
    Some(Scenario {
        name: raw.name.clone(),
        description: raw.description.clone(),
        simulation: Simulation {
            trials,
            horizon_days,
            start_date,
            seed: raw.simulation.seed,
        },
        target: Target {
            pool,
            deadline,
            deadline_day,
            milestones: Vec::new(),
        },
        escalation,
        mediation,
        exchange: Exchange {
            initial_phase: x.initial_phase,
            preparation_days,
            min_days_between_rounds,
            round_rate,
            requires_mediator: x.requires_mediator,
            size_mean,
            size_dispersion,
            size_escalation_coef,
            confirmation,
            suspension,
            resumption,
            collapse_base,
        },
        events: Vec::new(),
        dated: None,
        raw_dated: events::RawDated::default(),
    })
    .and_then(|base| with_dated_parts(raw, base, c))
}

/// The valid `base` with the events, path and milestones of `raw`, once
/// they are checked against it.
fn with_dated_parts(raw: &RawScenario, mut base: Scenario, c: &mut Checker) -> Option<Scenario> {
    let e = &raw.escalation;
    let any = !raw.events.is_empty()
        || !raw.target.milestones.is_empty()
        || e.path.is_some()
        || e.fill.is_some()
        || e.path_continues_in.is_some();
    if !any {
        return Some(base);
    }
    if !c.problems.is_empty() {
        return None;
    }
    let (dated, milestones, events) = events::validate(raw, &base, c.locator, &mut c.problems);
    if !c.problems.is_empty() {
        return None;
    }
    base.target.milestones = milestones;
    base.events = events;
    base.dated = dated.map(Box::new);
    base.raw_dated = events::RawDated {
        events: raw.events.clone(),
        path: e.path.clone(),
        fill: e.fill.clone(),
        path_continues_in: e.path_continues_in.clone(),
    };
    Some(base)
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Month (1 = January) of a date; re-exported for the model's seasonal table.
pub fn month_of(date: NaiveDate) -> u32 {
    date.month()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_scenario() -> Scenario {
        ScenarioSource::builtin()
            .parse()
            .expect("the default is valid")
    }

    #[test]
    fn a_scenario_rebuilt_without_changes_is_the_same_scenario() {
        let s = default_scenario();
        assert_eq!(s.rebuilt(|_| {}).expect("still valid"), s);
    }

    #[test]
    fn a_change_that_breaks_a_rule_is_refused_naming_the_field() {
        let s = default_scenario();
        let e = s
            .rebuilt(|r| r.simulation.horizon_days = 10)
            .expect_err("the deadline now lies beyond the horizon");
        assert_eq!(e.problems.len(), 1, "{e}");
        assert_eq!(e.problems[0].path, "target.deadline");
        let e = s
            .rebuilt(|r| r.mediation.mediators[0].availability = 0.01)
            .expect_err("too low for its outages");
        assert_eq!(e.problems[0].path, "mediation.mediators[0].availability");
    }

    #[test]
    fn trials_out_of_range_are_refused_and_seeds_are_free() {
        let s = default_scenario();
        assert!(s.clone().with_trials(0).is_err());
        assert!(s.clone().with_trials(MAX_TRIALS + 1).is_err());
        assert_eq!(s.clone().with_trials(7).unwrap().simulation().trials, 7);
        assert_eq!(s.with_seed(u64::MAX).simulation().seed, u64::MAX);
    }
}
