//! Charts of the historical record, of a calibration and of back-tests.
//!
//! These charts put the model next to the evidence: what the record shows
//! (rounds, their sizes, who mediated, the long silences), how the fitted
//! model reads it (when the process was probably suspended, whether the
//! fitted laws reproduce the gaps and the sizes), and how a forecast made
//! at a past date compares with what then happened. Like the charts of a
//! run, each stands on its own in a printed brief: its notes state the
//! counting rules and the fitted numbers, and its footer names the record
//! (with the start of its SHA-256) so that a figure can be traced to the
//! data behind it. They only draw tables that are also written to CSV.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    BLUE, ChartSpec, DayAxis, DrawResult, Frame, GREEN, GREY, GRID_UNDER, INK, Key, LABEL_SIZE,
    MUTED, ORANGE, PlotError, Scale, VERMILLION, boxed_label, dashed, draw_mesh, finite, fmt_date,
    fmt_tick, frame, guard_range, percent_chart, plot_builder, tint, write_chart,
};
use crate::backtest::Backtest;
use crate::calibration::diagnostics::{GapRow, QqRow, StateRow};
use crate::calibration::mapping::Calibration;
use crate::history::intensity::IndexDay;
use crate::history::rounds::{Round, Window};
use crate::history::summary::{HistorySummary, LONG_GAP_DAYS};

/// Okabe–Ito colours beyond the four the run charts use, for mediators.
const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
const YELLOW: RGBColor = RGBColor(240, 228, 66);

/// Shading of long gaps: light enough that grid lines and labels stay
/// legible over it.
fn gap_shade() -> RGBColor {
    tint(GREY, 0.22)
}

/// Each mediator label keeps one colour in every chart: the mediators of
/// the record have fixed colours, others take the remaining ones in order.
fn mediator_colours(labels: &[String]) -> Vec<(String, RGBColor)> {
    let fixed = |l: &str| match l {
        "UAE" => Some(BLUE),
        "Turkey" => Some(VERMILLION),
        "Turkey and Saudi Arabia" => Some(ORANGE),
        "Vatican" => Some(GREEN),
        crate::history::record::NO_MEDIATOR => Some(GREY),
        _ => None,
    };
    let mut spare = [SKY_BLUE, REDDISH_PURPLE, YELLOW, INK].into_iter().cycle();
    labels
        .iter()
        .map(|l| {
            let c = fixed(l).unwrap_or_else(|| spare.next().unwrap_or(INK));
            (l.clone(), c)
        })
        .collect()
}

fn colour_of(colours: &[(String, RGBColor)], label: &str) -> RGBColor {
    colours
        .iter()
        .find(|(l, _)| l == label)
        .map_or(INK, |(_, c)| *c)
}

/// "swapsim <command> · <record> · SHA-256 <12 hex>…".
pub(super) fn record_footer(record: &str, sha256: &str, what: &str) -> String {
    format!(
        "swapsim {what} · {record} · SHA-256 {}…",
        &sha256[..12.min(sha256.len())]
    )
}

/// How a mediator label reads in a legend.
fn legend_label(label: &str) -> String {
    if label == crate::history::record::NO_MEDIATOR {
        "none named in the sources".to_string()
    } else {
        label.to_string()
    }
}

fn window_text(w: Window) -> String {
    super::fmt_date_range(w.from, w.to)
}

/// A time axis over the days of `window` (index 0 = its first day).
fn window_axis(w: Window) -> DayAxis {
    DayAxis::new(w.from, 0, (w.days().saturating_sub(1)).max(1) as u32)
}

/// Day index of `d` in `w`, as an axis coordinate.
fn at(w: Window, d: NaiveDate) -> f64 {
    w.day_of(d) as f64
}

