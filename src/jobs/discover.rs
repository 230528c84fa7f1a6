//! `discover`: PRIM on the parameter sets of an ensemble (`ensemble.csv`)
//! or of a Sobol design (`design.csv`).
//!
//! The table is read as input like any file a user may have edited: every
//! value must be a finite number, and the outcome must be one of its
//! columns. The result is written beside it in `discover/`:
//! `discover.json` (the trajectory, the chosen box and its bounds by
//! parameter name) and `discover.csv` (the trajectory, one row per box).

use super::robust::ROBUSTNESS_SETS_CSV;
use crate::error::{Error, Result};
use crate::outcomes::{DESIGN, Outcome};
use crate::outputs;
use crate::sensitivity::prim::{self, Discovery};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Columns of design tables that label points rather than hold values.
const LABELS: [&str; 6] = [
    "point",
    "row",
    "matrix",
    "trajectory",
    "step",
    "configuration",
];

/// Largest magnitude of a parameter value read from a table: far above
/// every parameter a scenario allows (pools stop at 10^9 people).
const MAX_PARAMETER_MAGNITUDE: f64 = 1e12;

/// Which side of the threshold is the event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Above,
    Below,
}

impl Side {
    /// The side in words, as in the flags `--above` and `--below`.
    pub fn word(self) -> &'static str {
        match self {
            Side::Above => "above",
            Side::Below => "below",
        }
    }
}

/// A discovery request.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Outcome, by its design key (`no_round_by_deadline`) or statistic
    /// (`p_no_round_by_deadline`).
    pub outcome: String,
    pub side: Side,
    /// Threshold in the outcome's unit (a probability from 0 to 1).
    pub threshold: f64,
    pub alpha: f64,
    pub min_coverage: f64,
}

/// What `discover.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscoverResult {
    /// The table read.
    pub table: String,
    pub outcome: Outcome,
    /// For a discovery on a robust comparison, the configurations whose
    /// difference is the outcome (`None` for the outcome itself).
    pub difference: Option<Difference>,
    pub side: Side,
    pub threshold: f64,
    /// Parameter names, in the table's order (bounds refer to them by
    /// index).
    pub parameters: Vec<String>,
    #[serde(flatten)]
    pub discovery: Discovery,
}

impl DiscoverResult {
    /// The event in words: the outcome (or the difference of two
    /// configurations), the side and the threshold, such as
    /// "no_round_by_deadline above 0.3".
    pub fn event(&self) -> String {
        let subject = match &self.difference {
            Some(d) => format!(
                "{} of {} less {}",
                self.outcome.design_key(),
                d.configuration,
                d.reference
            ),
            None => self.outcome.design_key().to_string(),
        };
        let threshold = crate::plot::sensitivity::fmt_param(self.threshold);
        format!("{subject} {} {threshold}", self.side.word())
    }
}

/// One row of `discover.csv`.
#[derive(Debug, Serialize)]
struct TrajectoryRow {
    step: usize,
    coverage: f64,
    density: f64,
    points: usize,
    events: usize,
    chosen: bool,
}

fn find_outcome(name: &str) -> Option<Outcome> {
    DESIGN
        .into_iter()
        .find(|o| o.design_key() == name || o.statistic() == name || o.id() == name)
}

/// The outcome a discovery reads: a key outcome of every set, or the
/// difference between two configurations of a robust comparison.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Outcome(Outcome),
    /// `diff:CONFIGURATION:OUTCOME`: the configuration's estimate less the
    /// reference's, set by set.
    Difference(String, Outcome),
}

/// The configuration a difference is taken for, and from which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub configuration: String,
    pub reference: String,
}

