//! Back-tests: how well would swapsim have forecast what the record shows?
//!
//! A back-test stands at a past date (the *origin*), calibrates the
//! scenario on the record up to that date and no further, starts the
//! simulation the next day, and compares the simulated futures with what
//! the record shows happened: people returned and rounds held within 90 and
//! 180 days. Whether the process was running or suspended at the origin is
//! not known, so the trials are split between an Active start and a
//! Suspended start in proportion to the filtered probability of each state
//! at the origin (the hidden Markov model's estimate from the record up to
//! that day). The same scores are computed for a naive forecast that knows
//! only the average pace of the fitting window: rounds as a homogeneous
//! Poisson process at the window's rate, each round's size drawn at random
//! from the window's rounds. swapsim is worth its assumptions only where it
//! beats that.

pub mod score;

use crate::calibration::CalibrateError;
use crate::calibration::conditions::Conditions;
use crate::calibration::mapping::point_values;
use crate::calibration::variant::{self, Variant, VariantError};
use crate::calibration::window::{index_over, size_weights, window_rounds, window_sizes};
use crate::calibration::{hmm, negbin};
use crate::engine::{self, StreamKeys, TrialSink};
use crate::history::intensity::IndexDay;
use crate::history::record::Record;
use crate::history::rounds::{Round, Window};
use crate::model::{Model, TraceEvent, TrialOutcome, TrialTrace};
use crate::scenario::raw::RawDate;
use crate::scenario::{InitialPhase, Scenario};
use crate::stats::histogram::IntHistogram;
use chrono::NaiveDate;
use serde::Serialize;

/// Days after the origin at which forecasts are scored.
pub const HORIZONS: [u32; 2] = [90, 180];
/// Simulated futures per back-test unless told otherwise.
pub const DEFAULT_TRIALS: u64 = 4000;
/// Fewest days a fitting window may have.
pub const MIN_FIT_DAYS: usize = 180;
/// Half-life (days) of the recency weights of the recency-weighted naive
/// forecast unless told otherwise. A year, the half-life at which an
/// earlier re-analysis of the quarterly back-tests found a recency-weighted
/// pace scoring well; it has not yet been chosen by a rolling back-test
/// score over a grid of half-lives (docs/calibration.md, section 8).
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 365.0;

/// Why a back-test could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Calibrate(#[from] CalibrateError),
    #[error("cannot simulate: {0}")]
    Engine(String),
}

/// What a back-test is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spec {
    /// First day of the fitting window for the timing of rounds.
    pub fit_from: NaiveDate,
    /// First day of the fitting window for round sizes.
    pub sizes_from: NaiveDate,
    /// Last day of both fitting windows (the origin); the forecast starts
    /// the next day.
    pub fit_until: NaiveDate,
    /// Last day forecast.
    pub until: NaiveDate,
    pub trials: u64,
    pub seed: u64,
    /// Half-life (days) of the recency weights of the recency-weighted
    /// naive forecast; infinite weighs every day of the window alike.
    pub half_life_days: f64,
}

impl Spec {
    /// Days forecast.
    pub fn horizon_days(&self) -> u32 {
        (self.until - self.fit_until).num_days().max(0) as u32
    }

    /// Date of forecast day index `t` (0 = the day after the origin).
    pub fn date_of(&self, t: u32) -> NaiveDate {
        self.fit_until + chrono::Days::new(u64::from(t) + 1)
    }
}

/// Simulated futures: for each trial, its rounds as (day index, people
/// returned so far after the round).
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub days: u32,
    pub paths: Vec<Vec<(u32, u64)>>,
}

impl Forecast {
    /// People returned by the end of day index `day`, trial by trial.
    pub fn returned_by(&self, day: u32) -> Vec<u64> {
        self.paths
            .iter()
            .map(|p| {
                p.iter()
                    .take_while(|(d, _)| *d <= day)
                    .last()
                    .map_or(0, |(_, c)| *c)
            })
            .collect()
    }

    /// Rounds by the end of day index `day`, trial by trial.
    pub fn rounds_by(&self, day: u32) -> Vec<u64> {
        self.paths
            .iter()
            .map(|p| p.iter().take_while(|(d, _)| *d <= day).count() as u64)
            .collect()
    }

