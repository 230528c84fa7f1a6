//! `report.html`: one self-contained page, written by `swapsim report`,
//! `run --report` and `compare --report`, for runs, comparisons, sweeps and
//! sensitivity analyses.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs the program in the tests' own working directory.
fn swapsim(args: &[&str]) -> Output {
    crate::common::swapsim(Path::new("."), args)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `args` and returns the report written into `out`.
fn report_of(args: &[&str], out: &Path) -> String {
    let o = swapsim(args);
    assert!(o.status.success(), "{args:?} failed: {}", text(&o.stderr));
    fs::read_to_string(out.join("report.html")).expect("report.html is written")
}

fn svg_stems(dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "svg").then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    stems
}

/// No attribute or style that would make a browser fetch anything.
fn assert_needs_no_network(html: &str) {
    let lower = html.to_ascii_lowercase();
    for fetch in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "url(http",
        "@import",
        "<script",
        "<link",
        "<iframe",
    ] {
        assert!(!lower.contains(fetch), "report.html contains {fetch:?}");
    }
}

#[test]
fn run_with_report_writes_one_self_contained_page_with_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = report_of(
        &[
            "run",
            "--trials",
            "2000",
            "--assumptions",
            "0",
            "--report",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    assert_needs_no_network(&html);
    let stems = svg_stems(&out);
    assert_eq!(stems.len(), 4, "the run writes four SVG charts");
    assert_eq!(
        html.matches("<svg").count(),
        stems.len(),
        "one inline <svg> per chart"
    );
    assert!(
        !html.contains("<?xml"),
        "the XML prolog of the charts is dropped"
    );
    for stem in &stems {
        assert!(
            html.contains(&format!("id=\"chart-{stem}\"")),
            "{stem} is in the report"
        );
    }
    for part in [
        "Will the 1,200 announced on 15 Nov 2025 come home",
        "id=\"numbers\"",
        "95% interval",
        "How to read it.",
        "id=\"assumptions\"",
        "mediation.<wbr>mediators[UAE].<wbr>effectiveness",
        "18 of the 32 exchanges from 2024 on credit the UAE",
        "id=\"provenance\"",
        "16112025",
    ] {
        assert!(html.contains(part), "report.html lacks {part:?}");
    }
    // Only the page itself: no second file to lose on the way to a reader.
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"report.html\""),
        "the manifest lists report.html"
    );
}

#[test]
fn a_scenario_name_with_markup_is_escaped_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let original = fs::read_to_string(repo("scenarios/istanbul-2025.toml")).unwrap();
    let hostile = original
        .replace(
            "name = \"Istanbul framework, November 2025\"",
            "name = \"Test <script>alert(1)\"",
        )
        .replace(
            "description = \"Will the 1,200",
            "description = \"<script>alert('d')</script> & <b>bold</b> Will the 1,200",
        );
    let file = tmp.path().join("hostile.toml");
    fs::write(&file, hostile).unwrap();
    let out = tmp.path().join("out");
    let html = report_of(
        &[
            "run",
            file.to_str().unwrap(),
            "--trials",
            "500",
            "--report",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    assert!(
        !html.contains("<script"),
        "no script element reaches the page"
    );
    assert!(
        !html.contains("<b>bold"),
        "markup in a description stays text"
    );
    assert!(html.contains("Test &lt;script&gt;alert(1)"));
    assert!(html.contains("&lt;script&gt;alert(&#39;d&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold"));
}

#[test]
fn report_rewrites_the_page_of_an_earlier_run_and_lists_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = swapsim(&[
        "run",
        "--trials",
        "500",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join("report.html").exists());
    let html = report_of(&["report", "--quiet", out.to_str().unwrap()], &out);
    assert_eq!(html.matches("<svg").count(), svg_stems(&out).len());
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"report.html\""),
        "the manifest lists report.html"
    );
}