fn parse_target(text: &str) -> Result<Target> {
    let known = || {
        let keys: Vec<&str> = DESIGN.iter().map(|o| o.design_key()).collect();
        keys.join(", ")
    };
    if let Some(rest) = text.strip_prefix("diff:") {
        let (config, key) = rest
            .rsplit_once(':')
            .filter(|(c, _)| !c.is_empty())
            .ok_or_else(|| {
                Error::input(format!(
                    "--outcome {text}: a difference is written diff:CONFIGURATION:OUTCOME, such as \
                 diff:UAE-only:returned_by_deadline"
                ))
            })?;
        let o = find_outcome(key).ok_or_else(|| {
            Error::input(format!(
                "--outcome {text}: {key} is not an outcome of ensembles and designs; give one of {}",
                known()
            ))
        })?;
        return Ok(Target::Difference(config.to_string(), o));
    }
    find_outcome(text).map(Target::Outcome).ok_or_else(|| {
        Error::input(format!(
            "--outcome {text}: not an outcome of ensembles and designs; give one of {} (or \
             diff:CONFIGURATION:OUTCOME on a robust comparison)",
            known()
        ))
    })
}

/// Reads the table in `dir` and runs PRIM.
pub fn discover(dir: &Path, options: &DiscoverOptions) -> Result<DiscoverResult> {
    let target = parse_target(&options.outcome)?;
    if !options.threshold.is_finite() {
        return Err(Error::input(format!(
            "the threshold {} is not a finite number",
            options.threshold
        )));
    }
    // A probability lies in 0 to 1 and a difference of two in -1 to 1: a
    // threshold outside can never be crossed, so it is a typing slip
    // (a percentage, say) rather than a question.
    let (outcome, lowest) = match target {
        Target::Outcome(o) => (o, 0.0),
        Target::Difference(_, o) => (o, -1.0),
    };
    if outcome.is_probability() && !(lowest..=1.0).contains(&options.threshold) {
        return Err(Error::input(format!(
            "--{} {} is not allowed: {} is a probability{}, from {lowest} to 1; give a \
             share in that range, such as 0.5 rather than 50",
            options.side.word(),
            options.threshold,
            outcome.design_key(),
            if lowest < 0.0 { " difference" } else { "" },
        )));
    }
    if !(options.alpha > 0.0 && options.alpha < 0.5) {
        return Err(Error::input(format!(
            "--alpha {} is not allowed: peel a share between 0 and 0.5 (0.05 to 0.1 is usual)",
            options.alpha
        )));
    }
    if !(0.0..=1.0).contains(&options.min_coverage) {
        return Err(Error::input(format!(
            "--min-coverage {} is not allowed: give a share from 0 to 1",
            options.min_coverage
        )));
    }
    let names: &[&str] = match target {
        Target::Outcome(_) => &["ensemble.csv", "design.csv"],
        Target::Difference(..) => &[ROBUSTNESS_SETS_CSV],
    };
    let table = names
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::input(match target {
                Target::Outcome(_) => format!(
                    "{} holds neither ensemble.csv (written by `swapsim run` on a scenario with \
                     [uncertainties]) nor design.csv (written by `swapsim sensitivity`)",
                    dir.display()
                ),
                Target::Difference(..) => format!(
                    "{} holds no {ROBUSTNESS_SETS_CSV}: a difference between configurations \
                     needs the output of `swapsim compare --assumptions N`",
                    dir.display()
                ),
            })
        })?;
    let bad =
        |line: u64, what: String| Error::input(format!("{}, line {line}: {what}", table.display()));
    // Read within a limit: a damaged or hostile table (gigabytes of zeros)
    // is refused at once instead of filling memory.
    let text = crate::input::read_text(&table, crate::input::MAX_RESULTS_TABLE_BYTES)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", table.display())))?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let outcome = match &target {
        Target::Outcome(o) | Target::Difference(_, o) => *o,
    };
    let outcome_col = header
        .iter()
        .position(|h| h == outcome.design_key())
        .ok_or_else(|| bad(1, format!("no column {}", outcome.design_key())))?;
    let is_outcome = |h: &str| DESIGN.iter().any(|o| o.design_key() == h);
    let outcome_cols: Vec<(usize, Outcome)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| DESIGN.iter().find(|o| o.design_key() == h).map(|o| (i, *o)))
        .collect();
    let params: Vec<usize> = (0..header.len())
        .filter(|&i| !LABELS.contains(&header[i].as_str()) && !is_outcome(&header[i]))
        .collect();
    if params.is_empty() {
        return Err(bad(1, "no parameter columns".to_string()));
    }
    // Per row: its parameter values, its outcome and, in a robust
    // comparison, its set and configuration.
    let mut rows: Vec<(Vec<f64>, f64, String, String)> = Vec::new();
    let label = |name: &str| header.iter().position(|h| h == name);
    let (point_col, config_col) = (label("point"), label("configuration"));
    for (k, record) in reader.records().enumerate() {
        let line = k as u64 + 2;
        let record = record.map_err(|e| bad(line, e.to_string()))?;
        let number = |i: usize| -> Result<f64> {
            let text = record.get(i).unwrap_or_default();
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    bad(
                        line,
                        format!("{}: {text:?} is not a finite number", header[i]),
                    )
                })
        };
        let text = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let row: Vec<f64> = params
            .iter()
            .map(|&i| {
                let v = number(i)?;
                // No scenario parameter reaches this far (pools stop at
                // 10^9 people); a larger value is a damaged table, and would
                // otherwise become the edge of a box.
                if v.abs() > MAX_PARAMETER_MAGNITUDE {
                    return Err(bad(
                        line,
                        format!(
                            "{}: {v} is beyond any parameter's range (at most \
                             {MAX_PARAMETER_MAGNITUDE:e} in size)",
                            header[i]
                        ),
                    ));
                }
                Ok(v)
            })
            .collect::<Result<_>>()?;
        let outcome_value = |i: usize, outcome: Outcome| -> Result<f64> {
            let v = number(i)?;
            let (low, high) = if outcome.is_probability() {
                (0.0, 1.0)
            } else {
                (0.0, f64::MAX)
            };
            if !(low..=high).contains(&v) {
                return Err(bad(
                    line,
                    format!(
                        "{}: {v} is not a value this outcome takes ({})",
                        header[i],
                        if outcome.is_probability() {
                            "a probability from 0 to 1"
                        } else {
                            "a number of at least 0"
                        }
                    ),
                ));
            }
            Ok(v)
        };
        // Every outcome of the row, not only the one asked about: a damaged
        // value anywhere means the table is not what swapsim wrote.
        for &(i, o) in &outcome_cols {
            outcome_value(i, o)?;
        }
        let v = outcome_value(outcome_col, outcome)?;
        rows.push((row, v, text(point_col), text(config_col)));
    }
    let (x, values, difference) = match &target {
        Target::Outcome(_) => {
            let (x, v) = rows.into_iter().map(|(x, v, _, _)| (x, v)).unzip();
            (x, v, None)
        }
        Target::Difference(config, _) => {
            let (x, v, reference) = differences(rows, config, &table)?;
            (
                x,
                v,
                Some(Difference {
                    configuration: config.clone(),
                    reference,
                }),
            )
        }
    };
    if x.is_empty() {
        return Err(bad(2, "the table holds no parameter sets".to_string()));
    }
    let y: Vec<bool> = values
        .iter()
        .map(|&v| match options.side {
            Side::Above => v > options.threshold,
            Side::Below => v < options.threshold,
        })
        .collect();
    let discovery = prim::discover(&x, &y, options.alpha, options.min_coverage);
    Ok(DiscoverResult {
        table: table.display().to_string(),
        outcome,
        difference,
        side: options.side,
        threshold: options.threshold,
        parameters: params.iter().map(|&i| header[i].clone()).collect(),
        discovery,
    })
}

