//! Shards: a job split into parts that run anywhere, and merged into the
//! outputs of the unsharded job.
//!
//! A shard runs a contiguous range of a job's units (whole blocks of
//! trials, or design points) and writes `partial.json`: the job itself (the
//! scenario files' text and every option that shapes the result) and the
//! exact statistics of its range. [`merge`] rebuilds the job from the first
//! partial, checks that every partial belongs to the same job and holds
//! exactly its range, adds the statistics and finishes as the unsharded job
//! would, so the merged files are the same bytes.
//!
//! A `partial.json` comes from a cluster, a colleague or an edited folder,
//! so it is read as untrusted input: its size is bounded, every field is
//! checked against the job before it sizes an array or a loop, and the
//! output directory comes from the command line, never from the file.

use super::{Done, Exec, Job, RunInfo, WriteOptions, complete, simulate_all};
use crate::engine;
use crate::error::{Error, Result};
use crate::outputs::{self, Staging, files};
use crate::scenario::ScenarioSource;
use crate::scenario::path_file::PathFile;
use crate::sensitivity::outcomes::KeySums;
use crate::stats::Accumulator;
use crate::stats::compare::CompareAccumulator;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The format name and version of `partial.json`. Version 3 checks every
/// field on reading; version 4 holds histograms in fixed log-linear bins
/// (daily changes as sparse `[bin, change]` pairs). Partials of other
/// versions are refused.
pub const PARTIAL_FORMAT: &str = "swapsim-partial";
pub const PARTIAL_VERSION: u32 = 4;

/// Largest `partial.json` read (bytes): far above any real shard (a
/// shard of a 10-year run is a few megabytes), far below what would strain
/// memory.
pub const MAX_PARTIAL_BYTES: u64 = 256 << 20;

/// Most shards a job may be split into.
pub const MAX_SHARDS: u64 = 100_000;

/// A scenario file as it was read: enough to rebuild the job without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// The file as named on the command line.
    pub file: String,
    /// Its name without directory and extension.
    pub stem: String,
    /// Its text, comments included (a path file's rows inline).
    pub text: String,
    /// SHA-256 of the text.
    pub sha256: String,
    /// The path file that `[escalation] path` named, as read: kept so that
    /// shards that read different files are told apart and the file's
    /// text is on record; `merge` never reads the file again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_file: Option<PathFile>,
}

impl SourceRecord {
    pub fn of(source: &ScenarioSource) -> Self {
        SourceRecord {
            file: source.display_name.clone(),
            stem: source.stem.clone(),
            text: source.text.clone(),
            sha256: outputs::sha256_hex(&source.text),
            path_file: source.path_file.clone(),
        }
    }

    /// The source, after checking that the text is the one hashed (a
    /// damaged or edited shard is named as such rather than as a scenario
    /// with errors).
    pub fn source(&self) -> Result<ScenarioSource> {
        if outputs::sha256_hex(&self.text) != self.sha256 {
            return Err(Error::input(
                "job.scenario.sha256: the scenario text does not match its hash: the partial \
                 result was edited or damaged",
            ));
        }
        if self.path_file.as_ref().is_some_and(|p| !p.is_intact()) {
            return Err(Error::input(
                "job.scenario.path_file.sha256: the path file's text does not match its hash: \
                 the partial result was edited or damaged",
            ));
        }
        Ok(ScenarioSource {
            display_name: self.file.clone(),
            stem: crate::scenario::safe_path_component(&self.stem),
            text: self.text.clone(),
            path_file: self.path_file.clone(),
        })
    }
}

