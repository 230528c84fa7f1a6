//! Charts of an ensemble: each key probability across the scenario's
//! assumptions; and of a robust comparison: each configuration's regret.
//!
//! One chart per key probability: a histogram of the per-set estimates
//! (each bar a share of the parameter sets), the central-value estimate
//! dashed, and the p5–p95 range of the sets shaded, so that a reader sees at
//! once whether the headline number is typical of the plausible values or
//! an edge of them. Drawn only from the typed `assumptions` block and the
//! sets' estimates.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::sensitivity::{bar, draw_rows, fmt_outcome, outcome_title, whisker};
use super::{
    BLUE, ChartSpec, DrawResult, Frame, GRID_UNDER, Key, PlotError, Scale, VERMILLION, dashed,
    draw_mesh, finite, fmt_tick, frame, guard_range, plot_builder, tint, write_chart,
};
use crate::jobs::robust::{RobustOutcome, RobustnessFile};
use crate::outcomes::Outcome;
use crate::scenario::Scenario;
use crate::sensitivity::ensemble::{AssumptionsSummary, Fan, OutcomeLayers};
use crate::sensitivity::outcomes::KeyEstimates;

/// Bars of a histogram across parameter sets.
const BINS: usize = 20;

struct AcrossChart<'a> {
    layers: &'a OutcomeLayers,
    summary: &'a AssumptionsSummary,
    sets: &'a [KeyEstimates],
    scenario: &'a Scenario,
}

impl AcrossChart<'_> {
    fn outcome(&self) -> Outcome {
        self.layers.outcome
    }
}

impl ChartSpec for AcrossChart<'_> {
    fn stem(&self) -> String {
        format!("assumptions_{}", self.outcome().design_key())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let o = self.outcome();
        let l = self.layers;
        let pct: Vec<f64> = self
            .sets
            .iter()
            .map(|e| 100.0 * finite(e.get(o).estimate))
            .collect();
        let lo = pct.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let hi = pct.iter().copied().fold(0.0, f64::max).max(1e-6);
        let width = (hi - lo) / BINS as f64;
        let mut counts = [0usize; BINS];
        for v in &pct {
            let b = (((v - lo) / width) as usize).min(BINS - 1);
            counts[b] += 1;
        }
        let n = pct.len().max(1) as f64;
        let shares: Vec<f64> = counts.iter().map(|c| 100.0 * *c as f64 / n).collect();
        let band = tint(BLUE, 0.25);
        let across = &l.layers.across;
        let share = l
            .layers
            .variance
            .share
            .map_or_else(|| "none".to_string(), |v| format!("{:.0}%", 100.0 * v));
        let f = Frame {
            title: format!("{} across the assumptions", outcome_title(o, self.scenario)),
            notes: vec![format!(
                "Each bar is the share of {} parameter sets, drawn from the scenario's \
                 [uncertainties] by a scrambled Sobol design, whose estimate ({} trials each, \
                 the same random numbers for every set) falls in it. Central values: {}; 90% of \
                 the sets between {} and {}; over all draws {}. The assumptions explain {share} \
                 of the outcome's variance.",
                self.summary.parameter_sets,
                crate::format::grouped(self.summary.trials_per_set as f64, 0),
                fmt_outcome(o, l.central.estimate.unwrap_or(f64::NAN)),
                fmt_outcome(o, across.p5.estimate),
                fmt_outcome(o, across.p95.estimate),
                fmt_outcome(o, l.layers.predictive.estimate),
            )],
            legend: vec![
                ("parameter sets".to_string(), Key::Fill(BLUE)),
                ("p5 to p95 of the sets".to_string(), Key::Fill(band)),
                ("central values".to_string(), Key::Dashed(VERMILLION)),
            ],
        };
        // The bars count sets, each an estimate from its own trials.
        let footer = format!(
            "swapsim · {} · {} (an estimate from {} each) · seed {}",
            self.scenario.name(),
            crate::format::counted(self.summary.parameter_sets as u64, "parameter set"),
            crate::format::counted(self.summary.trials_per_set, "trial"),
            self.scenario.simulation().seed
        );
        let area = frame(root, s, &f, &footer)?;
        let top = shares.iter().copied().fold(0.0, f64::max) * 1.15;
        let x = guard_range(lo, hi + width, 1e-9);
        let y = guard_range(0.0, top.max(1.0), 1e-9);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x, y.clone())?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("probability (%)", "parameter sets (%)"),
            &|v| fmt_tick(*v),
            &|v| fmt_tick(*v),
        )?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [
                (100.0 * across.p5.estimate, y.start),
                (100.0 * across.p95.estimate, y.end),
            ],
            band.filled(),
        )))?;
        chart.draw_series(shares.iter().enumerate().map(|(b, h)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, *h)], BLUE.filled())
        }))?;
        let c = 100.0 * finite(l.central.estimate.unwrap_or(f64::NAN));
        let a = chart.backend_coord(&(c, y.end));
        let z = chart.backend_coord(&(c, y.start));
        dashed(root, s, a, z, s.line(VERMILLION, 2.0))?;
        Ok(())
    }
}

