//! Results of sweeps and sensitivity analyses in the shapes written to
//! disk: tidy rows for CSV (one estimate per row, ready for R's
//! `read.csv` or pandas), a JSON document per analysis, and the raw design
//! (every point's parameter values and outcomes) so that any index can be
//! recomputed elsewhere. Nothing here estimates anything; `report` writes
//! the files.

use super::analysis::{MorrisResult, SobolResult, SweepResult, TornadoResult};
use super::outcomes::{Estimate, KeyEstimates};
use super::{BOOTSTRAP_REPLICATES, Interval};
use crate::outcomes::Outcome;
use crate::scenario::uncertainty::{Kind, Law, Parameter, Uncertainty};
use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

// Every file below is one type, written and read back (by `report`)
// through it. Computed numbers are `Option<f64>`: JSON has no NaN, so a
// number that is not finite (an index of an outcome that does not vary)
// is written as `null` and read back as `None`.

/// What every analysis says about how it was run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Context {
    /// The scenario's `name`.
    pub scenario: String,
    /// Trials at every design point (or sweep value).
    pub trials_per_point: u64,
    /// The seed of every design point: the same seed everywhere gives
    /// common random numbers.
    pub seed: u64,
    /// The outcomes analysed, written by their keys in design files.
    #[serde(with = "design_keys")]
    pub outcomes: Vec<Outcome>,
}

/// Outcomes written by their design keys (`target_by_deadline`); a key
/// that names no outcome of designs does not fit.
mod design_keys {
    use super::*;

    pub fn serialize<S: Serializer>(outcomes: &[Outcome], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(outcomes.iter().map(|o| o.design_key()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Outcome>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|k| outcome_of::<D::Error>(k))
            .collect()
    }
}

fn outcome_of<E: serde::de::Error>(key: &str) -> Result<Outcome, E> {
    Outcome::from_design_key(key).ok_or_else(|| {
        let keys: Vec<&str> = crate::outcomes::DESIGN
            .iter()
            .map(|o| o.design_key())
            .collect();
        E::custom(format!(
            "unknown outcome `{key}`, expected one of {}",
            keys.join(", ")
        ))
    })
}

/// One outcome in a CSV row, by its design key.
mod design_key {
    use super::*;

    pub fn serialize<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(o.design_key())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
        outcome_of(&String::deserialize(d)?)
    }
}

/// A JSON object keyed by outcome design keys, in the order written (the
/// context's order of outcomes).
#[derive(Debug, Clone, PartialEq)]
pub struct ByOutcome<T>(pub Vec<(Outcome, T)>);

impl<T> ByOutcome<T> {
    /// The entry of `outcome`, if the file has one.
    pub fn get(&self, outcome: Outcome) -> Option<&T> {
        self.0.iter().find(|(o, _)| *o == outcome).map(|(_, v)| v)
    }

    /// The outcomes with an entry, in file order.
    pub fn outcomes(&self) -> impl Iterator<Item = Outcome> + '_ {
        self.0.iter().map(|(o, _)| *o)
    }
}

impl<T: Serialize> Serialize for ByOutcome<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (o, v) in &self.0 {
            m.serialize_entry(o.design_key(), v)?;
        }
        m.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ByOutcome<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = ByOutcome<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object keyed by outcome")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(Outcome, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let o = outcome_of::<A::Error>(&key)?;
                    if out.iter().any(|(p, _)| *p == o) {
                        return Err(A::Error::custom(format!("outcome `{key}` given twice")));
                    }
                    out.push((o, map.next_value()?));
                }
                Ok(ByOutcome(out))
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

/// Which analysis a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    Sweep,
    Tornado,
    Sobol,
    Morris,
}

impl AnalysisKind {
    /// Its name in files and in chart names (`tornado_collapse`).
    pub fn name(self) -> &'static str {
        match self {
            AnalysisKind::Sweep => "sweep",
            AnalysisKind::Tornado => "tornado",
            AnalysisKind::Sobol => "sobol",
            AnalysisKind::Morris => "morris",
        }
    }
}

/// How each key outcome is estimated at a design point.
const POINT_ESTIMATORS: &str = "probabilities: share of trials, Wilson score 95% interval; \
     means: mean over trials, mean -/+ 1.96 standard errors";

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A key outcome at one design point (or sweep value), in its unit (a
/// probability, people or suspensions per trial).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointEstimate {
    /// Share of trials (Wilson score interval) or mean over trials.
    pub estimate: Option<f64>,
    /// Its Monte Carlo standard error.
    pub se: Option<f64>,
    /// 95% interval, low then high.
    pub ci95: [Option<f64>; 2],
}

