//! Exact and cheap ways to draw the model's daily events.
//!
//! The specification states every event as a yes/no draw on every day: one
//! random number, and often one `exp`, per event per day. Drawn that way the
//! daily loop would cost most of a run. The devices here draw the same events
//! with the same law from far fewer draws (`docs/model.md`, 5d): a geometric
//! waiting time for an event whose daily probability is constant, and
//! thinning for one whose probability changes from day to day. They live
//! apart from the components that use them so that their exactness, on which
//! every result depends, is stated and tested once.

use super::ParameterError;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// Largest round (people): the largest pool a scenario may set. Without a
/// pool, a negative `size_escalation_coef` multiplies the mean size by
/// `exp(|coef| E)`, which heavy fighting makes astronomically large; capped
/// rounds keep a trial's total below `MAX_ROUND_PEOPLE * horizon_days`
/// (3.7e12 people over 3,650 days), so that sums of squares over a billion
/// trials stay far below 2^128 and every histogram stays bounded.
pub const MAX_ROUND_PEOPLE: u64 = 1_000_000_000;

/// Number of failures before the first success of a daily event with
/// constant probability `p`: `floor(X / c)` with `X` standard exponential
/// and `c = -ln(1 - p)`, because `P(floor(X / c) >= k) = exp(-k c) = (1 -
/// p)^k`. One exponential draw per wait, and no `powi` as in rand_distr's
/// `Geometric`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Geometric {
    /// `1 / c = -1 / ln(1 - p)`: zero when p = 1, infinite when p = 0.
    inverse_rate: f64,
}

impl Geometric {
    /// The waiting-time law of a daily event with probability `p`, in
    /// [0, 1].
    pub(super) fn new(p: f64) -> Result<Geometric, ParameterError> {
        ParameterError::require(
            (0.0..=1.0).contains(&p),
            "p",
            p,
            "a probability per day, from 0 to 1",
        )?;
        Ok(Geometric {
            inverse_rate: 1.0 / -(-p).ln_1p(),
        })
    }

    /// A number of failures; `u64::MAX` ("never") when `p = 0`.
    pub(super) fn sample<R: Rng>(&self, rng: &mut R) -> u64 {
        if self.inverse_rate.is_infinite() {
            return u64::MAX;
        }
        let x: f64 = Exp1.sample(rng);
        // `as` truncates, which is floor for a non-negative number, and
        // saturates, so an infinite wait becomes u64::MAX ("never").
        (x * self.inverse_rate) as u64
    }
}

/// Events with daily probability `p_t = 1 - exp(-h_t)`, independent from
/// day to day, drawn by thinning (Lewis and Shedler) against a bound
/// `h_max >= h_t`: candidate days form a Bernoulli process with probability
/// `p_max = 1 - exp(-h_max)`, found by skipping `floor(X / h_max)` days with
/// `X` standard exponential (a geometric waiting time), and a candidate on
/// day t is kept with probability `p_t / p_max`. A day is then an event
/// with probability `p_max * p_t / p_max = p_t`, independently of every
/// other day: the law of a daily draw, with `exp` evaluated only on
/// candidate days.
#[derive(Debug, Clone, Copy)]
pub(super) struct Thinned {
    h_max: f64,
    inverse_h_max: f64,
    p_max: f64,
}

impl Thinned {
    /// Thinning against the bound `h_max` (hazard per day), from 0 (no
    /// event is ever drawn) to infinity (every day is a candidate).
    #[inline]
    pub(super) fn new(h_max: f64) -> Result<Thinned, ParameterError> {
        ParameterError::require(
            h_max >= 0.0,
            "h_max",
            h_max,
            "a bound on a hazard per day, from 0 to infinity",
        )?;
        Ok(Thinned {
            h_max,
            inverse_h_max: 1.0 / h_max,
            p_max: -(-h_max).exp_m1(),
        })
    }

    /// The first candidate day at or after `from`, or `end` or later if none
    /// comes before `end`.
    #[inline]
    fn next_candidate<R: Rng>(&self, from: u32, end: u32, rng: &mut R) -> u32 {
        if from >= end || self.h_max <= 0.0 {
            return end;
        }
        let x: f64 = Exp1.sample(rng);
        let skip = x * self.inverse_h_max;
        if skip >= f64::from(end - from) {
            end
        } else {
            // Truncation is floor for a non-negative number.
            from + skip as u32
        }
    }

    /// Whether a candidate with hazard `h` (at most `h_max`) and
    /// acceptance draw `u` is an event: `u < p_t / p_max`.
    #[inline]
    fn keeps(&self, u: f64, h: f64) -> bool {
        if h >= self.h_max {
            return true;
        }
        let target = u * self.p_max;
        // h - h^2/2 <= 1 - exp(-h) <= h: most candidates are settled by
        // these bounds without evaluating the exponential.
        if target >= h {
            return false;
        }
        if target < h - 0.5 * h * h {
            return true;
        }
        target < -(-h).exp_m1()
    }

