//! `run`: one scenario, many trials, the distribution of its outcomes.
//!
//! The job behind `swapsim run` (and the merge of its shards): it
//! simulates trials of one scenario into an exact [`Accumulator`], and
//! writes `summary.json`/`.csv`, `daily.csv`, `returned_by_deadline.csv`,
//! optionally `per_trial.csv`, and the run charts. With a target standard
//! error it runs fixed batches until an outcome is precise enough
//! ([`RunJob::converge`]).

use super::shard::{ShardStats, Sharded, SourceRecord, Spec};
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::engine::{self, PerTrial, StreamKeys};
use crate::error::{Error, Result};
use crate::model::{Model, TrialOutcome};
use crate::outcomes::Outcome;
use crate::outputs::manifest::ManifestFile;
use crate::outputs::{Identity, Manifest};
use crate::scenario::{Scenario, ScenarioSource};
use crate::stats::{Accumulator, Results};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Trials per batch of a run with a target standard error: a whole number
/// of engine blocks, so a run that stops after k batches equals a run of
/// `k * CONVERGENCE_BATCH` trials.
pub const CONVERGENCE_BATCH: u64 = 16 * engine::CHUNK_TRIALS;

/// Most trials a run with a target standard error takes unless `--trials`
/// says otherwise: 625 batches, 10,240,000 trials (about half a minute on
/// two cores for the default scenario), so that an unreachable target
/// (an event that never happens) ends with a message, not after hours.
pub const DEFAULT_CONVERGENCE_CAP: u64 = 625 * CONVERGENCE_BATCH;

/// A run that stopped on its target standard error or on its cap.
#[derive(Debug, Clone)]
pub struct Converged {
    /// The job with the number of trials run.
    pub job: RunJob,
    pub stats: RunStats,
    /// The standard error reached.
    pub se: f64,
    /// Whether it is below the target (else the cap was reached first).
    pub reached: bool,
}

/// What the command line can change in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Trials, overriding the file's `simulation.trials`.
    pub trials: Option<u64>,
    /// Seed, overriding the file's `simulation.seed`.
    pub seed: Option<u64>,
    /// Keep every trial's outcomes for `per_trial.csv`.
    pub per_trial: bool,
}

/// A run of one scenario.
#[derive(Debug, Clone)]
pub struct RunJob {
    source: ScenarioSource,
    scenario: Scenario,
    per_trial: bool,
}

/// The statistics of a range of trials.
#[derive(Debug, Clone)]
pub struct RunStats {
    pub acc: Accumulator,
    /// Every trial's outcomes, in trial order, when asked for.
    pub per_trial: Option<PerTrial>,
}

/// The results of a run.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub results: Results,
    /// Every trial's outcomes, in trial order, when asked for.
    pub per_trial: Option<Vec<(u64, TrialOutcome)>>,
}

impl RunJob {
    /// Plans a run of the scenario read from `source`.
    pub fn plan(source: ScenarioSource, options: &RunOptions) -> Result<RunJob> {
        let mut scenario = source.parse()?;
        if let Some(n) = options.trials {
            scenario = scenario.with_trials(n).map_err(Error::input)?;
        }
        if let Some(seed) = options.seed {
            scenario = scenario.with_seed(seed);
        }
        Ok(RunJob {
            source,
            scenario,
            per_trial: options.per_trial,
        })
    }

    /// The scenario as simulated.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario file as read.
    pub fn source(&self) -> &ScenarioSource {
        &self.source
    }

    fn model_and_keys(&self) -> (Model, StreamKeys) {
        let s = &self.scenario;
        let keys = StreamKeys::new(s.mediator_names());
        (Model::new(s), keys)
    }

    /// Runs batches of [`CONVERGENCE_BATCH`] trials until the Monte Carlo
    /// standard error of `metric` falls below `target` or `cap` trials are
    /// done. The batches are the same whatever the thread count, so the
    /// number of trials depends only on the scenario, seed and target.
    /// Returns the job with that number of trials, its statistics and the
    /// standard error reached.
    pub fn converge(
        &self,
        target: f64,
        metric: Outcome,
        cap: u64,
        exec: &Exec,
    ) -> Result<Converged> {
        if !(target.is_finite() && target > 0.0) {
            return Err(Error::input(format!(
                "--target-se {target} is not allowed: give a positive standard error"
            )));
        }
        if self.per_trial {
            return Err(Error::input(
                "--per-trial cannot be combined with --target-se",
            ));
        }
        let has_pool = self.scenario.target().pool.is_some();
        if !metric.applies(has_pool) {
            return Err(Error::input(format!(
                "--metric {} needs a pool: the scenario sets none",
                metric.statistic()
            )));
        }
        if cap == 0 {
            return Err(Error::input("--trials 0: a run needs at least one trial"));
        }
        use crate::engine::TrialSink;
        let (model, keys) = self.model_and_keys();
        let seed = self.scenario.simulation().seed;
        let mut acc = Accumulator::new(&self.scenario);
        exec.progress
            .start(cap.min(100 * CONVERGENCE_BATCH), self.unit_name());
        let mut done = 0;
        let se = loop {
            let end = (done + CONVERGENCE_BATCH).min(cap);
            let batch = engine::run(
                &model,
                &keys,
                seed,
                done..end,
                Some(exec.threads),
                || Accumulator::new(&self.scenario),
                &|n| exec.progress.advance(done + n),
            )
            .map_err(Error::other)?;
            acc.merge(batch);
            done = end;
            let se = acc
                .estimate(metric, has_pool)
                .map_or(f64::INFINITY, |(_, se)| se);
            if se < target || done >= cap {
                break se;
            }
        };
        exec.progress.finish();
        let job = RunJob {
            scenario: self
                .scenario
                .clone()
                .with_trials(acc.trials())
                .map_err(Error::input)?,
            ..self.clone()
        };
        Ok(Converged {
            job,
            stats: RunStats {
                acc,
                per_trial: None,
            },
            se,
            reached: se < target,
        })
    }
}

