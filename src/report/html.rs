//! `report.html`: one self-contained page for readers who never run swapsim.
//!
//! A policy team receives a file, not a tool. So the report is a single HTML
//! file that opens offline on a phone or a desktop and prints cleanly: the
//! question in plain words, the key numbers with their intervals, every chart
//! (inlined SVG) with a caption on how to read it, the assumptions with their
//! sources, the comparison where there is one, which assumptions matter
//! where a sensitivity analysis or a sweep was run, and the provenance needed
//! to repeat the run. It is built only from the files of a finished output
//! directory (`manifest.json`, `summary.json`, `comparison.json`,
//! `tornado.json`, `sobol.json`, `morris.json`, `sweep.json`, `*.svg`), so it
//! formats what `stats` and `sensitivity` computed and recomputes nothing.
//! Every text taken from those files is escaped, never rejected: scenario
//! names and descriptions are user input. Charts are inlined only after
//! [`super::svg`] has checked them against what swapsim draws.

use crate::jobs::compare::ComparisonFile;
use crate::jobs::discover::{self, DiscoverResult};
use crate::jobs::robust::RobustnessFile;
use crate::outcomes::{DESIGN, Outcome, TitleStyle, TitleWords, Unit};
use crate::outputs::manifest::{self, Manifest, ManifestFile};
use crate::outputs::{OutputError as ReportError, files, io_err, write_file_atomically};
use crate::scenario::uncertainty::Law;
use crate::sensitivity::ensemble::{AssumptionsSummary, Fan, MedianLayers, OutcomeLayers};
use crate::sensitivity::tables::{
    AnalysisKind, IntervalEstimate, MorrisFile, MorrisOutcome, PointEstimate, SobolFile,
    SobolOutcome, SweepFile, TornadoFile, UncertaintyEntry,
};
use crate::stats::compare::ComparedOutcome;
use crate::stats::{Methods, Proportion, Summary};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Reads the outputs in `dir` (written by `swapsim run`, `merge`,
/// `compare`, `sweep` or `sensitivity`) and writes `dir/report.html`;
/// returns its path. Fails with [`ReportError::NotReportable`] if `dir` is
/// not such a directory.
pub fn write_report(dir: &Path) -> Result<PathBuf, ReportError> {
    let not = |reason: &str| ReportError::NotReportable {
        dir: dir.to_path_buf(),
        reason: reason.to_string(),
    };
    if !dir.is_dir() {
        return Err(not("it does not exist or is not a directory"));
    }
    // An unreadable manifest is reported after a missing result, which
    // says more about what the folder is.
    let manifest = match read_manifest(&dir.join(files::MANIFEST_JSON)) {
        Ok(Some(ManifestFile::Scenario(m))) => Ok(m),
        Ok(Some(ManifestFile::Record(m))) => {
            return Err(ReportError::NoReport {
                dir: dir.to_path_buf(),
                what: record_job(&m),
            });
        }
        Ok(None) => return Err(not("it has no manifest.json written by swapsim")),
        Err(e) => Err(e),
    };
    let summary: Option<Summary> = read_typed(&dir.join(files::SUMMARY_JSON))?;
    let comparison: Option<ComparisonFile> = read_typed(&dir.join(files::COMPARISON_JSON))?;
    let analysis = read_analysis(dir)?;
    if summary.is_none() && comparison.is_none() && analysis.is_none() {
        return Err(not(
            "it holds none of summary.json (written by `swapsim run` or `swapsim merge`), \
             comparison.json (`swapsim compare`), tornado.json, sobol.json or morris.json \
             (`swapsim sensitivity`) and sweep.json (`swapsim sweep`); a shard's partial \
             result must be merged with `swapsim merge` first",
        ));
    }
    let manifest = manifest?;
    let robustness: Option<RobustnessFile> = read_typed(&dir.join(ROBUSTNESS_JSON))?;
    let discovery_dir = dir.join(DISCOVER_DIR);
    let discovery: Option<DiscoverResult> = read_typed(&discovery_dir.join(DISCOVER_JSON))?;
    let mut charts = read_charts(dir)?;
    if discovery.is_some() {
        let mut more = read_charts(&discovery_dir)?;
        for c in &mut more {
            c.folder = DISCOVER_DIR;
        }
        charts.extend(more);
    }
    let page = Page {
        manifest: &manifest,
        summary: summary.as_ref(),
        comparison: comparison.as_ref(),
        robustness: robustness.as_ref(),
        discovery: discovery.as_ref(),
        analysis: analysis.as_ref(),
        charts: &charts,
    }
    .render();
    let path = dir.join(files::REPORT_HTML);
    // Never through a link or over a folder: the folder is not trusted.
    write_file_atomically(&path, page.as_bytes())?;
    Ok(path)
}

/// The robust comparison's file, beside `comparison.json`.
const ROBUSTNESS_JSON: &str = "robustness.json";
/// The folder `discover` writes into, and its result.
const DISCOVER_DIR: &str = "discover";
const DISCOVER_JSON: &str = "discover.json";

/// What wrote a folder of `history`, `calibrate` or `backtest`, which have
/// no report; the command's name is taken only from a fixed list, since
/// the manifest is as editable as any other file.
fn record_job(m: &manifest::CommandManifest) -> String {
    let command = m
        .command
        .get(1)
        .map(String::as_str)
        .filter(|c| ["history", "calibrate", "backtest"].contains(c));
    match command {
        Some(c) => format!("the output of `swapsim {c}`"),
        None => "the output of a command on the record of exchanges (`swapsim history`, \
                 `calibrate` or `backtest`)"
            .to_string(),
    }
}

/// The manifest in `path`, read through the types that write it, or
/// `None` if there is no such file.
fn read_manifest(path: &Path) -> Result<Option<ManifestFile>, ReportError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        // The untagged enum's own message names no field: say what a
        // scenario manifest lacks, the kind a report is made from.
        let detail = serde_path_to_error::deserialize::<_, Manifest>(
            &mut serde_json::Deserializer::from_str(&text),
        )
        .err()
        .map_or_else(String::new, |e| format!(" ({}: {})", e.path(), e.inner()));
        ReportError::Unreadable {
            path: path.to_path_buf(),
            message: format!("not a manifest written by this version of swapsim{detail}"),
        }
    })
}

/// The file `path` read through its schema type `T`, or `None` if there
/// is no such file; an error names the file and the field that does not
/// fit.
fn read_typed<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, ReportError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
        .map(Some)
        .map_err(|e| ReportError::Unreadable {
            path: path.to_path_buf(),
            message: format!("field {}: {}", e.path(), e.inner()),
        })
}

