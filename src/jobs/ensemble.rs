//! `run` over the scenario's assumptions: an ensemble of parameter sets.
//!
//! When a scenario declares `[uncertainties]`, `swapsim run` runs the
//! scenario at its central values (the run of [`RunJob`], every file as
//! before) and at parameter sets drawn from the uncertainties' laws by a
//! scrambled Sobol design, each set on the same trials as the central run
//! (common random numbers). `summary.json` gains an `assumptions` block
//! (per key outcome: the central estimate, the predictive estimate over all
//! draws, its percentiles across sets and the share of variance due to the
//! assumptions), `ensemble.csv` holds one row per set, and a chart shows
//! each key probability across the sets.
//!
//! The job's units are the central run (unit 0) followed by the sets, so a
//! shard holds a contiguous range of them and merges exactly: the central
//! run's statistics and every set's sums are integers.

use super::run::{RunJob, RunOptions, RunResults, RunStats};
use super::shard::{ShardStats, Sharded, SourceRecord, Spec};
use super::{Exec, Job, Outputs, RunInfo, Silent, WriteOptions};
use crate::engine::TrialSink;
use crate::error::{Error, Result};
use crate::outcomes::Outcome;
use crate::outcomes::{Kind, View, count, select};
use crate::outputs::manifest::{Analysis, ManifestFile};
use crate::outputs::{Identity, Manifest};
use crate::scenario::ScenarioSource;
use crate::scenario::uncertainty::{self, Parameter, Uncertainty};
use crate::sensitivity::analysis::{self, analysis_stream};
use crate::sensitivity::ensemble::{
    self, AssumptionsSummary, Central, LAYER_METHODS, MEDIAN_BATCHES, MedianLayers, OutcomeLayers,
    SetMedian, SetValue,
};
use crate::sensitivity::evaluate::{Evaluator, Settings, simulate_halves_sharing};
use crate::sensitivity::outcomes::{KeyEstimates, KeySums, design_outcomes};
use crate::sensitivity::tables::{self, Context};
use crate::stats::histogram::IntHistogram;
use crate::stats::interval::Z95;
use crate::stats::{Accumulator, Results};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::PathBuf;

/// Parameter sets of `run` when the scenario declares uncertainties and
/// `--assumptions` is not given: with the default scenario's 20,000 trials
/// per set, 1.3 million trials, a few seconds on two cores, and enough sets
/// for a p5 and p95 that rest on about three sets each.
pub const DEFAULT_ASSUMPTIONS: usize = 64;

/// Name of the per-set table.
pub const ENSEMBLE_CSV: &str = "ensemble.csv";

/// Name of the table of the daily bands over the assumptions.
pub const DAILY_ENSEMBLE_CSV: &str = "daily_ensemble.csv";

/// The median outcomes of the catalogue, reported in the `medians` rows of
/// the `assumptions` block, in this order.
pub const MEDIANS: [Outcome; count(View::Compared, &[Kind::Median])] =
    select(View::Compared, &[Kind::Median]);

/// Parameter sets simulated before their statistics are pooled: bounds
/// the memory of the sets' daily statistics whatever the ensemble's size.
const POOL_CHUNK: usize = 32;

/// What the fan chart of an ensemble shows (`--fan`): defined beside the
/// `assumptions` block that records it.
pub use crate::sensitivity::ensemble::Fan;

/// A run of a scenario at its central values and over its assumptions.
#[derive(Debug, Clone)]
pub struct EnsembleJob {
    run: RunJob,
    uncertainties: Vec<Uncertainty>,
    tree: toml::Table,
    parameters: Vec<Parameter>,
    sets: Vec<Settings>,
    fan: Fan,
}

/// The statistics of a range of the job's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleStats {
    /// The central run, when the range holds unit 0.
    pub central: Option<Box<Accumulator>>,
    /// Each set's sums over the first half of the trials and over the
    /// rest, in set order.
    pub sets: Vec<[KeySums; 2]>,
    /// Every trial of the range's sets in one set of statistics (exact
    /// integer sums, so any grouping merges to the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooled: Option<Box<Accumulator>>,
    /// `[group][median outcome]`: histograms of the median outcomes over
    /// the trials of the sets of each group (set `k`, counted from 0, in
    /// group `k mod MEDIAN_BATCHES`), in the order of [`MEDIANS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Vec<IntHistogram>>,
    /// Each set's medians, in set order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medians: Vec<SetMedians>,
}