impl Job for RunJob {
    type Stats = RunStats;
    type Results = RunResults;

    fn command(&self) -> &'static str {
        "run"
    }

    fn units(&self) -> u64 {
        self.scenario.simulation().trials
    }

    fn default_dir(&self) -> PathBuf {
        Path::new("output").join(&self.source.stem)
    }

    fn identity(&self) -> Identity {
        Identity::new("run", [("scenario", self.source.stem.clone())])
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<RunStats> {
        let (model, keys) = self.model_and_keys();
        let seed = self.scenario.simulation().seed;
        let tick = |done: u64| exec.progress.advance(done);
        let s = &self.scenario;
        let threads = Some(exec.threads);
        let stats = if self.per_trial {
            let (acc, rows) = engine::run(
                &model,
                &keys,
                seed,
                range,
                threads,
                || (Accumulator::new(s), PerTrial::default()),
                &tick,
            )
            .map_err(Error::other)?;
            RunStats {
                acc,
                per_trial: Some(rows),
            }
        } else {
            let acc = engine::run(
                &model,
                &keys,
                seed,
                range,
                threads,
                || Accumulator::new(s),
                &tick,
            )
            .map_err(Error::other)?;
            RunStats {
                acc,
                per_trial: None,
            }
        };
        Ok(stats)
    }

    fn merge(into: &mut RunStats, from: RunStats) {
        use crate::engine::TrialSink;
        into.acc.merge(from.acc);
        match (&mut into.per_trial, from.per_trial) {
            (Some(a), Some(b)) => a.merge(b),
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
    }

    fn finish(&self, stats: RunStats) -> Result<RunResults> {
        if stats.acc.trials() != self.units() {
            return Err(Error::input(format!(
                "the statistics hold {} trials, not the {} of the run",
                stats.acc.trials(),
                self.units()
            )));
        }
        Ok(RunResults {
            results: stats.acc.finish(&self.scenario),
            per_trial: stats.per_trial.map(PerTrial::into_sorted),
        })
    }

    fn write(&self, r: &RunResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        let written = crate::report::write_results(&r.results, out.dir())?;
        out.add(written);
        if let Some(rows) = &r.per_trial {
            out.add([crate::report::write_per_trial(rows, out.dir())?]);
        }
        if options.charts {
            let charts = crate::plot::draw_run_charts(&r.results, &self.scenario, out.dir())
                .map_err(Error::other)?;
            out.add(charts);
        }
        Ok(())
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

impl Sharded for RunJob {
    fn spec(&self) -> Spec {
        Spec::Run {
            scenario: SourceRecord::of(&self.source),
            seed: self.scenario.simulation().seed,
            trials: self.scenario.simulation().trials,
        }
    }

    fn from_spec(spec: &Spec) -> Result<Self> {
        let Spec::Run {
            scenario,
            seed,
            trials,
        } = spec
        else {
            return Err(Error::input("not the partial result of a run"));
        };
        RunJob::plan(
            scenario.source()?,
            &RunOptions {
                trials: Some(*trials),
                seed: Some(*seed),
                per_trial: false,
            },
        )
    }

    fn to_shard(stats: RunStats) -> ShardStats {
        ShardStats::Run(Box::new(stats.acc))
    }

    fn from_shard(stats: ShardStats) -> Option<RunStats> {
        match stats {
            ShardStats::Run(acc) => Some(RunStats {
                acc: *acc,
                per_trial: None,
            }),
            _ => None,
        }
    }

    fn check(&self, stats: &RunStats, range: Range<u64>) -> Result<()> {
        stats
            .acc
            .check_against(&self.scenario, range.end - range.start)
            .map_err(|field| Error::input(format!("statistics.run.{field}")))
    }
}
