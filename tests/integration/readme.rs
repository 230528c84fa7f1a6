//! The README's examples run as written: every `swapsim` command in its
//! shell blocks succeeds, and every TOML block is a valid scenario (or a
//! valid addition to the default scenario).
//!
//! Only the number of trials is reduced (the README's `--trials 4000000`
//! becomes a few thousand, and commands that take the file's trials get a
//! few hundred), so that the examples run in seconds; every other argument
//! is the README's own. A shard command stands for its whole set of shards
//! (the README says "... and 2/4, 3/4, 4/4"), so each is run for every K of
//! its N, and the merge that follows has all of them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use swapsim::scenario::variants::parse_set;
use swapsim::scenario::{DEFAULT_SCENARIO_TOML, Scenario};

fn readme() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The contents of every fenced block of `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line.trim() == "```" => out.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

/// A command line without its trailing comment, split into words.
fn words(line: &str) -> Vec<String> {
    let code = line.split("  #").next().unwrap_or_default();
    code.split_whitespace().map(str::to_string).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Arguments with costs reduced: smaller trial counts, and trial counts
/// for commands that would take the file's 20,000.
fn cheaper(args: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        out.push(a.clone());
        if let Some(value) = match a.as_str() {
            "--trials" => Some("4096"),
            "--samples" => Some("8"),
            "--inner-trials" => Some("20"),
            "--trajectories" => Some("4"),
            _ => None,
        } {
            it.next();
            out.push(value.to_string());
        }
    }
    let has = |out: &[String], flag: &str| out.iter().any(|a| a == flag);
    let mut extra: Vec<&str> = Vec::new();
    match out.first().map(String::as_str) {
        Some("run" | "compare" | "sweep") if !has(&out, "--trials") && !has(&out, "--help") => {
            let trials = if has(&out, "--target-se") {
                "70000"
            } else {
                "300"
            };
            extra.extend(["--trials", trials]);
        }
        Some("sensitivity") => {
            if !has(&out, "--inner-trials") {
                extra.extend(["--inner-trials", "20"]);
            }
            if has(&out, "sobol") && !has(&out, "--samples") {
                extra.extend(["--samples", "8"]);
            }
            if has(&out, "morris") && !has(&out, "--trajectories") {
                extra.extend(["--trajectories", "4"]);
            }
        }
        Some("backtest") if !has(&out, "--trials") => extra.extend(["--trials", "200"]),
        _ => {}
    }
    out.extend(extra.into_iter().map(str::to_string));
    out
}

/// Expands a `*` in one argument against the files in `dir`.
fn expand(dir: &Path, arg: &str) -> Vec<String> {
    let Some((prefix, suffix)) = arg.split_once('*') else {
        return vec![arg.to_string()];
    };
    let parent = Path::new(prefix).parent().unwrap_or(Path::new(""));
    let mut matches: Vec<String> = fs::read_dir(dir.join(parent))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| parent.join(e.file_name()).to_string_lossy().into_owned())
                .filter(|p| p.starts_with(prefix) && p.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    matches.sort();
    matches
}

fn run(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_swapsim_command_in_the_readme_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&repo.join("scenarios"), &d.join("scenarios"));
    // The README's stand-in for a researcher's own file.
    fs::write(d.join("my-scenario.toml"), DEFAULT_SCENARIO_TOML).unwrap();
    let mut ran = 0;
    for block in blocks(&readme(), "sh") {
        for line in block.lines() {
            let w = words(line);
            let Some(("swapsim", rest)) = w.split_first().map(|(a, b)| (a.as_str(), b)) else {
                continue;
            };
            let args = cheaper(rest);
            // A shard command stands for all its shards.
            let shard = args.iter().position(|a| a == "--shard");
            let runs: Vec<Vec<String>> = match shard.and_then(|i| args.get(i + 1)) {
                Some(k_of_n) => {
                    let n: u64 = k_of_n.split('/').nth(1).unwrap().parse().unwrap();
                    (1..=n)
                        .map(|k| {
                            let mut a = args.clone();
                            a[shard.unwrap() + 1] = format!("{k}/{n}");
                            a
                        })
                        .collect()
                }
                None => vec![args.iter().flat_map(|a| expand(d, a)).collect()],
            };
            for args in runs {
                let out = run(d, &args);
                assert!(
                    out.status.success(),
                    "README: `{line}` ran as `swapsim {}` and failed:\n{}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                );
                ran += 1;
            }
        }
    }
    assert!(
        ran >= 20,
        "only {ran} commands found: is the README's layout unchanged?"
    );
}

#[test]
fn every_toml_block_in_the_readme_is_a_valid_scenario_or_addition() {
    let blocks = blocks(&readme(), "toml");
    assert!(!blocks.is_empty());
    for block in blocks {
        let standalone = block.contains("[simulation]");
        let text = if standalone {
            block.clone()
        } else {
            // A fragment (variants, events, uncertainties) is an addition
            // to the default scenario.
            format!("{DEFAULT_SCENARIO_TOML}\n{block}")
        };
        if let Err(e) = Scenario::from_toml_str(&text, "README.md")
            .map_err(|e| e.to_string())
            .and_then(|_| parse_set(&text, "README.md").map_err(|e| e.to_string()))
        {
            panic!("a TOML block of the README is not valid:\n{block}\n{e}");
        }
    }
}
