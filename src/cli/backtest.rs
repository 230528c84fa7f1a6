//! `swapsim backtest`: forecast from a past date and score the forecast
//! against what the record then shows.

use super::Error;
use super::calibrate::ModelArgs;
use super::history::{RecordArgs, parse_date};
use super::run::Bar;
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use swapsim::backtest::{self, Backtest, Every, MeanScore, ModelScore};
use swapsim::jobs::backtest::{BacktestJob, BacktestOptions, Origins};
use swapsim::jobs::{self, Exec, WriteOptions};

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim backtest --fit-until 2024-12-31 --until 2025-06-29
      Calibrate on the record up to the end of 2024, forecast the first
      half of 2025, and score the forecast against the record.
  swapsim backtest --rolling --from 2023-01-01 --to 2025-04-01
      A back-test from every quarter start in that span (each scored at 90
      and 180 days where the record allows), with mean scores.";

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Last day of the record used to calibrate (the forecast starts the
    /// next day).
    #[arg(long, value_name = "DATE", value_parser = parse_date,
          required_unless_present = "rolling", conflicts_with = "rolling")]
    pub fit_until: Option<NaiveDate>,
    /// Last day forecast and scored.
    #[arg(long, value_name = "DATE", value_parser = parse_date,
          required_unless_present = "rolling", conflicts_with = "rolling")]
    pub until: Option<NaiveDate>,
    /// Run a back-test from every quarter start between --from and --to,
    /// each forecasting 180 days (less where the record ends sooner).
    #[arg(long)]
    pub rolling: bool,
    /// How far apart the origins of a rolling back-test are: `quarter`
    /// (quarter ends) or `month` (month ends).
    #[arg(
        long,
        value_name = "PERIOD",
        default_value = "quarter",
        requires = "rolling"
    )]
    pub every: Every,
    /// First quarter start of a rolling back-test.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "rolling",
          required_if_eq("rolling", "true"))]
    pub from: Option<NaiveDate>,
    /// Last quarter start of a rolling back-test.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "rolling",
          required_if_eq("rolling", "true"))]
    pub to: Option<NaiveDate>,
    /// First day of the record used to fit the timing of rounds [default:
    /// the record's first row].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub fit_from: Option<NaiveDate>,
    /// First day of the record used to fit round sizes [default:
    /// --fit-from].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub sizes_from: Option<NaiveDate>,
    /// Scenario whose escalation, mediation and coefficients are used
    /// [default: the built-in default].
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    #[command(flatten)]
    pub record: RecordArgs,
    /// Simulated futures per back-test.
    #[arg(long, value_name = "N", default_value_t = backtest::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    pub trials: u64,
    /// Random seed [default: the base scenario's].
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Half-life in days of the recency weights of the recency-weighted
    /// naive forecast (a positive number of days, or `inf` for equal
    /// weights, which reproduces the plain naive forecast).
    #[arg(long, value_name = "DAYS", default_value_t = backtest::DEFAULT_HALF_LIFE_DAYS,
          value_parser = parse_half_life)]
    pub benchmark_half_life: f64,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also score every model of the comparison grid (one or two states;
    /// half-lives of 90, 180, 365 and 730 days or none; with and without
    /// the escalation index; round sizes weighted by recency or not) and
    /// write models.csv, best first.
    #[arg(long, requires = "rolling")]
    pub compare_models: bool,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: output/backtest, or output/backtest-rolling].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis. Files that swapsim did not write are kept.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(args: &BacktestArgs) -> Result<(), Error> {
    let record = args.record.load()?;
    let origins = if args.rolling {
        let (Some(from), Some(to)) = (args.from, args.to) else {
            return Err(Error::input("--rolling needs --from and --to"));
        };
        Origins::Rolling {
            from,
            to,
            every: args.every,
        }
    } else {
        let (Some(fit_until), Some(until)) = (args.fit_until, args.until) else {
            return Err(Error::input("give --fit-until and --until, or --rolling"));
        };
        Origins::Single { fit_until, until }
    };
    let job = BacktestJob::plan(
        record,
        &BacktestOptions {
            origins,
            fit_from: args.fit_from,
            sizes_from: args.sizes_from,
            base: args.base.clone(),
            trials: args.trials,
            seed: args.seed,
            half_life_days: args.benchmark_half_life,
            model: args.model.variant(),
            compare_models: args.compare_models,
        },
    )?;
    let bar = Bar::new(args.quiet);
    let exec = Exec {
        threads: args
            .threads
            .map(usize::from)
            .unwrap_or_else(rayon::current_num_threads),
        progress: &bar,
    };
    let options = WriteOptions {
        charts: !args.no_charts,
        report: false,
        force: args.force,
    };
    let done = jobs::execute(&job, args.out.as_deref(), &exec, &options)?;
    if !args.quiet {
        let r = &done.results;
        let text = if job.is_rolling() {
            let mut t =
                rolling_table(&r.tests, &r.means, &r.skipped) + &coverage_table(&r.coverage);
            if !r.models.is_empty() {
                t.push_str(&models_table(&r.models));
            }
            t
        } else {
            r.tests.first().map(backtest_table).unwrap_or_default()
        };
        say!("{}", text.trim_end());
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

fn parse_half_life(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number of days (a positive number, or inf)"))?;
    if v > 0.0 && !v.is_nan() {
        Ok(v)
    } else {
        Err(format!(
            "'{text}' days: the half-life must be a positive number of days, or inf"
        ))
    }
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

/// One back-test as a plain-text table.
fn backtest_table(b: &Backtest) -> String {
    let s = &b.spec;
    let mut out = format!(
        "Back-test: calibrated on the record from {} to {} (sizes from {}), forecast {} to {}; model {}\n",
        s.fit_from,
        s.fit_until,
        s.sizes_from,
        s.date_of(0),
        s.until,
        b.model.label()
    );
    out.push_str(&format!(
        "  P(suspended at the origin) = {:.2}: {} of {} trials start suspended; seed {}\n",
        b.p_suspended_at_origin, b.suspended_trials, s.trials, s.seed
    ));
    out.push_str(&format!(
        "  scenario values: round_rate {}, suspension.base {}, resumption.base {}, size_mean {}, size_dispersion {}\n",
        b.values[0], b.values[1], b.values[2], b.values[3], b.values[4]
    ));
    out.push_str(&format!(
        "\n  {:<8}{:>6}{:>10}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}\n",
        "",
        "days",
        "record",
        "swapsim median (90%)",
        "CRPS",
        "PIT",
        "naive median (90%)",
        "CRPS",
        "skill",
        "recent median (90%)",
        "CRPS",
        "skill"
    ));
    for sc in &b.scores {
        let range =
            |f: &backtest::ForecastScore| format!("{:.0} ({:.0}-{:.0})", f.p50, f.p5, f.p95);
        out.push_str(&format!(
            "  {:<8}{:>6}{:>10}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}\n",
            sc.quantity,
            sc.horizon_days,
            sc.observed.map_or("?".to_string(), |v| v.to_string()),
            range(&sc.swapsim),
            opt(sc.swapsim.crps, 1),
            opt(sc.swapsim.pit, 2),
            range(&sc.naive),
            opt(sc.naive.crps, 1),
            opt(sc.skill, 2),
            range(&sc.recent),
            opt(sc.recent.crps, 1),
            opt(sc.skill_recent, 2)
        ));
        if let Some(why) = &sc.not_scored {
            out.push_str(&format!("          not scored: {why}\n"));
        }
    }
    out.push_str(&format!(
        "  recent: the naive forecast with recency weights of half-life {} days (rate {:.4} rounds/day, naive {:.4})\n",
        s.half_life_days, b.recent_rate, b.naive_rate
    ));
    out.push_str("  CRPS: lower is better (people or rounds); skill = 1 - CRPS(swapsim)/CRPS(benchmark), above 0 is better than it\n");
    out
}

/// The models compared, best first.
fn models_table(models: &[ModelScore]) -> String {
    let mut out = String::from(
        "\nModels compared (best first by mean CRPS relative to the naive forecast's over people and rounds at 90 and 180 days;\n  cells: skill against the naive / the recency-weighted naive forecast)\n",
    );
    out.push_str(&format!(
        "  {:<58}{:>8}{:>14}{:>14}{:>14}{:>14}\n",
        "model", "rel CRPS", "people 90d", "people 180d", "rounds 90d", "rounds 180d"
    ));
    for m in models {
        let cell = |q: &str, h: u32| {
            m.means
                .iter()
                .find(|s| s.quantity == q && s.horizon_days == h)
                .map_or("-".to_string(), |s| {
                    format!("{:.2}/{:.2}", s.skill, s.skill_recent)
                })
        };
        out.push_str(&format!(
            "  {:<58}{:>8.3}{:>14}{:>14}{:>14}{:>14}\n",
            m.label,
            backtest::relative_crps(&m.means),
            cell("people", 90),
            cell("people", 180),
            cell("rounds", 90),
            cell("rounds", 180)
        ));
    }
    out
}

/// A rolling back-test as a plain-text table.
fn rolling_table(tests: &[Backtest], means: &[MeanScore], skipped: &[String]) -> String {
    let mut out = format!(
        "Rolling back-test: {} origins, {} trials each; model {}\n",
        tests.len(),
        tests.first().map_or(0, |t| t.spec.trials),
        tests.first().map_or(String::new(), |t| t.model.label())
    );
    out.push_str(&format!(
        "  {:<12}{:>6}{:>14}{:>14}{:>14}{:>14}\n",
        "origin", "P(S)", "people 90d", "people 180d", "rounds 90d", "rounds 180d"
    ));
    let both = |a: Option<f64>, b: Option<f64>| format!("{}/{}", opt(a, 2), opt(b, 2));
    for t in tests {
        let cell = |q: &str, h: u32| {
            t.scores
                .iter()
                .find(|s| s.quantity == q && s.horizon_days == h)
                .map_or("-".to_string(), |s| both(s.skill, s.skill_recent))
        };
        out.push_str(&format!(
            "  {:<12}{:>6.2}{:>14}{:>14}{:>14}{:>14}\n",
            t.spec.fit_until,
            t.p_suspended_at_origin,
            cell("people", 90),
            cell("people", 180),
            cell("rounds", 90),
            cell("rounds", 180)
        ));
    }
    out.push_str(
        "  (cells: skill against the naive / the recency-weighted naive forecast; - where the record cannot score it)\n\n",
    );
    out.push_str(&format!(
        "  {:<8}{:>6}{:>9}{:>15}{:>14}{:>14}{:>8}{:>18}{:>8}{:>18}{:>10}{:>12}{:>11}{:>11}\n",
        "",
        "days",
        "origins",
        "mean CRPS sim",
        "mean CRPS nv",
        "mean CRPS rc",
        "skill",
        "95% (bootstrap)",
        "skill rc",
        "95% (bootstrap)",
        "mean PIT",
        "in 90% sim",
        "in 90% nv",
        "in 90% rc"
    ));
    for m in means {
        let interval = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
            (Some(lo), Some(hi)) => format!("{lo:.2} to {hi:.2}"),
            _ => "-".to_string(),
        };
        out.push_str(&format!(
            "  {:<8}{:>6}{:>9}{:>15.1}{:>14.1}{:>14.1}{:>8.2}{:>18}{:>8.2}{:>18}{:>10.2}{:>12.2}{:>11.2}{:>11.2}\n",
            m.quantity,
            m.horizon_days,
            m.origins,
            m.mean_crps_swapsim,
            m.mean_crps_naive,
            m.mean_crps_recent,
            m.skill,
            interval(m.skill_ci95_low, m.skill_ci95_high),
            m.skill_recent,
            interval(m.skill_recent_ci95_low, m.skill_recent_ci95_high),
            m.mean_pit_swapsim,
            m.coverage_90_swapsim,
            m.coverage_90_naive,
            m.coverage_90_recent
        ));
    }
    if let Some(m) = means.first() {
        out.push_str(&format!(
            "  (skill intervals: moving-block bootstrap over origins, blocks of the origins whose 180-day windows overlap, {} at 180 days)\n",
            means.iter().map(|m| m.bootstrap_block).max().unwrap_or(m.bootstrap_block)
        ));
    }
    for s in skipped {
        out.push_str(&format!("  skipped {s}\n"));
    }
    out
}

/// The coverage of the forecast bands as a plain-text table.
fn coverage_table(rows: &[backtest::score::CoverageRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n  Coverage: share of origins whose outcome fell inside each forecast's central band (95% Wilson interval)\n  {:<8}{:>6}{:>9}{:>24}{:>24}{:>24}\n",
        "", "days", "band", "swapsim", "naive", "recent"
    );
    let cell = |r: Option<&backtest::score::CoverageRow>| {
        r.map_or("-".to_string(), |r| {
            format!(
                "{}/{} {:.2} ({:.2}-{:.2})",
                r.inside, r.origins, r.share, r.ci95_low, r.ci95_high
            )
        })
    };
    for r in rows.iter().filter(|r| r.forecast == "swapsim") {
        let find = |forecast: &str| {
            rows.iter().find(|x| {
                x.forecast == forecast
                    && x.quantity == r.quantity
                    && x.horizon_days == r.horizon_days
                    && x.band_percent == r.band_percent
            })
        };
        out.push_str(&format!(
            "  {:<8}{:>6}{:>8}%{:>24}{:>24}{:>24}\n",
            r.quantity,
            r.horizon_days,
            r.band_percent,
            cell(Some(r)),
            cell(find("naive")),
            cell(find("recent"))
        ));
    }
    out.push_str("  (origins closer together than the horizon are not independent: the intervals are lower bounds on the uncertainty)\n");
    out
}
