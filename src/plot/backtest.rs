//! Charts of a rolling back-test: how each forecast scored origin by
//! origin, and whether its distributions were calibrated.
//!
//! They draw only what `scores.csv` and `pit_histogram.csv` hold: the CRPS
//! of swapsim and of both naive benchmarks at every origin, and the
//! histogram of randomised PIT values. One chart per quantity and horizon,
//! so each stands alone in a brief.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::history::record_footer;
use super::{
    BLUE, ChartSpec, DayAxis, DrawResult, Frame, GREY, GRID_UNDER, Key, ORANGE, PlotError, Scale,
    draw_mesh, fmt_tick, frame, guard_range, plot_builder, tint, write_chart,
};
use crate::backtest::score::{self, PIT_BINS, PitRow};
use crate::backtest::{Backtest, HorizonScore};

/// Colour of each forecast, in the order of [`score::FORECASTS`].
const COLOURS: [RGBColor; 3] = [BLUE, GREY, ORANGE];

/// How each forecast is named in a legend.
const NAMES: [&str; 3] = ["swapsim", "naive", "recency-weighted naive"];

fn quantity_words(quantity: &str) -> &'static str {
    if quantity == "people" {
        "people returned to Ukraine"
    } else {
        "rounds of exchange"
    }
}

/// CRPS of every forecast, origin by origin, for one quantity at one
/// horizon.
pub struct CrpsChart<'a> {
    pub tests: &'a [Backtest],
    pub quantity: &'static str,
    pub horizon_days: u32,
    pub record: &'a str,
    pub record_sha256: &'a str,
}

impl CrpsChart<'_> {
    fn rows(&self) -> Vec<(chrono::NaiveDate, &HorizonScore)> {
        self.tests
            .iter()
            .flat_map(|t| t.scores.iter().map(move |s| (t.spec.fit_until, s)))
            .filter(|(_, s)| {
                s.quantity == self.quantity
                    && s.horizon_days == self.horizon_days
                    && s.observed.is_some()
            })
            .collect()
    }
}

impl ChartSpec for CrpsChart<'_> {
    fn stem(&self) -> String {
        format!("crps_{}_{}d", self.quantity, self.horizon_days)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let rows = self.rows();
        let first = self.tests.first().map(|t| t.spec.fit_until);
        let last = self.tests.last().map(|t| t.spec.fit_until);
        let mut notes = vec![format!(
            "Continuous ranked probability score of each forecast of {} {} days after the origin (lower is better; in {}). {} origins scored.",
            quantity_words(self.quantity),
            self.horizon_days,
            if self.quantity == "people" {
                "people"
            } else {
                "rounds"
            },
            rows.len()
        )];
        let means: Vec<String> = score::FORECASTS
            .iter()
            .zip(NAMES)
            .map(|(f, name)| {
                let v: Vec<f64> = rows
                    .iter()
                    .filter_map(|(_, r)| score::forecast_of(r, f).crps)
                    .collect();
                format!(
                    "{name} {}",
                    crate::format::grouped(v.iter().sum::<f64>() / v.len().max(1) as f64, 1)
                )
            })
            .collect();
        notes.push(format!("Mean CRPS: {}.", means.join("; ")));
        let f = Frame {
            title: format!(
                "Back-test scores by origin: {} at {} days",
                quantity_words(self.quantity),
                self.horizon_days
            ),
            notes,
            legend: NAMES
                .iter()
                .zip(COLOURS)
                .map(|(n, c)| (n.to_string(), Key::Line(c)))
                .collect(),
        };
        let seed = self.tests.first().map_or(0, |t| t.spec.seed);
        let footer = record_footer(
            self.record,
            self.record_sha256,
            &format!("backtest --rolling · seed {seed}"),
        );
        let area = frame(root, s, &f, &footer)?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(());
        };
        let span = (last - first).num_days().max(1) as u32;
        let x_axis = DayAxis::new(first, 0, span);
        let at = |d: chrono::NaiveDate| (d - first).num_days() as f64;
        let highest = rows
            .iter()
            .flat_map(|(_, r)| score::FORECASTS.map(|f| score::forecast_of(r, f).crps))
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let y = guard_range(0.0, highest * 1.1, 1.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y)?;
        let date_label = |v: &f64| x_axis.label(*v);
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("origin (end of day)", "CRPS"),
            &date_label,
            &|v| fmt_tick(*v),
        )?;
        for (i, f) in score::FORECASTS.iter().enumerate() {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|(d, r)| score::forecast_of(r, f).crps.map(|c| (at(*d), c)))
                .collect();
            let width = if i == 0 { 2.0 } else { 1.5 };
            chart.draw_series(LineSeries::new(points.clone(), s.line(COLOURS[i], width)))?;
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, s.px(3.0), COLOURS[i].filled())),
            )?;
        }
        Ok(())
    }
}

