//! Laws of the model, checked by simulating scenarios in which they hold
//! exactly.
//!
//! MODEL.md lists sanity cases that any implementation must reproduce; these
//! tests hold swapsim to them, and to a few laws that follow from
//! `docs/model.md` (sections 3 and 5) in the same way. Each test writes its
//! scenario inline, runs trials under a fixed seed and compares what it
//! observes with a value derived by hand, within a tolerance derived from the
//! Monte Carlo standard error and stated next to the assertion. With a fixed
//! seed every test is deterministic; the false-alarm rates quoted are those a
//! fresh seed would have, and say why a failure points to a defect rather
//! than to bad luck. Laws that hold in every trial (orderings, caps, gaps)
//! are checked on every trial's trace instead.
//!
//! Trials run through `engine::run`, and results are put back in trial order,
//! so nothing here depends on the number of threads.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use swapsim::engine::{self, StreamKeys, TrialSink};
use swapsim::model::{Model, Phase, TraceEvent, TrialOutcome, TrialTrace};
use swapsim::scenario::{Scenario, ScenarioSource};

/// Standard errors allowed between an estimate and its exact value. For an
/// estimate that is a mean of thousands of independent terms (so close to
/// normal), `P(|Z| > 4) = 6.3e-5`: a negligible false-alarm rate per check.
const Z_TOLERANCE: f64 = 4.0;
/// Smallest p-value a chi-square goodness-of-fit test accepts: its
/// false-alarm rate under the law tested is 1e-3.
const MIN_P_VALUE: f64 = 1e-3;
/// Smallest expected count of a chi-square bin. Cochran's rule asks for 5;
/// 10 keeps the chi-square approximation of Pearson's statistic safe.
const MIN_EXPECTED: f64 = 10.0;

// ---------------------------------------------------------------------------
// Scenarios written as TOML
// ---------------------------------------------------------------------------

/// A regime that is never left.
fn absorbing_regime(name: &str, intensity: f64) -> String {
    format!("[[escalation.regimes]]\nname = \"{name}\"\nintensity = {intensity:?}\n")
}

/// A regime left with daily probability `1 / mean_days` for the regimes in
/// `next`, in proportion to their weights.
fn regime(name: &str, intensity: f64, mean_days: f64, next: &[(&str, f64)]) -> String {
    let next = next
        .iter()
        .map(|(n, w)| format!("{n} = {w:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "[[escalation.regimes]]\nname = \"{name}\"\nintensity = {intensity:?}\n\
         mean_duration_days = {mean_days:?}\nnext = {{ {next} }}\n"
    )
}

/// A mediator. Its escalation sensitivity is a non-zero 1.0 so that a test
/// at zero escalation shows that escalation 0 really leaves the closing
/// hazard at its calibrated value.
fn mediator(name: &str, availability: f64, mean_outage_days: f64, effectiveness: f64) -> String {
    format!(
        "[[mediation.mediators]]\nname = \"{name}\"\navailability = {availability:?}\n\
         mean_outage_days = {mean_outage_days:?}\nescalation_sensitivity = 1.0\n\
         effectiveness = {effectiveness:?}\n"
    )
}

/// A mediator whose channel never closes on its own and gives `M = 1`.
fn always_open_mediator() -> String {
    mediator("always open", 1.0, 5.0, 1.0)
}

/// A log-linear hazard: base (hazard per day), escalation and mediation
/// coefficients (log hazard ratios).
#[derive(Debug, Clone, Copy)]
struct Hazard {
    base: f64,
    escalation_coef: f64,
    mediation_coef: f64,
}

impl Hazard {
    const NEVER: Hazard = Hazard::constant(0.0);

    const fn constant(base: f64) -> Hazard {
        Hazard {
            base,
            escalation_coef: 0.0,
            mediation_coef: 0.0,
        }
    }

    fn toml(&self) -> String {
        format!(
            "{{ base = {:?}, escalation_coef = {:?}, mediation_coef = {:?} }}",
            self.base, self.escalation_coef, self.mediation_coef
        )
    }
}

/// The `[exchange]` table. The default is an Active process without
/// suspension or rounds, which each test changes where its law needs.
#[derive(Debug, Clone)]
struct ExchangeSpec {
    initial_phase: &'static str,
    preparation_days: u32,
    min_days_between_rounds: u32,
    round_rate: f64,
    requires_mediator: bool,
    size_mean: f64,
    size_dispersion: f64,
    size_escalation_coef: f64,
    confirmation: Hazard,
    suspension: Hazard,
}

impl Default for ExchangeSpec {
    fn default() -> Self {
        ExchangeSpec {
            initial_phase: "active",
            preparation_days: 0,
            min_days_between_rounds: 0,
            round_rate: 0.0,
            requires_mediator: false,
            size_mean: 10.0,
            size_dispersion: 1.0,
            size_escalation_coef: 0.0,
            confirmation: Hazard::constant(0.05),
            suspension: Hazard::NEVER,
        }
    }
}

/// A whole test scenario: no shocks, no seasonal offsets and no pool, so
/// that escalation is exactly the intensity of the regime of the day.
#[derive(Debug, Clone)]
struct ScenarioSpec {
    horizon_days: u32,
    initial_regime: &'static str,
    regimes: Vec<String>,
    common_outage_probability: f64,
    common_outage_mean_days: f64,
    mediators: Vec<String>,
    exchange: ExchangeSpec,
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        ScenarioSpec {
            horizon_days: 365,
            initial_regime: "steady",
            regimes: vec![absorbing_regime("steady", 1.0)],
            common_outage_probability: 0.0,
            common_outage_mean_days: 1.0,
            mediators: Vec::new(),
            exchange: ExchangeSpec::default(),
        }
    }
}