/// What a sharded job computes: the same in every shard of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Spec {
    /// `swapsim run --shard`: trials of one scenario.
    Run {
        scenario: SourceRecord,
        seed: u64,
        /// Trials of the whole run, all shards together.
        trials: u64,
    },
    /// `swapsim compare --shard`: trials of every configuration.
    Compare {
        /// The files compared (one file with variants, or several files).
        scenarios: Vec<SourceRecord>,
        /// `--variants`, as given.
        variants: Vec<String>,
        /// `--knockout`.
        knockout: bool,
        seed: u64,
        trials: u64,
    },
    /// `swapsim sensitivity --shard`: design points of one design.
    Sensitivity {
        scenario: SourceRecord,
        /// `tornado`, `sobol` or `morris`.
        method: String,
        /// Sobol base samples; Morris trajectories and levels (null where
        /// the method has none).
        samples: Option<usize>,
        trajectories: Option<usize>,
        levels: Option<usize>,
        /// Trials at every design point.
        inner_trials: u64,
        seed: u64,
        /// Design points of the whole design, all shards together.
        design_points: u64,
    },
    /// `swapsim run --shard` of a scenario with `[uncertainties]`: the
    /// central run, then the parameter sets.
    Ensemble {
        scenario: SourceRecord,
        seed: u64,
        /// Trials of the central run and of every parameter set.
        trials: u64,
        /// Parameter sets (`--assumptions`).
        assumptions: u64,
        /// What the fan chart draws (`--fan`). A partial written before
        /// the field existed reads as `predictive`, the only fan its merge
        /// could draw.
        #[serde(default)]
        fan: super::ensemble::Fan,
    },
    /// `swapsim compare --assumptions N --shard`: the comparison at the
    /// central values, then the parameter sets, every configuration at
    /// each.
    Robust {
        /// The files compared (one file with variants, or several files).
        scenarios: Vec<SourceRecord>,
        /// `--variants`, as given.
        variants: Vec<String>,
        /// `--knockout`.
        knockout: bool,
        seed: u64,
        /// Trials of the central comparison and of every configuration at
        /// every parameter set.
        trials: u64,
        /// Parameter sets (`--assumptions`).
        assumptions: u64,
    },
}

impl Spec {
    /// The command that made it.
    pub fn command(&self) -> &'static str {
        match self {
            Spec::Run { .. } => "run",
            Spec::Compare { .. } => "compare",
            Spec::Sensitivity { .. } => "sensitivity",
            Spec::Ensemble { .. } => "run",
            Spec::Robust { .. } => "compare",
        }
    }

    /// Trials (run, compare) or design points (sensitivity) of the whole
    /// job: what the shards divide.
    pub fn units(&self) -> u64 {
        match self {
            Spec::Run { trials, .. } | Spec::Compare { trials, .. } => *trials,
            Spec::Sensitivity { design_points, .. } => *design_points,
            // The central run is unit 0.
            Spec::Ensemble { assumptions, .. } | Spec::Robust { assumptions, .. } => {
                assumptions.saturating_add(1)
            }
        }
    }

    /// What a shard divides, for messages.
    pub fn unit_name(&self) -> &'static str {
        match self {
            Spec::Sensitivity { .. } => "design points",
            Spec::Ensemble { .. } | Spec::Robust { .. } => "parameter sets",
            _ => "trials",
        }
    }

    /// The contiguous range shard `k` (1-based) of `n` holds.
    pub fn shard_range(&self, k: u64, n: u64) -> Range<u64> {
        match self {
            Spec::Sensitivity { design_points, .. } => point_range(*design_points, k, n),
            Spec::Ensemble { .. } | Spec::Robust { .. } => point_range(self.units(), k, n),
            _ => engine::shard_range(self.units(), k, n),
        }
    }

    /// The scenario files' SHA-256 hashes.
    fn scenario_hashes(&self) -> Vec<&str> {
        match self {
            Spec::Run { scenario, .. }
            | Spec::Sensitivity { scenario, .. }
            | Spec::Ensemble { scenario, .. } => {
                vec![scenario.sha256.as_str()]
            }
            Spec::Compare { scenarios, .. } | Spec::Robust { scenarios, .. } => {
                scenarios.iter().map(|s| s.sha256.as_str()).collect()
            }
        }
    }

    fn seed(&self) -> u64 {
        match self {
            Spec::Run { seed, .. }
            | Spec::Compare { seed, .. }
            | Spec::Sensitivity { seed, .. }
            | Spec::Ensemble { seed, .. }
            | Spec::Robust { seed, .. } => *seed,
        }
    }

    /// The first way in which `other` is a different job, in words, or
    /// `None` if it is the same job.
    pub fn difference(&self, other: &Spec) -> Option<&'static str> {
        if self == other {
            return None;
        }
        if std::mem::discriminant(self) != std::mem::discriminant(other) {
            // `run` and `run --assumptions N` are one command of two kinds.
            return Some(if self.command() == other.command() {
                "number of parameter sets (--assumptions)"
            } else {
                "command (run, compare or sensitivity)"
            });
        }
        if self.scenario_hashes() != other.scenario_hashes() {
            return Some("scenario file");
        }
        if self.seed() != other.seed() {
            return Some("seed");
        }
        Some(match (self, other) {
            (
                Spec::Sensitivity {
                    method: ma,
                    inner_trials: ia,
                    ..
                },
                Spec::Sensitivity {
                    method: mb,
                    inner_trials: ib,
                    ..
                },
            ) => {
                if ma != mb {
                    "method"
                } else if ia != ib {
                    "number of inner trials"
                } else {
                    "design (--samples, --trajectories or --levels)"
                }
            }
            (Spec::Ensemble { trials: ta, .. }, Spec::Ensemble { trials: tb, .. })
            | (Spec::Robust { trials: ta, .. }, Spec::Robust { trials: tb, .. })
                if ta != tb =>
            {
                "number of trials"
            }
            (
                Spec::Ensemble {
                    assumptions: aa, ..
                },
                Spec::Ensemble {
                    assumptions: ab, ..
                },
            )
            | (
                Spec::Robust {
                    assumptions: aa, ..
                },
                Spec::Robust {
                    assumptions: ab, ..
                },
            ) if aa != ab => "number of parameter sets (--assumptions)",
            // The chart is drawn by the merge, so its shards must agree on
            // it as on the numbers.
            (Spec::Ensemble { fan: fa, .. }, Spec::Ensemble { fan: fb, .. }) if fa != fb => {
                "fan chart (--fan predictive or median-across)"
            }
            (Spec::Robust { .. }, _) => {
                "set of configurations (--variants, --knockout or the files' names)"
            }
            _ if self.units() != other.units() => "number of trials",
            (Spec::Compare { .. }, _) => {
                "set of configurations (--variants, --knockout or the files' names)"
            }
            _ => "scenario file's name",
        })
    }
}

