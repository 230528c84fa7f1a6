//! Escalation: how intense the war is on each day of a trial
//! (`docs/model.md`, 3.1).
//!
//! Escalation drives every other component (channels shut, the exchange is
//! suspended and resumes according to it) and depends on none of them. So
//! it is drawn first, as a whole path over the horizon from a stream of its
//! own, which the other components then read; and a trial has the same
//! escalation whatever mediators a configuration has. Its regimes and
//! shocks are separate laws so that each can be held to the specification
//! on its own.

use super::ParameterError;
use super::sampling::{Geometric, min_max};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// One escalation regime: its intensity, and how and where it is left.
#[derive(Debug, Clone)]
pub(super) struct Regime {
    /// Escalation while in the regime (escalation units).
    intensity: f64,
    /// Days spent in the regime, minus one, on each visit; `None` for a
    /// regime that is never left.
    dwell: Option<Geometric>,
    /// (regime index, cumulative probability) of the regimes entered on
    /// exit.
    next: Vec<(usize, f64)>,
}

impl Regime {
    /// A regime of `intensity` (escalation units), left on each day with
    /// probability `1 / mean_duration_days` for the regimes in `next`
    /// (regime index, weight) in proportion to their weights. Without a mean
    /// duration the regime is never left, and no weight may be positive.
    pub(super) fn new(
        intensity: f64,
        mean_duration_days: Option<f64>,
        next: &[(usize, f64)],
    ) -> Result<Regime, ParameterError> {
        ParameterError::require(
            intensity.is_finite(),
            "intensity",
            intensity,
            "a finite number of escalation units",
        )?;
        for &(_, w) in next {
            ParameterError::require(
                w.is_finite() && w >= 0.0,
                "next",
                w,
                "a weight, a finite number from 0 up",
            )?;
        }
        let total: f64 = next.iter().map(|(_, w)| w).sum();
        let mut acc = 0.0;
        let next: Vec<(usize, f64)> = next
            .iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|&(i, w)| {
                acc += w / total;
                (i, acc)
            })
            .collect();
        let dwell = match mean_duration_days {
            Some(d) => {
                ParameterError::require(
                    d.is_finite() && d >= 1.0,
                    "mean_duration_days",
                    d,
                    "a number of days from 1 up, so that the daily exit probability 1/d is at most 1",
                )?;
                ParameterError::require(
                    !next.is_empty(),
                    "next",
                    total,
                    "a regime that is left needs a successor of positive weight",
                )?;
                Some(Geometric::new(1.0 / d)?)
            }
            None => {
                ParameterError::require(
                    next.is_empty(),
                    "mean_duration_days",
                    f64::NAN,
                    "missing: a regime with successors needs a mean duration",
                )?;
                None
            }
        };
        Ok(Regime {
            intensity,
            dwell,
            next,
        })
    }

    /// The day on whose draw the regime, entered on day `entry`, is left:
    /// the dwell is geometric on 1, 2, ... with mean `mean_duration_days`.
    /// `u64::MAX` for a regime that is never left.
    fn exit_day<R: Rng>(&self, entry: u64, rng: &mut R) -> u64 {
        match &self.dwell {
            Some(g) => entry.saturating_add(g.sample(rng)),
            None => u64::MAX,
        }
    }

    /// The regime entered on leaving this one.
    fn pick_next<R: Rng>(&self, rng: &mut R) -> usize {
        let u: f64 = rand::RngExt::random(rng);
        self.next
            .iter()
            .find(|(_, cum)| u < *cum)
            .or(self.next.last())
            .map(|(i, _)| *i)
            .expect("a regime with a dwell law has successors")
    }
}

/// Shocks (strikes, incidents): one arrives on a day with a constant
/// probability and adds an exponential amount to the shock level, which
/// halves every half-life.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shocks {
    /// Days between shocks, minus one.
    wait: Geometric,
    /// Mean size of one shock (escalation units).
    mean_size: f64,
    /// Days for the shock level to halve.
    half_life_days: f64,
}

impl Shocks {
    /// Shocks on a day with probability `daily_probability`, of mean size
    /// `mean_size` (escalation units), halving every `half_life_days`.
    pub(super) fn new(
        daily_probability: f64,
        mean_size: f64,
        half_life_days: f64,
    ) -> Result<Shocks, ParameterError> {
        let wait = Geometric::new(daily_probability).map_err(|e| e.named("daily_probability"))?;
        ParameterError::require(
            mean_size.is_finite() && mean_size >= 0.0,
            "mean_size",
            mean_size,
            "a finite number of escalation units from 0 up",
        )?;
        ParameterError::require(
            half_life_days.is_finite() && half_life_days > 0.0,
            "half_life_days",
            half_life_days,
            "a finite number of days above 0",
        )?;
        Ok(Shocks {
            wait,
            mean_size,
            half_life_days,
        })
    }

