//! From fitted daily probabilities to the values of a scenario.
//!
//! The fits ([`super::hmm`], [`super::negbin`]) give daily probabilities
//! averaged over the record's days: how often a running process was suspended, how often a
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
//! scenario ([`super::conditions`]; escalation and mediation do not depend
//! on the exchange process, so any trial serves). `p_round'` is the fitted round probability per
//! active day corrected for the days after a round on which the model holds
//! none: with `g = max(min_days_between_rounds, 1)`, rounds in a running
//! process come on average `1/p_round` days apart in the fit and
//! `g - 1 + 1/p_round'` days apart in the model, so
//! `p_round' = 1 / (1/p_round - (g - 1))`. Each end of a 95% interval is
//! carried through the same (monotone) maps, giving an interval for each
//! scenario value.

use super::CalibrateError;
use super::conditions::{ConditionSummary, Conditions};
use super::fit::Estimate;
use super::hmm::{self, HmmFit, HmmParams};
use super::negbin::{self, NbFit};
use super::variant::{self, ModelFit, Variant, VariantError};
use super::window::{index_over, size_weights, window_rounds, window_sizes};
use crate::format;
use crate::history::intensity::IndexDay;
use crate::history::record::Record;
use crate::history::rounds::Window;
use crate::scenario::Scenario;
use serde::Serialize;

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
    /// The two-state fit of the timing (every day alike, no covariate),
    /// with its test against one state: how the record reads whatever
    /// model is chosen.
    pub timing: HmmFit,
    /// The fit of the model chosen, whose estimates are mapped.
    pub model: ModelFit,
    pub sizes: NbFit,
    /// Fitted round probability per eligible day (corrected for the gap
    /// after each round; see the module documentation).
    pub round_per_eligible_day: Estimate,
    pub conditions: ConditionSummary,
    pub values: MappedValues,
    /// Coefficients kept from the base scenario.
    pub assumed: Vec<Assumed>,
    pub method: &'static str,
    /// Set when the timing fit lands on the one-state boundary (never
    /// suspended): what that means for the values written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
    /// The timing fitted with the observed escalation index as a
    /// covariate, and the test of "escalation suspends exchanges"; absent
    /// where the index does not cover the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<super::covariate::EscalationEffects>,
}

/// What a boundary fit means, as `calibrate` reports it.
pub const BOUNDARY_NOTE: &str = "the fit lands on the boundary \"never suspended\": over this window \
the record is best described by a one-state process (rounds at a constant daily rate), which is a \
valid answer, not a failure; exchange.suspension.base is set to 0 and exchange.resumption.base, \
which the window cannot identify, keeps the base scenario's value";

/// What a one-state model means, as `calibrate` reports it.
pub const ONE_STATE_NOTE: &str = "the one-state model is never suspended by construction: \
exchange.suspension.base is set to 0 and exchange.resumption.base, which it cannot identify, keeps \
the base scenario's value";

const METHOD: &str = "timing: the model chosen (see model), maximum likelihood by the scaled \
forward algorithm; sizes: 1 + negative binomial, maximum \
likelihood; baselines: daily probabilities averaged over the base scenario's simulated \
escalation and mediation set equal to the fitted ones; coefficients: the base scenario's \
assumptions";

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
        if p < hmm::NEVER_SUSPENDED {
            // The one-state boundary is exactly "never suspended", not a
            // suspension once in ten trillion days.
            return Ok(0.0);
        }
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

/// Fits the record with the classic two-state model and maps the fit onto
/// `base`.
pub fn calibrate(
    record: &Record,
    window: Window,
    sizes_window: Window,
    base: &Scenario,
    conditions: &Conditions,
) -> Result<Calibration, CalibrateError> {
    calibrate_with(
        record,
        window,
        sizes_window,
        base,
        conditions,
        &variant::CLASSIC,
        None,
    )
}

/// Fits the record with `model` and maps the fit onto `base`; `index` is
/// the escalation index by day (needed by a model with the covariate).
pub fn calibrate_with(
    record: &Record,
    window: Window,
    sizes_window: Window,
    base: &Scenario,
    conditions: &Conditions,
    model: &Variant,
    index: Option<&[IndexDay]>,
) -> Result<Calibration, CalibrateError> {
    let (_, days) = window_rounds(record, window);
    let timing_error = |source| CalibrateError::Timing {
        from: window.from,
        to: window.to,
        source,
    };
    let timing = hmm::fit(&days).map_err(timing_error)?;
    let levels = index.and_then(|i| index_over(i, window));
    let fitted = variant::fit(&days, levels.as_deref(), model, &timing).map_err(|e| match e {
        VariantError::Fit(source) => timing_error(source),
        VariantError::NoIndex => CalibrateError::Mapping(format!(
            "{} to {}: {}",
            window.from,
            window.to,
            VariantError::NoIndex
        )),
    })?;
    let (sizes, without, zero) = window_sizes(record, sizes_window);
    let weights = size_weights(record, sizes_window, model.sizes_half_life());
    let size_fit =
        negbin::fit_weighted(&sizes, &weights).map_err(|source| CalibrateError::Sizes {
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
    let never_suspended = fitted.params().never_suspended();
    let gap = x.min_days_between_rounds;
    let eligible = |v: f64| per_eligible_day(v, gap).unwrap_or(1.0);
    let round_per_eligible_day = Estimate {
        estimate: eligible(fitted.round.estimate),
        se: None,
        ci95: [
            eligible(fitted.round.ci95[0]),
            eligible(fitted.round.ci95[1]),
        ],
    };
    let values = MappedValues {
        round_rate: carried("exchange.round_rate", &fitted.round, x.round_rate, &|p| {
            map.round_rate(p)
        })?,
        suspension_base: carried(
            "exchange.suspension.base",
            &fitted.suspend,
            x.suspension.base,
            &|p| map.suspension_base(p),
        )?,
        resumption_base: if never_suspended {
            // Nothing is ever suspended, so nothing resumes: the record says
            // nothing about the resumption hazard, and the base scenario's
            // value stays, with the widest interval.
            Mapped {
                path: "exchange.resumption.base",
                value: x.resumption.base,
                ci95: [0.0, f64::INFINITY],
                base_value: x.resumption.base,
            }
        } else {
            carried(
                "exchange.resumption.base",
                &fitted.resume,
                x.resumption.base,
                &|p| map.resumption_base(p),
            )?
        },
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
    let boundary = never_suspended.then(|| match model.states {
        variant::States::TwoState => BOUNDARY_NOTE.to_string(),
        variant::States::OneState => ONE_STATE_NOTE.to_string(),
    });
    Ok(Calibration {
        model: fitted,
        boundary,
        escalation: None,
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
    let resumption = if params.never_suspended() {
        base.exchange().resumption.base
    } else {
        map.resumption_base(params.resume)?
    };
    Ok([
        format::round_sig(map.round_rate(params.round)?, 4),
        format::round_sig(map.suspension_base(params.suspend)?, 4),
        format::round_sig(resumption, 4),
        format::round_sig(map.size_mean(sizes.0), 4),
        format::round_sig(sizes.1, 4),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_after_a_round_raises_the_eligible_day_probability() {
        assert_eq!(per_eligible_day(0.1, 1), Some(0.1));
        // 10 days apart on average; 2 of them are the gap: 1/8 per eligible day.
        assert!((per_eligible_day(0.1, 3).unwrap() - 0.125).abs() < 1e-12);
        assert_eq!(per_eligible_day(0.6, 3), None);
    }
}