#[test]
fn report_on_a_directory_that_is_not_an_output_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "not a run").unwrap();
    for dir in [tmp.path().to_path_buf(), tmp.path().join("missing")] {
        let o = swapsim(&["report", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("is not a swapsim output directory"),
            "{}",
            text(&o.stderr)
        );
        assert!(!dir.join("report.html").exists());
    }
}

#[test]
fn compare_with_report_shows_the_comparison_and_its_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = report_of(
        &[
            "compare",
            repo("scenarios/mediator-configurations.toml")
                .to_str()
                .unwrap(),
            "--trials",
            "500",
            "--report",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    assert_needs_no_network(&html);
    assert!(html.contains("id=\"comparison\""));
    assert!(html.contains("difference from the reference"));
    // Whichever compare charts were written, each is in the page.
    let stems = svg_stems(&out);
    assert_eq!(html.matches("<svg").count(), stems.len());
    for stem in &stems {
        assert!(html.contains(&format!("id=\"chart-{stem}\"")));
    }
}

#[test]
fn report_on_an_output_directory_without_results_lists_what_it_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("manifest.json"),
        "{\"swapsim_version\": \"0.1.0\"}",
    )
    .unwrap();
    let o = swapsim(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for accepted in [
        "summary.json",
        "comparison.json",
        "tornado.json",
        "sobol.json",
        "morris.json",
        "sweep.json",
        "swapsim merge",
    ] {
        assert!(
            err.contains(accepted),
            "the error lacks {accepted:?}: {err}"
        );
    }
    assert!(!tmp.path().join("report.html").exists());
}

/// Runs `swapsim <args> --quiet --out DIR`, then `swapsim report DIR`, and
/// returns the page and the analysis' JSON file `json`.
fn analysis_report(args: &[&str], json: &str) -> (tempfile::TempDir, PathBuf, String, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut all = args.to_vec();
    all.extend(["--quiet", "--out", out.to_str().unwrap()]);
    let o = swapsim(&all);
    assert!(o.status.success(), "{all:?} failed: {}", text(&o.stderr));
    assert!(!out.join("report.html").exists());
    let html = report_of(&["report", "--quiet", out.to_str().unwrap()], &out);
    let value = serde_json::from_str(&fs::read_to_string(out.join(json)).unwrap()).unwrap();
    (tmp, out, html, value)
}

/// The HTML from `marker` to the end of the next table.
fn table_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("report.html lacks {marker:?}"));
    let end = start + html[start..].find("</table>").expect("a table follows");
    &html[start..end]
}

/// The body rows of a table.
fn body_rows(table: &str) -> Vec<&str> {
    let body = &table[table.find("<tbody>").expect("the table has a body")..];
    body.split("<tr>").skip(1).collect()
}

/// A parameter path as the page writes it: breakable after each dot.
fn path_html(path: &str) -> String {
    format!("<code>{}</code>", path.replace('.', ".<wbr>"))
}

/// The checks every page of an analysis passes: self-contained, the
/// section, every chart of the directory inlined with its caption, and the
/// assumptions and provenance.
fn assert_analysis_page(html: &str, out: &Path) {
    assert_needs_no_network(html);
    assert!(!html.contains("<script"));
    for part in [
        "<section id=\"sensitivity\">",
        "<h2>Which assumptions matter</h2>",
        "id=\"assumptions\"",
        "id=\"provenance\"",
        "trials per design point",
    ] {
        assert!(html.contains(part), "report.html lacks {part:?}");
    }
    let stems = svg_stems(out);
    assert_eq!(stems.len(), 7, "one chart per key outcome");
    assert_eq!(html.matches("<svg").count(), stems.len());
    assert_eq!(html.matches("How to read it.").count(), stems.len());
    for stem in &stems {
        assert!(html.contains(&format!("id=\"chart-{stem}\"")), "{stem}");
        assert!(
            html.contains(&format!("href=\"#chart-{stem}\"")),
            "the table of {stem} links to its chart"
        );
    }
    assert!(
        !html.contains("A chart written by swapsim; see its README"),
        "every chart of an analysis has its own caption"
    );
}