impl From<&Estimate> for PointEstimate {
    fn from(e: &Estimate) -> Self {
        PointEstimate {
            estimate: finite(e.estimate),
            se: finite(e.se),
            ci95: e.ci95.map(finite),
        }
    }
}

/// An index (or mu*) with its 95% bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalEstimate {
    pub estimate: Option<f64>,
    pub ci95: [Option<f64>; 2],
}

impl From<&Interval> for IntervalEstimate {
    fn from(i: &Interval) -> Self {
        IntervalEstimate {
            estimate: finite(i.estimate),
            ci95: i.ci95.map(finite),
        }
    }
}

fn estimates_by_outcome(outcomes: &[Outcome], e: &KeyEstimates) -> ByOutcome<PointEstimate> {
    ByOutcome(outcomes.iter().map(|&o| (o, e.get(o).into())).collect())
}

/// An uncertain parameter as an analysis file lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintyEntry {
    /// Dotted path into the scenario.
    pub path: String,
    pub kind: Kind,
    /// The value written in the scenario; `null` where left to its default.
    pub base: Option<f64>,
    pub law: Law,
    /// The law in words (`uniform 0.05 to 0.2`).
    pub description: String,
}

fn uncertainty_entries(u: &[Uncertainty]) -> Vec<UncertaintyEntry> {
    u.iter()
        .map(|u| UncertaintyEntry {
            path: u.parameter.path.clone(),
            kind: u.parameter.kind,
            base: u.parameter.base,
            law: u.law.clone(),
            description: u.describe(),
        })
        .collect()
}

/// One row of `sweep.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepRow {
    pub parameter: String,
    pub value: f64,
    #[serde(with = "design_key")]
    pub outcome: Outcome,
    pub estimate: f64,
    pub se: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub trials: u64,
}

pub fn sweep_rows(ctx: &Context, r: &SweepResult) -> Vec<SweepRow> {
    let mut rows = Vec::new();
    for (&value, e) in r.values.iter().zip(&r.estimates) {
        for &o in &ctx.outcomes {
            let x: &Estimate = e.get(o);
            rows.push(SweepRow {
                parameter: r.parameter.path.clone(),
                value,
                outcome: o,
                estimate: x.estimate,
                se: x.se,
                ci95_low: x.ci95[0],
                ci95_high: x.ci95[1],
                trials: e.trials,
            });
        }
    }
    rows
}

/// `sweep.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepFile {
    /// Always `sweep`.
    pub analysis: AnalysisKind,
    pub context: Context,
    /// The parameter swept.
    pub parameter: Parameter,
    pub estimators: String,
    pub values: Vec<SweepValue>,
}

/// The key outcomes at one value of a sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepValue {
    /// The parameter's value, in its own unit.
    pub value: f64,
    pub outcomes: ByOutcome<PointEstimate>,
}

pub fn sweep_json(ctx: &Context, r: &SweepResult) -> SweepFile {
    SweepFile {
        analysis: AnalysisKind::Sweep,
        context: ctx.clone(),
        parameter: r.parameter.clone(),
        estimators: POINT_ESTIMATORS.to_string(),
        values: r
            .values
            .iter()
            .zip(&r.estimates)
            .map(|(&value, e)| SweepValue {
                value,
                outcomes: estimates_by_outcome(&ctx.outcomes, e),
            })
            .collect(),
    }
}

/// One row of `tornado.csv`: one bar of one outcome's chart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TornadoRow {
    #[serde(with = "design_key")]
    pub outcome: Outcome,
    /// 1 for the widest bar.
    pub rank: usize,
    pub parameter: String,
    pub low_value: f64,
    pub high_value: f64,
    /// The outcome with every parameter as written.
    pub base: f64,
    pub at_low: f64,
    pub at_high: f64,
    /// Monte Carlo standard errors of the two ends.
    pub se_low: f64,
    pub se_high: f64,
    pub swing: f64,
}