/// Shades every gap of at least [`LONG_GAP_DAYS`] and labels it with its
/// length above the plot area's top edge.
fn shade_long_gaps<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Cartesian2d<DayAxis, plotters::coord::types::RangedCoordf64>>,
    s: Scale,
    summary: &HistorySummary,
    y_top: f64,
    label: bool,
) -> DrawResult<(), DB> {
    let w = summary.window;
    let long: Vec<_> = summary
        .gaps
        .iter()
        .filter(|g| g.days >= LONG_GAP_DAYS)
        .collect();
    chart.draw_series(long.iter().map(|g| {
        let a = g.from.map_or(0.0, |d| at(w, d));
        let b = g.to.map_or((w.days() - 1) as f64, |d| at(w, d));
        Rectangle::new([(a, 0.0), (b, y_top)], gap_shade().filled())
    }))?;
    if label {
        let style = s.font(LABEL_SIZE).color(&MUTED);
        for g in long {
            let a = g.from.map_or(0.0, |d| at(w, d));
            let b = g.to.map_or((w.days() - 1) as f64, |d| at(w, d));
            let p = chart.backend_coord(&((a + b) / 2.0, y_top));
            let text = if g.censored {
                format!("{}+ days", g.days)
            } else {
                format!("{} days", g.days)
            };
            boxed_label(
                root,
                s,
                (p.0, p.1 + s.px(5.0)),
                (HPos::Center, VPos::Top),
                &text,
                &style,
            )?;
        }
    }
    Ok(())
}

/// The timeline of rounds: one bar per round, as tall as the people it
/// returned to Ukraine, coloured by mediator, with long gaps shaded; under
/// it, on the same dates, the escalation index from claimed losses.
pub(crate) struct Timeline<'a> {
    pub(crate) summary: &'a HistorySummary,
    pub(crate) rounds: &'a [Round],
    /// The index on the window's days that it covers (may be empty).
    pub(crate) index: &'a [IndexDay],
}

impl ChartSpec for Timeline<'_> {
    fn stem(&self) -> String {
        "timeline".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let summary = self.summary;
        let w = summary.window;
        let labels: Vec<String> = summary
            .mediators
            .iter()
            .map(|m| m.mediator.clone())
            .collect();
        let colours = mediator_colours(&labels);
        let withheld = self
            .rounds
            .iter()
            .filter(|r| r.returned_to_ukraine.is_none())
            .count();
        let mut legend: Vec<(String, Key)> = colours
            .iter()
            .map(|(l, c)| (legend_label(l), Key::Fill(*c)))
            .collect();
        if withheld > 0 {
            legend.push(("no figure published".to_string(), Key::Marker(INK)));
        }
        if summary.long_gaps > 0 {
            legend.push((
                format!("{LONG_GAP_DAYS} days or more without an exchange"),
                Key::Fill(gap_shade()),
            ));
        }
        let known: u64 = self
            .rounds
            .iter()
            .filter_map(|r| r.returned_to_ukraine)
            .sum();
        let mut notes = vec![
            "One bar per round (exchanges on the same or consecutive days count as one); its height is the number of people returned to Ukraine, by Ukrainian official figures, and its colour the mediator credited.".to_string(),
            format!(
                "{} rounds; {} people returned in the rounds with a published figure.",
                crate::format::grouped(self.rounds.len() as f64, 0),
                crate::format::grouped(known as f64, 0)
            ),
        ];
        if withheld > 0 {
            notes[1].push_str(&format!(
                " {withheld} round{} without a figure {} marked on the axis.",
                if withheld == 1 { "" } else { "s" },
                if withheld == 1 { "is" } else { "are" }
            ));
        }
        if !self.index.is_empty() {
            notes.push("Below: the escalation index from Ukraine's daily claims of Russian personnel losses (two-week mean over the trailing year's trend; 1 = typical fighting for that year; docs/calibration.md).".to_string());
        }
        let f = Frame {
            title: format!(
                "Prisoner exchanges between Ukraine and Russia, {}",
                window_text(w)
            ),
            notes,
            legend,
        };
        let footer = record_footer(&summary.record, &summary.record_sha256, "history");
        let area = frame(root, s, &f, &footer)?;
        let (area, below) = if self.index.is_empty() {
            (area, None)
        } else {
            let h = area.dim_in_pixel().1 as i32;
            let (top, bottom) = area.split_vertically(h * 3 / 5);
            (top, Some(bottom))
        };

        let x_axis = window_axis(w);
        if let Some(below) = &below {
            let top = self
                .index
                .iter()
                .map(|d| d.level)
                .filter(|v| v.is_finite())
                .fold(1.5_f64, f64::max);
            let y = guard_range(0.0, top * 1.05, 1.0);
            let mut chart = plot_builder(below, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
            let date_label = |v: &f64| x_axis.label(*v);
            draw_mesh(
                &mut chart,
                s,
                GRID_UNDER,
                ("date", "index"),
                &date_label,
                &|v| fmt_tick(*v),
            )?;
            chart.draw_series(LineSeries::new(
                [(x_axis.first, 1.0), (x_axis.last, 1.0)],
                s.line(GREY, 1.0),
            ))?;
            chart.draw_series(LineSeries::new(
                self.index.iter().map(|d| (at(w, d.date) + 0.5, d.level)),
                s.line(VERMILLION, 1.5),
            ))?;
        }
        let highest = self
            .rounds
            .iter()
            .filter_map(|r| r.returned_to_ukraine)
            .max()
            .unwrap_or(0) as f64;
        // Room above the tallest bar for the gap labels.
        let y = guard_range(0.0, highest * 1.16, 10.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
        shade_long_gaps(root, &mut chart, s, summary, y.end, true)?;
        let date_label = |v: &f64| x_axis.label(*v);
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            (
                "date",
                if below.is_some() {
                    "people in the round"
                } else {
                    "people returned to Ukraine in the round"
                },
            ),
            &date_label,
            &|v| fmt_tick(*v),
        )?;
        // A day is under a pixel wide: bars are drawn at least MIN_BAR wide
        // so that a one-day round stays visible.
        const MIN_BAR: f64 = 3.0;
        let plot_w = f64::from(chart.plotting_area().dim_in_pixel().0.max(1));
        let min_days = f64::from(s.px(MIN_BAR)) * (x_axis.last - x_axis.first) / plot_w;
        let span = |r: &Round| {
            let (a, b) = (at(w, r.first), at(w, r.last) + 1.0);
            if b - a < min_days {
                let mid = (a + b) / 2.0;
                (mid - min_days / 2.0, mid + min_days / 2.0)
            } else {
                (a, b)
            }
        };
        chart.draw_series(self.rounds.iter().filter_map(|r| {
            let v = r.returned_to_ukraine? as f64;
            let (a, b) = span(r);
            Some(Rectangle::new(
                [(a, 0.0), (b, v)],
                colour_of(&colours, &r.mediator).filled(),
            ))
        }))?;
        for r in self
            .rounds
            .iter()
            .filter(|r| r.returned_to_ukraine.is_none())
        {
            let (a, b) = span(r);
            let p = chart.backend_coord(&((a + b) / 2.0, 0.0));
            root.draw(&Circle::new(
                (p.0, p.1 - s.px(6.0)),
                s.px(3.5),
                s.line(colour_of(&colours, &r.mediator), 1.5),
            ))?;
        }
        Ok(())
    }
}