    /// Share of a shock level left after `days` days, `2^(-days /
    /// half_life)`.
    fn decay(&self, days: u32) -> f64 {
        (-f64::from(days) / self.half_life_days).exp2()
    }

    /// Days until the next shock, minus one.
    fn wait<R: Rng>(&self, rng: &mut R) -> u64 {
        self.wait.sample(rng)
    }

    /// The size of one shock: exponential with mean `mean_size`.
    fn size<R: Rng>(&self, rng: &mut R) -> f64 {
        let jump: f64 = Exp1.sample(rng);
        self.mean_size * jump
    }
}

/// The law of the escalation path over a horizon: a chain of regimes,
/// shocks, and a seasonal offset for each day.
#[derive(Debug, Clone)]
pub(super) struct Escalation {
    regimes: Vec<Regime>,
    initial_regime: usize,
    shocks: Shocks,
    /// Seasonal offset of each day of the horizon (escalation units).
    seasonal_by_day: Vec<f64>,
    /// Decay of the shock level after k days, for k from 0 to the horizon.
    decay_powers: Vec<f64>,
    /// The given path, where one covers or joins a day of the horizon.
    given: Option<Given>,
}

/// A given escalation path laid onto the horizon (`MODEL.md`, "Given
/// escalation path"): the covered days inside it and the junction after
/// them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Given {
    /// First covered day inside the horizon (the days before it are
    /// simulated as usual).
    first: u32,
    /// `E_t` of the covered days inside the horizon, from `first` on.
    levels: Vec<f64>,
    /// Day `L + 1` after the last covered day `L`, the last level and the
    /// regime entered, when `L + 1` lies in the horizon.
    junction: Option<(u32, f64, usize)>,
}

impl Given {
    /// The path whose first covered day is `first_day` (negative: before
    /// the start), continuing in regime `continues_in`, over `horizon` days;
    /// `None` when it neither covers nor joins a day of the horizon
    /// (edge case 6: a path that ends two or more days before the start is
    /// ignored).
    pub(super) fn new(
        first_day: i64,
        levels: &[f64],
        continues_in: usize,
        horizon: u32,
    ) -> Option<Given> {
        let h = i64::from(horizon);
        let last_day = first_day + levels.len() as i64 - 1;
        // Covered days inside the horizon: `first .. end`.
        let first = first_day.clamp(0, h);
        let end = (last_day + 1).clamp(0, h);
        let inside = if end > first {
            levels[(first - first_day) as usize..(end - first_day) as usize].to_vec()
        } else {
            Vec::new()
        };
        let junction_day = last_day + 1;
        let junction = (0..h)
            .contains(&junction_day)
            .then(|| (junction_day as u32, levels[levels.len() - 1], continues_in));
        (!inside.is_empty() || junction.is_some()).then_some(Given {
            first: first as u32,
            levels: inside,
            junction,
        })
    }
}

impl Escalation {
    /// Escalation over `seasonal_by_day.len()` days, starting in regime
    /// `initial_regime` (an index into `regimes`) with no shock.
    pub(super) fn new(
        regimes: Vec<Regime>,
        initial_regime: usize,
        shocks: Shocks,
        seasonal_by_day: Vec<f64>,
    ) -> Result<Escalation, ParameterError> {
        ParameterError::require(
            initial_regime < regimes.len(),
            "initial_regime",
            initial_regime as f64,
            "the index of a regime",
        )?;
        for (i, r) in regimes.iter().enumerate() {
            for &(j, _) in &r.next {
                ParameterError::require(
                    j < regimes.len() && j != i,
                    "next",
                    j as f64,
                    "the index of another regime",
                )?;
            }
        }
        for &offset in &seasonal_by_day {
            ParameterError::require(
                offset.is_finite(),
                "seasonal_by_day",
                offset,
                "a finite number of escalation units",
            )?;
        }
        let horizon = seasonal_by_day.len() as u32;
        let decay_powers = (0..=horizon).map(|k| shocks.decay(k)).collect();
        Ok(Escalation {
            regimes,
            initial_regime,
            shocks,
            seasonal_by_day,
            decay_powers,
            given: None,
        })
    }

