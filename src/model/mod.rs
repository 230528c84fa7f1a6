//! The exchange-durability model: one trial, one history, day by day.
//!
//! This module turns a validated scenario into something that can be run
//! millions of times: it compiles the scenario once into the laws of its
//! components, then simulates one trial at a time from random streams the
//! caller gives. It does no I/O, threading or seeding, so the engine decides
//! how trials are seeded and split, and the model can be tested with any
//! generator.
//!
//! Its parts follow `docs/model.md` (the contract is `MODEL.md`):
//! `escalation` (3.1), `mediation` (3.2) and `exchange` (3.3 to 3.5), drawn
//! with the exact devices of `sampling` (5d); `trial` holds what a trial
//! takes and gives back. Each law is a value with a `new` that checks its
//! own parameters, so it can be built and tested without a scenario, and
//! [`Model::new`] only translates a scenario's validated numbers into them.
//!
//! Because escalation, the common outage and each channel never depend on the
//! exchange process, and each has its own stream, the model runs them as
//! separate passes over the horizon (escalation, mediation, exchange). That
//! is the same process as interleaving them day by day in the order of
//! `MODEL.md`, and it keeps each loop small.

use crate::scenario::Scenario;
use chrono::Datelike;
use escalation::{Escalation, Given, Regime, Shocks};
use exchange::{ConstantHazard, Exchange, LogLinearHazard, PathBounds, RoundHazard, RoundSize};
use mediation::{ChannelLaw, CommonOutage, Mediation, Mediator};
use rand::{Rng, SeedableRng};

mod dated;
mod escalation;
mod exchange;
mod mediation;
mod sampling;
mod trial;

pub use sampling::MAX_ROUND_PEOPLE;
pub use trial::{Phase, TraceEvent, TrialOutcome, TrialStreams, TrialTrace};

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
    /// The value given.
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
    escalation: Escalation,
    mediation: Mediation,
    exchange: Exchange,
    /// The daily model of a scenario with events.
    dated: Option<dated::DatedModel>,
    /// Whether a trial's trace records the days each channel counts in
    /// `M_t` (`TrialTrace::counted_open`), as the statistics of a scenario
    /// with events or a given path read them.
    counts_open: bool,
}

impl Model {
    /// Compiles a validated scenario.
    pub fn new(s: &Scenario) -> Model {
        Model {
            horizon: s.simulation().horizon_days,
            escalation: escalation(s),
            mediation: mediation(s),
            exchange: exchange(s),
            // A path alone changes only escalation, which the fast pass
            // follows; events need the day-by-day model.
            dated: s
                .dated()
                .filter(|_| !s.events().is_empty())
                .map(|d| dated::DatedModel::new(s, d)),
            counts_open: s.dated().is_some(),
        }
    }

    /// Days in the horizon.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }

    /// Number of mediators (and so of mediator streams a trial needs).
    pub fn mediator_count(&self) -> usize {
        match &self.dated {
            Some(d) => d.mediator_count(),
            None => self.mediation.count(),
        }
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
        if let Some(d) = &self.dated {
            return d.simulate(streams, trace);
        }
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
        if self.counts_open {
            trace.count_open_channels();
        }
        let bounds = PathBounds {
            e_min,
            e_max,
            m_min,
            m_max,
        };
        self.exchange.simulate(streams, trace, bounds)
    }
}