impl ScenarioSpec {
    fn toml(&self, seed: u64) -> String {
        let x = &self.exchange;
        format!(
            "version = 1\nname = \"model law\"\n\n\
             [simulation]\ntrials = 1000\nhorizon_days = {horizon}\n\
             start_date = \"2025-11-16\"\nseed = {seed}\n\n\
             [escalation]\ninitial_regime = \"{initial}\"\n\
             shock_daily_probability = 0.0\nshock_mean_size = 0.0\nshock_half_life_days = 7.0\n\n\
             {regimes}\n\
             [mediation]\ncommon_outage_probability = {outage_p:?}\n\
             common_outage_mean_days = {outage_m:?}\n\n\
             {mediators}\n\
             [exchange]\ninitial_phase = \"{phase}\"\npreparation_days = {prep}\n\
             min_days_between_rounds = {gap}\nround_rate = {rate:?}\n\
             requires_mediator = {requires}\nsize_mean = {size_mean:?}\n\
             size_dispersion = {size_k:?}\nsize_escalation_coef = {size_coef:?}\n\
             confirmation = {confirmation}\nsuspension = {suspension}\n\
             resumption = {{ base = 0.05 }}\n",
            horizon = self.horizon_days,
            initial = self.initial_regime,
            regimes = self.regimes.join("\n"),
            outage_p = self.common_outage_probability,
            outage_m = self.common_outage_mean_days,
            mediators = self.mediators.join("\n"),
            phase = x.initial_phase,
            prep = x.preparation_days,
            gap = x.min_days_between_rounds,
            rate = x.round_rate,
            requires = x.requires_mediator,
            size_mean = x.size_mean,
            size_k = x.size_dispersion,
            size_coef = x.size_escalation_coef,
            confirmation = x.confirmation.toml(),
            suspension = x.suspension.toml(),
        )
    }

    fn scenario(&self, seed: u64) -> Scenario {
        let text = self.toml(seed);
        Scenario::from_toml_str(&text, "model_laws.toml")
            .unwrap_or_else(|e| panic!("test scenario is invalid: {e}\n{text}"))
    }
}

// ---------------------------------------------------------------------------
// Running trials
// ---------------------------------------------------------------------------

/// A sink that keeps what `observe` extracts from each trial.
struct Collect<'a, F, T> {
    observe: &'a F,
    items: Vec<(u64, T)>,
}

impl<F, T> TrialSink for Collect<'_, F, T>
where
    F: Fn(&TrialOutcome, &TrialTrace) -> T + Sync,
    T: Send,
{
    fn record(&mut self, trial: u64, outcome: &TrialOutcome, trace: &TrialTrace) {
        self.items.push((trial, (self.observe)(outcome, trace)));
    }
    fn merge(&mut self, mut other: Self) {
        self.items.append(&mut other.items);
    }
}