/// The estimators a run names in `summary.json`, under their keys there.
fn run_methods(m: &Methods) -> [(&'static str, &str); 5] {
    [
        ("quantiles", m.quantiles.as_ref()),
        ("mean_interval", m.mean_interval.as_ref()),
        ("median_interval", m.median_interval.as_ref()),
        ("probability_interval", m.probability_interval.as_ref()),
        ("median_day", m.median_day.as_ref()),
    ]
}

/// The text of `path`, or `None` if there is no such file.
fn read_text(path: &Path) -> Result<Option<String>, ReportError> {
    match fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Adds `report.html` to the outputs listed in `dir/manifest.json`, for a
/// report written after the run (`swapsim report DIR`).
pub fn list_in_manifest(dir: &Path) -> Result<(), ReportError> {
    let path = dir.join(files::MANIFEST_JSON);
    let Some(mut manifest) = read_manifest(&path)? else {
        return Ok(());
    };
    let outputs = match &mut manifest {
        ManifestFile::Scenario(m) => &mut m.outputs,
        ManifestFile::Record(m) => &mut m.outputs,
    };
    if !outputs.iter().any(|o| o == files::REPORT_HTML) {
        outputs.push(files::REPORT_HTML.to_string());
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| ReportError::Io {
            path: path.clone(),
            source: e.into(),
        })?;
        bytes.push(b'\n');
        write_file_atomically(&path, &bytes)?;
    }
    Ok(())
}

/// The analysis in `dir`: the first of `tornado.json`, `sobol.json`,
/// `morris.json` and `sweep.json` there, read through its type.
fn read_analysis(dir: &Path) -> Result<Option<Analysis>, ReportError> {
    let read = |name: &str, kind: AnalysisKind| -> Result<Option<Analysis>, ReportError> {
        let path = dir.join(name);
        let analysis = match kind {
            AnalysisKind::Tornado => read_typed(&path)?.map(Analysis::Tornado),
            AnalysisKind::Sobol => read_typed(&path)?.map(Analysis::Sobol),
            AnalysisKind::Morris => read_typed(&path)?.map(Analysis::Morris),
            AnalysisKind::Sweep => read_typed(&path)?.map(Analysis::Sweep),
        };
        match analysis {
            Some(a) if a.kind() != kind => Err(ReportError::Unreadable {
                path,
                message: format!(
                    "field analysis: `{}` where `{}` was expected",
                    a.kind().name(),
                    kind.name()
                ),
            }),
            a => Ok(a),
        }
    };
    for (name, kind) in [
        (files::TORNADO_JSON, AnalysisKind::Tornado),
        (files::SOBOL_JSON, AnalysisKind::Sobol),
        (files::MORRIS_JSON, AnalysisKind::Morris),
        (files::SWEEP_JSON, AnalysisKind::Sweep),
    ] {
        if let Some(a) = read(name, kind)? {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// A chart to embed: its file stem and its `<svg>` element, or why the
/// file is not shown (it holds markup swapsim's charts never contain).
struct Chart {
    stem: String,
    /// The folder under the output directory that holds it (`discover`),
    /// or "" for the directory itself.
    folder: &'static str,
    svg: Result<String, &'static str>,
}

/// Every `*.svg` in `dir`, known charts first in the order the README reads
/// them, then any others by name.
fn read_charts(dir: &Path) -> Result<Vec<Chart>, ReportError> {
    let mut charts = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        if path.extension().is_some_and(|e| e == "svg") {
            let bytes = fs::read(&path).map_err(io_err(&path))?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let svg = String::from_utf8(bytes)
                .map_err(|_| "it is not UTF-8 text")
                .and_then(|text| super::svg::inline(&text));
            charts.push(Chart {
                stem,
                folder: "",
                svg,
            });
        }
    }
    // Charts of one kind per key outcome follow the outcomes' order.
    let rank = |stem: &str| {
        let outcome = stem
            .split_once('_')
            .and_then(|(_, key)| DESIGN.iter().position(|o| o.design_key() == key))
            .unwrap_or(DESIGN.len());
        (caption_index(stem).unwrap_or(CAPTIONS.len()), outcome)
    };
    charts.sort_by(|a, b| (rank(&a.stem), &a.stem).cmp(&(rank(&b.stem), &b.stem)));
    Ok(charts)
}

/// The entry of [`CAPTIONS`] for a chart: its stem, or for a chart per key
/// outcome (`tornado_collapse`) the prefix ending in `_`.
fn caption_index(stem: &str) -> Option<usize> {
    CAPTIONS
        .iter()
        .position(|(s, _, _)| *s == stem || (s.ends_with('_') && stem.starts_with(s)))
}

/// Each known chart: file stem, heading, and how to read it.
const CAPTIONS: &[(&str, &str, &str)] = &[
    (
        "returned_by_deadline",
        "How many people come home by the deadline",
        "Each bar is a range of people returned by the deadline; its height is the share of \
         simulated futures that end in that range. The dashed line is the target. A tall bar at \
         zero means many futures in which no round happens in time.",
    ),
    (
        "fan_chart",
        "People returned over time",
        "The line is the median future. The dark band holds the middle half of the futures \
         (25th to 75th percentile), the light band 90% of them (5th to 95th). The vertical line \
         is the deadline. The bands show how widely possible futures spread, not the \
         uncertainty of an estimate.",
    ),
    (
        "survival",
        "How long until the process stalls",
        "The share of futures in which the process has not yet been suspended, by date, with \
         its 95% interval. Where the line crosses 50% is the median time to the first stall.",
    ),
    (
        "phases",
        "State of the process over time",
        "For each date, the share of futures in which the process is pending (not yet \
         confirmed), active, suspended, completed or collapsed. The shares add up to 100%.",
    ),
    (
        "compare_outcomes",
        "Key outcomes by configuration",
        "Each configuration's estimate of the key outcomes with its 95% interval. Overlapping \
         intervals do not mean two configurations are alike: read the paired differences for \
         that.",
    ),
    (
        "compare_differences",
        "Differences from the reference",
        "Each configuration's paired difference from the reference, with its 95% interval. A \
         difference whose interval does not cross zero is one the simulation can tell apart \
         from chance.",
    ),
    (
        "compare_survival",
        "How long until the process stalls, by configuration",
        "The share of futures not yet suspended, by date, one line per configuration. A higher \
         line means a more durable process.",
    ),
    (
        "compare_fan",
        "People returned over time, by configuration",
        "The median number of people returned so far in each configuration, with the spread \
         of futures around it. The bands show how widely futures spread, not the uncertainty \
         of an estimate.",
    ),
    (
        "compare_difference_distribution",
        "Trial-by-trial differences in people returned",
        "How the difference in people returned by the deadline between each configuration and \
         the reference is spread across trials that face the same simulated war. Mass to the \
         right of zero means the configuration brings more people home in the same future.",
    ),
    (
        "prim_trajectory",
        "Discovered box: the peeling trajectory",
        "Each dot is a box of assumptions that the search passed through while shrinking \
         from the whole space: further right, the box holds more of the parameter sets where \
         the event happens (coverage); higher, more of its own sets show the event (density). \
         The ringed dots are the box chosen and its final form after widening.",
    ),
    (
        "prim_box",
        "Discovered box: the assumptions it restricts",
        "One row per assumption the box restricts: the grey bar is the assumption's whole \
         range over the parameter sets, the blue bar the part inside the box. Assumptions not \
         shown may take any value.",
    ),
    // One chart per key outcome; the heading names the outcome.
    (
        "assumptions_",
        "Across the scenario's assumptions",
        "Each bar is the share of parameter sets, drawn from the scenario's stated ranges, \
         whose estimate falls in that range of values; the shaded band holds the middle 90% of \
         the sets and the dashed line is the estimate at the central values. A wide spread \
         means the answer rests on the assumptions more than on chance.",
    ),
    (
        "regret_",
        "Regret of each configuration across the assumptions",
        "For each configuration, how far it falls short of the best configuration of the same \
         parameter set: the bar is the mean shortfall over the sets with its 95% interval, the \
         dot the largest. A configuration with no bar and its dot at zero is never beaten.",
    ),
    (
        "tornado_",
        "Swing with each assumption",
        "One bar per uncertain assumption, widest on top. Each bar runs from the outcome with \
         the assumption at its low value (blue) to the outcome at its high value (orange), \
         every other value as written; the vertical line is the outcome with every value as \
         written. Under each label are the low and high values used. A bar with its colours \
         on the wrong sides of the line means the outcome falls as the assumption rises.",
    ),
    (
        "sobol_",
        "Share of the variation explained",
        "Per uncertain assumption, the total-order index (blue) and the first-order index \
         (orange) with their 95% intervals, largest total on top. Read the blue bars first: \
         the share of the variation that would go if that assumption were known exactly. A \
         large gap between the blue and the orange bar means the assumption acts through \
         interactions with others. Bars left of the dashed line may be noise of the simulated \
         futures.",
    ),
    (
        "morris_",
        "Influence of each assumption",
        "Per uncertain assumption, mu* (blue, with its 95% interval), the mean size of the \
         change in the outcome when the assumption moves across its whole range, and sigma \
         (vermillion), how much that change varies with the other assumptions; sorted by mu*. \
         A large mu* means influential; a sigma comparable to mu* means the effect depends on \
         the other assumptions. Both near the dashed line: negligible.",
    ),
    (
        "sweep_",
        "Across the values swept",
        "The outcome (dots and line) at each value of the swept assumption, with the 95% \
         interval of each estimate as a band; the dashed line is the value written in the \
         scenario. A curve that is flat within its band means the assumption does not matter \
         over the range swept.",
    ),
];

/// The page's style: system fonts only (nothing is fetched), one column
/// that fits a 360 px phone, tables that scroll sideways rather than
/// overflow, and print rules that keep each chart on one page.
const CSS: &str = "
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; padding-top: 0.5rem; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 0.5rem; }
p, li { overflow-wrap: anywhere; }
.question { font-size: 1.15rem; border-left: 4px solid var(--accent); padding: 0.25rem 0 0.25rem 0.75rem; margin: 1rem 0; }
.muted, figcaption, .note { color: var(--muted); }
.note { font-size: 0.9rem; }
.numbers { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 0.75rem; margin: 1rem 0; padding: 0; list-style: none; }
.numbers li { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; }
.numbers .what { display: block; font-size: 0.9rem; color: var(--muted); }
.numbers .value { display: block; font-size: 1.5rem; font-weight: 600; }
.numbers .interval { display: block; font-size: 0.9rem; }
figure { margin: 1.5rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 800px; border: 1px solid var(--line); }
figcaption { font-size: 0.95rem; margin-top: 0.5rem; max-width: 800px; }
.table-wrap { overflow-x: auto; margin: 0.75rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.param code { overflow-wrap: normal; }
td.param { min-width: 9rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 0.4rem; border-radius: 4px; font-size: 0.8rem; white-space: nowrap; }
.tag.record { background: #dafbe1; }
.tag.assumed { background: #fff1c2; }
.tag.other { background: #eef1f4; }
dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.provenance dt { font-weight: 600; }
dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 30rem) {
  main { padding: 0.75rem; }
  h1 { font-size: 1.35rem; }
  dl.provenance { grid-template-columns: 1fr; }
  dl.provenance dd { margin-bottom: 0.5rem; }
  /* The assumptions table becomes one card per parameter on a phone, so the
     basis and source stay in view instead of off to the right. */
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
  table.stack td { display: block; border: 0; padding: 0.1rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) \": \"; color: var(--muted); }
}
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .table-wrap { overflow: visible; }
  tr { break-inside: avoid; }
}
";

/// The result of `swapsim sensitivity` or `swapsim sweep` in a directory,
/// read through the types that wrote it.
enum Analysis {
    Tornado(TornadoFile),
    Sobol(SobolFile),
    Morris(MorrisFile),
    Sweep(SweepFile),
}

impl Analysis {
    /// What the file says it holds.
    fn kind(&self) -> AnalysisKind {
        match self {
            Analysis::Tornado(f) => f.analysis,
            Analysis::Sobol(f) => f.analysis,
            Analysis::Morris(f) => f.analysis,
            Analysis::Sweep(f) => f.analysis,
        }
    }

    fn context(&self) -> &crate::sensitivity::tables::Context {
        match self {
            Analysis::Tornado(f) => &f.context,
            Analysis::Sobol(f) => &f.context,
            Analysis::Morris(f) => &f.context,
            Analysis::Sweep(f) => &f.context,
        }
    }

    /// Design points, where the file states them (Sobol and Morris).
    fn design_points(&self) -> Option<usize> {
        match self {
            Analysis::Sobol(f) => Some(f.design_points),
            Analysis::Morris(f) => Some(f.design_points),
            Analysis::Tornado(_) | Analysis::Sweep(_) => None,
        }
    }

    fn uncertainties(&self) -> &[UncertaintyEntry] {
        match self {
            Analysis::Tornado(f) => &f.uncertainties,
            Analysis::Sobol(f) => &f.uncertainties,
            Analysis::Morris(f) => &f.uncertainties,
            Analysis::Sweep(_) => &[],
        }
    }

    /// The methods the file states, under their keys there and in its
    /// order.
    fn methods(&self) -> Vec<(&'static str, &str)> {
        match self {
            Analysis::Tornado(f) => vec![("method", &f.method), ("estimators", &f.estimators)],
            Analysis::Sobol(f) => vec![
                ("design", &f.design),
                ("first_order_estimator", &f.first_order_estimator),
                ("total_order_estimator", &f.total_order_estimator),
                ("variance", &f.variance),
                ("inner_noise_share", &f.inner_noise_share),
                ("intervals", &f.intervals),
                ("point_estimators", &f.point_estimators),
            ],
            Analysis::Morris(f) => vec![
                ("design", &f.design),
                ("elementary_effect", &f.elementary_effect),
                ("mu_star", &f.mu_star),
                ("sigma", &f.sigma),
                ("noise_floor", &f.noise_floor),
                ("point_estimators", &f.point_estimators),
            ],
            Analysis::Sweep(f) => vec![("estimators", &f.estimators)],
        }
        .into_iter()
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// The key outcomes it reports, in its context's order, then any
    /// others its results hold.
    fn outcomes(&self) -> Vec<Outcome> {
        let mut out = self.context().outcomes.clone();
        let more: Vec<Outcome> = match self {
            Analysis::Tornado(f) => f.bars.outcomes().collect(),
            Analysis::Sobol(f) => f.outcomes.outcomes().collect(),
            Analysis::Morris(f) => f.outcomes.outcomes().collect(),
            Analysis::Sweep(_) => Vec::new(),
        };
        for o in more {
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out
    }
}

struct Page<'a> {
    manifest: &'a Manifest,
    summary: Option<&'a Summary>,
    comparison: Option<&'a ComparisonFile>,
    robustness: Option<&'a RobustnessFile>,
    discovery: Option<&'a DiscoverResult>,
    analysis: Option<&'a Analysis>,
    charts: &'a [Chart],
}

impl Page<'_> {
    fn render(&self) -> String {
        let scenario = &self.manifest.scenario;
        let name = text(&scenario["name"]);
        let title = match self.comparison {
            Some(c) => c.title.clone(),
            None => name.clone(),
        };
        let mut h = String::with_capacity(64 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        // No network: forbid every fetch; inline styles and images only.
        h.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n",
        );
        let _ = writeln!(h, "<title>{} — swapsim report</title>", esc(&title));
        let _ = writeln!(h, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
        let _ = writeln!(h, "<header>\n<p class=\"muted\">swapsim report</p>");
        let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
        let description = text(&scenario["description"]);
        if !description.is_empty() {
            let _ = writeln!(
                h,
                "<p class=\"question\"><strong>The question:</strong> {}</p>",
                esc(&description)
            );
        }
        match self.analysis {
            None => h.push_str(
                "<p class=\"note\">This is a simulation of many possible futures under stated \
                 assumptions, not a forecast. The intervals below say how much a number would \
                 move if the simulation were repeated; they do not include the larger \
                 uncertainty in the assumptions themselves (see <a \
                 href=\"#assumptions\">Assumptions</a>).</p>\n</header>\n",
            ),
            Some(a) => {
                let varied = if a.kind() == AnalysisKind::Sweep {
                    "one assumption over a list of values"
                } else {
                    "the assumptions that the scenario marks as uncertain, over their stated ranges"
                };
                let _ = writeln!(
                    h,
                    "<p class=\"note\">This is a simulation of many possible futures under \
                     stated assumptions, not a forecast. This page varies {varied}, to show \
                     how much the answer rests on them (see <a href=\"#sensitivity\">Which \
                     assumptions matter</a>); every other value is as listed under <a \
                     href=\"#assumptions\">Assumptions</a>. The intervals say how much a \
                     number would move if the analysis were repeated.</p>\n</header>"
                );
            }
        }
        if let Some(s) = self.summary {
            key_numbers(&mut h, s);
            if let Some(a) = &s.assumptions {
                across_assumptions(&mut h, a, scenario);
            }
        }
        if let Some(c) = self.comparison {
            comparison(&mut h, c);
        }
        if let Some(r) = self.robustness {
            robustness(&mut h, r, scenario);
        }
        if let Some(d) = self.discovery {
            discovered(&mut h, d);
        }
        if let Some(a) = self.analysis {
            sensitivity(&mut h, a, self.manifest, self.charts);
        }
        self.charts(&mut h);
        assumptions(&mut h, self.manifest);
        self.provenance(&mut h);
        h.push_str("</main>\n</body>\n</html>\n");
        h
    }

    fn charts(&self, h: &mut String) {
        h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        if self.charts.is_empty() {
            h.push_str("<p>This output has no charts (it was written with --no-charts).</p>\n");
        }
        let ensemble = self.summary.and_then(|s| s.assumptions.as_ref());
        for chart in self.charts {
            let (prefix, heading, how) =
                caption_index(&chart.stem).map(|i| CAPTIONS[i]).unwrap_or((
                    "",
                    "",
                    "A chart written by swapsim; see its README for how to read it.",
                ));
            // An ensemble's charts say what they rest on, which only its
            // `assumptions` block knows.
            let (heading, how) = match ensemble {
                Some(a) if chart.folder.is_empty() && chart.stem == "fan_chart" => {
                    ensemble_fan_caption(a, how)
                }
                Some(a) if chart.folder.is_empty() && prefix == "assumptions_" => {
                    (heading.to_string(), across_caption(a))
                }
                _ => (heading.to_string(), how.to_string()),
            };
            let _ = writeln!(h, "<figure id=\"chart-{}\">", esc(&chart.stem));
            if prefix.ends_with('_') {
                // A chart per key outcome: say which.
                let key = &chart.stem[prefix.len()..];
                let _ = writeln!(
                    h,
                    "<h3>{heading}: {}</h3>",
                    esc(&outcome_label(key, &self.manifest.scenario))
                );
            } else if !heading.is_empty() {
                let _ = writeln!(h, "<h3>{heading}</h3>");
            }
            match &chart.svg {
                Ok(svg) => h.push_str(svg),
                Err(why) => {
                    let _ = write!(
                        h,
                        "<p class=\"note\">This chart is not shown: {why}, so swapsim did \
                         not draw it as it stands. Run the analysis again to draw it.</p>"
                    );
                }
            }
            let folder = if chart.folder.is_empty() {
                String::new()
            } else {
                format!("{}/", chart.folder)
            };
            let _ = writeln!(
                h,
                "\n<figcaption><strong>How to read it.</strong> {how} <span class=\"muted\">\
                 (<code>{folder}{}.svg</code>)</span></figcaption>\n</figure>",
                esc(&chart.stem)
            );
        }
        h.push_str("</section>\n");
    }

    fn provenance(&self, h: &mut String) {
        let m = self.manifest;
        h.push_str("<section id=\"provenance\">\n<h2>Provenance</h2>\n<dl class=\"provenance\">\n");
        let mut row = |k: &str, v: String| {
            let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
        };
        row("swapsim version", esc(&m.swapsim_version));
        row("scenario file", esc(&m.scenario_file));
        row(
            "scenario SHA-256",
            format!("<code>{}</code>", esc(&m.scenario_sha256)),
        );
        row("seed", m.seed.to_string());
        match self.analysis {
            Some(a) => {
                row("analysis", esc(a.kind().name()));
                let points = a
                    .design_points()
                    .or_else(|| design_points(m))
                    .map(|p| p as f64);
                if points.is_some() {
                    row("design points", people(points));
                }
                if let Some(manifest::Analysis::Design {
                    samples,
                    trajectories,
                    levels,
                    ..
                }) = &m.analysis
                {
                    for (v, label) in [
                        (samples, "base samples"),
                        (trajectories, "trajectories"),
                        (levels, "levels"),
                    ] {
                        if let Some(v) = v {
                            row(label, people(Some(*v as f64)));
                        }
                    }
                }
                row("trials per design point", people(Some(m.trials as f64)));
            }
            None => row("trials", people(Some(m.trials as f64))),
        }
        if !m.configurations.is_empty() {
            let names: Vec<String> = m
                .configurations
                .iter()
                .map(String::as_str)
                .map(esc)
                .collect();
            row("configurations", names.join("; "));
        }
        row("threads", m.threads.to_string());
        row("wall time", format!("{:.2} s", m.wall_time_seconds));
        row("finished", esc(&m.finished_at));
        h.push_str("</dl>\n");
        // A run's methods, or the methods an analysis states in its file
        // (its text fields but the analysis' name).
        let methods: Option<Vec<(&str, &str)>> = match (self.summary, self.analysis) {
            (Some(s), _) => Some(run_methods(&s.methods).to_vec()),
            (None, Some(a)) => Some(a.methods()),
            (None, None) => None,
        };
        if let Some(methods) = methods {
            h.push_str("<h3>Methods</h3>\n<ul>\n");
            for (k, v) in methods {
                let _ = writeln!(h, "<li><code>{}</code>: {}</li>", esc(k), esc(v));
            }
            h.push_str("</ul>\n");
        }
        h.push_str(
            "<p class=\"note\">The same scenario file (same SHA-256), seed and number of trials \
             give the same numbers on any machine and any number of threads.</p>\n</section>\n",
        );
    }
}

/// The headline numbers of a run, each with its 95% interval.
fn key_numbers(h: &mut String, s: &Summary) {
    let deadline = &s.deadline;
    let o = &s.outcomes.returned_by_deadline;
    let p = &s.probabilities;
    h.push_str("<section id=\"numbers\">\n<h2>Key numbers</h2>\n<ul class=\"numbers\">\n");
    let mut card = |what: String, value: String, interval: String| {
        let _ = writeln!(
            h,
            "<li><span class=\"what\">{what}</span><span class=\"value\">{value}</span>\
             <span class=\"interval\">{interval}</span></li>"
        );
    };
    card(
        format!("People returned by {} (mean)", esc(deadline)),
        people(Some(o.mean)),
        format!(
            "95% interval {} to {}; in 90% of futures between {} and {}",
            people(Some(o.ci95[0])),
            people(Some(o.ci95[1])),
            people(Some(o.p5)),
            people(Some(o.p95))
        ),
    );
    card(
        format!("People returned by {} (median)", esc(deadline)),
        people(Some(o.p50)),
        format!(
            "95% interval {} to {}",
            people(Some(o.p50_ci95[0])),
            people(Some(o.p50_ci95[1]))
        ),
    );
    let mut prob = |what: String, v: Option<&Proportion>| {
        if let Some(v) = v {
            card(
                what,
                percent(Some(v.estimate)),
                format!(
                    "95% interval {} to {}",
                    percent(Some(v.ci95[0])),
                    percent(Some(v.ci95[1]))
                ),
            );
        }
    };
    if let Some(pool) = s.pool {
        prob(
            format!(
                "Chance that all {} are returned by {}",
                people(Some(pool as f64)),
                esc(deadline)
            ),
            p.target_by_deadline.as_ref(),
        );
    }
    prob(
        format!("Chance of no exchange round by {}", esc(deadline)),
        Some(&p.no_round_by_deadline),
    );
    prob(
        format!(
            "Chance the process is suspended within {} days",
            s.horizon_days
        ),
        Some(&p.suspended_within_horizon),
    );
    prob(
        "Chance the process collapses".to_string(),
        Some(&p.collapse),
    );
    for (d, what) in [
        (
            &s.first_suspension_day,
            "Median time to the first suspension",
        ),
        (
            &s.target_day,
            "Median time until the whole pool is returned",
        ),
    ] {
        if std::ptr::eq(d, &s.target_day) && s.pool.is_none() {
            continue;
        }
        let (value, reached) = match (d.median, &d.median_date) {
            (Some(days), Some(date)) => (format!("{days} days ({})", esc(date)), true),
            _ => ("beyond the horizon".to_string(), false),
        };
        if !reached && d.ci95[0].is_none() {
            card(
                what.to_string(),
                value,
                "it does not happen in more than half of the futures within the horizon"
                    .to_string(),
            );
            continue;
        }
        let day =
            |v: Option<u32>| v.map_or_else(|| "beyond the horizon".to_string(), |d| d.to_string());
        card(
            what.to_string(),
            value,
            format!("95% interval {} to {} days", day(d.ci95[0]), day(d.ci95[1])),
        );
    }
    let _ = writeln!(
        h,
        "</ul>\n<p class=\"note\">From {} simulated futures starting {}, over {} days.</p>\n</section>",
        people(Some(s.trials as f64)),
        esc(&s.start_date),
        s.horizon_days
    );
}

/// The heading and caption of an ensemble's fan chart, saying which fan it
/// draws and what its bands rest on; `run_caption` is a run's own, for the
/// chart of an ensemble written before ensembles drew theirs.
fn ensemble_fan_caption(a: &AssumptionsSummary, run_caption: &str) -> (String, String) {
    let heading = "People returned over time, across the assumptions".to_string();
    let deadline = "The vertical line is the deadline.";
    let caption = match a.fan_chart {
        Some(fan @ Fan::Predictive) => format!(
            "The bands pool the simulated futures of every parameter set, {} (one draw per \
             future), so they hold the assumptions and chance together. The line is the median \
             of those futures, the dark band holds their middle half (25th to 75th percentile), \
             the light band 90% of them (5th to 95th). {deadline} The bands show how widely \
             possible futures spread over the scenario's assumptions, not the uncertainty of an \
             estimate.",
            fan.basis(a.parameter_sets, a.trials_per_set)
        ),
        Some(fan @ Fan::MedianAcross) => format!(
            "Each parameter set has its own median number of people returned so far; the band \
             holds 90% of those medians (5th to 95th percentile across parameter sets) and the \
             line is their median: {}. It shows how far the typical outcome moves with the \
             scenario's assumptions, without the spread of single futures. {deadline}",
            fan.basis(a.parameter_sets, a.trials_per_set)
        ),
        // Written before the fan was recorded, but with the pooled trials
        // that either fan is drawn from (they came with `methods.medians`).
        None if a.methods.medians.is_some() => format!(
            "This folder does not record which fan its chart draws (it was written before \
             swapsim recorded it); the note on the chart says which. Either the bands are the \
             percentiles of people returned over every simulated future of every parameter set \
             ({}: assumptions and chance together), or the band holds 90% of the parameter \
             sets' medians (5th to 95th percentile across sets, one median of {} per set). \
             {deadline}",
            Fan::Predictive.basis(a.parameter_sets, a.trials_per_set),
            crate::format::counted(a.trials_per_set, "trial")
        ),
        // Before an ensemble pooled its sets' trials, its fan chart was the
        // central run's.
        None => {
            return (
                "People returned over time, at the central values".to_string(),
                format!(
                    "{run_caption} This chart shows the {} at the central values only, not \
                     the spread across the scenario's assumptions: this folder was written \
                     before an ensemble drew its fan chart over the parameter sets.",
                    crate::format::counted(a.trials_per_set, "simulated future")
                ),
            );
        }
    };
    (heading, caption)
}

/// The caption of a chart of one key probability across the parameter
/// sets, with the numbers of sets and trials it rests on.
fn across_caption(a: &AssumptionsSummary) -> String {
    format!(
        "Each bar is the share of the {}, drawn from the scenario's stated ranges, whose \
         estimate (from {} each) falls in that range of values; the shaded band holds the \
         middle 90% of the sets and the dashed line is the estimate at the central values. A \
         wide spread means the answer rests on the assumptions more than on chance.",
        crate::format::counted(a.parameter_sets as u64, "parameter set"),
        crate::format::counted(a.trials_per_set, "simulated future"),
    )
}

/// How much of an outcome's variance the assumptions explain, in words.
fn share_in_words(share: f64) -> &'static str {
    if share < 0.05 {
        "almost all of its variation is chance: which future unfolds matters far more than the \
         assumed values"
    } else if share < 1.0 / 3.0 {
        "chance explains most of its variation, the assumptions a smaller part"
    } else if share < 2.0 / 3.0 {
        "the assumptions and chance explain its variation about equally"
    } else if share < 0.95 {
        "the assumptions explain most of its variation, chance a smaller part"
    } else {
        "almost all of its variation comes from the assumptions: knowing them better would \
         sharpen the answer most"
    }
}

/// The two layers of every key outcome: at the central values, and across
/// the scenario's assumptions, each number with its interval.
fn across_assumptions(h: &mut String, a: &AssumptionsSummary, scenario: &Value) {
    h.push_str("<section id=\"across-assumptions\">\n<h2>Across the scenario's assumptions</h2>\n");
    let _ = writeln!(
        h,
        "<p>The intervals above measure only the noise of simulating a finite number of \
         futures at the values the scenario writes down (its central values). The scenario \
         marks {} of those values as uncertain, each with a stated range; {} combinations of \
         them (parameter sets) were drawn over those ranges, each run on the same {} simulated \
         futures. Each number below keeps its 95% interval, which measures the error from \
         drawing a finite number of sets and futures.</p>",
        people(Some(a.uncertainties.len() as f64)),
        people(Some(a.parameter_sets as f64)),
        people(Some(a.trials_per_set as f64)),
    );
    h.push_str("<ul class=\"numbers\">\n");
    for o in &a.outcomes {
        layer_card(h, o, scenario);
    }
    for m in &a.medians {
        median_card(h, m);
    }
    h.push_str(
        "</ul>\n<p class=\"note\"><strong>How to read it.</strong> \"Across the scenario's \
         assumptions\" is the range that 90% of the parameter sets fall in (5th to 95th \
         percentile of the per-set estimates); \"over all draws\" pools assumptions and chance \
         into one predictive estimate. The share of variance splits the outcome's variation \
         between the assumptions and chance (law of total variance, with the simulation's \
         noise removed from the assumptions' part).</p>\n</section>\n",
    );
}

fn layer_card(h: &mut String, o: &OutcomeLayers, scenario: &Value) {
    let key = o.outcome.design_key();
    let scale = Scale::of(key);
    let v = |x: f64| scale.level(Some(x));
    let pair = |[lo, hi]: [f64; 2]| format!("{} to {}", v(lo), v(hi));
    let l = &o.layers;
    let across = &l.across;
    let headline = format!(
        "{} at the central values; {}–{} across the scenario's assumptions (90% of draws)",
        scale.level(o.central.estimate),
        v(across.p5.estimate),
        v(across.p95.estimate)
    );
    let share = match (l.variance.share, l.variance.share_ci95) {
        (Some(s), Some(ci)) => format!(
            "The assumptions explain {} of its variance (95% interval {} to {}): {}.",
            percent(Some(s)),
            percent(Some(ci[0])),
            percent(Some(ci[1])),
            share_in_words(s)
        ),
        (Some(s), None) => format!(
            "The assumptions explain {} of its variance: {}.",
            percent(Some(s)),
            share_in_words(s)
        ),
        _ => "It does not vary at all, so no share of its variance is due to the assumptions."
            .to_string(),
    };
    let percentiles = across_percentiles([
        (v(across.p5.estimate), pair(across.p5.ci95)),
        (v(across.p50.estimate), pair(across.p50.ci95)),
        (v(across.p95.estimate), pair(across.p95.ci95)),
    ]);
    let detail = format!(
        "Central values: standard error {}. 5th percentile across the assumptions \
         {percentiles}. Over all draws {} (95% interval {}). {share}",
        scale.change(o.central.se),
        v(l.predictive.estimate),
        pair(l.predictive.ci95),
    );
    layer_item(
        h,
        key,
        &capitalise(&outcome_label(key, scenario)),
        &headline,
        &detail,
    );
}

/// "X (95% interval A to B), median ..., 95th percentile ...", to follow
/// the words naming the 5th percentile, from each percentile's estimate
/// and interval as text.
fn across_percentiles([p5, p50, p95]: [(String, String); 3]) -> String {
    format!(
        "{} (95% interval {}), median {} (95% interval {}), 95th percentile {} (95% interval {})",
        p5.0, p5.1, p50.0, p50.1, p95.0, p95.1
    )
}

/// One row of the list of two-layer outcomes.
fn layer_item(h: &mut String, id: &str, label: &str, headline: &str, detail: &str) {
    let _ = writeln!(
        h,
        "<li id=\"layers-{}\"><span class=\"what\">{}</span><span class=\"value\">{}</span>\
         <span class=\"interval\">{}</span></li>",
        esc(id),
        esc(label),
        esc(headline),
        esc(detail)
    );
}

/// A median outcome's two layers: the median over all draws and the spread
/// of the per-set median. A day at or beyond the horizon reads "none within
/// the horizon".
fn median_card(h: &mut String, m: &MedianLayers) {
    let o = m.outcome;
    let day = o.censored();
    let v = |x: Option<f64>| match (x, day) {
        (None, true) => "none within the horizon".to_string(),
        (x, true) => format!("day {}", people(x)),
        (x, false) => people(x),
    };
    let pair = |[lo, hi]: [Option<f64>; 2]| format!("{} to {}", v(lo), v(hi));
    let across = &m.across;
    let headline = format!(
        "{} at the central values; {}–{} across the scenario's assumptions (90% of parameter \
         sets)",
        v(m.central.estimate),
        v(across.p5.estimate),
        v(across.p95.estimate)
    );
    let percentiles = across_percentiles([
        (v(across.p5.estimate), pair(across.p5.ci95)),
        (v(across.p50.estimate), pair(across.p50.ci95)),
        (v(across.p95.estimate), pair(across.p95.ci95)),
    ]);
    let detail = format!(
        "Central values: 95% interval {}. Median of each parameter set: 5th percentile \
         {percentiles}. Over all draws (every future of every set) {} (95% interval {}).",
        pair(m.central.ci95),
        v(m.predictive.estimate),
        pair(m.predictive.ci95),
    );
    let label = o.compared().map_or(o.id(), |c| c.label);
    layer_item(h, o.id(), &capitalise(label), &headline, &detail);
}

/// The robust comparison: per key outcome, the verdict in words and each
/// configuration's share of sets where it is best, its regret and its
/// difference from the reference across the assumptions.
fn robustness(h: &mut String, r: &RobustnessFile, scenario: &Value) {
    h.push_str(
        "<section id=\"robustness\">\n<h2>Which configuration holds up across the \
         assumptions</h2>\n",
    );
    let _ = writeln!(
        h,
        "<p>Every configuration was also run at {} parameter sets drawn over the scenario's \
         {} uncertain assumptions, each on the same {} simulated futures (seed {}), so in each \
         set the configurations face the same wars. The reference is <strong>{}</strong>.</p>",
        people(Some(r.parameter_sets as f64)),
        people(Some(r.uncertainties.len() as f64)),
        people(Some(r.trials_per_set as f64)),
        r.seed,
        esc(&r.reference)
    );
    for o in &r.outcomes {
        let key = o.outcome.design_key();
        let scale = Scale::of(key);
        let c = |v: f64| scale.change(Some(v));
        let ci = |[lo, hi]: [f64; 2]| format!("{} to {}", c(lo), c(hi));
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<p class=\"verdict\"><strong>Verdict.</strong> {}</p>",
            esc(&capitalise(&outcome_label(key, scenario))),
            esc(&o.verdict)
        );
        h.push_str(
            "<div class=\"table-wrap\"><table>\n<thead><tr><th>configuration</th>\
             <th>best in (share of sets, 95% interval)</th>\
             <th>mean regret (95% interval)</th><th>largest regret</th>\
             <th>difference from the reference: 5th percentile (95% interval)</th>\
             <th>median (95% interval)</th><th>95th percentile (95% interval)</th>\
             </tr></thead>\n<tbody>\n",
        );
        for row in &o.configurations {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{} ({} to {})</td>\
                 <td class=\"num\">{} ({})</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{} ({})</td><td class=\"num\">{} ({})</td>\
                 <td class=\"num\">{} ({})</td></tr>",
                esc(&row.configuration),
                percent(Some(row.p_best)),
                percent(Some(row.p_best_ci95[0])),
                percent(Some(row.p_best_ci95[1])),
                c(row.mean_regret),
                ci(row.mean_regret_ci95),
                c(row.max_regret),
                c(row.diff_p5),
                ci(row.diff_p5_ci95),
                c(row.diff_p50),
                ci(row.diff_p50_ci95),
                c(row.diff_p95),
                ci(row.diff_p95_ci95),
            );
        }
        h.push_str("</tbody></table></div>\n");
    }
    h.push_str(
        "<p class=\"note\"><strong>How to read it.</strong> Regret is how far a configuration \
         falls short of the best configuration of the same parameter set, with the simulation's \
         noise removed (the best is picked on half of a set's futures and the shortfall \
         measured on the other half); a configuration that is best in every set has none. The \
         largest regret is the worst case among the sets drawn, so it has no interval and can \
         only grow with more sets. Differences of probabilities are in percentage points \
         (pp).</p>\n</section>\n",
    );
}

/// The box of assumptions `discover` found, in words and as a table of
/// bounds.
fn discovered(h: &mut String, d: &DiscoverResult) {
    let found = &d.discovery.found;
    h.push_str(
        "<section id=\"discovery\">\n<h2>When the answer turns: the assumptions that lead \
         there</h2>\n",
    );
    let _ = writeln!(h, "<p>{}.</p>", esc(&capitalise(&discover::in_words(d))));
    let _ = writeln!(
        h,
        "<p>Coverage {} (95% interval {} to {}): the share of the {} parameter sets where it \
         happens that lie in the box. Density {} (95% interval {} to {}): the share of the \
         box's {} sets where it happens, against {} over all {} sets.</p>",
        percent(Some(found.coverage)),
        percent(Some(found.coverage_ci95[0])),
        percent(Some(found.coverage_ci95[1])),
        people(Some(d.discovery.events as f64)),
        percent(Some(found.density)),
        percent(Some(found.density_ci95[0])),
        percent(Some(found.density_ci95[1])),
        people(Some(found.points as f64)),
        percent(Some(
            d.discovery.events as f64 / d.discovery.points.max(1) as f64
        )),
        people(Some(d.discovery.points as f64)),
    );
    if !found.bounds.is_empty() {
        h.push_str(
            "<div class=\"table-wrap\"><table>\n<thead><tr><th>assumption</th>\
             <th>from</th><th>to</th><th>its whole range over the sets</th></tr></thead>\n\
             <tbody>\n",
        );
        for b in &found.bounds {
            let name = d
                .parameters
                .get(b.parameter)
                .map_or("(an unnamed parameter)", String::as_str);
            let [lo, hi] = d
                .discovery
                .ranges
                .get(b.parameter)
                .copied()
                .unwrap_or([f64::NAN; 2]);
            let bound = |v: Option<f64>| v.map_or_else(|| "any".to_string(), |v| sig4(Some(v)));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{} to {}</td></tr>",
                param_code(name),
                bound(b.lower),
                bound(b.upper),
                sig4(Some(lo)),
                sig4(Some(hi))
            );
        }
        h.push_str("</tbody></table></div>\n");
    }
    h.push_str(
        "<p class=\"note\"><strong>How it was found.</strong> PRIM (patient rule induction): \
         the box starts as the whole space and is shrunk a few sets at a time on the side that \
         most raises the share of sets where it happens; the box chosen is the densest that \
         still holds the stated share of those sets, then widened again where that raises its \
         density. Only the assumptions it restricts are listed.</p>\n</section>\n",
    );
}

/// The configurations compared and, for each key outcome, every
/// configuration's estimate and paired difference from the reference.
fn comparison(h: &mut String, c: &ComparisonFile) {
    let reference = &c.reference;
    h.push_str("<section id=\"comparison\">\n<h2>Comparison</h2>\n");
    let _ = writeln!(
        h,
        "<p>{} configurations, each run on the same {} simulated futures (seed {}); the \
         reference is <strong>{}</strong>.</p>",
        c.configurations.len(),
        people(Some(c.trials as f64)),
        c.seed,
        esc(reference)
    );
    h.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>configuration</th><th>what it is</th>\
         <th>mediators</th></tr></thead>\n<tbody>\n",
    );
    for config in &c.configurations {
        let mediators: Vec<String> = config
            .mediators
            .iter()
            .map(String::as_str)
            .map(esc)
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&config.name),
            esc(&config.description),
            if mediators.is_empty() {
                "none".to_string()
            } else {
                mediators.join(", ")
            }
        );
    }
    h.push_str("</tbody></table></div>\n");
    let mut order: Vec<Outcome> = Vec::new();
    for o in &c.outcomes {
        if !order.contains(&o.outcome) {
            order.push(o.outcome);
        }
    }
    for key in order {
        let rows: Vec<&ComparedOutcome> = c
            .outcomes
            .iter()
            .filter(|o| o.outcome == key)
            .filter(|o| o.estimate.is_some() || o.diff.is_some())
            .collect();
        let Some(first) = rows.first() else {
            continue;
        };
        let unit: &str = &first.unit;
        let _ = writeln!(h, "<h3>{}</h3>", esc(&first.label));
        h.push_str(
            "<div class=\"table-wrap\"><table>\n<thead><tr><th>configuration</th>\
             <th>estimate (95% interval)</th><th>difference from the reference (95% interval)</th>\
             </tr></thead>\n<tbody>\n",
        );
        for o in rows {
            let diff = if &o.configuration == reference {
                "reference".to_string()
            } else {
                format!(
                    "{} ({} to {})",
                    quantity(o.diff, unit, true),
                    quantity(o.diff_ci95[0], unit, true),
                    quantity(o.diff_ci95[1], unit, true)
                )
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{} ({} to {})</td><td class=\"num\">{}</td></tr>",
                esc(&o.configuration),
                quantity(o.estimate, unit, false),
                quantity(o.ci95[0], unit, false),
                quantity(o.ci95[1], unit, false),
                diff
            );
        }
        h.push_str("</tbody></table></div>\n");
    }
    h.push_str(
        "<p class=\"note\"><strong>How to read a paired difference.</strong> Trial <em>n</em> \
         of every configuration faces the same simulated war, so the difference is computed \
         trial by trial and the luck both share cancels out. Its interval is therefore much \
         narrower than the separate intervals suggest: when those overlap, the paired interval \
         can still lie clearly on one side of zero, and that is the number to report. \
         Differences of probabilities are in percentage points (pp).</p>\n</section>\n",
    );
}

