//! The exchange process: phases, rounds and round sizes (`docs/model.md`,
//! 3.3 to 3.5).
//!
//! The exchange is what a trial's outcomes count, and the one component
//! that depends on the others: every hazard reads the day's escalation and
//! mediation. Drawing it last, over paths already known, lets each of its
//! event processes draw candidate days against a bound that holds on the
//! whole path, from a stream of its own; so configurations that differ only
//! in their mediators see the same candidates and differ only where their
//! hazards do, which keeps paired comparisons precise.

use super::ParameterError;
use super::sampling::{Candidates, MAX_ROUND_PEOPLE, Thinned};
use super::{Phase, TraceEvent, TrialOutcome, TrialStreams, TrialTrace};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};

/// Smallest and largest escalation and mediation strength of one trial's
/// path: the envelope that thinning needs.
#[derive(Debug, Clone, Copy)]
pub(super) struct PathBounds {
    pub(super) e_min: f64,
    pub(super) e_max: f64,
    pub(super) m_min: f64,
    pub(super) m_max: f64,
}

/// A daily hazard `base * exp(per_escalation * E + per_mediation * M)`.
/// The signs of MODEL.md are folded into the coefficients: suspension has
/// `per_escalation = beta_E,s` and `per_mediation = -beta_M,s`, while
/// confirmation and resumption have the opposite signs.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogLinearHazard {
    base: f64,
    per_escalation: f64,
    per_mediation: f64,
}

impl LogLinearHazard {
    /// A hazard per day of `base` at `E = 0` and `M = 0`, multiplied by
    /// `exp(per_escalation)` per unit of escalation and by
    /// `exp(per_mediation)` per unit of mediation strength.
    pub(super) fn new(
        base: f64,
        per_escalation: f64,
        per_mediation: f64,
    ) -> Result<LogLinearHazard, ParameterError> {
        ParameterError::require(
            base.is_finite() && base >= 0.0,
            "base",
            base,
            "a finite hazard per day from 0 up",
        )?;
        ParameterError::require(
            per_escalation.is_finite(),
            "per_escalation",
            per_escalation,
            "a finite log hazard ratio",
        )?;
        ParameterError::require(
            per_mediation.is_finite(),
            "per_mediation",
            per_mediation,
            "a finite log hazard ratio",
        )?;
        Ok(LogLinearHazard {
            base,
            per_escalation,
            per_mediation,
        })
    }

    /// The hazard at escalation `e` and mediation strength `m`; 0 when the
    /// base is 0, even where the exponential overflows.
    #[inline]
    pub(super) fn at(&self, e: f64, m: f64) -> f64 {
        if self.base == 0.0 {
            return 0.0;
        }
        self.base * (self.per_escalation * e + self.per_mediation * m).exp()
    }

    /// Bound of the hazard over a path within `b`: the exponent is linear,
    /// so its largest value is at a corner.
    #[inline]
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

/// A hazard per day that is the same on every day: collapse, `h_k =
/// base_k`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConstantHazard {
    base: f64,
}

impl ConstantHazard {
    /// A hazard of `base` per day.
    pub(super) fn new(base: f64) -> Result<ConstantHazard, ParameterError> {
        ParameterError::require(
            base.is_finite() && base >= 0.0,
            "base",
            base,
            "a finite hazard per day from 0 up",
        )?;
        Ok(ConstantHazard { base })
    }

    /// The hazard on any day.
    #[inline]
    fn at(&self) -> f64 {
        self.base
    }
}

/// The hazard of a round on an eligible Active day: `round_rate * M`, or
/// `round_rate` for rounds that do not need a mediator.
#[derive(Debug, Clone, Copy)]
pub(super) struct RoundHazard {
    round_rate: f64,
    requires_mediator: bool,
}

impl RoundHazard {
    /// Rounds at `round_rate` (hazard per day) at full mediation strength.
    pub(super) fn new(
        round_rate: f64,
        requires_mediator: bool,
    ) -> Result<RoundHazard, ParameterError> {
        ParameterError::require(
            round_rate.is_finite() && round_rate >= 0.0,
            "round_rate",
            round_rate,
            "a finite hazard per day from 0 up",
        )?;
        Ok(RoundHazard {
            round_rate,
            requires_mediator,
        })
    }

    /// The hazard at mediation strength `m`.
    #[inline]
    fn at(&self, m: f64) -> f64 {
        if self.requires_mediator {
            self.round_rate * m
        } else {
            self.round_rate
        }
    }

