//! Ensembles: `run` over the scenario's assumptions, beside the run at the
//! central values.

use crate::common::{ok, swapsim};
use serde_json::Value;
use std::fs;
use std::path::Path;
use swapsim::scenario::ScenarioSource;

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The default scenario with `[uncertainties]` replaced by `table`.
fn with_uncertainties(table: &str) -> String {
    let text = ScenarioSource::builtin().text;
    let at = text.find("[uncertainties]").unwrap();
    format!("{}[uncertainties]\n{table}\n", &text[..at])
}

#[test]
fn an_ensemble_keeps_the_central_run_and_adds_the_assumptions() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let common = ["--trials", "400", "--no-charts", "--threads", "2"];
    let mut fixed = vec!["run", "--assumptions", "0", "--out", "fixed"];
    fixed.extend(common);
    let mut ens = vec!["run", "--assumptions", "16", "--out", "ens"];
    ens.extend(common);
    ok(&swapsim(d, &fixed));
    let said = ok(&swapsim(d, &ens));
    for f in ["summary.csv", "daily.csv", "returned_by_deadline.csv"] {
        assert_eq!(
            fs::read(d.join("fixed").join(f)).unwrap(),
            fs::read(d.join("ens").join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(!d.join("fixed/ensemble.csv").exists());
    let mut s = summary(&d.join("ens"));
    let block = s.as_object_mut().unwrap().remove("assumptions").unwrap();
    assert_eq!(s, summary(&d.join("fixed")));
    assert_eq!(block["parameter_sets"], 16);
    assert_eq!(block["trials_per_set"], 400);
    assert_eq!(block["uncertainties"].as_array().unwrap().len(), 8);
    let first = &block["outcomes"][0];
    assert_eq!(first["outcome"], "target_by_deadline");
    // The central estimate is the run's own.
    assert_eq!(
        first["central"]["estimate"],
        s["probabilities"]["target_by_deadline"]["estimate"]
    );
    for o in block["outcomes"].as_array().unwrap() {
        let q = |p: &str| o["across"][p]["estimate"].as_f64().unwrap();
        assert!(q("p5") <= q("p50") && q("p50") <= q("p95"), "{o}");
    }
    let csv = fs::read_to_string(d.join("ens/ensemble.csv")).unwrap();
    assert_eq!(csv.lines().count(), 17, "a header and one row per set");
    assert!(csv.starts_with("point,exchange.confirmation.base,"));
    assert!(
        said.contains("at the central values;")
            && said.contains("across the scenario's assumptions (90% of draws)"),
        "{said}"
    );
}

#[test]
fn an_ensemble_is_the_same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for threads in ["1", "2"] {
        let out = format!("t{threads}");
        ok(&swapsim(
            d,
            &[
                "run",
                "--trials",
                "300",
                "--assumptions",
                "10",
                "--threads",
                threads,
                "--out",
                &out,
                "--no-charts",
                "--quiet",
            ],
        ));
    }
    for f in [
        "summary.json",
        "ensemble.csv",
        "daily.csv",
        "daily_ensemble.csv",
    ] {
        assert_eq!(
            fs::read(d.join("t1").join(f)).unwrap(),
            fs::read(d.join("t2").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn an_ensemble_reports_its_medians_and_daily_bands_in_two_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = |out: &str, fan: &str| {
        ok(&swapsim(
            d,
            &[
                "run",
                "--trials",
                "400",
                "--assumptions",
                "16",
                "--threads",
                "2",
                "--out",
                out,
                "--fan",
                fan,
                "--report",
                "--quiet",
            ],
        ))
    };
    run("p", "predictive");
    run("m", "median-across");
    let s = summary(&d.join("p"));
    let medians = s["assumptions"]["medians"].as_array().unwrap();
    let ids: Vec<&str> = medians
        .iter()
        .map(|m| m["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "median_returned_by_deadline",
            "median_returned_by_horizon",
            "median_first_suspension_day"
        ]
    );
    let by_deadline = &medians[0];
    // The central median is the run's own.
    assert_eq!(
        by_deadline["central"]["estimate"],
        s["outcomes"]["returned_by_deadline"]["p50"]
    );
    let q = |p: &str| by_deadline["across"][p]["estimate"].as_f64().unwrap();
    assert!(q("p5") <= q("p50") && q("p50") <= q("p95"), "{by_deadline}");
    let predictive = &by_deadline["predictive"];
    let (m, lo, hi) = (
        predictive["estimate"].as_f64().unwrap(),
        predictive["ci95"][0].as_f64().unwrap(),
        predictive["ci95"][1].as_f64().unwrap(),
    );
    assert!(
        lo <= m && m <= hi && predictive["se"].as_f64().unwrap() > 0.0,
        "{predictive}"
    );
    // The pooled median over every trial of every set is the predictive
    // median of the deadline's row of daily_ensemble.csv.
    let daily = fs::read_to_string(d.join("p/daily_ensemble.csv")).unwrap();
    let header: Vec<&str> = daily.lines().next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "day",
            "date",
            "predictive_p5",
            "predictive_p25",
            "predictive_p50",
            "predictive_p75",
            "predictive_p95",
            "predictive_mean",
            "median_across_p5",
            "median_across_p50",
            "median_across_p95"
        ]
    );
    let rows: Vec<&str> = daily.lines().skip(1).collect();
    let at = rows
        .iter()
        .position(|r| r.split(',').nth(1) == s["deadline"].as_str())
        .unwrap();
    let row: Vec<f64> = rows[at]
        .split(',')
        .skip(2)
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(row[2], m, "predictive median by the deadline");
    assert!(row[0] <= row[2] && row[2] <= row[4] && row[6] <= row[7] && row[7] <= row[8]);
    assert_eq!(row[7], q("p50"), "median across sets by the deadline");
    // Both fans are drawn under the run's name, each saying what it shows.
    let fan = |dir: &str| fs::read_to_string(d.join(dir).join("fan_chart.svg")).unwrap();
    assert!(fan("p").contains("middle 90% of draws"));
    assert!(fan("m").contains("90% of sets"));
    // Only the chart, and the record of which one it is, differ.
    let without_fan = |dir: &str| {
        let mut s = summary(&d.join(dir));
        let fan = s["assumptions"]
            .as_object_mut()
            .unwrap()
            .remove("fan_chart");
        (s, fan)
    };
    let (p, fan_p) = without_fan("p");
    let (m, fan_m) = without_fan("m");
    assert_eq!(p, m);
    assert_eq!(fan_p, Some(Value::from("predictive")));
    assert_eq!(fan_m, Some(Value::from("median-across")));
    let html = fs::read_to_string(d.join("p/report.html")).unwrap();
    for id in ids {
        assert!(html.contains(&format!("id=\"layers-{id}\"")), "{id}");
    }
    assert!(html.contains("Median people returned by the deadline"));
}

#[test]
fn a_run_without_assumptions_writes_no_ensemble_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "200",
            "--assumptions",
            "0",
            "--out",
            "o",
            "--quiet",
            "--fan",
            "median-across",
        ],
    ));
    assert!(!d.join("o/daily_ensemble.csv").exists());
    assert!(summary(&d.join("o")).get("assumptions").is_none());
}