/// People returned to Ukraine so far, with long gaps shaded.
pub(crate) struct Cumulative<'a> {
    pub(crate) summary: &'a HistorySummary,
    pub(crate) rounds: &'a [Round],
}

impl ChartSpec for Cumulative<'_> {
    fn stem(&self) -> String {
        "cumulative".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let summary = self.summary;
        let w = summary.window;
        let withheld = self
            .rounds
            .iter()
            .filter(|r| r.returned_to_ukraine.is_none())
            .count();
        let mut steps = vec![(0.0, 0.0)];
        let mut marks = Vec::new();
        let mut total = 0u64;
        for r in self.rounds {
            let d = at(w, r.last);
            match r.returned_to_ukraine {
                Some(v) => {
                    steps.push((d, total as f64));
                    total += v;
                    steps.push((d, total as f64));
                }
                None => marks.push((d, total as f64)),
            }
        }
        let last_day = (w.days() - 1) as f64;
        steps.push((last_day, total as f64));
        let mut notes = vec![format!(
            "People returned to Ukraine since {}, each round's published figure added on its last day. By {}: {}.",
            fmt_date(w.from),
            fmt_date(w.to),
            crate::format::grouped(total as f64, 0)
        )];
        if withheld > 0 {
            notes.push(format!(
                "{withheld} round{} without a published figure ({}) add{} nothing here, so the line is a lower bound.",
                if withheld == 1 { "" } else { "s" },
                "marked",
                if withheld == 1 { "s" } else { "" }
            ));
        }
        let mut legend = vec![("people returned to Ukraine".to_string(), Key::Line(BLUE))];
        if withheld > 0 {
            legend.push((
                "round without a published figure".to_string(),
                Key::Marker(INK),
            ));
        }
        if summary.long_gaps > 0 {
            legend.push((
                format!("{LONG_GAP_DAYS} days or more without an exchange"),
                Key::Fill(gap_shade()),
            ));
        }
        let f = Frame {
            title: "People returned to Ukraine in exchanges, cumulative".to_string(),
            notes,
            legend,
        };
        let footer = record_footer(&summary.record, &summary.record_sha256, "history");
        let area = frame(root, s, &f, &footer)?;
        let x_axis = window_axis(w);
        let y = guard_range(0.0, total as f64 * 1.1, 10.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
        shade_long_gaps(root, &mut chart, s, summary, y.end, false)?;
        let date_label = |v: &f64| x_axis.label(*v);
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("date", "people returned to Ukraine (cumulative)"),
            &date_label,
            &|v| fmt_tick(*v),
        )?;
        chart.draw_series(LineSeries::new(steps, s.line(BLUE, 2.0)))?;
        for (d, v) in marks {
            let p = chart.backend_coord(&(d, v));
            root.draw(&Circle::new(p, s.px(4.5), s.line(INK, 1.5)))?;
        }
        Ok(())
    }
}

