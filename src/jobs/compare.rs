//! `compare`: configurations side by side, on common random numbers.
//!
//! The job behind `swapsim compare` (and the merge of its shards). Its
//! configurations are a scenario's base and `[[variants]]`, its mediator
//! knock-outs, or several scenario files; trial n of every configuration
//! uses the streams of (seed, n), so paired differences carry far less
//! Monte Carlo noise than independent runs.

use super::shard::{ShardStats, Sharded, SourceRecord, Spec};
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::engine::{self, Configuration, StreamKeys};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::outputs::manifest::ManifestFile;
use crate::outputs::{Identity, Manifest};
use crate::scenario::variants::{self, BASE_NAME};
use crate::scenario::{Scenario, ScenarioSource, error::nearest};
use crate::stats::compare::{CompareAccumulator, ComparedOutcome, Comparison};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One configuration of a comparison.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
}

/// The configuration of a comparison as written to `comparison.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub name: String,
    pub description: String,
    /// Its mediators' names, in the scenario's order.
    pub mediators: Vec<String>,
}

/// `comparison.json`: written by `compare` (and its merge), read back by
/// `report.html`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonFile {
    /// The comparison's title (the page's heading).
    pub title: String,
    /// The reference configuration's name.
    pub reference: String,
    /// Trials per configuration, the same futures in each.
    pub trials: u64,
    pub seed: u64,
    pub configurations: Vec<ConfigInfo>,
    pub outcomes: Vec<ComparedOutcome>,
    pub methods: CompareMethods,
}

/// The estimators behind a comparison, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareMethods {
    pub pairing: Cow<'static, str>,
    pub mean_difference: Cow<'static, str>,
    pub median_difference: Cow<'static, str>,
    pub variance_reduction: Cow<'static, str>,
}

const METHODS: CompareMethods = CompareMethods {
    pairing: Cow::Borrowed(
        "trial n of every configuration uses the random streams of (seed, n): the same escalation, and the same draws wherever the rules agree",
    ),
    mean_difference: Cow::Borrowed("mean of per-trial differences +/- 1.96 paired standard errors"),
    median_difference: Cow::Borrowed(
        "difference of medians +/- t(31) x standard error from 32 batch-median differences (batch = trial mod 32)",
    ),
    variance_reduction: Cow::Borrowed(
        "(variance of the difference of two independent estimates) / (variance of the paired difference)",
    ),
};

#[derive(Debug, Serialize)]
struct TidyRow<'a> {
    configuration: &'a str,
    outcome: &'static str,
    estimate: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    diff: Option<f64>,
    diff_ci_low: Option<f64>,
    diff_ci_high: Option<f64>,
    variance_reduction: Option<f64>,
}

/// What the command line can change in a comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// Compare only these variants of the file, by name.
    pub variants: Vec<String>,
    /// Generate mediator configurations instead of reading variants.
    pub knockout: bool,
    /// Trials of every configuration, overriding the reference file's.
    pub trials: Option<u64>,
    /// Seed, overriding the reference file's.
    pub seed: Option<u64>,
}

/// A comparison ready to simulate: its configurations (reference first),
/// seed and trials.
#[derive(Debug, Clone)]
pub struct CompareJob {
    sources: Vec<ScenarioSource>,
    options: CompareOptions,
    title: String,
    configs: Vec<Config>,
    seed: u64,
    trials: u64,
}