#[test]
fn an_uncertainty_that_does_not_move_an_outcome_explains_none_of_its_variance() {
    // The size of an exchange does not change whether a round is held, and
    // every set runs the same trials, so P(no round) is the same number in
    // every set: its share of variance from the assumptions is exactly 0
    // (no Monte Carlo error to allow for), while people returned moves.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(
        d.join("sizes.toml"),
        with_uncertainties("\"exchange.size_mean\" = { min = 150, max = 350 }"),
    )
    .unwrap();
    ok(&swapsim(
        d,
        &[
            "run",
            "sizes.toml",
            "--trials",
            "2000",
            "--assumptions",
            "32",
            "--out",
            "o",
            "--no-charts",
            "--quiet",
        ],
    ));
    let s = summary(&d.join("o"));
    let outcome = |key: &str| {
        s["assumptions"]["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["outcome"] == key)
            .unwrap()
            .clone()
    };
    let no_round = outcome("no_round_by_deadline");
    assert_eq!(no_round["variance"]["share"], 0.0, "{no_round}");
    assert_eq!(
        no_round["across"]["p5"]["estimate"],
        no_round["across"]["p95"]["estimate"]
    );
    let returned = outcome("mean_returned_by_horizon");
    // Sizes ranging over a factor of 2.3 do move people returned: the
    // bootstrap interval of its share (resampling the 32 sets) excludes 0.
    let low = returned["variance"]["share_ci95"][0].as_f64().unwrap();
    assert!(low > 0.0, "{returned}");
}