/// Writes the charts of `swapsim history`.
pub fn draw_history_charts(
    summary: &HistorySummary,
    rounds: &[Round],
    index: &[IndexDay],
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = write_chart(
        dir,
        &Timeline {
            summary,
            rounds,
            index,
        },
    )?;
    out.extend(write_chart(dir, &Cumulative { summary, rounds })?);
    Ok(out)
}

/// What a calibration's charts draw from.
pub struct CalibrationCharts<'a> {
    pub calibration: &'a Calibration,
    pub states: &'a [StateRow],
    pub gaps: &'a [GapRow],
    pub qq: &'a [QqRow],
}

impl CalibrationCharts<'_> {
    fn footer(&self) -> String {
        let c = self.calibration;
        record_footer(&c.record, &c.record_sha256, "calibrate")
    }
}

/// "0.060 (95% CI 0.045–0.080)": two significant digits, as many as
/// intervals this wide deserve.
fn estimate_text(e: &crate::calibration::fit::Estimate) -> String {
    format!(
        "{}\u{a0}(95%\u{a0}CI\u{a0}{}–{})",
        crate::format::sig(e.estimate, 2),
        crate::format::sig(e.ci95[0], 2),
        crate::format::sig(e.ci95[1], 2)
    )
}

struct States<'a>(&'a CalibrationCharts<'a>);

impl ChartSpec for States<'_> {
    fn stem(&self) -> String {
        "states".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let c = self.0.calibration;
        let t = &c.timing;
        let rows = self.0.states;
        let w = c.window;
        let area_colour = tint(ORANGE, 0.5);
        let f = Frame {
            title: "When was the exchange process suspended?".to_string(),
            notes: vec![
                format!(
                    "Probability that the process was suspended on each day, given the whole record of {} (two-state hidden Markov model, forward–backward smoothing). Ticks at the top: days on which a round began.",
                    window_text(w)
                ),
                format!(
                    "Fitted per day: suspension {}, resumption {}, a round while active {}. Against a single state: likelihood ratio {:.2}, p\u{a0}=\u{a0}{:.3} (chi-square, 2 df, approximate).",
                    estimate_text(&t.suspend),
                    estimate_text(&t.resume),
                    estimate_text(&t.round),
                    t.lr_test.statistic,
                    t.lr_test.p_value
                ),
            ],
            legend: vec![
                ("probability suspended".to_string(), Key::Fill(area_colour)),
                ("round".to_string(), Key::Line(BLUE)),
            ],
        };
        let area = frame(root, s, &f, &self.0.footer())?;
        let x_axis = window_axis(w);
        // Above 100% sits the strip of round ticks.
        let y = 0.0..110.0;
        let mut chart = percent_chart(
            &area,
            s,
            &x_axis,
            y.end,
            ("date (end of day)", "probability suspended (%)"),
        )?;
        let curve: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i as f64, finite(r.p_suspended) * 100.0))
            .collect();
        let mut polygon = curve.clone();
        polygon.push(((rows.len().max(1) - 1) as f64, 0.0));
        polygon.push((0.0, 0.0));
        chart.draw_series(std::iter::once(Polygon::new(polygon, area_colour.filled())))?;
        chart.draw_series(LineSeries::new(curve, s.line(ORANGE, 1.5)))?;
        chart.draw_series(
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.round)
                .map(|(i, _)| {
                    PathElement::new(
                        vec![(i as f64, 102.5), (i as f64, 108.5)],
                        s.line(BLUE, 1.5),
                    )
                }),
        )?;
        Ok(())
    }
}