    /// Percentiles 5, 25, 50, 75 and 95 (Hyndman–Fan type 7) of people
    /// returned so far, day by day.
    pub fn daily_bands(&self) -> Vec<[f64; 5]> {
        (0..self.days)
            .map(|d| {
                let mut h = IntHistogram::new();
                for v in self.returned_by(d) {
                    h.add(v);
                }
                [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| h.quantile(p).unwrap_or(f64::NAN))
            })
            .collect()
    }
}

/// Keeps each trial's rounds, with the trial index so that they can be put
/// in trial order whatever the threads did.
#[derive(Default)]
struct RoundSink(Vec<(u64, Vec<(u32, u64)>)>);

impl TrialSink for RoundSink {
    fn record(&mut self, trial: u64, _o: &TrialOutcome, trace: &TrialTrace) {
        let rounds = trace
            .events
            .iter()
            .filter_map(|e| match *e {
                TraceEvent::Round { day, returned } => Some((day, returned)),
                TraceEvent::PhaseChange { .. } => None,
            })
            .collect();
        self.0.push((trial, rounds));
    }
    fn merge(&mut self, mut other: Self) {
        self.0.append(&mut other.0);
    }
}

/// Trials of `scenario` started Suspended (the first `suspended_trials`)
/// and Active (the rest), each trial on its own streams.
pub fn swapsim_forecast(
    scenario: &Scenario,
    suspended_trials: u64,
    threads: Option<usize>,
) -> Result<Forecast, BacktestError> {
    let n = scenario.simulation().trials;
    let keys = StreamKeys::new(scenario.mediator_names());
    let mut rows = Vec::with_capacity(n as usize);
    for (phase, range) in [
        (InitialPhase::Suspended, 0..suspended_trials.min(n)),
        (InitialPhase::Active, suspended_trials.min(n)..n),
    ] {
        if range.is_empty() {
            continue;
        }
        let s = scenario
            .rebuilt(|r| r.exchange.initial_phase = phase)
            .map_err(|e| BacktestError::Input(e.to_string()))?;
        let model = Model::new(&s);
        let sink = engine::run(
            &model,
            &keys,
            s.simulation().seed,
            range,
            threads,
            RoundSink::default,
            &|_| {},
        )
        .map_err(|e| BacktestError::Engine(e.to_string()))?;
        rows.extend(sink.0);
    }
    rows.sort_unstable_by_key(|(t, _)| *t);
    Ok(Forecast {
        days: scenario.simulation().horizon_days,
        paths: rows.into_iter().map(|(_, p)| p).collect(),
    })
}

/// The naive forecast: rounds as a Poisson process with `rate` rounds per
/// day, each of a size drawn with replacement from `sizes`.
pub fn naive_forecast(rate: f64, sizes: &[u64], days: u32, trials: u64, seed: u64) -> Forecast {
    weighted_naive_forecast(rate, sizes, &vec![1.0; sizes.len()], days, trials, seed)
}

pub use crate::calibration::variant::{recency_weight, weighted_rate};

/// The size draws of a naive forecast: with equal weights a uniform index
/// (the plain naive forecast's draw), otherwise an index drawn in
/// proportion to its weight by inversion of the cumulative weights.
fn pick_size(rng: &mut engine::StreamRng, weights: &[f64], cumulative: Option<&[f64]>) -> usize {
    match cumulative {
        None => rand::RngExt::random_range(rng, 0..weights.len()),
        Some(c) => {
            let total = c[c.len() - 1];
            let u: f64 = rand::RngExt::random(rng);
            let x = u * total;
            c.partition_point(|&v| v <= x).min(c.len() - 1)
        }
    }
}

