//! Dated events, a given escalation path and milestones (MODEL.md v2).
//!
//! Each test writes a small scenario in which the rule it checks has a
//! known consequence: exact where the rule leaves nothing to chance (a
//! certain round, a channel that never closes), and within a tolerance
//! derived from the Monte Carlo standard error, stated next to the
//! assertion, where it does. Seeds are fixed, so every test is
//! deterministic.

use swapsim::engine::{self, StreamKeys};
use swapsim::model::{Model, Phase, TraceEvent, TrialOutcome, TrialTrace};
use swapsim::outcomes::{Bounds, Measure};
use swapsim::scenario::Scenario;
use swapsim::stats::{Accumulator, Results};

/// Standard errors allowed between an estimate and its exact value; with
/// `P(|Z| > 4.5) = 7e-6` a few dozen checks per test keep the false-alarm
/// rate negligible.
const Z: f64 = 4.5;

/// A hazard per day whose daily probability `1 - exp(-1000)` is 1 in double
/// precision.
const CERTAIN: f64 = 1000.0;

/// A scenario of 120 days from 2026-01-01: one regime of intensity 1 that
/// is never left, no shocks, one mediator whose channel never closes and
/// gives `M = 1`, an Active process that never suspends, and a round of one
/// person on every eligible day. `extra` is appended (events, tables).
fn scenario(exchange: &str, extra: &str) -> String {
    format!(
        r#"
name = "events test"
[simulation]
trials = 2000
horizon_days = 120
start_date = "2026-01-01"
seed = 7
[escalation]
initial_regime = "steady"
shock_daily_probability = 0.0
shock_mean_size = 0.0
shock_half_life_days = 7
[[escalation.regimes]]
name = "steady"
intensity = 1.0
mean_duration_days = 20
next = {{ offensive = 1.0 }}
[[escalation.regimes]]
name = "offensive"
intensity = 1.8
mean_duration_days = 20
next = {{ steady = 1.0 }}
[mediation]
[[mediation.mediators]]
name = "Turkey"
availability = 1.0
mean_outage_days = 5
effectiveness = 1.0
[exchange]
initial_phase = "active"
preparation_days = 0
min_days_between_rounds = 1
round_rate = {CERTAIN}
requires_mediator = false
size_mean = 1
size_dispersion = 1
confirmation = {{ base = 0.05 }}
suspension = {{ base = 0.0 }}
resumption = {{ base = 0.05 }}
{exchange}
{extra}
"#
    )
}

fn parse(text: &str) -> Scenario {
    Scenario::from_toml_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Every trial's outcome and trace, in trial order.
fn simulate(s: &Scenario) -> Vec<(TrialOutcome, TrialTrace)> {
    let model = Model::new(s);
    let keys = StreamKeys::new(s.mediator_names());
    (0..s.simulation().trials)
        .map(|trial| {
            let mut streams = keys.trial_streams(s.simulation().seed, trial);
            let mut trace = TrialTrace::default();
            let outcome = model.simulate(&mut streams, &mut trace);
            (outcome, trace)
        })
        .collect()
}

/// The run's estimates, as `swapsim run` computes them.
fn results(s: &Scenario) -> Results {
    let model = Model::new(s);
    let keys = StreamKeys::new(s.mediator_names());
    let acc = engine::run_serial(
        &model,
        &keys,
        s.simulation().seed,
        0..s.simulation().trials,
        Accumulator::new(s),
    );
    acc.finish(s)
}

fn channel<'r>(r: &'r Results, name: &str) -> &'r [f64] {
    &r.daily_channels
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column for {name}"))
        .1
}

fn rounds_on(trace: &TrialTrace, day: u32) -> bool {
    trace
        .events
        .iter()
        .any(|e| matches!(e, TraceEvent::Round { day: d, .. } if *d == day))
}