    /// Bound of the hazard for any `M` in [0, 1].
    #[inline]
    fn bound(&self) -> f64 {
        self.round_rate
    }
}

/// The number of people a round returns: `1 + NB(mean m_t, dispersion k)`
/// with `m_t = (size_mean - 1) * exp(-escalation_coef * E_t)`
/// (`docs/model.md`, 5a).
#[derive(Debug, Clone, Copy)]
pub(super) struct RoundSize {
    /// Mean of the negative binomial part at escalation 0 (people).
    extra_mean: f64,
    /// Log ratio of `extra_mean` per unit of escalation, with the sign of
    /// MODEL.md (positive: smaller rounds in heavier fighting).
    escalation_coef: f64,
    /// `k`: the variance of the negative binomial part is `m + m^2 / k`.
    dispersion: f64,
    /// Gamma(k, 1) mixing law of the negative binomial; `None` when every
    /// round returns one person.
    gamma: Option<Gamma<f64>>,
}

impl RoundSize {
    /// Rounds of `size_mean` people on average at escalation 0 (at least
    /// 1), with negative binomial dispersion `dispersion` (above 0).
    pub(super) fn new(
        size_mean: f64,
        dispersion: f64,
        escalation_coef: f64,
    ) -> Result<RoundSize, ParameterError> {
        ParameterError::require(
            size_mean.is_finite() && size_mean >= 1.0,
            "size_mean",
            size_mean,
            "a finite number of people from 1 up",
        )?;
        ParameterError::require(
            dispersion.is_finite() && dispersion > 0.0,
            "dispersion",
            dispersion,
            "a finite number above 0",
        )?;
        ParameterError::require(
            escalation_coef.is_finite(),
            "escalation_coef",
            escalation_coef,
            "a finite log ratio",
        )?;
        let extra_mean = size_mean - 1.0;
        let gamma = (extra_mean > 0.0).then(|| {
            Gamma::new(dispersion, 1.0).expect("a finite dispersion above 0 is a Gamma shape")
        });
        Ok(RoundSize {
            extra_mean,
            escalation_coef,
            dispersion,
            gamma,
        })
    }

    /// The size of a round at escalation `e`, drawn as a Gamma–Poisson
    /// mixture. The Gamma draw does not depend on `E`, and the Poisson draw
    /// comes from a generator seeded by one word of `rng`, so every round
    /// uses the same stretch of `rng` in every configuration: round k of one
    /// configuration is coupled with round k of another.
    pub(super) fn sample<R: Rng + SeedableRng>(&self, e: f64, rng: &mut R) -> u64 {
        let Some(gamma) = &self.gamma else {
            return 1;
        };
        let g = gamma.sample(rng);
        let mut poisson_rng = R::seed_from_u64(rng.next_u64());
        let mean = self.extra_mean * (-self.escalation_coef * e).exp();
        let lambda = g * mean / self.dispersion;
        // Also catches a NaN, which cannot arise from checked parameters.
        if lambda.is_nan() || lambda <= 0.0 {
            return 1;
        }
        // A negative escalation coefficient without a pool can ask for
        // rounds of astronomical size in heavy fighting; the cap keeps every
        // total, sum and square within its integer type.
        if lambda >= MAX_ROUND_PEOPLE as f64 {
            return MAX_ROUND_PEOPLE;
        }
        match Poisson::new(lambda) {
            Ok(p) => (1 + p.sample(&mut poisson_rng) as u64).min(MAX_ROUND_PEOPLE),
            Err(_) => MAX_ROUND_PEOPLE,
        }
    }
}

/// The laws of the exchange process and the target it counts towards.
/// Every field with a constraint has a type that checks it, so an
/// `Exchange` is valid whatever values it is assembled from.
#[derive(Debug, Clone)]
pub(super) struct Exchange {
    /// Phase on day 0.
    pub(super) initial_phase: Phase,
    /// Days after each (re)activation before a round may take place.
    pub(super) preparation_days: u32,
    /// Least number of days from one round to the next.
    pub(super) min_gap: u32,
    /// Pending to Active, `h_c`.
    pub(super) confirmation: LogLinearHazard,
    /// Active to Suspended, `h_s`.
    pub(super) suspension: LogLinearHazard,
    /// Suspended to Active, `h_r`.
    pub(super) resumption: LogLinearHazard,
    /// Suspended to Collapsed, `h_k`.
    pub(super) collapse: ConstantHazard,
    /// A round on an eligible Active day, `h_x`.
    pub(super) rounds: RoundHazard,
    /// People returned by a round.
    pub(super) sizes: RoundSize,
    /// Agreed number of people to be returned, if any (people).
    pub(super) pool: Option<u64>,
    /// Last day counted as "by the deadline" (day index).
    pub(super) deadline_day: u32,
}

