//! `swapsim merge`: combine the partial results of shards into the outputs
//! of a single run.

use super::run::write_run;
use super::{Failure, MergeArgs};
use crate::engine::TrialSink;
use crate::report::{self, PARTIAL_FORMAT, PARTIAL_VERSION, Partial, Staging};
use crate::scenario::ScenarioSource;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim run scenarios/long-run.toml --trials 4000000 --shard 1/4
  ... (shards 2/4, 3/4 and 4/4, on other machines or as a job array)
  swapsim merge output/long-run-shard-*-of-4
      Combine the four partial results into output/long-run/, the same
      files, byte for byte, as a single run with the same seed and trials.";

fn input(message: String) -> Failure {
    Failure::Input(anyhow::anyhow!(message))
}

fn other<E: Into<anyhow::Error>>(e: E) -> Failure {
    Failure::Other(e.into())
}

/// Reads a partial result from a shard directory or a `partial.json`.
fn read_partial(path: &Path) -> Result<(PathBuf, Partial), Failure> {
    let file = if path.is_dir() {
        path.join(report::files::PARTIAL_JSON)
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| input(format!("cannot read {}: {e}", file.display())))?;
    let partial: Partial = serde_json::from_str(&text).map_err(|e| {
        input(format!(
            "{} is not a swapsim partial result: {e}",
            file.display()
        ))
    })?;
    if partial.format != PARTIAL_FORMAT || partial.format_version != PARTIAL_VERSION {
        return Err(input(format!(
            "{} has format {} version {}; this swapsim merges {PARTIAL_FORMAT} version \
             {PARTIAL_VERSION}",
            file.display(),
            partial.format,
            partial.format_version
        )));
    }
    Ok((file, partial))
}

pub(super) fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let mut partials = Vec::new();
    for p in &args.partials {
        partials.push(read_partial(p)?);
    }
    let (first_file, first) = &partials[0];
    for (file, p) in &partials[1..] {
        let differs = [
            ("scenario file", p.scenario_sha256 != first.scenario_sha256),
            ("seed", p.seed != first.seed),
            ("number of trials", p.trials != first.trials),
            ("number of shards", p.shards != first.shards),
            (
                "swapsim version",
                p.swapsim_version != first.swapsim_version,
            ),
        ];
        if let Some((what, _)) = differs.iter().find(|(_, d)| *d) {
            return Err(input(format!(
                "{} and {} come from different runs: the {what} differs",
                first_file.display(),
                file.display()
            )));
        }
    }
    let mut seen = vec![None::<&Path>; first.shards as usize];
    for (file, p) in &partials {
        let slot = &mut seen[(p.shard - 1) as usize];
        if let Some(earlier) = slot {
            return Err(input(format!(
                "shard {} of {} is given twice: {} and {}",
                p.shard,
                p.shards,
                earlier.display(),
                file.display()
            )));
        }
        *slot = Some(file);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(input(format!(
            "shards {} of {} are missing; merge needs all of them",
            missing.join(", "),
            first.shards
        )));
    }

    let source = ScenarioSource {
        display_name: first.scenario_file.clone(),
        stem: first.scenario_stem.clone(),
        text: first.scenario_text.clone(),
    };
    let shards = first.shards;
    let scenario = source
        .parse()?
        .with_trials(first.trials)
        .map_err(input)?
        .with_seed(first.seed);
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&source.stem));
    let staging = Staging::new(&target).map_err(other)?;
    let started = Instant::now();
    let mut parts = partials.into_iter().map(|(_, p)| p.statistics);
    let mut acc = parts
        .next()
        .ok_or_else(|| input("no partial results given".to_string()))?;
    for part in parts {
        acc.merge(part);
    }
    if acc.trials() != scenario.simulation.trials {
        return Err(input(format!(
            "the partial results hold {} trials, not the {} of the run",
            acc.trials(),
            scenario.simulation.trials
        )));
    }
    let results = acc.finish(&scenario);
    let wall = started.elapsed().as_secs_f64();
    let out = write_run(
        staging,
        &results,
        None,
        &source,
        &scenario,
        1,
        wall,
        args.no_charts,
    )?;
    if !args.quiet {
        say!(
            "merged {} shards ({} trials) into {}",
            shards,
            scenario.simulation.trials,
            out.display()
        );
    }
    Ok(())
}
