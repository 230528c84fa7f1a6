//! The model with dated events and a given escalation path (`MODEL.md`,
//! "Dated events and a given escalation path (v2)").
//!
//! Events make every value piecewise constant over the horizon, so the
//! thinning envelopes and geometric waiting times of the fast passes would
//! have to be rebuilt around every event date, and would then depend on
//! those dates. This model instead steps day by day, in the order of
//! `MODEL.md`, and draws a *fixed* number of uniforms per component per day
//! from that component's stream, whatever the values in force. So a
//! trial's draws on a day never depend on any event date, and moving an
//! event cannot change a trial before the earlier of its two dates; a
//! mediator's stream is keyed by its name, so an added mediator draws from
//! the stream any configuration naming it would use. When no event touches
//! escalation, escalation is drawn by the fast pass of the scenario without
//! events (which follows a given path), so that a mediator-only event
//! leaves every trial's escalation path exactly as it is without it. A
//! scenario with a path and no events does not come here at all: the fast
//! passes simulate it.

use super::escalation::Escalation;
use super::exchange::{LogLinearHazard, RoundSize};
use super::{Phase, TraceEvent, TrialOutcome, TrialStreams, TrialTrace};
use crate::scenario::events::Dated;
use crate::scenario::raw::ForcedPhase;
use crate::scenario::{Combine, Scenario};
use chrono::Datelike;
use rand::{Rng, SeedableRng};

/// A uniform draw in [0, 1) from one 64-bit word: one word per draw, so
/// every draw uses the same stretch of its stream.
#[inline]
fn uniform<R: Rng>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Whether an event of daily hazard `h` happens, given a uniform `u`:
/// probability `p = 1 - exp(-h)`, the comparison `u < p` with `p` as
/// `expm1` computes it.
///
/// Most draws fall far from `p`, so the exact `p` is needed only near it:
/// `h - h^2/2 <= p <= h` (the alternating Taylor series of `1 - exp(-h)`),
/// and a draw outside these bounds, widened by a relative margin of `1e-12`
/// that covers the few units in the last place of error of `expm1` and of
/// the bounds themselves, gives the same answer as the exact comparison.
/// So the decision, and every output, is that of the exact comparison.
#[inline]
fn happens(u: f64, h: f64) -> bool {
    if h <= 0.0 || h.is_nan() {
        return false;
    }
    if u > h * (1.0 + MARGIN) {
        return false;
    }
    if u < (h - 0.5 * h * h) * (1.0 - MARGIN) {
        return true;
    }
    u < -(-h).exp_m1()
}

/// Relative margin around the bounds of [`happens`], far above the error
/// of `expm1` (below one unit in the last place, about `1.1e-16`).
const MARGIN: f64 = 1e-12;

#[derive(Debug, Clone)]
struct RegimeLaw {
    intensity: f64,
    /// Daily exit probability `1/d` (0 for a regime never left).
    exit: f64,
    /// (regime index, cumulative probability) entered on exit.
    next: Vec<(usize, f64)>,
}

#[derive(Debug, Clone, Copy)]
struct ChannelLaw {
    lambda: f64,
    kappa: f64,
    /// Daily re-opening probability `1/o`.
    reopen: f64,
    effectiveness: f64,
    initially_open: bool,
}

/// Every value in force in one epoch, in the form the daily loop uses.
#[derive(Debug, Clone)]
struct EpochLaw {
    regimes: Vec<RegimeLaw>,
    shock_probability: f64,
    shock_mean: f64,
    /// `2^(-1/half_life)`.
    shock_decay: f64,
    outage_start: f64,
    /// Daily probability that a common outage in force ends.
    outage_end: f64,
    /// By index in `Dated::mediators_ever`; `None` where it does not exist.
    channels: Vec<Option<ChannelLaw>>,
    /// Whether each mediator's channel is removed (counts as closed).
    removed: Vec<bool>,
    combine: Combine,
    confirmation: LogLinearHazard,
    suspension: LogLinearHazard,
    resumption: LogLinearHazard,
    collapse: f64,
    round_rate: f64,
    requires_mediator: bool,
    sizes: RoundSize,
    preparation_days: u32,
    min_gap: u32,
    pool: Option<u64>,
}

