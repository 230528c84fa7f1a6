//! From fits of the record to scenario values: the calibrated scenario.
//!
//! The fits of [`crate::calibration`] give daily probabilities averaged over the
//! record's days: how often a running process was suspended, how often a
//! suspended one resumed, how often a round came while it ran. A scenario
//! instead states *baseline* hazards that its escalation and mediation
//! scale up and down every day. The record holds no daily measure of
//! fighting or of open channels, so the coefficients of that scaling cannot
//! be estimated from it; they stay the assumptions of the base scenario, and
//! the baselines are chosen so that, averaged over the escalation and
//! mediation the base scenario itself produces, each daily probability
//! equals the fitted one:
//!
//! ```text
//! mean over days of 1 - exp(-base_s * exp(beta_E,s E_t - beta_M,s M_t)) = p_suspend
//! mean over days of 1 - exp(-base_r * exp(beta_M,r M_t - beta_E,r E_t)) = p_resume
//! mean over days of 1 - exp(-round_rate * M_t)                          = p_round'
//! size_mean - 1 = m / mean over days of exp(-beta_E,size E_t),  size_dispersion = k
//! ```
//!
//! The averages are over every day of simulated histories of the base
//! scenario (escalation and mediation do not depend on the exchange process,
//! so any trial serves). `p_round'` is the fitted round probability per
//! active day corrected for the days after a round on which the model holds
//! none: with `g = max(min_days_between_rounds, 1)`, rounds in a running
//! process come on average `1/p_round` days apart in the fit and
//! `g - 1 + 1/p_round'` days apart in the model, so
//! `p_round' = 1 / (1/p_round - (g - 1))`. Each end of a 95% interval is
//! carried through the same (monotone) maps, giving an interval for each
//! scenario value.

use crate::calibration::fit::{Estimate, FitError};
use crate::calibration::hmm::{self, HmmFit, HmmParams};
use crate::calibration::negbin::{self, NbFit};
use crate::engine::{self, StreamKeys, TrialSink};
use crate::format;
use crate::history::record::Record;
use crate::history::rounds::{Round, Window, in_window, round_days, rounds};
use crate::model::{Model, TrialOutcome, TrialTrace};
use crate::scenario::Scenario;
use serde::Serialize;

/// Days of simulated escalation and mediation over which the hazards are
/// averaged: three whole years, so every season counts equally and the
/// escalation regimes have time to mix.
pub const CONDITION_DAYS: u32 = 3 * 365;
/// Simulated histories for those averages.
pub const CONDITION_TRIALS: u64 = 1000;
/// Every this many days of each history is kept for the averages (days
/// close together carry nearly the same information).
const CONDITION_STRIDE: usize = 5;

/// Why a calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error("cannot fit the timing of rounds from {from} to {to}")]
    Timing {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        #[source]
        source: FitError,
    },
    #[error("cannot fit round sizes from {from} to {to}")]
    Sizes {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        #[source]
        source: FitError,
    },
    #[error("{0}")]
    Mapping(String),
    #[error("cannot simulate the base scenario: {0}")]
    Engine(String),
}

/// Escalation and mediation of the base scenario, sampled from simulated
/// histories.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    /// (E, M) pairs: escalation units and mediation strength.
    pub samples: Vec<(f64, f64)>,
}

/// Averages of the base scenario's escalation and mediation, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionSummary {
    /// Mean escalation `E` (escalation units).
    pub mean_escalation: f64,
    /// Mean mediation strength `M` (0 to 1).
    pub mean_mediation: f64,
    /// Share of days with `M = 0` (every channel shut).
    pub share_without_mediation: f64,
    pub trials: u64,
    pub days_per_trial: u32,
    /// Days sampled from each trial (every fifth).
    pub samples: usize,
}

/// Collects (E, M) samples of every trial, with the trial index so that
/// they can be put in trial order whatever the threads did.
#[derive(Default)]
struct ConditionSink(Vec<(u64, Vec<(f64, f64)>)>);

impl TrialSink for ConditionSink {
    fn record(&mut self, trial: u64, _o: &TrialOutcome, trace: &TrialTrace) {
        let pairs = trace
            .escalation
            .iter()
            .zip(&trace.mediation)
            .step_by(CONDITION_STRIDE)
            .map(|(&e, &m)| (e, m))
            .collect();
        self.0.push((trial, pairs));
    }
    fn merge(&mut self, mut other: Self) {
        self.0.append(&mut other.0);
    }
}

