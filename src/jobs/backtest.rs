//! `backtest`: forecast from past dates and score the forecasts against
//! what the record then shows.
//!
//! The job behind `swapsim backtest`. Its units are the *origins*: one for
//! a single back-test, one per quarter start for a rolling one. Each
//! origin is independent of the others (it refits on the record up to its
//! own date and simulates its own futures), so any range of origins can be
//! simulated apart and the results put back in order. The base scenario's
//! simulated conditions, which every origin maps its fit under, are
//! simulated once per range. A single back-test writes the calibrated
//! scenario behind its forecast, the forecast day by day, its scores and a
//! chart; a rolling one writes every origin's scores and their means, the
//! coverage of the forecast bands, PIT histograms, and charts of both.

use super::calibrate::{base_scenario, sizes_window};
use super::{Exec, Job, Outputs, RunInfo, WriteOptions};
use crate::backtest::{self, Backtest, Every, MeanScore, ModelScore, Setup, Spec};
use crate::calibration::conditions::Conditions;
use crate::calibration::mapping;
use crate::calibration::rewrite::calibrated_text;
use crate::calibration::variant::Variant;
use crate::error::{Error, Result};
use crate::history::intensity::{self, IndexDay};
use crate::history::losses::ClaimedLosses;
use crate::history::record::Record;
use crate::history::rounds::Window;
use crate::outputs::CommandManifest;
use crate::outputs::manifest::ManifestFile;
use crate::scenario::{Scenario, ScenarioSource};
use chrono::NaiveDate;
use serde::Serialize;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Which origins a back-test stands at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    /// One origin: calibrate up to `fit_until`, forecast and score to
    /// `until`.
    Single {
        fit_until: NaiveDate,
        until: NaiveDate,
    },
    /// The day before every quarter (or month) start from `from` to `to`,
    /// each forecasting 180 days (less where the record ends sooner).
    Rolling {
        from: NaiveDate,
        to: NaiveDate,
        every: Every,
    },
}

/// What the command line can change in `backtest`.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    pub origins: Origins,
    /// First day of the timing fit [default: the record's first row].
    pub fit_from: Option<NaiveDate>,
    /// First day of the size fit [default: `fit_from`].
    pub sizes_from: Option<NaiveDate>,
    /// The base scenario file [default: the built-in default].
    pub base: Option<PathBuf>,
    /// Simulated futures per origin.
    pub trials: u64,
    /// Seed [default: the base scenario's].
    pub seed: Option<u64>,
    /// Half-life (days) of the recency-weighted naive forecast's weights.
    pub half_life_days: f64,
    /// How the timing of rounds is fitted.
    pub model: Variant,
    /// Also score every model of [`backtest::model_grid`] (rolling only).
    pub compare_models: bool,
}

/// A back-test from one or several origins.
#[derive(Debug, Clone)]
pub struct BacktestJob {
    record: Record,
    source: ScenarioSource,
    base: Scenario,
    rolling: bool,
    /// How far apart the origins of a rolling back-test are.
    every: Every,
    specs: Vec<Spec>,
    /// Origins of a rolling back-test left out, with the reason.
    skipped: Vec<String>,
    model: Variant,
    /// The models compared (empty unless asked).
    grid: Vec<Variant>,
    /// The escalation index from the shipped claimed losses.
    index: Vec<IndexDay>,
}

/// One origin's back-test, and for a single back-test the calibrated
/// scenario behind its forecast.
#[derive(Debug, Clone)]
pub struct OriginResult {
    pub backtest: Backtest,
    /// The same origin under every model compared.
    pub models: Vec<Backtest>,
    pub calibrated: Option<String>,
}

/// What a back-test found.
#[derive(Debug, Clone)]
pub struct BacktestResults {
    /// One per origin, in date order.
    pub tests: Vec<Backtest>,
    /// Mean scores over the origins (rolling back-tests).
    pub means: Vec<MeanScore>,
    /// Coverage of the central 50% and 90% bands of every forecast
    /// (rolling back-tests).
    pub coverage: Vec<backtest::score::CoverageRow>,
    /// Origins left out, with the reason (rolling back-tests).
    pub skipped: Vec<String>,
    /// The calibrated scenario behind the forecast (single back-tests).
    pub calibrated: Option<String>,
    /// Mean scores of every model compared, best first (by
    /// [`backtest::relative_crps`]).
    pub models: Vec<ModelScore>,
}