    /// The same law with days given by a path: `E_t` is the path's level on
    /// a covered day, and after the last covered day `L` the chain is in
    /// the path's continuing regime with a fresh dwell and the shock level
    /// `max(0, level_L - intensity - seasonal)` (`MODEL.md`, "Given
    /// escalation path"). Dwell and shock waiting times are geometric, so
    /// drawing them afresh at the junction gives the law of the day-by-day
    /// model; a trial's draws differ from that model's, not its
    /// distribution.
    pub(super) fn with_given(self, given: Option<Given>) -> Result<Escalation, ParameterError> {
        if let Some(g) = &given {
            let junction_level = g.junction.map(|(_, level, _)| level);
            for level in g.levels.iter().copied().chain(junction_level) {
                ParameterError::require(
                    level.is_finite() && level >= 0.0,
                    "path",
                    level,
                    "a finite level of escalation from 0 up",
                )?;
            }
            if let Some((day, _, regime)) = g.junction {
                ParameterError::require(
                    regime < self.regimes.len(),
                    "path_continues_in",
                    regime as f64,
                    "the index of a regime",
                )?;
                debug_assert!(day as usize <= self.seasonal_by_day.len());
            }
            debug_assert!(g.first as usize + g.levels.len() <= self.seasonal_by_day.len());
        }
        Ok(Escalation { given, ..self })
    }

    /// Draws `E_t` for every day of the horizon into `out` (regime
    /// intensity plus shock level plus seasonal offset, floored at 0) and
    /// returns the smallest and largest value.
    pub(super) fn sample_path<R: Rng>(&self, rng: &mut R, out: &mut [f64]) -> (f64, f64) {
        debug_assert_eq!(out.len(), self.seasonal_by_day.len());
        let h = out.len() as u32;
        let Some(g) = &self.given else {
            self.simulate(0, h, self.initial_regime, 0.0, rng, out);
            return min_max(out);
        };
        let covered_end = g.first + g.levels.len() as u32;
        // Days before the path (none when it starts on or before day 0).
        let before = if g.levels.is_empty() { 0 } else { g.first };
        self.simulate(0, before, self.initial_regime, 0.0, rng, out);
        out[g.first as usize..covered_end as usize].copy_from_slice(&g.levels);
        if let Some((day, level, regime)) = g.junction {
            let seasonal = self.seasonal_by_day[day as usize];
            let shock = (level - self.regimes[regime].intensity - seasonal).max(0.0);
            self.simulate(day, h, regime, shock, rng, out);
        }
        min_max(out)
    }