/// The exact statistics of one shard, of the kind its job computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardStats {
    Run(Box<Accumulator>),
    Compare(CompareAccumulator),
    /// The key outcomes' sums at each design point of the shard, in design
    /// order.
    Sensitivity(Vec<KeySums>),
    /// The central run (in the shard holding unit 0) and each parameter
    /// set's sums, in set order.
    Ensemble(super::ensemble::EnsembleStats),
    /// The central comparison (in the shard holding unit 0) and, per
    /// parameter set in order, each configuration's sums.
    Robust(super::robust::RobustStats),
}

/// The result of one shard, written as `partial.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// Always [`PARTIAL_FORMAT`].
    pub format: String,
    /// [`PARTIAL_VERSION`].
    pub format_version: u32,
    pub swapsim_version: String,
    /// This shard, 1-based, and the number of shards.
    pub shard: u64,
    pub shards: u64,
    /// The trials (run, compare) or design points (sensitivity) of this
    /// shard, `[first, end)`.
    pub first: u64,
    pub end: u64,
    pub job: Spec,
    pub statistics: ShardStats,
    /// The file it was read from, to name in messages; not written.
    #[serde(skip)]
    pub file: PathBuf,
}

impl Partial {
    /// A partial of this version of swapsim.
    pub fn new(
        job: Spec,
        (shard, shards): (u64, u64),
        range: Range<u64>,
        statistics: ShardStats,
    ) -> Self {
        Partial {
            format: PARTIAL_FORMAT.to_string(),
            format_version: PARTIAL_VERSION,
            swapsim_version: env!("CARGO_PKG_VERSION").to_string(),
            shard,
            shards,
            first: range.start,
            end: range.end,
            job,
            statistics,
            file: PathBuf::new(),
        }
    }
}