struct Gaps<'a>(&'a CalibrationCharts<'a>);

impl ChartSpec for Gaps<'_> {
    fn stem(&self) -> String {
        "gaps".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let c = self.0.calibration;
        let rows = self.0.gaps;
        let t = &c.timing;
        let f = Frame {
            title: "Gaps between rounds: the record and the fitted models".to_string(),
            notes: vec![
                format!(
                    "Share of gaps between the first days of consecutive rounds that last longer than a given number of days, {} (Kaplan–Meier, the stretch after the last round counted as unfinished), on a log scale.",
                    window_text(c.window)
                ),
                format!(
                    "Two states (active or suspended): log-likelihood {:.1}; one state (a round on any day with probability {}): {:.1}.",
                    t.log_likelihood,
                    crate::format::sig(t.one_state.round.estimate, 2),
                    t.one_state.log_likelihood
                ),
            ],
            legend: vec![
                ("record".to_string(), Key::Line(INK)),
                ("two-state model".to_string(), Key::Line(VERMILLION)),
                ("one-state model".to_string(), Key::Dashed(BLUE)),
            ],
        };
        let area = frame(root, s, &f, &self.0.footer())?;
        let max_days = rows.last().map_or(1, |r| r.days).max(1);
        // Down to a tenth of a percent: one gap in a thousand.
        const FLOOR: f64 = 0.1;
        let pct = |v: f64| (finite(v) * 100.0).max(FLOOR);
        let mut chart = plot_builder(&area, s)
            .build_cartesian_2d(0.0..f64::from(max_days), (FLOOR..100.0).log_scale())?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("gap between rounds (days)", "gaps longer than this (%)"),
            &|v| fmt_tick(*v),
            &|v| fmt_tick(*v),
        )?;
        // The record as a step function: flat between the lengths of
        // observed gaps.
        let mut steps = Vec::with_capacity(rows.len() * 2);
        for pair in rows.windows(2) {
            steps.push((f64::from(pair[0].days), pct(pair[0].observed)));
            steps.push((f64::from(pair[1].days), pct(pair[0].observed)));
        }
        let last_observed = rows.iter().rev().find(|r| r.observed > 0.0);
        chart.draw_series(LineSeries::new(
            steps
                .into_iter()
                .filter(|(d, _)| last_observed.is_none_or(|r| *d <= f64::from(r.days) + 1.0)),
            s.line(INK, 2.0),
        ))?;
        chart.draw_series(LineSeries::new(
            rows.iter().map(|r| (f64::from(r.days), pct(r.two_state))),
            s.line(VERMILLION, 2.0),
        ))?;
        // Dashed as one path, so the dashes run on from day to day.
        let one: Vec<(i32, i32)> = rows
            .iter()
            .map(|r| (f64::from(r.days), pct(r.one_state)))
            .filter(|(_, v)| *v > FLOOR)
            .map(|p| chart.backend_coord(&p))
            .collect();
        root.draw(&plotters::element::DashedPathElement::new(
            one,
            s.px(6.0),
            s.px(4.0),
            s.line(BLUE, 2.0),
        ))?;
        Ok(())
    }
}

struct Sizes<'a>(&'a CalibrationCharts<'a>);

