//! Uncertain parameters: the `[uncertainties]` table of a scenario file.
//!
//! Most values in a scenario are judgements, and a researcher has to know
//! which of them drive the answer before defending it. The `[uncertainties]`
//! table says, for each such value, what range or distribution it could
//! plausibly take, keyed by the same dotted parameter paths as variants
//! (`"mediation.mediators.Turkey.availability"`). Sweeps and sensitivity
//! analyses read it; `swapsim run` ignores it.
//!
//! An uncertainty is checked like every other value: its law must be well
//! formed (ordered, finite bounds), and its path must name a number that the
//! scenario accepts at both ends of the range, which is found by setting
//! each end on the scenario's TOML tree and validating the result. Every
//! problem names the uncertainty's path.
//!
//! The list is kept apart from the validated [`super::Scenario`] rather than
//! stored in it, so that two scenarios that simulate the same process stay
//! equal whatever uncertainties their files declare (variants, manifests and
//! comparisons rely on that equality). [`parse`] returns it.
//!
//! [`Law::quantile`] maps a probability level to a value; it samples
//! nothing, and the sampling designs of `sensitivity` choose the levels.

use super::error::{Locator, Problem, ScenarioError, TomlPath, explain_serde_message};
use super::raw::RawScenario;
use super::variants::{base_tree, scenario_from_tree, set_path};
use super::{Scenario, show};
use crate::format;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Most uncertainties one scenario may declare. A Saltelli design draws two
/// Sobol coordinates per uncertainty and the Sobol generator has 256
/// dimensions; far fewer are meaningful in practice.
pub const MAX_UNCERTAINTIES: usize = 64;

/// Smallest share of a normal or lognormal distribution that its bounds
/// must keep: bounds that cut away nearly everything describe a different
/// range from the one written.
pub const MIN_TRUNCATED_MASS: f64 = 1e-3;

/// The standard normal 99.9th percentile: an unbounded lognormal is cut at
/// its 0.1st and 99.9th percentiles, `median * gsd^(-/+ Z999)`.
pub const Z999: f64 = 3.090_232_306_167_813_5;

/// Whether a parameter takes any number, only whole numbers (days), or
/// calendar dates (an event's `date` or `until`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Real,
    Whole,
    /// A date, varied in whole days: its value is the day number
    /// ([`crate::dates::day_number`], days since 1970-01-01), and the
    /// scenario is given the date.
    Date,
}

/// A number in a scenario addressed by a dotted path, as resolved against
/// the scenario's TOML tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The dotted path, such as `exchange.suspension.base`.
    pub path: String,
    pub kind: Kind,
    /// The value written in the scenario file (a date as its day number);
    /// `None` where the file leaves it to its default.
    pub base: Option<f64>,
}

/// The range or distribution of an uncertain parameter. After validation
/// every law has finite bounds `min < max`, so every method draws values
/// the scenario was checked to accept. (A law read back from an analysis
/// file by `report` is only displayed, never drawn from.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum Law {
    /// Every value from `min` to `max` equally plausible.
    Uniform { min: f64, max: f64 },
    /// Most plausible at `mode`, falling linearly to 0 at `min` and `max`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// Normal with `mean` and standard deviation `sd`, truncated to
    /// `[min, max]`.
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
    /// Lognormal with `median` and geometric standard deviation `gsd`
    /// (`ln X ~ Normal(ln median, ln gsd)`), truncated to `[min, max]`
    /// (by default its 0.1st and 99.9th percentiles).
    Lognormal {
        median: f64,
        gsd: f64,
        min: f64,
        max: f64,
    },
}

/// An uncertain parameter: a path and its law.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    #[serde(flatten)]
    pub parameter: Parameter,
    pub law: Law,
}

fn std_normal() -> Normal {
    // Mean 0 and sd 1 are valid parameters; statrs only fails on NaN or a
    // non-positive sd.
    Normal::standard()
}

/// Quantile of a standard normal truncated to `[a, b]` (standard units) at
/// level `u`: `Phi^-1(Phi(a) + u (Phi(b) - Phi(a)))`. When both bounds lie
/// above the mean the mirror image is computed, so the subtraction happens
/// in the tail where `Phi` keeps its precision.
fn truncated_std_normal_quantile(u: f64, a: f64, b: f64) -> f64 {
    if a > 0.0 {
        return -truncated_std_normal_quantile(1.0 - u, -b, -a);
    }
    let n = std_normal();
    let (pa, pb) = (n.cdf(a), n.cdf(b));
    let p = pa + u * (pb - pa);
    let z = if p <= 0.0 {
        a
    } else if p >= 1.0 {
        b
    } else {
        n.inverse_cdf(p)
    };
    z.clamp(a, b)
}

/// Share of a standard normal between `a` and `b`.
fn std_normal_mass(a: f64, b: f64) -> f64 {
    let n = std_normal();
    if a > 0.0 {
        n.sf(a) - n.sf(b)
    } else {
        n.cdf(b) - n.cdf(a)
    }
}