impl Exchange {
    /// Phases, rounds and sizes of one trial over the horizon of the
    /// escalation and mediation paths in `trace`, whose extremes are
    /// `bounds`; rounds and phase changes are added to `trace`.
    ///
    /// Each event process draws its candidate days from its own stream as
    /// one fixed sequence over the horizon (see [`Candidates`]), whatever
    /// the phase; a candidate counts only on a day the process is at risk.
    /// With bounds that do not depend on the mediators, two configurations
    /// that differ only in their mediators see the same candidate days and
    /// the same acceptance draws, so their paired difference is small.
    pub(super) fn simulate<R: Rng + SeedableRng>(
        &self,
        streams: &mut TrialStreams<R>,
        trace: &mut TrialTrace,
        bounds: PathBounds,
    ) -> TrialOutcome {
        let (es, ms) = (&trace.escalation, &trace.mediation);
        let h = es.len() as u32;
        let mut out = TrialOutcome::start(self.initial_phase);
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
        let mut rounds = Candidates::new(&mut streams.rounds, thinned(self.rounds.bound()), h);
        let mut collapse = Candidates::new(&mut streams.collapse, thinned(self.collapse.at()), h);
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
                    let x_hazard = |d: u32| self.rounds.at(ms[d as usize]);
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
                            let size = self.sizes.sample(es[d as usize], sizes);
                            out.note_round_size(size);
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
                        None if next_k < h && collapse.accept(self.collapse.at()) => {
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
            count_days(&mut out, phase, d - phase_since);
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
        count_days(&mut out, phase, h - phase_since);
        out.returned_by_horizon = returned;
        out.final_phase = phase;
        out
    }
}

/// Thinning against a bound of hazards with checked parameters.
#[inline]
fn thinned(h_max: f64) -> Thinned {
    Thinned::new(h_max).expect("a hazard of checked parameters is never negative or NaN")
}

/// Adds `days` ending in `phase` to the outcome's day counts.
fn count_days(out: &mut TrialOutcome, phase: Phase, days: u32) {
    match phase {
        Phase::Pending => out.days_pending += days,
        Phase::Active => out.days_active += days,
        Phase::Suspended => out.days_suspended += days,
        Phase::Completed | Phase::Collapsed => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::scenario::ScenarioSource;
    use rand_xoshiro::Xoshiro256PlusPlus;

    type Rng64 = Xoshiro256PlusPlus;

    fn rng(seed: u64) -> Rng64 {
        Rng64::seed_from_u64(seed)
    }

    /// A hazard per day whose daily probability `1 - exp(-1000)` is 1 in
    /// double precision: the event happens on the first day it can.
    const CERTAIN: f64 = 1000.0;

    fn hazard(base: f64) -> LogLinearHazard {
        LogLinearHazard::new(base, 0.0, 0.0).unwrap()
    }

    /// An exchange of rounds of one person, with the given phase hazards
    /// (constant), rounds that happen on every eligible day, no pool and
    /// the deadline on day 20.
    fn exchange(initial_phase: Phase, hazards: [f64; 4]) -> Exchange {
        let [confirmation, suspension, resumption, collapse] = hazards;
        Exchange {
            initial_phase,
            preparation_days: 7,
            min_gap: 3,
            confirmation: hazard(confirmation),
            suspension: hazard(suspension),
            resumption: hazard(resumption),
            collapse: ConstantHazard::new(collapse).unwrap(),
            rounds: RoundHazard::new(CERTAIN, true).unwrap(),
            sizes: RoundSize::new(1.0, 1.0, 0.0).unwrap(),
            pool: None,
            deadline_day: 20,
        }
    }

    /// Simulates `exchange` over 30 days at E = 0 and M = 1.
    fn simulate(exchange: &Exchange) -> (TrialOutcome, Vec<TraceEvent>) {
        let mut streams = TrialStreams {
            escalation: rng(0),
            common_outage: rng(1),
            confirmation: rng(2),
            suspension: rng(3),
            rounds: rng(4),
            resumption: rng(5),
            collapse: rng(6),
            sizes: rng(7),
            mediators: Vec::new(),
        };
        let mut trace = TrialTrace::default();
        trace.start(30, 0);
        trace.mediation.fill(1.0);
        let bounds = PathBounds {
            e_min: 0.0,
            e_max: 0.0,
            m_min: 1.0,
            m_max: 1.0,
        };
        let out = exchange.simulate(&mut streams, &mut trace, bounds);
        (out, trace.events)
    }

    fn round_days(events: &[TraceEvent]) -> Vec<u32> {
        events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::Round { day, .. } => Some(*day),
                TraceEvent::PhaseChange { .. } => None,
            })
            .collect()
    }