/// The uncertainties table: one row per uncertainty, with its path, range
/// and the reason written in the scenario file.
fn assert_uncertainty_rows(html: &str, json: &Value) {
    let table = table_after(html, "id=\"uncertainties\"");
    let uncertainties = json["uncertainties"].as_array().unwrap();
    assert_eq!(
        uncertainties.len(),
        8,
        "the default scenario's uncertainties"
    );
    let rows = body_rows(table);
    assert_eq!(rows.len(), uncertainties.len());
    for (row, u) in rows.iter().zip(uncertainties) {
        let path = u["path"].as_str().unwrap();
        assert!(row.contains(&path_html(path)), "{path}: {row}");
    }
    assert!(table.contains("uniform 0.5 to 2"));
    assert!(table.contains("How strongly fighting suspends exchanges cannot be read"));
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

#[test]
fn report_of_a_tornado_shows_every_swing_with_its_ends() {
    let (_tmp, out, html, json) = analysis_report(
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "200",
        ],
        "tornado.json",
    );
    assert_analysis_page(&html, &out);
    assert!(html.contains("The <strong>swing</strong> is how far the outcome moves"));
    assert_uncertainty_rows(&html, &json);
    let bars = json["bars"].as_object().unwrap();
    assert_eq!(bars.len(), 7);
    for (key, list) in bars {
        let table = table_after(&html, &format!("id=\"tornado-{key}\""));
        let rows = body_rows(table);
        let list = list.as_array().unwrap();
        assert_eq!(rows.len(), list.len(), "{key}: one row per uncertainty");
        // The file ranks the bars by swing; so does the page.
        for (row, bar) in rows.iter().zip(list) {
            let path = bar["parameter"].as_str().unwrap();
            assert!(row.contains(&path_html(path)), "{key}: {path} out of order");
        }
        let base = &json["base"][key]["estimate"];
        if key == "collapse" {
            let widest = &list[0];
            assert!(
                table.contains(&format!(
                    "With every value as written: {}",
                    pct(base.as_f64().unwrap())
                )),
                "{table}"
            );
            assert!(rows[0].contains(&format!(
                "<strong>{:.1} pp</strong>",
                100.0 * widest["swing"].as_f64().unwrap()
            )));
            assert!(rows[0].contains(&pct(widest["at_high"]["estimate"].as_f64().unwrap())));
        }
    }
    // The manifest's account of the design is in the provenance.
    assert!(html.contains("<dt>design points</dt><dd>17</dd>"));
}

#[test]
fn report_of_sobol_indices_shows_them_by_total_order_with_intervals() {
    let (_tmp, out, html, json) = analysis_report(
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "8",
            "--inner-trials",
            "100",
        ],
        "sobol.json",
    );
    assert_analysis_page(&html, &out);
    assert_uncertainty_rows(&html, &json);
    let index = |v: &Value| match v.as_f64() {
        Some(v) => format!("{v:.3}").replace('-', "−"),
        None => "n/a".to_string(),
    };
    let outcomes = json["outcomes"].as_object().unwrap();
    assert_eq!(outcomes.len(), 7);
    let mut shown = 0;
    for (key, o) in outcomes {
        let table = table_after(&html, &format!("id=\"sobol-{key}\""));
        let mut indices: Vec<&Value> = o["indices"].as_array().unwrap().iter().collect();
        let rows = body_rows(table);
        assert_eq!(rows.len(), indices.len(), "{key}: one row per uncertainty");
        indices.sort_by(|a, b| {
            let (a, b) = (
                a["total_order"]["estimate"].as_f64(),
                b["total_order"]["estimate"].as_f64(),
            );
            match (a, b) {
                (Some(a), Some(b)) => b.total_cmp(&a),
                _ => b.is_some().cmp(&a.is_some()),
            }
        });
        for (row, x) in rows.iter().zip(&indices) {
            let path = x["parameter"].as_str().unwrap();
            assert!(row.contains(&path_html(path)), "{key}: {path} out of order");
            let t = &x["total_order"];
            let f = &x["first_order"];
            for cell in [
                format!(
                    "<strong>{} <span class=\"muted\">({} to {})</span></strong>",
                    index(&t["estimate"]),
                    index(&t["ci95"][0]),
                    index(&t["ci95"][1])
                ),
                format!(
                    "{} <span class=\"muted\">({} to {})</span>",
                    index(&f["estimate"]),
                    index(&f["ci95"][0]),
                    index(&f["ci95"][1])
                ),
            ] {
                assert!(row.contains(&cell), "{key}: {path} lacks {cell:?}: {row}");
            }
        }
        if indices[0]["total_order"]["estimate"].is_f64() {
            shown += 1;
            assert!(
                table.contains(&format!(
                    "Inner-noise share {}",
                    index(&o["inner_noise_share"])
                )),
                "{key}"
            );
        }
    }
    assert!(shown > 0, "some outcome varies over the design");
    assert!(html.contains("<dt>base samples</dt><dd>8</dd>"));
    assert!(html.contains("<dt>design points</dt><dd>80</dd>"));
    // The estimators the file states are in the methods.
    assert!(html.contains("Jansen (1999)"));
}