/// The medians of one parameter set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetMedians {
    /// The median outcomes, in the order of [`MEDIANS`].
    pub outcomes: Vec<SetMedian>,
    /// Median people returned so far at the end of each day (people).
    pub daily: Vec<f64>,
}

/// One day of the bands over the assumptions (`daily_ensemble.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnsembleDay {
    /// Day index (0 = start date).
    pub day: u32,
    pub date: String,
    /// Percentiles of people returned so far over every trial of every set
    /// (people).
    pub predictive_p5: f64,
    pub predictive_p25: f64,
    pub predictive_p50: f64,
    pub predictive_p75: f64,
    pub predictive_p95: f64,
    /// Mean people returned so far over every trial of every set.
    pub predictive_mean: f64,
    /// Percentiles across sets of each set's median people returned so far
    /// (people).
    pub median_across_p5: f64,
    pub median_across_p50: f64,
    pub median_across_p95: f64,
}

/// The results of an ensemble.
#[derive(Debug, Clone)]
pub struct EnsembleResults {
    /// The central run, its summary holding the `assumptions` block.
    pub run: RunResults,
    /// Every set's key outcomes, in set order.
    pub sets: Vec<KeyEstimates>,
    /// The estimates over every trial of every set (the predictive
    /// distribution): the fan chart's bands.
    pub pooled: Results,
    /// The daily bands, one row per day of the horizon.
    pub daily: Vec<EnsembleDay>,
}

impl EnsembleResults {
    /// The `assumptions` block.
    pub fn assumptions(&self) -> &AssumptionsSummary {
        match &self.run.results.summary.assumptions {
            Some(a) => a,
            None => unreachable!("an ensemble's summary holds its assumptions"),
        }
    }
}

impl EnsembleJob {
    /// Plans `assumptions` parameter sets over the `[uncertainties]` of the
    /// scenario read from `source`, each set and the central run with the
    /// run's trials and seed.
    pub fn plan(
        source: ScenarioSource,
        options: &RunOptions,
        assumptions: usize,
    ) -> Result<EnsembleJob> {
        let uncertainties = uncertainty::parse(&source.text, &source.display_name)?;
        if uncertainties.is_empty() {
            return Err(Error::input(format!(
                "--assumptions {assumptions}: {} declares no [uncertainties] to draw parameter \
                 sets from (give --assumptions 0, or add the table: docs/sensitivity.md)",
                source.display_name
            )));
        }
        if options.per_trial {
            return Err(Error::input(
                "--per-trial applies to the central values only: give --assumptions 0 with it",
            ));
        }
        let tree = uncertainty::configuration_tree(&source.text).map_err(Error::input)?;
        let run = RunJob::plan(source, options)?;
        let trials = run.scenario().simulation().trials;
        if trials < 2 {
            return Err(Error::input(format!(
                "--trials {trials} is too few for an ensemble: each parameter set needs at least \
                 2 trials to tell chance from the assumptions (or give --assumptions 0)"
            )));
        }
        let seed = run.scenario().simulation().seed;
        let sets = analysis::ensemble_plan(seed, &uncertainties, assumptions)
            .map_err(|e| Error::input(e.to_string()))?;
        let parameters = uncertainties.iter().map(|u| u.parameter.clone()).collect();
        Ok(EnsembleJob {
            run,
            uncertainties,
            tree,
            parameters,
            sets,
            fan: Fan::default(),
        })
    }

    /// The same job drawing `fan` in its fan chart.
    pub fn with_fan(mut self, fan: Fan) -> Self {
        self.fan = fan;
        self
    }

    /// The run at the central values.
    pub fn central(&self) -> &RunJob {
        &self.run
    }

    /// The uncertainties the sets are drawn over.
    pub fn uncertainties(&self) -> &[Uncertainty] {
        &self.uncertainties
    }

    /// Every set's parameter values.
    pub fn sets(&self) -> &[Settings] {
        &self.sets
    }