impl Law {
    /// Name used in files and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Law::Uniform { .. } => "uniform",
            Law::Triangular { .. } => "triangular",
            Law::Normal { .. } => "normal",
            Law::Lognormal { .. } => "lognormal",
        }
    }

    /// Lowest and highest value the law can give.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Law::Uniform { min, max }
            | Law::Triangular { min, max, .. }
            | Law::Normal { min, max, .. }
            | Law::Lognormal { min, max, .. } => (min, max),
        }
    }

    /// The value below which a share `u` of the law lies (its inverse
    /// distribution function), for `u` in [0, 1]; `u` = 0 and 1 give the
    /// bounds.
    pub fn quantile(&self, u: f64) -> f64 {
        let (lo, hi) = self.bounds();
        if u <= 0.0 {
            return lo;
        }
        if u >= 1.0 {
            return hi;
        }
        let u = if u.is_nan() { 0.5 } else { u };
        let v = match *self {
            Law::Uniform { min, max } => min + u * (max - min),
            Law::Triangular { min, mode, max } => {
                let split = (mode - min) / (max - min);
                if u <= split {
                    min + (u * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
                }
            }
            Law::Normal { mean, sd, min, max } => {
                mean + sd * truncated_std_normal_quantile(u, (min - mean) / sd, (max - mean) / sd)
            }
            Law::Lognormal {
                median,
                gsd,
                min,
                max,
            } => {
                let (mu, sigma) = (median.ln(), gsd.ln());
                // ln 0 = -inf, where Phi is 0: a bound at 0 is no bound.
                let a = (min.ln() - mu) / sigma;
                let b = (max.ln() - mu) / sigma;
                (mu + sigma * truncated_std_normal_quantile(u, a, b)).exp()
            }
        };
        v.clamp(lo, hi)
    }

    /// Ends of a one-at-a-time (tornado) swing: the bounds of a uniform
    /// range, where every value is equally plausible, and the 5th and 95th
    /// percentiles of a law that says some values are more likely.
    pub fn swing_levels(&self) -> (f64, f64) {
        match self {
            Law::Uniform { .. } => (0.0, 1.0),
            _ => (0.05, 0.95),
        }
    }

    /// "uniform 0.5 to 2", "lognormal median 0.002, gsd 2 (0.0001 to 0.02)".
    pub fn describe(&self) -> String {
        match *self {
            Law::Uniform { min, max } => format!("uniform {min} to {max}"),
            Law::Triangular { min, mode, max } => {
                format!("triangular {min} to {max}, mode {mode}")
            }
            Law::Normal { mean, sd, min, max } => {
                format!("normal mean {mean}, sd {sd}, cut at {min} and {max}")
            }
            Law::Lognormal {
                median,
                gsd,
                min,
                max,
            } => format!(
                "lognormal median {median}, geometric sd {gsd}, cut at {} and {}",
                format::round_sig(min, 4),
                format::round_sig(max, 4)
            ),
        }
    }
}

impl Parameter {
    /// The value the parameter takes at level `u` of `law`: whole-number
    /// parameters take a uniform range as equally likely whole numbers
    /// within it, and round the quantile of other laws to the nearest whole
    /// number within the range, so no value ever leaves the declared range.
    pub fn value_at(&self, law: &Law, u: f64) -> f64 {
        let (min, max) = law.bounds();
        let (lo, hi) = (min.ceil(), max.floor());
        match (self.kind, law) {
            (Kind::Real, _) => law.quantile(u),
            (Kind::Whole | Kind::Date, Law::Uniform { .. }) => {
                (lo + (u.clamp(0.0, 1.0) * (hi - lo + 1.0)).floor()).min(hi)
            }
            (Kind::Whole | Kind::Date, _) => law.quantile(u).round().clamp(lo, hi.max(lo)),
        }
    }

    /// `v` as a reader should see it: a date for a date parameter, else
    /// `None` (the caller formats the number).
    pub fn date_of(&self, v: f64) -> Option<chrono::NaiveDate> {
        (self.kind == Kind::Date && v.is_finite() && v == v.round())
            .then(|| crate::dates::from_day_number(v as i64))
            .flatten()
    }

    /// The TOML value that sets this parameter to `v`: an integer for a
    /// whole-number parameter (which `v` must be), a float otherwise.
    pub fn toml_value(&self, v: f64) -> Result<toml::Value, String> {
        if !v.is_finite() {
            return Err(format!("{} is not allowed: values must be finite", show(v)));
        }
        match self.kind {
            Kind::Real => Ok(toml::Value::Float(v)),
            Kind::Whole if v == v.round() && v.abs() < 9.0e15 => Ok(toml::Value::Integer(v as i64)),
            Kind::Whole => Err(format!(
                "{v} is not allowed: {} takes whole numbers",
                self.path
            )),
            Kind::Date => match self.date_of(v) {
                Some(d) => Ok(toml::Value::String(d.to_string())),
                None => Err(format!(
                    "{v} is not allowed: {} takes dates, given as whole day numbers since \
                     1970-01-01 within the years 1 to 9999",
                    self.path
                )),
            },
        }
    }