    #[test]
    fn rounds_wait_for_preparation_and_then_the_minimum_gap() {
        // Confirmed on day 0, so the first round can come on day 7
        // (docs/model.md 3.3), then every 3 days.
        let (out, events) = simulate(&exchange(Phase::Pending, [CERTAIN, 0.0, 0.0, 0.0]));
        assert_eq!(
            events[0],
            TraceEvent::PhaseChange {
                day: 0,
                phase: Phase::Active
            }
        );
        assert_eq!(round_days(&events), [7, 10, 13, 16, 19, 22, 25, 28]);
        assert_eq!((out.rounds, out.rounds_by_deadline), (8, 5));
        assert_eq!((out.returned_by_horizon, out.returned_by_deadline), (8, 5));
        assert_eq!((out.days_pending, out.days_active), (0, 30));
    }

    #[test]
    fn an_active_start_may_hold_a_round_on_day_0() {
        let (_, events) = simulate(&exchange(Phase::Active, [0.0; 4]));
        assert_eq!(round_days(&events)[..3], [0, 3, 6]);
    }

    #[test]
    fn a_suspension_takes_the_day_of_a_round_and_counts_once() {
        let (out, events) = simulate(&exchange(Phase::Active, [0.0, CERTAIN, 0.0, 0.0]));
        assert!(round_days(&events).is_empty());
        assert_eq!((out.suspensions, out.first_suspension_day), (1, Some(0)));
        assert_eq!((out.days_active, out.days_suspended), (0, 30));
        assert_eq!(out.final_phase, Phase::Suspended);
    }

    #[test]
    fn on_a_suspended_day_collapse_comes_before_resumption() {
        let (out, events) = simulate(&exchange(Phase::Suspended, [0.0, 0.0, CERTAIN, CERTAIN]));
        assert_eq!(out.collapse_day, Some(0));
        assert_eq!(out.final_phase, Phase::Collapsed);
        assert_eq!(events.len(), 1);
        assert_eq!(out.days_suspended, 0);
    }

    #[test]
    fn the_phase_hazards_have_the_signs_of_the_specification() {
        // MODEL.md: h_c = base_c exp(beta_M,c M - beta_E,c E),
        // h_s = base_s exp(beta_E,s E - beta_M,s M),
        // h_r = base_r exp(beta_M,r M - beta_E,r E), h_k = base_k.
        let s = ScenarioSource::builtin().parse().unwrap();
        let x = s.exchange();
        let model = Model::new(&s);
        let (e, m) = (1.3, 0.4);
        let rising_with_m = |h: &crate::scenario::Hazard| {
            h.base * (h.mediation_coef * m - h.escalation_coef * e).exp()
        };
        let s_expected = x.suspension.base
            * (x.suspension.escalation_coef * e - x.suspension.mediation_coef * m).exp();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        let ex = &model.exchange;
        assert!(close(
            ex.confirmation.at(e, m),
            rising_with_m(&x.confirmation)
        ));
        assert!(close(ex.suspension.at(e, m), s_expected));
        assert!(close(ex.resumption.at(e, m), rising_with_m(&x.resumption)));
        assert_eq!(ex.collapse.at(), x.collapse_base);
        // The default scenario's coefficients are all non-zero, so a sign
        // folded the wrong way would show.
        for h in [&x.confirmation, &x.suspension, &x.resumption] {
            assert!(h.escalation_coef != 0.0 && h.mediation_coef != 0.0);
        }
    }

    #[test]
    fn a_zero_base_hazard_is_zero_where_the_exponential_overflows() {
        let h = LogLinearHazard::new(0.0, 20.0, 0.0).unwrap();
        assert_eq!(h.at(100.0, 0.0), 0.0);
        let h = LogLinearHazard::new(1e-3, 20.0, 0.0).unwrap();
        assert_eq!(h.at(100.0, 0.0), f64::INFINITY);
    }