/// Writes a chart of each key probability across the parameter sets;
/// returns the paths.
pub fn draw_ensemble_charts(
    summary: &AssumptionsSummary,
    sets: &[KeyEstimates],
    scenario: &Scenario,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Vec::new();
    for layers in summary
        .outcomes
        .iter()
        .filter(|l| l.outcome.is_probability())
    {
        let chart = AcrossChart {
            layers,
            summary,
            sets,
            scenario,
        };
        out.extend(write_chart(dir, &chart)?);
    }
    Ok(out)
}

/// Regret of each configuration on one outcome of a robust comparison.
struct RegretChart<'a> {
    outcome: &'a RobustOutcome,
    file: &'a RobustnessFile,
    scenario: &'a Scenario,
}

impl ChartSpec for RegretChart<'_> {
    fn stem(&self) -> String {
        format!("regret_{}", self.outcome.outcome.design_key())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let r = self.outcome;
        let o = r.outcome;
        // Probabilities in percentage points, as every change of one is
        // shown.
        let k = if o.is_probability() { 100.0 } else { 1.0 };
        let unit = if o.is_probability() {
            "percentage points".to_string()
        } else {
            o.unit().name().to_string()
        };
        let f = Frame {
            title: format!(
                "Regret across the assumptions: {}",
                outcome_title(o, self.scenario)
            ),
            notes: vec![format!(
                "Regret is how far a configuration falls short of the best configuration of \
                 the same parameter set, with the trials' noise removed (best picked on half \
                 of a set's trials, shortfall measured on the other half). Bars: mean regret \
                 over {} parameter sets with its 95% interval; dot: the largest regret of any \
                 set. A configuration with no regret is never beaten.",
                self.file.parameter_sets
            )],
            legend: vec![
                ("mean regret".to_string(), Key::Fill(BLUE)),
                ("largest regret".to_string(), Key::Marker(VERMILLION)),
            ],
        };
        let footer = format!(
            "swapsim compare · {} parameter sets × {} trials · seed {}",
            self.file.parameter_sets,
            crate::format::grouped(self.file.trials_per_set as f64, 0),
            self.file.seed
        );
        let area = frame(root, s, &f, &footer)?;
        let labels: Vec<(String, Option<String>)> = r
            .configurations
            .iter()
            .map(|c| {
                (
                    c.configuration.clone(),
                    Some(format!("best in {:.0}% of sets", 100.0 * c.p_best)),
                )
            })
            .collect();
        let hi = r
            .configurations
            .iter()
            .map(|c| k * finite(c.max_regret).max(finite(c.mean_regret_ci95[1])))
            .fold(0.0, f64::max);
        let rows = draw_rows(
            &area,
            s,
            &labels,
            (0.0, if hi > 0.0 { hi * 1.05 } else { 1.0 }),
            (0, s.px(12.0)),
            Some(0.0),
            &format!("shortfall from the best configuration ({unit})"),
        )?;
        for (i, c) in r.configurations.iter().enumerate() {
            bar(
                &area,
                &rows,
                i,
                (0.0, k * finite(c.mean_regret)),
                0.5,
                0.0,
                BLUE,
            )?;
            whisker(&area, s, &rows, i, 0.0, c.mean_regret_ci95.map(|v| k * v))?;
            let x = rows.x(k * finite(c.max_regret));
            area.draw(&Circle::new(
                (x, rows.centre(i)),
                (5.0 * s.k).round() as i32,
                s.line(VERMILLION, 2.0),
            ))?;
        }
        Ok(())
    }
}

/// Writes a regret chart per key outcome of a robust comparison
/// (`regret_<outcome>`); returns the paths.
pub fn draw_regret_charts(
    file: &RobustnessFile,
    scenario: &Scenario,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Vec::new();
    for outcome in &file.outcomes {
        let chart = RegretChart {
            outcome,
            file,
            scenario,
        };
        out.extend(write_chart(dir, &chart)?);
    }
    Ok(out)
}

/// The fan chart of an ensemble: people returned over time, over the
/// scenario's assumptions.
struct EnsembleFan<'a> {
    run: super::Run<'a>,
    days: &'a [crate::jobs::ensemble::EnsembleDay],
    fan: Fan,
    summary: &'a AssumptionsSummary,
}

/// Draws the fan chart of an ensemble (`fan_chart.png` and `.svg`, in place
/// of the run's at the central values): the predictive bands over every
/// trial of every parameter set, or the band across sets of each set's
/// median. `central` gives the axis and the target; `summary` the numbers
/// of sets and trials the footer names.
pub fn draw_ensemble_fan(
    central: &crate::stats::Results,
    days: &[crate::jobs::ensemble::EnsembleDay],
    fan: Fan,
    summary: &AssumptionsSummary,
    scenario: &Scenario,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = EnsembleFan {
        run: super::Run {
            results: central,
            scenario,
        },
        days,
        fan,
        summary,
    };
    write_chart(dir, &chart)
}