impl Conditions {
    /// Samples the base scenario's escalation and mediation over
    /// [`CONDITION_DAYS`] from its start date, with its own seed.
    pub fn simulate(base: &Scenario) -> Result<Conditions, CalibrateError> {
        // The deadline is not used here; it moves to the last day so that it
        // lies in the shorter horizon.
        let s = base
            .rebuilt(|r| {
                r.simulation.horizon_days = i64::from(CONDITION_DAYS);
                r.target.pool = None;
                r.target.deadline = None;
            })
            .map_err(|e| CalibrateError::Engine(e.to_string()))?;
        let model = Model::new(&s);
        let keys = StreamKeys::new(s.mediation().mediators.iter().map(|m| m.name.as_str()));
        let sink = engine::run(
            &model,
            &keys,
            s.simulation().seed,
            0..CONDITION_TRIALS,
            None,
            ConditionSink::default,
            &|_| {},
        )
        .map_err(|e| CalibrateError::Engine(e.to_string()))?;
        let mut by_trial = sink.0;
        by_trial.sort_unstable_by_key(|(t, _)| *t);
        Ok(Conditions {
            samples: by_trial.into_iter().flat_map(|(_, v)| v).collect(),
        })
    }

    /// Mean over the samples of `f(E, M)`, summed in a fixed order.
    fn mean(&self, f: impl Fn(f64, f64) -> f64) -> f64 {
        self.samples.iter().map(|&(e, m)| f(e, m)).sum::<f64>() / self.samples.len().max(1) as f64
    }

    pub fn summary(&self) -> ConditionSummary {
        ConditionSummary {
            mean_escalation: self.mean(|e, _| e),
            mean_mediation: self.mean(|_, m| m),
            share_without_mediation: self.mean(|_, m| if m == 0.0 { 1.0 } else { 0.0 }),
            trials: CONDITION_TRIALS,
            days_per_trial: CONDITION_DAYS,
            samples: self.samples.len(),
        }
    }

    /// The baseline `b` for which the mean daily probability
    /// `1 - exp(-b * multiplier(E, M))` equals `p`. `None` if no baseline
    /// up to the scenario limit of 1000 reaches `p`.
    ///
    /// Newton's method from `b0 = -ln(1 - p) / mean(multiplier)`: the mean
    /// probability is concave and increasing in `b`, and by Jensen's
    /// inequality it is at most `p` at `b0`, so every step stays below the
    /// root and the iteration climbs to it without overshooting.
    fn solve_base(&self, p: f64, multiplier: impl Fn(f64, f64) -> f64) -> Option<f64> {
        if p <= 0.0 {
            return Some(0.0);
        }
        let mult: Vec<f64> = self
            .samples
            .iter()
            .map(|&(e, m)| multiplier(e, m))
            .collect();
        let n = mult.len().max(1) as f64;
        // Mean probability and its derivative in b.
        let at = |b: f64| {
            mult.iter().fold((0.0, 0.0), |(f, d), &k| {
                let q = (-b * k).exp();
                (f + (1.0 - q) / n, d + k * q / n)
            })
        };
        const LIMIT: f64 = 1000.0;
        if at(LIMIT).0 < p {
            return None;
        }
        let mean_mult = mult.iter().sum::<f64>() / n;
        let mut b = -(-p).ln_1p() / mean_mult;
        // Quadratic convergence reaches the rounding noise of the mean
        // (about 1e-12 relative over 200,000 samples) in a few steps.
        for _ in 0..50 {
            let (f, d) = at(b);
            if d <= 0.0 {
                break;
            }
            let next = (b + (p - f) / d).min(LIMIT);
            let done = (next - b).abs() <= 1e-10 * b;
            b = next;
            if done {
                break;
            }
        }
        Some(b)
    }
}

/// A scenario value with the interval carried from its fitted quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mapped {
    /// The TOML path of the value in the scenario.
    pub path: &'static str,
    /// The value written (rounded to four significant digits).
    pub value: f64,
    /// 95% interval, from the fitted quantity's interval.
    pub ci95: [f64; 2],
    /// The base scenario's value, replaced.
    pub base_value: f64,
}

/// The scenario values a calibration sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappedValues {
    pub round_rate: Mapped,
    pub suspension_base: Mapped,
    pub resumption_base: Mapped,
    pub size_mean: Mapped,
    pub size_dispersion: Mapped,
}

impl MappedValues {
    pub fn all(&self) -> [&Mapped; 5] {
        [
            &self.round_rate,
            &self.suspension_base,
            &self.resumption_base,
            &self.size_mean,
            &self.size_dispersion,
        ]
    }
}