    /// The first event day in `from .. end`, if any.
    pub(super) fn first_event<R: Rng>(
        &self,
        from: u32,
        end: u32,
        hazard: impl Fn(u32) -> f64,
        rng: &mut R,
    ) -> Option<u32> {
        let mut d = self.next_candidate(from, end, rng);
        while d < end {
            let u: f64 = rand::RngExt::random(rng);
            if self.keeps(u, hazard(d)) {
                return Some(d);
            }
            d = self.next_candidate(d + 1, end, rng);
        }
        None
    }
}

/// The candidate days of one event process over the whole horizon, each
/// with its acceptance draw, produced lazily from the process's own stream.
/// The sequence is a fixed function of the stream and the bound, whatever
/// the phases of the trial: a candidate on a day the process is not at risk
/// is passed over with its draws. This keeps configurations in step (common
/// random numbers) without changing the law of any day.
pub(super) struct Candidates<'a, R> {
    rng: &'a mut R,
    thin: Thinned,
    end: u32,
    /// The next candidate day (`end` or later when there is none).
    day: u32,
    /// Its acceptance draw, uniform on [0, 1).
    u: f64,
}

impl<'a, R: Rng> Candidates<'a, R> {
    /// The candidates of days `0 .. end`.
    pub(super) fn new(rng: &'a mut R, thin: Thinned, end: u32) -> Self {
        let mut c = Candidates {
            rng,
            thin,
            end,
            day: 0,
            u: 0.0,
        };
        c.draw_from(0);
        c
    }

    fn draw_from(&mut self, from: u32) {
        self.day = self.thin.next_candidate(from, self.end, self.rng);
        if self.day < self.end {
            self.u = rand::RngExt::random(self.rng);
        }
    }

    /// The first candidate day at or after `from` (`end` or later if none),
    /// passing over earlier candidates.
    pub(super) fn next_from(&mut self, from: u32) -> u32 {
        while self.day < from && self.day < self.end {
            self.draw_from(self.day + 1);
        }
        self.day
    }

    /// Whether the current candidate, with hazard `h` on its day, is an
    /// event; moves on to the next candidate either way.
    pub(super) fn accept(&mut self, h: f64) -> bool {
        let event = self.thin.keeps(self.u, h);
        self.draw_from(self.day + 1);
        event
    }

    /// The first event day in `from .. until`, if any.
    pub(super) fn first_event(
        &mut self,
        from: u32,
        until: u32,
        hazard: impl Fn(u32) -> f64,
    ) -> Option<u32> {
        loop {
            let d = self.next_from(from);
            if d >= until || d >= self.end {
                return None;
            }
            if self.accept(hazard(d)) {
                return Some(d);
            }
        }
    }
}

