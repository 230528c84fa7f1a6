//! `swapsim backtest`: forecast from a past date and score the forecast
//! against what the record then shows.

use super::calibrate::{calibrate_failure, sizes_window};
use super::history::{RecordArgs, input, names, other, parse_date};
use super::{Error, load};
use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use swapsim::backtest::{self, Backtest, BacktestError, MeanScore, Setup, Spec};
use swapsim::calibration::conditions::Conditions;
use swapsim::calibration::mapping;
use swapsim::calibration::rewrite::calibrated_text;
use swapsim::history::rounds::Window;
use swapsim::plot::history::{BacktestChart, draw_backtest_chart};
use swapsim::report::{self, CommandManifest, Staging};

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
}

fn backtest_failure(e: BacktestError) -> Error {
    match e {
        BacktestError::Input(m) => input(m),
        BacktestError::Calibrate(c) => calibrate_failure(c),
        BacktestError::Engine(_) => Error::other(e),
    }
}

/// One row of `forecast.csv`.
#[derive(Serialize)]
struct ForecastRow {
    day: u32,
    date: NaiveDate,
    /// Percentiles of people returned since the origin, swapsim.
    swapsim_p5: f64,
    swapsim_p25: f64,
    swapsim_p50: f64,
    swapsim_p75: f64,
    swapsim_p95: f64,
    /// The same, naive forecast.
    naive_p5: f64,
    naive_p50: f64,
    naive_p95: f64,
    /// People returned since the origin in rounds with a published figure,
    /// and rounds, as the record shows.
    record_returned: u64,
    record_rounds: u64,
    /// Rounds so far without a published figure.
    record_rounds_without_figure: u64,
}

fn forecast_rows(b: &Backtest) -> Vec<ForecastRow> {
    let sw = b.forecast.daily_bands();
    let nv = b.naive.daily_bands();
    (0..b.forecast.days)
        .map(|d| {
            let so_far = b.observed.iter().filter(|r| r.day <= d);
            let (mut returned, mut rounds, mut unknown) = (0, 0, 0);
            for r in so_far {
                rounds += 1;
                match r.returned_to_ukraine {
                    Some(v) => returned += v,
                    None => unknown += 1,
                }
            }
            let (s, n) = (sw[d as usize], nv[d as usize]);
            ForecastRow {
                day: d,
                date: b.spec.date_of(d),
                swapsim_p5: s[0],
                swapsim_p25: s[1],
                swapsim_p50: s[2],
                swapsim_p75: s[3],
                swapsim_p95: s[4],
                naive_p5: n[0],
                naive_p50: n[2],
                naive_p95: n[4],
                record_returned: returned,
                record_rounds: rounds,
                record_rounds_without_figure: unknown,
            }
        })
        .collect()
}

/// One row of `scores.csv`.
#[derive(Serialize)]
struct ScoreRow {
    origin: NaiveDate,
    quantity: &'static str,
    horizon_days: u32,
    observed: Option<u64>,
    swapsim_crps: Option<f64>,
    naive_crps: Option<f64>,
    skill: Option<f64>,
    swapsim_pit: Option<f64>,
    naive_pit: Option<f64>,
    swapsim_p5: f64,
    swapsim_p50: f64,
    swapsim_p95: f64,
    naive_p50: f64,
    p_suspended_at_origin: f64,
}

fn score_rows(b: &Backtest) -> Vec<ScoreRow> {
    b.scores
        .iter()
        .map(|s| ScoreRow {
            origin: b.spec.fit_until,
            quantity: s.quantity,
            horizon_days: s.horizon_days,
            observed: s.observed,
            swapsim_crps: s.swapsim.crps,
            naive_crps: s.naive.crps,
            skill: s.skill,
            swapsim_pit: s.swapsim.pit,
            naive_pit: s.naive.pit,
            swapsim_p5: s.swapsim.p5,
            swapsim_p50: s.swapsim.p50,
            swapsim_p95: s.swapsim.p95,
            naive_p50: s.naive.p50,
            p_suspended_at_origin: b.p_suspended_at_origin,
        })
        .collect()
}

/// What `rolling.json` holds.
#[derive(Serialize)]
struct Rolling<'a> {
    origins: Vec<NaiveDate>,
    mean_scores: &'a [MeanScore],
    backtests: &'a [Backtest],
    methods: Methods,
}

/// The estimators behind the scores, named.
#[derive(Serialize)]
struct Methods {
    crps: &'static str,
    pit: &'static str,
    naive: &'static str,
    start: &'static str,
    quantiles: &'static str,
}