pub fn tornado_rows(ctx: &Context, u: &[Uncertainty], r: &TornadoResult) -> Vec<TornadoRow> {
    let mut rows = Vec::new();
    for &o in &ctx.outcomes {
        for (rank, s) in r.swings(o).iter().enumerate() {
            rows.push(TornadoRow {
                outcome: o,
                rank: rank + 1,
                parameter: u[s.input].parameter.path.clone(),
                low_value: r.low_values[s.input],
                high_value: r.high_values[s.input],
                base: r.base.get(o).estimate,
                at_low: s.at_low,
                at_high: s.at_high,
                se_low: r.at_low[s.input].get(o).se,
                se_high: r.at_high[s.input].get(o).se,
                swing: s.swing,
            });
        }
    }
    rows
}

/// `tornado.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TornadoFile {
    /// Always `tornado`.
    pub analysis: AnalysisKind,
    pub context: Context,
    pub method: String,
    pub estimators: String,
    pub uncertainties: Vec<UncertaintyEntry>,
    /// Every outcome with every parameter as written.
    pub base: ByOutcome<PointEstimate>,
    /// Each outcome's bars, widest first.
    pub bars: ByOutcome<Vec<TornadoBar>>,
}

/// One bar of a tornado chart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TornadoBar {
    pub parameter: String,
    /// The parameter's low and high values, in its own unit.
    pub low_value: f64,
    pub high_value: f64,
    pub at_low: PointEstimate,
    pub at_high: PointEstimate,
    /// `|at_high - at_low|` in the outcome's unit.
    pub swing: Option<f64>,
}

pub fn tornado_json(ctx: &Context, u: &[Uncertainty], r: &TornadoResult) -> TornadoFile {
    let bars = ctx
        .outcomes
        .iter()
        .map(|&o| {
            let list = r
                .swings(o)
                .iter()
                .map(|s| TornadoBar {
                    parameter: u[s.input].parameter.path.clone(),
                    low_value: r.low_values[s.input],
                    high_value: r.high_values[s.input],
                    at_low: r.at_low[s.input].get(o).into(),
                    at_high: r.at_high[s.input].get(o).into(),
                    swing: finite(s.swing),
                })
                .collect();
            (o, list)
        })
        .collect();
    TornadoFile {
        analysis: AnalysisKind::Tornado,
        context: ctx.clone(),
        method: "one at a time: each uncertainty at its low and high value (the ends of a \
                 uniform range, the 5th and 95th percentiles of other laws), every other \
                 parameter as written; bars sorted by swing |at_high - at_low|"
            .to_string(),
        estimators: POINT_ESTIMATORS.to_string(),
        uncertainties: uncertainty_entries(u),
        base: estimates_by_outcome(&ctx.outcomes, &r.base),
        bars: ByOutcome(bars),
    }
}

/// Which Sobol index a row of `sobol.csv` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SobolIndex {
    FirstOrder,
    TotalOrder,
}

/// One row of `sobol.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SobolRow {
    #[serde(with = "design_key")]
    pub outcome: Outcome,
    pub parameter: String,
    pub index: SobolIndex,
    /// Empty where the outcome does not vary over the design.
    pub estimate: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

pub fn sobol_rows(u: &[Uncertainty], r: &SobolResult) -> Vec<SobolRow> {
    let mut rows = Vec::new();
    for (o, ix) in &r.indices {
        for (index, list) in [
            (SobolIndex::FirstOrder, &ix.first_order),
            (SobolIndex::TotalOrder, &ix.total_order),
        ] {
            for (i, x) in list.iter().enumerate() {
                rows.push(SobolRow {
                    outcome: *o,
                    parameter: u[i].parameter.path.clone(),
                    index,
                    estimate: finite(x.estimate),
                    ci95_low: finite(x.ci95[0]),
                    ci95_high: finite(x.ci95[1]),
                });
            }
        }
    }
    rows
}

/// `sobol.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SobolFile {
    /// Always `sobol`.
    pub analysis: AnalysisKind,
    pub context: Context,
    /// Base samples N.
    pub samples: usize,
    /// N (d + 2).
    pub design_points: usize,
    pub design: String,
    pub first_order_estimator: String,
    pub total_order_estimator: String,
    pub variance: String,
    pub inner_noise_share: String,
    pub intervals: String,
    pub point_estimators: String,
    pub uncertainties: Vec<UncertaintyEntry>,
    pub outcomes: ByOutcome<SobolOutcome>,
}

