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
use crate::scenario::uncertainty::{Parameter, Uncertainty};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

/// What every analysis says about how it was run.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// The scenario's `name`.
    pub scenario: String,
    /// Trials at every design point (or sweep value).
    pub trials_per_point: u64,
    /// The seed of every design point: the same seed everywhere gives
    /// common random numbers.
    pub seed: u64,
    /// The outcomes analysed, written by their keys in design files.
    #[serde(serialize_with = "design_keys")]
    pub outcomes: Vec<Outcome>,
}

fn design_keys<S: Serializer>(outcomes: &[Outcome], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(outcomes.iter().map(|o| o.design_key()))
}

/// How each key outcome is estimated at a design point.
const POINT_ESTIMATORS: &str = "probabilities: share of trials, Wilson score 95% interval; \
     means: mean over trials, mean -/+ 1.96 standard errors";

fn estimates_json(outcomes: &[Outcome], e: &KeyEstimates) -> Value {
    let mut m = Map::new();
    for &o in outcomes {
        m.insert(o.design_key().to_string(), json!(e.get(o)));
    }
    Value::Object(m)
}

fn uncertainty_json(u: &Uncertainty) -> Value {
    json!({
        "path": u.parameter.path,
        "kind": u.parameter.kind,
        "base": u.parameter.base,
        "law": u.law,
        "description": u.law.describe(),
    })
}

/// One row of `sweep.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct SweepRow {
    pub parameter: String,
    pub value: f64,
    pub outcome: &'static str,
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
                outcome: o.design_key(),
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

pub fn sweep_json(ctx: &Context, r: &SweepResult) -> Value {
    json!({
        "analysis": "sweep",
        "context": ctx,
        "parameter": r.parameter,
        "estimators": POINT_ESTIMATORS,
        "values": r.values.iter().zip(&r.estimates).map(|(v, e)| json!({
            "value": v,
            "outcomes": estimates_json(&ctx.outcomes, e),
        })).collect::<Vec<_>>(),
    })
}