/// Per parameter set of a robust comparison's table, its parameter values
/// and `config`'s outcome less the reference's (the first configuration
/// of every set); also the reference's name.
#[allow(clippy::type_complexity)]
fn differences(
    rows: Vec<(Vec<f64>, f64, String, String)>,
    config: &str,
    table: &Path,
) -> Result<(Vec<Vec<f64>>, Vec<f64>, String)> {
    let bad = |what: String| Error::input(format!("{}: {what}", table.display()));
    let reference = rows
        .first()
        .map(|r| r.3.clone())
        .ok_or_else(|| bad("it holds no parameter sets".to_string()))?;
    let configurations: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for r in &rows {
            if !seen.contains(&r.3.as_str()) {
                seen.push(&r.3);
            }
        }
        seen
    };
    if !configurations.contains(&config) {
        return Err(Error::input(format!(
            "--outcome diff:{config}:...: {} holds no configuration {config:?}; it holds {}",
            table.display(),
            configurations.join(", ")
        )));
    }
    if config == reference {
        return Err(Error::input(format!(
            "--outcome diff:{config}:...: {config} is the reference, whose difference from \
             itself is 0 in every set; name another configuration ({})",
            configurations[1..].join(", ")
        )));
    }
    let (mut x, mut v) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < rows.len() {
        let point = &rows[i].2;
        let end = rows[i..]
            .iter()
            .position(|r| &r.2 != point)
            .map_or(rows.len(), |n| i + n);
        let set = &rows[i..end];
        let of = |name: &str| set.iter().find(|r| r.3 == name);
        match (of(&reference), of(config)) {
            (Some(r), Some(c)) => {
                x.push(r.0.clone());
                v.push(c.1 - r.1);
            }
            _ => {
                return Err(bad(format!(
                    "parameter set {point} lacks {} or {config}: every set must list every \
                     configuration",
                    reference
                )));
            }
        }
        i = end;
    }
    Ok((x, v, reference))
}