/// One outcome's Sobol indices.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SobolOutcome {
    /// Mean and variance (divisor 2N) of the outcome over the A and B
    /// points, in the outcome's unit (and its square).
    pub mean: Option<f64>,
    pub variance: Option<f64>,
    /// Share of the variance due to the inner trials, 0 to 1.
    pub inner_noise_share: Option<f64>,
    pub indices: Vec<SobolParameter>,
}

/// One parameter's first- and total-order index, as shares of variance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SobolParameter {
    pub parameter: String,
    pub first_order: IntervalEstimate,
    pub total_order: IntervalEstimate,
}

pub fn sobol_json(ctx: &Context, u: &[Uncertainty], r: &SobolResult) -> SobolFile {
    let outcomes = r
        .indices
        .iter()
        .zip(&r.noise_share)
        .map(|((o, ix), &noise)| {
            let indices = u
                .iter()
                .enumerate()
                .map(|(i, u)| SobolParameter {
                    parameter: u.parameter.path.clone(),
                    first_order: (&ix.first_order[i]).into(),
                    total_order: (&ix.total_order[i]).into(),
                })
                .collect();
            let entry = SobolOutcome {
                mean: finite(ix.mean),
                variance: finite(ix.variance),
                inner_noise_share: finite(noise),
                indices,
            };
            (*o, entry)
        })
        .collect();
    SobolFile {
        analysis: AnalysisKind::Sobol,
        context: ctx.clone(),
        samples: r.design.n,
        design_points: r.points.len(),
        design: "Saltelli (2010): matrices A and B from an Owen-scrambled Sobol sequence \
                 (sobol_burley), N (d + 2) points"
            .to_string(),
        first_order_estimator: "Saltelli et al. (2010): mean of f_B (f_ABi - f_A) / Var(Y)"
            .to_string(),
        total_order_estimator: "Jansen (1999): mean of (f_A - f_ABi)^2 / 2 / Var(Y)".to_string(),
        variance: "variance (divisor 2N) of the outputs at A and B".to_string(),
        inner_noise_share: "mean squared Monte Carlo standard error at the A and B points \
                            divided by the variance: the share of the variance due to the \
                            inner trials"
            .to_string(),
        intervals: format!(
            "bootstrap percentile intervals: {BOOTSTRAP_REPLICATES} resamples of the N rows, \
             2.5th and 97.5th percentiles (Hyndman-Fan type 7)"
        ),
        point_estimators: POINT_ESTIMATORS.to_string(),
        uncertainties: uncertainty_entries(u),
        outcomes: ByOutcome(outcomes),
    }
}

/// One row of `morris.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MorrisRow {
    #[serde(with = "design_key")]
    pub outcome: Outcome,
    pub parameter: String,
    pub mu: f64,
    pub mu_star: f64,
    pub mu_star_ci95_low: f64,
    pub mu_star_ci95_high: f64,
    pub sigma: Option<f64>,
}

pub fn morris_rows(u: &[Uncertainty], r: &MorrisResult) -> Vec<MorrisRow> {
    let mut rows = Vec::new();
    for (o, effects) in &r.effects {
        for (i, e) in effects.iter().enumerate() {
            let Interval { estimate, ci95 } = e.mu_star;
            rows.push(MorrisRow {
                outcome: *o,
                parameter: u[i].parameter.path.clone(),
                mu: e.mu,
                mu_star: estimate,
                mu_star_ci95_low: ci95[0],
                mu_star_ci95_high: ci95[1],
                sigma: finite(e.sigma),
            });
        }
    }
    rows
}

/// `morris.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MorrisFile {
    /// Always `morris`.
    pub analysis: AnalysisKind,
    pub context: Context,
    /// Number of trajectories r.
    pub trajectories: usize,
    /// Grid levels per range.
    pub levels: usize,
    pub design_points: usize,
    pub design: String,
    pub elementary_effect: String,
    pub mu_star: String,
    pub sigma: String,
    pub noise_floor: String,
    pub point_estimators: String,
    pub uncertainties: Vec<UncertaintyEntry>,
    pub outcomes: ByOutcome<MorrisOutcome>,
}

/// One outcome's elementary effects, in the outcome's unit per whole
/// range of the input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MorrisOutcome {
    pub noise_floor: Option<f64>,
    pub effects: Vec<MorrisEffect>,
}

