//! `sensitivity`: which uncertain assumptions drive the answer.
//!
//! The job behind `swapsim sensitivity` (and the merge of its shards): it
//! reads the scenario's `[uncertainties]`, plans a tornado, Sobol or Morris
//! design, simulates its design points on common random numbers (every
//! point on the scenario's seed), and writes the analysis' tables, the raw
//! design and charts into `output/<scenario>-sensitivity/<method>/`.

use super::shard::{ShardStats, Sharded, SourceRecord, Spec};
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::error::{Error, Result};
use crate::outcomes::Outcome;
use crate::outputs::manifest::{Analysis, ManifestFile};
use crate::outputs::{Identity, Manifest};
use crate::plot::sensitivity as charts;
use crate::scenario::uncertainty::{self, Parameter, Uncertainty};
use crate::scenario::{Scenario, ScenarioSource};
use crate::sensitivity::analysis::{
    self, AnalysisError, MorrisResult, Plan, SobolResult, TornadoResult,
};
use crate::sensitivity::evaluate::Evaluator;
use crate::sensitivity::outcomes::{KeyEstimates, KeySums, design_outcomes};
use crate::sensitivity::tables::{self, Context};
use serde::Serialize;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Default trials per design point of Sobol and Morris designs.
pub const DEFAULT_INNER_TRIALS: u64 = 2000;
/// Default base samples of a Sobol design.
pub const DEFAULT_SAMPLES: usize = 1024;
/// Default Morris trajectories and levels.
pub const DEFAULT_TRAJECTORIES: usize = 20;
pub const DEFAULT_LEVELS: usize = 4;

/// A sensitivity method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One at a time, low and high value of each uncertainty (2d + 1 runs).
    Tornado,
    /// First- and total-order Sobol indices (N (d + 2) runs).
    Sobol,
    /// Morris elementary effects, mu* and sigma (r (d + 1) runs).
    Morris,
}

impl Method {
    /// The name in files and folders.
    pub fn name(self) -> &'static str {
        match self {
            Method::Tornado => "tornado",
            Method::Sobol => "sobol",
            Method::Morris => "morris",
        }
    }

    fn from_name(name: &str) -> Option<Method> {
        [Method::Tornado, Method::Sobol, Method::Morris]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// What the command line can change in a sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitivityOptions {
    pub method: Method,
    /// Sobol base samples (a power of two).
    pub samples: Option<usize>,
    /// Morris trajectories and grid levels.
    pub trajectories: Option<usize>,
    pub levels: Option<usize>,
    /// Trials at every design point.
    pub inner_trials: Option<u64>,
    /// Seed, overriding the file's.
    pub seed: Option<u64>,
}

impl SensitivityOptions {
    /// Options of a method with its defaults.
    pub fn of(method: Method) -> Self {
        SensitivityOptions {
            method,
            samples: None,
            trajectories: None,
            levels: None,
            inner_trials: None,
            seed: None,
        }
    }
}

/// An analysis ready to simulate: the scenario, its uncertainties, the
/// design and its points. Built from the command line, or by `swapsim
/// merge` from what a shard recorded, so it depends on nothing else.
#[derive(Debug, Clone)]
pub struct SensitivityJob {
    source: ScenarioSource,
    scenario: Scenario,
    uncertainties: Vec<Uncertainty>,
    tree: toml::Table,
    parameters: Vec<Parameter>,
    method: Method,
    /// Sobol base samples; Morris trajectories and levels.
    samples: Option<usize>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    plan: Plan,
}

/// The result of one of the three analyses.
#[derive(Debug, Clone)]
pub enum Analysed {
    Tornado(TornadoResult),
    Sobol(SobolResult),
    Morris(MorrisResult),
}

/// The results of a sensitivity analysis.
#[derive(Debug, Clone)]
pub struct SensitivityResults {
    pub context: Context,
    pub analysed: Analysed,
}

fn analysis_error(e: AnalysisError) -> Error {
    if e.is_input() {
        Error::input(e.to_string())
    } else {
        Error::other(e)
    }
}

/// Largest memory a design may ask for (bytes): every design point's
/// coordinates and sums are held until the analysis ends.
pub const DESIGN_MEMORY_LIMIT: u64 = 512 << 20;