/// A value the calibration keeps from the base scenario, because the
/// record cannot identify it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumed {
    pub path: String,
    pub value: f64,
}

/// Everything a calibration found and set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub record: String,
    pub record_sha256: String,
    /// Window of the timing fit.
    pub window: Window,
    /// Window of the size fit.
    pub sizes_window: Window,
    /// Rounds in the size window without a figure (left out of the size
    /// fit), and with a figure of 0 (the model's rounds return at least one
    /// person).
    pub sizes_without_figure: usize,
    pub sizes_of_zero: usize,
    pub timing: HmmFit,
    pub sizes: NbFit,
    /// Fitted round probability per eligible day (corrected for the gap
    /// after each round; see the module documentation).
    pub round_per_eligible_day: Estimate,
    pub conditions: ConditionSummary,
    pub values: MappedValues,
    /// Coefficients kept from the base scenario.
    pub assumed: Vec<Assumed>,
    pub method: &'static str,
}

const METHOD: &str = "timing: two-state hidden Markov model of the days on which rounds began, \
maximum likelihood by the scaled forward algorithm; sizes: 1 + negative binomial, maximum \
likelihood; baselines: daily probabilities averaged over the base scenario's simulated \
escalation and mediation set equal to the fitted ones; coefficients: the base scenario's \
assumptions";

/// Rounds of a window and the daily series the timing is fitted to.
pub fn window_rounds(record: &Record, window: Window) -> (Vec<Round>, Vec<bool>) {
    let rs = rounds(&in_window(&record.exchanges, window));
    let days = round_days(&rs, window);
    (rs, days)
}

/// Round sizes (people returned to Ukraine) in a window, and the number of
/// rounds without a figure and with a figure of 0, which are left out.
pub fn window_sizes(record: &Record, window: Window) -> (Vec<u64>, usize, usize) {
    let (rs, _) = window_rounds(record, window);
    let without = rs
        .iter()
        .filter(|r| r.returned_to_ukraine.is_none())
        .count();
    let zero = rs
        .iter()
        .filter(|r| r.returned_to_ukraine == Some(0))
        .count();
    let sizes = rs
        .iter()
        .filter_map(|r| r.returned_to_ukraine)
        .filter(|&s| s > 0)
        .collect();
    (sizes, without, zero)
}

/// The per-eligible-day round probability for a fitted per-active-day
/// probability `p` and a gap `g` (days) after each round.
pub fn per_eligible_day(p: f64, min_days_between_rounds: u32) -> Option<f64> {
    let g = f64::from(min_days_between_rounds.max(1));
    let mean_gap = 1.0 / p - (g - 1.0);
    (mean_gap >= 1.0).then(|| 1.0 / mean_gap)
}

/// The scenario values for fitted timing `params` and sizes `(m, k)` under
/// `base`'s coefficients and `conditions`.
pub struct Mapper<'a> {
    base: &'a Scenario,
    conditions: &'a Conditions,
}

impl<'a> Mapper<'a> {
    pub fn new(base: &'a Scenario, conditions: &'a Conditions) -> Self {
        Mapper { base, conditions }
    }

    pub fn round_rate(&self, p_active: f64) -> Result<f64, CalibrateError> {
        let x = &self.base.exchange();
        let p = per_eligible_day(p_active, x.min_days_between_rounds).ok_or_else(|| {
            CalibrateError::Mapping(format!(
                "a round probability of {p_active:.4} per active day means rounds less than {} days apart on average, \
                 which exchange.min_days_between_rounds = {} does not allow",
                x.min_days_between_rounds.max(1),
                x.min_days_between_rounds
            ))
        })?;
        if !x.requires_mediator {
            return Ok(-(-p).ln_1p());
        }
        self.conditions.solve_base(p, |_, m| m).ok_or_else(|| {
            CalibrateError::Mapping(format!(
                "no exchange.round_rate up to 1000 gives rounds on {:.1}% of eligible days: the base scenario's \
                 mediation strength is 0 on {:.1}% of days",
                100.0 * p,
                100.0 * self.conditions.mean(|_, m| if m == 0.0 { 1.0 } else { 0.0 })
            ))
        })
    }

    pub fn suspension_base(&self, p: f64) -> Result<f64, CalibrateError> {
        let h = self.base.exchange().suspension;
        self.conditions
            .solve_base(p, |e, m| {
                (h.escalation_coef * e - h.mediation_coef * m).exp()
            })
            .ok_or_else(|| self.unreachable("exchange.suspension.base", p))
    }