/// Shard `k` (1-based) of `n` of `count` design points: a contiguous run,
/// shards differing in size by at most one point.
pub fn point_range(count: u64, k: u64, n: u64) -> Range<u64> {
    // In 128 bits, so that no count or shard number can overflow.
    let at = |i: u64| (u128::from(i) * u128::from(count) / u128::from(n.max(1))) as u64;
    at(k - 1)..at(k)
}

/// A job that can be split into shards and merged.
pub trait Sharded: Job + Sized {
    /// What shards record of the job.
    fn spec(&self) -> Spec;
    /// The job a shard recorded, planned again from its record alone.
    fn from_spec(spec: &Spec) -> Result<Self>;
    /// The statistics as a shard writes them.
    fn to_shard(stats: Self::Stats) -> ShardStats;
    /// The statistics of a shard of this kind of job, if they are.
    fn from_shard(stats: ShardStats) -> Option<Self::Stats>;
    /// Checks statistics read from a file against the job and the range
    /// they claim to hold; the error names the field.
    fn check(&self, stats: &Self::Stats, range: Range<u64>) -> Result<()>;
}

/// A shard written.
#[derive(Debug)]
pub struct ShardDone {
    pub partial: Partial,
    pub dir: PathBuf,
}

/// Where shard `k` of `n` of `job` writes by default: beside the job's own
/// directory, named after it.
pub fn shard_dir<J: Job>(job: &J, (k, n): (u64, u64)) -> PathBuf {
    let mut dir = job.default_dir();
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.set_file_name(format!("{name}-shard-{k}-of-{n}"));
    dir
}

/// Runs shard `k` of `n` of `job` and writes its `partial.json` and a
/// manifest into `target` (or [`shard_dir`]).
pub fn run_shard<J: Sharded>(
    job: &J,
    (k, n): (u64, u64),
    target: Option<&Path>,
    exec: &Exec,
) -> Result<ShardDone> {
    if k == 0 || k > n || n > MAX_SHARDS {
        return Err(Error::input(format!(
            "shard {k} of {n} does not exist: write K/N with 1 <= K <= N <= {MAX_SHARDS}"
        )));
    }
    let target = target.map_or_else(|| shard_dir(job, (k, n)), Path::to_path_buf);
    let mut identity = job.identity();
    identity
        .details
        .push(("shard".to_string(), format!("{k} of {n}")));
    // A shard folder holds one shard; rerunning it replaces it.
    let staging = Staging::open(&target, identity, true)?;
    let spec = job.spec();
    let range = spec.shard_range(k, n);
    let started = Instant::now();
    let stats = simulate_all(job, range.clone(), exec)?;
    let run = RunInfo {
        threads: exec.threads,
        wall: started.elapsed().as_secs_f64(),
    };
    let partial = Partial::new(spec, (k, n), range, J::to_shard(stats));
    let dir = staging.path();
    outputs::write_json_compact(&dir.join(files::PARTIAL_JSON), &partial)?;
    let names = vec![
        files::PARTIAL_JSON.to_string(),
        files::MANIFEST_JSON.to_string(),
    ];
    outputs::write_json(&dir.join(files::MANIFEST_JSON), &job.manifest(&run, names))?;
    let dir = staging.commit()?;
    Ok(ShardDone { partial, dir })
}