/// Histogram of the randomised PIT of every forecast for one quantity at
/// one horizon.
pub struct PitChart<'a> {
    pub rows: &'a [PitRow],
    pub quantity: &'static str,
    pub horizon_days: u32,
    pub seed: u64,
    pub record: &'a str,
    pub record_sha256: &'a str,
}

impl ChartSpec for PitChart<'_> {
    fn stem(&self) -> String {
        format!("pit_{}_{}d", self.quantity, self.horizon_days)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let rows: Vec<&PitRow> = self
            .rows
            .iter()
            .filter(|r| r.quantity == self.quantity && r.horizon_days == self.horizon_days)
            .collect();
        let origins = rows.first().map_or(0, |r| r.origins);
        let expected = origins as f64 / PIT_BINS as f64;
        let f = Frame {
            title: format!(
                "Calibration of the forecasts: {} at {} days",
                quantity_words(self.quantity),
                self.horizon_days
            ),
            notes: vec![
                format!(
                    "Where the outcome fell in each forecast distribution (randomised PIT, Czado, Gneiting and Held 2009), over {origins} origins, in tenths. A calibrated forecast gives a flat histogram near the dashed line ({} per bin); a U shape means bands too narrow, a slope means forecasts too high (mass on the left) or too low.",
                    crate::format::grouped(expected, 1)
                ),
                "Origins closer together than the horizon share forecast days, so neighbouring values are not independent.".to_string(),
            ],
            legend: NAMES
                .iter()
                .zip(COLOURS)
                .map(|(n, c)| (n.to_string(), Key::Fill(tint(c, 0.85))))
                .chain(std::iter::once((
                    "calibrated".to_string(),
                    Key::Dashed(super::INK),
                )))
                .collect(),
        };
        let footer = record_footer(
            self.record,
            self.record_sha256,
            &format!("backtest --rolling · seed {}", self.seed),
        );
        let area = frame(root, s, &f, &footer)?;
        let highest = rows.iter().map(|r| r.count as f64).fold(expected, f64::max);
        let y = guard_range(0.0, highest * 1.15, 1.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(0.0..1.0, y)?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("randomised PIT", "origins"),
            &|v| fmt_tick(*v),
            &|v| fmt_tick(*v),
        )?;
        let bin = 1.0 / PIT_BINS as f64;
        let bar = bin * 0.8 / score::FORECASTS.len() as f64;
        for (i, f) in score::FORECASTS.iter().enumerate() {
            let colour = tint(COLOURS[i], 0.85);
            chart.draw_series(rows.iter().filter(|r| r.forecast == *f).map(|r| {
                let x0 = r.bin_from + bin * 0.1 + bar * i as f64;
                Rectangle::new([(x0, 0.0), (x0 + bar, r.count as f64)], colour.filled())
            }))?;
        }
        let a = chart.backend_coord(&(0.0, expected));
        let b = chart.backend_coord(&(1.0, expected));
        super::dashed(root, s, a, b, s.line(super::INK, 1.2))?;
        Ok(())
    }
}

/// Writes the charts of a rolling back-test: CRPS by origin and the PIT
/// histogram for each quantity and horizon with scored origins.
pub fn draw_rolling_charts(
    tests: &[Backtest],
    pit: &[PitRow],
    record: &str,
    record_sha256: &str,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Vec::new();
    let seed = tests.first().map_or(0, |t| t.spec.seed);
    for quantity in ["people", "rounds"] {
        for horizon_days in crate::backtest::HORIZONS {
            if !pit
                .iter()
                .any(|r| r.quantity == quantity && r.horizon_days == horizon_days)
            {
                continue;
            }
            out.extend(write_chart(
                dir,
                &CrpsChart {
                    tests,
                    quantity,
                    horizon_days,
                    record,
                    record_sha256,
                },
            )?);
            out.extend(write_chart(
                dir,
                &PitChart {
                    rows: pit,
                    quantity,
                    horizon_days,
                    seed,
                    record,
                    record_sha256,
                },
            )?);
        }
    }
    Ok(out)
}