/// One parameter's Morris statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MorrisEffect {
    pub parameter: String,
    /// Mean elementary effect.
    pub mu: Option<f64>,
    /// Mean absolute elementary effect, with its bootstrap interval.
    pub mu_star: IntervalEstimate,
    /// Standard deviation of the elementary effects, divisor r - 1.
    pub sigma: Option<f64>,
}

pub fn morris_json(ctx: &Context, u: &[Uncertainty], r: &MorrisResult) -> MorrisFile {
    let outcomes = r
        .effects
        .iter()
        .zip(&r.noise_floor)
        .map(|((o, effects), &floor)| {
            let effects = u
                .iter()
                .zip(effects)
                .map(|(u, e)| MorrisEffect {
                    parameter: u.parameter.path.clone(),
                    mu: finite(e.mu),
                    mu_star: (&e.mu_star).into(),
                    sigma: finite(e.sigma),
                })
                .collect();
            let entry = MorrisOutcome {
                noise_floor: finite(floor),
                effects,
            };
            (*o, entry)
        })
        .collect();
    MorrisFile {
        analysis: AnalysisKind::Morris,
        context: ctx.clone(),
        trajectories: r.trajectories.len(),
        levels: r.levels,
        design_points: r.points.len(),
        design: "Morris (1991) trajectories on a grid of levels in quantile space, \
                 step levels / (2 (levels - 1))"
            .to_string(),
        elementary_effect: "(f(x + delta e_i) - f(x)) / delta, delta in units of the input's \
                            probability scale (0 to 1 across its range)"
            .to_string(),
        mu_star: format!(
            "mean |EE| (Campolongo et al. 2007); interval: bootstrap percentile, \
             {BOOTSTRAP_REPLICATES} resamples of trajectories"
        ),
        sigma: "standard deviation of EE, divisor r - 1".to_string(),
        noise_floor: "sqrt(2 mean se^2) sqrt(2/pi) / delta: the mu* that the inner trials' \
                      noise alone would give an uncoupled parameter with no effect"
            .to_string(),
        point_estimators: POINT_ESTIMATORS.to_string(),
        uncertainties: uncertainty_entries(u),
        outcomes: ByOutcome(outcomes),
    }
}

/// `design.csv`: a header and one record per design point, with `labels`
/// columns first (such as the row and matrix of a Saltelli design), then
/// every parameter's value (empty where the point keeps the scenario's),
/// then every outcome's estimate.
pub fn design_records(
    ctx: &Context,
    parameters: &[&Parameter],
    label_names: &[&str],
    labels: &[Vec<String>],
    settings: &[Vec<(usize, f64)>],
    estimates: &[KeyEstimates],
) -> Vec<Vec<String>> {
    let mut header: Vec<String> = vec!["point".to_string()];
    header.extend(label_names.iter().map(|s| s.to_string()));
    header.extend(parameters.iter().map(|p| p.path.clone()));
    header.extend(ctx.outcomes.iter().map(|o| o.design_key().to_string()));
    let mut out = vec![header];
    for (k, (s, e)) in settings.iter().zip(estimates).enumerate() {
        let mut rec = vec![k.to_string()];
        rec.extend(labels.get(k).cloned().unwrap_or_default());
        let mut values = vec![String::new(); parameters.len()];
        for &(i, v) in s {
            values[i] = v.to_string();
        }
        rec.extend(values);
        rec.extend(ctx.outcomes.iter().map(|&o| e.get(o).estimate.to_string()));
        out.push(rec);
    }
    out
}

/// Labels of a Saltelli design's points: base sample `row` and matrix
/// (`A`, `AB_<i>` with `i` from 1, or `B`).
pub fn saltelli_labels(r: &SobolResult) -> Vec<Vec<String>> {
    let d = r.design.d;
    (0..r.points.len())
        .map(|k| {
            let (row, pos) = (k / (d + 2), k % (d + 2));
            let matrix = match pos {
                0 => "A".to_string(),
                p if p == d + 1 => "B".to_string(),
                p => format!("AB_{p}"),
            };
            vec![row.to_string(), matrix]
        })
        .collect()
}

/// Labels of Morris points: trajectory and step (0 for its start).
pub fn morris_labels(r: &MorrisResult) -> Vec<Vec<String>> {
    let per = r.trajectories.first().map_or(1, |t| t.points.len());
    (0..r.points.len())
        .map(|k| vec![(k / per).to_string(), (k % per).to_string()])
        .collect()
}