    fn evaluator(&self) -> Evaluator<'_> {
        let s = self.run.scenario().simulation();
        Evaluator {
            tree: &self.tree,
            parameters: &self.parameters,
            trials: s.trials,
            seed: s.seed,
        }
    }

    fn context(&self) -> Context {
        let s = self.run.scenario();
        Context {
            scenario: s.name().to_string(),
            trials_per_point: s.simulation().trials,
            seed: s.simulation().seed,
            outcomes: design_outcomes(s),
        }
    }

    /// The `assumptions` block from the central run and the sets.
    fn summarise(
        &self,
        central: &Accumulator,
        halves: &[[KeySums; 2]],
        pooled: &Accumulator,
        groups: &[Vec<IntHistogram>],
        medians: &[SetMedians],
    ) -> AssumptionsSummary {
        let s = self.run.scenario();
        let has_pool = s.target().pool.is_some();
        let trials = s.simulation().trials;
        let full: Vec<KeyEstimates> = halves.iter().map(|h| whole(h).estimates()).collect();
        let split: Vec<[KeyEstimates; 2]> = halves
            .iter()
            .map(|[a, b]| [a.estimates(), b.estimates()])
            .collect();
        // The same resamples for every outcome.
        let outcomes = design_outcomes(s)
            .into_iter()
            .map(|o| {
                let values: Vec<SetValue> = full
                    .iter()
                    .zip(&split)
                    .map(|(f, [a, b])| {
                        let e = f.get(o);
                        SetValue {
                            estimate: e.estimate,
                            se: e.se,
                            halves: [a.get(o).estimate, b.get(o).estimate],
                            // se^2 n is p (1 - p) or the sample variance.
                            within_variance: e.se * e.se * trials as f64,
                        }
                    })
                    .collect();
                let mut rng = analysis_stream(s.simulation().seed, "ensemble bootstrap");
                let layers = ensemble::layers(&values, o.is_probability(), &mut rng);
                let (estimate, se) = central
                    .estimate(o, has_pool)
                    .map_or((None, None), |(e, se)| (Some(e), Some(se)));
                OutcomeLayers {
                    outcome: o,
                    unit: o.unit().name().into(),
                    central: Central { estimate, se },
                    layers,
                }
                .rounded()
            })
            .collect();
        let horizon = f64::from(s.simulation().horizon_days);
        let medians = MEDIANS
            .iter()
            .enumerate()
            .filter_map(|(i, &o)| {
                let censored_at = o.censored().then_some(horizon);
                let all = pooled.median_histogram(o)?;
                let by_group: Vec<IntHistogram> = groups.iter().map(|g| g[i].clone()).collect();
                let per_set: Vec<SetMedian> = medians.iter().map(|m| m.outcomes[i]).collect();
                let (predictive, across) =
                    ensemble::median_layers(&all, &by_group, &per_set, censored_at);
                let central = ensemble::central_median(&central.median_histogram(o)?, censored_at);
                Some(
                    MedianLayers {
                        outcome: o,
                        unit: o.unit().name().into(),
                        central,
                        predictive,
                        across,
                    }
                    .rounded(),
                )
            })
            .collect();
        AssumptionsSummary {
            parameter_sets: self.sets.len(),
            trials_per_set: trials,
            fan_chart: Some(self.fan),
            trials_at_round_cap: pooled.trials_at_round_cap(),
            uncertainties: self.parameters.iter().map(|p| p.path.clone()).collect(),
            outcomes,
            medians,
            methods: LAYER_METHODS,
        }
    }
}

/// A set's medians from its statistics.
fn set_medians(acc: &Accumulator) -> SetMedians {
    let outcomes = MEDIANS
        .iter()
        .map(|&o| {
            let h = acc.median_histogram(o).unwrap_or_default();
            SetMedian {
                median: h.quantile(0.5).unwrap_or(f64::NAN),
                se: h
                    .median_ci95()
                    .map_or(f64::NAN, |[lo, hi]| (hi - lo) / (2.0 * Z95)),
            }
        })
        .collect();
    SetMedians {
        outcomes,
        daily: acc.daily_returned_median(),
    }
}