impl EpochLaw {
    fn new(values: &Scenario, removed: &[String], mediators_ever: &[String]) -> EpochLaw {
        let e = values.escalation();
        let regimes = e
            .regimes
            .iter()
            .map(|r| {
                let total: f64 = r.next.values().sum();
                let mut acc = 0.0;
                let next = r
                    .next
                    .iter()
                    .filter(|(_, w)| **w > 0.0)
                    .map(|(name, w)| {
                        acc += w / total;
                        (e.regime_index(name).expect("validated reference"), acc)
                    })
                    .collect();
                RegimeLaw {
                    intensity: r.intensity,
                    exit: r.mean_duration_days.map_or(0.0, |d| 1.0 / d),
                    next,
                }
            })
            .collect();
        let m = values.mediation();
        let channels = mediators_ever
            .iter()
            .map(|name| {
                m.mediators.iter().find(|md| &md.name == name).map(|md| {
                    let q = 1.0 / md.mean_outage_days;
                    let p0 = q * (1.0 - md.availability) / md.availability;
                    ChannelLaw {
                        lambda: -(-p0).ln_1p(),
                        kappa: md.escalation_sensitivity,
                        reopen: q,
                        effectiveness: md.effectiveness,
                        initially_open: md.initially_open,
                    }
                })
            })
            .collect();
        let x = values.exchange();
        let hazard = |base, per_e, per_m| {
            LogLinearHazard::new(base, per_e, per_m).expect("hazards are validated")
        };
        let (c, s, r) = (&x.confirmation, &x.suspension, &x.resumption);
        EpochLaw {
            regimes,
            shock_probability: e.shock_daily_probability,
            shock_mean: e.shock_mean_size,
            shock_decay: (-1.0 / e.shock_half_life_days).exp2(),
            outage_start: m.common_outage_probability,
            outage_end: 1.0 / m.common_outage_mean_days,
            channels,
            removed: mediators_ever.iter().map(|n| removed.contains(n)).collect(),
            combine: m.combine,
            confirmation: hazard(c.base, -c.escalation_coef, c.mediation_coef),
            suspension: hazard(s.base, s.escalation_coef, -s.mediation_coef),
            resumption: hazard(r.base, -r.escalation_coef, r.mediation_coef),
            collapse: x.collapse_base,
            round_rate: x.round_rate,
            requires_mediator: x.requires_mediator,
            sizes: RoundSize::new(x.size_mean, x.size_dispersion, x.size_escalation_coef)
                .expect("round sizes are validated"),
            preparation_days: x.preparation_days,
            min_gap: x.min_days_between_rounds,
            pool: values.target().pool,
        }
    }

    /// Whether a process Active on day `t` may hold a round under these
    /// values (`MODEL.md`: `a_t >= preparation_days` and
    /// `g_t >= min_days_between_rounds`): `activated` is the day of the
    /// last (re)activation and whether it came in step 2 of that day (which
    /// then cannot hold a round); `last_round` the day of the last round,
    /// after which the next comes a day later at the earliest.
    fn eligible(&self, t: u32, activated: Option<(u32, bool)>, last_round: Option<u32>) -> bool {
        let prepared = activated.is_none_or(|(day, in_step)| {
            u64::from(t)
                >= u64::from(day) + u64::from(self.preparation_days.max(u32::from(in_step)))
        });
        let spaced = last_round
            .is_none_or(|day| u64::from(t) >= u64::from(day) + u64::from(self.min_gap.max(1)));
        prepared && spaced
    }

    fn pick_next(&self, regime: usize, u: f64) -> usize {
        let next = &self.regimes[regime].next;
        next.iter()
            .find(|(_, cum)| u < *cum)
            .or(next.last())
            .map_or(regime, |(i, _)| *i)
    }
}