    pub fn resumption_base(&self, p: f64) -> Result<f64, CalibrateError> {
        let h = self.base.exchange().resumption;
        self.conditions
            .solve_base(p, |e, m| {
                (h.mediation_coef * m - h.escalation_coef * e).exp()
            })
            .ok_or_else(|| self.unreachable("exchange.resumption.base", p))
    }

    fn unreachable(&self, path: &str, p: f64) -> CalibrateError {
        CalibrateError::Mapping(format!(
            "no {path} up to 1000 gives a mean daily probability of {p:.4} under the base scenario's coefficients"
        ))
    }

    /// `size_mean` for a fitted mean `m` of `size - 1`.
    pub fn size_mean(&self, m: f64) -> f64 {
        let c = self.base.exchange().size_escalation_coef;
        1.0 + m / self.conditions.mean(|e, _| (-c * e).exp())
    }
}

/// Fits the record and maps the fit onto `base`.
pub fn calibrate(
    record: &Record,
    window: Window,
    sizes_window: Window,
    base: &Scenario,
    conditions: &Conditions,
) -> Result<Calibration, CalibrateError> {
    let (_, days) = window_rounds(record, window);
    let timing = hmm::fit(&days).map_err(|source| CalibrateError::Timing {
        from: window.from,
        to: window.to,
        source,
    })?;
    let (sizes, without, zero) = window_sizes(record, sizes_window);
    let size_fit = negbin::fit(&sizes).map_err(|source| CalibrateError::Sizes {
        from: sizes_window.from,
        to: sizes_window.to,
        source,
    })?;
    let map = Mapper::new(base, conditions);
    let x = &base.exchange();
    let carried = |path: &'static str,
                   est: &Estimate,
                   base_value: f64,
                   f: &dyn Fn(f64) -> Result<f64, CalibrateError>|
     -> Result<Mapped, CalibrateError> {
        let value = format::round_sig(f(est.estimate)?, 4);
        // An interval end beyond what the scenario allows is reported as
        // the limit it reaches.
        let end = |v: f64, limit: f64| f(v).map(|v| format::round_sig(v, 4)).unwrap_or(limit);
        Ok(Mapped {
            path,
            value,
            ci95: [end(est.ci95[0], 0.0), end(est.ci95[1], f64::INFINITY)],
            base_value,
        })
    };
    let gap = x.min_days_between_rounds;
    let eligible = |v: f64| per_eligible_day(v, gap).unwrap_or(1.0);
    let round_per_eligible_day = Estimate {
        estimate: eligible(timing.round.estimate),
        se: None,
        ci95: [
            eligible(timing.round.ci95[0]),
            eligible(timing.round.ci95[1]),
        ],
    };
    let values = MappedValues {
        round_rate: carried("exchange.round_rate", &timing.round, x.round_rate, &|p| {
            map.round_rate(p)
        })?,
        suspension_base: carried(
            "exchange.suspension.base",
            &timing.suspend,
            x.suspension.base,
            &|p| map.suspension_base(p),
        )?,
        resumption_base: carried(
            "exchange.resumption.base",
            &timing.resume,
            x.resumption.base,
            &|p| map.resumption_base(p),
        )?,
        size_mean: carried(
            "exchange.size_mean",
            &size_fit.mean_extra,
            x.size_mean,
            &|m| Ok(map.size_mean(m)),
        )?,
        size_dispersion: carried(
            "exchange.size_dispersion",
            &size_fit.dispersion,
            x.size_dispersion,
            &|k| Ok(k),
        )?,
    };
    let assumed = vec![
        Assumed {
            path: "exchange.suspension.escalation_coef".into(),
            value: x.suspension.escalation_coef,
        },
        Assumed {
            path: "exchange.suspension.mediation_coef".into(),
            value: x.suspension.mediation_coef,
        },
        Assumed {
            path: "exchange.resumption.escalation_coef".into(),
            value: x.resumption.escalation_coef,
        },
        Assumed {
            path: "exchange.resumption.mediation_coef".into(),
            value: x.resumption.mediation_coef,
        },
        Assumed {
            path: "exchange.size_escalation_coef".into(),
            value: x.size_escalation_coef,
        },
    ];
    Ok(Calibration {
        record: record.source_name.clone(),
        record_sha256: record.sha256.clone(),
        window,
        sizes_window,
        sizes_without_figure: without,
        sizes_of_zero: zero,
        timing,
        sizes: size_fit,
        round_per_eligible_day,
        conditions: conditions.summary(),
        values,
        assumed,
        method: METHOD,
    })
}