impl ChartSpec for Sizes<'_> {
    fn stem(&self) -> String {
        "sizes_qq".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let c = self.0.calibration;
        let rows = self.0.qq;
        let f = Frame {
            title: "Round sizes: the record against the fitted law".to_string(),
            notes: vec![
                format!(
                    "Each point is one round with a published figure, {} ({} rounds): its size against the size at the same rank under the fitted 1 + negative binomial law (Hazen plotting positions, (rank − ½)/n). On the line, the law fits.",
                    window_text(c.sizes_window),
                    c.sizes.rounds
                ),
                format!(
                    "Fitted: mean size {} people, dispersion k {}.",
                    estimate_text(&crate::calibration::fit::Estimate {
                        estimate: c.sizes.mean_extra.estimate + 1.0,
                        se: None,
                        ci95: [
                            c.sizes.mean_extra.ci95[0] + 1.0,
                            c.sizes.mean_extra.ci95[1] + 1.0
                        ],
                    }),
                    estimate_text(&c.sizes.dispersion)
                ),
            ],
            legend: vec![
                ("round".to_string(), Key::Marker(BLUE)),
                ("equal sizes".to_string(), Key::Dashed(INK)),
            ],
        };
        let area = frame(root, s, &f, &self.0.footer())?;
        let top = rows
            .iter()
            .map(|r| r.observed.max(r.fitted) as f64)
            .fold(0.0, f64::max);
        let range = guard_range(0.0, top * 1.06, 10.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(range.clone(), range.clone())?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            (
                "size under the fitted law (people)",
                "size in the record (people)",
            ),
            &|v| fmt_tick(*v),
            &|v| fmt_tick(*v),
        )?;
        let a = chart.backend_coord(&(range.start, range.start));
        let b = chart.backend_coord(&(range.end, range.end));
        dashed(root, s, a, b, s.line(INK, 1.0))?;
        for r in rows {
            let p = chart.backend_coord(&(r.fitted as f64, r.observed as f64));
            root.draw(&Circle::new(p, s.px(4.0), s.line(BLUE, 1.5)))?;
        }
        Ok(())
    }
}

/// Writes the charts of `swapsim calibrate`.
pub fn draw_calibration_charts(
    charts: &CalibrationCharts,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = write_chart(dir, &States(charts))?;
    out.extend(write_chart(dir, &Gaps(charts))?);
    out.extend(write_chart(dir, &Sizes(charts))?);
    Ok(out)
}

/// A back-test's forecast fan with what the record then showed.
pub struct BacktestChart<'a> {
    pub backtest: &'a Backtest,
    pub record: &'a str,
    pub record_sha256: &'a str,
}