/// "Which assumptions matter": what the analysis did, in plain words, the
/// uncertainties it varied, and for each key outcome a table of the
/// uncertainties by importance (or of the values swept), as the analysis'
/// JSON file holds them.
fn sensitivity(h: &mut String, a: &Analysis, manifest: &Manifest, charts: &[Chart]) {
    let ctx = a.context();
    let trials = Some(ctx.trials_per_point as f64);
    let seed = ctx.seed.to_string();
    let points = a
        .design_points()
        .or_else(|| design_points(manifest))
        .map(|p| p as f64);
    let uncertainties = a.uncertainties();
    let d = uncertainties.len();
    h.push_str("<section id=\"sensitivity\">\n<h2>Which assumptions matter</h2>\n");
    let what = match a {
        Analysis::Tornado(_) => format!(
            "Each of the {d} uncertain assumptions in turn was set to the low and then to the \
             high end of its range (the ends of a uniform range, the 5th and 95th percentiles \
             of any other law) while every other value stayed as written in the scenario. The \
             <strong>swing</strong> is how far the outcome moves between the two: the wider \
             the swing, the more the answer rests on that assumption. Because each assumption \
             is moved alone, an effect that depends on two assumptions together does not show."
        ),
        Analysis::Sobol(_) => format!(
            "All {d} uncertain assumptions were drawn at once from their ranges, over many \
             combinations. For each outcome, the <strong>total-order index</strong> of an \
             assumption is the share of the outcome's variation across those combinations \
             that would disappear if that assumption were known exactly, through its own \
             effect and its interactions with the others; the <strong>first-order \
             index</strong> is the share it explains on its own. An assumption whose \
             total-order index is near 0 can be fixed anywhere in its range without changing \
             the answer. Each index has a 95% bootstrap interval; estimates a little below 0 \
             or intervals reaching past 1 are sampling noise. The <strong>inner-noise \
             share</strong> is the part of the variation that comes from the finite number of \
             simulated futures at each combination: indices no larger than it cannot be told \
             from noise."
        ),
        Analysis::Morris(f) => format!(
            "Each of the {d} uncertain assumptions was moved in steps across its range along \
             {} random paths through all of them (Morris screening), a cheap way to rank many \
             assumptions. <strong>mu*</strong> is the average size of the change in the \
             outcome when an assumption moves across its whole range, with its 95% bootstrap \
             interval: the larger, the more influential. <strong>sigma</strong> is how much \
             that change varies from one path to another: a sigma comparable to mu* means the \
             effect depends on the other assumptions or is not a straight line. The \
             <strong>noise floor</strong> is the mu* that the simulation's own noise would \
             give an assumption with no effect: values near it are negligible. Changes of \
             probabilities are in percentage points (pp).",
            people(Some(f.trajectories as f64))
        ),
        Analysis::Sweep(f) => {
            let p = &f.parameter;
            let written = match p.base {
                Some(b) => format!("written as {} in the scenario", sig4(Some(b))),
                None => "left to its default in the scenario".to_string(),
            };
            format!(
                "One assumption, {} ({written}), was set to each of {} values while every \
                 other value stayed as written. Every value was run on the same simulated \
                 futures, so that the differences between values owe as little as possible to \
                 chance. A line that stays flat within its intervals means the assumption does \
                 not matter over the values tried.",
                param_code(&p.path),
                f.values.len()
            )
        }
    };
    let _ = writeln!(h, "<p>{what}</p>");
    let mut facts = Vec::new();
    if let Analysis::Sobol(f) = a {
        facts.push(format!("{} base samples", people(Some(f.samples as f64))));
    }
    if let Analysis::Morris(f) = a {
        facts.push(format!(
            "{} levels per range",
            people(Some(f.levels as f64))
        ));
    }
    if points.is_some() {
        facts.push(format!("{} design points", people(points)));
    }
    facts.push(format!(
        "{} simulated futures at each (seed {}), the same futures everywhere",
        people(trials),
        esc(&seed)
    ));
    let _ = writeln!(
        h,
        "<p class=\"note\">{}.</p>",
        capitalise(&facts.join("; "))
    );
    if !uncertainties.is_empty() {
        uncertainty_table(h, uncertainties, Some(&manifest.scenario_text));
    }
    let scenario = &manifest.scenario;
    let kind = a.kind().name();
    for o in a.outcomes() {
        let key = o.design_key();
        let scale = Scale::of(key);
        let _ = writeln!(
            h,
            "<h3 id=\"{kind}-{}\">{}</h3>",
            esc(key),
            esc(&outcome_label(key, scenario))
        );
        let chart = format!("{kind}_{key}");
        let link = if charts.iter().any(|c| c.stem == chart) {
            format!(" <a href=\"#chart-{}\">See its chart.</a>", esc(&chart))
        } else {
            String::new()
        };
        match a {
            Analysis::Tornado(f) => tornado_table(h, f, o, scale, &link),
            Analysis::Sobol(f) => sobol_table(h, f.outcomes.get(o), &link),
            Analysis::Morris(f) => morris_table(h, f.outcomes.get(o), scale, &link),
            Analysis::Sweep(f) => sweep_table(h, f, o, scale, &link),
        }
    }
    h.push_str("</section>\n");
}

