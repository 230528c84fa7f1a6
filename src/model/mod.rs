//! The exchange-durability model: one trial, one history, day by day.
//!
//! This module owns the dynamics of `docs/model.md` (the contract is
//! `MODEL.md`): escalation regimes, shocks and seasons; mediator channels and
//! common outages; and the exchange phases with their complementary log-log
//! hazards. It takes its random streams from the caller and does no I/O,
//! threading or seeding, so the engine decides how trials are seeded and
//! split and the model can be tested with any generator.
//!
//! Two sampling devices keep the daily loop cheap without changing the law
//! of the process (both are stated in `docs/model.md`):
//! - *Waiting times.* An event with a constant daily probability `p` (a regime
//!   exit, a shock, the start or end of a common outage, a channel
//!   re-opening) is drawn once as a geometric waiting time instead of a
//!   Bernoulli trial every day.
//! - *Cumulative hazard.* An event whose daily probability is
//!   `1 - exp(-h_t)` with a varying `h_t` fires on the first day on which the
//!   running sum of `h_t` reaches a standard exponential threshold drawn when
//!   the process starts. Then `P(no event through day t) = exp(-sum h)`, the
//!   same as independent daily draws, for one exponential draw per event.
//!
//! Because escalation, the common outage and each channel never depend on the
//! exchange process, and each has its own stream, the model runs them as
//! separate passes over the horizon (escalation, outage, channels, exchange).
//! That is the same process as interleaving them day by day in the order of
//! `MODEL.md`, and it keeps each loop small.

use crate::scenario::Scenario;
use chrono::Datelike;
use escalation::{Escalation, Regime, Shocks};
use mediation::{ChannelLaw, CommonOutage, Mediation, Mediator};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use sampling::{Candidates, Thinned};

mod escalation;
mod mediation;
mod sampling;
mod trial;

pub use trial::{Phase, TraceEvent, TrialOutcome, TrialStreams, TrialTrace};

/// A daily hazard `base * exp(sign_m * beta_m * M + sign_e * beta_e * E)`,
/// with the signs of MODEL.md folded into the coefficients.
#[derive(Debug, Clone, Copy)]
struct LogLinearHazard {
    base: f64,
    per_escalation: f64,
    per_mediation: f64,
}

impl LogLinearHazard {
    #[inline]
    fn at(&self, e: f64, m: f64) -> f64 {
        if self.base == 0.0 {
            return 0.0;
        }
        self.base * (self.per_escalation * e + self.per_mediation * m).exp()
    }

    /// Bound of the hazard over the trial's path: the exponent is linear,
    /// so its largest value is at a corner.
    fn bound(&self, b: PathBounds) -> f64 {
        let e = if self.per_escalation > 0.0 {
            b.e_max
        } else {
            b.e_min
        };
        let m = if self.per_mediation > 0.0 {
            b.m_max
        } else {
            b.m_min
        };
        self.at(e, m)
    }
}

/// Thinning against a bound computed from validated parameters.
fn thinned(h_max: f64) -> Thinned {
    Thinned::new(h_max).expect("a hazard of validated parameters is never negative or NaN")
}

/// A parameter of a model component outside the range its law allows.
///
/// Each component checks its own invariants when it is built, so that it can
/// be built and tested apart from a scenario. A validated scenario never
/// gives rise to one: [`Model::new`] builds its components with `expect`.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("{parameter} = {value} is not allowed: {allowed}")]
struct ParameterError {
    /// The parameter, named as the component's `new` names it.
    parameter: &'static str,
    value: f64,
    /// What the law allows.
    allowed: &'static str,
}

impl ParameterError {
    /// `Ok(())` when `holds`, else an error naming the parameter.
    fn require(
        holds: bool,
        parameter: &'static str,
        value: f64,
        allowed: &'static str,
    ) -> Result<(), ParameterError> {
        if holds {
            Ok(())
        } else {
            Err(ParameterError {
                parameter,
                value,
                allowed,
            })
        }
    }

    /// The same error, for a parameter that the caller names `parameter`.
    fn named(self, parameter: &'static str) -> ParameterError {
        ParameterError { parameter, ..self }
    }
}

/// A scenario compiled for fast simulation: every constant of the daily loop
/// precomputed once.
#[derive(Debug, Clone)]
pub struct Model {
    horizon: u32,
    deadline_day: u32,
    pool: Option<u64>,
    escalation: Escalation,
    mediation: Mediation,
    initial_phase: Phase,
    preparation_days: u32,
    min_gap: u32,
    round_rate: f64,
    requires_mediator: bool,
    /// Mean of the negative binomial part of a round size at escalation 0.
    size_extra_mean: f64,
    size_escalation_coef: f64,
    size_dispersion: f64,
    /// Gamma(k, 1) mixing law of the negative binomial.
    size_gamma: Option<Gamma<f64>>,
    confirmation: LogLinearHazard,
    suspension: LogLinearHazard,
    resumption: LogLinearHazard,
    collapse: f64,
}