    /// A short label for charts: the path without its leading table, with
    /// spaces for dots and underscores ("Turkey availability",
    /// "suspension escalation coef").
    pub fn label(&self) -> String {
        let short = [
            "mediation.mediators.",
            "escalation.regimes.",
            "events.",
            "exchange.",
            "escalation.",
            "mediation.",
        ]
        .iter()
        .find_map(|p| self.path.strip_prefix(p))
        .unwrap_or(&self.path);
        short.replace(['.', '_'], " ")
    }
}

impl Uncertainty {
    /// The value at level `u` (see [`Parameter::value_at`]).
    pub fn value_at(&self, u: f64) -> f64 {
        self.parameter.value_at(&self.law, u)
    }

    /// Low and high values of a one-at-a-time swing.
    pub fn swing(&self) -> (f64, f64) {
        let (lo, hi) = self.law.swing_levels();
        (self.value_at(lo), self.value_at(hi))
    }

    /// The law in words; a date range reads as dates
    /// ("every day from 2026-01-15 to 2026-03-15").
    pub fn describe(&self) -> String {
        let (min, max) = self.law.bounds();
        match (self.parameter.date_of(min), self.parameter.date_of(max)) {
            (Some(from), Some(to)) => format!("every day from {from} to {to} equally likely"),
            _ => self.law.describe(),
        }
    }
}

/// One entry of `[uncertainties]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUncertainty {
    distribution: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    mode: Option<f64>,
    mean: Option<f64>,
    sd: Option<f64>,
    median: Option<f64>,
    gsd: Option<f64>,
    /// First and last date of a range of dates (an event's date).
    from: Option<super::raw::RawDate>,
    to: Option<super::raw::RawDate>,
}

/// Whether `path` names a date of an event (`events.NAME.date` or
/// `events.NAME.until`).
pub fn is_event_date(path: &str) -> bool {
    path.starts_with("events.") && (path.ends_with(".date") || path.ends_with(".until"))
}

/// The law of a range of dates `{ from = "YYYY-MM-DD", to = "YYYY-MM-DD" }`:
/// every whole day from `from` to `to` equally likely, as day numbers.
fn date_law_of(path: &str, raw: &RawUncertainty) -> Result<Law, String> {
    let example = "{ from = \"2026-01-15\", to = \"2026-03-15\" }";
    if !is_event_date(path) {
        return Err(
            "`from` and `to` give a range of dates, which only an event's date takes \
             (\"events.NAME.date\" or \"events.NAME.until\"); give a number range such as \
             { min = 0.5, max = 2.0 }"
                .to_string(),
        );
    }
    let others = [
        ("distribution", raw.distribution.is_some()),
        ("min", raw.min.is_some()),
        ("max", raw.max.is_some()),
        ("mode", raw.mode.is_some()),
        ("mean", raw.mean.is_some()),
        ("sd", raw.sd.is_some()),
        ("median", raw.median.is_some()),
        ("gsd", raw.gsd.is_some()),
    ];
    if let Some((field, _)) = others.iter().find(|(_, given)| *given) {
        return Err(format!(
            "`{field}` is not allowed beside `from` and `to`: a range of dates takes every day \
             from `from` to `to` as equally likely, written {example}"
        ));
    }
    let date = |field: &str, value: &Option<super::raw::RawDate>| {
        let text = value
            .as_ref()
            .map(super::raw::RawDate::as_text)
            .ok_or_else(|| format!("missing `{field}`: a range of dates is written {example}"))?;
        crate::dates::parse(&text).map_err(|_| {
            format!(
                "`{field}` = {text:?} is not a date: {}",
                crate::dates::FORMAT_HINT
            )
        })
    };
    let (from, to) = (date("from", &raw.from)?, date("to", &raw.to)?);
    if from >= to {
        return Err(format!(
            "from = {from} is not before to = {to}: a range of dates needs from < to (a fixed \
             date is not uncertain; write it in the event instead)"
        ));
    }
    Ok(Law::Uniform {
        min: crate::dates::day_number(from) as f64,
        max: crate::dates::day_number(to) as f64,
    })
}

const DISTRIBUTIONS: [&str; 4] = ["uniform", "triangular", "normal", "lognormal"];