/// A scenario with events (and perhaps a given path), compiled for the
/// daily loop.
#[derive(Debug, Clone)]
pub(super) struct DatedModel {
    horizon: u32,
    epochs: Vec<EpochLaw>,
    /// Epoch index of each day.
    epoch_of_day: Vec<u16>,
    /// Seasonal offset of each day, from the values in force that day.
    seasonal_by_day: Vec<f64>,
    /// Regime forced on each day.
    forced_regime: Vec<Option<usize>>,
    /// Phase forced at the start of each day.
    forced_phase: Vec<Option<Phase>>,
    /// Given level of each day, where the path covers it.
    given: Vec<Option<f64>>,
    /// The path's junction: (day `L + 1`, `level_L`, regime entered), when
    /// `L + 1` lies in the horizon.
    junction: Option<(u32, f64, usize)>,
    initial_regime: usize,
    /// The fast escalation pass, when escalation is the same on every day.
    fast_escalation: Option<Escalation>,
    initial_phase: Phase,
    deadline_day: u32,
}

impl DatedModel {
    pub(super) fn new(s: &Scenario, dated: &Dated) -> DatedModel {
        let h = s.simulation().horizon_days;
        let epochs: Vec<EpochLaw> = dated
            .epochs
            .iter()
            .map(|e| EpochLaw::new(&e.values, &e.removed, &dated.mediators_ever))
            .collect();
        let epoch_of_day: Vec<u16> = (0..h).map(|t| dated.epoch_of(t) as u16).collect();
        let seasonal_by_day = (0..h)
            .map(|t| {
                let values = &dated.epochs[epoch_of_day[t as usize] as usize].values;
                values
                    .escalation()
                    .seasonal_offset(s.date_of_day(t).month())
            })
            .collect();
        let regime_index = |name: &str| {
            s.escalation()
                .regime_index(name)
                .expect("validated reference")
        };
        let forced_regime = (0..h)
            .map(|t| {
                dated.epochs[epoch_of_day[t as usize] as usize]
                    .forced_regime
                    .as_deref()
                    .map(regime_index)
            })
            .collect::<Vec<_>>();
        let mut forced_phase = vec![None; h as usize];
        for &(d, p) in &dated.forced_phases {
            forced_phase[d as usize] = Some(match p {
                ForcedPhase::Suspended => Phase::Suspended,
                ForcedPhase::Active => Phase::Active,
                ForcedPhase::Collapsed => Phase::Collapsed,
            });
        }
        let given: Vec<Option<f64>> = (0..h)
            .map(|t| dated.path.as_ref().and_then(|p| p.level(t)))
            .collect();
        let junction = dated.path.as_ref().and_then(|p| {
            let day = p.last_day() + 1;
            let level = *p.levels.last().expect("a path has a row");
            (0..i64::from(h))
                .contains(&day)
                .then(|| (day as u32, level, regime_index(&p.continues_in)))
        });
        let same_escalation = dated
            .epochs
            .iter()
            .all(|e| e.values.escalation() == s.escalation());
        let fast_escalation = (same_escalation && forced_regime.iter().all(Option::is_none))
            .then(|| super::escalation(s));
        DatedModel {
            horizon: h,
            epochs,
            epoch_of_day,
            seasonal_by_day,
            forced_regime,
            forced_phase,
            given,
            junction,
            initial_regime: regime_index(&s.escalation().initial_regime),
            fast_escalation,
            initial_phase: Phase::from(s.exchange().initial_phase),
            deadline_day: s.target().deadline_day,
        }
    }

    /// The same model drawing escalation day by day whatever the events,
    /// the reference that the fast escalation pass is tested against.
    #[cfg(test)]
    pub(super) fn day_by_day(self) -> DatedModel {
        DatedModel {
            fast_escalation: None,
            ..self
        }
    }

    /// Number of mediators that exist on some day.
    pub(super) fn mediator_count(&self) -> usize {
        self.epochs[0].channels.len()
    }

    #[inline]
    fn epoch(&self, t: u32) -> &EpochLaw {
        &self.epochs[self.epoch_of_day[t as usize] as usize]
    }