/// The recency-weighted naive forecast: rounds as a Poisson process with
/// `rate` rounds per day, each of a size drawn with replacement from
/// `sizes` with probability proportional to `weights` (one per size).
/// Equal weights give exactly [`naive_forecast`], draw for draw.
pub fn weighted_naive_forecast(
    rate: f64,
    sizes: &[u64],
    weights: &[f64],
    days: u32,
    trials: u64,
    seed: u64,
) -> Forecast {
    let key = engine::fnv1a("naive forecast");
    let equal = weights.windows(2).all(|w| w[0] == w[1]);
    let cumulative: Option<Vec<f64>> = (!equal).then(|| {
        weights
            .iter()
            .scan(0.0, |acc, &w| {
                *acc += w;
                Some(*acc)
            })
            .collect()
    });
    let paths = (0..trials)
        .map(|trial| {
            let mut rng = engine::stream(seed, trial, key);
            let mut path = Vec::new();
            let mut t = 0.0f64;
            let mut total = 0u64;
            if rate <= 0.0 || sizes.is_empty() {
                return path;
            }
            loop {
                let u: f64 = rand::RngExt::random(&mut rng);
                // An exponential waiting time; 1 - u lies in (0, 1].
                t += -(1.0 - u).ln() / rate;
                if t >= f64::from(days) {
                    break;
                }
                let pick = pick_size(&mut rng, weights, cumulative.as_deref());
                total += sizes[pick];
                path.push((t as u32, total));
            }
            path
        })
        .collect();
    Forecast { days, paths }
}

/// A forecast distribution summarised and scored against one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastScore {
    pub mean: f64,
    /// Percentiles (Hyndman–Fan type 7).
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// CRPS of the sample's empirical distribution (unit of the quantity);
    /// null when the outcome is unknown.
    pub crps: Option<f64>,
    /// Mid-distribution PIT of the outcome; null when it is unknown.
    pub pit: Option<f64>,
    /// Randomised PIT of the outcome ([`score::randomised_pit`]); null
    /// when it is unknown.
    pub randomised_pit: Option<f64>,
}

/// Scores `values` against `observed`; `draw` is the uniform draw of the
/// randomised PIT ([`score::pit_draw`]).
fn score_sample(values: &[u64], observed: Option<u64>, draw: f64) -> ForecastScore {
    let hist = score::histogram(values);
    let mut h = IntHistogram::new();
    for &v in values {
        h.add(v);
    }
    let q = |p: f64| h.quantile(p).unwrap_or(f64::NAN);
    ForecastScore {
        mean: values.iter().map(|&v| v as f64).sum::<f64>() / values.len().max(1) as f64,
        p5: q(0.05),
        p25: q(0.25),
        p50: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        crps: observed.map(|y| score::crps(&hist, y)),
        pit: observed.map(|y| score::mid_pit(&hist, y)),
        randomised_pit: observed.map(|y| score::randomised_pit(&hist, y, draw)),
    }
}

/// One quantity at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HorizonScore {
    /// `people` (returned to Ukraine) or `rounds`.
    pub quantity: &'static str,
    pub horizon_days: u32,
    /// Last day counted.
    pub date: NaiveDate,
    /// What the record shows; null if it cannot say.
    pub observed: Option<u64>,
    /// Why there is no observed value, when there is none.
    pub not_scored: Option<String>,
    pub swapsim: ForecastScore,
    pub naive: ForecastScore,
    /// The recency-weighted naive forecast.
    pub recent: ForecastScore,
    /// `1 - CRPS(swapsim) / CRPS(naive)`.
    pub skill: Option<f64>,
    /// `1 - CRPS(swapsim) / CRPS(recency-weighted naive)`.
    pub skill_recent: Option<f64>,
}

/// What the record shows after the origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedRound {
    /// Day index of the round's first day (0 = the day after the origin).
    pub day: u32,
    pub date: NaiveDate,
    /// People returned to Ukraine; null where no figure was published.
    pub returned_to_ukraine: Option<u64>,
}

/// A finished back-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub spec: Spec,
    /// How the timing of rounds was fitted.
    pub model: Variant,
    /// Probability with which the forecast starts suspended: the filtered
    /// probability at the end of the origin day given the record up to it,
    /// the long-run share, or 0 for a one-state model, as the model says.
    pub p_suspended_at_origin: f64,
    pub suspended_trials: u64,
    /// The fitted daily probabilities and size law.
    pub fitted: hmm::HmmParams,
    pub size_mean_extra: f64,
    pub size_dispersion: f64,
    /// Scenario values used: round_rate, suspension.base, resumption.base,
    /// size_mean, size_dispersion.
    pub values: [f64; 5],
    /// Rounds per day in the fitting window (the naive forecast's rate).
    pub naive_rate: f64,
    /// Round sizes the naive forecast draws from.
    pub naive_sizes: usize,
    /// Rounds per day in the fitting window with recency weights (the
    /// recency-weighted naive forecast's rate; [`weighted_rate`]).
    pub recent_rate: f64,
    pub scores: Vec<HorizonScore>,
    pub observed: Vec<ObservedRound>,
    #[serde(skip)]
    pub forecast: Forecast,
    #[serde(skip)]
    pub naive: Forecast,
    #[serde(skip)]
    pub recent: Forecast,
}

