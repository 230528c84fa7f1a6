//! `partial.json`: the result of one shard of a run, a comparison or a
//! sensitivity design.
//!
//! A shard holds what its part of the job computed as exact sufficient
//! statistics (integer sums and histograms), and the job itself: the
//! scenario files' text and every option that shapes the result. `swapsim
//! merge` rebuilds the job from the first partial, checks that every other
//! partial belongs to the same job, adds the statistics and writes the same
//! files as the unsharded command, without reading any scenario file.

use crate::scenario::ScenarioSource;
use crate::sensitivity::outcomes::KeySums;
use crate::stats::Accumulator;
use crate::stats::compare::CompareAccumulator;
use serde::{Deserialize, Serialize};

/// The format name and version of `partial.json`. Version 2 added
/// comparisons and sensitivity designs; partials of other versions are
/// refused.
pub const PARTIAL_FORMAT: &str = "swapsim-partial";
pub const PARTIAL_VERSION: u32 = 2;

/// A scenario file as it was read: enough to rebuild the job without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The file as named on the command line.
    pub file: String,
    /// Its name without directory and extension (names output folders).
    pub stem: String,
    /// Its text, comments included.
    pub text: String,
    /// SHA-256 of the text.
    pub sha256: String,
}

impl SourceRecord {
    pub fn of(source: &ScenarioSource) -> Self {
        SourceRecord {
            file: source.display_name.clone(),
            stem: source.stem.clone(),
            text: source.text.clone(),
            sha256: super::sha256_hex(&source.text),
        }
    }

    pub fn source(&self) -> ScenarioSource {
        ScenarioSource {
            display_name: self.file.clone(),
            stem: self.stem.clone(),
            text: self.text.clone(),
        }
    }
}

/// What a sharded command computes: the same in every shard of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
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
}

impl Job {
    /// The command that made it.
    pub fn command(&self) -> &'static str {
        match self {
            Job::Run { .. } => "run",
            Job::Compare { .. } => "compare",
            Job::Sensitivity { .. } => "sensitivity",
        }
    }

    /// Trials (run, compare) or design points (sensitivity) of the whole
    /// job: what the shards divide.
    pub fn units(&self) -> u64 {
        match self {
            Job::Run { trials, .. } | Job::Compare { trials, .. } => *trials,
            Job::Sensitivity { design_points, .. } => *design_points,
        }
    }

    /// What a shard divides, for messages.
    pub fn unit_name(&self) -> &'static str {
        match self {
            Job::Sensitivity { .. } => "design points",
            _ => "trials",
        }
    }

    /// The scenario files' SHA-256 hashes.
    fn scenario_hashes(&self) -> Vec<&str> {
        match self {
            Job::Run { scenario, .. } | Job::Sensitivity { scenario, .. } => {
                vec![scenario.sha256.as_str()]
            }
            Job::Compare { scenarios, .. } => scenarios.iter().map(|s| s.sha256.as_str()).collect(),
        }
    }

    fn seed(&self) -> u64 {
        match self {
            Job::Run { seed, .. } | Job::Compare { seed, .. } | Job::Sensitivity { seed, .. } => {
                *seed
            }
        }
    }

    /// The first way in which `other` is a different job, in words, or
    /// `None` if it is the same job.
    pub fn difference(&self, other: &Job) -> Option<&'static str> {
        if self == other {
            return None;
        }
        if std::mem::discriminant(self) != std::mem::discriminant(other) {
            return Some("command (run, compare or sensitivity)");
        }
        if self.scenario_hashes() != other.scenario_hashes() {
            return Some("scenario file");
        }
        if self.seed() != other.seed() {
            return Some("seed");
        }
        Some(match (self, other) {
            (
                Job::Sensitivity {
                    method: ma,
                    inner_trials: ia,
                    ..
                },
                Job::Sensitivity {
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
            _ if self.units() != other.units() => "number of trials",
            (Job::Compare { .. }, _) => {
                "set of configurations (--variants, --knockout or the files' names)"
            }
            _ => "scenario file's name",
        })
    }
}

/// The exact statistics of one shard, of the kind its job computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistics {
    Run(Box<Accumulator>),
    Compare(CompareAccumulator),
    /// The key outcomes' sums at each design point of the shard, in design
    /// order.
    Sensitivity(Vec<KeySums>),
}

/// The result of one shard, written as `partial.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub job: Job,
    pub statistics: Statistics,
}

impl Partial {
    /// A partial of this version of swapsim.
    pub fn new(
        job: Job,
        (shard, shards): (u64, u64),
        range: std::ops::Range<u64>,
        statistics: Statistics,
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
        }
    }
}

/// Shard `k` (1-based) of `n` of `count` design points: a contiguous run,
/// shards differing in size by at most one point.
pub fn point_range(count: u64, k: u64, n: u64) -> std::ops::Range<u64> {
    ((k - 1) * count / n)..(k * count / n)
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
    }

    #[test]
    fn a_job_differs_from_another_in_words() {
        let source = SourceRecord::of(&ScenarioSource::builtin());
        let run = |seed, trials| Job::Run {
            scenario: source.clone(),
            seed,
            trials,
        };
        assert_eq!(run(1, 10).difference(&run(1, 10)), None);
        assert_eq!(run(1, 10).difference(&run(2, 10)), Some("seed"));
        assert_eq!(run(1, 10).difference(&run(1, 20)), Some("number of trials"));
        let compare = Job::Compare {
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
}
