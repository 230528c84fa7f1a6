//! Shards and `swapsim merge`: a run, a comparison or a sensitivity design
//! split into parts that run anywhere, and combined into the outputs of the
//! unsharded command.

use super::run::write_run;
use super::{Failure, MergeArgs, compare, sensitivity};
use crate::engine::{self, TrialSink};
use crate::report::{
    self, Job, Manifest, PARTIAL_FORMAT, PARTIAL_VERSION, Partial, Staging, Statistics,
};
use crate::scenario::{Scenario, ScenarioSource};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim run scenarios/long-run.toml --trials 4000000 --shard 1/4
  ... (shards 2/4, 3/4 and 4/4, on other machines or as a job array)
  swapsim merge output/long-run-shard-*-of-4
      Combine the four partial results into output/long-run/, the same
      files, byte for byte, as a single run with the same seed and trials.
  swapsim compare scenarios/mediator-configurations.toml --shard 2/3
  swapsim sensitivity --method sobol --shard 5/8
      Comparisons are sharded by trials, sensitivity designs by design
      points; `swapsim merge` combines either kind (add --report for
      report.html).";

fn input(message: String) -> Failure {
    Failure::Input(anyhow::anyhow!(message))
}

fn other<E: Into<anyhow::Error>>(e: E) -> Failure {
    Failure::Other(e.into())
}

/// Writes a shard's `partial.json` and a manifest next to it, and moves
/// them into place; returns the directory.
pub(super) fn write_shard(
    staging: Staging,
    partial: &Partial,
    source: &ScenarioSource,
    scenario: &Scenario,
    threads: usize,
    wall: f64,
) -> Result<PathBuf, Failure> {
    let dir = staging.path();
    report::write_json_compact(&dir.join(report::files::PARTIAL_JSON), partial).map_err(other)?;
    let outputs = vec![
        report::files::PARTIAL_JSON.to_string(),
        report::files::MANIFEST_JSON.to_string(),
    ];
    let manifest = Manifest::new(source, scenario, threads, wall, outputs);
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    staging.commit().map_err(other)
}

/// Says which part of the job a shard ran and where its result is.
pub(super) fn say_shard(partial: &Partial, out: &Path) {
    say!(
        "shard {} of {} ({}): {} {} to {} of {}; partial result in {}",
        partial.shard,
        partial.shards,
        partial.job.command(),
        partial.job.unit_name(),
        partial.first,
        partial.end,
        partial.job.units(),
        out.display()
    );
}

/// Reads a partial result from a shard directory or a `partial.json`.
fn read_partial(path: &Path) -> Result<(PathBuf, Partial), Failure> {
    let file = if path.is_dir() {
        path.join(report::files::PARTIAL_JSON)
    } else {
        path.to_path_buf()
    };
    if path.is_dir() && !file.exists() {
        return Err(input(format!(
            "{} is not a shard's directory: it has no {} (shards are written by run, \
             compare or sensitivity with --shard K/N)",
            path.display(),
            report::files::PARTIAL_JSON
        )));
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| input(format!("cannot read {}: {e}", file.display())))?;
    // The format and version first, so that a partial of another version
    // is named as such rather than as unreadable.
    let header: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        input(format!(
            "{} is not a swapsim partial result: {e}",
            file.display()
        ))
    })?;
    let format = header.get("format").and_then(|v| v.as_str());
    let version = header.get("format_version").and_then(|v| v.as_u64());
    if format != Some(PARTIAL_FORMAT) || version != Some(u64::from(PARTIAL_VERSION)) {
        return Err(input(format!(
            "{} is not a swapsim partial result of format {PARTIAL_FORMAT} version \
             {PARTIAL_VERSION} (it has format {}, version {}); this swapsim merges that \
             version only",
            file.display(),
            format.unwrap_or("none"),
            version.map_or_else(|| "none".to_string(), |v| v.to_string())
        )));
    }
    let partial: Partial = serde_json::from_value(header).map_err(|e| {
        input(format!(
            "{} is not a swapsim partial result: {e}",
            file.display()
        ))
    })?;
    Ok((file, partial))
}

/// The part of the job that shard `k` of `n` must hold.
fn expected_range(job: &Job, k: u64, n: u64) -> std::ops::Range<u64> {
    match job {
        Job::Sensitivity { design_points, .. } => {
            report::partial::point_range(*design_points, k, n)
        }
        _ => engine::shard_range(job.units(), k, n),
    }
}