impl BacktestJob {
    /// Plans the back-test of `options` on `record`, checking every origin
    /// before anything is simulated.
    pub fn plan(record: Record, options: &BacktestOptions) -> Result<BacktestJob> {
        let (source, base) = base_scenario(options.base.as_deref())?;
        let fit_from = options.fit_from.unwrap_or(record.span().0);
        let seed = options.seed.unwrap_or(base.simulation().seed);
        let spec = |fit_until: NaiveDate, until: NaiveDate| -> Result<Spec> {
            let timing = Window::new(fit_from, fit_until).ok_or_else(|| {
                Error::input(format!(
                    "--fit-from {fit_from} is after the origin {fit_until}"
                ))
            })?;
            let sizes = sizes_window(timing, options.sizes_from)?;
            let spec = Spec {
                fit_from,
                sizes_from: sizes.from,
                fit_until,
                until,
                trials: options.trials,
                seed,
                half_life_days: options.half_life_days,
            };
            backtest::check(&record, &spec)?;
            Ok(spec)
        };
        let mut specs = Vec::new();
        let mut skipped = Vec::new();
        let rolling = matches!(options.origins, Origins::Rolling { .. });
        let every = match options.origins {
            Origins::Rolling { every, .. } => every,
            Origins::Single { .. } => Every::Quarter,
        };
        match options.origins {
            Origins::Single { fit_until, until } => specs.push(spec(fit_until, until)?),
            Origins::Rolling { from, to, every } => {
                let origins = every.starts(from, to);
                if origins.is_empty() {
                    return Err(Error::input(format!(
                        "no {} starts between --from {from} and --to {to}",
                        match every {
                            Every::Quarter => "quarter",
                            Every::Month => "month",
                        }
                    )));
                }
                for q in &origins {
                    let fit_until = q.pred_opt().unwrap_or(*q);
                    let until = (fit_until + chrono::Days::new(u64::from(backtest::HORIZONS[1])))
                        .min(record.end());
                    if (until - fit_until).num_days() < i64::from(backtest::HORIZONS[0]) {
                        skipped.push(format!(
                            "{q}: fewer than {} days of record after it",
                            backtest::HORIZONS[0]
                        ));
                        continue;
                    }
                    specs.push(spec(fit_until, until)?);
                }
                if specs.is_empty() {
                    return Err(Error::input(format!(
                        "no origin between {from} and {to} has 90 days of record after it"
                    )));
                }
            }
        }
        if options.compare_models && !rolling {
            return Err(Error::input(
                "--compare-models scores models over many origins: give --rolling",
            ));
        }
        Ok(BacktestJob {
            record,
            source,
            base,
            rolling,
            every,
            specs,
            skipped,
            model: options.model,
            grid: if options.compare_models {
                backtest::model_grid()
            } else {
                Vec::new()
            },
            index: intensity::escalation_index(&ClaimedLosses::shipped()?),
        })
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    pub fn is_rolling(&self) -> bool {
        self.rolling
    }
}

impl Job for BacktestJob {
    type Stats = Vec<OriginResult>;
    type Results = BacktestResults;

    fn command(&self) -> &'static str {
        "backtest"
    }

    fn units(&self) -> u64 {
        self.specs.len() as u64
    }