impl ChartSpec for EnsembleFan<'_> {
    fn stem(&self) -> String {
        "fan_chart".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        use crate::jobs::ensemble::EnsembleDay;
        let run = &self.run;
        let sets = self.summary.parameter_sets;
        let trials = crate::format::counted(self.summary.trials_per_set, "trial");
        let deadline = run.deadline();
        let outer = tint(BLUE, 0.2);
        let inner = tint(BLUE, 0.45);
        let deadline_day = run.scenario.target().deadline_day;
        let at_deadline = self.days.get(deadline_day as usize).or(self.days.last());
        let people = crate::format::people;
        let (notes, legend) = match self.fan {
            Fan::Predictive => (
                format!(
                    "People returned so far over all {sets} parameter sets of the scenario's \
                     assumptions and all {trials} of each (assumptions and chance together), at \
                     the end of each day.{}",
                    at_deadline.map_or(String::new(), |d| format!(
                        " By {deadline}: median {}, and 90% of draws between {} and {}.",
                        people(d.predictive_p50),
                        people(d.predictive_p5),
                        people(d.predictive_p95)
                    ))
                ),
                vec![
                    ("median".to_string(), Key::Line(BLUE)),
                    ("middle 50% of draws".to_string(), Key::Fill(inner)),
                    ("middle 90% of draws".to_string(), Key::Fill(outer)),
                ],
            ),
            Fan::MedianAcross => (
                format!(
                    "Median people returned so far within each of {sets} parameter sets of the \
                     scenario's assumptions (the median of its {trials}), at the end of each day: \
                     the spread of the typical outcome across the assumptions, not of single \
                     trials.{}",
                    at_deadline.map_or(String::new(), |d| format!(
                        " By {deadline}: {} for the middle set, {} to {} for 90% of sets.",
                        people(d.median_across_p50),
                        people(d.median_across_p5),
                        people(d.median_across_p95)
                    ))
                ),
                vec![
                    ("median across sets".to_string(), Key::Line(BLUE)),
                    ("90% of sets' medians".to_string(), Key::Fill(outer)),
                ],
            ),
        };
        let f = Frame {
            title: "People returned over time, across the assumptions".to_string(),
            notes: vec![notes],
            legend,
        };
        let basis = self.fan.basis(sets, self.summary.trials_per_set);
        let area = frame(root, s, &f, &run.footer_of(&basis))?;
        let x_axis = run.day_axis();
        let top = |d: &EnsembleDay| match self.fan {
            Fan::Predictive => d.predictive_p95,
            Fan::MedianAcross => d.median_across_p95,
        };
        let highest = self
            .days
            .iter()
            .map(|d| finite(top(d)))
            .fold(0.0, f64::max)
            .max(run.scenario.target().pool.map_or(0.0, |p| p as f64));
        let y = guard_range(0.0, highest * 1.12, 10.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
        let date_label = |v: &f64| x_axis.label(*v);
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("date (end of day)", "people returned (cumulative)"),
            &date_label,
            &|v| fmt_tick(*v),
        )?;
        let band = |lo: fn(&EnsembleDay) -> f64, hi: fn(&EnsembleDay) -> f64, colour: RGBColor| {
            let upper = self.days.iter().map(|d| (f64::from(d.day), finite(hi(d))));
            let lower = self
                .days
                .iter()
                .rev()
                .map(|d| (f64::from(d.day), finite(lo(d))));
            Polygon::new(upper.chain(lower).collect::<Vec<_>>(), colour.filled())
        };
        let line: fn(&EnsembleDay) -> f64 = match self.fan {
            Fan::Predictive => {
                chart.draw_series(std::iter::once(band(
                    |d| d.predictive_p5,
                    |d| d.predictive_p95,
                    outer,
                )))?;
                chart.draw_series(std::iter::once(band(
                    |d| d.predictive_p25,
                    |d| d.predictive_p75,
                    inner,
                )))?;
                |d| d.predictive_p50
            }
            Fan::MedianAcross => {
                chart.draw_series(std::iter::once(band(
                    |d| d.median_across_p5,
                    |d| d.median_across_p95,
                    outer,
                )))?;
                |d| d.median_across_p50
            }
        };
        chart.draw_series(LineSeries::new(
            self.days
                .iter()
                .map(|d| (f64::from(d.day), finite(line(d)))),
            s.line(BLUE, 2.0),
        ))?;
        let day = f64::from(deadline_day);
        if x_axis.contains(day) {
            let a = chart.backend_coord(&(day, y.end));
            let b = chart.backend_coord(&(day, y.start));
            root.draw(&PathElement::new(vec![a, b], s.line(super::INK, 1.0)))?;
        }
        if let Some(pool) = run.scenario.target().pool {
            let left = chart.backend_coord(&(x_axis.first, pool as f64));
            let right = chart.backend_coord(&(x_axis.last, pool as f64));
            dashed(root, s, left, right, s.line(VERMILLION, 2.0))?;
        }
        Ok(())
    }
}