impl Model {
    /// Compiles a validated scenario.
    pub fn new(s: &Scenario) -> Model {
        let horizon = s.simulation().horizon_days;
        let x = &s.exchange();
        let size_extra_mean = x.size_mean - 1.0;
        Model {
            horizon,
            deadline_day: s.target().deadline_day,
            pool: s.target().pool,
            escalation: escalation(s),
            mediation: mediation(s),
            initial_phase: Phase::from(x.initial_phase),
            preparation_days: x.preparation_days,
            min_gap: x.min_days_between_rounds,
            round_rate: x.round_rate,
            requires_mediator: x.requires_mediator,
            size_extra_mean,
            size_escalation_coef: x.size_escalation_coef,
            size_dispersion: x.size_dispersion,
            size_gamma: (size_extra_mean > 0.0).then(|| {
                Gamma::new(x.size_dispersion, 1.0).expect("dispersion validated positive")
            }),
            confirmation: LogLinearHazard {
                base: x.confirmation.base,
                per_escalation: -x.confirmation.escalation_coef,
                per_mediation: x.confirmation.mediation_coef,
            },
            suspension: LogLinearHazard {
                base: x.suspension.base,
                per_escalation: x.suspension.escalation_coef,
                per_mediation: -x.suspension.mediation_coef,
            },
            resumption: LogLinearHazard {
                base: x.resumption.base,
                per_escalation: -x.resumption.escalation_coef,
                per_mediation: x.resumption.mediation_coef,
            },
            collapse: x.collapse_base,
        }
    }

    /// Days in the horizon.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }

    /// Number of mediators (and so of mediator streams a trial needs).
    pub fn mediator_count(&self) -> usize {
        self.mediation.count()
    }

    /// Mediation strength of a set of open channels (bit i = mediator i).
    pub fn combine_channels(&self, mask: u32) -> f64 {
        self.mediation.combine_channels(mask)
    }

    /// Simulates one trial, writing its daily path into `trace` and
    /// returning its outcomes.
    pub fn simulate<R: Rng + SeedableRng>(
        &self,
        streams: &mut TrialStreams<R>,
        trace: &mut TrialTrace,
    ) -> TrialOutcome {
        trace.start(self.horizon, self.mediation.count());

        let (e_min, e_max) = self
            .escalation
            .sample_path(&mut streams.escalation, &mut trace.escalation);
        let (m_min, m_max) = self.mediation.sample_path(
            &mut streams.common_outage,
            &mut streams.mediators,
            e_max,
            trace,
        );
        let bounds = PathBounds {
            e_min,
            e_max,
            m_min,
            m_max,
        };
        self.exchange_pass(streams, trace, bounds)
    }