impl CompareJob {
    /// Builds the configurations from the files as read, with the
    /// command line's overrides of trials and seed. `swapsim merge` calls
    /// it with the values a shard recorded, so it depends on nothing else.
    pub fn plan(sources: Vec<ScenarioSource>, options: &CompareOptions) -> Result<CompareJob> {
        if sources.is_empty() {
            return Err(Error::input(
                "a comparison needs at least one scenario file",
            ));
        }
        let (title, mut configs) = configurations(&sources, &options.variants, options.knockout)?;
        if let Some(n) = options.trials {
            for c in &mut configs {
                c.scenario = c.scenario.clone().with_trials(n).map_err(Error::input)?;
            }
        }
        check_comparable(&configs)?;
        let reference = &configs[0].scenario;
        let seed = options.seed.unwrap_or(reference.simulation().seed);
        let trials = reference.simulation().trials;
        for c in &mut configs {
            c.scenario = c
                .scenario
                .clone()
                .with_seed(seed)
                .with_trials(trials)
                .map_err(Error::input)?;
        }
        Ok(CompareJob {
            sources,
            options: CompareOptions {
                trials: Some(trials),
                seed: Some(seed),
                ..options.clone()
            },
            title,
            configs,
            seed,
            trials,
        })
    }

    /// The chart and terminal title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The configurations, reference first.
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    fn scenarios(&self) -> Vec<&Scenario> {
        self.configs.iter().map(|c| &c.scenario).collect()
    }

    /// The scenario files, reference first.
    pub fn sources(&self) -> &[ScenarioSource] {
        &self.sources
    }

    /// Whether the configurations are the mediator knock-out.
    pub fn knockout(&self) -> bool {
        self.options.knockout
    }

    fn stem(&self) -> &str {
        &self.sources[0].stem
    }
}

impl Job for CompareJob {
    type Stats = CompareAccumulator;
    type Results = Comparison;

    fn command(&self) -> &'static str {
        "compare"
    }

    fn units(&self) -> u64 {
        self.trials
    }

    /// `output/<file>-compare/` for a file's variants, `<file>-knockout/`
    /// for its knock-outs, `<file>-vs-<file>.../` for several files, so that
    /// different comparisons of one file never share a folder.
    fn default_dir(&self) -> PathBuf {
        let name = if self.sources.len() > 1 {
            self.sources
                .iter()
                .map(|s| s.stem.as_str())
                .collect::<Vec<_>>()
                .join("-vs-")
        } else if self.options.knockout {
            format!("{}-knockout", self.stem())
        } else {
            format!("{}-compare", self.stem())
        };
        Path::new("output").join(name)
    }

    fn identity(&self) -> Identity {
        let files: Vec<&str> = self.sources.iter().map(|s| s.stem.as_str()).collect();
        let mut details = vec![("scenario files", files.join(", "))];
        if self.options.knockout {
            details.push(("configurations", "mediator knock-out".to_string()));
        } else if !self.options.variants.is_empty() {
            details.push(("variants", self.options.variants.join(", ")));
        }
        Identity::new("compare", details)
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<CompareAccumulator> {
        let scenarios = self.scenarios();
        let models: Vec<Model> = scenarios.iter().map(|s| Model::new(s)).collect();
        let keys: Vec<StreamKeys> = scenarios
            .iter()
            .map(|s| StreamKeys::new(s.mediator_names()))
            .collect();
        let runs: Vec<Configuration> = models
            .iter()
            .zip(&keys)
            .map(|(model, keys)| Configuration { model, keys })
            .collect();
        engine::run_paired(
            &runs,
            self.seed,
            range,
            Some(exec.threads),
            || CompareAccumulator::new(&scenarios),
            &|done| exec.progress.advance(done),
        )
        .map_err(Error::other)
    }

    fn merge(into: &mut CompareAccumulator, from: CompareAccumulator) {
        use crate::engine::PairedSink;
        into.merge(from);
    }

    fn finish(&self, acc: CompareAccumulator) -> Result<Comparison> {
        if acc.trials() != self.trials {
            return Err(Error::input(format!(
                "the statistics hold {} trials, not the {} of the comparison",
                acc.trials(),
                self.trials
            )));
        }
        let names: Vec<String> = self.configs.iter().map(|c| c.name.clone()).collect();
        Ok(acc.finish(&names, &self.scenarios()))
    }

    fn write(&self, cmp: &Comparison, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        write_comparison(cmp, &self.configs, &self.title, self.seed, out)?;
        if options.charts {
            let charts = crate::plot::compare::draw_compare_charts(
                cmp,
                &self.configs[0].scenario,
                &self.title,
                out.dir(),
            )
            .map_err(Error::other)?;
            out.add(charts);
        }
        Ok(())
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        let mut manifest = Manifest::new(
            &self.sources[0],
            &self.configs[0].scenario,
            run.threads,
            run.wall,
            outputs,
        );
        manifest.configurations = self.configs.iter().map(|c| c.name.clone()).collect();
        ManifestFile::Scenario(manifest)
    }
}