/// Builds the law of one entry, or says what is wrong with it.
fn law_of(raw: &RawUncertainty) -> Result<Law, String> {
    let name = raw.distribution.as_deref().unwrap_or("uniform");
    let fields = [
        ("min", raw.min),
        ("max", raw.max),
        ("mode", raw.mode),
        ("mean", raw.mean),
        ("sd", raw.sd),
        ("median", raw.median),
        ("gsd", raw.gsd),
    ];
    let (required, optional): (&[&str], &[&str]) = match name {
        "uniform" => (&["min", "max"], &[]),
        "triangular" => (&["min", "mode", "max"], &[]),
        "normal" => (&["mean", "sd", "min", "max"], &[]),
        "lognormal" => (&["median", "gsd"], &["min", "max"]),
        other => {
            let hint = super::error::nearest(other, DISTRIBUTIONS)
                .map(|g| format!(" (did you mean {g:?}?)"))
                .unwrap_or_default();
            return Err(format!(
                "distribution {other:?} is not known{hint}; allowed: \"uniform\" (the default), \
                 \"triangular\", \"normal\", \"lognormal\""
            ));
        }
    };
    let takes = || {
        let mut all: Vec<String> = required.iter().map(|f| f.to_string()).collect();
        all.extend(optional.iter().map(|f| format!("{f} (optional)")));
        all.join(", ")
    };
    for (field, value) in fields {
        let wanted = required.contains(&field) || optional.contains(&field);
        if value.is_some() && !wanted {
            return Err(format!(
                "`{field}` is not a parameter of a {name} distribution; it takes {}",
                takes()
            ));
        }
        if value.is_none() && required.contains(&field) {
            return Err(format!(
                "missing `{field}`: a {name} distribution takes {}",
                takes()
            ));
        }
        if let Some(v) = value
            && !v.is_finite()
        {
            return Err(format!(
                "`{field}` = {} is not allowed: every number must be finite",
                show(v)
            ));
        }
    }
    let get = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let ordered = |min: f64, max: f64| {
        if min < max {
            Ok(())
        } else {
            Err(format!(
                "min = {min} is not below max = {max}: a range needs min < max \
                 (a fixed value is not uncertain; set it in the scenario instead)"
            ))
        }
    };
    let law = match name {
        "uniform" => {
            let (min, max) = (get(raw.min), get(raw.max));
            ordered(min, max)?;
            Law::Uniform { min, max }
        }
        "triangular" => {
            let (min, mode, max) = (get(raw.min), get(raw.mode), get(raw.max));
            ordered(min, max)?;
            if !(min..=max).contains(&mode) {
                return Err(format!(
                    "mode = {mode} is not allowed: it must lie from min = {min} to max = {max}"
                ));
            }
            Law::Triangular { min, mode, max }
        }
        "normal" => {
            let (mean, sd, min, max) = (get(raw.mean), get(raw.sd), get(raw.min), get(raw.max));
            if sd <= 0.0 {
                return Err(format!(
                    "sd = {sd} is not allowed: a standard deviation must be above 0"
                ));
            }
            ordered(min, max)?;
            let mass = std_normal_mass((min - mean) / sd, (max - mean) / sd);
            if mass < MIN_TRUNCATED_MASS {
                return Err(format!(
                    "min = {min} and max = {max} keep only {mass:.2e} of a normal with mean \
                     {mean} and sd {sd}: the bounds must keep at least {MIN_TRUNCATED_MASS} of it"
                ));
            }
            Law::Normal { mean, sd, min, max }
        }
        _ => {
            let (median, gsd) = (get(raw.median), get(raw.gsd));
            if median <= 0.0 {
                return Err(format!(
                    "median = {median} is not allowed: a lognormal median must be above 0"
                ));
            }
            if gsd <= 1.0 {
                return Err(format!(
                    "gsd = {gsd} is not allowed: the geometric standard deviation of a lognormal \
                     must be above 1 (gsd = 2 means a factor of 2 either side of the median is \
                     one standard deviation on the log scale)"
                ));
            }
            let min = raw.min.unwrap_or(median * gsd.powf(-Z999));
            let max = raw.max.unwrap_or(median * gsd.powf(Z999));
            if min < 0.0 {
                return Err(format!(
                    "min = {min} is not allowed: a lognormal takes only positive values"
                ));
            }
            ordered(min, max)?;
            let (mu, sigma) = (median.ln(), gsd.ln());
            let mass = std_normal_mass((min.ln() - mu) / sigma, (max.ln() - mu) / sigma);
            if mass < MIN_TRUNCATED_MASS {
                return Err(format!(
                    "min = {min} and max = {max} keep only {mass:.2e} of a lognormal with median \
                     {median} and gsd {gsd}: the bounds must keep at least {MIN_TRUNCATED_MASS} \
                     of it"
                ));
            }
            Law::Lognormal {
                median,
                gsd,
                min,
                max,
            }
        }
    };
    Ok(law)
}