/// Reads a partial result from a shard directory or a `partial.json`,
/// as untrusted input.
pub fn read_partial(path: &Path) -> Result<(PathBuf, Partial)> {
    let file = if path.is_dir() {
        path.join(files::PARTIAL_JSON)
    } else {
        path.to_path_buf()
    };
    if path.is_dir() && !file.exists() {
        return Err(Error::input(format!(
            "{} is not a shard's directory: it has no {} (shards are written by run, compare \
             or sensitivity with --shard K/N)",
            path.display(),
            files::PARTIAL_JSON
        )));
    }
    let meta = std::fs::metadata(&file)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Error::input(format!(
            "{} is not a regular file: give a shard's directory or its {}",
            file.display(),
            files::PARTIAL_JSON
        )));
    }
    if meta.len() > MAX_PARTIAL_BYTES {
        return Err(Error::input(format!(
            "{} is {} bytes, more than any partial result ({} at most): it is not one",
            file.display(),
            meta.len(),
            MAX_PARTIAL_BYTES
        )));
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", file.display())))?;
    let not_partial = |e: serde_json::Error| {
        Error::input(format!(
            "{} is not a swapsim partial result: {e}",
            file.display()
        ))
    };
    // The format and version first, so that a partial of another version is
    // named as such rather than as unreadable.
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        format_version: Option<u64>,
    }
    let header: Header = serde_json::from_str(&text).map_err(not_partial)?;
    if header.format.as_deref() != Some(PARTIAL_FORMAT)
        || header.format_version != Some(u64::from(PARTIAL_VERSION))
    {
        return Err(Error::input(format!(
            "{} is not a swapsim partial result of format {PARTIAL_FORMAT} version \
             {PARTIAL_VERSION} (it has format {}, version {}); this swapsim merges that version \
             only",
            file.display(),
            header.format.as_deref().unwrap_or("none"),
            header
                .format_version
                .map_or_else(|| "none".to_string(), |v| v.to_string())
        )));
    }
    // Through serde_path_to_error, so that a damaged value (a float or a
    // string where a count belongs, a number beyond its type) is named by
    // its place in the file, as the checks after reading name theirs.
    let partial: Partial = serde_path_to_error::deserialize(
        &mut serde_json::Deserializer::from_str(&text),
    )
    .map_err(|e| {
        Error::input(format!(
            "{} is not a swapsim partial result: {}: {}",
            file.display(),
            e.path(),
            e.inner()
        ))
    })?;
    let partial = Partial {
        file: file.clone(),
        ..partial
    };
    Ok((file, partial))
}

/// Checks that the partials are all the shards of one job, each once, each
/// holding exactly its range, and returns them in shard order.
pub fn check_shards(mut partials: Vec<(PathBuf, Partial)>) -> Result<Vec<Partial>> {
    let Some((first_file, first)) = partials.first() else {
        return Err(Error::input("no partial results given"));
    };
    let shards = first.shards;
    if shards == 0 || shards > MAX_SHARDS {
        return Err(Error::input(format!(
            "{}: shards: {shards} is not a number of shards (1 to {MAX_SHARDS})",
            first_file.display()
        )));
    }
    for (file, p) in &partials[1..] {
        // What was run first: it says more than how it was split.
        let what = first.job.difference(&p.job).or(if p.shards != shards {
            Some("number of shards")
        } else if p.swapsim_version != first.swapsim_version {
            Some("swapsim version")
        } else {
            None
        });
        if let Some(what) = what {
            return Err(Error::input(format!(
                "{} and {} come from different runs: the {what} differs",
                first_file.display(),
                file.display()
            )));
        }
    }
    if partials.len() as u64 > shards {
        return Err(Error::input(format!(
            "{} partial results were given for a job of {shards} shards",
            partials.len()
        )));
    }
    let mut given: std::collections::BTreeMap<u64, &Path> = std::collections::BTreeMap::new();
    for (file, p) in &partials {
        if p.shard == 0 || p.shard > shards {
            return Err(Error::input(format!(
                "{}: shard: it claims to be shard {} of {shards}",
                file.display(),
                p.shard
            )));
        }
        let range = p.job.shard_range(p.shard, shards);
        if (p.first, p.end) != (range.start, range.end) {
            return Err(Error::input(format!(
                "{}: first, end: it holds {} {} to {}, but shard {} of {shards} is {} to {}",
                file.display(),
                p.job.unit_name(),
                p.first,
                p.end,
                p.shard,
                range.start,
                range.end
            )));
        }
        if let Some(earlier) = given.insert(p.shard, file) {
            return Err(Error::input(format!(
                "shard {} of {shards} is given twice: {} and {}",
                p.shard,
                earlier.display(),
                file.display()
            )));
        }
    }
    if given.len() as u64 != shards {
        let absent: Vec<String> = (1..=shards)
            .filter(|s| !given.contains_key(s))
            .take(20)
            .map(|s| s.to_string())
            .collect();
        let more = if shards - given.len() as u64 > 20 {
            ", ..."
        } else {
            ""
        };
        return Err(Error::input(format!(
            "shards {}{more} of {shards} are missing; merge needs all of them",
            absent.join(", ")
        )));
    }
    partials.sort_by_key(|(_, p)| p.shard);
    Ok(partials.into_iter().map(|(_, p)| p).collect())
}