/// The point values only, for back-tests that refit many times.
pub fn point_values(
    params: &HmmParams,
    sizes: (f64, f64),
    base: &Scenario,
    conditions: &Conditions,
) -> Result<[f64; 5], CalibrateError> {
    let map = Mapper::new(base, conditions);
    Ok([
        format::round_sig(map.round_rate(params.round)?, 4),
        format::round_sig(map.suspension_base(params.suspend)?, 4),
        format::round_sig(map.resumption_base(params.resume)?, 4),
        format::round_sig(map.size_mean(sizes.0), 4),
        format::round_sig(sizes.1, 4),
    ])
}

/// First and last lines of the block a calibration puts at the top of a
/// scenario file. A block left by an earlier calibration is replaced.
pub const BLOCK_START: &str = "# ---- calibrated by `swapsim calibrate` ----";
pub const BLOCK_END: &str = "# ---- end of calibration ----";

/// `text` without a calibration block at its top.
fn strip_block(text: &str) -> &str {
    if text.starts_with(BLOCK_START)
        && let Some(end) = text.find(BLOCK_END)
    {
        return text[end + BLOCK_END.len()..].trim_start_matches(['\n', '\r']);
    }
    text
}

fn fmt_interval(ci: [f64; 2]) -> String {
    format!(
        "{} to {}",
        format::sig4_or_exponent(ci[0]),
        format::sig4_or_exponent(ci[1])
    )
}

/// The calibration block: what was fitted, on which window, with
/// intervals, and what was assumed.
pub fn header_block(c: &Calibration) -> String {
    let t = &c.timing;
    let v = &c.values;
    let line = |what: &str, e: &Estimate, m: &Mapped| {
        format!(
            "#   {what:<27} {} ({})  ->  {} = {} ({})",
            format::sig4_or_exponent(e.estimate),
            fmt_interval(e.ci95),
            m.path,
            format::sig4_or_exponent(m.value),
            fmt_interval(m.ci95)
        )
    };
    let lines = [
        BLOCK_START.to_string(),
        format!(
            "# Record: {}, SHA-256 {}...",
            c.record,
            &c.record_sha256[..12.min(c.record_sha256.len())]
        ),
        format!(
            "# Timing of rounds, {} to {}: {} days, {} rounds (exchanges on consecutive",
            c.window.from, c.window.to, t.days, t.rounds
        ),
        "# days count as one round). Two-state hidden Markov model, maximum likelihood,"
            .to_string(),
        "# 95% profile-likelihood intervals:".to_string(),
        line("suspended, per active day", &t.suspend, &v.suspension_base),
        line("resumes, per suspended day", &t.resume, &v.resumption_base),
        line("round, per active day", &t.round, &v.round_rate),
        format!(
            "#   two states against one: likelihood ratio {:.2}, p = {:.3} (chi-square, 2 df; approximate)",
            t.lr_test.statistic, t.lr_test.p_value
        ),
        format!(
            "# Round sizes (people returned to Ukraine), {} to {}: {} rounds with a",
            c.sizes_window.from, c.sizes_window.to, c.sizes.rounds
        ),
        format!(
            "# figure ({} without one left out). 1 + negative binomial, maximum likelihood,",
            c.sizes_without_figure + c.sizes_of_zero
        ),
        "# 95% profile-likelihood intervals:".to_string(),
        line(
            "mean of size - 1 (people)",
            &c.sizes.mean_extra,
            &v.size_mean,
        ),
        line("dispersion k", &c.sizes.dispersion, &v.size_dispersion),
        "# Baselines: the mean daily probabilities over this scenario's own simulated".to_string(),
        format!(
            "# escalation and mediation (mean E {:.2}, mean M {:.2}; {} histories of {} days)",
            c.conditions.mean_escalation,
            c.conditions.mean_mediation,
            c.conditions.trials,
            c.conditions.days_per_trial
        ),
        "# equal the fitted ones. The escalation and mediation coefficients cannot be".to_string(),
        "# estimated from the record, which holds no daily measure of fighting or of open"
            .to_string(),
        "# channels: they are assumed, kept from the base scenario, as is every value".to_string(),
        "# not listed here.".to_string(),
        BLOCK_END.to_string(),
    ];
    lines.join("\n") + "\n"
}