#[test]
fn report_of_a_morris_screen_shows_mu_star_and_sigma() {
    let (_tmp, out, html, json) = analysis_report(
        &[
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "4",
            "--inner-trials",
            "100",
        ],
        "morris.json",
    );
    assert_analysis_page(&html, &out);
    assert_uncertainty_rows(&html, &json);
    let o = &json["outcomes"]["returned_by_deadline"];
    let table = table_after(&html, "id=\"morris-returned_by_deadline\"");
    let rows = body_rows(table);
    assert_eq!(rows.len(), 8);
    let top = o["effects"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| {
            let mu = |e: &Value| e["mu_star"]["estimate"].as_f64().unwrap();
            mu(a).total_cmp(&mu(b))
        })
        .unwrap();
    assert!(rows[0].contains(&path_html(top["parameter"].as_str().unwrap())));
    // People: whole numbers, thousands separated.
    let whole = |v: &Value| format!("{:.0}", v.as_f64().unwrap());
    assert!(rows[0].contains(&format!(
        "<strong>{} <span class=\"muted\">({} to {})</span></strong>",
        whole(&top["mu_star"]["estimate"]),
        whole(&top["mu_star"]["ci95"][0]),
        whole(&top["mu_star"]["ci95"][1])
    )));
    assert!(table.contains(&format!("Noise floor {}", whole(&o["noise_floor"]))));
}

#[test]
fn report_of_a_sweep_shows_each_value_of_each_outcome() {
    let (_tmp, out, html, json) = analysis_report(
        &[
            "sweep",
            "--param",
            "exchange.round_rate",
            "--values",
            "0.05,0.06169,0.15",
            "--trials",
            "200",
        ],
        "sweep.json",
    );
    assert_analysis_page(&html, &out);
    assert!(html.contains(&path_html("exchange.round_rate")));
    let values = json["values"].as_array().unwrap();
    for key in json["context"]["outcomes"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        let rows = body_rows(table_after(&html, &format!("id=\"sweep-{key}\"")));
        assert_eq!(rows.len(), 3, "{key}: one row per value");
        assert!(rows[1].contains("0.06169 (as written)"), "{key}");
        if key == "no_round_by_deadline" {
            for (row, v) in rows.iter().zip(values) {
                let e = v["outcomes"][key]["estimate"].as_f64().unwrap();
                assert!(row.contains(&pct(e)), "{key}: {row}");
            }
        }
    }
}