    /// One trial: escalation, then channels and mediation, then the
    /// exchange, each day by day from its own streams.
    pub(super) fn simulate<R: Rng + SeedableRng>(
        &self,
        streams: &mut TrialStreams<R>,
        trace: &mut TrialTrace,
    ) -> TrialOutcome {
        trace.start(self.horizon, self.mediator_count());
        match &self.fast_escalation {
            Some(fast) => {
                fast.sample_path(&mut streams.escalation, &mut trace.escalation);
            }
            None => self.escalation_path(&mut streams.escalation, &mut trace.escalation),
        }
        self.mediation_path(streams, trace);
        self.exchange(streams, trace)
    }

    /// `E_t` of every day (MODEL.md, "Escalation" and "Given escalation
    /// path"). Four words are drawn at the end of every day whose next day
    /// is simulated, none on or into a covered day.
    fn escalation_path<R: Rng>(&self, rng: &mut R, out: &mut [f64]) {
        let h = self.horizon;
        let mut regime = self.initial_regime;
        let mut shock = 0.0f64;
        for t in 0..h {
            let law = self.epoch(t);
            let seasonal = self.seasonal_by_day[t as usize];
            if let Some(level) = self.given[t as usize] {
                out[t as usize] = level;
                continue;
            }
            // Start of day: a path junction or a forced regime (edge case 6:
            // a regime forced on L + 1 wins over path_continues_in).
            match self.junction {
                Some((day, level, continues_in)) if day == t => {
                    regime = self.forced_regime[t as usize].unwrap_or(continues_in);
                    shock = (level - law.regimes[regime].intensity - seasonal).max(0.0);
                }
                _ => {
                    if let Some(f) = self.forced_regime[t as usize] {
                        regime = f;
                    }
                }
            }
            let v = law.regimes[regime].intensity + shock + seasonal;
            out[t as usize] = if v > 0.0 { v } else { 0.0 };
            if t + 1 >= h || self.given[t as usize + 1].is_some() {
                continue;
            }
            // Step 4 with the values in force on day t (edge case 1).
            let (u_exit, u_next, u_shock, u_size) =
                (uniform(rng), uniform(rng), uniform(rng), uniform(rng));
            // A forced regime is held through its last day: on `until + 1`
            // the chain is still in it, with a fresh dwell.
            if self.forced_regime[t as usize].is_none() && u_exit < law.regimes[regime].exit {
                regime = law.pick_next(regime, u_next);
            }
            shock *= law.shock_decay;
            if u_shock < law.shock_probability {
                shock += law.shock_mean * -(1.0 - u_size).ln();
            }
        }
    }

    /// Channels, common outages and `M_t` of every day; the channels that
    /// count in `M_t` (edge case 9) go to `trace.counted_open`.
    fn mediation_path<R: Rng>(&self, streams: &mut TrialStreams<R>, trace: &mut TrialTrace) {
        let h = self.horizon;
        let n = self.mediator_count();
        let mut open = vec![false; n];
        let mut existed = vec![false; n];
        let mut outage = false;
        let mut outage_from = 0u32;
        let mut own = vec![false; n];
        let mut own_from = vec![0u32; n];
        let mut counted_from = vec![0u32; n];
        let mut counted = vec![false; n];
        for t in 0..h {
            let law = self.epoch(t);
            let mut m_product = 1.0f64;
            let mut m_max = 0.0f64;
            for i in 0..n {
                let exists = law.channels[i].is_some();
                if exists && !existed[i] {
                    // Added today (or a mediator of the file on day 0).
                    open[i] = law.channels[i].expect("exists").initially_open;
                }
                if !exists {
                    open[i] = false;
                }
                existed[i] = exists;
                let now_open = exists && open[i];
                if now_open != own[i] {
                    if now_open {
                        own_from[i] = t;
                    } else {
                        trace.channel_open[i].push((own_from[i], t));
                    }
                    own[i] = now_open;
                }
                let counts = now_open && !law.removed[i] && !outage;
                if counts != counted[i] {
                    if counts {
                        counted_from[i] = t;
                    } else {
                        trace.counted_open[i].push((counted_from[i], t));
                    }
                    counted[i] = counts;
                }
                if counts {
                    let w = law.channels[i].expect("exists").effectiveness;
                    m_product *= 1.0 - w;
                    m_max = m_max.max(w);
                }
            }
            trace.mediation[t as usize] = match law.combine {
                Combine::NoisyOr => 1.0 - m_product,
                Combine::Max => m_max,
            };
            if t + 1 >= h {
                break;
            }
            // Step 4: tomorrow's outage and channels from today's E and
            // values; one word per stream per day.
            let e = trace.escalation[t as usize];
            let u = uniform(&mut streams.common_outage);
            if outage {
                if u < law.outage_end {
                    outage = false;
                    trace.common_outage.push((outage_from, t + 1));
                }
            } else if u < law.outage_start {
                outage = true;
                outage_from = t + 1;
            }
            for ((rng, channel), open) in streams
                .mediators
                .iter_mut()
                .zip(&law.channels)
                .zip(open.iter_mut())
            {
                let u = uniform(rng);
                let Some(c) = channel else { continue };
                if *open {
                    let hz = if c.kappa == 0.0 || e == 0.0 {
                        c.lambda
                    } else {
                        c.lambda * (c.kappa * e).exp()
                    };
                    if happens(u, hz) {
                        *open = false;
                    }
                } else if u < c.reopen {
                    *open = true;
                }
            }
        }
        if outage {
            trace.common_outage.push((outage_from, h));
        }
        for i in 0..n {
            if own[i] {
                trace.channel_open[i].push((own_from[i], h));
            }
            if counted[i] {
                trace.counted_open[i].push((counted_from[i], h));
            }
        }
    }