/// Checks that the partials are all the shards of one job, each once, and
/// returns them in shard order.
fn check_shards(mut partials: Vec<(PathBuf, Partial)>) -> Result<Vec<Partial>, Failure> {
    let (first_file, first) = &partials[0];
    for (file, p) in &partials[1..] {
        // What was run first: it says more than how it was split.
        let what = first
            .job
            .difference(&p.job)
            .or(if p.shards != first.shards {
                Some("number of shards")
            } else if p.swapsim_version != first.swapsim_version {
                Some("swapsim version")
            } else {
                None
            });
        if let Some(what) = what {
            return Err(input(format!(
                "{} and {} come from different runs: the {what} differs",
                first_file.display(),
                file.display()
            )));
        }
    }
    let shards = first.shards;
    let mut seen = vec![None::<&Path>; shards as usize];
    for (file, p) in &partials {
        if p.shard == 0 || p.shard > shards {
            return Err(input(format!(
                "{} claims to be shard {} of {shards}",
                file.display(),
                p.shard
            )));
        }
        let range = expected_range(&p.job, p.shard, shards);
        if (p.first, p.end) != (range.start, range.end) {
            return Err(input(format!(
                "{} holds {} {} to {}, but shard {} of {shards} is {} to {}",
                file.display(),
                p.job.unit_name(),
                p.first,
                p.end,
                p.shard,
                range.start,
                range.end
            )));
        }
        let slot = &mut seen[(p.shard - 1) as usize];
        if let Some(earlier) = slot {
            return Err(input(format!(
                "shard {} of {shards} is given twice: {} and {}",
                p.shard,
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
            "shards {} of {shards} are missing; merge needs all of them",
            missing.join(", ")
        )));
    }
    partials.sort_by_key(|(_, p)| p.shard);
    Ok(partials.into_iter().map(|(_, p)| p).collect())
}

pub(super) fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let mut partials = Vec::new();
    for p in &args.partials {
        partials.push(read_partial(p)?);
    }
    let partials = check_shards(partials)?;
    let job = partials[0].job.clone();
    let corrupt = || {
        input(format!(
            "a partial result of `swapsim {}` holds statistics of another command",
            job.command()
        ))
    };
    match &job {
        Job::Run { .. } => {
            let parts = partials
                .into_iter()
                .map(|p| match p.statistics {
                    Statistics::Run(acc) => Ok(*acc),
                    _ => Err(corrupt()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            merge_run(job, parts, args)
        }
        Job::Compare { .. } => {
            let parts = partials
                .into_iter()
                .map(|p| match p.statistics {
                    Statistics::Compare(acc) => Ok(acc),
                    _ => Err(corrupt()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            compare::merge(job, parts, args)
        }
        Job::Sensitivity { .. } => {
            let mut sums = Vec::new();
            for p in partials {
                match p.statistics {
                    Statistics::Sensitivity(s) if s.len() as u64 == p.end - p.first => {
                        sums.extend(s)
                    }
                    _ => return Err(corrupt()),
                }
            }
            sensitivity::merge(job, sums, args)
        }
    }
}

/// Merges the shards of a run into the outputs of a single run.
fn merge_run(
    job: Job,
    parts: Vec<crate::stats::Accumulator>,
    args: &MergeArgs,
) -> Result<(), Failure> {
    let Job::Run {
        scenario: record,
        seed,
        trials,
    } = job
    else {
        return Err(input("not the partial result of a run".to_string()));
    };
    let source = record.source();
    let scenario = source
        .parse()?
        .with_trials(trials)
        .map_err(input)?
        .with_seed(seed);
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&source.stem));
    let staging = Staging::new(&target).map_err(other)?;
    let started = Instant::now();
    let shards = parts.len();
    let mut parts = parts.into_iter();
    let mut acc = parts
        .next()
        .ok_or_else(|| input("no partial results given".to_string()))?;
    for part in parts {
        acc.merge(part);
    }
    if acc.trials() != scenario.simulation().trials {
        return Err(input(format!(
            "the partial results hold {} trials, not the {} of the run",
            acc.trials(),
            scenario.simulation().trials
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
        args.report,
    )?;
    if !args.quiet {
        say!(
            "merged {} shards ({} trials) into {}",
            shards,
            scenario.simulation().trials,
            out.display()
        );
    }
    Ok(())
}