/// The daily bands: the pooled run's percentiles and the percentiles
/// across sets of the sets' daily medians.
fn ensemble_days(pooled: &Results, medians: &[SetMedians]) -> Vec<EnsembleDay> {
    let d = crate::format::data;
    pooled
        .daily
        .iter()
        .enumerate()
        .map(|(t, r)| {
            let mut across: Vec<f64> = medians
                .iter()
                .filter_map(|m| m.daily.get(t).copied())
                .collect();
            across.sort_by(f64::total_cmp);
            let q = |p: f64| d(crate::sensitivity::quantile_type7(&across, p));
            EnsembleDay {
                day: r.day,
                date: r.date.clone(),
                predictive_p5: r.returned_p5,
                predictive_p25: r.returned_p25,
                predictive_p50: r.returned_p50,
                predictive_p75: r.returned_p75,
                predictive_p95: r.returned_p95,
                predictive_mean: r.returned_mean,
                median_across_p5: q(0.05),
                median_across_p50: q(0.5),
                median_across_p95: q(0.95),
            }
        })
        .collect()
}

/// A set's sums over all its trials.
fn whole([a, b]: &[KeySums; 2]) -> KeySums {
    let mut all = a.clone();
    all.merge(b.clone());
    all
}

impl Job for EnsembleJob {
    type Stats = EnsembleStats;
    type Results = EnsembleResults;

