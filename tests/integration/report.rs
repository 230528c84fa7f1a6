//! `report.html`: one self-contained page, written by `swapsim report`,
//! `run --report` and `compare --report`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn swapsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .args(args)
        .output()
        .expect("the swapsim binary starts")
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