/// What every back-test shares: the record, the base scenario and its
/// simulated conditions.
pub struct Setup<'a> {
    pub record: &'a Record,
    pub base: &'a Scenario,
    pub conditions: &'a Conditions,
    pub threads: Option<usize>,
}

/// Checks that `spec` can be back-tested on `record`, and returns its
/// fitting windows for the timing and the sizes of rounds.
pub fn check(record: &Record, spec: &Spec) -> Result<(Window, Window), BacktestError> {
    let record_end = record.end();
    let fail = |m: String| Err(BacktestError::Input(m));
    if spec.fit_until >= spec.until {
        return fail(format!(
            "--until {} must come after --fit-until {}",
            spec.until, spec.fit_until
        ));
    }
    if spec.until > record_end {
        return fail(format!(
            "--until {} is after the end of the record ({record_end}): nothing to compare the forecast with",
            spec.until
        ));
    }
    let horizon = spec.horizon_days();
    if horizon < HORIZONS[0] {
        return fail(format!(
            "--until {} is {horizon} days after --fit-until {}: forecasts are scored at {} and {} days, so it must be at least {} days after",
            spec.until, spec.fit_until, HORIZONS[0], HORIZONS[1], HORIZONS[0]
        ));
    }
    if horizon > crate::scenario::MAX_HORIZON_DAYS {
        return fail(format!(
            "the back-test spans {horizon} days; at most {} are allowed",
            crate::scenario::MAX_HORIZON_DAYS
        ));
    }
    let window = Window::new(spec.fit_from, spec.fit_until)
        .filter(|w| w.days() >= MIN_FIT_DAYS)
        .ok_or_else(|| {
            BacktestError::Input(format!(
                "the fitting window {} to {} is shorter than {MIN_FIT_DAYS} days",
                spec.fit_from, spec.fit_until
            ))
        })?;
    let sizes_window = Window::new(spec.sizes_from, spec.fit_until).ok_or_else(|| {
        BacktestError::Input(format!(
            "the size window starts on {}, after the origin {}",
            spec.sizes_from, spec.fit_until
        ))
    })?;
    Ok((window, sizes_window))
}

/// Runs one back-test with the classic two-state model
/// ([`variant::CLASSIC`]).
pub fn run(setup: &Setup, spec: Spec) -> Result<Backtest, BacktestError> {
    run_with(setup, spec, &variant::CLASSIC, None)
}