/// The escalation component of a validated scenario.
fn escalation(s: &Scenario) -> Escalation {
    let e = s.escalation();
    let index = |name: &str| {
        e.regime_index(name)
            .expect("regime names are validated references")
    };
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
    let horizon = s.simulation().horizon_days;
    let seasonal_by_day = (0..horizon)
        .map(|t| e.seasonal_offset(s.date_of_day(t).month()))
        .collect();
    let given = s
        .dated()
        .and_then(|d| d.path.as_ref())
        .and_then(|p| Given::new(p.first_day, &p.levels, index(&p.continues_in), horizon));
    Escalation::new(regimes, index(&e.initial_regime), shocks, seasonal_by_day)
        .and_then(|law| law.with_given(given))
        .expect(
            "escalation is validated: references name other regimes, seasonal offsets are \
             finite, path levels are finite and from 0 up",
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

/// The exchange component of a validated scenario.
fn exchange(s: &Scenario) -> Exchange {
    let x = s.exchange();
    // MODEL.md's signs: escalation slows confirmation and resumption and
    // speeds suspension; mediation does the opposite.
    let hazard = |base, per_escalation, per_mediation| {
        LogLinearHazard::new(base, per_escalation, per_mediation)
            .expect("hazards are validated: base from 0 to 1000, coefficients from -20 to 20")
    };
    let (c, sp, r) = (&x.confirmation, &x.suspension, &x.resumption);
    Exchange {
        initial_phase: Phase::from(x.initial_phase),
        preparation_days: x.preparation_days,
        min_gap: x.min_days_between_rounds,
        confirmation: hazard(c.base, -c.escalation_coef, c.mediation_coef),
        suspension: hazard(sp.base, sp.escalation_coef, -sp.mediation_coef),
        resumption: hazard(r.base, -r.escalation_coef, r.mediation_coef),
        collapse: ConstantHazard::new(x.collapse_base)
            .expect("the collapse base is validated to lie in [0, 1000]"),
        rounds: RoundHazard::new(x.round_rate, x.requires_mediator)
            .expect("round_rate is validated to lie in [0, 1000]"),
        sizes: RoundSize::new(x.size_mean, x.size_dispersion, x.size_escalation_coef).expect(
            "round sizes are validated: size_mean >= 1, size_dispersion > 0, finite coefficient",
        ),
        pool: s.target().pool,
        deadline_day: s.target().deadline_day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioSource;

    /// A scenario of 120 days in which every component moves: regimes,
    /// shocks, a season, two channels that close under escalation, common
    /// outages, suspensions and resumptions; `path` is the given path.
    fn moving_scenario(path: &str) -> Scenario {
        let text = format!(
            r#"
name = "path test"
[simulation]
trials = 1
horizon_days = 120
start_date = "2026-01-01"
seed = 1
[escalation]
initial_regime = "lull"
shock_daily_probability = 0.05
shock_mean_size = 0.6
shock_half_life_days = 5
seasonal = {{ feb = 0.3 }}
path = {path}
fill = "previous"
path_continues_in = "offensive"
[[escalation.regimes]]
name = "lull"
intensity = 0.5
mean_duration_days = 15
next = {{ offensive = 1.0 }}
[[escalation.regimes]]
name = "offensive"
intensity = 1.8
mean_duration_days = 25
next = {{ lull = 1.0 }}
[mediation]
common_outage_probability = 0.01
common_outage_mean_days = 6
[[mediation.mediators]]
name = "Turkey"
availability = 0.7
mean_outage_days = 8
escalation_sensitivity = 0.8
effectiveness = 0.6
[[mediation.mediators]]
name = "UAE"
availability = 0.9
mean_outage_days = 12
escalation_sensitivity = 0.3
effectiveness = 0.5
[exchange]
initial_phase = "active"
preparation_days = 3
min_days_between_rounds = 5
round_rate = 0.3
size_mean = 40
size_dispersion = 2
confirmation = {{ base = 0.05 }}
suspension = {{ base = 0.01, escalation_coef = 0.9, mediation_coef = 1.0 }}
resumption = {{ base = 0.05, escalation_coef = 0.5, mediation_coef = 1.5 }}
"#
        );
        Scenario::from_toml_str(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Per trial: E on a few days, people returned, rounds, suspensions,
    /// and the days each channel counts in `M_t`.
    fn trial_statistics(
        simulate: impl Fn(&mut TrialStreams<crate::engine::StreamRng>, &mut TrialTrace) -> TrialOutcome,
        s: &Scenario,
        seed: u64,
        trials: u64,
        days: &[usize],
    ) -> Vec<Vec<f64>> {
        let keys = crate::engine::StreamKeys::new(s.mediator_names());
        let mut trace = TrialTrace::default();
        (0..trials)
            .map(|n| {
                let mut streams = keys.trial_streams(seed, n);
                let o = simulate(&mut streams, &mut trace);
                let mut row: Vec<f64> = days.iter().map(|&d| trace.escalation[d]).collect();
                row.push(o.returned_by_horizon as f64);
                row.push(f64::from(o.rounds));
                row.push(f64::from(o.suspensions));
                for counted in &trace.counted_open {
                    row.push(counted.iter().map(|&(a, b)| f64::from(b - a)).sum());
                }
                row
            })
            .collect()
    }

    #[test]
    fn a_given_path_is_simulated_by_the_fast_passes_with_the_law_of_the_daily_model() {
        // A scenario whose only dated part is a path runs the fast passes;
        // the day-by-day model is the reference for the path's rules. With
        // independent seeds, each mean must agree within 4.5 standard
        // errors of the difference (sample variances of 20,000 trials per
        // model; about 30 comparisons, so a false failure has probability
        // below 1e-4).
        let inside = "[{ date = \"2026-01-21\", level = 2.0 }, { date = \"2026-01-25\", level = 0.2 }, \
                      { date = \"2026-02-04\", level = 3.1 }]";
        let before =
            "[{ date = \"2025-12-20\", level = 1.0 }, { date = \"2025-12-31\", level = 2.6 }]";
        for (path, covered) in [(inside, 20..35usize), (before, 0..0)] {
            let s = moving_scenario(path);
            let fast = Model::new(&s);
            assert!(fast.dated.is_none(), "a path alone runs the fast passes");
            let daily =
                dated::DatedModel::new(&s, s.dated().expect("a path is dated")).day_by_day();
            let days = [0, 1, 5, 19, 20, 29, 34, 35, 36, 40, 45, 60, 90, 119];
            let n = 20_000;
            let a = trial_statistics(|st, tr| fast.simulate(st, tr), &s, 11, n, &days);
            let b = trial_statistics(|st, tr| daily.simulate(st, tr), &s, 12, n, &days);
            for (k, day) in days.iter().enumerate() {
                if covered.contains(day) {
                    assert!(
                        a.iter().chain(&b).all(|r| r[k] == a[0][k]),
                        "day {day} is given"
                    );
                }
            }
            for col in 0..a[0].len() {
                let stats = |rows: &[Vec<f64>]| {
                    let m = rows.iter().map(|r| r[col]).sum::<f64>() / n as f64;
                    let v = rows.iter().map(|r| (r[col] - m).powi(2)).sum::<f64>() / (n - 1) as f64;
                    (m, v / n as f64)
                };
                let ((ma, va), (mb, vb)) = (stats(&a), stats(&b));
                let se = (va + vb).sqrt();
                assert!(
                    (ma - mb).abs() <= 4.5 * se + 1e-12,
                    "column {col}: fast {ma} vs daily {mb} (se {se})"
                );
            }
        }
    }

    #[test]
    fn every_shipped_scenario_compiles_into_a_model() {
        // Model::new expects every component to accept what validation
        // lets through; the shipped scenarios span the choices it allows.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut compiled = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let s = ScenarioSource::read(&path).unwrap().parse().unwrap();
                let model = Model::new(&s);
                // Every mediator that exists on some day, events' included.
                assert_eq!(model.mediator_count(), s.mediator_names().len());
                compiled += 1;
            }
        }
        assert!(compiled >= 5, "{compiled} scenarios");
    }
}