#[test]
fn assumptions_are_refused_where_they_cannot_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let out = swapsim(d, &["run", "--assumptions", "8", "--target-se", "0.01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--assumptions 8 cannot be combined"));
    let text = ScenarioSource::builtin().text;
    let plain = &text[..text.find("[uncertainties]").unwrap()];
    fs::write(d.join("plain.toml"), plain).unwrap();
    let out = swapsim(
        d,
        &["run", "plain.toml", "--assumptions", "8", "--trials", "10"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("declares no [uncertainties]"), "{err}");
    let out = swapsim(
        d,
        &["run", "--assumptions", "8", "--trials", "1", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = swapsim(d, &["run", "--assumptions", "100000", "--trials", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--assumptions 100000 is not allowed"));
}

#[test]
fn discover_reads_an_ensemble_and_names_a_box_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "200",
            "--assumptions",
            "64",
            "--out",
            "e",
            "--no-charts",
            "--quiet",
        ],
    ));
    let said = ok(&swapsim(
        d,
        &[
            "discover",
            "e",
            "--outcome",
            "p_no_round_by_deadline",
            "--above",
            "0.4",
        ],
    ));
    assert!(
        said.contains("coverage") && said.contains("of 64 sets"),
        "{said}"
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(d.join("e/discover/discover.json")).unwrap())
            .unwrap();
    assert_eq!(json["outcome"], "no_round_by_deadline");
    assert_eq!(json["parameters"].as_array().unwrap().len(), 8);
    let csv = fs::read_to_string(d.join("e/discover/discover.csv")).unwrap();
    assert!(csv.starts_with("step,coverage,density,points,events,chosen"));
    let out = swapsim(d, &["discover", "e", "--outcome", "nope", "--above", "0.4"]);
    assert_eq!(out.status.code(), Some(2));
    let out = swapsim(
        d,
        &[
            "discover",
            d.to_str().unwrap(),
            "--outcome",
            "collapse",
            "--below",
            "0.1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds neither ensemble.csv"));
}

/// Runs an ensemble of 8 parameter sets of 200 trials drawing `fan` into
/// `out`, with its report.
fn small_ensemble(d: &Path, out: &str, fan: &str) {
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "200",
            "--assumptions",
            "8",
            "--threads",
            "2",
            "--fan",
            fan,
            "--out",
            out,
            "--report",
            "--quiet",
        ],
    ));
}

/// The "How to read it" caption of chart `stem` in `dir/report.html`.
fn caption(dir: &Path, stem: &str) -> String {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let figure = &html[html.find(&format!("<figure id=\"chart-{stem}\">")).unwrap()..];
    let figure = &figure[..figure.find("</figure>").unwrap()];
    let at = figure.find("<figcaption>").unwrap();
    figure[at..].to_string()
}

#[test]
fn the_report_says_which_fan_the_ensembles_chart_draws_and_what_it_rests_on() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_ensemble(d, "p", "predictive");
    small_ensemble(d, "m", "median-across");
    let predictive = caption(&d.join("p"), "fan_chart");
    let median = caption(&d.join("m"), "fan_chart");
    assert!(
        predictive.contains("pool the simulated futures of every parameter set")
            && predictive.contains("8 parameter sets × 200 trials = 1,600 draws")
            && predictive.contains("assumptions and chance together"),
        "{predictive}"
    );
    assert!(
        median.contains("90% of those medians (5th to 95th percentile across parameter sets)")
            && median.contains("8 parameter sets (the median of 200 trials each)"),
        "{median}"
    );
    assert!(!predictive.contains("medians") && !median.contains("draws"));
    // The charts' own footers say the same.
    let svg = |dir: &str, stem: &str| fs::read_to_string(d.join(dir).join(stem)).unwrap();
    assert!(svg("p", "fan_chart.svg").contains("8 parameter sets × 200 trials = 1,600 draws"));
    assert!(svg("m", "fan_chart.svg").contains("8 parameter sets (the median of 200 trials each)"));
    for dir in ["p", "m"] {
        let across = svg(dir, "assumptions_target_by_deadline.svg");
        assert!(
            across.contains("8 parameter sets (an estimate from 200 trials each)"),
            "{dir}"
        );
        let across = caption(&d.join(dir), "assumptions_target_by_deadline");
        assert!(
            across.contains("the 8 parameter sets")
                && across.contains("from 200 simulated futures each"),
            "{across}"
        );
    }
}

#[test]
fn the_report_of_an_ensemble_written_before_the_fan_was_recorded_claims_no_fan() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_ensemble(d, "e", "median-across");
    let dir = d.join("e");
    let rewrite = |drop: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut s = summary(&dir);
        drop(s["assumptions"].as_object_mut().unwrap());
        fs::write(
            dir.join("summary.json"),
            serde_json::to_string_pretty(&s).unwrap(),
        )
        .unwrap();
        ok(&swapsim(d, &["report", "e"]));
        caption(&dir, "fan_chart")
    };
    // Since ensembles pooled their sets' trials, either fan could be drawn.
    let either = rewrite(&|a| {
        a.remove("fan_chart");
    });
    assert!(
        either.contains("does not record which fan")
            && either.contains("8 parameter sets × 200 trials = 1,600 draws")
            && either.contains("90% of the parameter sets' medians"),
        "{either}"
    );
    // Before that, the chart was the run's at the central values.
    let central = rewrite(&|a| {
        a.remove("medians");
        a["methods"].as_object_mut().unwrap().remove("medians");
    });
    assert!(
        central.contains("200 simulated futures at the central values only")
            && central.contains("The line is the median future"),
        "{central}"
    );
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<h3>People returned over time, at the central values</h3>"));
}