/// Runs one back-test with the timing fitted by `model`; `index` is the
/// escalation index by day (needed by a model with the covariate).
pub fn run_with(
    setup: &Setup,
    spec: Spec,
    model: &Variant,
    index: Option<&[IndexDay]>,
) -> Result<Backtest, BacktestError> {
    let (window, sizes_window) = check(setup.record, &spec)?;
    let horizon = spec.horizon_days();

    let (_, days) = window_rounds(setup.record, window);
    let levels = index.and_then(|i| index_over(i, window));
    let fit = variant::fit_point(&days, levels.as_deref(), model).map_err(|e| match e {
        VariantError::Fit(source) => BacktestError::Calibrate(CalibrateError::Timing {
            from: window.from,
            to: window.to,
            source,
        }),
        VariantError::NoIndex => {
            BacktestError::Input(format!("origin {}: {}", window.to, VariantError::NoIndex))
        }
    })?;
    let params = fit.params;
    let p_suspended = fit.p_suspended_start;
    let (sizes, _, _) = window_sizes(setup.record, sizes_window);
    let weights = size_weights(setup.record, sizes_window, model.sizes_half_life());
    let nb = negbin::fit_weighted(&sizes, &weights).map_err(|source| CalibrateError::Sizes {
        from: sizes_window.from,
        to: sizes_window.to,
        source,
    })?;
    let (m, k) = (nb.mean_extra.estimate, nb.dispersion.estimate);
    let values = point_values(&params, (m, k), setup.base, setup.conditions)?;

    let s = setup
        .base
        .rebuilt(|r| {
            let x = &mut r.exchange;
            let (suspension, resumption);
            [
                x.round_rate,
                suspension,
                resumption,
                x.size_mean,
                x.size_dispersion,
            ] = values;
            (x.suspension.base, x.resumption.base) = (Some(suspension), Some(resumption));
            r.simulation.start_date = RawDate::Text(spec.date_of(0).to_string());
            r.simulation.horizon_days = i64::from(horizon);
            r.simulation.trials = spec.trials as i64;
            r.simulation.seed = spec.seed;
            r.target.pool = None;
            r.target.deadline = Some(RawDate::Text(spec.until.to_string()));
        })
        .map_err(|e| BacktestError::Input(e.to_string()))?;
    let suspended_trials = (p_suspended * spec.trials as f64).round() as u64;
    let forecast = swapsim_forecast(&s, suspended_trials, setup.threads)?;

    let naive_rate = days.iter().filter(|d| **d).count() as f64 / days.len() as f64;
    let naive = naive_forecast(naive_rate, &sizes, horizon, spec.trials, spec.seed);
    let recent_rate = weighted_rate(&days, spec.half_life_days);
    // The same rounds, in the same order, as `window_sizes` keeps, each
    // weighed by the age of its first day at the origin.
    let (sized, _) = window_rounds(setup.record, sizes_window);
    let weights: Vec<f64> = sized
        .iter()
        .filter(|r| r.returned_to_ukraine.is_some_and(|s| s > 0))
        .map(|r| {
            recency_weight(
                (spec.fit_until - r.first).num_days() as u32,
                spec.half_life_days,
            )
        })
        .collect();
    let recent = weighted_naive_forecast(
        recent_rate,
        &sizes,
        &weights,
        horizon,
        spec.trials,
        spec.seed,
    );

    let after = Window::new(spec.date_of(0), spec.until)
        .ok_or_else(|| BacktestError::Input("the forecast window is empty".to_string()))?;
    let (later, _) = window_rounds(setup.record, after);
    let observed: Vec<ObservedRound> = later
        .iter()
        .map(|r: &Round| ObservedRound {
            day: after.day_of(r.first) as u32,
            date: r.first,
            returned_to_ukraine: r.returned_to_ukraine,
        })
        .collect();

    let mut scores = Vec::new();
    for h in HORIZONS.into_iter().filter(|&h| h <= horizon) {
        let last = h - 1;
        let upto: Vec<&ObservedRound> = observed.iter().filter(|r| r.day <= last).collect();
        let unknown = upto
            .iter()
            .filter(|r| r.returned_to_ukraine.is_none())
            .count();
        let people = (unknown == 0).then(|| {
            upto.iter()
                .filter_map(|r| r.returned_to_ukraine)
                .sum::<u64>()
        });
        let rounds = upto.len() as u64;
        for (quantity, observed, sim, base, weighted) in [
            (
                "people",
                people,
                forecast.returned_by(last),
                naive.returned_by(last),
                recent.returned_by(last),
            ),
            (
                "rounds",
                Some(rounds),
                forecast.rounds_by(last),
                naive.rounds_by(last),
                recent.rounds_by(last),
            ),
        ] {
            let origin_day = i64::from(chrono::Datelike::num_days_from_ce(&spec.fit_until));
            let draw = score::pit_draw(spec.seed, origin_day, quantity, h);
            let sw = score_sample(&sim, observed, draw);
            let nv = score_sample(&base, observed, draw);
            let rc = score_sample(&weighted, observed, draw);
            let skill = sw.crps.zip(nv.crps).map(|(a, b)| score::skill(a, b));
            let skill_recent = sw.crps.zip(rc.crps).map(|(a, b)| score::skill(a, b));
            scores.push(HorizonScore {
                quantity,
                horizon_days: h,
                date: spec.date_of(last),
                observed,
                not_scored: observed.is_none().then(|| {
                    format!("{unknown} round(s) in these {h} days have no published figure")
                }),
                swapsim: sw,
                naive: nv,
                recent: rc,
                skill,
                skill_recent,
            });
        }
    }
    Ok(Backtest {
        spec,
        model: *model,
        p_suspended_at_origin: p_suspended,
        suspended_trials,
        fitted: params,
        size_mean_extra: m,
        size_dispersion: k,
        values,
        naive_rate,
        naive_sizes: sizes.len(),
        recent_rate,
        scores,
        observed,
        forecast,
        naive,
        recent,
    })
}

