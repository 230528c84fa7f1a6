//! `sweep`: one parameter over a list or range of values.
//!
//! The job behind `swapsim sweep`: every value runs the scenario's trials on
//! the same seed, so trial n faces the same draws at every value and the
//! curves show the parameter's effect, not Monte Carlo noise. It writes
//! `sweep.csv`, `sweep.json` and a chart per key outcome into
//! `output/<scenario>-sweep/`.

use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::error::{Error, Result};
use crate::outputs::manifest::{Analysis, ManifestFile};
use crate::outputs::{Identity, Manifest};
use crate::plot::sensitivity as charts;
use crate::scenario::uncertainty::{self, Kind, Parameter};
use crate::scenario::{Scenario, ScenarioSource};
use crate::sensitivity::analysis::SweepResult;
use crate::sensitivity::evaluate::{EvaluateError, Evaluator, Settings};
use crate::sensitivity::outcomes::{KeySums, design_outcomes};
use crate::sensitivity::tables::{self, Context};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Most values one sweep takes.
pub const MAX_VALUES: usize = 1000;

/// What the command line can change in a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOptions {
    /// Dotted path of the parameter.
    pub param: String,
    /// The values, in the order to run and report them.
    pub values: Vec<f64>,
    /// Trials at every value, overriding the file's.
    pub trials: Option<u64>,
    /// Seed, overriding the file's.
    pub seed: Option<u64>,
}

/// A sweep ready to simulate.
#[derive(Debug, Clone)]
pub struct SweepJob {
    source: ScenarioSource,
    scenario: Scenario,
    tree: toml::Table,
    parameter: Parameter,
    values: Vec<f64>,
}

/// The results of a sweep.
#[derive(Debug, Clone)]
pub struct SweepResults {
    pub context: Context,
    pub sweep: SweepResult,
}

impl SweepJob {
    /// Plans a sweep of `options.param` over `options.values` on the
    /// scenario read from `source`. A whole-number parameter (days) takes
    /// only whole values.
    pub fn plan(source: ScenarioSource, options: &SweepOptions) -> Result<SweepJob> {
        let values = &options.values;
        if values.is_empty() {
            return Err(Error::input(
                "give at least one value with --values or --range",
            ));
        }
        if values.len() > MAX_VALUES {
            return Err(Error::input(format!(
                "{} values is too many for one sweep: at most {MAX_VALUES}",
                values.len()
            )));
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::input(format!(
                "--values: {bad} is not allowed: values must be finite numbers"
            )));
        }
        let mut scenario = source.parse()?;
        if let Some(n) = options.trials {
            scenario = scenario.with_trials(n).map_err(Error::input)?;
        }
        if let Some(seed) = options.seed {
            scenario = scenario.with_seed(seed);
        }
        let tree = uncertainty::configuration_tree(&source.text).map_err(Error::input)?;
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if uncertainty::is_event_date(&options.param) {
            // A sweep's values are numbers on a chart's axis; a date is
            // varied through [uncertainties] instead, where it is written
            // as dates.
            return Err(Error::input(format!(
                "--param {}: a sweep varies numbers, and this is a date; give the range of \
                 dates in [uncertainties] (\"{}\" = {{ from = \"YYYY-MM-DD\", to = \
                 \"YYYY-MM-DD\" }}) and run `swapsim sensitivity`",
                options.param, options.param
            )));
        }
        let parameter = uncertainty::resolve(&tree, &options.param, [lo, hi])
            .map_err(|m| Error::input(format!("--param {}: {m}", options.param)))?;
        if parameter.kind == Kind::Whole
            && let Some(v) = values.iter().find(|v| v.fract() != 0.0)
        {
            return Err(Error::input(format!(
                "--values: {v} is not allowed: {} takes whole numbers",
                options.param
            )));
        }
        Ok(SweepJob {
            source,
            scenario,
            tree,
            parameter,
            values: values.clone(),
        })
    }

    /// The scenario as written, with the sweep's trials and seed.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The values swept.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    fn evaluator<'a>(&'a self, parameters: &'a [Parameter]) -> Evaluator<'a> {
        Evaluator {
            tree: &self.tree,
            parameters,
            trials: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
        }
    }
}

impl Job for SweepJob {
    type Stats = Vec<KeySums>;
    type Results = SweepResults;

    fn command(&self) -> &'static str {
        "sweep"
    }

    fn units(&self) -> u64 {
        self.values.len() as u64
    }

    fn unit_name(&self) -> &'static str {
        "values"
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join(format!("{}-sweep", self.source.stem))
    }

    fn identity(&self) -> Identity {
        let values: Vec<String> = self.values.iter().map(f64::to_string).collect();
        Identity::new(
            "sweep",
            [
                ("scenario", self.source.stem.clone()),
                ("parameter", self.parameter.path.clone()),
                ("values", values.join(", ")),
            ],
        )
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<Vec<KeySums>> {
        let points: Vec<Settings> = self.values.iter().map(|&v| vec![(0, v)]).collect();
        let parameters = [self.parameter.clone()];
        let end = (range.end as usize).min(points.len());
        self.evaluator(&parameters)
            .run_sums(&points, range.start as usize..end, exec.threads, &|done| {
                exec.progress.advance(done)
            })
            .map_err(|e| match e {
                // Name the value rather than the design point.
                EvaluateError::Invalid {
                    values, problems, ..
                } => Error::input(format!(
                    "--param {values} is not a valid scenario: {problems}"
                )),
                other => Error::other(other),
            })
    }

    fn merge(into: &mut Vec<KeySums>, from: Vec<KeySums>) {
        into.extend(from);
    }

    fn finish(&self, sums: Vec<KeySums>) -> Result<SweepResults> {
        if sums.len() != self.values.len() {
            return Err(Error::input(format!(
                "the statistics hold {} values, not the {} of the sweep",
                sums.len(),
                self.values.len()
            )));
        }
        let context = Context {
            scenario: self.scenario.name().to_string(),
            trials_per_point: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
            outcomes: design_outcomes(&self.scenario),
        };
        let sweep = SweepResult {
            parameter: self.parameter.clone(),
            values: self.values.clone(),
            estimates: sums.iter().map(KeySums::estimates).collect(),
        };
        Ok(SweepResults { context, sweep })
    }

    fn write(&self, r: &SweepResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        out.csv("sweep.csv", tables::sweep_rows(&r.context, &r.sweep))?;
        out.json("sweep.json", &tables::sweep_json(&r.context, &r.sweep))?;
        if options.charts {
            let dir = out.dir().to_path_buf();
            let drawn = charts::sweep_charts(&dir, &self.scenario, &r.context, &r.sweep)
                .map_err(Error::other)?;
            out.add(drawn);
        }
        Ok(())
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        let mut manifest =
            Manifest::new(&self.source, &self.scenario, run.threads, run.wall, outputs);
        manifest.analysis = Some(Analysis::Sweep {
            method: "sweep".to_string(),
            parameter: self.parameter.clone(),
            values: self.values.clone(),
            trials_per_point: self.scenario.simulation().trials,
        });
        ManifestFile::Scenario(manifest)
    }
}
