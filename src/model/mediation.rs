//! Mediation: how much brokering the parties can count on each day
//! (`docs/model.md`, 3.2).
//!
//! Rounds, confirmation, suspension and resumption all depend on mediation
//! strength `M_t`, and mediation depends on escalation alone. So, once
//! escalation is known, the channels and common outages are drawn as whole
//! paths before the exchange, each channel from a stream keyed by its
//! mediator's name: a configuration that adds or drops a mediator leaves the
//! other channels' paths as they were, which is what makes paired
//! comparisons of mediator configurations precise.

use super::ParameterError;
use super::TrialTrace;
use super::sampling::{Geometric, Thinned};
use crate::scenario::Combine;
use rand::Rng;

/// The law of one mediator's channel: how readily it shuts, and for how
/// long.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChannelLaw {
    /// `lambda_i`: closing hazard per day at escalation 0.
    lambda: f64,
    /// `kappa_i`: log hazard ratio of closing per unit of escalation.
    kappa: f64,
    /// Closed days, minus one, of each outage (daily re-opening q = 1/o).
    reopening: Geometric,
}

impl ChannelLaw {
    /// A channel open on a share `availability` of days at escalation 0,
    /// whose outages last `mean_outage_days` on average, and whose closing
    /// hazard is multiplied by `exp(escalation_sensitivity)` per unit of
    /// escalation. `lambda` solves `q / (q + p0) = availability` with `q =
    /// 1 / mean_outage_days` and `p0 = 1 - exp(-lambda)`, which needs
    /// `availability > 1 / (mean_outage_days + 1)`.
    pub(super) fn new(
        availability: f64,
        mean_outage_days: f64,
        escalation_sensitivity: f64,
    ) -> Result<ChannelLaw, ParameterError> {
        ParameterError::require(
            mean_outage_days.is_finite() && mean_outage_days >= 1.0,
            "mean_outage_days",
            mean_outage_days,
            "a finite number of days from 1 up",
        )?;
        ParameterError::require(
            availability > 0.0 && availability <= 1.0,
            "availability",
            availability,
            "a share of days above 0 and at most 1",
        )?;
        ParameterError::require(
            availability > 1.0 / (mean_outage_days + 1.0),
            "availability",
            availability,
            "above 1 / (mean_outage_days + 1): a channel is open at least that share of days",
        )?;
        ParameterError::require(
            escalation_sensitivity.is_finite() && escalation_sensitivity >= 0.0,
            "escalation_sensitivity",
            escalation_sensitivity,
            "a finite log hazard ratio from 0 up",
        )?;
        let q = 1.0 / mean_outage_days;
        // Stationary open share at E = 0 is q / (q + p0); solve for p0.
        let p0 = q * (1.0 - availability) / availability;
        Ok(ChannelLaw {
            lambda: -(-p0).ln_1p(),
            kappa: escalation_sensitivity,
            reopening: Geometric::new(q)?,
        })
    }

    /// Closing hazard per day at escalation `e`, `lambda * exp(kappa * e)`.
    #[inline]
    fn closing_hazard(&self, e: f64) -> f64 {
        if self.kappa == 0.0 || e == 0.0 {
            self.lambda
        } else {
            self.lambda * (self.kappa * e).exp()
        }
    }

    /// A bound of the closing hazard on a path whose escalation is at most
    /// `e_max` (`kappa` is not negative). With lambda = 0 the channel never
    /// closes, and the bound is 0 rather than `0 * exp(kappa * e_max)`,
    /// which is NaN when the exponential overflows.
    #[inline]
    fn closing_bound(&self, e_max: f64) -> f64 {
        if self.lambda == 0.0 {
            0.0
        } else {
            self.lambda * (self.kappa * e_max).exp()
        }
    }