impl Sharded for CompareJob {
    fn spec(&self) -> Spec {
        Spec::Compare {
            scenarios: self.sources.iter().map(SourceRecord::of).collect(),
            variants: self.options.variants.clone(),
            knockout: self.options.knockout,
            seed: self.seed,
            trials: self.trials,
        }
    }

    fn from_spec(spec: &Spec) -> Result<Self> {
        let Spec::Compare {
            scenarios,
            variants,
            knockout,
            seed,
            trials,
        } = spec
        else {
            return Err(Error::input("not the partial result of a comparison"));
        };
        let sources = scenarios
            .iter()
            .map(SourceRecord::source)
            .collect::<Result<Vec<_>>>()?;
        CompareJob::plan(
            sources,
            &CompareOptions {
                variants: variants.clone(),
                knockout: *knockout,
                trials: Some(*trials),
                seed: Some(*seed),
            },
        )
    }

    fn to_shard(stats: CompareAccumulator) -> ShardStats {
        ShardStats::Compare(stats)
    }

    fn from_shard(stats: ShardStats) -> Option<CompareAccumulator> {
        match stats {
            ShardStats::Compare(acc) => Some(acc),
            _ => None,
        }
    }

    fn check(&self, stats: &CompareAccumulator, range: Range<u64>) -> Result<()> {
        stats
            .check_against(&self.scenarios(), range.end - range.start)
            .map_err(|field| Error::input(format!("statistics.compare.{field}")))
    }
}