/// Where merged shards go without `--out`: the first shard's directory as
/// named on the command line, less its `-shard-K-of-N` suffix.
pub fn merged_dir(first: &Path) -> Result<PathBuf> {
    let names_a_file =
        first.is_file() || first.file_name().is_some_and(|n| n == files::PARTIAL_JSON);
    let dir = if names_a_file {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        first.to_path_buf()
    };
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name
        .rsplit_once("-shard-")
        .filter(|(_, tail)| {
            tail.split_once("-of-").is_some_and(|(k, n)| {
                !k.is_empty()
                    && !n.is_empty()
                    && k.bytes().all(|b| b.is_ascii_digit())
                    && n.bytes().all(|b| b.is_ascii_digit())
            })
        })
        .map(|(stem, _)| stem)
        .filter(|stem| !stem.is_empty());
    match stem {
        Some(stem) => Ok(dir.with_file_name(stem)),
        None => Err(Error::input(format!(
            "cannot tell where to write the merged results: {} is not named like a shard's \
             directory (NAME-shard-K-of-N); give --out DIR",
            dir.display()
        ))),
    }
}

/// A merge done.
#[derive(Debug)]
pub struct Merged {
    pub command: &'static str,
    pub shards: usize,
    pub units: u64,
    pub unit_name: &'static str,
    pub dir: PathBuf,
    /// Per simulated scenario (a configuration's name, or empty for a
    /// run): trials in which a round reached the size cap, and trials.
    pub round_cap: Vec<RoundCap>,
}

/// How often rounds of one scenario reached the size cap of
/// `model::MAX_ROUND_PEOPLE` people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundCap {
    /// A configuration's name; empty for the scenario of a run.
    pub label: String,
    /// Trials in which at least one round reached the cap.
    pub trials_at_cap: u64,
    /// Trials simulated.
    pub trials: u64,
    /// Where `summary.json` holds the count.
    pub field: &'static str,
}

impl RoundCap {
    /// The count of a run's results.
    pub fn of_run(r: &crate::stats::Results) -> RoundCap {
        RoundCap {
            label: String::new(),
            trials_at_cap: r.summary.trials_at_round_cap,
            trials: r.summary.trials,
            field: "trials_at_round_cap",
        }
    }

    /// The counts of an ensemble: its run at the central values, then
    /// every trial of its parameter sets together.
    pub fn of_ensemble(r: &super::ensemble::EnsembleResults) -> Vec<RoundCap> {
        let central = RoundCap::of_run(&r.run.results);
        let sets = RoundCap {
            label: "the parameter sets".to_string(),
            trials_at_cap: r.assumptions().trials_at_round_cap,
            trials: r.pooled.summary.trials,
            field: "assumptions.trials_at_round_cap",
        };
        vec![central, sets]
    }

    /// The counts of each configuration of a comparison.
    pub fn of_comparison(c: &crate::stats::compare::Comparison) -> Vec<RoundCap> {
        c.names
            .iter()
            .zip(&c.runs)
            .map(|(name, r)| RoundCap {
                label: name.clone(),
                ..RoundCap::of_run(r)
            })
            .collect()
    }
}