/// Mean scores of one quantity at one horizon over the origins of a
/// rolling back-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanScore {
    pub quantity: &'static str,
    pub horizon_days: u32,
    /// Origins at which it could be scored.
    pub origins: usize,
    pub mean_crps_swapsim: f64,
    pub mean_crps_naive: f64,
    /// Mean CRPS of the recency-weighted naive forecast.
    pub mean_crps_recent: f64,
    /// `1 - mean CRPS(swapsim) / mean CRPS(naive)`.
    pub skill: f64,
    /// Mean mid-distribution PIT of swapsim's forecasts (0.5 if unbiased).
    pub mean_pit_swapsim: f64,
    /// Lower end of the 95% interval of `skill` by the moving-block
    /// bootstrap over origins ([`score::block_bootstrap_skill`]); null for
    /// fewer than two origins.
    pub skill_ci95_low: Option<f64>,
    /// Upper end of that interval.
    pub skill_ci95_high: Option<f64>,
    /// `1 - mean CRPS(swapsim) / mean CRPS(recency-weighted naive)`.
    pub skill_recent: f64,
    /// 95% interval of `skill_recent` by the same bootstrap.
    pub skill_recent_ci95_low: Option<f64>,
    /// Upper end of that interval.
    pub skill_recent_ci95_high: Option<f64>,
    /// Block length of those bootstraps (origins).
    pub bootstrap_block: usize,
    /// Share of origins whose outcome fell within swapsim's central 90%
    /// band (5th to 95th percentile).
    pub coverage_90_swapsim: f64,
    /// The same for the naive forecast.
    pub coverage_90_naive: f64,
    /// The same for the recency-weighted naive forecast.
    pub coverage_90_recent: f64,
}

/// How often a rolling back-test stands at an origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    /// The first day of every quarter (origins at quarter ends).
    #[default]
    Quarter,
    /// The first day of every month (origins at month ends).
    Month,
}

impl Every {
    /// Months between period starts.
    pub fn months(self) -> u32 {
        match self {
            Every::Quarter => 3,
            Every::Month => 1,
        }
    }

    /// Typical days between origins, for the bootstrap's block length.
    pub fn spacing_days(self) -> u32 {
        match self {
            Every::Quarter => 91,
            Every::Month => 30,
        }
    }

    /// The period starts from `from` to `to`, both included.
    pub fn starts(self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        use chrono::Datelike;
        let step = self.months();
        let mut out = Vec::new();
        let mut y = from.year();
        let mut m = from.month0() / step * step;
        while let Some(d) = NaiveDate::from_ymd_opt(y, m + 1, 1) {
            if d > to {
                break;
            }
            if d >= from {
                out.push(d);
            }
            m += step;
            if m >= 12 {
                m -= 12;
                y += 1;
            }
        }
        out
    }
}

/// The first day of every quarter (1 January, April, July, October) from
/// `from` to `to`, both included.
pub fn quarter_starts(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    Every::Quarter.starts(from, to)
}