const METHODS: Methods = Methods {
    crps: "CRPS of the sample's empirical distribution, E|X - y| - E|X - X'|/2 with 1/n^2 weights, computed exactly in integers",
    pit: "mid-distribution PIT: P(X < y) + P(X = y)/2 under the sample",
    naive: "rounds as a homogeneous Poisson process at the fitting window's rate; sizes drawn with replacement from the window's rounds with a figure",
    start: "trials split between a Suspended and an Active start in proportion to the filtered probability of each state at the origin",
    quantiles: "Hyndman-Fan type 7",
};

pub(super) fn run(args: &BacktestArgs) -> Result<(), Error> {
    let record = args.record.load()?;
    let (source, base) = load(args.base.as_deref())?;
    let fit_from = args.fit_from.unwrap_or(record.span().0);
    let seed = args.seed.unwrap_or(base.simulation().seed);
    let default_dir = if args.rolling {
        "backtest-rolling"
    } else {
        "backtest"
    };
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(default_dir));
    let staging = Staging::new(&target).map_err(other)?;
    let conditions = Conditions::simulate(&base).map_err(calibrate_failure)?;
    let setup = Setup {
        record: &record,
        base: &base,
        conditions: &conditions,
        threads: args.threads.map(usize::from),
    };
    let spec = |fit_until: NaiveDate, until: NaiveDate| -> Result<Spec, Error> {
        let timing = Window::new(fit_from, fit_until).ok_or_else(|| {
            input(format!(
                "--fit-from {fit_from} is after the origin {fit_until}"
            ))
        })?;
        let sizes = sizes_window(timing, args.sizes_from)?;
        Ok(Spec {
            fit_from,
            sizes_from: sizes.from,
            fit_until,
            until,
            trials: args.trials,
            seed,
        })
    };
    let dir = staging.path();
    let mut written = Vec::new();
    let summary_text = if args.rolling {
        let (Some(from), Some(to)) = (args.from, args.to) else {
            return Err(input("--rolling needs --from and --to".to_string()));
        };
        let origins = backtest::quarter_starts(from, to);
        if origins.is_empty() {
            return Err(input(format!(
                "no quarter starts between --from {from} and --to {to}"
            )));
        }
        let mut tests = Vec::new();
        let mut skipped = Vec::new();
        for q in &origins {
            let fit_until = q.pred_opt().unwrap_or(*q);
            let until =
                (fit_until + chrono::Days::new(u64::from(backtest::HORIZONS[1]))).min(record.end());
            if (until - fit_until).num_days() < i64::from(backtest::HORIZONS[0]) {
                skipped.push(format!(
                    "{q}: fewer than {} days of record after it",
                    backtest::HORIZONS[0]
                ));
                continue;
            }
            tests.push(backtest::run(&setup, spec(fit_until, until)?).map_err(backtest_failure)?);
        }
        if tests.is_empty() {
            return Err(input(format!(
                "no origin between {from} and {to} has 90 days of record after it"
            )));
        }
        let means = backtest::mean_scores(&tests);
        let rows: Vec<ScoreRow> = tests.iter().flat_map(score_rows).collect();
        report::write_csv(&dir.join("scores.csv"), &rows).map_err(other)?;
        written.push(dir.join("scores.csv"));
        report::write_csv(&dir.join("mean_scores.csv"), &means).map_err(other)?;
        written.push(dir.join("mean_scores.csv"));
        let rolling = Rolling {
            origins: tests.iter().map(|t| t.spec.fit_until).collect(),
            mean_scores: &means,
            backtests: &tests,
            methods: METHODS,
        };
        report::write_json(&dir.join("rolling.json"), &rolling).map_err(other)?;
        written.push(dir.join("rolling.json"));
        rolling_table(&tests, &means, &skipped)
    } else {
        let (Some(fit_until), Some(until)) = (args.fit_until, args.until) else {
            return Err(input(
                "give --fit-until and --until, or --rolling".to_string(),
            ));
        };
        let spec = spec(fit_until, until)?;
        let b = backtest::run(&setup, spec).map_err(backtest_failure)?;
        // The calibrated scenario behind the forecast, with its intervals.
        let timing = Window::new(spec.fit_from, spec.fit_until)
            .ok_or_else(|| input("empty fitting window".to_string()))?;
        let sizes = Window::new(spec.sizes_from, spec.fit_until)
            .ok_or_else(|| input("empty size window".to_string()))?;
        let cal = mapping::calibrate(&record, timing, sizes, &base, &conditions)
            .map_err(calibrate_failure)?;
        let text = calibrated_text(&source.text, &cal).map_err(calibrate_failure)?;
        let toml_path = dir.join("calibrated.toml");
        std::fs::write(&toml_path, text)
            .map_err(|e| other(anyhow::anyhow!("cannot write {}: {e}", toml_path.display())))?;
        written.push(toml_path);
        report::write_json(&dir.join("backtest.json"), &b).map_err(other)?;
        written.push(dir.join("backtest.json"));
        report::write_csv(&dir.join("scores.csv"), score_rows(&b)).map_err(other)?;
        written.push(dir.join("scores.csv"));
        report::write_csv(&dir.join("forecast.csv"), forecast_rows(&b)).map_err(other)?;
        written.push(dir.join("forecast.csv"));
        if !args.no_charts {
            let chart = BacktestChart {
                backtest: &b,
                record: &record.source_name,
                record_sha256: &record.sha256,
            };
            written.extend(draw_backtest_chart(&chart, dir).map_err(other)?);
        }
        backtest_table(&b)
    };
    let mut outputs = names(&written);
    outputs.push(report::files::MANIFEST_JSON.to_string());
    let manifest = CommandManifest::new(
        (&record.source_name, &record.sha256),
        Some(&source),
        outputs,
    );
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    let out = staging.commit().map_err(other)?;
    if !args.quiet {
        say!("{}", summary_text.trim_end());
        say!("  results: {}", out.display());
    }
    Ok(())
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