impl ChartSpec for BacktestChart<'_> {
    fn stem(&self) -> String {
        "backtest".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let b = self.backtest;
        let spec = &b.spec;
        let bands = b.forecast.daily_bands();
        let naive = b.naive.daily_bands();
        let outer = tint(BLUE, 0.2);
        let inner = tint(BLUE, 0.45);
        let mut notes = vec![format!(
            "Forecast made with the record up to {} (P(suspended) then: {}%), against the record from {} to {}. Bands: middle 50% and 90% of {} simulated futures.",
            fmt_date(spec.fit_until),
            crate::format::grouped(100.0 * b.p_suspended_at_origin, 0),
            fmt_date(spec.date_of(0)),
            fmt_date(spec.until),
            crate::format::grouped(spec.trials as f64, 0)
        )];
        for sc in b.scores.iter().filter(|x| x.quantity == "people") {
            notes.push(match (sc.observed, sc.swapsim.crps, sc.naive.crps) {
                (Some(y), Some(a), Some(n)) => format!(
                    "At {} days: record {}; swapsim median {} (CRPS {}), naive median {} (CRPS {}); skill {}.",
                    sc.horizon_days,
                    crate::format::grouped(y as f64, 0),
                    crate::format::grouped(sc.swapsim.p50, 0),
                    crate::format::grouped(a, 0),
                    crate::format::grouped(sc.naive.p50, 0),
                    crate::format::grouped(n, 0),
                    crate::format::grouped(sc.skill.unwrap_or(f64::NAN), 2)
                ),
                _ => format!(
                    "At {} days: not scored ({}).",
                    sc.horizon_days,
                    sc.not_scored.as_deref().unwrap_or("no figure")
                ),
            });
        }
        let withheld = b.observed.iter().any(|r| r.returned_to_ukraine.is_none());
        let mut legend = vec![
            ("swapsim median".to_string(), Key::Line(BLUE)),
            ("middle 50%".to_string(), Key::Fill(inner)),
            ("middle 90%".to_string(), Key::Fill(outer)),
            ("naive median".to_string(), Key::Dashed(GREY)),
            ("record".to_string(), Key::Line(VERMILLION)),
        ];
        if withheld {
            legend.push((
                "round without a figure".to_string(),
                Key::Marker(VERMILLION),
            ));
        }
        let f = Frame {
            title: format!(
                "Back-test from {}: people returned to Ukraine",
                fmt_date(spec.fit_until)
            ),
            notes,
            legend,
        };
        let footer = record_footer(
            self.record,
            self.record_sha256,
            &format!("backtest · seed {}", spec.seed),
        );
        let area = frame(root, s, &f, &footer)?;
        let days = bands.len().max(2) as u32;
        let x_axis = DayAxis::new(spec.date_of(0), 0, days - 1);
        let mut observed_steps = vec![(0.0, 0.0)];
        let mut marks = Vec::new();
        let mut total = 0.0;
        for r in &b.observed {
            let d = f64::from(r.day);
            match r.returned_to_ukraine {
                Some(v) => {
                    observed_steps.push((d, total));
                    total += v as f64;
                    observed_steps.push((d, total));
                }
                None => marks.push((d, total)),
            }
        }
        observed_steps.push((f64::from(days - 1), total));
        let highest = bands.iter().map(|q| finite(q[4])).fold(total, f64::max);
        let y = guard_range(0.0, highest * 1.1, 10.0);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
        let date_label = |v: &f64| x_axis.label(*v);
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            (
                "date (end of day)",
                "people returned to Ukraine since the origin",
            ),
            &date_label,
            &|v| fmt_tick(*v),
        )?;
        let band = |lo: usize, hi: usize, colour: RGBColor| {
            let upper = bands
                .iter()
                .enumerate()
                .map(|(d, q)| (d as f64, finite(q[hi])));
            let lower = bands
                .iter()
                .enumerate()
                .rev()
                .map(|(d, q)| (d as f64, finite(q[lo])));
            Polygon::new(upper.chain(lower).collect::<Vec<_>>(), colour.filled())
        };
        chart.draw_series(std::iter::once(band(0, 4, outer)))?;
        chart.draw_series(std::iter::once(band(1, 3, inner)))?;
        chart.draw_series(LineSeries::new(
            bands
                .iter()
                .enumerate()
                .map(|(d, q)| (d as f64, finite(q[2]))),
            s.line(BLUE, 2.0),
        ))?;
        let naive_median: Vec<(i32, i32)> = naive
            .iter()
            .enumerate()
            .map(|(d, q)| chart.backend_coord(&(d as f64, finite(q[2]))))
            .collect();
        root.draw(&plotters::element::DashedPathElement::new(
            naive_median,
            s.px(6.0),
            s.px(4.0),
            s.line(GREY, 2.0),
        ))?;
        chart.draw_series(LineSeries::new(observed_steps, s.line(VERMILLION, 2.5)))?;
        for (d, v) in marks {
            let p = chart.backend_coord(&(d, v));
            root.draw(&Circle::new(p, s.px(4.5), s.line(VERMILLION, 1.5)))?;
        }
        for h in crate::backtest::HORIZONS {
            let d = f64::from(h - 1);
            if !x_axis.contains(d) {
                continue;
            }
            let top = chart.backend_coord(&(d, y.end));
            let bottom = chart.backend_coord(&(d, y.start));
            root.draw(&PathElement::new(vec![top, bottom], s.line(INK, 1.0)))?;
            boxed_label(
                root,
                s,
                (top.0 - s.px(6.0), top.1 + s.px(6.0)),
                (HPos::Right, VPos::Top),
                &format!("{h} days"),
                &s.font(LABEL_SIZE).color(&INK),
            )?;
        }
        Ok(())
    }
}