/// Smallest and largest of a non-empty slice without NaN. Four independent
/// running minima and maxima avoid one long chain of dependent comparisons.
pub(super) fn min_max(values: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
        }
    }
    for &v in chunks.remainder() {
        lo[0] = if v < lo[0] { v } else { lo[0] };
        hi[0] = if v > hi[0] { v } else { hi[0] };
    }
    let lo = lo
        .iter()
        .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    let hi = hi
        .iter()
        .fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    /// Whether an estimated share lies within 4 standard errors,
    /// `sqrt(P (1 - P) / n)`, of its exact value `P`; a fresh seed would
    /// fail this with probability 6e-5.
    fn share_agrees(observed: f64, expected: f64, n: usize) -> bool {
        let se = (expected * (1.0 - expected) / n as f64).sqrt();
        (observed - expected).abs() < 4.0 * se
    }

    #[test]
    fn a_geometric_wait_lasts_at_least_k_days_with_probability_one_minus_p_to_the_k() {
        let p = 0.2;
        let wait = Geometric::new(p).unwrap();
        let mut rng = rng(1);
        let n = 200_000;
        let waits: Vec<u64> = (0..n).map(|_| wait.sample(&mut rng)).collect();
        for k in [1u64, 2, 5, 10, 20] {
            let expected = (1.0 - p).powi(k as i32);
            let observed = waits.iter().filter(|&&w| w >= k).count() as f64 / n as f64;
            // 4 standard errors, each sqrt(P (1 - P) / n) <= 0.0012 here.
            assert!(
                share_agrees(observed, expected, n),
                "P(wait >= {k}) = {observed}, expected {expected}"
            );
        }
    }

    #[test]
    fn a_wait_never_ends_when_p_is_zero_and_ends_at_once_when_p_is_one() {
        let mut rng = rng(2);
        let never = Geometric::new(0.0).unwrap();
        let at_once = Geometric::new(1.0).unwrap();
        for _ in 0..1000 {
            assert_eq!(never.sample(&mut rng), u64::MAX);
            assert_eq!(at_once.sample(&mut rng), 0);
        }
    }

    #[test]
    fn thinning_keeps_a_candidate_exactly_when_u_is_below_p_t_over_p_max() {
        // `keeps` settles most candidates with bounds on 1 - exp(-h)
        // instead of evaluating it; the decision must be the exact one.
        let mut rng = rng(3);
        for h_max in [0.01, 0.5, 3.0] {
            let thin = Thinned::new(h_max).unwrap();
            let p_max = -(-h_max).exp_m1();
            for _ in 0..100_000 {
                let u: f64 = rand::RngExt::random(&mut rng);
                let h = h_max * rand::RngExt::random::<f64>(&mut rng);
                let exact = u * p_max < -(-h).exp_m1();
                assert_eq!(thin.keeps(u, h), exact, "u = {u}, h = {h}, h_max = {h_max}");
            }
            assert!(
                thin.keeps(0.999_999, h_max),
                "a hazard at the bound is always kept"
            );
        }
    }

    #[test]
    fn thinned_events_fall_on_each_day_with_probability_p_t() {
        // A hazard that alternates 0.05, 0.4, 0.05, ... under the bound 0.5.
        // The first event is on day 0 with probability p0 = 1 - exp(-0.05),
        // on day 1 with exp(-0.05) (1 - exp(-0.4)), and on an even day with
        // p0 / (1 - exp(-0.45)).
        let hazard = |d: u32| if d.is_multiple_of(2) { 0.05 } else { 0.4 };
        let thin = Thinned::new(0.5).unwrap();
        let mut rng = rng(4);
        let n = 100_000;
        let days: Vec<u32> = (0..n)
            .map(|_| thin.first_event(0, 1_000_000, hazard, &mut rng).unwrap())
            .collect();
        let share =
            |f: &dyn Fn(u32) -> bool| days.iter().filter(|&&d| f(d)).count() as f64 / n as f64;
        let p0 = -(-0.05f64).exp_m1();
        let p1 = (-0.05f64).exp() * -(-0.4f64).exp_m1();
        let even = p0 / -(-0.45f64).exp_m1();
        // 4 standard errors, each sqrt(P (1 - P) / n) <= 0.0016 here.
        assert!(share_agrees(share(&|d| d == 0), p0, n), "day 0");
        assert!(share_agrees(share(&|d| d == 1), p1, n), "day 1");
        assert!(
            share_agrees(share(&|d| d.is_multiple_of(2)), even, n),
            "even days"
        );
    }

    #[test]
    fn candidates_are_one_sequence_whatever_days_are_passed_over() {
        let thin = Thinned::new(0.3).unwrap();
        let (mut a, mut b) = (rng(5), rng(5));
        // Every candidate of days 0 .. 1000 with its acceptance draw.
        let mut every = Candidates::new(&mut a, thin, 1000);
        let mut all = Vec::new();
        while every.next_from(0) < 1000 {
            all.push((every.day, every.u));
            every.accept(0.1);
        }
        assert!(all.len() > 100, "{} candidates", all.len());
        // Jumping to day 500 passes over the earlier candidates with their
        // draws, and then sees the same candidates as visiting every one.
        let mut skipping = Candidates::new(&mut b, thin, 1000);
        let later: Vec<(u32, f64)> = all.iter().copied().filter(|(d, _)| *d >= 500).collect();
        let mut seen = Vec::new();
        while skipping.next_from(500) < 1000 {
            seen.push((skipping.day, skipping.u));
            skipping.accept(0.1);
        }
        assert_eq!(seen, later);
    }

    #[test]
    fn min_max_finds_the_extremes_wherever_they_are() {
        // Lengths 1 to 9 cover whole chunks of four and every remainder;
        // rotating puts the extremes in every position.
        for n in 1..=9usize {
            for shift in 0..n {
                let values: Vec<f64> = (0..n).map(|k| ((k + shift) % n) as f64 - 2.0).collect();
                assert_eq!(min_max(&values), (-2.0, n as f64 - 3.0), "{values:?}");
            }
        }
    }

    #[test]
    fn new_refuses_what_the_laws_do_not_allow_and_names_the_parameter() {
        for p in [-0.1, 1.1, f64::NAN] {
            assert_eq!(Geometric::new(p).unwrap_err().parameter, "p", "{p}");
        }
        for h_max in [-1e-9, f64::NAN] {
            assert_eq!(
                Thinned::new(h_max).unwrap_err().parameter,
                "h_max",
                "{h_max}"
            );
        }
        // An infinite bound makes every day a candidate; it is allowed.
        assert!(Thinned::new(f64::INFINITY).is_ok());
    }
}