/// The uncertainties varied: path, law and range, and the value written in
/// the scenario.
fn uncertainty_table(h: &mut String, uncertainties: &[UncertaintyEntry], file_text: Option<&str>) {
    h.push_str(
        "<h3>The uncertain assumptions</h3>\n<p>Each assumption varied and the range it was \
         varied over. The reason is the comment on its entry in the scenario file's \
         <code>[uncertainties]</code> table; the basis of each value as written is in the \
         <a href=\"#assumptions\">assumptions table</a>.</p>\n\
         <div class=\"table-wrap\"><table class=\"stack\" id=\"uncertainties\">\n<thead><tr>\
         <th>parameter</th><th>law</th><th>range</th><th>as written</th><th>reason</th></tr>\
         </thead>\n<tbody>\n",
    );
    let reasons = file_text.map(uncertainty_comments);
    for u in uncertainties {
        let path = &u.path;
        let reason = match &reasons {
            None => "not recorded".to_string(),
            Some(reasons) => reasons
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, r)| esc(r))
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "no comment in the file".to_string()),
        };
        let (min, max) = law_range(&u.law);
        let written = match u.base {
            Some(b) => sig4(Some(b)),
            None => "the default".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"param\">{}</td><td data-label=\"law\">{}</td>\
             <td data-label=\"range\" class=\"num\">{} to {}</td>\
             <td data-label=\"as written\" class=\"num\">{}</td>\
             <td data-label=\"reason\">{reason}</td></tr>",
            param_code(path),
            esc(&u.description),
            sig4(Some(min)),
            sig4(Some(max)),
            written
        );
    }
    h.push_str("</tbody></table></div>\n");
}

