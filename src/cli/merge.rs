//! `swapsim merge`: the shards of a run, a comparison or a sensitivity
//! design, combined into the outputs of the unsharded command.

use super::{Error, MergeArgs};
use std::path::Path;
use swapsim::jobs::WriteOptions;
use swapsim::jobs::shard::{self, MergeRequest, Partial};

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
      points, runs and comparisons with --assumptions by parameter sets
      (the central values count as the first); `swapsim merge` combines
      any kind (add --report for report.html).";

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

pub(super) fn merge(args: &MergeArgs) -> Result<(), Error> {
    let options = WriteOptions {
        charts: !args.no_charts,
        report: args.report,
        force: args.force,
    };
    let request = MergeRequest {
        partials: &args.partials,
        out: args.out.as_deref(),
        options,
    };
    let (partials, target) = shard::prepare(&request)?;
    let merged = shard::merge(partials, &target, &options)?;
    super::warn_round_cap(&merged.round_cap);
    if !args.quiet {
        say!(
            "merged {} shards ({} {}) into {}",
            merged.shards,
            merged.units,
            merged.unit_name,
            merged.dir.display()
        );
    }
    Ok(())
}