/// Means of the scores over several back-tests, whose origins are
/// `every` apart (in date order); the skill's bootstrap is seeded by
/// `seed`.
pub fn mean_scores(tests: &[Backtest], every: Every, seed: u64) -> Vec<MeanScore> {
    let mut out = Vec::new();
    for quantity in ["people", "rounds"] {
        for h in HORIZONS {
            let rows: Vec<&HorizonScore> = tests
                .iter()
                .flat_map(|t| &t.scores)
                .filter(|s| s.quantity == quantity && s.horizon_days == h && s.observed.is_some())
                .collect();
            if rows.is_empty() {
                continue;
            }
            let n = rows.len() as f64;
            let mean = |f: &dyn Fn(&HorizonScore) -> Option<f64>| {
                rows.iter().filter_map(|s| f(s)).sum::<f64>() / n
            };
            let sw = mean(&|s| s.swapsim.crps);
            let nv = mean(&|s| s.naive.crps);
            let block = score::overlap_block_length(h, every.spacing_days());
            let crps: Vec<f64> = rows.iter().filter_map(|s| s.swapsim.crps).collect();
            let reference: Vec<f64> = rows.iter().filter_map(|s| s.naive.crps).collect();
            let within = |f: &ForecastScore, y: Option<u64>| {
                y.is_some_and(|y| f.p5 <= y as f64 && y as f64 <= f.p95)
            };
            let coverage = |pick: &dyn Fn(&HorizonScore) -> &ForecastScore| {
                rows.iter().filter(|s| within(pick(s), s.observed)).count() as f64 / n
            };
            let ci = score::block_bootstrap_skill(&crps, &reference, block, seed);
            let rc = mean(&|s| s.recent.crps);
            let recent: Vec<f64> = rows.iter().filter_map(|s| s.recent.crps).collect();
            let ci_recent = score::block_bootstrap_skill(&crps, &recent, block, seed);
            out.push(MeanScore {
                mean_crps_recent: rc,
                skill_recent: score::skill(sw, rc),
                skill_recent_ci95_low: ci_recent.map(|c| c[0]),
                skill_recent_ci95_high: ci_recent.map(|c| c[1]),
                coverage_90_recent: coverage(&|s| &s.recent),
                skill_ci95_low: ci.map(|c| c[0]),
                skill_ci95_high: ci.map(|c| c[1]),
                bootstrap_block: block,
                coverage_90_swapsim: coverage(&|s| &s.swapsim),
                coverage_90_naive: coverage(&|s| &s.naive),
                quantity,
                horizon_days: h,
                origins: rows.len(),
                mean_crps_swapsim: sw,
                mean_crps_naive: nv,
                skill: score::skill(sw, nv),
                mean_pit_swapsim: mean(&|s| s.swapsim.pit),
            });
        }
    }
    out
}

/// Half-lives (days) a model comparison tries; `None` weighs every day
/// alike. A small grid: the choice among them is made on the same origins
/// it is scored on, so the winner's score is itself in-sample for the grid.
pub const HALF_LIFE_GRID: [Option<f64>; 5] =
    [Some(90.0), Some(180.0), Some(365.0), Some(730.0), None];

/// The models a comparison scores: one state or two (the latter started
/// from the filtered state or the long-run mix), each half-life of
/// [`HALF_LIFE_GRID`], with and without the escalation index; and each
/// model with a half-life and without the index again with its round sizes
/// weighted by the same half-life (the index made every model worse, so
/// its rows are not doubled).
pub fn model_grid() -> Vec<Variant> {
    use variant::{Start, States};
    let mut out = Vec::new();
    for (states, start) in [
        (States::TwoState, Start::Filtered),
        (States::TwoState, Start::LongRun),
        (States::OneState, Start::Filtered),
    ] {
        for intensity in [false, true] {
            for half_life_days in HALF_LIFE_GRID {
                out.push(Variant {
                    states,
                    half_life_days,
                    intensity,
                    start,
                    sizes_weighted: false,
                });
            }
        }
    }
    let weighted: Vec<Variant> = out
        .iter()
        .filter(|v| v.half_life_days.is_some() && !v.intensity)
        .map(|v| Variant {
            sizes_weighted: true,
            ..*v
        })
        .collect();
    out.extend(weighted);
    out
}

/// The mean scores of one model over the origins of a rolling back-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScore {
    pub model: Variant,
    pub label: String,
    pub means: Vec<MeanScore>,
}