/// The bounds every law has after validation.
fn law_range(law: &Law) -> (f64, f64) {
    match *law {
        Law::Uniform { min, max }
        | Law::Triangular { min, max, .. }
        | Law::Normal { min, max, .. }
        | Law::Lognormal { min, max, .. } => (min, max),
    }
}

/// The comment on each entry of a scenario file's `[uncertainties]` table,
/// by path: the comment lines just above the entry and any comment at the
/// end of its line.
pub fn uncertainty_comments(file_text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut above: Vec<String> = Vec::new();
    for line in file_text.lines() {
        let (code, comment) = split_comment(line);
        let code = code.trim();
        if code.starts_with('[') {
            inside = code.trim_start_matches('[').trim_end_matches(']').trim() == "uncertainties";
            above.clear();
            continue;
        }
        if !inside {
            continue;
        }
        if code.is_empty() {
            if comment.trim().is_empty() {
                // A blank line ends the comment above.
                above.clear();
            } else {
                above.push(comment.trim().to_string());
            }
            continue;
        }
        let Some((key, _)) = code.split_once('=') else {
            continue;
        };
        above.push(comment.trim().to_string());
        let reason = above
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        out.push((key.trim().trim_matches('"').to_string(), reason));
        above.clear();
    }
    out
}

/// Rows sorted by `key`, largest first; rows without a number last.
fn largest_first<T>(rows: &[T], key: impl Fn(&T) -> Option<f64>) -> Vec<&T> {
    let mut out: Vec<&T> = rows.iter().collect();
    out.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (x, y) => y.is_some().cmp(&x.is_some()),
    });
    out
}