/// The base scenario's text with the calibrated values set (comments and
/// layout kept; the comment of each changed value says it was fitted) and
/// the calibration block on top.
pub fn calibrated_text(base_text: &str, c: &Calibration) -> Result<String, CalibrateError> {
    let body = strip_block(base_text);
    let mut doc: toml_edit::DocumentMut = body.parse().map_err(|e: toml_edit::TomlError| {
        CalibrateError::Mapping(format!("cannot edit the base scenario: {e}"))
    })?;
    let window = format!("{} to {}", c.window.from, c.window.to);
    let sizes_window = format!("{} to {}", c.sizes_window.from, c.sizes_window.to);
    for (m, span) in [
        (&c.values.round_rate, &window),
        (&c.values.suspension_base, &window),
        (&c.values.resumption_base, &window),
        (&c.values.size_mean, &sizes_window),
        (&c.values.size_dispersion, &sizes_window),
    ] {
        let comment = format!(
            "fitted to the record {span} (95% CI {}); see the header",
            fmt_interval(m.ci95)
        );
        set_value(&mut doc, m.path, m.value, &comment)?;
    }
    update_uncertainties(&mut doc, &c.values);
    Ok(format!("{}\n{}", header_block(c), doc))
}

/// Restates, in the base scenario's `[uncertainties]` table, the entries of
/// the fitted values as what the fit says of them, so that a sensitivity
/// analysis of the calibrated file ranges them over their 95% intervals:
/// a triangular law from one end of the interval to the other with its mode
/// at the value; for the two baseline hazards, whose intervals span orders
/// of magnitude, a lognormal around the value whose upper 2.5% point is the
/// interval's upper end, cut to the interval. Only entries the base declares
/// are restated; an interval with an open end leaves its entry as it was.
pub fn update_uncertainties(doc: &mut toml_edit::DocumentMut, values: &MappedValues) {
    let Some(table) = doc.get_mut("uncertainties").and_then(|t| t.as_table_mut()) else {
        return;
    };
    for m in values.all() {
        let [lo, hi] = m.ci95;
        let usable = lo.is_finite() && hi.is_finite() && lo < m.value && m.value < hi;
        if !table.contains_key(m.path) || !usable {
            continue;
        }
        let mut law = toml_edit::InlineTable::new();
        let lognormal = m.path.ends_with(".base");
        let comment = if lognormal {
            // Upper end 1.96 standard deviations above the median on the log
            // scale; one decimal is as precise as such an interval allows.
            let gsd = ((hi / m.value).ln() / crate::stats::interval::Z95).exp();
            let gsd = ((gsd * 10.0).round() / 10.0).max(1.1);
            law.insert("distribution", "lognormal".into());
            law.insert("median", m.value.into());
            law.insert("gsd", gsd.into());
            "# Fitted: lognormal around the calibrated value, its upper 2.5% point at the end\n\
             # of the 95% interval, cut to that interval (swapsim calibrate; see the header).\n"
        } else {
            law.insert("distribution", "triangular".into());
            law.insert("min", lo.into());
            law.insert("mode", m.value.into());
            law.insert("max", hi.into());
            "# Fitted: the 95% interval of the calibrated value (swapsim calibrate; see the header).\n"
        };
        if lognormal {
            law.insert("min", lo.into());
            law.insert("max", hi.into());
        }
        if let Some(item) = table.get_mut(m.path) {
            *item = toml_edit::value(law);
        }
        if let Some(mut key) = table.key_mut(m.path) {
            key.leaf_decor_mut().set_prefix(comment);
        }
    }
}