    /// Simulates days `from` to `to - 1` into `out`, starting in `regime`
    /// with a fresh dwell and shock level `shock` on day `from`; draws
    /// nothing when there is no such day.
    fn simulate<R: Rng>(
        &self,
        from: u32,
        to: u32,
        mut regime: usize,
        mut shock: f64,
        rng: &mut R,
        out: &mut [f64],
    ) {
        if from >= to {
            return;
        }
        let h = u64::from(to);
        let from = u64::from(from);
        // Day on whose end-of-day draw the current regime is left.
        let mut exit_day = self.regimes[regime].exit_day(from, rng);
        let mut next_shock = from.saturating_add(self.shocks.wait(rng));
        let mut t = from;
        while t < h {
            // Days up to the next draw that changes anything form a segment
            // in which only the shock decays, as `shock * 2^(-k/half_life)`
            // on its k-th day; with the powers tabulated, the days do not
            // depend on one another and the loop vectorises.
            let last = exit_day.min(next_shock).min(h - 1);
            let intensity = self.regimes[regime].intensity;
            let days = &mut out[t as usize..=last as usize];
            let seasonal = &self.seasonal_by_day[t as usize..=last as usize];
            for ((e, &offset), &decay) in days.iter_mut().zip(seasonal).zip(&self.decay_powers) {
                let v = intensity + shock * decay + offset;
                *e = if v > 0.0 { v } else { 0.0 };
            }
            shock *= self.decay_powers[days.len()];
            // Draws at the end of day `last`, for the next day.
            if last == exit_day {
                regime = self.regimes[regime].pick_next(rng);
                exit_day = self.regimes[regime].exit_day(last + 1, rng);
            }
            if last == next_shock {
                shock += self.shocks.size(rng);
                next_shock = (last + 1).saturating_add(self.shocks.wait(rng));
            }
            t = last + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    #[test]
    fn regime_dwell_times_are_geometric_with_the_stated_mean() {
        let d = 10.0;
        let regime = Regime::new(1.0, Some(d), &[(1, 1.0)]).unwrap();
        let mut rng = rng(1);
        let n = 100_000;
        // Entered on day 0 and left in the draw of day k: k + 1 days.
        let dwells: Vec<f64> = (0..n)
            .map(|_| regime.exit_day(0, &mut rng) as f64 + 1.0)
            .collect();
        let mean = dwells.iter().sum::<f64>() / n as f64;
        let share_of_one_day = dwells.iter().filter(|&&k| k == 1.0).count() as f64 / n as f64;
        // Geometric on 1, 2, ... with p = 1/d: sd sqrt(1 - p) / p = 9.49, so
        // 4 standard errors are 4 * 9.49 / sqrt(n) = 0.12.
        let p = 1.0 / d;
        let se = (1.0 - p).sqrt() / p / (n as f64).sqrt();
        assert!((mean - d).abs() < 4.0 * se, "mean dwell {mean}");
        // P(dwell = 1) = p; 4 standard errors sqrt(p (1 - p) / n) = 0.0038.
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (share_of_one_day - p).abs() < 4.0 * se,
            "{share_of_one_day}"
        );
    }

    #[test]
    fn the_next_regime_is_drawn_in_proportion_to_the_weights() {
        let regime = Regime::new(0.0, Some(3.0), &[(1, 1.0), (2, 0.0), (3, 3.0)]).unwrap();
        let mut rng = rng(2);
        let n = 100_000;
        let mut counts = [0usize; 4];
        for _ in 0..n {
            counts[regime.pick_next(&mut rng)] += 1;
        }
        assert_eq!(
            counts[0] + counts[2],
            0,
            "only positive weights are entered"
        );
        let share = counts[1] as f64 / n as f64;
        // P = 1/4; 4 standard errors sqrt(P (1 - P) / n) = 0.0055.
        let se = (0.25f64 * 0.75 / n as f64).sqrt();
        assert!((share - 0.25).abs() < 4.0 * se, "{share}");
    }

    #[test]
    fn a_regime_without_a_mean_duration_is_never_left() {
        let regime = Regime::new(2.0, None, &[]).unwrap();
        let mut a = rng(3);
        let untouched = a.clone();
        assert_eq!(regime.exit_day(5, &mut a), u64::MAX);
        assert_eq!(a, untouched, "no draw for a regime that is never left");
    }

    #[test]
    fn the_shock_level_halves_after_half_life_days() {
        let shocks = Shocks::new(0.02, 1.0, 7.0).unwrap();
        assert_eq!(shocks.decay(7), 0.5);
        assert_eq!(shocks.decay(14), 0.25);
        assert_eq!(shocks.decay(0), 1.0);
    }

    #[test]
    fn the_shock_level_has_the_stationary_mean_of_its_recursion() {
        // S_{t+1} = a S_t + J_t with a = 2^(-1/half_life) and E[J] = p mu
        // has the stationary mean p mu / (1 - a). At intensity 0 without
        // seasons, E is the shock level.
        let (p, mu, half_life) = (0.02, 1.0, 7.0);
        let shocks = Shocks::new(p, mu, half_life).unwrap();
        let (burn_in, days, trials) = (200, 4000, 500);
        let regimes = vec![Regime::new(0.0, None, &[]).unwrap()];
        let escalation = Escalation::new(regimes, 0, shocks, vec![0.0; burn_in + days]).unwrap();
        let mut rng = rng(4);
        let mut path = vec![0.0; burn_in + days];
        let mut total = 0.0;
        for _ in 0..trials {
            escalation.sample_path(&mut rng, &mut path);
            total += path[burn_in..].iter().sum::<f64>();
        }
        let n = (days * trials) as f64;
        let mean = total / n;
        let a = (-1.0 / half_life).exp2();
        let expected = p * mu / (1.0 - a);
        // Var(J) = p 2 mu^2 - (p mu)^2 and Var(S) = Var(J) / (1 - a^2);
        // days a lag k apart correlate as a^k, so a mean over n days has
        // variance Var(S) (1 + a) / (1 - a) / n: a standard error of 0.0015
        // here, and 4 of them are allowed.
        let var_s = (p * 2.0 * mu * mu - (p * mu).powi(2)) / (1.0 - a * a);
        let se = (var_s * (1.0 + a) / (1.0 - a) / n).sqrt();
        assert!(
            (mean - expected).abs() < 4.0 * se,
            "mean {mean}, expected {expected}"
        );
    }

    #[test]
    fn escalation_is_intensity_plus_season_floored_at_zero() {
        let regimes = vec![Regime::new(0.5, None, &[]).unwrap()];
        let no_shocks = Shocks::new(0.0, 1.0, 7.0).unwrap();
        let seasonal = vec![-1.0, 0.25, -0.5, 0.0];
        let escalation = Escalation::new(regimes, 0, no_shocks, seasonal).unwrap();
        let mut path = vec![f64::NAN; 4];
        let bounds = escalation.sample_path(&mut rng(5), &mut path);
        assert_eq!(path, [0.0, 0.75, 0.0, 0.5]);
        assert_eq!(bounds, (0.0, 0.75));
    }

    #[test]
    fn escalation_follows_the_regime_it_is_in() {
        // Two regimes that alternate: every day's E is one of the two
        // intensities, both occur, and a stay in the first regime lasts
        // on average its mean duration.
        let regimes = vec![
            Regime::new(1.0, Some(5.0), &[(1, 1.0)]).unwrap(),
            Regime::new(3.0, Some(20.0), &[(0, 1.0)]).unwrap(),
        ];
        let no_shocks = Shocks::new(0.0, 1.0, 7.0).unwrap();
        let h = 200_000;
        let escalation = Escalation::new(regimes, 0, no_shocks, vec![0.0; h]).unwrap();
        let mut path = vec![0.0; h];
        escalation.sample_path(&mut rng(6), &mut path);
        assert!(path.iter().all(|&e| e == 1.0 || e == 3.0));
        // Complete stays in the first regime (the first one starts on day
        // 0, the last may be cut by the horizon: both are complete here
        // only if bounded by the other regime on each side).
        let mut stays = Vec::new();
        let mut run = 0u32;
        for w in path.windows(2) {
            if w[0] == 1.0 {
                run += 1;
                if w[1] == 3.0 {
                    stays.push(f64::from(run));
                }
            } else {
                run = 0;
            }
        }
        let n = stays.len() as f64;
        let mean = stays.iter().sum::<f64>() / n;
        // Geometric on 1, 2, ... with p = 1/5: sd sqrt(1 - p) / p = 4.47;
        // about 8,000 stays, so 4 standard errors are about 0.2.
        let se = 0.8f64.sqrt() / 0.2 / n.sqrt();
        assert!(n > 5000.0, "{n} stays");
        assert!((mean - 5.0).abs() < 4.0 * se, "mean stay {mean}");
    }

    #[test]
    fn new_refuses_what_the_laws_do_not_allow_and_names_the_parameter() {
        let refused = |r: Result<Regime, ParameterError>| r.unwrap_err().parameter;
        assert_eq!(refused(Regime::new(f64::NAN, None, &[])), "intensity");
        assert_eq!(
            refused(Regime::new(1.0, Some(0.5), &[(1, 1.0)])),
            "mean_duration_days"
        );
        assert_eq!(refused(Regime::new(1.0, Some(5.0), &[(1, -1.0)])), "next");
        assert_eq!(refused(Regime::new(1.0, Some(5.0), &[(1, 0.0)])), "next");
        assert_eq!(
            refused(Regime::new(1.0, None, &[(1, 1.0)])),
            "mean_duration_days"
        );

        let refused = |r: Result<Shocks, ParameterError>| r.unwrap_err().parameter;
        assert_eq!(refused(Shocks::new(1.5, 1.0, 7.0)), "daily_probability");
        assert_eq!(refused(Shocks::new(0.1, -1.0, 7.0)), "mean_size");
        assert_eq!(refused(Shocks::new(0.1, 1.0, 0.0)), "half_life_days");

        let shocks = Shocks::new(0.1, 1.0, 7.0).unwrap();
        let lull = || Regime::new(0.0, Some(5.0), &[(1, 1.0)]).unwrap();
        let refused = |regimes: Vec<Regime>, initial: usize, seasonal: Vec<f64>| {
            Escalation::new(regimes, initial, shocks, seasonal)
                .unwrap_err()
                .parameter
        };
        let never_left = || Regime::new(1.0, None, &[]).unwrap();
        assert_eq!(refused(vec![never_left()], 1, vec![0.0]), "initial_regime");
        // Regime 0 leads to regime 1, which does not exist; or to itself.
        assert_eq!(refused(vec![lull()], 0, vec![0.0]), "next");
        let to_itself = Regime::new(0.0, Some(5.0), &[(0, 1.0)]).unwrap();
        assert_eq!(refused(vec![to_itself, never_left()], 0, vec![0.0]), "next");
        assert_eq!(
            refused(vec![never_left()], 0, vec![f64::INFINITY]),
            "seasonal_by_day"
        );
    }
}