/// Refuses, before a point is drawn, a Sobol or Morris design whose points
/// would not fit in [`DESIGN_MEMORY_LIMIT`]. `size` is the base samples N
/// (Sobol: N(d + 2) points, Saltelli's scheme) or the trajectories r
/// (Morris: r(d + 1) points) over `d` uncertainties; each point holds `d`
/// coordinates (f64) and one set of key sums.
fn design_fits(method: Method, size: usize, d: usize) -> Result<()> {
    let (points_per_unit, flag) = match method {
        Method::Tornado => return Ok(()),
        Method::Sobol => (d as u64 + 2, "--samples"),
        Method::Morris => (d as u64 + 1, "--trajectories"),
    };
    let per_point = (std::mem::size_of::<Vec<f64>>()
        + std::mem::size_of::<crate::sensitivity::outcomes::KeySums>()) as u64
        + 8 * d as u64;
    let per_unit = points_per_unit.saturating_mul(per_point);
    let need = (size as u64).saturating_mul(per_unit);
    if need <= DESIGN_MEMORY_LIMIT {
        return Ok(());
    }
    let most = DESIGN_MEMORY_LIMIT / per_unit;
    let hint = if method == Method::Sobol {
        // Sobol designs take powers of two.
        format!("at most {}", 1u64 << (63 - most.max(1).leading_zeros()))
    } else {
        format!("at most {most}")
    };
    Err(Error::input(format!(
        "{flag} {size} with {d} uncertainties makes {} design points, which would hold about {} \
         MB in memory, more than the {} MB allowed: give {flag} {hint}, or vary fewer \
         uncertainties",
        crate::format::grouped(size as f64 * points_per_unit as f64, 0),
        crate::format::grouped((need >> 20) as f64, 0),
        crate::format::grouped((DESIGN_MEMORY_LIMIT >> 20) as f64, 0),
    )))
}

impl SensitivityJob {
    /// Plans the design of `options.method` over the `[uncertainties]` of
    /// the scenario read from `source`.
    pub fn plan(source: ScenarioSource, options: &SensitivityOptions) -> Result<SensitivityJob> {
        let method = options.method;
        let stray = |flag: &str, wanted: &str| {
            Error::input(format!(
                "{flag} applies to --method {wanted} only, not to --method {}",
                method.name()
            ))
        };
        if options.samples.is_some() && method != Method::Sobol {
            return Err(stray("--samples", "sobol"));
        }
        if method != Method::Morris {
            if options.trajectories.is_some() {
                return Err(stray("--trajectories", "morris"));
            }
            if options.levels.is_some() {
                return Err(stray("--levels", "morris"));
            }
        }
        if options.inner_trials == Some(0) {
            return Err(Error::input(
                "--inner-trials 0 is not allowed: every design point needs at least 1 trial",
            ));
        }
        let scenario = source.parse()?;
        let uncertainties = uncertainty::parse(&source.text, &source.display_name)?;
        let scenario = match options.seed {
            Some(s) => scenario.with_seed(s),
            None => scenario,
        };
        if uncertainties.is_empty() {
            return Err(Error::input(format!(
                "{} declares no [uncertainties]: add a table of parameter paths and ranges, such \
                 as\n[uncertainties]\n\"exchange.suspension.escalation_coef\" = {{ min = 0.5, \
                 max = 2.0 }}\n(docs/sensitivity.md lists the laws)",
                source.display_name
            )));
        }
        let trials = options.inner_trials.unwrap_or(match method {
            Method::Tornado => scenario.simulation().trials,
            _ => DEFAULT_INNER_TRIALS,
        });
        let scenario = scenario
            .with_trials(trials)
            .map_err(|e| Error::input(e.replace("--trials", "--inner-trials")))?;
        let tree = uncertainty::configuration_tree(&source.text).map_err(Error::input)?;
        let parameters: Vec<_> = uncertainties.iter().map(|u| u.parameter.clone()).collect();
        let seed = scenario.simulation().seed;
        let design = |e| analysis_error(AnalysisError::Design(e));
        let (samples, trajectories, levels) = match method {
            Method::Tornado => (None, None, None),
            Method::Sobol => (Some(options.samples.unwrap_or(DEFAULT_SAMPLES)), None, None),
            Method::Morris => (
                None,
                Some(options.trajectories.unwrap_or(DEFAULT_TRAJECTORIES)),
                Some(options.levels.unwrap_or(DEFAULT_LEVELS)),
            ),
        };
        design_fits(
            method,
            samples.or(trajectories).unwrap_or(0),
            uncertainties.len(),
        )?;
        let plan = match method {
            Method::Tornado => analysis::tornado_plan(&uncertainties),
            Method::Sobol => {
                analysis::sobol_plan(seed, &uncertainties, samples.unwrap_or(DEFAULT_SAMPLES))
                    .map_err(design)?
            }
            Method::Morris => analysis::morris_plan(
                seed,
                &uncertainties,
                trajectories.unwrap_or(DEFAULT_TRAJECTORIES),
                levels.unwrap_or(DEFAULT_LEVELS),
            )
            .map_err(design)?,
        };
        Ok(SensitivityJob {
            source,
            scenario,
            uncertainties,
            tree,
            parameters,
            method,
            samples,
            trajectories,
            levels,
            plan,
        })
    }

