//! `swapsim discover`: the boxes of assumptions where an outcome crosses a
//! threshold (PRIM), from an ensemble or a Sobol design.

use super::Error;
use clap::Args;
use std::path::PathBuf;
use swapsim::jobs::discover::{self, DiscoverOptions, Side};
use swapsim::sensitivity::prim::{DEFAULT_ALPHA, DEFAULT_MIN_COVERAGE};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim run --assumptions 1024 --trials 2000
  swapsim discover output/istanbul-2025 --outcome no_round_by_deadline --above 0.5
      Where across the assumptions is no round by the deadline more likely
      than not? Writes output/istanbul-2025/discover/.";

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A folder holding ensemble.csv (from `run`) or design.csv (from
    /// `sensitivity`).
    pub dir: PathBuf,
    /// The outcome, by its column in the table (such as
    /// no_round_by_deadline) or its statistic (p_no_round_by_deadline).
    #[arg(long)]
    pub outcome: String,
    /// The event: the outcome above this value (a probability from 0 to 1).
    #[arg(
        long,
        value_name = "X",
        conflicts_with = "below",
        required_unless_present = "below"
    )]
    pub above: Option<f64>,
    /// The event: the outcome below this value.
    #[arg(long, value_name = "X")]
    pub below: Option<f64>,
    /// Share of the box's points removed by each peel.
    #[arg(long, default_value_t = DEFAULT_ALPHA)]
    pub alpha: f64,
    /// The box is the densest on the peeling trajectory with at least this
    /// coverage.
    #[arg(long, default_value_t = DEFAULT_MIN_COVERAGE)]
    pub min_coverage: f64,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub(super) fn run(args: &DiscoverArgs) -> Result<(), Error> {
    let (side, threshold) = match (args.above, args.below) {
        (Some(x), _) => (Side::Above, x),
        (None, Some(x)) => (Side::Below, x),
        (None, None) => return Err(Error::input("give --above X or --below X")),
    };
    let options = DiscoverOptions {
        outcome: args.outcome.clone(),
        side,
        threshold,
        alpha: args.alpha,
        min_coverage: args.min_coverage,
    };
    let result = discover::discover(&args.dir, &options)?;
    let out = discover::write(&args.dir, &result)?;
    if !args.quiet {
        say!("{}", discover::in_words(&result));
        say!("  results: {}", out.display());
    }
    Ok(())
}