    #[test]
    fn a_hazard_bound_holds_over_the_whole_envelope_and_is_reached() {
        let b = PathBounds {
            e_min: 0.2,
            e_max: 3.0,
            m_min: 0.0,
            m_max: 1.0,
        };
        for per_escalation in [-1.0, 0.0, 1.5] {
            for per_mediation in [-2.0, 0.0, 0.5] {
                let h = LogLinearHazard::new(0.01, per_escalation, per_mediation).unwrap();
                let bound = h.bound(b);
                let mut largest = 0.0f64;
                for i in 0..=10 {
                    for j in 0..=10 {
                        let e = b.e_min + (b.e_max - b.e_min) * f64::from(i) / 10.0;
                        let m = b.m_min + (b.m_max - b.m_min) * f64::from(j) / 10.0;
                        largest = largest.max(h.at(e, m));
                    }
                }
                assert_eq!(bound, largest, "{per_escalation} {per_mediation}");
            }
        }
    }

    #[test]
    fn the_round_hazard_scales_with_mediation_only_when_rounds_need_a_mediator() {
        let mediated = RoundHazard::new(0.08, true).unwrap();
        let direct = RoundHazard::new(0.08, false).unwrap();
        assert_eq!(mediated.at(0.5), 0.04);
        assert_eq!(mediated.at(0.0), 0.0);
        assert_eq!(direct.at(0.0), 0.08);
        assert_eq!((mediated.bound(), direct.bound()), (0.08, 0.08));
    }

    #[test]
    fn round_sizes_average_one_plus_the_escalation_scaled_extra_mean() {
        let (size_mean, k, coef) = (50.0, 2.0, 0.7);
        let sizes = RoundSize::new(size_mean, k, coef).unwrap();
        let mut rng = rng(8);
        let n = 100_000;
        for e in [0.0, 1.0] {
            let mean = (0..n)
                .map(|_| sizes.sample(e, &mut rng) as f64)
                .sum::<f64>()
                / n as f64;
            let m = (size_mean - 1.0) * (-coef * e).exp();
            // The negative binomial part has variance m + m^2/k: standard
            // errors 0.11 at E = 0 and 0.057 at E = 1; 4 allowed.
            let se = ((m + m * m / k) / n as f64).sqrt();
            assert!((mean - (1.0 + m)).abs() < 4.0 * se, "E = {e}: mean {mean}");
        }
    }

    #[test]
    fn every_round_returns_one_person_when_size_mean_is_one() {
        let sizes = RoundSize::new(1.0, 0.5, 0.0).unwrap();
        let mut a = rng(9);
        let untouched = a.clone();
        for e in [0.0, 5.0] {
            assert_eq!(sizes.sample(e, &mut a), 1);
        }
        assert_eq!(a, untouched, "no draw for a size that is certain");
    }

    #[test]
    fn returned_never_exceeds_the_pool_and_completion_is_recorded() {
        let s = ScenarioSource::builtin().parse().unwrap();
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

    #[test]
    fn new_refuses_what_the_laws_do_not_allow_and_names_the_parameter() {
        let refused = |r: Result<LogLinearHazard, ParameterError>| r.unwrap_err().parameter;
        for base in [-0.1, f64::NAN, f64::INFINITY] {
            assert_eq!(refused(LogLinearHazard::new(base, 0.0, 0.0)), "base");
        }
        assert_eq!(
            refused(LogLinearHazard::new(0.1, f64::NAN, 0.0)),
            "per_escalation"
        );
        assert_eq!(
            refused(LogLinearHazard::new(0.1, 0.0, f64::INFINITY)),
            "per_mediation"
        );

        assert_eq!(ConstantHazard::new(-0.1).unwrap_err().parameter, "base");
        assert_eq!(
            RoundHazard::new(-0.1, true).unwrap_err().parameter,
            "round_rate"
        );

        let refused = |r: Result<RoundSize, ParameterError>| r.unwrap_err().parameter;
        assert_eq!(refused(RoundSize::new(0.5, 2.0, 0.0)), "size_mean");
        assert_eq!(refused(RoundSize::new(50.0, 0.0, 0.0)), "dispersion");
        assert_eq!(
            refused(RoundSize::new(50.0, 2.0, f64::NAN)),
            "escalation_coef"
        );
    }
}