    /// The scenario at its values as written, with the design's trials.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The uncertainties the design varies.
    pub fn uncertainties(&self) -> &[Uncertainty] {
        &self.uncertainties
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            tree: &self.tree,
            parameters: &self.parameters,
            trials: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
        }
    }

    fn context(&self) -> Context {
        Context {
            scenario: self.scenario.name().to_string(),
            trials_per_point: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
            outcomes: design_outcomes(&self.scenario),
        }
    }
}

impl Job for SensitivityJob {
    type Stats = Vec<KeySums>;
    type Results = SensitivityResults;

    fn command(&self) -> &'static str {
        "sensitivity"
    }

    fn units(&self) -> u64 {
        self.plan.points.len() as u64
    }

    fn unit_name(&self) -> &'static str {
        "design points"
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output")
            .join(format!("{}-sensitivity", self.source.stem))
            .join(self.method.name())
    }

    fn identity(&self) -> Identity {
        let design = match self.method {
            Method::Tornado => "one at a time".to_string(),
            Method::Sobol => format!("{} base samples", self.samples.unwrap_or_default()),
            Method::Morris => format!(
                "{} trajectories on {} levels",
                self.trajectories.unwrap_or_default(),
                self.levels.unwrap_or_default()
            ),
        };
        Identity::new(
            "sensitivity",
            [
                ("scenario", self.source.stem.clone()),
                ("method", self.method.name().to_string()),
                ("design", design),
            ],
        )
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<Vec<KeySums>> {
        let points = &self.plan.points;
        let end = usize::try_from(range.end)
            .ok()
            .filter(|&e| e <= points.len())
            .ok_or_else(|| Error::input("design points beyond the design"))?;
        self.evaluator()
            .run_sums(points, range.start as usize..end, exec.threads, &|done| {
                exec.progress.advance(done)
            })
            .map_err(|e| analysis_error(e.into()))
    }

    fn merge(into: &mut Vec<KeySums>, from: Vec<KeySums>) {
        into.extend(from);
    }

    fn finish(&self, sums: Vec<KeySums>) -> Result<SensitivityResults> {
        if sums.len() != self.plan.points.len() {
            return Err(Error::input(format!(
                "the statistics hold {} design points, not the {} of the design",
                sums.len(),
                self.plan.points.len()
            )));
        }
        let estimates: Vec<KeyEstimates> = sums.iter().map(KeySums::estimates).collect();
        let context = self.context();
        let seed = self.scenario.simulation().seed;
        let plan = self.plan.clone();
        let analysed = match self.method {
            Method::Tornado => Analysed::Tornado(analysis::tornado_result(plan, &estimates)),
            Method::Sobol => Analysed::Sobol(analysis::sobol_result(
                seed,
                plan,
                estimates,
                &context.outcomes,
            )),
            Method::Morris => Analysed::Morris(analysis::morris_result(
                seed,
                plan,
                estimates,
                &context.outcomes,
            )),
        };
        Ok(SensitivityResults { context, analysed })
    }

    fn write(
        &self,
        r: &SensitivityResults,
        out: &mut Outputs,
        options: &WriteOptions,
    ) -> Result<()> {
        let (ctx, u, s) = (&r.context, &self.uncertainties, &self.scenario);
        let refs: Vec<&Parameter> = self.parameters.iter().collect();
        let dir = out.dir().to_path_buf();
        let charts = match &r.analysed {
            Analysed::Tornado(t) => {
                out.csv("tornado.csv", tables::tornado_rows(ctx, u, t))?;
                out.json("tornado.json", &tables::tornado_json(ctx, u, t))?;
                options
                    .charts
                    .then(|| charts::tornado_charts(&dir, s, ctx, u, t))
            }
            Analysed::Sobol(r) => {
                out.csv("sobol.csv", tables::sobol_rows(u, r))?;
                out.json("sobol.json", &tables::sobol_json(ctx, u, r))?;
                out.csv(
                    "design.csv",
                    tables::design_records(
                        ctx,
                        &refs,
                        &["row", "matrix"],
                        &tables::saltelli_labels(r),
                        &r.points,
                        &r.estimates,
                    ),
                )?;
                options
                    .charts
                    .then(|| charts::sobol_charts(&dir, s, ctx, u, r))
            }
            Analysed::Morris(r) => {
                out.csv("morris.csv", tables::morris_rows(u, r))?;
                out.json("morris.json", &tables::morris_json(ctx, u, r))?;
                out.csv(
                    "design.csv",
                    tables::design_records(
                        ctx,
                        &refs,
                        &["trajectory", "step"],
                        &tables::morris_labels(r),
                        &r.points,
                        &r.estimates,
                    ),
                )?;
                options
                    .charts
                    .then(|| charts::morris_charts(&dir, s, ctx, u, r))
            }
        };
        if let Some(charts) = charts {
            out.add(charts.map_err(Error::other)?);
        }
        Ok(())
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        let mut manifest =
            Manifest::new(&self.source, &self.scenario, run.threads, run.wall, outputs);
        manifest.analysis = Some(Analysis::Design {
            method: self.method.name().to_string(),
            design_points: self.plan.points.len(),
            trials_per_point: self.scenario.simulation().trials,
            samples: self.samples,
            trajectories: self.trajectories,
            levels: self.levels,
            uncertainties: self
                .uncertainties
                .iter()
                .map(|u| u.parameter.path.clone())
                .collect(),
        });
        ManifestFile::Scenario(manifest)
    }
}