    /// Open days of the channel over the horizon of `escalation`, as
    /// half-open intervals in day order. An open channel closes on day t
    /// with probability `1 - exp(-closing_hazard(E_t))`, drawn by thinning
    /// against the trial's largest escalation `e_max`; a closed one stays
    /// closed for a geometric number of days (1, 2, ...) with mean
    /// `mean_outage_days`.
    pub(super) fn open_days<R: Rng>(
        &self,
        open_on_day_0: bool,
        escalation: &[f64],
        e_max: f64,
        rng: &mut R,
        open: &mut Vec<(u32, u32)>,
    ) {
        let h = escalation.len() as u32;
        let hazard = |d: u32| self.closing_hazard(escalation[d as usize]);
        let closing = Thinned::new(self.closing_bound(e_max))
            .expect("a closing hazard of checked parameters is never negative or NaN");
        let mut t = if open_on_day_0 {
            0
        } else {
            // Closed on day 0: re-opening is drawn from day 0's draw on.
            (1 + self.reopening.sample(rng)).min(u64::from(h)) as u32
        };
        while t < h {
            let closed_on = closing.first_event(t, h, hazard, rng);
            let Some(c) = closed_on else {
                open.push((t, h));
                break;
            };
            open.push((t, c + 1));
            let closed_days = 1 + self.reopening.sample(rng);
            t = (u64::from(c) + 1)
                .saturating_add(closed_days)
                .min(u64::from(h)) as u32;
        }
    }
}

/// One mediator: its channel, what the channel adds to mediation strength
/// when open, and whether it is open on day 0.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mediator {
    channel: ChannelLaw,
    /// `w_i`, in [0, 1].
    effectiveness: f64,
    initially_open: bool,
}

impl Mediator {
    /// A mediator whose channel follows `channel`, with `effectiveness` in
    /// [0, 1].
    pub(super) fn new(
        channel: ChannelLaw,
        effectiveness: f64,
        initially_open: bool,
    ) -> Result<Mediator, ParameterError> {
        ParameterError::require(
            (0.0..=1.0).contains(&effectiveness),
            "effectiveness",
            effectiveness,
            "a number from 0 to 1",
        )?;
        Ok(Mediator {
            channel,
            effectiveness,
            initially_open,
        })
    }
}

/// Common outages: political freezes that shut every channel at once.
#[derive(Debug, Clone, Copy)]
pub(super) struct CommonOutage {
    /// Outage-free days on whose draw no outage starts, before one does.
    start_wait: Geometric,
    /// Days of an outage, minus one.
    length: Geometric,
}

impl CommonOutage {
    /// Outages that start on a day without one with probability
    /// `daily_probability` and last a geometric number of days with mean
    /// `mean_days`.
    pub(super) fn new(
        daily_probability: f64,
        mean_days: f64,
    ) -> Result<CommonOutage, ParameterError> {
        let start_wait =
            Geometric::new(daily_probability).map_err(|e| e.named("daily_probability"))?;
        ParameterError::require(
            mean_days.is_finite() && mean_days >= 1.0,
            "mean_days",
            mean_days,
            "a finite number of days from 1 up",
        )?;
        Ok(CommonOutage {
            start_wait,
            length: Geometric::new(1.0 / mean_days)?,
        })
    }

    /// The days of `0 .. horizon` on which an outage is in force, as
    /// half-open intervals in day order. A start drawn on day t puts it in
    /// force from t+1; its length is geometric on 1, 2, ...
    fn days_in_force<R: Rng>(&self, horizon: u32, rng: &mut R, out: &mut Vec<(u32, u32)>) {
        let h = u64::from(horizon);
        // Day whose draw starts the next outage.
        let mut start_draw = self.start_wait.sample(rng);
        while start_draw.saturating_add(1) < h {
            let first = start_draw + 1;
            let length = 1 + self.length.sample(rng);
            let end = first.saturating_add(length).min(h);
            out.push((first as u32, end as u32));
            // No start is drawn on a day the outage is in force.
            start_draw = end.saturating_add(self.start_wait.sample(rng));
        }
    }
}

/// A change in what shapes `M_t`, from a given day on. The order of the
/// variants is the order in which changes on the same day apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Change {
    OutageEnds,
    Closes(u32),
    Opens(u32),
    OutageStarts,
}

/// Most mediators for which `M` of every set of open channels is tabulated
/// (4,096 entries, 32 KiB); with more, `M` is computed day by day.
const STRENGTH_TABLE_MEDIATORS: usize = 12;