    /// Phases, rounds and sizes, given the escalation and mediation paths.
    ///
    /// Each event process draws its candidate days from its own stream as
    /// one fixed sequence over the horizon (see [`Candidates`]), whatever
    /// the phase; a candidate counts only on a day the process is at risk.
    /// With bounds that do not depend on the mediators, two configurations
    /// that differ only in their mediators see the same candidate days and
    /// the same acceptance draws, so their paired difference is small.
    fn exchange_pass<R: Rng + SeedableRng>(
        &self,
        streams: &mut TrialStreams<R>,
        trace: &mut TrialTrace,
        bounds: PathBounds,
    ) -> TrialOutcome {
        let h = self.horizon;
        let (es, ms) = (&trace.escalation, &trace.mediation);
        let mut out = TrialOutcome {
            returned_by_deadline: 0,
            returned_by_horizon: 0,
            rounds: 0,
            rounds_by_deadline: 0,
            suspensions: 0,
            first_suspension_day: None,
            target_day: None,
            days_pending: 0,
            days_active: 0,
            days_suspended: 0,
            collapse_day: None,
            final_phase: self.initial_phase,
        };
        let mut phase = self.initial_phase;
        let mut returned: u64 = 0;
        // First day whose end falls in the current phase.
        let mut phase_since = 0u32;
        // First day that begins in the current phase.
        let mut t = 0u32;
        // First day allowed by the gap since the last round, and first day
        // allowed by both gap and preparation. An Active start is past its
        // preparation and has held no round.
        let mut gap_ok_from = 0u32;
        let mut eligible_from = 0u32;

        let m_range = PathBounds {
            m_min: 0.0,
            m_max: 1.0,
            ..bounds
        };
        let round_bound = self.round_rate;
        let mut confirmation = Candidates::new(
            &mut streams.confirmation,
            thinned(self.confirmation.bound(m_range)),
            h,
        );
        let mut suspension = Candidates::new(
            &mut streams.suspension,
            thinned(self.suspension.bound(m_range)),
            h,
        );
        let mut resumption = Candidates::new(
            &mut streams.resumption,
            thinned(self.resumption.bound(m_range)),
            h,
        );
        let mut rounds = Candidates::new(&mut streams.rounds, thinned(round_bound), h);
        let mut collapse = Candidates::new(&mut streams.collapse, thinned(self.collapse), h);
        let sizes = &mut streams.sizes;

        while t < h {
            // The day of this phase's change, if any, and the phase it leads to.
            let mut change: Option<(u32, Phase)> = None;
            match phase {
                Phase::Pending => {
                    let hazard = |d: u32| self.confirmation.at(es[d as usize], ms[d as usize]);
                    if let Some(d) = confirmation.first_event(t, h, hazard) {
                        change = Some((d, Phase::Active));
                    }
                }
                Phase::Active => {
                    let s_hazard = |d: u32| self.suspension.at(es[d as usize], ms[d as usize]);
                    let x_hazard = |d: u32| {
                        if self.requires_mediator {
                            self.round_rate * ms[d as usize]
                        } else {
                            self.round_rate
                        }
                    };
                    let mut day = t;
                    loop {
                        let next_s = suspension.next_from(day);
                        let next_x = rounds.next_from(day.max(eligible_from));
                        let d = next_s.min(next_x);
                        if d >= h {
                            break;
                        }
                        if next_s == d && suspension.accept(s_hazard(d)) {
                            out.suspensions += 1;
                            out.first_suspension_day.get_or_insert(d);
                            change = Some((d, Phase::Suspended));
                            break;
                        }
                        if next_x == d && rounds.accept(x_hazard(d)) {
                            let size = self.round_size(es[d as usize], sizes);
                            returned = match self.pool {
                                Some(pool) => returned.saturating_add(size).min(pool),
                                None => returned.saturating_add(size),
                            };
                            out.rounds += 1;
                            if d <= self.deadline_day {
                                out.returned_by_deadline = returned;
                                out.rounds_by_deadline = out.rounds;
                            }
                            trace.events.push(TraceEvent::Round { day: d, returned });
                            if self.pool.is_some_and(|p| returned >= p) {
                                out.target_day = Some(d);
                                change = Some((d, Phase::Completed));
                                break;
                            }
                            // The next round may come min_gap days later,
                            // and never on the same day.
                            gap_ok_from = d + self.min_gap.max(1);
                            eligible_from = gap_ok_from;
                        }
                        day = d + 1;
                    }
                }
                Phase::Suspended => {
                    let next_k = collapse.next_from(t);
                    let r_hazard = |d: u32| self.resumption.at(es[d as usize], ms[d as usize]);
                    // Resumption is drawn only on days before the collapse;
                    // on the collapse day itself the collapse comes first.
                    match resumption.first_event(t, next_k.min(h), r_hazard) {
                        Some(d) => change = Some((d, Phase::Active)),
                        None if next_k < h && collapse.accept(self.collapse) => {
                            out.collapse_day = Some(next_k);
                            change = Some((next_k, Phase::Collapsed));
                        }
                        None => {}
                    }
                }
                Phase::Completed | Phase::Collapsed => break,
            }
            let Some((d, next)) = change else {
                break;
            };
            self.count_days(&mut out, phase, d - phase_since);
            trace.events.push(TraceEvent::PhaseChange {
                day: d,
                phase: next,
            });
            phase = next;
            phase_since = d;
            t = d + 1;
            if phase == Phase::Active {
                // (Re)activation on day d: preparation counts from d.
                eligible_from = (d + self.preparation_days.max(1)).max(gap_ok_from);
            }
        }
        self.count_days(&mut out, phase, h - phase_since);
        out.returned_by_horizon = returned;
        out.final_phase = phase;
        out
    }

    fn count_days(&self, out: &mut TrialOutcome, phase: Phase, days: u32) {
        match phase {
            Phase::Pending => out.days_pending += days,
            Phase::Active => out.days_active += days,
            Phase::Suspended => out.days_suspended += days,
            Phase::Completed | Phase::Collapsed => {}
        }
    }