/// Writes `discover.json`, `discover.csv` and the charts of the peeling
/// trajectory and of the box into `dir/discover/`; returns the folder.
/// Written whole or not at all, as every output folder is ([`outputs::Staging`]):
/// a link there, or a folder swapsim did not make, is refused rather than
/// written through or mixed with a user's files. A rerun replaces the
/// previous results whatever their outcome and threshold, as there is one
/// such folder per table.
pub fn write(dir: &Path, r: &DiscoverResult) -> Result<PathBuf> {
    let out = dir.join("discover");
    let staging = outputs::Staging::open(&out, outputs::Identity::new("discover", []), true)
        .map_err(|e| match e {
            outputs::OutputError::NotAnOutputDir(path) => Error::other(anyhow::anyhow!(
                "refusing to write into {}: it exists and is not a swapsim output directory \
                 (swapsim marks the folders it makes with a file named {}); `discover` writes \
                 its results there, so move that folder away first",
                path.display(),
                outputs::MARKER
            )),
            e => Error::from(e),
        })?;
    let tmp = staging.path();
    outputs::write_json(&tmp.join("discover.json"), r)?;
    let rows = r
        .discovery
        .trajectory
        .iter()
        .enumerate()
        .map(|(k, s)| TrajectoryRow {
            step: k,
            coverage: s.coverage,
            density: s.density,
            points: s.points,
            events: s.events,
            chosen: k == r.discovery.chosen,
        });
    outputs::write_csv(&tmp.join("discover.csv"), rows)?;
    crate::plot::prim::draw_prim_charts(r, tmp).map_err(Error::other)?;
    Ok(staging.commit()?)
}

/// The box in words: "this happens mostly when a < 0.03 and b > 0.8:
/// coverage 78%, density 85%, 214 of 1,024 sets".
pub fn in_words(r: &DiscoverResult) -> String {
    let b = &r.discovery.found;
    let v = crate::plot::sensitivity::fmt_param;
    let parts: Vec<String> = b
        .bounds
        .iter()
        .map(|bound| {
            // A file read back may name a parameter it does not list.
            let name = r
                .parameters
                .get(bound.parameter)
                .map_or("(an unnamed parameter)", String::as_str);
            match (bound.lower, bound.upper) {
                (Some(lo), Some(hi)) => format!("{} <= {name} <= {}", v(lo), v(hi)),
                (Some(lo), None) => format!("{name} >= {}", v(lo)),
                (None, Some(hi)) => format!("{name} <= {}", v(hi)),
                (None, None) => name.to_string(),
            }
        })
        .collect();
    let when = if parts.is_empty() {
        "no box of parameters singles it out".to_string()
    } else {
        format!("this happens mostly when {}", parts.join(" and "))
    };
    format!(
        "{}: {when}: coverage {:.0}%, density {:.0}%, {} of {} sets ({} of the {} sets where \
         it happens)",
        r.event(),
        100.0 * b.coverage,
        100.0 * b.density,
        crate::format::grouped(b.points as f64, 0),
        crate::format::grouped(r.discovery.points as f64, 0),
        b.events,
        r.discovery.events
    )
}
