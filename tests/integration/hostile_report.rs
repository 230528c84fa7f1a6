//! `report.html` from a folder anyone can write to: what an attacker puts
//! into its `.svg` and `.json` files never reaches the page, harmless words
//! in a scenario's name never cost a finished run, folders of commands that
//! have no report are refused by name, and every file swapsim writes reads
//! back through the type that wrote it.

use crate::common::{ok, stderr, swapsim};
use std::fs;
use std::path::{Path, PathBuf};
use swapsim::jobs::compare::ComparisonFile;
use swapsim::outputs::manifest::ManifestFile;
use swapsim::stats::Summary;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The folder of each command in `dir/output`, after running it there.
fn only_folder_in(dir: &Path) -> PathBuf {
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    folders.pop().unwrap()
}

/// Payloads, each in a chart file of its own; none may reach the page.
const HOSTILE_SVGS: [(&str, &str, &str); 6] = [
    (
        "fan_chart",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"x\" onerror=\"alert(1)\"/></svg>",
        "onerror=\"alert(1)\"",
    ),
    (
        "survival",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><a href=\"&#106;avascript:alert(1)\">\
         <text x=\"1\" y=\"1\">click</text></a></svg>",
        "&#106;avascript",
    ),
    (
        "phases",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"http://example.com/t.png\" \
         width=\"1\" height=\"1\"/></svg>",
        "http://example.com",
    ),
    (
        "returned_by_deadline",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import \
         'https://example.org/x.css';</style><rect fill=\"url(#g)\"/></svg>",
        "@import",
    ),
    (
        "extra_script",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        "alert(1)",
    ),
    (
        "extra_foreign",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><iframe \
         src=\"data:text/html,x\"></iframe></foreignObject></svg>",
        "foreignobject",
    ),
];

#[test]
fn hostile_charts_and_json_in_an_output_folder_never_reach_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &["run", "--trials", "300", "--out", "res", "--quiet"],
    ));
    let res = d.join("res");
    for (stem, svg, _) in HOSTILE_SVGS {
        fs::write(res.join(format!("{stem}.svg")), svg).unwrap();
    }
    // Not text at all: left out like the others, not a failed report.
    fs::write(res.join("extra_binary.svg"), b"<svg \xff\xfe</svg>").unwrap();
    // Text fields of the JSON files carry markup and an entity-encoded
    // link; the page must show them as text.
    let edit = |file: &str, from: &str, to: &str| {
        let path = res.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} lacks {from}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "summary.json",
        "\"deadline\": \"",
        "\"deadline\": \"<img src=x onerror=alert(2)> ",
    );
    edit(
        "manifest.json",
        "\"scenario_file\": \"",
        "\"scenario_file\": \"<a href='&#106;avascript:alert(3)'>x</a>",
    );
    edit(
        "summary.json",
        "\"quantiles\": \"",
        "\"quantiles\": \"<link rel=stylesheet href=https://example.net/y.css>",
    );

    let out = swapsim(d, &["report", "res", "--quiet"]);
    ok(&out);
    let html = fs::read_to_string(res.join("report.html")).unwrap();
    let lower = html.to_ascii_lowercase();
    for (stem, _, payload) in HOSTILE_SVGS {
        assert!(
            !lower.contains(&payload.to_ascii_lowercase()),
            "{stem}.svg's {payload:?} reached the page"
        );
        let figure = format!("<figure id=\"chart-{stem}\">");
        let at = html.find(&figure).expect("each chart file has its figure");
        assert!(
            html[at..]
                .split("</figure>")
                .next()
                .unwrap()
                .contains("This chart is not shown"),
            "{stem}.svg is not marked as left out"
        );
    }
    assert!(html.contains("This chart is not shown: it is not UTF-8 text"));
    // The page holds no element or attribute of the payloads, only their
    // escaped text.
    for live in [
        "<img",
        "<image",
        "<a href='",
        "<link",
        "<script",
        "<iframe",
        "href=\"http",
        "url(http",
        "&#106;",
    ] {
        assert!(!lower.contains(live), "{live:?} reached the page");
    }
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("&lt;a href=&#39;&amp;#106;avascript:alert(3)&#39;&gt;"));
}