/// One row of `tornado.csv`: one bar of one outcome's chart.
#[derive(Debug, Clone, Serialize)]
pub struct TornadoRow {
    pub outcome: &'static str,
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
                outcome: o.design_key(),
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

pub fn tornado_json(ctx: &Context, u: &[Uncertainty], r: &TornadoResult) -> Value {
    let mut bars = Map::new();
    for &o in &ctx.outcomes {
        let list: Vec<Value> = r
            .swings(o)
            .iter()
            .map(|s| {
                json!({
                    "parameter": u[s.input].parameter.path,
                    "low_value": r.low_values[s.input],
                    "high_value": r.high_values[s.input],
                    "at_low": r.at_low[s.input].get(o),
                    "at_high": r.at_high[s.input].get(o),
                    "swing": s.swing,
                })
            })
            .collect();
        bars.insert(o.design_key().to_string(), Value::Array(list));
    }
    json!({
        "analysis": "tornado",
        "context": ctx,
        "method": "one at a time: each uncertainty at its low and high value (the ends of a \
                   uniform range, the 5th and 95th percentiles of other laws), every other \
                   parameter as written; bars sorted by swing |at_high - at_low|",
        "estimators": POINT_ESTIMATORS,
        "uncertainties": u.iter().map(uncertainty_json).collect::<Vec<_>>(),
        "base": estimates_json(&ctx.outcomes, &r.base),
        "bars": bars,
    })
}

/// One row of `sobol.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct SobolRow {
    pub outcome: &'static str,
    pub parameter: String,
    /// `first_order` or `total_order`.
    pub index: &'static str,
    /// Empty where the outcome does not vary over the design.
    pub estimate: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

pub fn sobol_rows(u: &[Uncertainty], r: &SobolResult) -> Vec<SobolRow> {
    let mut rows = Vec::new();
    for (o, ix) in &r.indices {
        for (name, list) in [
            ("first_order", &ix.first_order),
            ("total_order", &ix.total_order),
        ] {
            for (i, x) in list.iter().enumerate() {
                rows.push(SobolRow {
                    outcome: o.design_key(),
                    parameter: u[i].parameter.path.clone(),
                    index: name,
                    estimate: finite(x.estimate),
                    ci95_low: finite(x.ci95[0]),
                    ci95_high: finite(x.ci95[1]),
                });
            }
        }
    }
    rows
}

pub fn sobol_json(ctx: &Context, u: &[Uncertainty], r: &SobolResult) -> Value {
    let mut outcomes = Map::new();
    for ((o, ix), noise) in r.indices.iter().zip(&r.noise_share) {
        let per: Vec<Value> = u
            .iter()
            .enumerate()
            .map(|(i, u)| {
                json!({
                    "parameter": u.parameter.path,
                    "first_order": ix.first_order[i],
                    "total_order": ix.total_order[i],
                })
            })
            .collect();
        outcomes.insert(
            o.design_key().to_string(),
            json!({
                "mean": ix.mean,
                "variance": ix.variance,
                "inner_noise_share": noise,
                "indices": per,
            }),
        );
    }
    json!({
        "analysis": "sobol",
        "context": ctx,
        "samples": r.design.n,
        "design_points": r.points.len(),
        "design": "Saltelli (2010): matrices A and B from an Owen-scrambled Sobol sequence \
                   (sobol_burley), N (d + 2) points",
        "first_order_estimator": "Saltelli et al. (2010): mean of f_B (f_ABi - f_A) / Var(Y)",
        "total_order_estimator": "Jansen (1999): mean of (f_A - f_ABi)^2 / 2 / Var(Y)",
        "variance": "variance (divisor 2N) of the outputs at A and B",
        "inner_noise_share": "mean squared Monte Carlo standard error at the A and B points \
                              divided by the variance: the share of the variance due to the \
                              inner trials",
        "intervals": format!(
            "bootstrap percentile intervals: {BOOTSTRAP_REPLICATES} resamples of the N rows, \
             2.5th and 97.5th percentiles (Hyndman-Fan type 7)"
        ),
        "point_estimators": POINT_ESTIMATORS,
        "uncertainties": u.iter().map(uncertainty_json).collect::<Vec<_>>(),
        "outcomes": outcomes,
    })
}

/// One row of `morris.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct MorrisRow {
    pub outcome: &'static str,
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
                outcome: o.design_key(),
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

pub fn morris_json(ctx: &Context, u: &[Uncertainty], r: &MorrisResult) -> Value {
    let mut outcomes = Map::new();
    for ((o, effects), floor) in r.effects.iter().zip(&r.noise_floor) {
        let per: Vec<Value> = u
            .iter()
            .zip(effects)
            .map(|(u, e)| {
                json!({
                    "parameter": u.parameter.path,
                    "mu": e.mu,
                    "mu_star": e.mu_star,
                    "sigma": e.sigma,
                })
            })
            .collect();
        outcomes.insert(
            o.design_key().to_string(),
            json!({ "noise_floor": floor, "effects": per }),
        );
    }
    json!({
        "analysis": "morris",
        "context": ctx,
        "trajectories": r.trajectories.len(),
        "levels": r.levels,
        "design_points": r.points.len(),
        "design": "Morris (1991) trajectories on a grid of levels in quantile space, \
                   step levels / (2 (levels - 1))",
        "elementary_effect": "(f(x + delta e_i) - f(x)) / delta, delta in units of the input's \
                              probability scale (0 to 1 across its range)",
        "mu_star": format!(
            "mean |EE| (Campolongo et al. 2007); interval: bootstrap percentile, \
             {BOOTSTRAP_REPLICATES} resamples of trajectories"
        ),
        "sigma": "standard deviation of EE, divisor r - 1",
        "noise_floor": "sqrt(2 mean se^2) sqrt(2/pi) / delta: the mu* that the inner trials' \
                        noise alone would give an uncoupled parameter with no effect",
        "point_estimators": POINT_ESTIMATORS,
        "uncertainties": u.iter().map(uncertainty_json).collect::<Vec<_>>(),
        "outcomes": outcomes,
    })
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