fn phase_changes(trace: &TrialTrace) -> Vec<(u32, Phase)> {
    trace
        .events
        .iter()
        .filter_map(|e| match *e {
            TraceEvent::PhaseChange { day, phase } => Some((day, phase)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_forced_regime_gives_its_intensity_plus_the_expected_shock_and_season() {
    // Shocks with p = 0.05 and mean 0.5 from S_0 = 0: E[S_t] = p mu (1 -
    // a^t) / (1 - a) with a = 2^(-1/7); February adds 0.3. The window is
    // 2026-02-10 to 2026-03-11 (days 40 to 69).
    let text = scenario("", "")
        .replace(
            "shock_daily_probability = 0.0\nshock_mean_size = 0.0",
            "shock_daily_probability = 0.05\nshock_mean_size = 0.5\nseasonal = { feb = 0.3 }",
        )
        .replace("trials = 2000", "trials = 20000")
        + "[[events]]\nname = \"Offensive\"\ndate = \"2026-02-10\"\nuntil = \"2026-03-11\"\nregime = \"offensive\"\n";
    let s = parse(&text);
    let trials = simulate(&s);
    let n = trials.len() as f64;
    let (p, mu, a) = (0.05f64, 0.5f64, (-1.0f64 / 7.0).exp2());
    for t in 40..70u32 {
        let mean = trials
            .iter()
            .map(|(_, tr)| tr.escalation[t as usize])
            .sum::<f64>()
            / n;
        let season = if t < 59 { 0.3 } else { 0.0 };
        let shock = p * mu * (1.0 - a.powi(t as i32)) / (1.0 - a);
        let expected = 1.8 + shock + season;
        // Var(S_t) = Var(J) (1 - a^2t) / (1 - a^2), Var(J) = 2 p mu^2 -
        // (p mu)^2; the mean over n trials has standard error sqrt(Var/n).
        let var_j = 2.0 * p * mu * mu - (p * mu).powi(2);
        let se = (var_j * (1.0 - a.powi(2 * t as i32)) / (1.0 - a * a) / n).sqrt();
        assert!(
            (mean - expected).abs() < Z * se,
            "day {t}: mean E {mean}, expected {expected} (se {se})"
        );
    }
    // Without the event, the same days are in both regimes.
    let free = simulate(&parse(
        &scenario("", "").replace("trials = 2000", "trials = 200"),
    ));
    assert!(free.iter().any(|(_, tr)| tr.escalation[50] == 1.0));
}

#[test]
fn after_remove_mediators_the_channel_is_closed_and_mediation_is_the_others() {
    // UAE (w = 0.5) closes and reopens; Turkey (w = 0.6) never closes. From
    // day 40 on, M = 0.6 exactly in every trial, and UAE's share is 0.
    let extra = r#"
[[mediation.mediators]]
name = "UAE"
availability = 0.7
mean_outage_days = 5
effectiveness = 0.5
[[events]]
name = "UAE channel closes"
date = "2026-02-10"
remove_mediators = ["UAE"]
"#;
    let text = scenario("", extra).replace("effectiveness = 1.0", "effectiveness = 0.6");
    let r = results(&parse(&text));
    let uae = channel(&r, "UAE");
    for (t, (share, row)) in uae.iter().zip(&r.daily).enumerate().skip(40) {
        assert_eq!(*share, 0.0, "day {t}");
        assert!((row.mean_mediation - 0.6).abs() < 1e-9, "day {t}");
    }
    // Before: UAE open on some days, so mediation is above 0.6.
    assert!(uae[39] > 0.5 && r.daily[39].mean_mediation > 0.65);
}

#[test]
fn a_set_of_round_rate_changes_the_round_frequency_from_its_day_only() {
    let text = scenario("", "[[events]]\nname = \"Faster\"\ndate = \"2026-02-20\"\nset = { \"exchange.round_rate\" = 0.3 }\n")
        .replace(&format!("round_rate = {CERTAIN}"), "round_rate = 0.05")
        .replace("trials = 2000", "trials = 20000");
    let trials = simulate(&parse(&text));
    let n = trials.len() as f64;
    let share = |day: u32| trials.iter().filter(|(_, tr)| rounds_on(tr, day)).count() as f64 / n;
    for (day, h) in [(48u32, 0.05f64), (49, 0.05), (50, 0.3), (51, 0.3)] {
        // Every day is eligible (gap 1, no preparation): P = 1 - exp(-h);
        // standard error sqrt(P (1 - P) / n).
        let p = -(-h).exp_m1();
        let se = (p * (1.0 - p) / n).sqrt();
        assert!(
            (share(day) - p).abs() < Z * se,
            "day {day}: {} vs {p}",
            share(day)
        );
    }
}

#[test]
fn a_forced_suspension_suspends_every_trial_and_some_resume_or_collapse_that_day() {
    // Day 30: every trial is Active (suspension base 0), so each is forced
    // to Suspended and counts one suspension on day 30. Step 2 then applies:
    // collapse first (h = 0.1), else resumption (h = 0.5), so the share
    // still suspended at the end of the day is exp(-0.1) exp(-0.5).
    let text = scenario(
        "collapse = { base = 0.1 }",
        "[[events]]\nname = \"Talks break down\"\ndate = \"2026-01-31\"\nphase = \"suspended\"\n",
    )
    .replace(
        "resumption = { base = 0.05 }",
        "resumption = { base = 0.5 }",
    )
    .replace("trials = 2000", "trials = 20000");
    let s = parse(&text);
    let trials = simulate(&s);
    for (o, _) in &trials {
        assert_eq!(o.first_suspension_day, Some(30));
        assert!(o.suspensions >= 1);
    }
    let r = results(&s);
    let n = trials.len() as f64;
    for (share, p) in [
        (r.daily[30].share_suspended, (-0.6f64).exp()),
        (r.daily[30].share_collapsed, -(-0.1f64).exp_m1()),
    ] {
        // Binomial share: standard error sqrt(p (1 - p) / n).
        let se = (p * (1.0 - p) / n).sqrt();
        assert!((share - p).abs() < Z * se, "{share} vs {p}");
    }
    assert_eq!(r.daily[29].share_suspended, 0.0);
}

#[test]
fn a_given_path_is_reproduced_exactly_and_joined_continuously() {
    // Days 10 to 14 follow the path; on day 15 the chain is in
    // path_continues_in ("steady", 1.0) with S = 2.5 - 1.0 = 1.5, which then
    // halves every 7 days (no new shocks).
    let extra = r#"
[escalation]
path = [ { date = "2026-01-11", level = 0.4 }, { date = "2026-01-12", level = 3.0 },
         { date = "2026-01-13", level = 0.0 }, { date = "2026-01-15", level = 2.5 } ]
fill = "previous"
path_continues_in = "steady"
"#;
    let text = scenario("", "").replace("[escalation]\n", extra.trim_start());
    let s = parse(&text);
    let r = results(&s);
    let given = [0.4, 3.0, 0.0, 0.0, 2.5];
    for (k, level) in given.iter().enumerate() {
        // daily.csv sums in units of 2^-32.
        assert!(
            (r.daily[10 + k].mean_escalation - level).abs() < 1e-9,
            "day {}",
            10 + k
        );
    }
    for (_, tr) in simulate(&s) {
        for (k, level) in given.iter().enumerate() {
            assert_eq!(tr.escalation[10 + k], *level);
        }
        assert!((tr.escalation[15] - 2.5).abs() < 1e-12);
        // Steady may be left at the end of day 15 or later (mean 20 days),
        // so day 16 is steady or offensive with the decayed shock.
        let s16 = 1.5 * (-1.0f64 / 7.0).exp2();
        assert!(
            (tr.escalation[16] - (1.0 + s16)).abs() < 1e-12
                || (tr.escalation[16] - (1.8 + s16)).abs() < 1e-12,
            "{}",
            tr.escalation[16]
        );
    }
}

#[test]
fn a_regime_forced_on_the_day_after_the_path_wins_and_sets_the_shock() {
    // The path ends on day -1 (the day before the start), so the junction
    // is on day 0 (edge case 6), and the forced regime (1.8) wins over
    // path_continues_in: S = 2.5 - 1.8 = 0.7, E_0 = 2.5, E_1 = 1.8 + 0.7 a.
    let text = scenario(
        "",
        "[[events]]\nname = \"Offensive\"\ndate = \"2026-01-01\"\nuntil = \"2026-01-05\"\nregime = \"offensive\"\n",
    )
    .replace(
        "shock_half_life_days = 7\n",
        "shock_half_life_days = 7\npath = [ { date = \"2025-12-30\", level = 9.0 }, { date = \"2025-12-31\", level = 2.5 } ]\n",
    );
    for (_, tr) in simulate(&parse(&text)) {
        assert!((tr.escalation[0] - 2.5).abs() < 1e-12);
        let e1 = 1.8 + 0.7 * (-1.0f64 / 7.0).exp2();
        assert!(
            (tr.escalation[1] - e1).abs() < 1e-12,
            "{}",
            tr.escalation[1]
        );
    }
}

/// Days of every round of a trial, in order.
fn round_days(trace: &TrialTrace) -> Vec<u32> {
    trace
        .events
        .iter()
        .filter_map(|e| match *e {
            TraceEvent::Round { day, .. } => Some(day),
            _ => None,
        })
        .collect()
}

#[test]
fn a_changed_minimum_gap_applies_from_its_date_to_the_round_before_it() {
    // A round every day up to day 9; from day 10 the gap is 5 days, read
    // on each day with the value then in force (MODEL.md: "each day uses
    // the values in force that day"), so day 10 (g = 1) has no round and
    // the next comes on day 14, then every 5 days.
    let text = scenario(
        "",
        "[[events]]\nname = \"Slower\"\ndate = \"2026-01-11\"\n\
         set = { \"exchange.min_days_between_rounds\" = 5 }\n",
    );
    let want: Vec<u32> = (0..10).chain((14..120).step_by(5)).collect();
    for (_, tr) in simulate(&parse(&text)) {
        assert_eq!(round_days(&tr), want);
    }
}

#[test]
fn a_shortened_preparation_applies_to_an_activation_before_its_date() {
    // Confirmed on day 0 (a certain hazard) with 10 days of preparation;
    // from day 3 the preparation is 2 days, which a = 3 already meets, so
    // the first round is on day 3 rather than day 10.
    let text = scenario(
        "preparation_days = 10\n",
        "[[events]]\nname = \"Lists ready\"\ndate = \"2026-01-04\"\n\
         set = { \"exchange.preparation_days\" = 2 }\n",
    )
    .replace("initial_phase = \"active\"", "initial_phase = \"pending\"")
    .replace("preparation_days = 0\n", "")
    .replace(
        "confirmation = { base = 0.05 }",
        &format!("confirmation = {{ base = {CERTAIN} }}"),
    );
    for (_, tr) in simulate(&parse(&text)) {
        assert_eq!(phase_changes(&tr)[0], (0, Phase::Active));
        assert_eq!(round_days(&tr).first(), Some(&3));
    }
}

#[test]
fn raising_the_pool_reactivates_a_completed_process_and_lowering_it_completes_one() {
    // One person a day from day 0: a pool of 10 completes on day 9. Raised to
    // 15 on day 20: Active again that day (no preparation, the gap is long
    // past), so rounds on days 20 to 24 complete it on day 24.
    let raised = scenario(
        "",
        "[target]\npool = 10\n[[events]]\nname = \"Second deal\"\ndate = \"2026-01-21\"\nset = { \"target.pool\" = 15 }\n",
    );
    for (o, tr) in simulate(&parse(&raised)) {
        assert_eq!(
            phase_changes(&tr),
            [
                (9, Phase::Completed),
                (20, Phase::Active),
                (24, Phase::Completed)
            ]
        );
        assert_eq!(o.returned_by_horizon, 15);
        assert!(rounds_on(&tr, 20) && !rounds_on(&tr, 19));
    }
    // Lowered to 3 on day 5 with 5 returned: Completed on day 5, no round.
    // With `until` on day 7 the pool is 10 again on day 8 (edge case 5):
    // Active that day, completing on day 12.
    let lowered = scenario(
        "",
        "[target]\npool = 10\n[[events]]\nname = \"Cut\"\ndate = \"2026-01-06\"\nuntil = \"2026-01-08\"\nset = { \"target.pool\" = 3 }\n",
    );
    for (_, tr) in simulate(&parse(&lowered)) {
        assert_eq!(
            phase_changes(&tr),
            [
                (5, Phase::Completed),
                (8, Phase::Active),
                (12, Phase::Completed)
            ]
        );
        assert!(!rounds_on(&tr, 5) && rounds_on(&tr, 8));
    }
}

#[test]
fn pool_changes_apply_before_a_forced_phase_of_the_same_day() {
    // Edge case 2: on day 20 the raised pool reactivates the Completed
    // process first, so the forced suspension then applies and counts.
    let text = scenario(
        "",
        "[target]\npool = 10\n[[events]]\nname = \"Deal and breakdown\"\ndate = \"2026-01-21\"\nset = { \"target.pool\" = 15 }\nphase = \"suspended\"\n",
    );
    for (o, tr) in simulate(&parse(&text)) {
        assert_eq!(o.suspensions, 1);
        assert_eq!(o.first_suspension_day, Some(20));
        assert_eq!(
            &phase_changes(&tr)[..3],
            [
                (9, Phase::Completed),
                (20, Phase::Active),
                (20, Phase::Suspended)
            ]
        );
    }
}

#[test]
fn an_added_mediator_counts_on_the_day_a_raised_pool_reactivates() {
    // Edge case 2, mediators added before pool changes: rounds need a
    // mediator, Turkey leaves on day 15 after the pool of 10 completed on
    // day 9, and on day 20 one event adds Qatar (never closing) and raises
    // the pool to 15. The process is Active on day 20 with Qatar open, so
    // rounds on days 20 to 24 complete it on day 24.
    let text = scenario(
        "",
        "[target]\npool = 10\n\
         [[events]]\nname = \"Turkey leaves\"\ndate = \"2026-01-16\"\nremove_mediators = [\"Turkey\"]\n\
         [[events]]\nname = \"Qatar's deal\"\ndate = \"2026-01-21\"\nset = { \"target.pool\" = 15 }\n\
         add_mediators = [ { name = \"Qatar\", availability = 1.0, mean_outage_days = 5, effectiveness = 1.0 } ]\n",
    )
    .replace("requires_mediator = false", "requires_mediator = true");
    for (o, tr) in simulate(&parse(&text)) {
        assert_eq!(
            phase_changes(&tr),
            [
                (9, Phase::Completed),
                (20, Phase::Active),
                (24, Phase::Completed)
            ]
        );
        assert_eq!(tr.mediation[19], 0.0);
        assert_eq!(tr.mediation[20], 1.0);
        assert!((20..=24).all(|d| rounds_on(&tr, d)));
        assert_eq!(o.returned_by_horizon, 15);
    }
}

#[test]
fn an_added_mediator_counts_on_the_day_a_forced_phase_activates() {
    // Edge case 2, mediators added before a forced phase: a Pending process
    // that is never confirmed and has no mediator until day 20, when one
    // event adds Qatar and forces `active`. With no preparation the first
    // round is held that same day, which needs M_20 = 1.
    let text = scenario(
        "",
        "[[events]]\nname = \"Turkey out\"\ndate = \"2026-01-01\"\nremove_mediators = [\"Turkey\"]\n\
         [[events]]\nname = \"Qatar brokers\"\ndate = \"2026-01-21\"\nphase = \"active\"\n\
         add_mediators = [ { name = \"Qatar\", availability = 1.0, mean_outage_days = 5, effectiveness = 1.0 } ]\n",
    )
    .replace("requires_mediator = false", "requires_mediator = true")
    .replace("initial_phase = \"active\"", "initial_phase = \"pending\"")
    .replace(
        "confirmation = { base = 0.05 }",
        "confirmation = { base = 0.0 }",
    );
    for (o, tr) in simulate(&parse(&text)) {
        assert_eq!(phase_changes(&tr), [(20, Phase::Active)]);
        assert!(rounds_on(&tr, 20) && !rounds_on(&tr, 19));
        assert_eq!(o.rounds, 100);
    }
}

/// The steady regime has intensity 0 and is never left, resumption and
/// collapse are off, and suspension has hazard `1e-14 exp(20 E)`: `1e-14` a
/// day at the steady level `E = 0`, 43 at the offensive level `E = 1.8`
/// (probability `1 - 2e-19`).
fn suspends_only_in_the_offensive(extra: &str) -> String {
    scenario("", extra)
        .replace(
            "name = \"steady\"\nintensity = 1.0\nmean_duration_days = 20\nnext = { offensive = 1.0 }\n",
            "name = \"steady\"\nintensity = 0.0\n",
        )
        .replace("initial_phase = \"active\"", "initial_phase = \"suspended\"")
        .replace(
            "suspension = { base = 0.0 }",
            "suspension = { base = 1e-14, escalation_coef = 20 }",
        )
        .replace("resumption = { base = 0.05 }", "resumption = { base = 0.0 }")
}

#[test]
fn a_forced_regime_applies_before_a_forced_phase_of_the_same_day() {
    // Edge case 2, forced regime before forced phase: on day 30 one event
    // forces the offensive and `active`. Step 2 of that day then runs in the
    // Active phase at E = 1.8, so every trial is suspended again that day,
    // and the forced reactivation is what the suspension interrupts. With
    // the regime event alone the process stays Suspended throughout.
    let both = suspends_only_in_the_offensive(
        "[[events]]\nname = \"Offensive and talks\"\ndate = \"2026-01-31\"\nuntil = \"2026-02-04\"\n\
         regime = \"offensive\"\nphase = \"active\"\n",
    );
    for (o, tr) in simulate(&parse(&both)) {
        assert!((tr.escalation[30] - 1.8).abs() < 1e-12);
        assert_eq!(
            phase_changes(&tr),
            [(30, Phase::Active), (30, Phase::Suspended)]
        );
        assert_eq!((o.suspensions, o.first_suspension_day), (1, Some(30)));
    }
    let regime_only = suspends_only_in_the_offensive(
        "[[events]]\nname = \"Offensive\"\ndate = \"2026-01-31\"\nuntil = \"2026-02-04\"\n\
         regime = \"offensive\"\n",
    );
    for (o, tr) in simulate(&parse(&regime_only)) {
        assert!(phase_changes(&tr).is_empty());
        assert_eq!(o.suspensions, 0);
    }
}

#[test]
fn a_path_junction_applies_before_a_forced_phase_of_the_same_day() {
    // Edge case 2, path junction before forced phase: the path ends on day
    // 29 at level 2.5, so on day 30 the steady regime (intensity 0) is
    // entered with S = 2.5 and E_30 = 2.5; a phase event on day 30 forces
    // `active`, and step 2 at E = 2.5 suspends every trial that day. Had the
    // junction not yet applied, E_30 would not be 2.5.
    let text = suspends_only_in_the_offensive(
        "[[events]]\nname = \"Talks\"\ndate = \"2026-01-31\"\nphase = \"active\"\n",
    )
    .replace(
        "shock_half_life_days = 7\n",
        "shock_half_life_days = 7\npath = [ { date = \"2026-01-29\", level = 0.2 }, { date = \"2026-01-30\", level = 2.5 } ]\n",
    );
    for (o, tr) in simulate(&parse(&text)) {
        assert!((tr.escalation[29] - 2.5).abs() < 1e-12);
        assert!((tr.escalation[30] - 2.5).abs() < 1e-12);
        assert_eq!(
            phase_changes(&tr),
            [(30, Phase::Active), (30, Phase::Suspended)]
        );
        assert_eq!(o.suspensions, 1);
    }
}

#[test]
fn a_pool_change_applies_before_a_forced_regime_of_the_same_day() {
    // Edge case 2, pool changes before a forced regime: the pool of 10
    // completed on day 9 is raised to 15 on day 20 by an event that also
    // forces the offensive, whose suspension hazard is certain. The process
    // is reactivated first, then suspended by step 2 at E = 1.8 that day
    // (a Completed process would not be). When the event ends on day 22 the
    // pool of 10 is back and completes the process that day (edge case 5).
    // The process starts Active here.
    let text = suspends_only_in_the_offensive(
        "[target]\npool = 10\n[[events]]\nname = \"Deal in the offensive\"\ndate = \"2026-01-21\"\n\
         until = \"2026-01-22\"\nregime = \"offensive\"\nset = { \"target.pool\" = 15 }\n",
    )
    .replace(
        "initial_phase = \"suspended\"",
        "initial_phase = \"active\"",
    );
    for (o, tr) in simulate(&parse(&text)) {
        assert_eq!(
            phase_changes(&tr),
            [
                (9, Phase::Completed),
                (20, Phase::Active),
                (20, Phase::Suspended),
                (22, Phase::Completed)
            ]
        );
        assert_eq!((o.suspensions, o.returned_by_horizon), (1, 10));
    }
}

#[test]
fn target_by_deadline_uses_the_pool_in_force_on_the_deadline_day() {
    // Edge case 5. One person a day from day 0 and a deadline on day 30: a
    // pool of 10 is complete on day 9. Each case is certain, so every trial
    // gives the same value of the measure `swapsim run` averages.
    let deadline = "[target]\npool = 10\ndeadline = \"2026-01-31\"\n";
    let cases = [
        // Raised to 50 before the deadline (day 20): Active again from day
        // 20, complete on day 59 (10 + 40 rounds from day 20): not by the
        // deadline, which sees the pool of 50.
        ("2026-01-21", 50, 0, Some(59), 21),
        // Raised on the deadline day: Active on day 30, so not Completed at
        // its end; complete on day 69.
        ("2026-01-31", 50, 0, Some(69), 11),
        // Raised the day after: Completed at the end of the deadline day
        // under the pool of 10 then in force; the target day is day 9.
        ("2026-02-01", 50, 1, Some(9), 10),
    ];
    for (date, pool, by_deadline, target_day, returned) in cases {
        let text = scenario(
            "",
            &format!(
                "{deadline}[[events]]\nname = \"Change\"\ndate = \"{date}\"\nset = {{ \"target.pool\" = {pool} }}\n"
            ),
        );
        let s = parse(&text);
        for (o, _) in simulate(&s) {
            assert_eq!(
                Measure::TargetByDeadline.value(&o, Bounds::of(&s)),
                by_deadline,
                "pool {pool} from {date}"
            );
            assert_eq!(o.target_day, target_day, "pool {pool} from {date}");
            assert_eq!(o.returned_by_deadline, returned, "pool {pool} from {date}");
        }
    }
    // Lowering: a pool of 100 cut to 20 before or on the deadline day
    // completes on that day (20 or 30 returned by then), so the target is
    // reached by the deadline; cut the day after, it is reached on day 31.
    let cases = [
        ("2026-01-21", 1, Some(20), 20),
        ("2026-01-31", 1, Some(30), 30),
        ("2026-02-01", 0, Some(31), 31),
    ];
    for (date, by_deadline, target_day, returned) in cases {
        let text = scenario(
            "",
            &format!(
                "{}[[events]]\nname = \"Cut\"\ndate = \"{date}\"\nset = {{ \"target.pool\" = 20 }}\n",
                deadline.replace("pool = 10", "pool = 100")
            ),
        );
        let s = parse(&text);
        for (o, _) in simulate(&s) {
            assert_eq!(
                Measure::TargetByDeadline.value(&o, Bounds::of(&s)),
                by_deadline,
                "cut from {date}"
            );
            assert_eq!(o.target_day, target_day, "cut from {date}");
            assert_eq!(o.returned_by_deadline, returned, "cut from {date}");
        }
    }
    // An event whose `until` passes before the deadline: a pool of 50 in
    // force on days 5 to 19 only, so day 9 does not complete the process;
    // the pool of 10 is back on day 20 and completes it that day (20
    // returned), before the deadline.
    let text = scenario(
        "",
        &format!(
            "{deadline}[[events]]\nname = \"For a while\"\ndate = \"2026-01-06\"\nuntil = \"2026-01-20\"\n\
             set = {{ \"target.pool\" = 50 }}\n"
        ),
    );
    let s = parse(&text);
    for (o, tr) in simulate(&s) {
        assert_eq!(Measure::TargetByDeadline.value(&o, Bounds::of(&s)), 1);
        assert_eq!(o.target_day, Some(20));
        assert_eq!(phase_changes(&tr), [(20, Phase::Completed)]);
    }
}

#[test]
fn forced_phases_follow_edge_case_three() {
    // `active` on an Active process does not reset preparation: with 5 days
    // of preparation rounds go on every day through day 3.
    let text = scenario(
        "",
        "[[events]]\nname = \"Again\"\ndate = \"2026-01-04\"\nphase = \"active\"\n",
    )
    .replace("preparation_days = 0", "preparation_days = 5");
    for (_, tr) in simulate(&parse(&text)) {
        assert!((0..6).all(|d| rounds_on(&tr, d)));
        assert!(phase_changes(&tr).is_empty());
    }
    // Pending to Suspended is not a suspension; a forced collapse records
    // its day.
    let text = scenario(
        "",
        "[[events]]\nname = \"Frozen\"\ndate = \"2026-01-06\"\nphase = \"suspended\"\n\
         [[events]]\nname = \"Ended\"\ndate = \"2026-01-11\"\nphase = \"collapsed\"\n",
    )
    .replace("initial_phase = \"active\"", "initial_phase = \"pending\"")
    .replace(
        "confirmation = { base = 0.05 }",
        "confirmation = { base = 0.0 }",
    )
    .replace(
        "resumption = { base = 0.05 }",
        "resumption = { base = 0.0 }",
    );
    for (o, tr) in simulate(&parse(&text)) {
        assert_eq!(o.suspensions, 0);
        assert_eq!(o.first_suspension_day, None);
        assert_eq!(o.collapse_day, Some(10));
        assert_eq!(
            phase_changes(&tr),
            [(5, Phase::Suspended), (10, Phase::Collapsed)]
        );
    }
}

#[test]
fn the_values_of_a_day_drive_the_draws_for_the_next() {
    // Edge case 1: a common outage certain to start from the draw of day 50
    // is in force from day 51, not 50; it counts as closed in the open share
    // (edge case 9).
    let text = scenario(
        "",
        "[[events]]\nname = \"Freeze\"\ndate = \"2026-02-20\"\nset = { \"mediation.common_outage_probability\" = 1.0 }\n",
    );
    let r = results(&parse(&text));
    assert_eq!(r.daily[50].mean_mediation, 1.0);
    assert_eq!(r.daily[51].mean_mediation, 0.0);
    assert_eq!(channel(&r, "Turkey")[50], 1.0);
    assert_eq!(channel(&r, "Turkey")[51], 0.0);
}

#[test]
fn an_added_mediator_exists_only_while_its_event_is_in_force() {
    // Edge cases 7 and 9: Qatar, never closing, from day 20 to day 40.
    let text = scenario(
        "",
        "[[events]]\nname = \"Qatar joins\"\ndate = \"2026-01-21\"\nuntil = \"2026-02-10\"\n\
         add_mediators = [ { name = \"Qatar\", availability = 1.0, mean_outage_days = 5, effectiveness = 0.5 } ]\n",
    );
    let r = results(&parse(&text));
    let qatar = channel(&r, "Qatar");
    assert_eq!(qatar[19], 0.0);
    assert!(qatar[20..=40].iter().all(|&s| s == 1.0));
    assert_eq!(qatar[41], 0.0);
}

#[test]
fn a_milestone_has_the_probability_and_median_day_of_its_known_law() {
    // A round of one person with probability p = 1 - exp(-0.13) on every
    // day: the first round is geometric, so P(reached by day b) = 1 - (1 -
    // p)^(b + 1) = 1 - exp(-0.13 (b + 1)), and the median day is the first
    // t with 1 - exp(-0.13 (t + 1)) >= 1/2: t = 5 (0.478 on day 4, 0.542 on
    // day 5, both far from 1/2 at this sample size).
    let text = scenario(
        "",
        "[target]\nmilestones = [ { name = \"first\", people = 1, by = \"2026-01-08\" } ]\n",
    )
    .replace(&format!("round_rate = {CERTAIN}"), "round_rate = 0.13")
    .replace("trials = 2000", "trials = 20000");
    let r = results(&parse(&text));
    let m = &r.summary.milestones[0];
    let p = -(-0.13f64 * 8.0).exp_m1();
    let n = 20000.0;
    // Binomial share: standard error sqrt(p (1 - p) / n).
    let se = (p * (1.0 - p) / n).sqrt();
    assert!(
        (m.reached_by.estimate - p).abs() < Z * se,
        "{}",
        m.reached_by.estimate
    );
    assert!(m.reached_by.ci95[0] < p && p < m.reached_by.ci95[1]);
    assert_eq!(m.day_reached.median, Some(5));
    // A level that fewer than half ever reach has no median day.
    let text = scenario(
        "",
        "[target]\nmilestones = [ { name = \"far\", people = 100, by = \"2026-01-08\" } ]\n",
    )
    .replace(&format!("round_rate = {CERTAIN}"), "round_rate = 0.13");
    let r = results(&parse(&text));
    assert_eq!(r.summary.milestones[0].day_reached.median, None);
    assert_eq!(r.summary.milestones[0].reached_by.count, 0);
}

#[test]
fn a_mediator_event_leaves_the_escalation_path_of_every_trial_unchanged() {
    // Without a path, and with one that ends inside the horizon (a path
    // alone runs the fast passes, a mediator event the daily model; both
    // follow the path with the same escalation pass).
    let moving = scenario("", "").replace(
        "shock_daily_probability = 0.0\nshock_mean_size = 0.0",
        "shock_daily_probability = 0.05\nshock_mean_size = 0.5",
    );
    let with_path = moving.replace(
        "shock_half_life_days = 7\n",
        "shock_half_life_days = 7\npath = [ { date = \"2026-01-11\", level = 2.0 }, \
         { date = \"2026-01-12\", level = 0.5 } ]\n",
    );
    for base in [moving, with_path] {
        let with_event = format!(
            "{base}[[events]]\nname = \"Turkey steps back\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Turkey\"]\n"
        );
        let (a, b) = (results(&parse(&base)), results(&parse(&with_event)));
        let column = |r: &Results| {
            r.daily
                .iter()
                .map(|d| d.mean_escalation.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(column(&a), column(&b));
        assert_ne!(a.daily[60].mean_mediation, b.daily[60].mean_mediation);
        let (sa, sb) = (simulate(&parse(&base)), simulate(&parse(&with_event)));
        for ((_, ta), (_, tb)) in sa.iter().zip(&sb) {
            assert_eq!(ta.escalation, tb.escalation);
        }
    }
}

#[test]
fn moving_an_event_changes_no_trial_before_the_earlier_date() {
    let base = scenario("", "")
        .replace(
            "shock_daily_probability = 0.0\nshock_mean_size = 0.0",
            "shock_daily_probability = 0.05\nshock_mean_size = 0.5",
        )
        .replace(&format!("round_rate = {CERTAIN}"), "round_rate = 0.2")
        .replace(
            "suspension = { base = 0.0 }",
            "suspension = { base = 0.02 }",
        )
        .replace("availability = 1.0", "availability = 0.7")
        .replace("trials = 2000", "trials = 500");
    let event = |date: &str| {
        format!(
            "{base}[[events]]\nname = \"Shift\"\ndate = \"{date}\"\nuntil = \"2026-03-31\"\n\
             regime = \"offensive\"\nset = {{ \"mediation.mediators.Turkey.availability\" = 0.9 }}\n"
        )
    };
    let (early, late) = (
        simulate(&parse(&event("2026-02-10"))),
        simulate(&parse(&event("2026-03-01"))),
    );
    let before = |tr: &TrialTrace| {
        let events: Vec<TraceEvent> = tr
            .events
            .iter()
            .copied()
            .filter(|e| match *e {
                TraceEvent::Round { day, .. } | TraceEvent::PhaseChange { day, .. } => day < 40,
            })
            .collect();
        (
            tr.escalation[..40].to_vec(),
            tr.mediation[..40].to_vec(),
            events,
        )
    };
    let mut differ_later = 0;
    for ((_, a), (_, b)) in early.iter().zip(&late) {
        assert_eq!(before(a), before(b));
        differ_later += usize::from(a.escalation[40..60] != b.escalation[40..60]);
    }
    // The events do matter after the earlier date.
    assert!(differ_later > 0);
}

#[test]
fn invalid_events_are_reported_naming_the_event_and_field() {
    let cases: &[(&str, &str)] = &[
        (
            "[[events]]\nname = \"Late\"\ndate = \"2026-06-01\"\nphase = \"active\"\n",
            "event \"Late\": date = 2026-06-01 lies after the last day",
        ),
        (
            "[[events]]\nname = \"Backwards\"\ndate = \"2026-02-01\"\nuntil = \"2026-01-01\"\nregime = \"steady\"\n",
            "until = 2026-01-01 lies before date",
        ),
        (
            "[[events]]\nname = \"Storm\"\ndate = \"2026-02-01\"\nuntil = \"2026-02-10\"\nregime = \"storm\"\n",
            "event \"Storm\": no regime is named \"storm\"",
        ),
        (
            "[[events]]\nname = \"A\"\ndate = \"2026-02-01\"\nuntil = \"2026-02-10\"\nregime = \"steady\"\n\
             [[events]]\nname = \"B\"\ndate = \"2026-02-05\"\nuntil = \"2026-02-20\"\nregime = \"offensive\"\n",
            "two events cannot force different regimes on the same day",
        ),
        (
            "[[events]]\nname = \"Out\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Turkey\"]\n\
             [[events]]\nname = \"Out again\"\ndate = \"2026-02-05\"\nremove_mediators = [\"Turkey\"]\n",
            "event \"Out again\" (values in force on 2026-02-05): \"Turkey\" is already removed by event \"Out\"",
        ),
        (
            "[[events]]\nname = \"Who\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Oman\"]\n",
            "no mediator is named \"Oman\"",
        ),
        (
            "[[events]]\nname = \"Rare\"\ndate = \"2026-02-01\"\nset = { \"mediation.mediators.Turkey.availability\" = 0.1 }\n",
            "event \"Rare\" (values in force on 2026-02-01): mediation.mediators[0].availability",
        ),
        (
            "[[events]]\nname = \"Twin\"\ndate = \"2026-02-01\"\nadd_mediators = [ { name = \"Turkey\", availability = 0.9, mean_outage_days = 5, effectiveness = 0.5 } ]\n",
            "a mediator named \"Turkey\" already exists",
        ),
        (
            "[[events]]\nname = \"Early set\"\ndate = \"2026-01-10\"\nset = { \"mediation.mediators.Qatar.effectiveness\" = 0.9 }\n\
             [[events]]\nname = \"Qatar\"\ndate = \"2026-02-01\"\nadd_mediators = [ { name = \"Qatar\", availability = 0.9, mean_outage_days = 5, effectiveness = 0.5 } ]\n",
            "event \"Early set\" (values in force on 2026-01-10): mediation.mediators.Qatar.effectiveness: no mediator is named \"Qatar\"",
        ),
    ];
    for (extra, expected) in cases {
        let err = Scenario::from_toml_str(&scenario("", extra), "bad.toml")
            .expect_err(extra)
            .to_string();
        assert!(
            err.contains(expected),
            "{extra}\nexpected {expected:?} in:\n{err}"
        );
        assert!(err.contains("bad.toml"), "{err}");
    }
}

#[test]
fn invalid_paths_are_reported_by_row() {
    let path = |rows: &str, fill: &str| {
        scenario("", "").replace(
            "shock_half_life_days = 7\n",
            &format!("shock_half_life_days = 7\npath = [ {rows} ]\n{fill}"),
        )
    };
    let cases = [
        (
            path(
                "{ date = \"2026-01-01\", level = 1 }, { date = \"2026-01-03\", level = 1 }",
                "",
            ),
            "path row 2: 1 days are missing between 2026-01-01 and 2026-01-03",
        ),
        (
            path(
                "{ date = \"2026-01-02\", level = 1 }, { date = \"2026-01-01\", level = 1 }",
                "fill = \"previous\"\n",
            ),
            "path row 2: 2026-01-01 does not come after 2026-01-02: dates must increase",
        ),
        (
            path("{ date = \"2026-01-01\", level = -1 }", ""),
            "path row 1: level = -1 is not allowed",
        ),
    ];
    for (text, expected) in cases {
        let err = Scenario::from_toml_str(&text, "bad.toml")
            .expect_err(expected)
            .to_string();
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    }
}

#[test]
fn shipped_scenarios_have_no_events_and_keep_the_model_without_them() {
    // A scenario without events or path is not dated, so `Model::new` runs
    // the unchanged fast model (scripts/check-identical.sh compares bytes).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            // Read as `swapsim run` reads it, so that a path file is found.
            let s = swapsim::scenario::ScenarioSource::read(&path)
                .and_then(|source| source.parse())
                .unwrap_or_else(|e| panic!("{e}"));
            if !text.contains("[[events]]") && !text.contains("path =") {
                assert!(s.dated().is_none(), "{}", path.display());
            }
        }
    }
}

#[test]
fn a_variant_moves_an_event_by_its_name() {
    let text = scenario(
        "",
        "[[events]]\nname = \"Second deal\"\ndate = \"2026-02-15\"\nset = { \"target.pool\" = 50 }\n\
         [[variants]]\nname = \"later deal\"\nset = { \"events.Second deal.date\" = \"2026-03-01\" }\n\
         [[variants]]\nname = \"typo\"\nset = { \"events.Second.date\" = \"2026-03-01\" }\n",
    );
    let err = swapsim::scenario::variants::parse_set(&text, "v.toml")
        .expect_err("the typo is refused")
        .to_string();
    assert!(err.contains("no event is named \"Second\""), "{err}");
    let text = text[..text.find("[[variants]]\nname = \"typo\"").unwrap()].to_string();
    let set = swapsim::scenario::variants::parse_set(&text, "v.toml").unwrap();
    let moved = &set.variants[0].scenario;
    assert_eq!(moved.events()[0].date.to_string(), "2026-03-01");
    assert_eq!(set.base.events()[0].date.to_string(), "2026-02-15");
}

#[test]
fn a_path_file_is_followed_exactly_and_shards_merge_without_reading_it_again() {
    let bin = env!("CARGO_BIN_EXE_swapsim");
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sc = d.join("sc");
    std::fs::create_dir(&sc).unwrap();
    // The file sits next to the scenario, which is run from another folder.
    let levels = [0.4, 3.0, 0.0, 0.0, 2.5];
    std::fs::write(
        sc.join("path.csv"),
        "date,level\n2026-01-11,0.4\n2026-01-12,3.0\n2026-01-13,0.0\n2026-01-15,2.5\n",
    )
    .unwrap();
    let text = scenario("", "").replace(
        "[escalation]\n",
        "[escalation]\npath = \"path.csv\"\nfill = \"previous\"\n",
    );
    std::fs::write(sc.join("given.toml"), &text).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(d)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["run", "sc/given.toml", "--quiet"]);
    let daily = std::fs::read_to_string(d.join("output/given/daily.csv")).unwrap();
    let header: Vec<&str> = daily.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "mean_escalation").unwrap();
    for (k, level) in levels.iter().enumerate() {
        let row: Vec<&str> = daily.lines().nth(11 + k).unwrap().split(',').collect();
        // Every trial follows the path on these days: the mean is the level
        // itself, up to the fixed-point sums of daily.csv (2^-32).
        let mean: f64 = row[col].parse().unwrap();
        assert!((mean - level).abs() < 1e-9, "day {}: {mean}", 10 + k);
    }
    let manifest = std::fs::read_to_string(d.join("output/given/manifest.json")).unwrap();
    assert!(manifest.contains("\"path_file\""), "{manifest}");
    assert!(
        manifest.contains("2026-01-12,3.0"),
        "the file's text is recorded"
    );
    std::fs::rename(d.join("output/given"), d.join("whole")).unwrap();
    run(&["run", "sc/given.toml", "--quiet", "--shard", "1/2"]);
    run(&["run", "sc/given.toml", "--quiet", "--shard", "2/2"]);
    std::fs::remove_file(sc.join("path.csv")).unwrap();
    run(&[
        "merge",
        "--quiet",
        "output/given-shard-1-of-2",
        "output/given-shard-2-of-2",
    ]);
    for file in ["daily.csv", "summary.json", "summary.csv"] {
        assert_eq!(
            std::fs::read(d.join("whole").join(file)).unwrap(),
            std::fs::read(d.join("output/given").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_bad_row_of_a_path_file_is_named_with_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("p.csv"),
        "date,level\n2026-01-11,0.4\n2026-01-12,lots\n",
    )
    .unwrap();
    let text = scenario("", "").replace("[escalation]\n", "[escalation]\npath = \"p.csv\"\n");
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("p.csv:3:12: level"), "{err}");
    assert!(err.contains("\"lots\""), "{err}");
}

/// A scenario whose escalation, channels and process all draw: shocks,
/// a channel that closes, rounds and suspensions that are not certain.
fn noisy_scenario(extra: &str) -> String {
    scenario("", extra)
        .replace(
            "shock_daily_probability = 0.0\nshock_mean_size = 0.0",
            "shock_daily_probability = 0.05\nshock_mean_size = 0.5",
        )
        .replace(&format!("round_rate = {CERTAIN}"), "round_rate = 0.2")
        .replace(
            "suspension = { base = 0.0 }",
            "suspension = { base = 0.02 }",
        )
        .replace("availability = 1.0", "availability = 0.7")
        .replace("trials = 2000", "trials = 500")
}

/// What a trial did before day `day`: escalation, mediation, rounds and
/// phase changes.
type Before = (Vec<f64>, Vec<f64>, Vec<TraceEvent>);

fn before(tr: &TrialTrace, day: u32) -> Before {
    let events = tr
        .events
        .iter()
        .copied()
        .filter(|e| match *e {
            TraceEvent::Round { day: d, .. } | TraceEvent::PhaseChange { day: d, .. } => d < day,
        })
        .collect();
    (
        tr.escalation[..day as usize].to_vec(),
        tr.mediation[..day as usize].to_vec(),
        events,
    )
}

#[test]
fn a_variant_adds_and_removes_events_as_it_does_mediators() {
    let text = scenario(
        "",
        "[[events]]\nname = \"Second deal\"\ndate = \"2026-02-15\"\nset = { \"target.pool\" = 50 }\n\
         [[variants]]\nname = \"no deal\"\nremove_events = [\"Second deal\"]\n\
         [[variants]]\nname = \"offensive too\"\n\
         add_events = [ { name = \"Offensive\", date = \"2026-03-01\", until = \"2026-03-20\", regime = \"offensive\" } ]\n\
         [[variants]]\nname = \"other deal\"\nremove_events = [\"Second deal\"]\n\
         add_events = [ { name = \"Second deal\", date = \"2026-02-01\", set = { \"target.pool\" = 80 } } ]\n",
    );
    let set =
        swapsim::scenario::variants::parse_set(&text, "v.toml").unwrap_or_else(|e| panic!("{e}"));
    let names = |s: &Scenario| {
        s.events()
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&set.base), ["Second deal"]);
    assert_eq!(names(&set.variants[0].scenario), Vec::<String>::new());
    assert!(set.variants[0].scenario.dated().is_none());
    assert_eq!(
        names(&set.variants[1].scenario),
        ["Second deal", "Offensive"]
    );
    let replaced = &set.variants[2].scenario.events()[0];
    assert_eq!(replaced.date.to_string(), "2026-02-01");
    assert_eq!(replaced.set, [("target.pool".to_string(), 80.0)]);

    let bad = |variant: &str| {
        swapsim::scenario::variants::parse_set(&scenario("", &format!(
            "[[events]]\nname = \"Second deal\"\ndate = \"2026-02-15\"\nset = {{ \"target.pool\" = 50 }}\n\
             [[variants]]\nname = \"bad\"\n{variant}\n"
        )), "v.toml")
        .expect_err("refused")
        .to_string()
    };
    let e = bad("remove_events = [\"Second dea\"]");
    assert!(
        e.contains("remove_events")
            && e.contains("no event is named \"Second dea\" (did you mean \"Second deal\"?)"),
        "{e}"
    );
    let e = bad(
        "add_events = [ { name = \"Second deal\", date = \"2026-03-01\", phase = \"active\" } ]",
    );
    assert!(
        e.contains("add_events") && e.contains("an event named \"Second deal\" already exists"),
        "{e}"
    );
    let e = bad("add_events = [ { name = \"Late\", date = \"2027-03-01\", phase = \"active\" } ]");
    assert!(
        e.contains("variant \"bad\"") && e.contains("lies after the last day of the horizon"),
        "{e}"
    );
}

#[test]
fn a_variant_that_moves_an_event_changes_no_trial_before_the_earlier_date() {
    let text = noisy_scenario(
        "[[events]]\nname = \"Shift\"\ndate = \"2026-03-01\"\nuntil = \"2026-03-31\"\n\
         regime = \"offensive\"\nset = { \"mediation.mediators.Turkey.availability\" = 0.9, \
         \"exchange.round_rate\" = 0.5 }\n\
         [[variants]]\nname = \"earlier\"\nset = { \"events.Shift.date\" = \"2026-02-10\" }\n",
    );
    let set =
        swapsim::scenario::variants::parse_set(&text, "v.toml").unwrap_or_else(|e| panic!("{e}"));
    let (late, early) = (simulate(&set.base), simulate(&set.variants[0].scenario));
    // 2026-02-10 is day 40: trial n is the same trial up to then (paired
    // by common random numbers), exactly.
    let mut differ_later = 0;
    for ((oa, a), (ob, b)) in early.iter().zip(&late) {
        assert_eq!(before(a, 40), before(b, 40));
        differ_later += usize::from(a.escalation[40..59] != b.escalation[40..59] || oa != ob);
    }
    // The move does matter from its earlier date on.
    assert!(differ_later > 0);
}

#[test]
fn a_variant_adding_a_mediator_event_keeps_every_trials_escalation_path() {
    let text = noisy_scenario(
        "[[variants]]\nname = \"Qatar joins\"\nadd_events = [ { name = \"Qatar joins\", \
         date = \"2026-02-01\", add_mediators = [ { name = \"Qatar\", availability = 0.6, \
         mean_outage_days = 20, escalation_sensitivity = 0.5, effectiveness = 0.5 } ] } ]\n\
         [[variants]]\nname = \"Turkey leaves\"\nadd_events = [ { name = \"Turkey leaves\", \
         date = \"2026-01-20\", until = \"2026-02-20\", remove_mediators = [\"Turkey\"] } ]\n",
    );
    let set =
        swapsim::scenario::variants::parse_set(&text, "v.toml").unwrap_or_else(|e| panic!("{e}"));
    let base = simulate(&set.base);
    for v in &set.variants {
        let with = simulate(&v.scenario);
        let mut mediation_differs = 0;
        for ((_, a), (_, b)) in base.iter().zip(&with) {
            // Bit for bit: the escalation stream is untouched by mediators.
            assert_eq!(
                a.escalation.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                b.escalation.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "{}",
                v.name
            );
            mediation_differs += usize::from(a.mediation != b.mediation);
        }
        assert!(mediation_differs > 0, "{}", v.name);
    }
}

/// Runs the program in `dir` and returns its standard output.
fn swapsim_in(dir: &std::path::Path, args: &[&str]) -> String {
    crate::common::ok(&crate::common::swapsim(dir, args))
}

#[test]
fn each_new_shipped_scenario_runs_and_echoes_its_events() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    for (file, event) in [
        ("qatar-replaces-turkey", "Qatar joins"),
        ("spring-offensive", "Spring offensive"),
        ("uae-closes-in-february", "UAE channel closes"),
        ("escalation-outlook", ""),
    ] {
        let scenario = repo.join("scenarios").join(format!("{file}.toml"));
        let out = tmp.path().join(file);
        swapsim_in(
            tmp.path(),
            &[
                "run",
                scenario.to_str().unwrap(),
                "--trials",
                "300",
                "--quiet",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let names: Vec<&str> = summary["events"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            names.contains(&event),
            !event.is_empty(),
            "{file}: {names:?}"
        );
        for chart in ["fan", "survival", "phases"] {
            assert!(
                std::fs::read_dir(&out).unwrap().any(|e| e
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(chart)),
                "{file}: no {chart} chart"
            );
        }
    }
}

#[test]
fn an_events_set_is_echoed_as_a_map_and_explained_before_and_after() {
    let tmp = tempfile::tempdir().unwrap();
    let text = scenario(
        "",
        "[target]\npool = 1000\n\
         [[events]]\nname = \"Second deal\"\ndate = \"2026-02-15\"\n\
         set = { \"target.pool\" = 1700, \"exchange.suspension.base\" = 0.01 }\n\
         [[events]]\nname = \"Turkey out\"\ndate = \"2026-03-01\"\nuntil = \"2026-03-10\"\n\
         remove_mediators = [\"Turkey\"]\n",
    )
    .replace(
        "suspension = { base = 0.0 }",
        "suspension = { base = 0.001 }",
    );
    std::fs::write(tmp.path().join("deal.toml"), &text).unwrap();
    swapsim_in(
        tmp.path(),
        &[
            "run",
            "deal.toml",
            "--trials",
            "50",
            "--quiet",
            "--no-charts",
        ],
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("output/deal/manifest.json")).unwrap(),
    )
    .unwrap();
    let events = manifest["scenario"]["events"]
        .as_array()
        .expect("events echoed");
    assert_eq!(events[0]["set"]["target.pool"], 1700.0, "{}", events[0]);
    assert_eq!(events[0]["set"]["exchange.suspension.base"], 0.01);

    let shown = swapsim_in(tmp.path(), &["explain", "deal.toml"]);
    assert!(shown.lines().all(|l| l.chars().count() <= 80), "{shown}");
    let explained = swapsim::jobs::explain::read_explanation(
        &tmp.path().join("output/deal-explain/explain.json"),
    )
    .unwrap();
    let deal = &explained.events[0];
    assert_eq!(
        (deal.name.as_str(), deal.date.as_str()),
        ("Second deal", "2026-02-15")
    );
    let change = |list: &[swapsim::jobs::explain::ValueChange], what: &str| {
        list.iter()
            .find(|c| c.what == what)
            .map(|c| (c.before, c.after))
    };
    assert_eq!(
        change(&deal.starts, "pool"),
        Some((Some(1000.0), Some(1700.0)))
    );
    // Suspension at typical conditions (E = 1, M = 1 here: the channel never
    // closes), exactly: 1 - exp(-base), as explain.json writes it to 12
    // significant digits (a relative error of at most 5e-12; 1e-11 leaves
    // room for the parse).
    let (before, after) = change(&deal.starts, "suspension").expect("suspension changes");
    let exact_before = -(-0.001f64).exp_m1();
    let exact_after = -(-0.01f64).exp_m1();
    assert!((before.unwrap() - exact_before).abs() <= 1e-11 * exact_before);
    assert!((after.unwrap() - exact_after).abs() <= 1e-11 * exact_after);
    assert!(deal.ends.is_empty());
    let out = &explained.events[1];
    assert_eq!(
        change(&out.starts, "Turkey open share"),
        Some((Some(1.0), Some(0.0)))
    );
    assert_eq!(
        change(&out.starts, "typical mediation M"),
        Some((Some(1.0), Some(0.0)))
    );
    assert_eq!(
        change(&out.ends, "Turkey open share"),
        Some((Some(0.0), Some(1.0)))
    );
    assert!(
        shown.contains("Turkey open share: 0% open -> 100% open"),
        "{shown}"
    );
}

#[test]
fn an_uncertain_event_date_is_varied_in_whole_days_within_its_range() {
    use swapsim::scenario::uncertainty::{self, Kind};
    let text = scenario(
        "",
        "[[events]]\nname = \"Turkey out\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Turkey\"]\n\
         [uncertainties]\n\"events.Turkey out.date\" = { from = \"2026-01-15\", to = \"2026-03-15\" }\n",
    );
    let u = uncertainty::parse(&text, "u.toml").unwrap_or_else(|e| panic!("{e}"));
    let p = &u[0].parameter;
    assert_eq!(p.kind, Kind::Date);
    let day = |d: &str| swapsim::dates::day_number(swapsim::dates::parse(d).unwrap()) as f64;
    assert_eq!(p.base, Some(day("2026-02-01")));
    assert_eq!(
        (u[0].value_at(0.0), u[0].value_at(1.0)),
        (day("2026-01-15"), day("2026-03-15"))
    );
    // 60 days, each equally likely: level k/60 gives the k-th day.
    assert_eq!(u[0].value_at(10.0 / 60.0), day("2026-01-25"));
    assert_eq!(
        u[0].describe(),
        "every day from 2026-01-15 to 2026-03-15 equally likely"
    );
    // Set on the scenario, the value moves the event.
    let tree = uncertainty::configuration_tree(&text).unwrap();
    let moved = uncertainty::scenario_with(&tree, &[(p, day("2026-03-01"))]).unwrap();
    assert_eq!(moved.events()[0].date.to_string(), "2026-03-01");

    let bad = |entry: &str| {
        uncertainty::parse(
            &scenario(
                "",
                &format!(
                    "[[events]]\nname = \"Turkey out\"\ndate = \"2026-02-01\"\n\
                     remove_mediators = [\"Turkey\"]\n[uncertainties]\n{entry}\n"
                ),
            ),
            "u.toml",
        )
        .expect_err("refused")
        .to_string()
    };
    let e = bad("\"events.Turkey out.date\" = { from = \"2026-03-15\", to = \"2026-01-15\" }");
    assert!(
        e.contains("from = 2026-03-15 is not before to = 2026-01-15"),
        "{e}"
    );
    let e = bad("\"events.Turkey out.date\" = { from = \"2026-01-15\", to = \"2026-06-15\" }");
    assert!(
        e.contains("at 2026-06-15") && e.contains("lies after the last day"),
        "{e}"
    );
    let e = bad("\"events.Turkey out.date\" = { min = 1, max = 2 }");
    assert!(e.contains("is a date: give a range of dates"), "{e}");
    let e = bad("\"exchange.round_rate\" = { from = \"2026-01-15\", to = \"2026-03-15\" }");
    assert!(e.contains("only an event's date takes"), "{e}");
}

#[test]
fn sensitivity_varies_when_an_event_happens() {
    let tmp = tempfile::tempdir().unwrap();
    let text = scenario(
        "",
        "[[events]]\nname = \"Turkey out\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Turkey\"]\n\
         [uncertainties]\n\"events.Turkey out.date\" = { from = \"2026-01-15\", to = \"2026-03-15\" }\n\
         \"exchange.round_rate\" = { min = 0.1, max = 0.3 }\n",
    )
    .replace("requires_mediator = false", "requires_mediator = true");
    std::fs::write(tmp.path().join("when.toml"), &text).unwrap();
    for (method, extra) in [
        ("tornado", vec![]),
        ("morris", vec!["--trajectories", "2"]),
        ("sobol", vec!["--samples", "4"]),
    ] {
        let mut args = vec![
            "sensitivity",
            "when.toml",
            "--method",
            method,
            "--inner-trials",
            "50",
            "--quiet",
            "--no-charts",
        ];
        args.extend(extra);
        swapsim_in(tmp.path(), &args);
        let dir = tmp.path().join("output/when-sensitivity").join(method);
        let found = walk(&dir);
        // Every table of the analysis names the date by its path.
        let named = found.iter().any(|p| {
            p.extension().is_some_and(|e| e == "csv")
                && std::fs::read_to_string(p)
                    .unwrap()
                    .contains("events.Turkey out.date")
        });
        assert!(named, "{method}: no table names the date in {found:?}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_assumptions_table_lists_the_events_and_the_given_path() {
    use swapsim::report::html::{assumption_rows, given_path_row};
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source =
        swapsim::scenario::ScenarioSource::read(&repo.join("scenarios/escalation-outlook.toml"))
            .unwrap();
    let row = given_path_row(&source.text, source.path_file.as_ref()).expect("a path row");
    assert!(
        row.value.starts_with(
            "16 rows, 2025-11-16 to 2026-02-28 (file data/escalation-outlook.csv, SHA-256 "
        ),
        "{}",
        row.value
    );
    assert_eq!(row.basis, "assumed");
    assert!(given_path_row(&scenario("", ""), None).is_none());

    let text = std::fs::read_to_string(repo.join("scenarios/qatar-replaces-turkey.toml")).unwrap();
    let s = Scenario::from_toml_str(&text, "q.toml").unwrap();
    let rows = assumption_rows(&serde_json::to_value(&s).unwrap(), &text, None, None);
    let qatar = rows
        .iter()
        .find(|r| r.parameter == "events[Qatar joins].date")
        .expect("the event's date is a row");
    assert_eq!(
        (qatar.value.as_str(), qatar.basis.as_str()),
        ("2026-01-05", "assumed")
    );
}

#[test]
fn a_path_that_ends_two_days_before_the_start_is_ignored() {
    // Edge case 6: a path ending the day before the start joins on day 0
    // (S = 5 - 1 = 4, so E_0 = 5); one ending earlier is ignored, so day 0
    // starts as usual in "steady" with S = 0 (no shocks here): E_0 = 1.
    let with_path = |last: &str| {
        scenario("", "").replace(
            "shock_half_life_days = 7\n",
            &format!(
                "shock_half_life_days = 7\npath = [ {{ date = \"2025-12-29\", level = 3.0 }}, \
                 {{ date = \"{last}\", level = 5.0 }} ]\n"
            ),
        )
    };
    for (_, tr) in simulate(&parse(&with_path("2025-12-30"))) {
        assert_eq!(tr.escalation[0], 1.0);
    }
    for (_, tr) in simulate(&parse(
        &with_path("2025-12-31").replace("2025-12-29", "2025-12-30"),
    )) {
        assert_eq!(tr.escalation[0], 5.0);
    }
}

#[test]
fn sweep_refuses_an_event_date_and_points_to_sensitivity() {
    let tmp = tempfile::tempdir().unwrap();
    let text = scenario(
        "",
        "[[events]]\nname = \"Turkey out\"\ndate = \"2026-02-01\"\nremove_mediators = [\"Turkey\"]\n",
    );
    std::fs::write(tmp.path().join("when.toml"), &text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(tmp.path())
        .args([
            "sweep",
            "when.toml",
            "--param",
            "events.Turkey out.date",
            "--values",
            "1,2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a sweep varies numbers, and this is a date")
            && err.contains("swapsim sensitivity"),
        "{err}"
    );
    assert!(!tmp.path().join("output").exists());
}