/// The mediators, the common outage, and the rule that combines open
/// channels into mediation strength `M`.
#[derive(Debug, Clone)]
pub(super) struct Mediation {
    mediators: Vec<Mediator>,
    common_outage: CommonOutage,
    combine: Combine,
    /// `M` for every set of open channels (bit i = mediator i), when there
    /// are at most [`STRENGTH_TABLE_MEDIATORS`] mediators; empty otherwise.
    strength_table: Vec<f64>,
}

impl Mediation {
    /// Mediation by `mediators` (at most 32: a set of open channels is a
    /// 32-bit mask), combined by `combine`, all shut by `common_outage`.
    pub(super) fn new(
        mediators: Vec<Mediator>,
        common_outage: CommonOutage,
        combine: Combine,
    ) -> Result<Mediation, ParameterError> {
        ParameterError::require(
            mediators.len() <= u32::BITS as usize,
            "mediators",
            mediators.len() as f64,
            "at most 32 mediators",
        )?;
        let mut mediation = Mediation {
            mediators,
            common_outage,
            combine,
            strength_table: Vec::new(),
        };
        let n = mediation.mediators.len();
        if n <= STRENGTH_TABLE_MEDIATORS {
            mediation.strength_table = (0..1u32 << n)
                .map(|mask| mediation.combine_channels(mask))
                .collect();
        }
        Ok(mediation)
    }

    /// Number of mediators.
    #[inline]
    pub(super) fn count(&self) -> usize {
        self.mediators.len()
    }