/// One back-test as a plain-text table.
fn backtest_table(b: &Backtest) -> String {
    let s = &b.spec;
    let mut out = format!(
        "Back-test: calibrated on the record from {} to {} (sizes from {}), forecast {} to {}\n",
        s.fit_from,
        s.fit_until,
        s.sizes_from,
        s.date_of(0),
        s.until
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
        "\n  {:<8}{:>6}{:>10}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}\n",
        "",
        "days",
        "record",
        "swapsim median (90%)",
        "CRPS",
        "PIT",
        "naive median (90%)",
        "CRPS",
        "skill"
    ));
    for sc in &b.scores {
        let range =
            |f: &backtest::ForecastScore| format!("{:.0} ({:.0}-{:.0})", f.p50, f.p5, f.p95);
        out.push_str(&format!(
            "  {:<8}{:>6}{:>10}{:>22}{:>10}{:>8}{:>22}{:>10}{:>8}\n",
            sc.quantity,
            sc.horizon_days,
            sc.observed.map_or("?".to_string(), |v| v.to_string()),
            range(&sc.swapsim),
            opt(sc.swapsim.crps, 1),
            opt(sc.swapsim.pit, 2),
            range(&sc.naive),
            opt(sc.naive.crps, 1),
            opt(sc.skill, 2)
        ));
        if let Some(why) = &sc.not_scored {
            out.push_str(&format!("          not scored: {why}\n"));
        }
    }
    out.push_str("  CRPS: lower is better (people or rounds); skill = 1 - CRPS(swapsim)/CRPS(naive), above 0 is better than naive\n");
    out
}

/// A rolling back-test as a plain-text table.
fn rolling_table(tests: &[Backtest], means: &[MeanScore], skipped: &[String]) -> String {
    let mut out = format!(
        "Rolling back-test: {} origins, {} trials each\n",
        tests.len(),
        tests.first().map_or(0, |t| t.spec.trials)
    );
    out.push_str(&format!(
        "  {:<12}{:>6}{:>14}{:>14}{:>14}{:>14}\n",
        "origin", "P(S)", "people 90d", "people 180d", "rounds 90d", "rounds 180d"
    ));
    for t in tests {
        let cell = |q: &str, h: u32| {
            t.scores
                .iter()
                .find(|s| s.quantity == q && s.horizon_days == h)
                .map_or("-".to_string(), |s| opt(s.skill, 2))
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
        "  (cells: skill against the naive forecast; - where the record cannot score it)\n\n",
    );
    out.push_str(&format!(
        "  {:<8}{:>6}{:>9}{:>16}{:>14}{:>8}{:>11}\n",
        "", "days", "origins", "mean CRPS sim", "mean CRPS nv", "skill", "mean PIT"
    ));
    for m in means {
        out.push_str(&format!(
            "  {:<8}{:>6}{:>9}{:>16.1}{:>14.1}{:>8.2}{:>11.2}\n",
            m.quantity,
            m.horizon_days,
            m.origins,
            m.mean_crps_swapsim,
            m.mean_crps_naive,
            m.skill,
            m.mean_pit_swapsim
        ));
    }
    for s in skipped {
        out.push_str(&format!("  skipped {s}\n"));
    }
    out
}