    fn unit_name(&self) -> &'static str {
        "origins"
    }

    fn default_dir(&self) -> PathBuf {
        let name = if self.rolling {
            "backtest-rolling"
        } else {
            "backtest"
        };
        Path::new("output").join(name)
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<Vec<OriginResult>> {
        let conditions = Conditions::simulate(&self.base)?;
        let setup = Setup {
            record: &self.record,
            base: &self.base,
            conditions: &conditions,
            threads: Some(exec.threads),
        };
        let mut out = Vec::new();
        for (done, i) in range.enumerate() {
            let spec = self.specs[i as usize];
            let index = Some(self.index.as_slice());
            let backtest = backtest::run_with(&setup, spec, &self.model, index)?;
            let models = self
                .grid
                .iter()
                .map(|m| backtest::run_with(&setup, spec, m, index))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let calibrated = if self.rolling {
                None
            } else {
                // The calibrated scenario behind the forecast, with its
                // intervals.
                let (timing, sizes) = backtest::check(&self.record, &spec)?;
                let cal = mapping::calibrate_with(
                    &self.record,
                    timing,
                    sizes,
                    &self.base,
                    &conditions,
                    &self.model,
                    index,
                )?;
                Some(calibrated_text(&self.source.text, &cal)?)
            };
            out.push(OriginResult {
                backtest,
                models,
                calibrated,
            });
            exec.progress.advance(done as u64 + 1);
        }
        Ok(out)
    }

    fn merge(into: &mut Vec<OriginResult>, mut from: Vec<OriginResult>) {
        into.append(&mut from);
    }

    fn finish(&self, stats: Vec<OriginResult>) -> Result<BacktestResults> {
        if stats.len() != self.specs.len() {
            return Err(Error::input(format!(
                "the back-test holds {} origins, not the {} planned",
                stats.len(),
                self.specs.len()
            )));
        }
        let mut calibrated = None;
        let mut tests = Vec::with_capacity(stats.len());
        let mut by_model: Vec<Vec<Backtest>> = vec![Vec::new(); self.grid.len()];
        for r in stats {
            calibrated = calibrated.or(r.calibrated);
            tests.push(r.backtest);
            for (k, b) in r.models.into_iter().enumerate() {
                if let Some(v) = by_model.get_mut(k) {
                    v.push(b);
                }
            }
        }
        let seed = self.specs.first().map_or(0, |s| s.seed);
        let mut models: Vec<ModelScore> = self
            .grid
            .iter()
            .zip(&by_model)
            .map(|(m, t)| ModelScore {
                model: *m,
                label: m.label(),
                means: backtest::mean_scores(t, self.every, seed),
            })
            .collect();
        models.sort_by(|a, b| {
            backtest::relative_crps(&a.means).total_cmp(&backtest::relative_crps(&b.means))
        });
        let (means, coverage) = if self.rolling {
            (
                backtest::mean_scores(&tests, self.every, seed),
                backtest::score::coverage_rows(&tests),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(BacktestResults {
            tests,
            means,
            coverage,
            skipped: self.skipped.clone(),
            calibrated,
            models,
        })
    }

    fn write(&self, r: &BacktestResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        if self.rolling {
            let rows: Vec<ScoreRow> = r.tests.iter().flat_map(score_rows).collect();
            out.csv("scores.csv", &rows)?;
            out.csv("mean_scores.csv", &r.means)?;
            let rolling = Rolling {
                origins: r.tests.iter().map(|t| t.spec.fit_until).collect(),
                mean_scores: &r.means,
                coverage: &r.coverage,
                backtests: &r.tests,
                methods: METHODS,
            };
            out.json("rolling.json", &rolling)?;
            out.csv("coverage.csv", &r.coverage)?;
            let pit = backtest::score::pit_rows(&r.tests);
            out.csv("pit_histogram.csv", &pit)?;
            if options.charts {
                out.add(
                    crate::plot::backtest::draw_rolling_charts(
                        &r.tests,
                        &pit,
                        &self.record.source_name,
                        &self.record.sha256,
                        out.dir(),
                    )
                    .map_err(Error::other)?,
                );
            }
            if !r.models.is_empty() {
                out.csv("models.csv", model_rows(&r.models))?;
            }
            return Ok(());
        }
        let Some(b) = r.tests.first() else {
            return Ok(());
        };
        if let Some(text) = &r.calibrated {
            out.text("calibrated.toml", text)?;
        }
        out.json("backtest.json", b)?;
        out.csv("scores.csv", score_rows(b))?;
        out.csv("forecast.csv", forecast_rows(b))?;
        if options.charts {
            let chart = crate::plot::history::BacktestChart {
                backtest: b,
                record: &self.record.source_name,
                record_sha256: &self.record.sha256,
            };
            out.add(
                crate::plot::history::draw_backtest_chart(&chart, out.dir())
                    .map_err(Error::other)?,
            );
        }
        Ok(())
    }

    fn manifest(&self, _run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        ManifestFile::Record(CommandManifest::new(
            (&self.record.source_name, &self.record.sha256),
            Some(&self.source),
            outputs,
        ))
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
    /// The same, recency-weighted naive forecast.
    recent_p5: f64,
    recent_p50: f64,
    recent_p95: f64,
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
    let rc = b.recent.daily_bands();
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
            let (s, n, r) = (sw[d as usize], nv[d as usize], rc[d as usize]);
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
                recent_p5: r[0],
                recent_p50: r[2],
                recent_p95: r[4],
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
    recent_crps: Option<f64>,
    skill: Option<f64>,
    skill_recent: Option<f64>,
    swapsim_pit: Option<f64>,
    naive_pit: Option<f64>,
    recent_pit: Option<f64>,
    /// Randomised PIT (Czado, Gneiting and Held 2009) of each forecast.
    swapsim_randomised_pit: Option<f64>,
    naive_randomised_pit: Option<f64>,
    recent_randomised_pit: Option<f64>,
    swapsim_p5: f64,
    swapsim_p25: f64,
    swapsim_p50: f64,
    swapsim_p75: f64,
    swapsim_p95: f64,
    naive_p50: f64,
    recent_p50: f64,
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
            recent_crps: s.recent.crps,
            skill: s.skill,
            skill_recent: s.skill_recent,
            swapsim_pit: s.swapsim.pit,
            naive_pit: s.naive.pit,
            recent_pit: s.recent.pit,
            swapsim_randomised_pit: s.swapsim.randomised_pit,
            naive_randomised_pit: s.naive.randomised_pit,
            recent_randomised_pit: s.recent.randomised_pit,
            swapsim_p5: s.swapsim.p5,
            swapsim_p25: s.swapsim.p25,
            swapsim_p50: s.swapsim.p50,
            swapsim_p75: s.swapsim.p75,
            swapsim_p95: s.swapsim.p95,
            naive_p50: s.naive.p50,
            recent_p50: s.recent.p50,
            p_suspended_at_origin: b.p_suspended_at_origin,
        })
        .collect()
}

/// What `rolling.json` holds.
#[derive(Serialize)]
struct Rolling<'a> {
    origins: Vec<NaiveDate>,
    mean_scores: &'a [MeanScore],
    coverage: &'a [backtest::score::CoverageRow],
    backtests: &'a [Backtest],
    methods: Methods,
}