/// Sets the number at dotted `path` and the comment at the end of its line.
pub fn set_value(
    doc: &mut toml_edit::DocumentMut,
    path: &str,
    value: f64,
    comment: &str,
) -> Result<(), CalibrateError> {
    let missing = || CalibrateError::Mapping(format!("the base scenario has no {path} to set"));
    let steps: Vec<&str> = path.split('.').collect();
    let (last, parents) = steps.split_last().ok_or_else(missing)?;
    let mut item: &mut toml_edit::Item = doc.as_item_mut();
    for s in parents {
        item = item.get_mut(s).ok_or_else(missing)?;
    }
    // A value inside an inline table shares its line with the table: the
    // comment goes after the table.
    let inline_parent = item.is_inline_table();
    let slot = item.get_mut(last).ok_or_else(missing)?;
    let old = slot.as_value().ok_or_else(missing)?;
    let decor = old.decor().clone();
    let bare_len = |v: &toml_edit::Value| {
        let mut v = v.clone();
        v.decor_mut().clear();
        v.to_string().chars().count() as i64
    };
    let mut new = toml_edit::Value::from(value);
    // How much longer the line gets, so the comment can stay in its column.
    let grown = bare_len(&new) - bare_len(old);
    *new.decor_mut() = decor;
    *slot = toml_edit::Item::Value(new);
    let target = if inline_parent {
        item.as_value_mut().ok_or_else(missing)?
    } else {
        slot.as_value_mut().ok_or_else(missing)?
    };
    let suffix = target
        .decor()
        .suffix()
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    let pad = suffix
        .find('#')
        .map_or(2, |i| suffix[..i].chars().count() as i64);
    let pad = " ".repeat((pad - grown).max(2) as usize);
    target.decor_mut().set_suffix(format!("{pad}# {comment}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_solves_the_mean_probability_equation() {
        let c = Conditions {
            samples: vec![(0.0, 0.2), (1.0, 0.9), (2.0, 0.0), (0.5, 0.5)],
        };
        let mult = |e: f64, m: f64| (0.8 * e - 1.2 * m).exp();
        let b = c.solve_base(0.03, mult).unwrap();
        let mean: f64 = c
            .samples
            .iter()
            .map(|&(e, m)| 1.0 - (-b * mult(e, m)).exp())
            .sum::<f64>()
            / 4.0;
        assert!((mean - 0.03).abs() < 1e-12, "{mean}");
        // Mediation 0 on every day: no round rate gives rounds.
        let none = Conditions {
            samples: vec![(1.0, 0.0); 3],
        };
        assert_eq!(none.solve_base(0.05, |_, m| m), None);
    }

    #[test]
    fn the_gap_after_a_round_raises_the_eligible_day_probability() {
        assert_eq!(per_eligible_day(0.1, 1), Some(0.1));
        // 10 days apart on average; 2 of them are the gap: 1/8 per eligible day.
        assert!((per_eligible_day(0.1, 3).unwrap() - 0.125).abs() < 1e-12);
        assert_eq!(per_eligible_day(0.6, 3), None);
    }

    #[test]
    fn setting_a_value_keeps_the_layout_and_rewrites_the_comment() {
        let text = "[exchange]\nround_rate = 0.08   # record: old\nsuspension = { base = 0.002, escalation_coef = 1.0 }   # record: old\n";
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        set_value(&mut doc, "exchange.round_rate", 0.0702, "fitted").unwrap();
        set_value(&mut doc, "exchange.suspension.base", 0.0041, "fitted too").unwrap();
        assert_eq!(
            doc.to_string(),
            // The values grew by two characters; the comments keep their
            // column where the padding allows, and two spaces at least.
            "[exchange]\nround_rate = 0.0702  # fitted\nsuspension = { base = 0.0041, escalation_coef = 1.0 }  # fitted too\n"
        );
        assert!(set_value(&mut doc, "exchange.nothing", 1.0, "x").is_err());
    }

    #[test]
    fn declared_uncertainties_of_fitted_values_become_their_intervals() {
        let text = "[exchange]\nround_rate = 0.08\n\n[uncertainties]\n\
                    # a guess\n\"exchange.round_rate\" = { min = 0.05, max = 0.12 }\n\
                    # another guess\n\"exchange.suspension.base\" = { distribution = \"lognormal\", median = 0.002, gsd = 2 }\n\
                    # kept\n\"exchange.preparation_days\" = { min = 3, max = 14 }\n";
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        let m = |path, value, ci95| Mapped {
            path,
            value,
            ci95,
            base_value: 0.0,
        };
        let values = MappedValues {
            round_rate: m("exchange.round_rate", 0.0927, [0.06725, 0.1273]),
            suspension_base: m("exchange.suspension.base", 0.001824, [0.00002251, 0.01103]),
            resumption_base: m(
                "exchange.resumption.base",
                0.01645,
                [0.00214, f64::INFINITY],
            ),
            size_mean: m("exchange.size_mean", 239.4, [170.8, 350.0]),
            size_dispersion: m("exchange.size_dispersion", 1.548, [0.8465, 2.606]),
        };
        update_uncertainties(&mut doc, &values);
        let out = doc.to_string();
        assert!(out.contains(
            "# Fitted: the 95% interval of the calibrated value (swapsim calibrate; see the header).\n\
             \"exchange.round_rate\" = { distribution = \"triangular\", min = 0.06725, mode = 0.0927, max = 0.1273 }"
        ), "{out}");
        assert!(out.contains(
            "\"exchange.suspension.base\" = { distribution = \"lognormal\", median = 0.001824, gsd = 2.5, min = 0.00002251, max = 0.01103 }"
        ), "{out}");
        assert!(
            out.contains("# kept\n\"exchange.preparation_days\" = { min = 3, max = 14 }"),
            "{out}"
        );
        // Entries the base does not declare are not added.
        assert!(!out.contains("exchange.size_mean"), "{out}");
        assert!(!out.contains("a guess"), "{out}");
    }

    #[test]
    fn a_previous_calibration_block_is_replaced_not_stacked() {
        let text = format!("{BLOCK_START}\n# old\n{BLOCK_END}\n# header\nversion = 1\n");
        assert_eq!(strip_block(&text), "# header\nversion = 1\n");
    }
}

/// One day of the fitted window: the data and the decoded state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateRow {
    pub date: chrono::NaiveDate,
    /// Whether a round began on this day.
    pub round: bool,
    /// Probability that the process was Suspended at the end of the day,
    /// given the whole window (forward–backward smoothing).
    pub p_suspended: f64,
    /// The same given only the days up to this one (forward filtering).
    pub p_suspended_filtered: f64,
}