#[test]
fn a_scenario_named_with_onload_and_javascript_runs_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let original = fs::read_to_string(repo("scenarios/istanbul-2025.toml")).unwrap();
    let named = original
        .replace(
            "name = \"Istanbul framework, November 2025\"",
            "name = \"Talks resume onload: javascript: plan\"",
        )
        .replace(
            "description = \"Will the 1,200",
            "description = \"If the onload=x rule holds, will the 1,200",
        );
    assert_ne!(named, original, "the shipped scenario's name was found");
    fs::write(d.join("talks.toml"), named).unwrap();
    let out = swapsim(
        d,
        &[
            "run",
            "talks.toml",
            "--trials",
            "300",
            "--report",
            "--out",
            "res",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = fs::read_to_string(d.join("res/report.html")).unwrap();
    assert!(html.contains("<h1>Talks resume onload: javascript: plan</h1>"));
    assert!(html.contains("If the onload=x rule holds"));
    // Every chart drawn is in the page, none left out.
    let svgs = fs::read_dir(d.join("res"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    // The run charts and, since the scenario declares uncertainties, the
    // ensemble's charts: at least the run's four.
    assert!(svgs >= 4, "{svgs} charts");
    assert_eq!(html.matches("<svg ").count(), svgs);
    assert!(!html.contains("This chart is not shown"));
}

#[test]
fn report_on_history_calibrate_and_backtest_folders_is_refused_by_name() {
    let cases: [(&str, &[&str]); 3] = [
        ("history", &["history", "--no-charts"]),
        (
            "calibrate",
            &["calibrate", "--sizes-from", "2024-01-01", "--no-charts"],
        ),
        (
            "backtest",
            &[
                "backtest",
                "--fit-until",
                "2024-03-31",
                "--until",
                "2024-09-27",
                "--trials",
                "200",
                "--no-charts",
            ],
        ),
    ];
    for (command, args) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        ok(&swapsim(d, args));
        let folder = only_folder_in(&d.join("output"));
        let before = fs::read(folder.join("manifest.json")).unwrap();
        let out = swapsim(d, &["report", folder.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("holds the output of `swapsim {command}`")),
            "{command}: {err}"
        );
        assert!(
            !err.contains("n/a") && !err.contains("older version"),
            "{err}"
        );
        assert!(!folder.join("report.html").exists());
        assert_eq!(fs::read(folder.join("manifest.json")).unwrap(), before);
    }
}

#[cfg(unix)]
#[test]
fn report_does_not_write_through_a_report_html_that_is_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run",
            "--trials",
            "200",
            "--out",
            "res",
            "--quiet",
            "--no-charts",
        ],
    ));
    fs::write(d.join("outside.html"), "keep me").unwrap();
    std::os::unix::fs::symlink(d.join("outside.html"), d.join("res/report.html")).unwrap();
    let out = swapsim(d, &["report", "res"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("report.html"), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(d.join("outside.html")).unwrap(),
        "keep me"
    );
    assert!(
        fs::symlink_metadata(d.join("res/report.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// What `write_json` writes for `value`: pretty JSON and a final newline.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

#[test]
fn summary_and_manifests_read_back_through_their_types_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&swapsim(
        d,
        &[
            "run", "--trials", "300", "--out", "res", "--quiet", "--report",
        ],
    ));
    let summary = fs::read_to_string(d.join("res/summary.json")).unwrap();
    let typed: Summary = serde_json::from_str(&summary).unwrap();
    assert_eq!(pretty(&typed), summary);
    let manifest = fs::read_to_string(d.join("res/manifest.json")).unwrap();
    let typed: ManifestFile = serde_json::from_str(&manifest).unwrap();
    assert!(matches!(typed, ManifestFile::Scenario(_)));
    assert_eq!(pretty(&typed), manifest);

    ok(&swapsim(d, &["history", "--no-charts"]));
    let manifest = fs::read_to_string(d.join("output/history/manifest.json")).unwrap();
    let typed: ManifestFile = serde_json::from_str(&manifest).unwrap();
    assert!(matches!(typed, ManifestFile::Record(_)));
    assert_eq!(pretty(&typed), manifest);
}

#[test]
fn comparison_reads_back_through_its_type_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = repo("scenarios/mediator-configurations.toml");
    ok(&swapsim(
        d,
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--trials",
            "300",
            "--no-charts",
            "--out",
            "cmp",
            "--quiet",
        ],
    ));
    let text = fs::read_to_string(d.join("cmp/comparison.json")).unwrap();
    let typed: ComparisonFile = serde_json::from_str(&text).unwrap();
    assert!(typed.configurations.len() > 1);
    assert_eq!(pretty(&typed), text);
    // An outcome that is not in the catalogue is named when read.
    let bad = text.replacen("\"outcome\": \"", "\"outcome\": \"no_such_", 1);
    let e = serde_json::from_str::<ComparisonFile>(&bad).unwrap_err();
    assert!(e.to_string().contains("unknown outcome"), "{e}");
}