#[test]
fn markup_in_the_reason_for_an_uncertainty_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let original = fs::read_to_string(repo("scenarios/istanbul-2025.toml")).unwrap();
    let reason = "# Lists and verification have taken from a few days to two weeks.";
    assert!(original.contains(reason));
    let file = tmp.path().join("hostile.toml");
    fs::write(
        &file,
        original.replace(reason, "# <script>alert(1)</script> & <b>bold</b>"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = swapsim(&[
        "sensitivity",
        file.to_str().unwrap(),
        "--method",
        "tornado",
        "--inner-trials",
        "50",
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = report_of(&["report", "--quiet", out.to_str().unwrap()], &out);
    assert!(
        !html.contains("<script"),
        "no script element reaches the page"
    );
    assert!(!html.contains("<b>bold"), "markup in a comment stays text");
    let row = body_rows(table_after(&html, "id=\"uncertainties\""))[1];
    assert!(row.contains(&path_html("exchange.preparation_days")));
    assert!(row.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(html.contains("This output has no charts"));
}

#[test]
fn sensitivity_sweep_and_merge_write_the_report_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let path = |p: &str| d.join(p).to_string_lossy().into_owned();
    // --report on the analysis itself: the same page as `swapsim report`
    // writes afterwards from the same directory.
    let (tornado, sweep) = (path("tornado"), path("sweep"));
    let page = report_of(
        &[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "100",
            "--report",
            "--quiet",
            "--out",
            &tornado,
        ],
        Path::new(&tornado),
    );
    assert!(page.contains("Which assumptions matter"), "tornado report");
    assert_needs_no_network(&page);
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(d.join("tornado/manifest.json")).unwrap())
            .unwrap();
    assert!(
        manifest["outputs"]
            .as_array()
            .unwrap()
            .contains(&Value::from("report.html")),
        "the manifest lists the report"
    );
    let page = report_of(
        &[
            "sweep",
            "--param",
            "exchange.round_rate",
            "--values",
            "0.05,0.1",
            "--trials",
            "200",
            "--report",
            "--quiet",
            "--out",
            &sweep,
        ],
        Path::new(&sweep),
    );
    assert!(page.contains("exchange.round_rate"), "sweep report");
    // Shards of a design merged with --report.
    for k in ["1/2", "2/2"] {
        let out = path(&format!("shard{}", &k[..1]));
        let o = swapsim(&[
            "sensitivity",
            "--method",
            "tornado",
            "--inner-trials",
            "100",
            "--shard",
            k,
            "--quiet",
            "--out",
            &out,
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let merged = path("merged");
    let page = report_of(
        &[
            "merge",
            &path("shard1"),
            &path("shard2"),
            "--report",
            "--quiet",
            "--out",
            &merged,
        ],
        Path::new(&merged),
    );
    assert!(page.contains("Which assumptions matter"), "merged report");
    assert_eq!(
        fs::read(d.join("merged/tornado.json")).unwrap(),
        fs::read(d.join("tornado/tornado.json")).unwrap(),
        "the merged design's table is the unsharded one"
    );
}

/// A probability as the report writes it.
fn pct_of(v: &Value) -> String {
    pct(v.as_f64().expect("a number"))
}

#[test]
fn report_of_an_ensemble_shows_both_layers_of_every_key_probability_as_summary_json_holds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = report_of(
        &[
            "run",
            "--trials",
            "400",
            "--assumptions",
            "16",
            "--report",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    assert_needs_no_network(&html);
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let outcomes = summary["assumptions"]["outcomes"].as_array().unwrap();
    let mut probabilities = 0;
    for o in outcomes.iter().filter(|o| o["unit"] == "probability") {
        probabilities += 1;
        let headline = format!(
            "{} at the central values; {}–{} across the scenario's assumptions (90% of draws)",
            pct_of(&o["central"]["estimate"]),
            pct_of(&o["across"]["p5"]["estimate"]),
            pct_of(&o["across"]["p95"]["estimate"])
        );
        assert!(
            html.contains(&swapsim::report::html::esc(&headline)),
            "{headline}"
        );
        // Every number keeps its interval: the percentiles' and the
        // predictive estimate's, and the variance share's.
        for (v, ci) in [
            (&o["across"]["p5"]["estimate"], &o["across"]["p5"]["ci95"]),
            (&o["across"]["p95"]["estimate"], &o["across"]["p95"]["ci95"]),
            (&o["predictive"]["estimate"], &o["predictive"]["ci95"]),
        ] {
            let with = format!(
                "{} (95% interval {} to {})",
                pct_of(v),
                pct_of(&ci[0]),
                pct_of(&ci[1])
            );
            assert!(html.contains(&with), "{with}");
        }
        if let Some(share) = o["variance"]["share"].as_f64() {
            let ci = &o["variance"]["share_ci95"];
            let said = format!(
                "The assumptions explain {} of its variance (95% interval {} to {})",
                pct(share),
                pct_of(&ci[0]),
                pct_of(&ci[1])
            );
            assert!(html.contains(&said), "{said}");
        }
    }
    assert!(
        probabilities >= 4,
        "the default scenario's key probabilities"
    );
    assert!(html.contains("id=\"across-assumptions\""));
    assert!(html.contains("id=\"chart-assumptions_no_round_by_deadline\""));
}

#[test]
fn report_of_a_robust_comparison_shows_each_verdict_and_the_regret_table() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = repo("scenarios/mediator-configurations.toml");
    let html = report_of(
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--trials",
            "200",
            "--assumptions",
            "8",
            "--report",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    let robust: Value =
        serde_json::from_str(&fs::read_to_string(out.join("robustness.json")).unwrap()).unwrap();
    for o in robust["outcomes"].as_array().unwrap() {
        let verdict = swapsim::report::html::esc(o["verdict"].as_str().unwrap());
        assert!(html.contains(&verdict), "{verdict}");
        for c in o["configurations"].as_array().unwrap() {
            let best = format!(
                "{} ({} to {})",
                pct_of(&c["p_best"]),
                pct_of(&c["p_best_ci95"][0]),
                pct_of(&c["p_best_ci95"][1])
            );
            let row = format!(
                "<tr><td>{}</td><td class=\"num\">{best}</td>",
                swapsim::report::html::esc(c["configuration"].as_str().unwrap())
            );
            assert!(html.contains(&row), "{row}");
        }
    }
    assert!(html.contains("id=\"chart-regret_returned_by_deadline\""));
}

#[test]
fn report_after_discover_names_the_box_in_words_with_its_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = out.to_str().unwrap();
    for args in [
        &[
            "run",
            "--trials",
            "200",
            "--assumptions",
            "64",
            "--quiet",
            "--out",
            dir,
        ][..],
        &[
            "discover",
            dir,
            "--outcome",
            "no_round_by_deadline",
            "--above",
            "0.4",
            "--quiet",
        ],
        &["report", dir],
    ] {
        let o = swapsim(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let found: Value =
        serde_json::from_str(&fs::read_to_string(out.join("discover/discover.json")).unwrap())
            .unwrap();
    let b = &found["found"];
    let coverage = format!(
        "Coverage {} (95% interval {} to {})",
        pct_of(&b["coverage"]),
        pct_of(&b["coverage_ci95"][0]),
        pct_of(&b["coverage_ci95"][1])
    );
    assert!(html.contains(&coverage), "{coverage}");
    let density = format!(
        "Density {} (95% interval {} to {})",
        pct_of(&b["density"]),
        pct_of(&b["density_ci95"][0]),
        pct_of(&b["density_ci95"][1])
    );
    assert!(html.contains(&density), "{density}");
    assert!(html.contains("this happens mostly when") || html.contains("no box of parameters"));
    for stem in ["prim_trajectory", "prim_box"] {
        assert!(html.contains(&format!("id=\"chart-{stem}\"")), "{stem}");
        assert!(
            html.contains(&format!("<code>discover/{stem}.svg</code>")),
            "{stem}"
        );
    }
    assert!(!html.contains("This chart is not shown"));
}