impl Sharded for SensitivityJob {
    fn spec(&self) -> Spec {
        Spec::Sensitivity {
            scenario: SourceRecord::of(&self.source),
            method: self.method.name().to_string(),
            samples: self.samples,
            trajectories: self.trajectories,
            levels: self.levels,
            inner_trials: self.scenario.simulation().trials,
            seed: self.scenario.simulation().seed,
            design_points: self.plan.points.len() as u64,
        }
    }

    fn from_spec(spec: &Spec) -> Result<Self> {
        let Spec::Sensitivity {
            scenario,
            method,
            samples,
            trajectories,
            levels,
            inner_trials,
            seed,
            ..
        } = spec
        else {
            return Err(Error::input(
                "not the partial result of a sensitivity design",
            ));
        };
        let method = Method::from_name(method).ok_or_else(|| {
            Error::input(format!(
                "job.method: unknown sensitivity method {method:?} in a partial result"
            ))
        })?;
        SensitivityJob::plan(
            scenario.source()?,
            &SensitivityOptions {
                method,
                samples: *samples,
                trajectories: *trajectories,
                levels: *levels,
                inner_trials: Some(*inner_trials),
                seed: Some(*seed),
            },
        )
    }

    fn to_shard(stats: Vec<KeySums>) -> ShardStats {
        ShardStats::Sensitivity(stats)
    }

    fn from_shard(stats: ShardStats) -> Option<Vec<KeySums>> {
        match stats {
            ShardStats::Sensitivity(sums) => Some(sums),
            _ => None,
        }
    }

    fn check(&self, sums: &Vec<KeySums>, range: Range<u64>) -> Result<()> {
        if sums.len() as u64 != range.end - range.start {
            return Err(Error::input(format!(
                "statistics.sensitivity: {} design points, but the shard holds {}",
                sums.len(),
                range.end - range.start
            )));
        }
        let trials = self.scenario.simulation().trials;
        for (i, s) in sums.iter().enumerate() {
            s.check_against(&self.scenario, trials).map_err(|field| {
                Error::input(format!(
                    "statistics.sensitivity[{i}].{field} (design point {})",
                    range.start + i as u64
                ))
            })?;
        }
        Ok(())
    }
}

/// The design outcomes of a results' context (for printing).
pub fn outcomes(r: &SensitivityResults) -> &[Outcome] {
    &r.context.outcomes
}