/// The configurations to compare, reference first, with a title for
/// charts: the files themselves if there are several, otherwise the base
/// of the one file and its variants, or its mediator knock-out.
fn configurations(
    sources: &[ScenarioSource],
    variants: &[String],
    knockout: bool,
) -> Result<(String, Vec<Config>)> {
    if sources.len() >= 2 {
        if knockout || !variants.is_empty() {
            return Err(Error::input(
                "--knockout and --variants apply to one scenario file; with several files, the \
                 files themselves are the configurations",
            ));
        }
        let mut configs: Vec<Config> = Vec::new();
        for source in sources {
            let scenario = source.parse()?;
            let mut name = source.stem.clone();
            if configs.iter().any(|c| c.name == name) {
                name = format!("{name} ({})", configs.len() + 1);
            }
            configs.push(Config {
                name,
                description: scenario.name().to_string(),
                scenario,
            });
        }
        let title = format!("{}: scenario files", configs[0].scenario.name());
        return Ok((title, configs));
    }
    let source = &sources[0];
    let set = variants::parse_set(&source.text, &source.display_name)?;
    if knockout {
        if !variants.is_empty() {
            return Err(Error::input(
                "use either --knockout or --variants, not both",
            ));
        }
        let title = format!("{}: mediator knock-out", set.base.name());
        return Ok((title, knockout_configs(&set.base)?));
    }
    if set.variants.is_empty() {
        return Err(Error::input(format!(
            "{} has no [[variants]] tables to compare: add some (see the README, \"Comparing \
             configurations\"), or use --knockout",
            source.display_name
        )));
    }
    let available: Vec<&str> = set.variants.iter().map(|v| v.name.as_str()).collect();
    for wanted in variants {
        if !available.contains(&wanted.as_str()) {
            let hint = nearest(wanted, available.iter().copied())
                .map(|g| format!(" (did you mean {g:?}?)"))
                .unwrap_or_default();
            return Err(Error::input(format!(
                "--variants: {} has no variant named {wanted:?}{hint}; variants: {}",
                source.display_name,
                available
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut configs = vec![Config {
        name: BASE_NAME.to_string(),
        description: set.base.name().to_string(),
        scenario: set.base.clone(),
    }];
    configs.extend(
        set.variants
            .into_iter()
            .filter(|v| variants.is_empty() || variants.contains(&v.name))
            .map(|v| Config {
                name: v.name,
                description: v.description,
                scenario: v.scenario,
            }),
    );
    let title = set.base.name().to_string();
    Ok((title, configs))
}

/// All mediators, each alone, all but each, and none, without repeating a
/// set of mediators already listed.
pub fn knockout_configs(base: &Scenario) -> Result<Vec<Config>> {
    let names: Vec<String> = base
        .mediation()
        .mediators
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let keep =
        |label: String, description: String, kept: &dyn Fn(&str) -> bool| -> Result<Config> {
            let s = base
                .rebuilt(|r| r.mediation.mediators.retain(|m| kept(&m.name)))
                .map_err(Error::from)?;
            Ok(Config {
                name: label,
                description,
                scenario: s,
            })
        };
    let mut out = vec![keep(
        "all mediators".to_string(),
        format!("{} (reference)", names.join(" and ")),
        &|_| true,
    )?];
    for n in &names {
        out.push(keep(
            format!("only {n}"),
            format!("{n}'s channel alone"),
            &|m| m == n,
        )?);
    }
    for n in &names {
        out.push(keep(
            format!("without {n}"),
            format!("every channel but {n}'s"),
            &|m| m != n,
        )?);
    }
    out.push(keep(
        "no mediators".to_string(),
        "no channel open: no round can take place where rounds need a mediator".to_string(),
        &|_| false,
    )?);
    let mut seen: Vec<Vec<String>> = Vec::new();
    out.retain(|c| {
        let set: Vec<String> = c
            .scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let new = !seen.contains(&set);
        seen.push(set);
        new
    });
    Ok(out)
}

/// Paired comparison needs the same days: horizon, start date and deadline
/// must agree.
fn check_comparable(configs: &[Config]) -> Result<()> {
    let r = &configs[0].scenario;
    for c in &configs[1..] {
        let s = &c.scenario;
        let same = s.simulation().horizon_days == r.simulation().horizon_days
            && s.simulation().start_date == r.simulation().start_date
            && s.target().deadline == r.target().deadline;
        if !same {
            return Err(Error::input(format!(
                "configuration {:?} does not share the reference's days (horizon {} days from \
                 {}, deadline {}): compared configurations must have the same horizon_days, \
                 start_date and deadline",
                c.name,
                r.simulation().horizon_days,
                r.simulation().start_date,
                r.target().deadline
            )));
        }
    }
    Ok(())
}

/// Writes comparison.json, comparison.csv and differences.csv.
fn write_comparison(
    cmp: &Comparison,
    configs: &[Config],
    title: &str,
    seed: u64,
    out: &mut Outputs,
) -> Result<()> {
    let file = ComparisonFile {
        title: title.to_string(),
        reference: configs[0].name.clone(),
        trials: cmp.trials,
        seed,
        configurations: configs
            .iter()
            .map(|c| ConfigInfo {
                name: c.name.clone(),
                description: c.description.clone(),
                mediators: c
                    .scenario
                    .mediation()
                    .mediators
                    .iter()
                    .map(|m| m.name.clone())
                    .collect(),
            })
            .collect(),
        outcomes: cmp.outcomes.clone(),
        methods: METHODS,
    };
    out.json("comparison.json", &file)?;
    let rows = cmp.outcomes.iter().map(|o| TidyRow {
        configuration: &o.configuration,
        outcome: o.outcome.statistic(),
        estimate: o.estimate,
        ci_low: o.ci95[0],
        ci_high: o.ci95[1],
        diff: o.diff,
        diff_ci_low: o.diff_ci95[0],
        diff_ci_high: o.diff_ci95[1],
        variance_reduction: o.variance_reduction,
    });
    out.csv("comparison.csv", rows)?;
    out.csv("differences.csv", &cmp.differences)
}