/// Merges checked shards of one kind of job into its outputs.
pub fn merge_as<J: Sharded>(
    partials: Vec<Partial>,
    target: &Path,
    options: &WriteOptions,
) -> Result<Done<J::Results>> {
    let spec = &partials[0].job;
    let job = J::from_spec(spec)?;
    if job.units() != spec.units() {
        return Err(Error::input(format!(
            "job: the partial results describe {} {}, but the job they record has {}",
            spec.units(),
            spec.unit_name(),
            job.units()
        )));
    }
    let staging = Staging::open(target, job.identity(), options.force)?;
    let started = Instant::now();
    let mut merged: Option<J::Stats> = None;
    for p in partials {
        let range = p.first..p.end;
        let stats = J::from_shard(p.statistics).ok_or_else(|| {
            Error::input(format!(
                "statistics: a partial result of `swapsim {}` holds statistics of another command",
                job.command()
            ))
        })?;
        job.check(&stats, range).map_err(|e| {
            e.context(format!(
                "{} (shard {} of {})",
                p.file.display(),
                p.shard,
                p.shards
            ))
        })?;
        match &mut merged {
            None => merged = Some(stats),
            Some(m) => J::merge(m, stats),
        }
    }
    let stats = merged.ok_or_else(|| Error::input("no partial results given"))?;
    let run = RunInfo {
        threads: 1,
        wall: started.elapsed().as_secs_f64(),
    };
    complete(&job, stats, staging, run, options)
}

/// What `swapsim merge` asked for.
#[derive(Debug, Clone)]
pub struct MergeRequest<'a> {
    /// Shard directories or their `partial.json` files.
    pub partials: &'a [PathBuf],
    /// Output directory; by default [`merged_dir`] of the first shard.
    pub out: Option<&'a Path>,
    pub options: WriteOptions,
}

/// Reads and checks the shards of one job; returns them in shard order
/// with the directory to write to.
pub fn prepare(request: &MergeRequest) -> Result<(Vec<Partial>, PathBuf)> {
    let first = request
        .partials
        .first()
        .ok_or_else(|| Error::input("no partial results given"))?;
    let mut partials = Vec::with_capacity(request.partials.len());
    for p in request.partials {
        partials.push(read_partial(p)?);
    }
    let partials = check_shards(partials)?;
    let target = match request.out {
        Some(out) => out.to_path_buf(),
        None => merged_dir(first)?,
    };
    Ok((partials, target))
}

