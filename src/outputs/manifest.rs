//! The manifest of an output directory: how its results were made.
//!
//! `manifest.json` lets a reader repeat a run and tell two runs apart (the
//! scenario text and its hash, seed, trials, threads, timings, the files
//! written). `report.html` reads it back through the same types that
//! write it.

use super::sha256_hex;
use crate::scenario::{Scenario, ScenarioSource};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a run was made: enough to repeat it and to tell two runs apart.
/// Unlike `summary.json`, it holds timings and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub swapsim_version: String,
    /// The scenario file as named on the command line.
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// The scenario file's text, comments included: `report.html` reads
    /// each value's source ("record" or "assumed") from them.
    pub scenario_text: String,
    /// The path file that `[escalation] path` named (its name, SHA-256 and
    /// text); its rows are inline in `scenario_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_file: Option<Box<crate::scenario::path_file::PathFile>>,
    /// The scenario as simulated, with defaults filled in and command-line
    /// overrides (trials, seed) applied. Kept as a JSON tree: it echoes
    /// every value of the scenario for the report's assumptions table, and
    /// a `Scenario` is made only by validating a scenario file, never by
    /// reading an output back.
    pub scenario: Value,
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<String>,
    /// What a sensitivity design or a sweep ran (for `sensitivity` and
    /// `sweep`; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
}

/// The design behind a `sensitivity` or `sweep` output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

impl Manifest {
    pub fn new(
        source: &ScenarioSource,
        scenario: &Scenario,
        threads: usize,
        wall_time_seconds: f64,
        outputs: Vec<String>,
    ) -> Self {
        Manifest {
            swapsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_file: source.display_name.clone(),
            scenario_sha256: sha256_hex(&source.text),
            scenario_text: source.text.clone(),
            path_file: source.path_file.clone().map(Box::new),
            // The derived Serialize of plain structs with string keys has
            // no way to fail.
            scenario: serde_json::to_value(scenario).unwrap_or(Value::Null),
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandManifest {
    pub swapsim_version: String,
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
            swapsim_version: env!("CARGO_PKG_VERSION").to_string(),
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
/// a job on the record of exchanges. Read untagged: only a scenario
/// manifest has `scenario_file`, only a record manifest has `record`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ManifestFile {
    Scenario(Manifest),
    Record(CommandManifest),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: &ManifestFile) {
        let text = serde_json::to_string_pretty(m).unwrap();
        let back: ManifestFile = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, m);
    }

    fn scenario_manifest(analysis: Option<Analysis>, configurations: Vec<String>) -> Manifest {
        Manifest {
            swapsim_version: "0.1.0".to_string(),
            scenario_file: "a.toml".to_string(),
            scenario_sha256: "00".to_string(),
            scenario_text: "name = \"a\"\n".to_string(),
            path_file: None,
            scenario: serde_json::json!({"name": "a", "simulation": {"trials": 10}}),
            seed: 7,
            trials: 10,
            threads: 2,
            wall_time_seconds: 0.5,
            finished_at: "2026-01-01T00:00:00Z".to_string(),
            outputs: vec!["summary.json".to_string()],
            configurations,
            analysis,
        }
    }

    #[test]
    fn every_kind_of_manifest_reads_back_as_written() {
        round_trip(&ManifestFile::Scenario(scenario_manifest(None, Vec::new())));
        round_trip(&ManifestFile::Scenario(scenario_manifest(
            None,
            vec!["base".to_string(), "Turkey only".to_string()],
        )));
        round_trip(&ManifestFile::Scenario(scenario_manifest(
            Some(Analysis::Design {
                method: "morris".to_string(),
                design_points: 20,
                trials_per_point: 300,
                samples: None,
                trajectories: Some(4),
                levels: Some(4),
                uncertainties: vec!["exchange.round_rate".to_string()],
            }),
            Vec::new(),
        )));
        round_trip(&ManifestFile::Scenario(scenario_manifest(
            Some(Analysis::Sweep {
                method: "sweep".to_string(),
                parameter: crate::scenario::uncertainty::Parameter {
                    path: "exchange.round_rate".to_string(),
                    kind: crate::scenario::uncertainty::Kind::Real,
                    base: Some(0.08),
                },
                values: vec![0.05, 0.1],
                trials_per_point: 300,
            }),
            Vec::new(),
        )));
        round_trip(&ManifestFile::Record(CommandManifest {
            swapsim_version: "0.1.0".to_string(),
            command: vec!["swapsim".to_string(), "history".to_string()],
            record: "record.csv".to_string(),
            record_sha256: "00".to_string(),
            base_scenario: None,
            base_scenario_sha256: None,
            finished_at: "2026-01-01T00:00:00Z".to_string(),
            outputs: vec!["rounds.csv".to_string()],
        }));
    }
}
