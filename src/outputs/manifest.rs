//! The manifest of an output directory: how its results were made.
//!
//! `manifest.json` lets a reader repeat a run and tell two runs apart (the
//! scenario text and its hash, seed, trials, threads, timings, the files
//! written), and it marks the directory as swapsim's.

use super::sha256_hex;
use crate::scenario::{Scenario, ScenarioSource};
use serde::Serialize;

/// How a run was made: enough to repeat it and to tell two runs apart.
/// Unlike `summary.json`, it holds timings and dates.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub swapsim_version: &'static str,
    /// The scenario file as named on the command line.
    pub scenario_file: &'a str,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// The scenario file's text, comments included: `report.html` reads
    /// each value's source ("record" or "assumed") from them.
    pub scenario_text: &'a str,
    /// The scenario as simulated, with defaults filled in and command-line
    /// overrides (trials, seed) applied.
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub trials: u64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Wall-clock time of the simulation (seconds).
    pub wall_time_seconds: f64,
    /// When the run finished (UTC, RFC 3339).
    pub finished_at: String,
    /// The output files, relative to the output directory.
    pub outputs: Vec<String>,
    /// Names of the configurations compared, the reference first (for
    /// `compare`; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<String>,
    /// What a sensitivity design or a sweep ran (for `sensitivity` and
    /// `sweep`; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
}

/// The design behind a `sensitivity` or `sweep` output directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Analysis {
    /// A tornado, Sobol or Morris design.
    Design {
        /// `tornado`, `sobol` or `morris`.
        method: String,
        design_points: usize,
        trials_per_point: u64,
        /// Sobol base samples; Morris trajectories and levels (null where
        /// the method has none).
        samples: Option<usize>,
        trajectories: Option<usize>,
        levels: Option<usize>,
        /// The uncertain parameters' paths, in design order.
        uncertainties: Vec<String>,
    },
    /// A sweep of one parameter.
    Sweep {
        /// Always `sweep`.
        method: String,
        parameter: crate::scenario::uncertainty::Parameter,
        values: Vec<f64>,
        trials_per_point: u64,
    },
}

impl<'a> Manifest<'a> {
    pub fn new(
        source: &'a ScenarioSource,
        scenario: &'a Scenario,
        threads: usize,
        wall_time_seconds: f64,
        outputs: Vec<String>,
    ) -> Self {
        Manifest {
            swapsim_version: env!("CARGO_PKG_VERSION"),
            scenario_file: &source.display_name,
            scenario_sha256: sha256_hex(&source.text),
            scenario_text: &source.text,
            scenario,
            seed: scenario.simulation().seed,
            trials: scenario.simulation().trials,
            threads,
            wall_time_seconds,
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            outputs,
            configurations: Vec::new(),
            analysis: None,
        }
    }
}
/// How the output of `history`, `calibrate` or `backtest` was made: the
/// command, the exact record (by hash) and, where one was used, the base
/// scenario. Its `swapsim_version` marks the directory as swapsim's, so a
/// later run may replace it.
#[derive(Debug, Serialize)]
pub struct CommandManifest {
    pub swapsim_version: &'static str,
    /// The command and its arguments as typed.
    pub command: Vec<String>,
    /// The record file as named, and the SHA-256 of its bytes.
    pub record: String,
    pub record_sha256: String,
    /// The base scenario file as named, and its SHA-256, if one was used.
    pub base_scenario: Option<String>,
    pub base_scenario_sha256: Option<String>,
    /// When the command finished (UTC, RFC 3339).
    pub finished_at: String,
    /// The output files, relative to the output directory.
    pub outputs: Vec<String>,
}

impl CommandManifest {
    pub fn new(record: (&str, &str), base: Option<&ScenarioSource>, outputs: Vec<String>) -> Self {
        CommandManifest {
            swapsim_version: env!("CARGO_PKG_VERSION"),
            command: std::env::args().collect(),
            record: record.0.to_string(),
            record_sha256: record.1.to_string(),
            base_scenario: base.map(|b| b.display_name.clone()),
            base_scenario_sha256: base.map(|b| sha256_hex(&b.text)),
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            outputs,
        }
    }
}

/// The manifest of any output directory: of a job on scenario files, or of
/// a job on the record of exchanges.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ManifestFile<'a> {
    Scenario(Manifest<'a>),
    Record(CommandManifest),
}
