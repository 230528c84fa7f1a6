//! The files of `sweep` and `sensitivity` are each one type: read back
//! through it and written again, every file gives the same bytes, and a
//! file that does not fit its type stops `swapsim report` with a message
//! naming the file and the field.

use crate::common::swapsim;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs;
use std::path::Path;
use swapsim::sensitivity::tables::{
    MorrisFile, MorrisRow, SobolFile, SobolRow, SweepFile, SweepRow, TornadoFile, TornadoRow,
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Reads `path` through `T` and writes it again as swapsim writes JSON
/// (pretty, with a final newline); the bytes must not change.
fn json_round_trips<T: Serialize + DeserializeOwned>(path: &Path) -> T {
    let written = fs::read(path).unwrap();
    let typed: T = serde_json::from_slice(&written)
        .unwrap_or_else(|e| panic!("{} does not fit its type: {e}", path.display()));
    let mut again = serde_json::to_vec_pretty(&typed).unwrap();
    again.push(b'\n');
    assert!(
        again == written,
        "{} changes when read and written again:\n{}",
        path.display(),
        text(&again)
    );
    typed
}

/// The same for a CSV file through its row type; returns the row count.
fn csv_round_trips<R: Serialize + DeserializeOwned>(path: &Path) -> usize {
    let written = fs::read(path).unwrap();
    let rows: Vec<R> = csv::Reader::from_reader(&written[..])
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{} does not fit its row type: {e}", path.display()));
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r).unwrap();
    }
    let again = w.into_inner().unwrap();
    assert!(
        again == written,
        "{} changes when read and written again:\n{}",
        path.display(),
        text(&again)
    );
    rows.len()
}

fn run(dir: &Path, args: &[&str]) {
    let out = swapsim(dir, args);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn sweep_files_read_back_through_their_types_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    run(
        tmp.path(),
        &[
            "sweep",
            "--param",
            "exchange.round_rate",
            "--values",
            "0.05,0.1",
            "--trials",
            "200",
            "--no-charts",
            "--quiet",
        ],
    );
    let dir = tmp.path().join("output/istanbul-2025-sweep");
    let f: SweepFile = json_round_trips(&dir.join("sweep.json"));
    assert_eq!(f.values.len(), 2);
    assert_eq!(f.values[0].value, 0.05);
    let outcomes = f.context.outcomes.len();
    assert_eq!(
        csv_round_trips::<SweepRow>(&dir.join("sweep.csv")),
        2 * outcomes
    );
}

#[test]
fn tornado_files_read_back_through_their_types_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    run(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "100",
            "--no-charts",
            "--quiet",
        ],
    );
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/tornado");
    let f: TornadoFile = json_round_trips(&dir.join("tornado.json"));
    let bars: usize = f.bars.0.iter().map(|(_, b)| b.len()).sum();
    assert_eq!(bars, f.context.outcomes.len() * f.uncertainties.len());
    assert_eq!(
        csv_round_trips::<TornadoRow>(&dir.join("tornado.csv")),
        bars
    );
}

#[test]
fn sobol_files_read_back_through_their_types_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    run(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "8",
            "--inner-trials",
            "50",
            "--no-charts",
            "--quiet",
        ],
    );
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/sobol");
    let f: SobolFile = json_round_trips(&dir.join("sobol.json"));
    assert_eq!(f.samples, 8);
    assert_eq!(f.design_points, 8 * (f.uncertainties.len() + 2));
    // A first- and a total-order row per outcome and parameter.
    assert_eq!(
        csv_round_trips::<SobolRow>(&dir.join("sobol.csv")),
        2 * f.outcomes.0.len() * f.uncertainties.len()
    );
}

#[test]
fn morris_files_read_back_through_their_types_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    run(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "3",
            "--levels",
            "4",
            "--inner-trials",
            "50",
            "--no-charts",
            "--quiet",
        ],
    );
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/morris");
    let f: MorrisFile = json_round_trips(&dir.join("morris.json"));
    assert_eq!((f.trajectories, f.levels), (3, 4));
    assert_eq!(
        csv_round_trips::<MorrisRow>(&dir.join("morris.csv")),
        f.outcomes.0.len() * f.uncertainties.len()
    );
}

#[test]
fn a_sobol_file_with_a_field_of_the_wrong_type_is_named_by_report() {
    let tmp = tempfile::tempdir().unwrap();
    run(
        tmp.path(),
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "4",
            "--inner-trials",
            "30",
            "--no-charts",
            "--quiet",
        ],
    );
    let dir = tmp.path().join("output/istanbul-2025-sensitivity/sobol");
    let path = dir.join("sobol.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let first = json["outcomes"]
        .as_object_mut()
        .and_then(|m| m.values_mut().next())
        .expect("sobol.json has an outcome");
    first["inner_noise_share"] = serde_json::json!("a lot");
    let key = json["outcomes"]
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .unwrap();
    fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();

    let out = swapsim(tmp.path(), &["report", dir.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sobol.json"), "{stderr}");
    assert!(
        stderr.contains(&format!("outcomes.{key}.inner_noise_share")),
        "{stderr}"
    );
    assert!(
        !dir.join("report.html").exists(),
        "no report from a bad file"
    );
}