/// The estimators behind the scores, named.
#[derive(Serialize)]
struct Methods {
    crps: &'static str,
    pit: &'static str,
    randomised_pit: &'static str,
    coverage: &'static str,
    naive: &'static str,
    recent: &'static str,
    start: &'static str,
    quantiles: &'static str,
}

const METHODS: Methods = Methods {
    crps: "CRPS of the sample's empirical distribution, E|X - y| - E|X - X'|/2 with 1/n^2 weights, computed exactly in integers",
    pit: "mid-distribution PIT: P(X < y) + P(X = y)/2 under the sample",
    randomised_pit: "randomised PIT (Czado, Gneiting and Held 2009): P(X < y) + V P(X = y) under the sample, V uniform on [0, 1) from its own stream per origin, quantity and horizon, shared by the three forecasts; histograms in tenths",
    coverage: "share of origins whose outcome lies within the central 50% (25th to 75th percentile) or 90% (5th to 95th) band, ends included, with a 95% Wilson score interval that treats origins as independent",
    naive: "rounds as a homogeneous Poisson process at the fitting window's rate; sizes drawn with replacement from the window's rounds with a figure",
    recent: "the naive forecast with every day of the fitting window weighted by 2^(-age/half_life) days before the origin: the rate is the weighted share of days a round started, sizes are drawn with probability proportional to the weight of their round's first day",
    start: "a two-state model splits its trials between a Suspended and an Active start in proportion to the filtered probability of each state at the origin (or the chain's long-run share, as the model says); a one-state model starts Active",
    quantiles: "Hyndman-Fan type 7",
};

/// One row of `models.csv`: one model's mean scores of one quantity at one
/// horizon.
#[derive(Serialize)]
struct ModelRow {
    /// Rank by [`backtest::relative_crps`] (1 = best).
    rank: usize,
    model: String,
    states: crate::calibration::variant::States,
    /// Half-life of the likelihood weights (days); empty for none.
    half_life_days: Option<f64>,
    intensity: bool,
    start: crate::calibration::variant::Start,
    /// Round sizes fitted with the same recency weights as the timing.
    sizes_weighted: bool,
    /// Mean over the four scores of CRPS relative to the naive forecast's.
    relative_crps: f64,
    quantity: &'static str,
    horizon_days: u32,
    origins: usize,
    mean_crps: f64,
    mean_crps_naive: f64,
    mean_crps_recent: f64,
    skill: f64,
    skill_ci95_low: Option<f64>,
    skill_ci95_high: Option<f64>,
    skill_recent: f64,
    skill_recent_ci95_low: Option<f64>,
    skill_recent_ci95_high: Option<f64>,
}

fn model_rows(models: &[ModelScore]) -> Vec<ModelRow> {
    let mut rows = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let rel = backtest::relative_crps(&m.means);
        for s in &m.means {
            rows.push(ModelRow {
                rank: i + 1,
                model: m.label.clone(),
                states: m.model.states,
                half_life_days: m.model.half_life_days,
                intensity: m.model.intensity,
                start: m.model.start,
                sizes_weighted: m.model.sizes_weighted,
                relative_crps: rel,
                quantity: s.quantity,
                horizon_days: s.horizon_days,
                origins: s.origins,
                mean_crps: s.mean_crps_swapsim,
                mean_crps_naive: s.mean_crps_naive,
                mean_crps_recent: s.mean_crps_recent,
                skill: s.skill,
                skill_ci95_low: s.skill_ci95_low,
                skill_ci95_high: s.skill_ci95_high,
                skill_recent: s.skill_recent,
                skill_recent_ci95_low: s.skill_recent_ci95_low,
                skill_recent_ci95_high: s.skill_recent_ci95_high,
            });
        }
    }
    rows
}