/// The value at a dotted path of a TOML tree, following the rules of
/// [`set_path`] (in arrays of tables the next step is an element's name);
/// `None` where the path leads nowhere.
pub fn get_path<'t>(tree: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let steps: Vec<&str> = path.split('.').collect();
    let mut table = tree;
    let mut i = 0;
    while i < steps.len() {
        let value = table.get(steps[i])?;
        if i + 1 == steps.len() {
            return Some(value);
        }
        table = match value {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                i += 1;
                let name = steps[i];
                let item = items
                    .iter()
                    .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(name))?;
                if i + 1 == steps.len() {
                    return Some(item);
                }
                item.as_table()?
            }
            _ => return None,
        };
        i += 1;
    }
    None
}

/// Sets `param` to `v` on `tree` and validates the result.
pub fn scenario_with(
    tree: &toml::Table,
    settings: &[(&Parameter, f64)],
) -> Result<Scenario, Vec<Problem>> {
    let mut t = tree.clone();
    for (param, v) in settings {
        let problem = |message: String| {
            vec![Problem {
                line: None,
                column: None,
                path: param.path.clone(),
                message,
            }]
        };
        let value = param.toml_value(*v).map_err(problem)?;
        set_path(&mut t, &param.path, value).map_err(problem)?;
    }
    scenario_from_tree(t)
}

/// The scenario's TOML tree for building configurations by path: the file
/// without its variants and uncertainties.
pub fn configuration_tree(text: &str) -> Result<toml::Table, String> {
    let mut tree = base_tree(text)?;
    tree.remove("uncertainties");
    Ok(tree)
}

/// Resolves a dotted path against a valid scenario's tree: it must name a
/// number the scenario takes, which is whole or any number as written in
/// the file. `probe` holds two values to try (the ends of a range): a path
/// absent from the file is found to be whole-numbered only when the
/// scenario rejects a decimal there, and both ends must give a valid
/// scenario. Errors are messages about the path.
pub fn resolve(tree: &toml::Table, path: &str, probe: [f64; 2]) -> Result<Parameter, String> {
    resolve_with(tree, path, |_| probe)
}

/// [`resolve`] with probe values that depend on the kind of number the
/// parameter turns out to take (an uncertainty's ends are rounded for a
/// whole-number parameter).
fn resolve_with(
    tree: &toml::Table,
    path: &str,
    probe: impl Fn(Kind) -> [f64; 2],
) -> Result<Parameter, String> {
    if path.split('.').any(str::is_empty) {
        return Err(format!(
            "{path:?} is not a parameter path: write keys separated by single dots, \
             such as \"exchange.suspension.base\""
        ));
    }
    let first = path.split('.').next().unwrap_or_default();
    if matches!(first, "simulation" | "version" | "name" | "description") {
        return Err(format!(
            "{path} is a setting of the run, not a parameter of the model: \
             sweeps and sensitivity analyses take the seed and trials from the command line"
        ));
    }
    if matches!(first, "variants" | "uncertainties") {
        return Err(format!("{path} is not a parameter of the model"));
    }
    if is_event_date(path) {
        let base = match get_path(tree, path) {
            Some(v) => {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_datetime().map(|d| d.to_string()))
                    .unwrap_or_default();
                let date = crate::dates::parse(&text)
                    .map_err(|_| format!("{path} is {v} in the scenario, not a date"))?;
                Some(crate::dates::day_number(date) as f64)
            }
            None => None,
        };
        let param = Parameter {
            path: path.to_string(),
            kind: Kind::Date,
            base,
        };
        for v in probe(Kind::Date) {
            if let Err(problems) = scenario_with(tree, &[(&param, v)]) {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect();
                let at = param
                    .date_of(v)
                    .map_or_else(|| v.to_string(), |d| d.to_string());
                return Err(format!("at {at}: {}", list.join("; ")));
            }
        }
        return Ok(param);
    }
    // Whether a parameter takes whole numbers is the scenario's rule, not
    // how the file happens to write its value: `round_rate = 1` is still a
    // rate, so an integer literal is probed like an absent value.
    let (kind, base) = match get_path(tree, path) {
        Some(toml::Value::Integer(i)) => (None, Some(*i as f64)),
        Some(toml::Value::Float(f)) => (Some(Kind::Real), Some(*f)),
        Some(other) => {
            return Err(format!(
                "{path} is {} in the scenario, not a number: only numbers can be varied",
                match other {
                    toml::Value::String(_) => "text",
                    toml::Value::Boolean(_) => "true or false",
                    toml::Value::Datetime(_) => "a date",
                    toml::Value::Array(_) => "a list",
                    toml::Value::Table(_) => "a table",
                    _ => "a value",
                }
            ));
        }
        None => (None, None),
    };
    let check = |kind: Kind| -> Result<Parameter, String> {
        let param = Parameter {
            path: path.to_string(),
            kind,
            base,
        };
        for v in probe(kind) {
            if let Err(problems) = scenario_with(tree, &[(&param, v)]) {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect();
                return Err(format!("at {v}: {}", list.join("; ")));
            }
        }
        Ok(param)
    };
    match kind {
        Some(k) => check(k),
        // Not written in the file: a decimal is tried first, and a whole
        // number only where the scenario asks for one.
        None => check(Kind::Real).or_else(|real_err| {
            if real_err.contains("expected a whole number") {
                check(Kind::Whole)
            } else {
                Err(real_err)
            }
        }),
    }
}