/// Merges checked shards of any job into the outputs of the unsharded job
/// (`swapsim merge`).
pub fn merge(partials: Vec<Partial>, target: &Path, options: &WriteOptions) -> Result<Merged> {
    let shards = partials.len();
    let Some(first) = partials.first() else {
        return Err(Error::input("no partial results given"));
    };
    let spec = first.job.clone();
    let (dir, round_cap) = match &spec {
        Spec::Run { .. } => {
            let done = merge_as::<super::run::RunJob>(partials, target, options)?;
            (done.dir, vec![RoundCap::of_run(&done.results.results)])
        }
        Spec::Compare { .. } => {
            let done = merge_as::<super::compare::CompareJob>(partials, target, options)?;
            (done.dir, RoundCap::of_comparison(&done.results))
        }
        Spec::Sensitivity { .. } => {
            let done = merge_as::<super::sensitivity::SensitivityJob>(partials, target, options)?;
            (done.dir, Vec::new())
        }
        Spec::Ensemble { .. } => {
            let done = merge_as::<super::ensemble::EnsembleJob>(partials, target, options)?;
            (done.dir, RoundCap::of_ensemble(&done.results))
        }
        Spec::Robust { .. } => {
            let done = merge_as::<super::robust::RobustCompareJob>(partials, target, options)?;
            (done.dir, RoundCap::of_comparison(&done.results.comparison))
        }
    };
    Ok(Merged {
        command: spec.command(),
        shards,
        units: spec.units(),
        unit_name: spec.unit_name(),
        dir,
        round_cap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ranges_cover_every_point_once() {
        for count in [0, 1, 5, 7, 100, 10_240] {
            for n in 1..=9 {
                let mut next = 0;
                for k in 1..=n {
                    let r = point_range(count, k, n);
                    assert_eq!(r.start, next, "count {count}, shard {k}/{n}");
                    assert!(r.end - r.start <= count / n + 1);
                    next = r.end;
                }
                assert_eq!(next, count);
            }
        }
        // No overflow for counts and shard numbers near the limits.
        assert_eq!(point_range(u64::MAX, MAX_SHARDS, MAX_SHARDS).end, u64::MAX);
    }

    #[test]
    fn a_job_differs_from_another_in_words() {
        let source = SourceRecord::of(&ScenarioSource::builtin());
        let run = |seed, trials| Spec::Run {
            scenario: source.clone(),
            seed,
            trials,
        };
        assert_eq!(run(1, 10).difference(&run(1, 10)), None);
        assert_eq!(run(1, 10).difference(&run(2, 10)), Some("seed"));
        assert_eq!(run(1, 10).difference(&run(1, 20)), Some("number of trials"));
        let compare = Spec::Compare {
            scenarios: vec![source.clone()],
            variants: vec![],
            knockout: true,
            seed: 1,
            trials: 10,
        };
        assert_eq!(
            run(1, 10).difference(&compare),
            Some("command (run, compare or sensitivity)")
        );
    }

    fn ensemble(assumptions: u64, fan: super::super::ensemble::Fan) -> Spec {
        Spec::Ensemble {
            scenario: SourceRecord::of(&ScenarioSource::builtin()),
            seed: 1,
            trials: 10,
            assumptions,
            fan,
        }
    }

    #[test]
    fn ensembles_that_draw_different_fans_are_different_jobs() {
        use super::super::ensemble::Fan;
        let (p, m) = (Fan::Predictive, Fan::MedianAcross);
        assert_eq!(ensemble(8, m).difference(&ensemble(8, m)), None);
        assert_eq!(
            ensemble(8, p).difference(&ensemble(8, m)),
            Some("fan chart (--fan predictive or median-across)")
        );
        // The number of sets is named first: it changes the numbers.
        assert_eq!(
            ensemble(8, p).difference(&ensemble(9, m)),
            Some("number of parameter sets (--assumptions)")
        );
        let mut renamed = ensemble(8, p);
        if let Spec::Ensemble { scenario, .. } = &mut renamed {
            scenario.file = "elsewhere.toml".to_string();
        }
        assert_eq!(
            ensemble(8, p).difference(&renamed),
            Some("scenario file's name")
        );
    }

    #[test]
    fn an_ensemble_spec_without_a_fan_reads_as_the_predictive_fan() {
        use super::super::ensemble::Fan;
        let mut json = serde_json::to_value(ensemble(8, Fan::MedianAcross)).unwrap();
        assert_eq!(json["ensemble"]["fan"], "median-across");
        json["ensemble"].as_object_mut().unwrap().remove("fan");
        let read: Spec = serde_json::from_value(json).unwrap();
        assert_eq!(read, ensemble(8, Fan::Predictive));
    }

    #[test]
    fn the_merged_directory_comes_from_the_shard_directory_name() {
        let dir = |s: &str| merged_dir(Path::new(s)).map(|p| p.display().to_string());
        assert_eq!(
            dir("output/long-run-shard-2-of-4").unwrap(),
            "output/long-run"
        );
        assert_eq!(
            dir("output/x-sensitivity/sobol-shard-1-of-16").unwrap(),
            "output/x-sensitivity/sobol"
        );
        assert!(dir("output/my-shard").is_err());
        assert!(dir("output/-shard-1-of-2").is_err());
        assert!(dir("output/a-shard-x-of-2").is_err());
    }

    #[test]
    fn a_recorded_scenario_whose_text_was_edited_is_refused() {
        let mut record = SourceRecord::of(&ScenarioSource::builtin());
        assert!(record.source().is_ok());
        record.text.push_str("\n# edited\n");
        let e = record.source().unwrap_err();
        assert!(e.to_string().contains("job.scenario.sha256"), "{e}");
    }

    #[test]
    fn a_recorded_stem_cannot_name_a_path() {
        let mut record = SourceRecord::of(&ScenarioSource::builtin());
        record.stem = "../../etc".to_string();
        let source = record.source().unwrap();
        assert!(!source.stem.contains('/'));
        assert!(!source.stem.starts_with('.'));
    }
}