/// Mean CRPS of people and rounds at 90 and 180 days, each relative to the
/// naive forecast's (`mean CRPS / mean CRPS naive`) and averaged over the
/// four: the one number by which models are ranked (lower is better; 1 is
/// the naive forecast).
pub fn relative_crps(means: &[MeanScore]) -> f64 {
    let n = means.len().max(1) as f64;
    means
        .iter()
        .map(|m| m.mean_crps_swapsim / m.mean_crps_naive)
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_start_on_the_first_of_every_month() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let m = Every::Month.starts(d("2024-11-10"), d("2025-02-01"));
        assert_eq!(m, vec![d("2024-12-01"), d("2025-01-01"), d("2025-02-01")]);
    }

    #[test]
    fn quarters_start_on_the_first_of_january_april_july_and_october() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let q = quarter_starts(d("2023-02-10"), d("2024-01-01"));
        assert_eq!(
            q,
            vec![
                d("2023-04-01"),
                d("2023-07-01"),
                d("2023-10-01"),
                d("2024-01-01")
            ]
        );
    }

    #[test]
    fn the_naive_forecast_has_the_poisson_mean_number_of_rounds() {
        let f = naive_forecast(0.05, &[10, 20], 100, 20_000, 7);
        let counts = f.rounds_by(99);
        let mean = counts.iter().sum::<u64>() as f64 / counts.len() as f64;
        // Poisson with mean 5: standard error of the mean sqrt(5 / 20000) =
        // 0.016; allow four of them.
        assert!(
            (mean - 5.0).abs() < 4.0 * (5.0f64 / 20_000.0).sqrt(),
            "{mean}"
        );
    }

    #[test]
    fn an_infinite_half_life_gives_the_plain_naive_forecast_exactly() {
        let days: Vec<bool> = (0..365).map(|t| t % 17 == 3 || t % 29 == 0).collect();
        let plain = days.iter().filter(|d| **d).count() as f64 / days.len() as f64;
        assert_eq!(weighted_rate(&days, f64::INFINITY), plain);
        let sizes = [48, 90, 150, 205, 300];
        let weights: Vec<f64> = [400, 300, 120, 30, 2]
            .iter()
            .map(|&age| recency_weight(age, f64::INFINITY))
            .collect();
        assert_eq!(weights, vec![1.0; 5]);
        assert_eq!(
            weighted_naive_forecast(plain, &sizes, &weights, 180, 500, 9),
            naive_forecast(plain, &sizes, 180, 500, 9)
        );
    }

    #[test]
    fn the_weighted_rate_equals_the_closed_form() {
        // Rounds at ages 0, 10, 100 and 399 days before the origin in a
        // 400-day window, half-life 50 days: the weights 2^(-age/50) of
        // the rounds over the geometric sum (1 - r^n) / (1 - r), r = 2^(-1/50).
        let (n, h) = (400usize, 50.0f64);
        let ages = [0u32, 10, 100, 399];
        let days: Vec<bool> = (0..n)
            .map(|t| ages.contains(&((n - 1 - t) as u32)))
            .collect();
        let r = 0.5f64.powf(1.0 / h);
        let expected = ages
            .iter()
            .map(|&a| 0.5f64.powf(f64::from(a) / h))
            .sum::<f64>()
            * (1.0 - r)
            / (1.0 - r.powi(n as i32));
        let got = weighted_rate(&days, h);
        // Both sides sum a few hundred terms in floating point: agreement
        // to 1e-12 relative is rounding, not approximation.
        assert!(
            (got - expected).abs() < 1e-12 * expected,
            "{got} {expected}"
        );
    }

    #[test]
    fn weighted_sizes_are_drawn_in_proportion_to_their_weights() {
        let f = weighted_naive_forecast(0.2, &[10, 1000], &[3.0, 1.0], 100, 2000, 5);
        let mut small = 0u64;
        let mut all = 0u64;
        for p in &f.paths {
            let mut before = 0;
            for &(_, c) in p {
                small += u64::from(c - before == 10);
                all += 1;
                before = c;
            }
        }
        let share = small as f64 / all as f64;
        // About 40,000 draws with p = 3/4: standard error
        // sqrt(0.75 * 0.25 / 40000) = 0.0022; allow four of them.
        let se = (0.75f64 * 0.25 / all as f64).sqrt();
        assert!((share - 0.75).abs() < 4.0 * se, "{share} of {all}");
        // A zero weight is never drawn.
        let g = weighted_naive_forecast(0.2, &[10, 1000], &[1.0, 0.0], 100, 200, 5);
        assert!(
            g.paths
                .iter()
                .all(|p| p.last().is_none_or(|&(_, c)| c == 10 * p.len() as u64))
        );
    }
}