/// The decoded state path of `params` over `window`.
pub fn state_rows(params: &HmmParams, days: &[bool], window: Window) -> Vec<StateRow> {
    let smoothed = hmm::smoothed_suspended(params, days);
    let (filtered, _) = hmm::forward(params, days);
    days.iter()
        .enumerate()
        .map(|(t, &round)| StateRow {
            date: window.date_of(t),
            round,
            p_suspended: smoothed.get(t).copied().unwrap_or(f64::NAN),
            p_suspended_filtered: filtered.get(t).map_or(f64::NAN, |f| f[1]),
        })
        .collect()
}

/// The distribution of gaps between the first days of consecutive rounds:
/// observed (Kaplan–Meier, with the stretch after the last round as a
/// censored gap) and under each fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRow {
    /// Gap length (days).
    pub days: u32,
    /// Share of observed gaps longer than `days` (Kaplan–Meier estimate).
    pub observed: f64,
    /// The same under the fitted two-state model.
    pub two_state: f64,
    /// The same under the fitted one-state model (geometric gaps).
    pub one_state: f64,
}

/// Gaps between the first days of consecutive rounds in `days`, with
/// whether each is censored (the last, cut by the window's end).
pub fn round_gaps(days: &[bool]) -> Vec<(u32, bool)> {
    let starts: Vec<usize> = days
        .iter()
        .enumerate()
        .filter_map(|(t, &r)| r.then_some(t))
        .collect();
    let mut out: Vec<(u32, bool)> = starts
        .windows(2)
        .map(|w| ((w[1] - w[0]) as u32, false))
        .collect();
    if let Some(&last) = starts.last()
        && last + 1 < days.len()
    {
        out.push(((days.len() - 1 - last) as u32, true));
    }
    out
}

/// The table behind the gap chart, for gaps of 0 to `max_days` days.
pub fn gap_rows(days: &[bool], params: &HmmParams, one_state_p: f64, max_days: u32) -> Vec<GapRow> {
    let gaps = round_gaps(days);
    let fitted = hmm::gap_survival(params, max_days as usize);
    // Kaplan–Meier: at each length d with events, multiply by
    // 1 - (gaps ending at d) / (gaps still at risk at d).
    let mut survival = 1.0;
    (0..=max_days)
        .map(|d| {
            let ended = gaps.iter().filter(|&&(g, c)| g == d && !c).count() as f64;
            let at_risk = gaps.iter().filter(|&&(g, _)| g >= d).count() as f64;
            if ended > 0.0 && at_risk > 0.0 {
                survival *= 1.0 - ended / at_risk;
            }
            GapRow {
                days: d,
                observed: survival,
                two_state: fitted[d as usize],
                one_state: (1.0 - one_state_p).powi(d as i32),
            }
        })
        .collect()
}

/// One round of a QQ plot of sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QqRow {
    /// Rank of the size among the fitted ones (1 = smallest).
    pub rank: usize,
    /// The observed size (people).
    pub observed: u64,
    /// The fitted `1 + NB(m, k)` quantile at the Hazen plotting position
    /// `(rank - 1/2) / n` (people).
    pub fitted: u64,
}

/// The QQ table of the sizes fitted.
pub fn qq_rows(sizes: &[u64], m: f64, k: f64) -> Vec<QqRow> {
    negbin::qq_points(sizes, m, k)
        .into_iter()
        .enumerate()
        .map(|(i, (fitted, observed))| QqRow {
            rank: i + 1,
            observed,
            fitted,
        })
        .collect()
}