    /// `1 + NB(mean m_t, dispersion k)` with `m_t = (size_mean - 1) *
    /// exp(-size_escalation_coef * E)`, drawn as a Gamma–Poisson mixture.
    /// The Gamma draw does not depend on `E`, and the Poisson draw comes
    /// from a generator seeded by one word of `rng`, so every round uses the
    /// same stretch of `rng` in every configuration: round k of one
    /// configuration is coupled with round k of another.
    fn round_size<R: Rng + SeedableRng>(&self, e: f64, rng: &mut R) -> u64 {
        let Some(gamma) = &self.size_gamma else {
            return 1;
        };
        let g = gamma.sample(rng);
        let mut poisson_rng = R::seed_from_u64(rng.next_u64());
        let mean = self.size_extra_mean * (-self.size_escalation_coef * e).exp();
        let lambda = g * mean / self.size_dispersion;
        // Also catches a NaN, which cannot arise from validated inputs.
        if lambda.is_nan() || lambda <= 0.0 {
            return 1;
        }
        match Poisson::new(lambda) {
            Ok(p) => 1 + p.sample(&mut poisson_rng) as u64,
            // Only a lambda beyond 1.8e19 fails, far above any pool.
            Err(_) => u64::MAX / 2,
        }
    }
}

/// Largest and smallest escalation and mediation strength of one trial's
/// path: the envelope that thinning needs.
#[derive(Debug, Clone, Copy)]
struct PathBounds {
    e_min: f64,
    e_max: f64,
    m_min: f64,
    m_max: f64,
}

/// The escalation component of a validated scenario.
fn escalation(s: &Scenario) -> Escalation {
    let e = s.escalation();
    let index = |name: &str| e.regime_index(name).expect("validated reference");
    let regimes = e
        .regimes
        .iter()
        .map(|r| {
            let next: Vec<(usize, f64)> =
                r.next.iter().map(|(name, &w)| (index(name), w)).collect();
            Regime::new(r.intensity, r.mean_duration_days, &next).expect(
                "regimes are validated: finite intensity, mean_duration_days >= 1 exactly when \
                 `next` has a positive weight, weights >= 0",
            )
        })
        .collect();
    let shocks = Shocks::new(
        e.shock_daily_probability,
        e.shock_mean_size,
        e.shock_half_life_days,
    )
    .expect("shocks are validated: probability in [0, 1], mean size >= 0, half-life > 0");
    let seasonal_by_day = (0..s.simulation().horizon_days)
        .map(|t| e.seasonal_offset(s.date_of_day(t).month()))
        .collect();
    Escalation::new(regimes, index(&e.initial_regime), shocks, seasonal_by_day).expect(
        "escalation is validated: references name other regimes, seasonal offsets are finite",
    )
}

/// The mediation component of a validated scenario.
fn mediation(s: &Scenario) -> Mediation {
    let m = s.mediation();
    let mediators = m
        .mediators
        .iter()
        .map(|md| {
            let channel = ChannelLaw::new(
                md.availability,
                md.mean_outage_days,
                md.escalation_sensitivity,
            )
            .expect(
                "channels are validated: mean_outage_days >= 1, availability in (0, 1] and \
                 above 1/(mean_outage_days + 1), escalation_sensitivity >= 0",
            );
            Mediator::new(channel, md.effectiveness, md.initially_open)
                .expect("effectiveness is validated to lie in [0, 1]")
        })
        .collect();
    let common_outage = CommonOutage::new(m.common_outage_probability, m.common_outage_mean_days)
        .expect("common outages are validated: probability in [0, 1], mean length >= 1 day");
    Mediation::new(mediators, common_outage, m.combine)
        .expect("a scenario is validated to have at most 32 mediators")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        crate::scenario::ScenarioSource::builtin().parse().unwrap()
    }

    #[test]
    fn returned_never_exceeds_the_pool_and_completion_is_recorded() {
        let s = scenario();
        let model = Model::new(&s);
        let mut trace = TrialTrace::default();
        let mut completed = 0;
        for seed in 0..500u64 {
            let keys = crate::engine::StreamKeys::new(["Turkey", "UAE"]);
            let mut streams = keys.trial_streams(1, seed);
            let o = model.simulate(&mut streams, &mut trace);
            assert!(o.returned_by_horizon <= 1200);
            assert!(o.returned_by_deadline <= o.returned_by_horizon);
            assert_eq!(o.target_day.is_some(), o.returned_by_horizon == 1200);
            if o.target_day.is_some() {
                completed += 1;
                assert_eq!(o.final_phase, Phase::Completed);
            }
            let days = o.days_pending + o.days_active + o.days_suspended;
            assert!(days <= s.simulation().horizon_days);
        }
        assert!(completed > 0, "no trial completed the pool in 500");
    }
}