/// An estimate with its 95% interval in smaller type.
fn with_interval(estimate: String, low: String, high: String) -> String {
    format!("{estimate} <span class=\"muted\">({low} to {high})</span>")
}

/// A point estimate in its outcome's unit, with its interval; `n/a` for
/// an outcome the file does not hold.
fn level_with_interval(e: Option<&PointEstimate>, scale: Scale) -> String {
    with_interval(
        scale.level(e.and_then(|e| e.estimate)),
        scale.level(e.and_then(|e| e.ci95[0])),
        scale.level(e.and_then(|e| e.ci95[1])),
    )
}

fn tornado_table(h: &mut String, f: &TornadoFile, o: Outcome, scale: Scale, link: &str) {
    let base = f.base.get(o);
    let _ = writeln!(
        h,
        "<p>With every value as written: {} (95% interval {} to {}).{link}</p>",
        scale.level(base.and_then(|b| b.estimate)),
        scale.level(base.and_then(|b| b.ci95[0])),
        scale.level(base.and_then(|b| b.ci95[1]))
    );
    h.push_str(
        "<div class=\"table-wrap\"><table class=\"stack\">\n<thead><tr><th>uncertainty</th>\
         <th>low value</th><th>outcome at the low value (95% interval)</th><th>high value</th>\
         <th>outcome at the high value (95% interval)</th><th>swing</th></tr></thead>\n<tbody>\n",
    );
    let bars = f.bars.get(o).map_or(&[][..], Vec::as_slice);
    for bar in largest_first(bars, |b| b.swing) {
        let _ = writeln!(
            h,
            "<tr><td class=\"param\">{}</td><td data-label=\"low value\" class=\"num\">{}</td>\
             <td data-label=\"at the low value\" class=\"num\">{}</td>\
             <td data-label=\"high value\" class=\"num\">{}</td>\
             <td data-label=\"at the high value\" class=\"num\">{}</td>\
             <td data-label=\"swing\" class=\"num\"><strong>{}</strong></td></tr>",
            param_code(&bar.parameter),
            sig4(Some(bar.low_value)),
            level_with_interval(Some(&bar.at_low), scale),
            sig4(Some(bar.high_value)),
            level_with_interval(Some(&bar.at_high), scale),
            scale.change(bar.swing)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

fn sobol_table(h: &mut String, o: Option<&SobolOutcome>, link: &str) {
    let rows = largest_first(o.map_or(&[][..], |o| &o.indices), |x| {
        x.total_order.estimate
    });
    let varies = rows.iter().any(|x| x.total_order.estimate.is_some());
    let _ = writeln!(
        h,
        "<p>{}{link}</p>",
        if varies {
            format!(
                "Inner-noise share {}: indices no larger than this cannot be told from noise.",
                index(o.and_then(|o| o.inner_noise_share))
            )
        } else {
            "This outcome does not vary over the design, so no assumption explains any of \
             its variation."
                .to_string()
        }
    );
    h.push_str(
        "<div class=\"table-wrap\"><table class=\"stack\">\n<thead><tr><th>uncertainty</th>\
         <th>total-order index (95% interval)</th><th>first-order index (95% interval)</th>\
         </tr></thead>\n<tbody>\n",
    );
    let cell =
        |x: &IntervalEstimate| with_interval(index(x.estimate), index(x.ci95[0]), index(x.ci95[1]));
    for x in rows {
        let _ = writeln!(
            h,
            "<tr><td class=\"param\">{}</td><td data-label=\"total-order\" class=\"num\">\
             <strong>{}</strong></td><td data-label=\"first-order\" class=\"num\">{}</td></tr>",
            param_code(&x.parameter),
            cell(&x.total_order),
            cell(&x.first_order)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

fn morris_table(h: &mut String, o: Option<&MorrisOutcome>, scale: Scale, link: &str) {
    let _ = writeln!(
        h,
        "<p>Noise floor {}: a mu* near it cannot be told from noise.{link}</p>",
        scale.change(o.and_then(|o| o.noise_floor))
    );
    h.push_str(
        "<div class=\"table-wrap\"><table class=\"stack\">\n<thead><tr><th>uncertainty</th>\
         <th>mu* (95% interval)</th><th>sigma</th></tr></thead>\n<tbody>\n",
    );
    let effects = o.map_or(&[][..], |o| &o.effects);
    for e in largest_first(effects, |e| e.mu_star.estimate) {
        let m = &e.mu_star;
        let _ = writeln!(
            h,
            "<tr><td class=\"param\">{}</td><td data-label=\"mu*\" class=\"num\"><strong>{}\
             </strong></td><td data-label=\"sigma\" class=\"num\">{}</td></tr>",
            param_code(&e.parameter),
            with_interval(
                scale.change(m.estimate),
                scale.change(m.ci95[0]),
                scale.change(m.ci95[1])
            ),
            scale.change(e.sigma)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

fn sweep_table(h: &mut String, f: &SweepFile, o: Outcome, scale: Scale, link: &str) {
    let base = f.parameter.base;
    if !link.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", link.trim_start());
    }
    let _ = writeln!(
        h,
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>value of {}</th>\
         <th>estimate (95% interval)</th></tr></thead>\n<tbody>",
        param_code(&f.parameter.path)
    );
    for v in &f.values {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}{}</td><td class=\"num\">{}</td></tr>",
            sig4(Some(v.value)),
            if Some(v.value) == base {
                " (as written)"
            } else {
                ""
            },
            level_with_interval(v.outcomes.get(o), scale)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

/// A key outcome of a design in plain words, as the key numbers of a run
/// name it; an unknown key as it is. The target and horizon come from the
/// manifest's echo of the scenario (a JSON tree, see `Manifest::scenario`),
/// not from an analysis file.
fn outcome_label(key: &str, scenario: &Value) -> String {
    let words = TitleWords {
        deadline: text(&scenario["target"]["deadline"]),
        // The report names the horizon by its length.
        horizon_end: String::new(),
        horizon_days: text(&scenario["simulation"]["horizon_days"]),
        pool: scenario["target"]["pool"]
            .as_f64()
            .map(|pool| people(Some(pool))),
    };
    Outcome::from_design_key(key)
        .and_then(|o| o.title(TitleStyle::Report, &words))
        .unwrap_or_else(|| key.to_string())
}

/// How a key outcome's values read: probabilities as percentages (and
/// their changes in percentage points), people as whole numbers with
/// thousands separators, counts of suspensions with two decimals.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    Probability,
    People,
    Count,
}

impl Scale {
    fn of(key: &str) -> Scale {
        match Outcome::from_design_key(key).map(Outcome::unit) {
            Some(Unit::Probability) => Scale::Probability,
            Some(Unit::People) => Scale::People,
            Some(Unit::Day | Unit::Days | Unit::Suspensions) | None => Scale::Count,
        }
    }

    /// A value of the outcome.
    fn level(self, v: Option<f64>) -> String {
        match self {
            Scale::Probability => percent(v),
            Scale::People => people(v),
            Scale::Count => decimals(v, 2),
        }
    }

    /// A change of the outcome (a swing, an effect).
    fn change(self, v: Option<f64>) -> String {
        match self {
            Scale::Probability => match v.filter(|v| v.is_finite()) {
                Some(v) => format!("{} pp", decimals(Some(100.0 * v), 1)),
                None => "n/a".to_string(),
            },
            other => other.level(v),
        }
    }
}

/// A number with `places` decimals and a true minus sign.
fn decimals(v: Option<f64>, places: usize) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.places$}").replace('-', "−"),
        None => "n/a".to_string(),
    }
}

/// A Sobol index (or share of variance), with three decimals.
fn index(v: Option<f64>) -> String {
    decimals(v, 3)
}

/// A parameter value with at most four significant digits, in the plain
/// decimal form of a scenario file: "0.0927", "0.00002251", "1200".
fn sig4(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "n/a".to_string(), |v| crate::format::sig_trimmed(v, 4))
}

/// A parameter's dotted path as code; long paths may break after a dot.
fn param_code(path: &str) -> String {
    format!("<code>{}</code>", esc(path).replace('.', ".<wbr>"))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One row of the assumptions table.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// Dotted path, mediators and regimes by name: `mediation.mediators[UAE].availability`.
    pub parameter: String,
    pub value: String,
    pub unit: &'static str,
    /// "record", "assumed", or how else the value was set.
    pub basis: String,
    pub source: String,
}

/// The design points a sensitivity design ran, from the manifest.
fn design_points(m: &Manifest) -> Option<usize> {
    match &m.analysis {
        Some(manifest::Analysis::Design { design_points, .. }) => Some(*design_points),
        _ => None,
    }
}

fn assumptions(h: &mut String, manifest: &Manifest) {
    h.push_str("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n");
    h.push_str(
        "<p>Every value the simulation used. <span class=\"tag record\">fitted</span> (or \
         <span class=\"tag record\">record</span>) means fitted to the historical record of \
         exchanges; <span class=\"tag assumed\">assumed</span> means a judgement that should \
         be varied to see how much it matters. The source is the comment next to the value in \
         the scenario file.</p>\n",
    );
    let mut rows = assumption_rows(
        &manifest.scenario,
        &manifest.scenario_text,
        Some(manifest.trials),
        Some(manifest.seed),
    );
    rows.extend(given_path_row(
        &manifest.scenario_text,
        manifest.path_file.as_deref(),
    ));
    h.push_str(
        "<div class=\"table-wrap\"><table class=\"stack\">\n<thead><tr><th>parameter</th><th>value</th>\
         <th>unit</th><th>basis</th><th>source</th></tr></thead>\n<tbody>\n",
    );
    for r in rows {
        let class = match r.basis.as_str() {
            "record" | "fitted" => "record",
            "assumed" => "assumed",
            _ => "other",
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"param\"><code>{}</code></td><td data-label=\"value\">{}</td>\
             <td data-label=\"unit\">{}</td><td data-label=\"basis\"><span class=\"tag \
             {class}\">{}</span></td><td data-label=\"source\">{}</td></tr>",
            // Long paths may break after a dot, never inside a word.
            esc(&r.parameter).replace('.', ".<wbr>"),
            esc(&r.value),
            esc(r.unit),
            esc(&r.basis),
            if r.source.is_empty() && r.basis == "not stated" {
                "no comment in the file".to_string()
            } else if r.source.is_empty() {
                "no reason given in the file".to_string()
            } else {
                esc(&r.source)
            }
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

/// The assumptions table: every value of the scenario as simulated
/// (`resolved`, from the manifest), with the basis and source read from the
/// comment on its line of the scenario file (`file_text`). `trials` and
/// `seed` are the values actually used, which the command line may have
/// overridden.
pub fn assumption_rows(
    resolved: &Value,
    file_text: &str,
    trials: Option<u64>,
    seed: Option<u64>,
) -> Vec<Assumption> {
    let comments = file_comments(file_text);
    let mut leaves = Vec::new();
    if let Some(tables) = resolved.as_object() {
        for (table, v) in tables {
            // Top-level scalars are the name and description, not parameters.
            if v.is_object() || v.is_array() {
                flatten(table, v, 1, &mut leaves);
            }
        }
    }
    let mut rows = Vec::new();
    for (path, value) in leaves {
        // Derived from the deadline, not set by anyone.
        if path == "target.deadline_day" {
            continue;
        }
        let file_path = path.replace("collapse_base", "collapse");
        let found = comments
            .iter()
            .filter(|(p, _)| file_path == *p || file_path.starts_with(&format!("{p}.")))
            .max_by_key(|(p, _)| p.len());
        let (mut basis, mut source) = match found {
            Some((_, comment)) => classify(comment),
            None if file_text.is_empty() => ("not recorded".to_string(), String::new()),
            None => (
                "default".to_string(),
                "not in the file: swapsim's default (docs/model.md, section 4)".to_string(),
            ),
        };
        let mut value = value;
        for (key, used) in [("simulation.trials", trials), ("simulation.seed", seed)] {
            let Some(used) = used.map(|u| u.to_string()) else {
                continue;
            };
            if path == key && used != value {
                source = format!("set on the command line (the file says {value})");
                basis = "setting".to_string();
                value = used;
            }
        }
        // The run's settings and the question's target are choices of the
        // question asked, not claims about the world.
        if (path.starts_with("simulation.") || path.starts_with("target.")) && basis == "not stated"
        {
            basis = "setting".to_string();
        }
        let unit = unit_of(&path);
        rows.push(Assumption {
            parameter: path,
            value,
            unit,
            basis,
            source,
        });
    }
    rows
}

/// The assumptions row of a given escalation path (`[escalation] path`),
/// which the resolved scenario does not hold as values: the days it covers
/// and, for a path file, the file and its SHA-256. `None` without a path.
pub fn given_path_row(
    file_text: &str,
    path_file: Option<&crate::scenario::path_file::PathFile>,
) -> Option<Assumption> {
    let tree: toml::Table = file_text.parse().ok()?;
    let rows = tree.get("escalation")?.get("path")?.as_array()?;
    let date = |row: &toml::Value| {
        row.get("date").map(|d| match d {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let (first, last) = (date(rows.first()?)?, date(rows.last()?)?);
    let mut value = format!("{} rows, {first} to {last}", rows.len());
    if let Some(f) = path_file {
        value.push_str(&format!(
            " (file {}, SHA-256 {})",
            f.file,
            f.sha256.get(..12).unwrap_or(&f.sha256)
        ));
    }
    let comments = file_comments(file_text);
    let (basis, source) = comments
        .iter()
        .find(|(p, _)| p == "escalation.path")
        .map_or_else(
            || ("not stated".to_string(), String::new()),
            |(_, c)| classify(c),
        );
    Some(Assumption {
        parameter: "escalation.path".to_string(),
        value,
        unit: "escalation units by date",
        basis,
        source,
    })
}

/// Splits a comment into its basis ("record", "assumed", "fitted") and the
/// reason given after it.
fn classify(comment: &str) -> (String, String) {
    // Scenarios derived from the default mark the values they change:
    // "changed, assumed: ...". The basis follows the mark.
    let (changed, comment) = match comment.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("changed") => {
            (true, comment[7..].trim_start_matches([':', ' ', '-', ',']))
        }
        _ => (false, comment),
    };
    let lower = comment.to_ascii_lowercase();
    for basis in ["record", "assumed", "fitted"] {
        if let Some(rest) = lower.strip_prefix(basis) {
            let reason = comment[comment.len() - rest.len()..]
                .trim_start_matches([':', ' ', '-', ','])
                .trim();
            let reason = if changed {
                format!("changed from the scenario it derives from: {reason}")
            } else {
                reason.to_string()
            };
            return (basis.to_string(), reason);
        }
    }
    let comment = if changed {
        format!("changed: {comment}")
    } else {
        comment.to_string()
    };
    ("not stated".to_string(), comment)
}

/// Flattens a resolved scenario into `(path, value)` rows. Items of arrays
/// (regimes, mediators) are named by their `name`; a small table of plain
/// values inside a table (`next`, `seasonal`, `confirmation`) stays one row,
/// as it is one line in the file.
fn flatten(path: &str, v: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) if depth >= 2 && map.values().all(is_scalar) => {
            out.push((path.to_string(), inline_table(map)));
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{path}.{k}"), v, depth + 1, out);
            }
        }
        Value::Array(items) if !items.iter().all(is_scalar) => {
            for (i, item) in items.iter().enumerate() {
                let label = item["name"]
                    .as_str()
                    .map_or_else(|| i.to_string(), str::to_string);
                if let Some(map) = item.as_object() {
                    for (k, v) in map.iter().filter(|(k, _)| *k != "name") {
                        flatten(&format!("{path}[{label}].{k}"), v, depth + 2, out);
                    }
                }
            }
        }
        other => out.push((path.to_string(), scalar(other))),
    }
}

fn is_scalar(v: &Value) -> bool {
    !(v.is_object() || v.is_array())
}

fn inline_table(map: &Map<String, Value>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} = {}", scalar(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The comment on each value's line of a scenario file, by dotted path
/// (`exchange.round_rate`, `mediation.mediators[UAE].availability`).
/// Tables of `[[variants]]` are left out: they are configurations, not
/// assumptions of the base. A small line scanner rather than a TOML parser,
/// because parsers drop comments.
pub fn file_comments(file_text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut item: Option<String> = None;
    let mut array_table = false;
    // Keys of an array-of-tables item seen before its `name`.
    let mut unnamed: Vec<(String, String)> = Vec::new();
    let mut open = 0i32;
    for line in file_text.lines() {
        let (code, comment) = split_comment(line);
        let code = code.trim();
        if open > 0 {
            open += depth_change(code);
            continue;
        }
        if let Some(inner) = code.strip_prefix("[[") {
            flush_unnamed(&mut unnamed, &section, item.as_deref(), &mut out);
            section = inner.trim_end_matches("]]").trim().to_string();
            item = None;
            array_table = true;
            continue;
        }
        if let Some(inner) = code.strip_prefix('[') {
            flush_unnamed(&mut unnamed, &section, item.as_deref(), &mut out);
            section = inner.trim_end_matches(']').trim().to_string();
            item = None;
            array_table = false;
            continue;
        }
        let Some((key, value)) = code.split_once('=') else {
            continue;
        };
        open = depth_change(value);
        let key = key.trim().trim_matches('"').to_string();
        if section == "variants" || section.starts_with("variants.") || section.is_empty() {
            continue;
        }
        if array_table && key == "name" {
            item = Some(value.trim().trim_matches('"').to_string());
            flush_unnamed(&mut unnamed, &section, item.as_deref(), &mut out);
            continue;
        }
        // Kept even without a comment: a value in the file is not a default.
        let comment = comment.trim().to_string();
        match (&item, array_table) {
            (Some(name), true) => out.push((format!("{section}[{name}].{key}"), comment)),
            (None, true) => unnamed.push((key, comment)),
            _ => out.push((format!("{section}.{key}"), comment)),
        }
    }
    flush_unnamed(&mut unnamed, &section, item.as_deref(), &mut out);
    out
}

fn flush_unnamed(
    unnamed: &mut Vec<(String, String)>,
    section: &str,
    item: Option<&str>,
    out: &mut Vec<(String, String)>,
) {
    if let Some(name) = item {
        for (key, comment) in unnamed.drain(..) {
            out.push((format!("{section}[{name}].{key}"), comment));
        }
    }
    unnamed.clear();
}

/// Splits a TOML line at a `#` outside a string.
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return (&line[..i], &line[i + 1..]),
            None => {}
        }
    }
    (line, "")
}

/// Brackets opened minus closed, outside strings: a value continues on the
/// next line while it is positive.
fn depth_change(code: &str) -> i32 {
    let mut depth = 0;
    let mut in_string = false;
    for c in code.chars() {
        match c {
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// The unit of a parameter, from docs/model.md section 4.
fn unit_of(path: &str) -> &'static str {
    let key = path.rsplit('.').next().unwrap_or(path);
    match key {
        "trials" => "simulated futures",
        "horizon_days"
        | "shock_half_life_days"
        | "mean_duration_days"
        | "common_outage_mean_days"
        | "mean_outage_days"
        | "preparation_days"
        | "min_days_between_rounds" => "days",
        "start_date" | "deadline" => "date",
        "seed" => "random seed",
        "pool" => "people",
        "initial_regime" => "regime",
        "shock_daily_probability" | "common_outage_probability" => "probability per day",
        "shock_mean_size" | "intensity" => "escalation units",
        "seasonal" => "escalation units added in the month",
        "next" => "relative weights of the next regime",
        "combine" => "rule",
        "availability" => "share of days open at no escalation",
        "escalation_sensitivity" => "log hazard ratio of closing per escalation unit",
        "effectiveness" => "weight in mediation strength, 0 to 1",
        "initially_open" => "yes/no",
        "initial_phase" => "phase",
        "round_rate" => "rounds per day at full mediation",
        "requires_mediator" => "yes/no",
        "size_mean" => "people per round",
        "size_dispersion" => "negative binomial k",
        "size_escalation_coef" => "log ratio of size per escalation unit",
        "confirmation" | "suspension" | "resumption" => {
            "hazard per day (base); log hazard ratios (coefficients)"
        }
        "collapse_base" => "hazard per day",
        _ => "",
    }
}

/// Escapes text for HTML element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON value as plain text: strings without quotes, null as empty.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A count of people (or trials), rounded, with thousands separators.
fn people(v: Option<f64>) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return "n/a".to_string();
    };
    // A typographic minus sign in the page.
    crate::format::grouped(v, 0).replace('-', "−")
}

fn percent(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// A comparison value in its unit; differences carry a sign, and
/// differences of probabilities are in percentage points.
fn quantity(v: Option<f64>, unit: &str, signed: bool) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return "n/a".to_string();
    };
    match (unit, signed) {
        ("probability", false) => format!("{:.1}%", 100.0 * v),
        ("probability", true) => format!("{:+.1} pp", 100.0 * v),
        (_, false) => format!("{v:.1}"),
        (_, true) => format!("{v:+.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert(\"x\") & 'y'</script>"),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn comments_are_read_by_path_with_items_by_name() {
        let text = "name = \"x # not a comment\"\n[exchange]\nround_rate = 0.08 # record: gaps\n\
                    [[mediation.mediators]]\navailability = 0.8 # assumed: open\nname = \"UAE\"\n\
                    [[variants]]\nname = \"v\"\nset = { a = 1 } # assumed: ignored\n";
        assert_eq!(
            file_comments(text),
            vec![
                (
                    "exchange.round_rate".to_string(),
                    "record: gaps".to_string()
                ),
                (
                    "mediation.mediators[UAE].availability".to_string(),
                    "assumed: open".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_changed_value_keeps_its_basis() {
        assert_eq!(
            classify("changed, assumed: lulls last longer"),
            (
                "assumed".to_string(),
                "changed from the scenario it derives from: lulls last longer".to_string()
            )
        );
        assert_eq!(
            classify("changed: no basis given"),
            (
                "not stated".to_string(),
                "changed: no basis given".to_string()
            )
        );
    }

    #[test]
    fn basis_and_reason_are_split_from_the_comment() {
        assert_eq!(
            classify("record: 186 per round"),
            ("record".to_string(), "186 per round".to_string())
        );
        assert_eq!(
            classify("Assumed: rare"),
            ("assumed".to_string(), "rare".to_string())
        );
        assert_eq!(
            classify("the day after"),
            ("not stated".to_string(), "the day after".to_string())
        );
    }

    #[test]
    fn parameter_values_keep_four_significant_digits_in_plain_decimals() {
        assert_eq!(sig4(Some(0.0927)), "0.0927");
        assert_eq!(sig4(Some(2.251e-5)), "0.00002251");
        assert_eq!(sig4(Some(0.075_994_1)), "0.07599");
        assert_eq!(sig4(Some(239.4)), "239.4");
        assert_eq!(sig4(Some(1200.0)), "1200");
        assert_eq!(sig4(Some(0.0)), "0");
        assert_eq!(sig4(None), "n/a");
    }

    #[test]
    fn outcomes_read_in_their_units() {
        assert_eq!(Scale::of("collapse"), Scale::Probability);
        assert_eq!(Scale::of("returned_by_horizon"), Scale::People);
        assert_eq!(Scale::of("suspensions"), Scale::Count);
        assert_eq!(Scale::Probability.level(Some(0.0312)), "3.1%");
        assert_eq!(Scale::Probability.change(Some(0.0312)), "3.1 pp");
        assert_eq!(Scale::People.change(Some(1234.4)), "1,234");
        assert_eq!(Scale::Count.level(Some(0.415)), "0.41");
        assert_eq!(index(Some(-0.0125)), "−0.013");
        assert_eq!(index(None), "n/a");
    }

    #[test]
    fn charts_per_outcome_take_the_caption_of_their_prefix() {
        let stem_of = |stem: &str| caption_index(stem).map(|i| CAPTIONS[i].0);
        assert_eq!(stem_of("sobol_collapse"), Some("sobol_"));
        assert_eq!(stem_of("tornado_returned_by_deadline"), Some("tornado_"));
        assert_eq!(
            stem_of("returned_by_deadline"),
            Some("returned_by_deadline")
        );
        assert_eq!(stem_of("fan_chart_extra"), None);
        assert_eq!(
            outcome_label(
                "target_by_deadline",
                &serde_json::json!({
                    "target": { "pool": 1200, "deadline": "2025-12-31" },
                    "simulation": { "horizon_days": 180 }
                })
            ),
            "Chance that all 1,200 are returned by 2025-12-31"
        );
    }

    #[test]
    fn the_reason_of_an_uncertainty_is_the_comment_on_its_entry() {
        let text = "[exchange]\nround_rate = 0.09 # record: gaps\n\n[uncertainties]\n\
                    # A guess, to be varied\n# widely.\n\"exchange.round_rate\" = { min = 0.05, \
                    max = 0.2 }\n\n# Orphan comment.\n\n\"exchange.size_mean\" = { min = 1, max = 2 \
                    } # from the record\n\"a.b\" = { min = 0, max = 1 }\n[other]\nx = 1 # no\n";
        assert_eq!(
            uncertainty_comments(text),
            vec![
                (
                    "exchange.round_rate".to_string(),
                    "A guess, to be varied widely.".to_string()
                ),
                (
                    "exchange.size_mean".to_string(),
                    "from the record".to_string()
                ),
                ("a.b".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn people_are_grouped_by_thousands() {
        assert_eq!(people(Some(1200.0)), "1,200");
        assert_eq!(people(Some(20000.4)), "20,000");
        assert_eq!(people(Some(12.0)), "12");
        assert_eq!(people(None), "n/a");
    }
}