/// Writes the chart of one back-test.
pub fn draw_backtest_chart(chart: &BacktestChart, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(dir, chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{self, Setup, Spec};
    use crate::calibration::conditions::Conditions;
    use crate::calibration::diagnostics::{gap_rows, qq_rows, state_rows};
    use crate::calibration::mapping::calibrate;
    use crate::calibration::window::{window_rounds, window_sizes};
    use crate::history::record::Record;
    use crate::history::summary::summarise;
    use crate::scenario::ScenarioSource;
    use std::collections::HashSet;
    use std::error::Error;

    type TestResult = Result<(), Box<dyn Error>>;

    /// Checks a chart written as PNG and SVG: the PNG decodes at full size
    /// and is not flat, and the SVG holds the title.
    fn check(dir: &Path, stem: &str, title: &str) -> TestResult {
        let file = std::io::BufReader::new(std::fs::File::open(dir.join(format!("{stem}.png")))?);
        let mut reader = png::Decoder::new(file).read_info()?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
        let info = reader.next_frame(&mut buf)?;
        assert_eq!((info.width, info.height), super::super::PNG_SIZE, "{stem}");
        let channels = info.color_type.samples();
        let colours: HashSet<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
        assert!(
            colours.len() > 50,
            "{stem}.png has {} colours",
            colours.len()
        );
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg")))?;
        assert!(svg.contains(title), "{stem}.svg lacks {title:?}");
        assert!(
            svg.contains("SHA-256 06e965f4e641"),
            "{stem}.svg lacks the record's hash"
        );
        Ok(())
    }

    #[test]
    fn the_record_calibration_and_backtest_charts_draw_readably() -> TestResult {
        let dir = tempfile::tempdir()?;
        let record = Record::shipped()?;
        let d = |s: &str| s.parse::<NaiveDate>();
        let window = Window::new(d("2022-03-01")?, record.end()).ok_or("window")?;
        let (summary, rounds) = summarise(&record, window);
        let losses = crate::history::losses::ClaimedLosses::shipped()?;
        let index: Vec<_> = crate::history::intensity::escalation_index(&losses)
            .into_iter()
            .filter(|d| window.contains(d.date))
            .collect();
        let written = draw_history_charts(&summary, &rounds, &index, dir.path())?;
        assert_eq!(written.len(), 4);
        check(
            dir.path(),
            "timeline",
            "Prisoner exchanges between Ukraine and Russia",
        )?;
        check(
            dir.path(),
            "cumulative",
            "People returned to Ukraine in exchanges",
        )?;

        let base = ScenarioSource::builtin().parse()?;
        let conditions = Conditions::simulate(&base)?;
        let sizes = Window::new(d("2024-01-01")?, record.end()).ok_or("window")?;
        let cal = calibrate(&record, window, sizes, &base, &conditions)?;
        let (_, days) = window_rounds(&record, window);
        let params = cal.timing.params();
        let states = state_rows(&params, &days, window);
        let gaps = gap_rows(&days, &params, cal.timing.one_state.round.estimate, 170);
        let (sz, _, _) = window_sizes(&record, sizes);
        let qq = qq_rows(
            &sz,
            cal.sizes.mean_extra.estimate,
            cal.sizes.dispersion.estimate,
        );
        let charts = CalibrationCharts {
            calibration: &cal,
            states: &states,
            gaps: &gaps,
            qq: &qq,
        };
        assert_eq!(draw_calibration_charts(&charts, dir.path())?.len(), 6);
        check(
            dir.path(),
            "states",
            "When was the exchange process suspended?",
        )?;
        check(dir.path(), "gaps", "Gaps between rounds")?;
        check(
            dir.path(),
            "sizes_qq",
            "Round sizes: the record against the fitted law",
        )?;

        let setup = Setup {
            record: &record,
            base: &base,
            conditions: &conditions,
            threads: Some(1),
        };
        let spec = Spec {
            fit_from: d("2022-03-01")?,
            sizes_from: d("2022-03-01")?,
            fit_until: d("2024-03-31")?,
            until: d("2024-09-27")?,
            trials: 300,
            seed: 3,
            half_life_days: backtest::DEFAULT_HALF_LIFE_DAYS,
        };
        let b = backtest::run(&setup, spec)?;
        let chart = BacktestChart {
            backtest: &b,
            record: &record.source_name,
            record_sha256: &record.sha256,
        };
        assert_eq!(draw_backtest_chart(&chart, dir.path())?.len(), 2);
        check(dir.path(), "backtest", "Back-test from 31 Mar 2024")?;
        Ok(())
    }
}