    /// The exchange process day by day: start-of-day changes in the order
    /// of edge case 2 (pool, then forced phase), then step 2.
    fn exchange<R: Rng + SeedableRng>(
        &self,
        streams: &mut TrialStreams<R>,
        trace: &mut TrialTrace,
    ) -> TrialOutcome {
        let h = self.horizon;
        let mut out = TrialOutcome::start(self.initial_phase);
        let mut phase = self.initial_phase;
        let mut returned: u64 = 0;
        // Eligibility is read each day with the values in force that day
        // (an event may change preparation_days or min_days_between_rounds
        // between an activation or a round and the next round):
        // `activated` is the last (re)activation's day and whether it came
        // in step 2, after which that day itself cannot hold a round
        // (`None`: past its preparation, as an Active start is); `last_round`
        // is the day of the last round.
        let mut activated: Option<(u32, bool)> = None;
        let mut last_round: Option<u32> = None;
        let mut pool = self.epoch(0).pool;
        // First day of the current Completed stretch.
        let mut completed_since: Option<u32> = None;
        let events = &mut trace.events;
        let change = |events: &mut Vec<TraceEvent>, phase: &mut Phase, next: Phase, t: u32| {
            *phase = next;
            events.push(TraceEvent::PhaseChange {
                day: t,
                phase: next,
            });
        };
        for t in 0..h {
            let law = self.epoch(t);
            let (e, m) = (trace.escalation[t as usize], trace.mediation[t as usize]);
            // Pool changes (edge case 5), on every day the pool in force
            // changes.
            if t > 0 && law.pool != pool {
                pool = law.pool;
                let reached = pool.is_some_and(|p| returned >= p);
                match phase {
                    Phase::Completed if !reached => {
                        // Reactivated with a = 0; g is kept.
                        change(events, &mut phase, Phase::Active, t);
                        completed_since = None;
                        activated = Some((t, false));
                    }
                    Phase::Pending | Phase::Active | Phase::Suspended if reached => {
                        change(events, &mut phase, Phase::Completed, t);
                        completed_since = Some(t);
                    }
                    _ => {}
                }
            }
            // A forced phase (edge case 3).
            if let Some(forced) = self.forced_phase[t as usize]
                && !matches!(phase, Phase::Completed | Phase::Collapsed)
                && forced != phase
            {
                match forced {
                    Phase::Suspended if phase == Phase::Active => {
                        out.suspensions += 1;
                        out.first_suspension_day.get_or_insert(t);
                    }
                    Phase::Active => activated = Some((t, false)),
                    Phase::Collapsed => out.collapse_day = Some(t),
                    _ => {}
                }
                change(events, &mut phase, forced, t);
            }
            // One word from each event stream every day, used or not.
            let u_c = uniform(&mut streams.confirmation);
            let u_s = uniform(&mut streams.suspension);
            let u_x = uniform(&mut streams.rounds);
            let u_r = uniform(&mut streams.resumption);
            let u_k = uniform(&mut streams.collapse);
            match phase {
                Phase::Pending => {
                    if happens(u_c, law.confirmation.at(e, m)) {
                        change(events, &mut phase, Phase::Active, t);
                        activated = Some((t, true));
                    }
                }
                Phase::Active => {
                    if happens(u_s, law.suspension.at(e, m)) {
                        out.suspensions += 1;
                        out.first_suspension_day.get_or_insert(t);
                        change(events, &mut phase, Phase::Suspended, t);
                    } else if law.eligible(t, activated, last_round) {
                        let hx = if law.requires_mediator {
                            law.round_rate * m
                        } else {
                            law.round_rate
                        };
                        if happens(u_x, hx) {
                            let size = law.sizes.sample(e, &mut streams.sizes);
                            out.note_round_size(size);
                            returned = match pool {
                                Some(p) => returned.saturating_add(size).min(p),
                                None => returned.saturating_add(size),
                            };
                            out.rounds += 1;
                            events.push(TraceEvent::Round { day: t, returned });
                            last_round = Some(t);
                            if pool.is_some_and(|p| returned >= p) {
                                change(events, &mut phase, Phase::Completed, t);
                                completed_since = Some(t);
                            }
                        }
                    }
                }
                Phase::Suspended => {
                    // On a collapse day the collapse comes first.
                    if happens(u_k, law.collapse) {
                        out.collapse_day = Some(t);
                        change(events, &mut phase, Phase::Collapsed, t);
                    } else if happens(u_r, law.resumption.at(e, m)) {
                        change(events, &mut phase, Phase::Active, t);
                        activated = Some((t, true));
                    }
                }
                Phase::Completed | Phase::Collapsed => {}
            }
            match phase {
                Phase::Pending => out.days_pending += 1,
                Phase::Active => out.days_active += 1,
                Phase::Suspended => out.days_suspended += 1,
                Phase::Completed | Phase::Collapsed => {}
            }
            // The target counts as reached by the deadline when the process
            // is Completed at the end of the deadline day, under the pool
            // then in force; its day is the first of that Completed stretch.
            // Otherwise the first completion after the deadline counts.
            if t == self.deadline_day {
                out.returned_by_deadline = returned;
                out.rounds_by_deadline = out.rounds;
                out.target_day = completed_since;
            } else if t > self.deadline_day && out.target_day.is_none() {
                out.target_day = completed_since;
            }
        }
        out.returned_by_horizon = returned;
        out.final_phase = phase;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The comparison `happens` shortens.
    fn exact(u: f64, h: f64) -> bool {
        h > 0.0 && u < -(-h).exp_m1()
    }

    #[test]
    fn happens_decides_as_the_exact_comparison_everywhere() {
        // Hazards over every scale the model meets (1e-300 to 1e3 per day,
        // and the edges 0, NaN and infinity), each with uniform draws, draws
        // a few units in the last place either side of the exact `p`, and
        // draws next to each bound of the shortcut.
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(12);
        let mut hazards = vec![0.0, -1.0, f64::NAN, f64::INFINITY, f64::MIN_POSITIVE];
        for _ in 0..200_000 {
            let exponent = -300.0 + 303.0 * uniform(&mut rng);
            hazards.push(10f64.powf(exponent));
        }
        let mut checked = 0u64;
        for &h in &hazards {
            let p = -(-h).exp_m1();
            let mut draws = vec![uniform(&mut rng), p, h, h - 0.5 * h * h];
            for anchor in [p, h, h - 0.5 * h * h] {
                for k in 1..=4u64 {
                    if anchor.is_finite() && anchor > 0.0 {
                        draws.push(f64::from_bits(anchor.to_bits() + k));
                        draws.push(f64::from_bits(anchor.to_bits() - k));
                    }
                }
            }
            for u in draws {
                if (0.0..1.0).contains(&u) {
                    assert_eq!(happens(u, h), exact(u, h), "u = {u:e}, h = {h:e}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 2_000_000, "{checked}");
    }
}