/// Runs trials `0..n` of `scenario` under `seed` and returns what `observe`
/// extracts from each, in trial order.
fn observe_trials<T, F>(scenario: &Scenario, seed: u64, n: u64, observe: F) -> Vec<T>
where
    F: Fn(&TrialOutcome, &TrialTrace) -> T + Sync,
    T: Send,
{
    let model = Model::new(scenario);
    let keys = StreamKeys::new(
        scenario
            .mediation()
            .mediators
            .iter()
            .map(|m| m.name.as_str()),
    );
    let sink = engine::run(
        &model,
        &keys,
        seed,
        0..n,
        None,
        || Collect {
            observe: &observe,
            items: Vec::new(),
        },
        &|_| {},
    )
    .expect("the thread pool starts");
    let mut items = sink.items;
    items.sort_unstable_by_key(|(trial, _)| *trial);
    assert_eq!(items.len() as u64, n, "every trial is recorded once");
    items.into_iter().map(|(_, t)| t).collect()
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// Daily probability of an event with daily hazard `h`: `1 - exp(-h)`.
fn daily_probability(h: f64) -> f64 {
    -(-h).exp_m1()
}

/// Sample mean, and its standard error `s / sqrt(n)` with `s` the sample
/// standard deviation (divisor n - 1).
fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that `observed` lies within [`Z_TOLERANCE`] standard errors of
/// `expected`.
fn assert_within_se(what: &str, observed: f64, expected: f64, se: f64) {
    let z = (observed - expected) / se;
    assert!(
        z.abs() <= Z_TOLERANCE,
        "{what}: observed {observed:.6}, expected {expected:.6}, standard error {se:.3e}, \
         z = {z:.2} (allowed |z| <= {Z_TOLERANCE})"
    );
}

/// p-value of Pearson's chi-square goodness-of-fit statistic, with one
/// degree of freedom fewer than bins (no parameter is estimated).
fn chi_square_p_value(observed: &[u64], expected: &[f64]) -> f64 {
    assert_eq!(observed.len(), expected.len());
    assert!(observed.len() >= 2, "a chi-square test needs two bins");
    assert!(
        expected.iter().all(|&e| e >= MIN_EXPECTED),
        "a bin expects fewer than {MIN_EXPECTED}: {expected:?}"
    );
    let statistic: f64 = observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = (observed.len() - 1) as f64;
    ChiSquared::new(df).expect("df > 0").sf(statistic)
}

/// p-value of a chi-square test of `sample` against the geometric law on
/// `first, first + 1, ...` with success probability `p`, `P(X >= k) = (1 -
/// p)^(k - first)`. Values from `censor_at` on are known only to be there
/// (`None` is such a value). Consecutive values are merged into one bin until
/// it expects [`MIN_EXPECTED`] trials; the last bin is the open tail, which
/// holds the censored values.
fn geometric_fit_p_value(sample: &[Option<u32>], first: u32, p: f64, censor_at: u32) -> f64 {
    let n = sample.len() as f64;
    let expected_from = |k: u32| n * (1.0 - p).powf(f64::from(k - first));
    // Bin i is [starts[i], starts[i + 1]); the last one is [start, infinity).
    let mut starts = vec![first];
    let mut hi = first;
    while hi < censor_at {
        hi += 1;
        let lo = *starts.last().expect("non-empty");
        if expected_from(hi) < MIN_EXPECTED {
            break;
        }
        if expected_from(lo) - expected_from(hi) >= MIN_EXPECTED {
            starts.push(hi);
        }
    }
    let mut observed = vec![0u64; starts.len()];
    for value in sample {
        let v = value.unwrap_or(u32::MAX);
        assert!(v >= first, "value {v} is below the support's start {first}");
        observed[starts.partition_point(|&s| s <= v) - 1] += 1;
    }
    let mut expected: Vec<f64> = starts
        .windows(2)
        .map(|w| expected_from(w[0]) - expected_from(w[1]))
        .collect();
    expected.push(expected_from(*starts.last().expect("non-empty")));
    chi_square_p_value(&observed, &expected)
}

// ---------------------------------------------------------------------------
// 1. First suspension
// ---------------------------------------------------------------------------

#[test]
fn first_suspension_day_is_geometric_under_constant_escalation() {
    // E = 1 on every day (one regime, no shocks or seasons); one mediator
    // with A = 1 and w = 1 and no common outage, so M = 1 on every day. The
    // suspension hazard is then the same every Active day, and since nothing
    // before the first suspension can leave the Active phase (no pool), the
    // first suspension day T (0-based) counts the failures before the first
    // success of daily trials with probability p (MODEL.md, sanity cases).
    let (e, base, beta_e, beta_m) = (1.0, 0.02, 0.5, 1.0);
    let horizon = 365;
    let spec = ScenarioSpec {
        horizon_days: horizon,
        regimes: vec![absorbing_regime("steady", e)],
        mediators: vec![always_open_mediator()],
        exchange: ExchangeSpec {
            round_rate: 0.1,
            requires_mediator: true,
            suspension: Hazard {
                base,
                escalation_coef: beta_e,
                mediation_coef: beta_m,
            },
            ..ExchangeSpec::default()
        },
        ..ScenarioSpec::default()
    };
    let p = daily_probability(base * (beta_e * e - beta_m).exp());
    let (seed, n) = (101, 20_000);
    let days = observe_trials(&spec.scenario(seed), seed, n, |o, _| o.first_suspension_day);

    // Chi-square test of the whole law: one bin per day while a day expects
    // 10 trials (p = 0.012: days 0 to about 260), consecutive days merged
    // after that, and one bin for the trials not suspended by day 364
    // (censored, P = (1 - p)^365 = 0.012). Single-day bins make an
    // off-by-one in the day count fail at once (day 0 expects 241 trials).
    // The test rejects a true law with probability 1e-3.
    let p_value = geometric_fit_p_value(&days, 0, p, horizon);
    assert!(
        p_value > MIN_P_VALUE,
        "first suspension day is not Geometric(p = {p:.5}) on 0, 1, ...: \
         chi-square p-value {p_value:.2e}"
    );

    // Restricted mean E[min(T, H)] = sum_{k=1..H} P(T >= k)
    // = (1 - p)(1 - (1 - p)^H) / p, with a censored trial counting H. The
    // standard error is s / sqrt(n) from the sample (seed 101, n = 20,000);
    // 4 standard errors: false alarm 6.3e-5.
    let h = f64::from(horizon);
    let expected = (1.0 - p) * (1.0 - (1.0 - p).powf(h)) / p;
    let restricted: Vec<f64> = days.iter().map(|d| d.map_or(h, f64::from)).collect();
    let (mean, se) = mean_and_se(&restricted);
    assert_within_se("mean of min(first suspension day, H)", mean, expected, se);
}

// ---------------------------------------------------------------------------
// 2. Open share of a mediator's channel
// ---------------------------------------------------------------------------

#[test]
fn a_mediators_long_run_open_share_at_zero_escalation_equals_its_availability() {
    // E = 0 on every day, so each channel is a two-state Markov chain that
    // closes with probability p0 = q (1 - A) / A and re-opens with q = 1/o,
    // whose long-run open share is q / (q + p0) = A (MODEL.md, sanity cases).
    // Channels start open; the chain forgets that at rate (1 - p0 - q)^t,
    // below 1e-13 after the burn-in of 200 days for both mediators here.
    let mediators = [("slow", 0.7, 10.0), ("fast", 0.9, 5.0)];
    let (horizon, burn_in) = (3650u32, 200u32);
    let spec = ScenarioSpec {
        horizon_days: horizon,
        regimes: vec![absorbing_regime("steady", 0.0)],
        mediators: mediators
            .iter()
            .map(|&(name, a, o)| mediator(name, a, o, 0.5))
            .collect(),
        ..ScenarioSpec::default()
    };
    let (seed, n) = (202, 1_000);
    let shares = observe_trials(&spec.scenario(seed), seed, n, |_, trace| {
        trace
            .channel_open
            .iter()
            .map(|open| {
                let days: u32 = open
                    .iter()
                    .map(|&(a, b)| b.min(horizon).saturating_sub(a.max(burn_in)))
                    .sum();
                f64::from(days) / f64::from(horizon - burn_in)
            })
            .collect::<Vec<f64>>()
    });
    for (i, &(name, availability, _)) in mediators.iter().enumerate() {
        // Every trial observes the same 3,450 days, so the pooled share is
        // the mean of the per-trial shares. Trials are independent, so its
        // standard error is the between-trial standard deviation over
        // sqrt(n) (seed 202, n = 1,000; each share averages 3,450 days, so
        // it is close to normal). 4 standard errors: false alarm 6.3e-5.
        let per_trial: Vec<f64> = shares.iter().map(|s| s[i]).collect();
        let (share, se) = mean_and_se(&per_trial);
        assert_within_se(
            &format!("open share of mediator {name}"),
            share,
            availability,
            se,
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Regime dwell times and transitions
// ---------------------------------------------------------------------------

/// The first two stays of a trial's escalation path: days spent in the
/// initial regime, the intensity of the regime entered next, and the days
/// spent there (`None` if the horizon ends first).
fn first_two_stays(escalation: &[f64]) -> (Option<u32>, Option<f64>, Option<u32>) {
    let change_after = |from: usize| {
        escalation[from..]
            .iter()
            .position(|&e| e != escalation[from])
            .map(|k| from + k)
    };
    let Some(first_change) = change_after(0) else {
        return (None, None, None);
    };
    let second = change_after(first_change).map(|c| (c - first_change) as u32);
    (
        Some(first_change as u32),
        Some(escalation[first_change]),
        second,
    )
}

#[test]
fn regime_dwell_times_are_geometric_with_the_stated_means() {
    // Without shocks or seasons E_t is the intensity of the day's regime,
    // and the intensities differ, so each change of E marks a regime change.
    // The chain leaves a regime with daily probability 1/d after at least
    // one day in it: a stay is Geometric on 1, 2, ... with mean d.
    let (calm_days, mid_days, hot_days) = (5.0, 20.0, 10.0);
    let (to_mid, to_hot) = (3.0, 1.0);
    let (mid, hot) = (1.0, 2.0);
    let horizon = 600;
    let spec = ScenarioSpec {
        horizon_days: horizon,
        initial_regime: "calm",
        regimes: vec![
            regime("calm", 0.2, calm_days, &[("mid", to_mid), ("hot", to_hot)]),
            regime("mid", mid, mid_days, &[("calm", 1.0)]),
            regime("hot", hot, hot_days, &[("calm", 1.0)]),
        ],
        ..ScenarioSpec::default()
    };
    let (seed, n) = (303, 20_000);
    let stays = observe_trials(&spec.scenario(seed), seed, n, |_, trace| {
        first_two_stays(&trace.escalation)
    });

    // Both stays are seen whole: a calm stay outlasts 100 days with
    // probability 0.8^100 = 2e-10, and a later stay of mean 20 outlasts the
    // remaining 500 days or more with probability 0.95^500 = 7e-12, so the
    // horizon cuts a stay short in none of the 20,000 trials but with a
    // probability below 1e-5 (and would then stop the test, not bias it).
    //
    // Seed 303, n = 20,000. A mean of `count` Geometric(p) stays on 1, 2, ...
    // has standard error sqrt(1 - p) / p / sqrt(count); 4 standard errors:
    // false alarm 6.3e-5. Each chi-square test: false alarm 1e-3.
    let check_stays = |what: &str, sample: &[Option<u32>], mean_days: f64| {
        let p = 1.0 / mean_days;
        let days: Vec<f64> = sample
            .iter()
            .map(|d| f64::from(d.expect("a stay ends within the horizon")))
            .collect();
        let (mean, _) = mean_and_se(&days);
        let se = (1.0 - p).sqrt() / p / (days.len() as f64).sqrt();
        assert_within_se(&format!("mean stay in {what}"), mean, mean_days, se);
        let p_value = geometric_fit_p_value(sample, 1, p, u32::MAX);
        assert!(
            p_value > MIN_P_VALUE,
            "stays in {what} are not Geometric(p = {p}) on 1, 2, ...: \
             chi-square p-value {p_value:.2e}"
        );
    };
    let first: Vec<Option<u32>> = stays.iter().map(|s| s.0).collect();
    check_stays("the initial regime (calm)", &first, calm_days);
    let stays_in = |intensity: f64| -> Vec<Option<u32>> {
        stays
            .iter()
            .filter(|s| s.1 == Some(intensity))
            .map(|s| s.2)
            .collect()
    };
    let (after_mid, after_hot) = (stays_in(mid), stays_in(hot));
    check_stays("mid, entered from calm", &after_mid, mid_days);
    check_stays("hot, entered from calm", &after_hot, hot_days);

    // Leaving calm, the chain enters mid with probability 3 / (3 + 1). The
    // share of trials that do is binomial: standard error sqrt(pi (1 - pi)
    // / n) (seed 303, n = 20,000); 4 standard errors: false alarm 6.3e-5.
    assert_eq!(
        after_mid.len() + after_hot.len(),
        stays.len(),
        "every trial leaves calm for mid or hot within the horizon"
    );
    let pi = to_mid / (to_mid + to_hot);
    let share = after_mid.len() as f64 / stays.len() as f64;
    let se = (pi * (1.0 - pi) / stays.len() as f64).sqrt();
    assert_within_se("share of exits from calm into mid", share, pi, se);
}

// ---------------------------------------------------------------------------
// 4. Rounds without suspension
// ---------------------------------------------------------------------------

/// How a process without suspension starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// Active and past its preparation: a round may come on day 0.
    Active,
    /// Pending, confirmed with daily probability `p_confirm`; after the
    /// confirmation day d the first round may come on d + max(P, 1).
    Pending {
        p_confirm: f64,
        preparation_days: u32,
    },
}

/// Exact expected number of rounds on days `0 .. horizon` of a process that
/// is never suspended, with daily round probability `q` on eligible days and
/// at least `max(min_gap, 1)` days from one round to the next (docs/model.md,
/// 3.3 Eligibility and 3.5). Dynamic programming over the state at the start
/// of a day: Pending, or Active with `w` days still to wait before eligible.
fn expected_rounds(horizon: u32, q: f64, min_gap: u32, start: Start) -> f64 {
    let gap = min_gap.max(1) as usize;
    let (mut pending, p_confirm, prep) = match start {
        Start::Active => (0.0, 0.0, 1),
        Start::Pending {
            p_confirm,
            preparation_days,
        } => (1.0, p_confirm, preparation_days.max(1) as usize),
    };
    // wait[w]: probability of being Active with w days to wait.
    let mut wait = vec![0.0; gap.max(prep)];
    if matches!(start, Start::Active) {
        wait[0] = 1.0;
    }
    let mut rounds = 0.0;
    for _day in 0..horizon {
        let mut next = vec![0.0; wait.len()];
        // Confirmed today: no round today, eligible `prep` days later.
        let confirmed = pending * p_confirm;
        pending -= confirmed;
        next[prep - 1] += confirmed;
        // Eligible today: a round with probability q, then `gap` days to wait.
        let round = wait[0] * q;
        rounds += round;
        next[gap - 1] += round;
        next[0] += wait[0] - round;
        for w in 1..wait.len() {
            next[w - 1] += wait[w];
        }
        wait = next;
    }
    rounds
}

/// What one trial of a process without suspension shows: its rounds, its
/// activation day, the day of its first round, and any breach of the timing
/// rules.
struct RoundsTrial {
    rounds: u32,
    activation_day: Option<u32>,
    first_round_day: Option<u32>,
    breach: Option<String>,
}

/// Reads a trial's events: the process may only go Pending -> Active, and
/// rounds only come while Active, `max(P, 1)` days or more after the
/// activation (for a Pending start) and `max(G, 1)` days or more after the
/// previous round.
fn read_rounds(trace: &TrialTrace, start: Start, min_gap: u32) -> RoundsTrial {
    let (mut phase, preparation) = match start {
        Start::Active => (Phase::Active, None),
        Start::Pending {
            preparation_days, ..
        } => (Phase::Pending, Some(preparation_days.max(1))),
    };
    let mut activation_day = None;
    let mut last_round: Option<u32> = None;
    let mut first_round_day = None;
    let mut rounds = 0;
    let mut breach = None;
    for event in &trace.events {
        match *event {
            TraceEvent::PhaseChange { day, phase: next } => {
                if (phase, next) != (Phase::Pending, Phase::Active) {
                    breach.get_or_insert(format!("day {day}: {phase:?} -> {next:?}"));
                }
                phase = next;
                activation_day = Some(day);
            }
            TraceEvent::Round { day, .. } => {
                rounds += 1;
                if phase != Phase::Active {
                    breach.get_or_insert(format!("day {day}: round while {phase:?}"));
                }
                if let (Some(prep), Some(a)) = (preparation, activation_day)
                    && day < a + prep
                {
                    breach.get_or_insert(format!(
                        "day {day}: round too soon after activation on {a}"
                    ));
                }
                if let Some(r) = last_round
                    && day < r + min_gap.max(1)
                {
                    breach.get_or_insert(format!("day {day}: round too soon after round on {r}"));
                }
                last_round = Some(day);
                first_round_day.get_or_insert(day);
            }
        }
    }
    RoundsTrial {
        rounds,
        activation_day,
        first_round_day,
        breach,
    }
}

#[test]
fn rounds_without_suspension_follow_a_thinned_bernoulli_process() {
    let horizon = 120;

    // Active start, no mediator (requires_mediator = false): a round on each
    // eligible day with probability q = 1 - exp(-r). The preparation days do
    // not delay an Active start, which is past its preparation.
    let (rate, gap) = (0.15, 3);
    let active = ScenarioSpec {
        horizon_days: horizon,
        exchange: ExchangeSpec {
            preparation_days: 9,
            min_days_between_rounds: gap,
            round_rate: rate,
            ..ExchangeSpec::default()
        },
        ..ScenarioSpec::default()
    };
    let (seed, n) = (404, 20_000);
    let trials = observe_trials(&active.scenario(seed), seed, n, |_, trace| {
        read_rounds(trace, Start::Active, gap)
    });
    if let Some(b) = trials.iter().find_map(|t| t.breach.as_ref()) {
        panic!("Active start breaks the timing rules: {b}");
    }
    // The first round day is Geometric(q) on 0, 1, ... (day 0 is eligible),
    // censored at the horizon. Chi-square test: false alarm 1e-3; a process
    // that could not hold a round on day 0 fails it (day 0 expects 2,800).
    let q = daily_probability(rate);
    let first_round: Vec<Option<u32>> = trials.iter().map(|t| t.first_round_day).collect();
    let p_value = geometric_fit_p_value(&first_round, 0, q, horizon);
    assert!(
        p_value > MIN_P_VALUE,
        "first round day of an Active start is not Geometric(p = {q:.5}) on 0, 1, ...: \
         chi-square p-value {p_value:.2e}"
    );
    // Seed 404, n = 20,000; standard error s / sqrt(n) of the mean count
    // (a bounded count, so its mean is close to normal); 4 standard errors:
    // false alarm 6.3e-5.
    let expected = expected_rounds(horizon, q, gap, Start::Active);
    let counts: Vec<f64> = trials.iter().map(|t| f64::from(t.rounds)).collect();
    let (mean, se) = mean_and_se(&counts);
    assert_within_se("mean rounds, Active start", mean, expected, se);

    // Pending start with one always-open mediator (M = 1, rounds at hazard
    // r M = r) and E = 1: confirmation has hazard c exp(beta_M - beta_E E),
    // the first round may come max(P, 1) days after the confirmation day,
    // and with G = 0 the next one the day after a round.
    let (rate, gap, prep) = (0.2, 0, 7);
    let confirmation = Hazard {
        base: 0.05,
        escalation_coef: 0.5,
        mediation_coef: 1.0,
    };
    let p_confirm = daily_probability(
        confirmation.base * (confirmation.mediation_coef - confirmation.escalation_coef).exp(),
    );
    let start = Start::Pending {
        p_confirm,
        preparation_days: prep,
    };
    let pending = ScenarioSpec {
        horizon_days: horizon,
        mediators: vec![always_open_mediator()],
        exchange: ExchangeSpec {
            initial_phase: "pending",
            preparation_days: prep,
            min_days_between_rounds: gap,
            round_rate: rate,
            requires_mediator: true,
            confirmation,
            ..ExchangeSpec::default()
        },
        ..ScenarioSpec::default()
    };
    let (seed, n) = (405, 20_000);
    let trials = observe_trials(&pending.scenario(seed), seed, n, |_, trace| {
        read_rounds(trace, start, gap)
    });
    if let Some(b) = trials.iter().find_map(|t| t.breach.as_ref()) {
        panic!("Pending start breaks the timing rules: {b}");
    }
    // The confirmation day is Geometric(p_confirm) on 0, 1, ..., censored
    // at the horizon. Chi-square test: false alarm 1e-3.
    let activation: Vec<Option<u32>> = trials.iter().map(|t| t.activation_day).collect();
    let p_value = geometric_fit_p_value(&activation, 0, p_confirm, horizon);
    assert!(
        p_value > MIN_P_VALUE,
        "confirmation day is not Geometric(p = {p_confirm:.5}) on 0, 1, ...: \
         chi-square p-value {p_value:.2e}"
    );
    // After confirmation on day a, the first round comes a + D days later,
    // D Geometric(q) on max(P, 1), max(P, 1) + 1, ... Among the trials
    // confirmed by day H - 60, every D below 60 is seen within the horizon,
    // so D is censored at 60 alike for all of them. Chi-square test: false
    // alarm 1e-3; a first round one day late fails it (D = 7 expects 3,600).
    let window = 60;
    let q = daily_probability(rate);
    let delays: Vec<Option<u32>> = trials
        .iter()
        .filter_map(|t| {
            let a = t.activation_day.filter(|&a| a <= horizon - window)?;
            Some(t.first_round_day.map(|d| d - a))
        })
        .collect();
    let p_value = geometric_fit_p_value(&delays, prep.max(1), q, window);
    assert!(
        p_value > MIN_P_VALUE,
        "days from confirmation to the first round are not max(P, 1) + Geometric(p = {q:.5}): \
         chi-square p-value {p_value:.2e}"
    );
    // Seed 405, n = 20,000; standard error s / sqrt(n); 4 standard errors:
    // false alarm 6.3e-5.
    let expected = expected_rounds(horizon, q, gap, start);
    let counts: Vec<f64> = trials.iter().map(|t| f64::from(t.rounds)).collect();
    let (mean, se) = mean_and_se(&counts);
    assert_within_se("mean rounds, Pending start", mean, expected, se);
}

// ---------------------------------------------------------------------------
// 5. Common outages
// ---------------------------------------------------------------------------

#[test]
fn common_outages_cover_the_expected_share_of_days() {
    // docs/model.md 5c: an outage drawn on day t is in force from t + 1 and
    // ends after a Geometric number of days (1, 2, ...) with mean m; no start
    // is drawn on a day an outage is in force, so after an outage ends on
    // day e (first day free) starts are drawn on e, e + 1, ... and the next
    // outage is in force from e + K + 1, with K ~ Geometric(p) on 0, 1, ...
    // The outage-free spell is K + 1 days: Geometric on 1, 2, ..., mean 1/p
    // (not (1 - p)/p, as it would be if a start could be drawn on the last
    // day of an outage). Day 0 is free and draws a start too, so the days
    // alternate between free spells (mean 1/p) and outages (mean m), all
    // independent: an alternating renewal process, whose long-run share of
    // outage days is m / (m + 1/p) (renewal-reward theorem: the reward of a
    // cycle is its outage days). The burn-in of 200 days lets the start in a
    // free spell be forgotten: the two-state chain mixes at rate
    // (1 - p - 1/m)^t, about 1e-25 by then.
    let (p, m) = (0.05, 5.0);
    let (horizon, burn_in) = (3650u32, 200u32);
    let spec = ScenarioSpec {
        horizon_days: horizon,
        common_outage_probability: p,
        common_outage_mean_days: m,
        mediators: vec![always_open_mediator()],
        ..ScenarioSpec::default()
    };
    // Spells of each kind taken from every trial: a fixed number, so that
    // the samples are independent draws of the spell laws. 20 cycles average
    // 500 days, far within the horizon.
    let spells_per_trial = 20;
    struct OutageTrial {
        share: f64,
        outage_lengths: Vec<u32>,
        free_spells: Vec<u32>,
        breach: Option<String>,
    }
    let (seed, n) = (505, 1_000);
    let trials = observe_trials(&spec.scenario(seed), seed, n, |_, trace| {
        let mut in_outage = vec![false; horizon as usize];
        let mut breach = None;
        let mut outage_lengths = Vec::new();
        let mut free_spells = Vec::new();
        let mut previous_end: Option<u32> = None;
        for &(a, b) in &trace.common_outage {
            // Day 0 has no outage; outages last a day or more and are
            // separated by at least one free day (5c).
            if a >= b || b > horizon || previous_end.map_or(a == 0, |e| a <= e) {
                breach.get_or_insert(format!(
                    "outage [{a}, {b}) after one ending on {previous_end:?}"
                ));
            }
            if let Some(e) = previous_end
                && free_spells.len() < spells_per_trial
            {
                free_spells.push(a - e);
            }
            // An outage cut off by the horizon has no known length.
            if b < horizon && outage_lengths.len() < spells_per_trial {
                outage_lengths.push(b - a);
            }
            previous_end = Some(b);
            for d in a..b {
                in_outage[d as usize] = true;
            }
        }
        // The one channel is always open with w = 1, so M = 0 on an outage
        // day and 1 on every other day.
        for (d, (&outage, &strength)) in in_outage.iter().zip(&trace.mediation).enumerate() {
            let expected = if outage { 0.0 } else { 1.0 };
            if strength != expected {
                breach.get_or_insert(format!("day {d}: M = {strength}, outage {outage}"));
            }
        }
        let days = in_outage[burn_in as usize..].iter().filter(|&&o| o).count();
        OutageTrial {
            share: days as f64 / f64::from(horizon - burn_in),
            outage_lengths,
            free_spells,
            breach,
        }
    });
    if let Some(b) = trials.iter().find_map(|t| t.breach.as_ref()) {
        panic!("common outage trace breaks its rules: {b}");
    }

    // Seed 505, n = 1,000 trials, 20,000 spells of each kind. Chi-square
    // tests, each with false alarm 1e-3: outage lengths Geometric(1/m) on
    // 1, 2, ..., and free spells after an outage Geometric(p) on 1, 2, ...
    let check_spells = |what: &str, probability: f64, spells: fn(&OutageTrial) -> &[u32]| {
        let sample: Vec<Option<u32>> = trials
            .iter()
            .flat_map(|t| {
                let s = spells(t);
                assert_eq!(s.len(), spells_per_trial, "too few {what} in a trial");
                s.iter().map(|&d| Some(d))
            })
            .collect();
        let p_value = geometric_fit_p_value(&sample, 1, probability, u32::MAX);
        assert!(
            p_value > MIN_P_VALUE,
            "{what} are not Geometric(p = {probability}) on 1, 2, ...: \
             chi-square p-value {p_value:.2e}"
        );
    };
    check_spells("outage lengths", 1.0 / m, |t| &t.outage_lengths);
    check_spells("outage-free spells", p, |t| &t.free_spells);

    // Seed 505, n = 1,000 trials of 3,450 days each; the standard error is
    // the between-trial standard deviation of the per-trial shares over
    // sqrt(n) (independent trials, each share close to normal); 4 standard
    // errors: false alarm 6.3e-5.
    let shares: Vec<f64> = trials.iter().map(|t| t.share).collect();
    let (share, se) = mean_and_se(&shares);
    assert_within_se(
        "share of days under a common outage",
        share,
        m / (m + 1.0 / p),
        se,
    );
}

// ---------------------------------------------------------------------------
// 6. Round sizes
// ---------------------------------------------------------------------------

#[test]
fn round_sizes_have_the_stated_negative_binomial_mean_and_variance() {
    // Constant E, no pool: every round size is an independent 1 + N with
    // N ~ NegativeBinomial(mean mu, dispersion k), mu = (size_mean - 1)
    // exp(-beta E) (docs/model.md 3.3 and 5a).
    let (e, size_mean, k, beta) = (1.0, 50.0, 1.5, 0.3);
    let spec = ScenarioSpec {
        horizon_days: 100,
        regimes: vec![absorbing_regime("steady", e)],
        exchange: ExchangeSpec {
            round_rate: 0.5,
            size_mean,
            size_dispersion: k,
            size_escalation_coef: beta,
            ..ExchangeSpec::default()
        },
        ..ScenarioSpec::default()
    };
    let (seed, n) = (606, 2_000);
    let sizes: Vec<u64> = observe_trials(&spec.scenario(seed), seed, n, |_, trace| {
        let mut before = 0;
        let mut sizes = Vec::new();
        for event in &trace.events {
            if let TraceEvent::Round { returned, .. } = *event {
                sizes.push(returned - before);
                before = returned;
            }
        }
        sizes
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(sizes.iter().all(|&s| s >= 1), "every round returns someone");
    let count = sizes.len() as f64;
    let extra: Vec<f64> = sizes.iter().map(|&s| s as f64 - 1.0).collect();

    // Mean size 1 + mu. Seed 606, n = 2,000 trials, about 79,000 rounds;
    // standard error s / sqrt(rounds); 4 standard errors: false alarm 6.3e-5.
    let mu = (size_mean - 1.0) * (-beta * e).exp();
    let (mean, se) = mean_and_se(&extra);
    assert_within_se("mean round size", 1.0 + mean, 1.0 + mu, se);

    // Variance of N: mu + mu^2 / k. The sample variance s^2 of `count`
    // independent values has standard error sqrt((mu4 - sigma^4) / count)
    // to first order, with mu4 the fourth central moment. It is taken from
    // the law under test, not the sample, because a sample fourth moment of
    // a heavy-tailed law is itself noisy: from the negative binomial's
    // cumulants k2 = sigma^2 and k4 = mu + 7 mu^2/k + 12 mu^3/k^2 + 6 mu^4/k^3,
    // mu4 = k4 + 3 k2^2. The sampling law of s^2 is right-skewed for a
    // heavy-tailed N, so the tolerance is a generous 5 standard errors (a
    // normal false alarm of 5.7e-7, leaving room for the skew).
    let sigma2 = mu + mu * mu / k;
    let k4 =
        mu + 7.0 * mu.powi(2) / k + 12.0 * mu.powi(3) / k.powi(2) + 6.0 * mu.powi(4) / k.powi(3);
    let mu4 = k4 + 3.0 * sigma2 * sigma2;
    let se_var = ((mu4 - sigma2 * sigma2) / count).sqrt();
    let var = extra.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let z = (var - sigma2) / se_var;
    assert!(
        z.abs() <= 5.0,
        "variance of round size - 1: observed {var:.3}, expected {sigma2:.3}, \
         standard error {se_var:.3}, z = {z:.2} (allowed |z| <= 5)"
    );
}

// ---------------------------------------------------------------------------
// 7. The pool
// ---------------------------------------------------------------------------

/// The first breach, if any, of the rules of the pool and of the phases in
/// one trial's events: returned only grows, by at least one a round, and
/// never beyond the pool; the process completes exactly when it reaches the
/// pool, on the day of that round, and nothing happens after; phases change
/// at most once a day and only along the arrows of docs/model.md 3.3; and a
/// round comes only on a day that began Active and, unless it completed the
/// pool, ended Active.
fn pool_breach(
    outcome: &TrialOutcome,
    trace: &TrialTrace,
    pool: u64,
    start: Phase,
) -> Option<String> {
    let mut phase = start;
    let mut returned = 0;
    let mut rounds = 0;
    let mut previous_day = 0;
    let mut last_change: Option<u32> = None;
    let mut last_round: Option<u32> = None;
    let mut completed_on: Option<u32> = None;
    for event in &trace.events {
        let (TraceEvent::Round { day, .. } | TraceEvent::PhaseChange { day, .. }) = *event;
        if day < previous_day {
            return Some(format!(
                "event on day {day} after one on day {previous_day}"
            ));
        }
        previous_day = day;
        if let Some(c) = completed_on {
            return Some(format!("{event:?} after completion on day {c}"));
        }
        match *event {
            TraceEvent::Round { day, returned: now } => {
                if phase != Phase::Active {
                    return Some(format!("day {day}: round while {phase:?}"));
                }
                if last_change == Some(day) {
                    return Some(format!(
                        "day {day}: round on a day that began in another phase"
                    ));
                }
                if now <= returned || now > pool {
                    return Some(format!(
                        "day {day}: returned went from {returned} to {now}, pool {pool}"
                    ));
                }
                returned = now;
                rounds += 1;
                last_round = Some(day);
            }
            TraceEvent::PhaseChange { day, phase: next } => {
                if last_change == Some(day) {
                    return Some(format!("day {day}: a second phase change, to {next:?}"));
                }
                let allowed = matches!(
                    (phase, next),
                    (Phase::Pending, Phase::Active)
                        | (Phase::Active, Phase::Suspended | Phase::Completed)
                        | (Phase::Suspended, Phase::Active | Phase::Collapsed)
                );
                if !allowed {
                    return Some(format!("day {day}: {phase:?} -> {next:?}"));
                }
                let after_round = last_round == Some(day);
                if next == Phase::Completed {
                    if !after_round || returned != pool {
                        return Some(format!(
                            "day {day}: completed with {returned} of {pool} returned"
                        ));
                    }
                    completed_on = Some(day);
                } else if after_round {
                    return Some(format!("day {day}: round, then {next:?} the same day"));
                }
                phase = next;
                last_change = Some(day);
            }
        }
    }
    if returned != outcome.returned_by_horizon || rounds != outcome.rounds {
        return Some(format!(
            "events give {returned} returned in {rounds} rounds, outcome {} in {}",
            outcome.returned_by_horizon, outcome.rounds
        ));
    }
    if (returned == pool) != (phase == Phase::Completed) || completed_on != outcome.target_day {
        return Some(format!(
            "{returned} of {pool} returned, final phase {phase:?}, target day {:?}",
            outcome.target_day
        ));
    }
    if outcome.final_phase != phase {
        return Some(format!(
            "final phase {:?}, events end in {phase:?}",
            outcome.final_phase
        ));
    }
    None
}

#[test]
fn the_pool_caps_people_returned_and_completes_the_process() {
    // The default forecast is never suspended; a suspension hazard is put
    // back so that every kind of trial the checks need occurs.
    let scenario = ScenarioSource::builtin()
        .parse()
        .expect("the default scenario is valid")
        .rebuilt(|r| r.exchange.suspension.base = Some(0.001824))
        .expect("still valid");
    let pool = scenario
        .target()
        .pool
        .expect("the default scenario has a pool");
    let start = match scenario.exchange().initial_phase {
        swapsim::scenario::InitialPhase::Pending => Phase::Pending,
        swapsim::scenario::InitialPhase::Active => Phase::Active,
        swapsim::scenario::InitialPhase::Suspended => Phase::Suspended,
    };
    // Deterministic rules: checked on every one of 5,000 trials (seed 707).
    let (seed, n) = (707, 5_000);
    let trials = observe_trials(&scenario, seed, n, |outcome, trace| {
        (*outcome, pool_breach(outcome, trace, pool, start))
    });
    if let Some((trial, b)) = trials
        .iter()
        .enumerate()
        .find_map(|(i, t)| t.1.as_ref().map(|b| (i, b)))
    {
        panic!("trial {trial} of the default scenario: {b}");
    }
    // The rules above are only exercised if trials that complete, trials
    // that do not, and suspended trials all occur.
    let count = |f: fn(&TrialOutcome) -> bool| trials.iter().filter(|t| f(&t.0)).count();
    let completed = count(|o| o.final_phase == Phase::Completed);
    let suspended = count(|o| o.suspensions > 0);
    assert!(
        completed > 0 && completed < trials.len() && suspended > 0,
        "of {n} trials, {completed} completed and {suspended} were suspended: \
         the checks need every kind"
    );
}