    fn command(&self) -> &'static str {
        "run"
    }

    /// The central run, then every parameter set.
    fn units(&self) -> u64 {
        self.sets.len() as u64 + 1
    }

    fn unit_name(&self) -> &'static str {
        "parameter sets"
    }

    fn default_dir(&self) -> PathBuf {
        self.run.default_dir()
    }

    /// The same analysis as a run of the scenario: an ensemble replaces a
    /// run at the central values in its folder, and the other way round.
    fn identity(&self) -> Identity {
        self.run.identity()
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<EnsembleStats> {
        let end = usize::try_from(range.end)
            .ok()
            .filter(|&e| e <= self.sets.len() + 1)
            .ok_or_else(|| Error::input("parameter sets beyond the ensemble"))?;
        let holds_central = range.start == 0 && end > 0;
        let central = if holds_central {
            // Its progress is counted as one unit, not in trials.
            let quiet = Exec {
                threads: exec.threads,
                progress: &Silent,
            };
            let stats = self.run.simulate(0..self.run.units(), &quiet)?;
            exec.progress.advance(1);
            Some(Box::new(stats.acc))
        } else {
            None
        };
        let offset = u64::from(holds_central);
        let first = (range.start as usize).saturating_sub(1).min(end);
        let last = end.saturating_sub(1).max(first);
        let bounds = crate::outcomes::Bounds::of(self.run.scenario());
        let evaluator = self.evaluator();
        let mut stats = EnsembleStats {
            central,
            sets: Vec::with_capacity(last - first),
            pooled: None,
            groups: Vec::new(),
            medians: Vec::with_capacity(last - first),
        };
        if first < last {
            stats.groups = vec![vec![IntHistogram::new(); MEDIANS.len()]; MEDIAN_BATCHES];
        }
        // In chunks, so that only a chunk's statistics of every day are
        // held before they are pooled.
        for start in (first..last).step_by(POOL_CHUNK) {
            let stop = (start + POOL_CHUNK).min(last);
            let runs = evaluator
                .run_each(
                    &self.sets,
                    start..stop,
                    exec.threads,
                    &|done| {
                        exec.progress
                            .advance(offset + (start - first) as u64 + done)
                    },
                    |s| {
                        if crate::outcomes::Bounds::of(s) != bounds {
                            return None;
                        }
                        let ([sa, sb], acc) =
                            simulate_halves_sharing(s, || KeySums::new(s), Accumulator::new(s));
                        let medians = set_medians(&acc);
                        Some(([sa, sb], acc, medians))
                    },
                )
                .map_err(|e| match e {
                    e @ crate::sensitivity::evaluate::EvaluateError::Invalid { .. } => {
                        Error::input(e.to_string().replace("design point", "parameter set"))
                    }
                    e => Error::other(e),
                })?;
            for (k, run) in runs.into_iter().enumerate() {
                let set = start + k;
                let Some((halves, acc, medians)) = run else {
                    return Err(Error::input(format!(
                        "parameter set {} moves the deadline or the horizon; an ensemble pools \
                         the days of every set, so [uncertainties] cannot change \
                         target.deadline or simulation.horizon_days",
                        set + 1
                    )));
                };
                for (i, &o) in MEDIANS.iter().enumerate() {
                    if let Some(h) = acc.median_histogram(o) {
                        stats.groups[set % MEDIAN_BATCHES][i].merge(&h);
                    }
                }
                match &mut stats.pooled {
                    Some(p) => p.merge(acc),
                    None => stats.pooled = Some(Box::new(acc)),
                }
                stats.sets.push(halves);
                stats.medians.push(medians);
            }
        }
        Ok(stats)
    }

    fn merge(into: &mut EnsembleStats, from: EnsembleStats) {
        if into.central.is_none() {
            into.central = from.central;
        }
        into.sets.extend(from.sets);
        into.medians.extend(from.medians);
        match (&mut into.pooled, from.pooled) {
            (Some(a), Some(b)) => a.merge(*b),
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
        if into.groups.is_empty() {
            into.groups = from.groups;
        } else {
            for (a, b) in into.groups.iter_mut().zip(&from.groups) {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
        }
    }

    fn finish(&self, stats: EnsembleStats) -> Result<EnsembleResults> {
        if stats.sets.len() != self.sets.len() {
            return Err(Error::input(format!(
                "the statistics hold {} parameter sets, not the {} of the ensemble",
                stats.sets.len(),
                self.sets.len()
            )));
        }
        let Some(central) = stats.central else {
            return Err(Error::input(
                "the statistics hold no run at the central values",
            ));
        };
        let (Some(pooled), true) = (
            stats.pooled,
            stats.medians.len() == self.sets.len() && stats.groups.len() == MEDIAN_BATCHES,
        ) else {
            return Err(Error::input(
                "the statistics hold no pooled trials or medians of the parameter sets",
            ));
        };
        let assumptions = self.summarise(
            &central,
            &stats.sets,
            &pooled,
            &stats.groups,
            &stats.medians,
        );
        let mut run = self.run.finish(RunStats {
            acc: *central,
            per_trial: None,
        })?;
        run.results.summary.assumptions = Some(assumptions);
        let sets = stats.sets.iter().map(|h| whole(h).estimates()).collect();
        let pooled = pooled.finish(self.run.scenario());
        let daily = ensemble_days(&pooled, &stats.medians);
        Ok(EnsembleResults {
            run,
            sets,
            pooled,
            daily,
        })
    }

    fn write(&self, r: &EnsembleResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        self.run.write(&r.run, out, options)?;
        let refs: Vec<&Parameter> = self.parameters.iter().collect();
        out.csv(
            ENSEMBLE_CSV,
            tables::design_records(&self.context(), &refs, &[], &[], &self.sets, &r.sets),
        )?;
        out.csv(DAILY_ENSEMBLE_CSV, r.daily.iter())?;
        if options.charts {
            let charts = crate::plot::ensemble::draw_ensemble_charts(
                r.assumptions(),
                &r.sets,
                self.run.scenario(),
                out.dir(),
            )
            .map_err(Error::other)?;
            out.add(charts);
            // Drawn over the run's fan chart at the central values, under
            // the same names (already listed among the outputs).
            crate::plot::ensemble::draw_ensemble_fan(
                &r.run.results,
                &r.daily,
                self.fan,
                r.assumptions(),
                self.run.scenario(),
                out.dir(),
            )
            .map_err(Error::other)?;
        }
        Ok(())
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        let s = self.run.scenario();
        let mut manifest = Manifest::new(self.run.source(), s, run.threads, run.wall, outputs);
        manifest.analysis = Some(Analysis::Design {
            method: "ensemble".to_string(),
            design_points: self.sets.len(),
            trials_per_point: s.simulation().trials,
            samples: None,
            trajectories: None,
            levels: None,
            uncertainties: self.parameters.iter().map(|p| p.path.clone()).collect(),
        });
        ManifestFile::Scenario(manifest)
    }
}

impl Sharded for EnsembleJob {
    fn spec(&self) -> Spec {
        let s = self.run.scenario().simulation();
        Spec::Ensemble {
            scenario: SourceRecord::of(self.run.source()),
            seed: s.seed,
            trials: s.trials,
            assumptions: self.sets.len() as u64,
            fan: self.fan,
        }
    }

    fn from_spec(spec: &Spec) -> Result<Self> {
        let Spec::Ensemble {
            scenario,
            seed,
            trials,
            assumptions,
            fan,
        } = spec
        else {
            return Err(Error::input("not the partial result of an ensemble"));
        };
        let assumptions = usize::try_from(*assumptions)
            .ok()
            .filter(|&n| n <= crate::sensitivity::design::MAX_SOBOL_SAMPLES)
            .ok_or_else(|| {
                Error::input(format!(
                    "job.assumptions: {assumptions} parameter sets is more than an ensemble holds"
                ))
            })?;
        EnsembleJob::plan(
            scenario.source()?,
            &RunOptions {
                trials: Some(*trials),
                seed: Some(*seed),
                per_trial: false,
            },
            assumptions,
        )
        .map(|job| job.with_fan(*fan))
    }

    fn to_shard(stats: EnsembleStats) -> ShardStats {
        ShardStats::Ensemble(stats)
    }

    fn from_shard(stats: ShardStats) -> Option<EnsembleStats> {
        match stats {
            ShardStats::Ensemble(s) => Some(s),
            _ => None,
        }
    }

    fn check(&self, stats: &EnsembleStats, range: Range<u64>) -> Result<()> {
        let s = self.run.scenario();
        let trials = s.simulation().trials;
        let holds_central = range.start == 0 && range.end > 0;
        match (&stats.central, holds_central) {
            (Some(acc), true) => acc
                .check_against(s, trials)
                .map_err(|field| Error::input(format!("statistics.ensemble.central.{field}")))?,
            (None, false) => {}
            (Some(_), false) => {
                return Err(Error::input(
                    "statistics.ensemble.central: the shard does not hold the central run",
                ));
            }
            (None, true) => {
                return Err(Error::input(
                    "statistics.ensemble.central: missing, but the shard holds the central run",
                ));
            }
        }
        let want = range.end - range.start - u64::from(holds_central);
        if stats.sets.len() as u64 != want {
            return Err(Error::input(format!(
                "statistics.ensemble.sets: {} parameter sets, but the shard holds {want}",
                stats.sets.len()
            )));
        }
        if stats.medians.len() != stats.sets.len() {
            return Err(Error::input(format!(
                "statistics.ensemble.medians: {} parameter sets, but the shard holds {want}",
                stats.medians.len()
            )));
        }
        let horizon = s.simulation().horizon_days as usize;
        for (i, m) in stats.medians.iter().enumerate() {
            if m.outcomes.len() != MEDIANS.len() || m.daily.len() != horizon {
                return Err(Error::input(format!(
                    "statistics.ensemble.medians[{i}]: {} medians and {} days, not {} and \
                     {horizon}",
                    m.outcomes.len(),
                    m.daily.len(),
                    MEDIANS.len()
                )));
            }
        }
        match (&stats.pooled, want) {
            (None, 0) => {}
            (Some(acc), n) if n > 0 => acc
                .check_against(s, trials.saturating_mul(n))
                .map_err(|field| Error::input(format!("statistics.ensemble.pooled.{field}")))?,
            _ => {
                return Err(Error::input(
                    "statistics.ensemble.pooled: present without parameter sets, or missing",
                ));
            }
        }
        let groups_ok = if want == 0 {
            stats.groups.is_empty()
        } else {
            stats.groups.len() == MEDIAN_BATCHES
                && stats.groups.iter().all(|g| g.len() == MEDIANS.len())
        };
        if !groups_ok {
            return Err(Error::input(format!(
                "statistics.ensemble.groups: expected {MEDIAN_BATCHES} groups of {} histograms",
                MEDIANS.len()
            )));
        }
        let half = trials / 2;
        let first_set = range.start.max(1);
        for (i, [a, b]) in stats.sets.iter().enumerate() {
            for (h, sums, n) in [(0, a, half), (1, b, trials - half)] {
                sums.check_against(s, n).map_err(|field| {
                    Error::input(format!(
                        "statistics.ensemble.sets[{i}][{h}].{field} (parameter set {})",
                        first_set + i as u64
                    ))
                })?;
            }
        }
        Ok(())
    }
}

/// The outcomes of an ensemble's `assumptions` block (for printing).
pub fn outcomes(r: &EnsembleResults) -> impl Iterator<Item = &OutcomeLayers> {
    r.assumptions().outcomes.iter()
}

/// The layers of `outcome`, if the ensemble reports it.
pub fn layers_of(r: &EnsembleResults, outcome: Outcome) -> Option<&OutcomeLayers> {
    outcomes(r).find(|l| l.outcome == outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{StreamKeys, run_serial};
    use crate::model::Model;

    fn job(trials: u64, assumptions: usize) -> EnsembleJob {
        EnsembleJob::plan(
            ScenarioSource::builtin(),
            &RunOptions {
                trials: Some(trials),
                seed: Some(11),
                per_trial: false,
            },
            assumptions,
        )
        .unwrap()
    }

    #[test]
    fn the_pooled_statistics_are_one_run_of_every_sets_trials_for_any_split() {
        // 40 sets cross a pooling chunk (32): the pooled statistics must be
        // those of one accumulator fed every trial of every set, whichever
        // way the sets are split between calls, shards and threads.
        let job = job(60, 40);
        let exec = |threads| Exec {
            threads,
            progress: &Silent,
        };
        let whole = job.simulate(0..job.units(), &exec(2)).unwrap();
        let mut want = Accumulator::new(job.central().scenario());
        for set in job.sets() {
            let s = job.evaluator().scenario(set).unwrap();
            let model = Model::new(&s);
            let keys = StreamKeys::new(s.mediator_names());
            // In the two halves a set runs in: the fixed-point daily means
            // of escalation and mediation are summed per block of trials.
            for range in [0..30, 30..60] {
                want.merge(run_serial(&model, &keys, 11, range, Accumulator::new(&s)));
            }
        }
        // The daily changes may be laid out differently after merges in
        // another order (a zero kept in place, for one); the estimates
        // drawn from them must not differ.
        let central = job.central().scenario();
        let finished = |stats: &EnsembleStats| stats.pooled.as_ref().unwrap().finish(central);
        assert_eq!(whole.pooled.as_ref().unwrap().trials(), 60 * 40);
        assert!(finished(&whole) == want.finish(central));
        let mut split = job.simulate(0..7, &exec(1)).unwrap();
        EnsembleJob::merge(&mut split, job.simulate(7..30, &exec(2)).unwrap());
        EnsembleJob::merge(&mut split, job.simulate(30..job.units(), &exec(1)).unwrap());
        assert!(finished(&split) == finished(&whole));
        assert_eq!(split.sets, whole.sets);
        assert_eq!(split.medians, whole.medians);
        assert_eq!(split.groups, whole.groups);
        job.check(&whole, 0..job.units()).unwrap();
        let r = job.finish(whole).unwrap();
        assert_eq!(r.daily.len(), central.simulation().horizon_days as usize);
    }

    #[test]
    fn each_sets_medians_are_those_of_its_own_run() {
        let job = job(200, 3);
        let stats = job
            .simulate(
                0..job.units(),
                &Exec {
                    threads: 1,
                    progress: &Silent,
                },
            )
            .unwrap();
        let s = job.evaluator().scenario(&job.sets()[1]).unwrap();
        let model = Model::new(&s);
        let keys = StreamKeys::new(s.mediator_names());
        let acc = run_serial(&model, &keys, 11, 0..200, Accumulator::new(&s));
        let results = acc.finish(&s);
        let m = &stats.medians[1];
        assert_eq!(
            m.outcomes[0].median,
            results.summary.outcomes.returned_by_deadline.p50
        );
        assert_eq!(
            m.outcomes[1].median,
            results.summary.outcomes.returned_by_horizon.p50
        );
        let daily: Vec<f64> = results.daily.iter().map(|r| r.returned_p50).collect();
        assert_eq!(m.daily, daily);
    }
}