    /// Mediation strength of a set of open channels (bit i = mediator i):
    /// `1 - prod (1 - w_i)` under `noisy_or`, `max w_i` under `max`.
    pub(super) fn combine_channels(&self, mask: u32) -> f64 {
        let open = self
            .mediators
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| m.effectiveness);
        match self.combine {
            Combine::NoisyOr => 1.0 - open.fold(1.0, |acc, w| acc * (1.0 - w)),
            Combine::Max => open.fold(0.0, f64::max),
        }
    }

    /// Draws the common outages (from `outage_rng`), each mediator's open
    /// days (from its stream in `channel_rngs`) and `M_t` into `trace`,
    /// given the escalation path already in it and its largest value
    /// `e_max`. Returns the smallest and largest `M_t`.
    pub(super) fn sample_path<R: Rng>(
        &self,
        outage_rng: &mut R,
        channel_rngs: &mut [R],
        e_max: f64,
        trace: &mut TrialTrace,
    ) -> (f64, f64) {
        debug_assert_eq!(channel_rngs.len(), self.mediators.len());
        let horizon = trace.escalation.len() as u32;
        self.common_outage
            .days_in_force(horizon, outage_rng, &mut trace.common_outage);
        for ((m, rng), open) in self
            .mediators
            .iter()
            .zip(channel_rngs.iter_mut())
            .zip(trace.channel_open.iter_mut())
        {
            m.channel
                .open_days(m.initially_open, &trace.escalation, e_max, rng, open);
        }
        self.strength_path(trace)
    }

    /// `M_t` from the open channels and the common outage; returns the
    /// smallest and largest value of the path. `M` is constant between
    /// changes of the open set, so it is filled segment by segment.
    fn strength_path(&self, trace: &mut TrialTrace) -> (f64, f64) {
        let changes = &mut trace.changes;
        changes.clear();
        for &(a, b) in &trace.common_outage {
            changes.push((a, Change::OutageStarts));
            changes.push((b, Change::OutageEnds));
        }
        for (i, open) in trace.channel_open.iter().enumerate() {
            let bit = 1u32 << i;
            for &(a, b) in open {
                changes.push((a, Change::Opens(bit)));
                changes.push((b, Change::Closes(bit)));
            }
        }
        changes.sort_unstable();
        let h = trace.mediation.len() as u32;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut mask, mut outage) = (0u32, false);
        let mut from = 0u32;
        let mut k = 0;
        while from < h {
            while k < changes.len() && changes[k].0 <= from {
                match changes[k].1 {
                    Change::OutageStarts => outage = true,
                    Change::OutageEnds => outage = false,
                    Change::Opens(bit) => mask |= bit,
                    Change::Closes(bit) => mask &= !bit,
                }
                k += 1;
            }
            let until = changes.get(k).map_or(h, |c| c.0.min(h));
            let m = if outage {
                0.0
            } else if self.strength_table.is_empty() {
                self.combine_channels(mask)
            } else {
                self.strength_table[mask as usize]
            };
            trace.mediation[from as usize..until as usize].fill(m);
            lo = if m < lo { m } else { lo };
            hi = if m > hi { m } else { hi };
            from = until;
        }
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::scenario::{Scenario, ScenarioSource};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    fn scenario() -> Scenario {
        ScenarioSource::builtin().parse().unwrap()
    }

    /// Open intervals of `trials` channels over `horizon` days of constant
    /// escalation `e`, each starting open with probability `open_share` so
    /// that a channel in its stationary state starts as it would continue.
    fn channels(
        law: &ChannelLaw,
        e: f64,
        open_share: f64,
        horizon: usize,
        trials: usize,
    ) -> Vec<Vec<(u32, u32)>> {
        let escalation = vec![e; horizon];
        let mut rng = rng(1);
        (0..trials)
            .map(|_| {
                let open_on_day_0 = rand::RngExt::random::<f64>(&mut rng) < open_share;
                let mut open = Vec::new();
                law.open_days(open_on_day_0, &escalation, e, &mut rng, &mut open);
                open
            })
            .collect()
    }

    #[test]
    fn lambda_makes_the_open_share_at_zero_escalation_equal_availability() {
        let s = scenario();
        let model = Model::new(&s);
        for (m, raw) in model
            .mediation
            .mediators
            .iter()
            .zip(&s.mediation().mediators)
        {
            let p0 = 1.0 - (-m.channel.lambda).exp();
            let q = 1.0 / raw.mean_outage_days;
            let share = q / (q + p0);
            assert!((share - raw.availability).abs() < 1e-12, "{share}");
        }
    }

    #[test]
    fn lambda_and_q_give_the_worked_example_of_docs_model() {
        // docs/model.md 3.2: Turkey, A = 0.8, o = 21, kappa = 0.5, gives
        // p0 = 0.0119, lambda = 0.0120, and a daily closing probability of
        // 0.0196 at E = 1 (all to 4 decimals).
        let law = ChannelLaw::new(0.8, 21.0, 0.5).unwrap();
        let p0 = 1.0 - (-law.lambda).exp();
        let closing_at_1 = 1.0 - (-law.closing_hazard(1.0)).exp();
        assert!((p0 - 0.0119).abs() < 5e-5, "{p0}");
        assert!((law.lambda - 0.0120).abs() < 5e-5, "{}", law.lambda);
        assert!((closing_at_1 - 0.0196).abs() < 5e-5, "{closing_at_1}");
    }

    #[test]
    fn a_channels_long_run_open_share_at_zero_escalation_equals_availability() {
        let (a, o) = (0.8, 21.0);
        let law = ChannelLaw::new(a, o, 0.5).unwrap();
        let (horizon, trials) = (3650, 1000);
        let open_days: u64 = channels(&law, 0.0, a, horizon, trials)
            .iter()
            .flatten()
            .map(|&(from, end)| u64::from(end - from))
            .sum();
        let n = (horizon * trials) as f64;
        let share = open_days as f64 / n;
        // A two-state chain with daily switching probabilities p0 and q has
        // lag-k correlation r^k, r = 1 - p0 - q, so a share over n days has
        // variance A (1 - A) (1 + r) / (1 - r) / n: a standard error of
        // 0.0012 here, and 4 of them are allowed.
        let q = 1.0 / o;
        let r = 1.0 - q - q * (1.0 - a) / a;
        let se = (a * (1.0 - a) * (1.0 + r) / (1.0 - r) / n).sqrt();
        assert!((share - a).abs() < 4.0 * se, "open share {share}");
    }

    #[test]
    fn an_open_channel_closes_and_a_closed_one_reopens_with_the_stated_probabilities() {
        // At a constant E = 1 each open day is a Bernoulli trial for closing
        // with p = 1 - exp(-lambda exp(kappa)); each closed day one for
        // re-opening with q = 1 / o. The last day's draw is not seen, so
        // only days 0 .. h-2 count.
        let (a, o, kappa) = (0.8, 21.0, 0.5);
        let law = ChannelLaw::new(a, o, kappa).unwrap();
        let (horizon, trials) = (3650u32, 1000);
        let last = horizon - 1;
        let (mut open_days, mut closings, mut closed_days, mut reopenings) =
            (0u64, 0u64, 0u64, 0u64);
        for open in channels(&law, 1.0, 1.0, horizon as usize, trials) {
            for (k, &(from, end)) in open.iter().enumerate() {
                open_days += u64::from(end.min(last) - from);
                if end < horizon {
                    closings += 1;
                    let next = open.get(k + 1).map_or(horizon, |n| n.0);
                    closed_days += u64::from(next.min(last) - end);
                    reopenings += u64::from(next < horizon);
                }
            }
        }
        let p = 1.0 - (-law.lambda * kappa.exp()).exp();
        let q = 1.0 / o;
        // Binomial standard errors sqrt(p (1 - p) / n): 8.6e-5 and 2.1e-4
        // here; 4 of each are allowed.
        let p_hat = closings as f64 / open_days as f64;
        let se = (p * (1.0 - p) / open_days as f64).sqrt();
        assert!(
            (p_hat - p).abs() < 4.0 * se,
            "closing {p_hat}, expected {p}"
        );
        let q_hat = reopenings as f64 / closed_days as f64;
        let se = (q * (1.0 - q) / closed_days as f64).sqrt();
        assert!(
            (q_hat - q).abs() < 4.0 * se,
            "re-opening {q_hat}, expected {q}"
        );
    }

    #[test]
    fn a_common_outage_starts_the_day_after_its_draw_and_lasts_a_geometric_time() {
        let (p, mean_days) = (0.01, 5.0);
        let outage = CommonOutage::new(p, mean_days).unwrap();
        let (horizon, trials) = (3650u32, 2000);
        let last = horizon - 1;
        let mut rng = rng(2);
        let (mut free_days, mut starts) = (0u64, 0u64);
        let mut lengths = Vec::new();
        for _ in 0..trials {
            let mut days = Vec::new();
            outage.days_in_force(horizon, &mut rng, &mut days);
            // Day 0 never starts in an outage, and two outages are apart by
            // at least one free day, on whose draw the next one starts.
            let mut free_from = 0;
            for &(first, end) in &days {
                assert!(first > free_from, "{days:?}");
                free_days += u64::from(first - free_from);
                starts += 1;
                // The horizon cuts an outage that starts 200 days before
                // its end with probability (1 - 1/mean_days)^200, 4e-20.
                if first + 200 <= horizon {
                    lengths.push(f64::from(end - first));
                }
                free_from = end;
            }
            free_days += u64::from(last.saturating_sub(free_from));
        }
        // Each free day but the last is a Bernoulli trial for a start:
        // standard error sqrt(p (1 - p) / n) = 3.8e-5 here, 4 allowed.
        let p_hat = starts as f64 / free_days as f64;
        let se = (p * (1.0 - p) / free_days as f64).sqrt();
        assert!((p_hat - p).abs() < 4.0 * se, "start probability {p_hat}");
        // Lengths are geometric on 1, 2, ... with q = 1 / mean_days: sd
        // sqrt(1 - q) / q = 4.47, about 66,000 outages, so a standard error
        // of 0.017; 4 allowed.
        let n = lengths.len() as f64;
        let mean = lengths.iter().sum::<f64>() / n;
        let q = 1.0 / mean_days;
        let se = (1.0 - q).sqrt() / q / n.sqrt();
        assert!((mean - mean_days).abs() < 4.0 * se, "mean length {mean}");
    }

    #[test]
    fn noisy_or_and_max_combine_open_channels() {
        let s = scenario();
        let model = Model::new(&s);
        // Turkey 0.6, UAE 0.8.
        assert!((model.combine_channels(0b11) - (1.0 - 0.4 * 0.2)).abs() < 1e-12);
        assert_eq!(model.combine_channels(0), 0.0);
        let s = s.rebuilt(|r| r.mediation.combine = Combine::Max).unwrap();
        let model = Model::new(&s);
        assert_eq!(model.combine_channels(0b11), 0.8);
        assert_eq!(model.combine_channels(0b01), 0.6);
    }

    #[test]
    fn a_common_outage_sets_mediation_strength_to_zero() {
        let law = ChannelLaw::new(0.8, 21.0, 0.5).unwrap();
        let never = CommonOutage::new(0.0, 1.0).unwrap();
        // With 2 mediators M comes from a table, with 13 it is computed.
        for n in [2, 13] {
            let mediators = (0..n)
                .map(|i| Mediator::new(law, if i == 0 { 0.6 } else { 0.8 }, true).unwrap())
                .collect();
            let mediation = Mediation::new(mediators, never, Combine::NoisyOr).unwrap();
            assert_eq!(
                mediation.strength_table.is_empty(),
                n > STRENGTH_TABLE_MEDIATORS
            );
            let mut trace = TrialTrace::default();
            trace.start(10, n);
            // Mediator 0 open on days 0-9, mediator 1 on days 5-9, the
            // others never; an outage on days 3-5.
            trace.channel_open[0].push((0, 10));
            trace.channel_open[1].push((5, 10));
            trace.common_outage.push((3, 6));
            let bounds = mediation.strength_path(&mut trace);
            let both = 1.0 - 0.4 * 0.2;
            let expected = [0.6, 0.6, 0.6, 0.0, 0.0, 0.0, both, both, both, both];
            for (m, x) in trace.mediation.iter().zip(expected) {
                assert!(
                    (m - x).abs() < 1e-12,
                    "{n} mediators: {:?}",
                    trace.mediation
                );
            }
            assert_eq!(bounds, (0.0, trace.mediation[9]));
        }
    }

    #[test]
    fn new_refuses_what_the_laws_do_not_allow_and_names_the_parameter() {
        let refused = |r: Result<ChannelLaw, ParameterError>| r.unwrap_err().parameter;
        assert_eq!(refused(ChannelLaw::new(0.0, 21.0, 0.5)), "availability");
        assert_eq!(refused(ChannelLaw::new(1.5, 21.0, 0.5)), "availability");
        assert_eq!(
            refused(ChannelLaw::new(f64::NAN, 21.0, 0.5)),
            "availability"
        );
        // 1 / (1 + 1) = 0.5 is the least share a channel can have.
        assert_eq!(refused(ChannelLaw::new(0.5, 1.0, 0.5)), "availability");
        assert!(ChannelLaw::new(0.51, 1.0, 0.5).is_ok());
        assert_eq!(refused(ChannelLaw::new(0.8, 0.5, 0.5)), "mean_outage_days");
        assert_eq!(
            refused(ChannelLaw::new(0.8, 21.0, -0.1)),
            "escalation_sensitivity"
        );
        assert_eq!(
            refused(ChannelLaw::new(0.8, 21.0, f64::INFINITY)),
            "escalation_sensitivity"
        );

        let law = ChannelLaw::new(0.8, 21.0, 0.5).unwrap();
        assert_eq!(
            Mediator::new(law, 1.2, true).unwrap_err().parameter,
            "effectiveness"
        );

        let refused = |r: Result<CommonOutage, ParameterError>| r.unwrap_err().parameter;
        assert_eq!(refused(CommonOutage::new(-0.1, 5.0)), "daily_probability");
        assert_eq!(refused(CommonOutage::new(0.1, 0.9)), "mean_days");

        let outage = CommonOutage::new(0.0, 1.0).unwrap();
        let mediator = Mediator::new(law, 0.5, true).unwrap();
        let too_many = Mediation::new(vec![mediator; 33], outage, Combine::Max);
        assert_eq!(too_many.unwrap_err().parameter, "mediators");
        assert!(Mediation::new(vec![mediator; 32], outage, Combine::Max).is_ok());
    }
}