/// Checks the `[uncertainties]` table of a valid scenario, returning the
/// uncertainties in file order or a problem for each bad entry.
fn check(
    raw: &toml::Table,
    tree: &toml::Table,
    locator: &Locator,
) -> Result<Vec<Uncertainty>, Vec<Problem>> {
    let at = |path: &str| TomlPath::root().key("uncertainties").key(path);
    let mut problems = Vec::new();
    let mut out = Vec::new();
    if raw.len() > MAX_UNCERTAINTIES {
        problems.push(locator.problem(
            &TomlPath::root().key("uncertainties"),
            format!(
                "{} uncertainties is too many: at most {MAX_UNCERTAINTIES}",
                raw.len()
            ),
        ));
        return Err(problems);
    }
    // The table arrives sorted by key; report and analyse in file order.
    let mut entries: Vec<(&String, &toml::Value)> = raw.iter().collect();
    entries.sort_by_key(|(path, _)| locator.offset_of(&at(path)).unwrap_or(usize::MAX));
    for (path, value) in entries {
        let entry: RawUncertainty = match serde_path_to_error::deserialize(value.clone()) {
            Ok(e) => e,
            Err(e) => {
                let inner = e.path().to_string();
                let message = explain_serde_message(e.inner().message());
                let message = if inner == "." {
                    if value.is_table() {
                        message
                    } else {
                        format!(
                            "expected a table such as {{ min = 0.5, max = 2.0 }}, found {}",
                            value.type_str()
                        )
                    }
                } else {
                    format!("{inner}: {message}")
                };
                problems.push(locator.problem(&at(path), message));
                continue;
            }
        };
        let law = if entry.from.is_some() || entry.to.is_some() {
            date_law_of(path, &entry)
        } else if is_event_date(path) {
            Err(format!(
                "{path} is a date: give a range of dates, such as {{ from = \"2026-01-15\", \
                 to = \"2026-03-15\" }}"
            ))
        } else {
            law_of(&entry)
        };
        let law = match law {
            Ok(l) => l,
            Err(m) => {
                problems.push(locator.problem(&at(path), m));
                continue;
            }
        };
        // Both ends are checked at the values the parameter will take.
        let ends = |kind: Kind| {
            let p = Parameter {
                path: path.clone(),
                kind,
                base: None,
            };
            [p.value_at(&law, 0.0), p.value_at(&law, 1.0)]
        };
        match resolve_with(tree, path, ends) {
            Ok(parameter) => {
                let (min, max) = law.bounds();
                if parameter.kind == Kind::Whole && min.ceil() > max.floor() {
                    problems.push(locator.problem(
                        &at(path),
                        format!(
                            "{path} takes whole numbers, and {min} to {max} holds none: widen \
                             the range to include at least two whole numbers"
                        ),
                    ));
                    continue;
                }
                let u = Uncertainty { parameter, law };
                let (lo, hi) = (u.value_at(0.0), u.value_at(1.0));
                if u.parameter.kind != Kind::Real && lo == hi {
                    problems.push(locator.problem(
                        &at(path),
                        format!(
                            "{path} takes whole numbers, and this range holds only {lo}: widen it"
                        ),
                    ));
                    continue;
                }
                out.push(u);
            }
            Err(m) => problems.push(locator.problem(&at(path), m)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Checks the uncertainties of a scenario file whose other tables are
/// valid (called by [`Scenario::from_toml_str`]).
pub(super) fn check_raw(
    text: &str,
    raw: &RawScenario,
    locator: &Locator,
) -> Result<Vec<Uncertainty>, Vec<Problem>> {
    if raw.uncertainties.is_empty() {
        return Ok(Vec::new());
    }
    let tree = configuration_tree(text).map_err(|m| {
        vec![Problem {
            line: None,
            column: None,
            path: "(file)".to_string(),
            message: m,
        }]
    })?;
    check(&raw.uncertainties, &tree, locator)
}

/// Parses and validates a scenario file and returns its uncertainties in
/// file order (empty when it declares none).
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Uncertainty>, ScenarioError> {
    let fail = |problems: Vec<Problem>| ScenarioError {
        source_name: source_name.to_string(),
        problems,
    };
    // Validates the whole file first, uncertainties included.
    Scenario::from_toml_str(text, source_name)?;
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        fail(vec![Problem {
            line: None,
            column: None,
            path: "(file)".to_string(),
            message: e.message().to_string(),
        }])
    })?;
    check_raw(text, &raw, &Locator::new(text)).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DEFAULT_SCENARIO_TOML;

    fn with(extra: &str) -> String {
        // The default scenario declares uncertainties; tests replace them.
        let base = DEFAULT_SCENARIO_TOML
            .split("\n[uncertainties]")
            .next()
            .unwrap_or(DEFAULT_SCENARIO_TOML);
        format!("{base}\n[uncertainties]\n{extra}\n")
    }

    fn errors(extra: &str) -> String {
        match parse(&with(extra), "t.toml") {
            Ok(u) => panic!("accepted: {u:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_law_is_read_with_its_parameters() {
        let u = parse(
            &with(
                r#"
"exchange.suspension.escalation_coef" = { min = 0.5, max = 2.0 }
"exchange.round_rate" = { distribution = "triangular", min = 0.05, mode = 0.08, max = 0.12 }
"mediation.mediators.UAE.availability" = { distribution = "normal", mean = 0.85, sd = 0.05, min = 0.7, max = 0.99 }
"exchange.suspension.base" = { distribution = "lognormal", median = 0.002, gsd = 2 }
"exchange.preparation_days" = { min = 3, max = 14 }
"escalation.seasonal.aug" = { min = 0, max = 1 }
"#,
            ),
            "t.toml",
        )
        .unwrap();
        assert_eq!(u.len(), 6);
        assert_eq!(u[0].law, Law::Uniform { min: 0.5, max: 2.0 });
        assert_eq!(u[0].parameter.base, Some(1.0));
        assert_eq!(u[2].law.name(), "normal");
        let (lo, hi) = u[3].law.bounds();
        assert!((lo - 0.002 * 2f64.powf(-Z999)).abs() < 1e-12 && hi > 0.017);
        assert_eq!(u[4].parameter.kind, Kind::Whole);
        assert_eq!(u[5].parameter.base, None);
        assert_eq!(u[5].parameter.kind, Kind::Real);
        assert_eq!(u[1].parameter.label(), "round rate");
        assert_eq!(u[2].parameter.label(), "UAE availability");
    }

    #[test]
    fn quantiles_match_the_laws() {
        let tri = Law::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 4.0,
        };
        // P(X <= 1) = (1 - 0) / (4 - 0) = 0.25.
        assert!((tri.quantile(0.25) - 1.0).abs() < 1e-12);
        let n = Law::Normal {
            mean: 0.0,
            sd: 1.0,
            min: -50.0,
            max: 50.0,
        };
        assert!((n.quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        // Truncated to [0, inf): the median of a half-normal is 0.6745.
        let half = Law::Normal {
            mean: 0.0,
            sd: 1.0,
            min: 0.0,
            max: 60.0,
        };
        assert!((half.quantile(0.5) - 0.674_489_750_196_081_7).abs() < 1e-9);
        // Far in the upper tail the mirrored formula keeps precision.
        let tail = Law::Normal {
            mean: 0.0,
            sd: 1.0,
            min: 8.0,
            max: 9.0,
        };
        let m = tail.quantile(0.5);
        assert!(m > 8.0 && m < 8.2, "{m}");
        let ln = Law::Lognormal {
            median: 0.002,
            gsd: 2.0,
            min: 0.0,
            max: 1.0,
        };
        assert!((ln.quantile(0.5) - 0.002).abs() < 1e-12);
        for law in [tri, n, half, tail, ln] {
            let mut last = f64::NEG_INFINITY;
            for k in 0..=100 {
                let v = law.quantile(f64::from(k) / 100.0);
                assert!(v >= last, "{law:?} is not monotone");
                last = v;
            }
            assert_eq!(law.quantile(0.0), law.bounds().0);
            assert_eq!(law.quantile(1.0), law.bounds().1);
        }
    }

    #[test]
    fn whole_number_parameters_take_each_value_of_a_uniform_range_equally() {
        let p = Parameter {
            path: "exchange.preparation_days".into(),
            kind: Kind::Whole,
            base: Some(7.0),
        };
        let law = Law::Uniform { min: 3.0, max: 6.0 };
        let values: Vec<f64> = [0.0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999, 1.0]
            .iter()
            .map(|&u| p.value_at(&law, u))
            .collect();
        assert_eq!(values, [3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 6.0]);
        assert!(p.toml_value(4.5).is_err());
    }

    #[test]
    fn bad_uncertainties_are_reported_with_their_path() {
        for (entry, want) in [
            (
                r#""exchange.suspension.basee" = { min = 0.001, max = 0.004 }"#,
                "uncertainties.\"exchange.suspension.basee\": at 0.001: exchange.suspension.basee: unknown field `basee`",
            ),
            (
                r#""mediation.mediators.Turky.availability" = { min = 0.6, max = 0.9 }"#,
                "no mediator is named \"Turky\" (did you mean \"Turkey\"?)",
            ),
            (
                r#""exchange.suspension.base" = { min = 0.004, max = 0.001 }"#,
                "uncertainties.\"exchange.suspension.base\": min = 0.004 is not below max = 0.001",
            ),
            (
                r#""exchange.suspension.base" = { min = nan, max = 0.001 }"#,
                "uncertainties.\"exchange.suspension.base\": `min` = nan (not a number) is not allowed",
            ),
            (
                r#""mediation.mediators.UAE.availability" = { min = 0.5, max = 1.2 }"#,
                "at 1.2: mediation.mediators[1].availability: 1.2 is not allowed",
            ),
            (
                r#""exchange.initial_phase" = { min = 0, max = 1 }"#,
                "exchange.initial_phase is text in the scenario, not a number",
            ),
            (
                r#""simulation.seed" = { min = 0, max = 1 }"#,
                "simulation.seed is a setting of the run",
            ),
            (
                r#""exchange.round_rate" = { distribution = "gaussian", mean = 1, sd = 1 }"#,
                "distribution \"gaussian\" is not known",
            ),
            (
                r#""exchange.round_rate" = { distribution = "normal", mean = 0.08, sd = 0.01 }"#,
                "missing `min`: a normal distribution takes mean, sd, min, max",
            ),
            (
                r#""exchange.round_rate" = { min = 0.05, max = 0.1, mode = 0.07 }"#,
                "`mode` is not a parameter of a uniform distribution",
            ),
            (
                r#""exchange.round_rate" = { min = 0.05, maximum = 0.1 }"#,
                "unknown field `maximum`",
            ),
            (
                r#""exchange.round_rate" = 0.1"#,
                "expected a table such as { min = 0.5, max = 2.0 }, found float",
            ),
            (
                r#""exchange.preparation_days" = { min = 3.5, max = 3.6 }"#,
                "takes whole numbers, and 3.5 to 3.6 holds none",
            ),
            (
                r#""exchange.round_rate" = { distribution = "lognormal", median = 0.08, gsd = 0.5 }"#,
                "gsd = 0.5 is not allowed",
            ),
        ] {
            let err = errors(entry);
            assert!(err.contains(want), "{err}\n does not contain\n{want}");
            assert!(err.starts_with("t.toml:"), "{err} has no line");
        }
    }

    #[test]
    fn whole_number_parameters_accept_any_law_and_absent_ones_are_typed_by_validation() {
        let text = with(
            r#""exchange.preparation_days" = { distribution = "lognormal", median = 7, gsd = 1.5 }"#,
        )
        .replace("pool = 1200 ", "# pool = 1200 ");
        let text = format!("{text}\"target.pool\" = {{ min = 500, max = 1500 }}\n");
        let u = parse(&text, "t.toml").unwrap();
        assert_eq!(u[0].parameter.kind, Kind::Whole);
        // 7 * 1.5^(-/+3.09) is 1.98 to 24.8: rounded, and kept within the
        // range, so 24 rather than 25 at the top.
        assert_eq!((u[0].value_at(0.0), u[0].value_at(1.0)), (2.0, 24.0));
        assert_eq!(u[1].parameter.path, "target.pool");
        assert_eq!(u[1].parameter.kind, Kind::Whole);
        assert_eq!(u[1].parameter.base, None);
    }

    #[test]
    fn an_integer_literal_does_not_make_a_rate_a_whole_number() {
        // `round_rate = 1` is written as an integer, but a rate takes any
        // number: its range is not rounded to whole numbers.
        let text = with(r#""exchange.round_rate" = { min = 0.5, max = 1.5 }"#).replacen(
            "\nround_rate = 0.",
            "\nround_rate = 1 # was 0.",
            1,
        );
        let u = parse(&text, "t.toml").unwrap();
        assert_eq!(u[0].parameter.kind, Kind::Real);
        assert_eq!(u[0].parameter.base, Some(1.0));
        assert_eq!(u[0].value_at(0.0), 0.5);
        // While a whole-number parameter written as an integer stays one.
        let text = with(r#""exchange.preparation_days" = { min = 3, max = 14 }"#);
        assert_eq!(
            parse(&text, "t.toml").unwrap()[0].parameter.kind,
            Kind::Whole
        );
    }

    #[test]
    fn a_scenario_with_a_bad_uncertainty_is_not_valid() {
        let text = with(r#""exchange.suspension.base" = { min = 0.004, max = 0.001 }"#);
        assert!(Scenario::from_toml_str(&text, "t.toml").is_err());
    }

    #[test]
    fn uncertainties_do_not_change_the_scenario() {
        let base = DEFAULT_SCENARIO_TOML
            .split("\n[uncertainties]")
            .next()
            .unwrap_or_default();
        let a = Scenario::from_toml_str(base, "a").unwrap();
        let b = Scenario::from_toml_str(DEFAULT_SCENARIO_TOML, "b").unwrap();
        assert_eq!(a, b);
    }
}
