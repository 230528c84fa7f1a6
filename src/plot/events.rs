//! Dated events and milestones on the run charts.
//!
//! A researcher reads a chart of a scenario with events against its dates:
//! "the median stops rising when the UAE channel closes". Each event is
//! marked where it takes effect: a dashed vertical line for a change that
//! lasts to the horizon, a shaded window from `date` to `until` for a
//! temporary one. Labels carry the event's name and are set in rows, each
//! label in the first row where it overlaps no other, so that events close
//! in time stay legible. Milestones are marked on the fan chart at their
//! level and date, with the probability of reaching them. A scenario
//! without events or milestones draws nothing here, so its charts keep
//! their bytes.

use super::{DayAxis, INK, LABEL_SIZE, MUTED, Run, Scale, boxed_label, dashed};
use crate::stats::MilestoneResult;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::ops::Range;

/// Where a chart has room for the labels of its events.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LabelEdge {
    /// Rows from the top of the plot down, starting `skip` pixels below it
    /// (room for a label the chart already sets there).
    Top { skip: i32 },
    /// Rows from the bottom of the plot up.
    Bottom,
}

/// The chart every run chart draws on: dates across, a number up.
pub(crate) type DayChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<DayAxis, RangedCoordf64>>;

/// The plot's rectangle in backend pixels and how to place a day on it.
pub(crate) struct PlotArea<'a> {
    pub(crate) left: i32,
    pub(crate) right: i32,
    pub(crate) top: i32,
    pub(crate) bottom: i32,
    /// Backend x of a day index.
    pub(crate) x: &'a dyn Fn(f64) -> i32,
    /// Backend y of a value of the vertical axis.
    pub(crate) y: &'a dyn Fn(f64) -> i32,
}

/// Draws the events of the run on `chart` (vertical range `y`), and its
/// milestones if `milestones`.
pub(crate) fn draw_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    run: &Run,
    chart: &DayChart<DB>,
    y: &Range<f64>,
    edge: LabelEdge,
    milestones: bool,
) -> DrawResult<(), DB> {
    let summary = &run.results.summary;
    if summary.events.is_empty() && (!milestones || summary.milestones.is_empty()) {
        return Ok(());
    }
    // Every run chart spans the days of `Run::day_axis`.
    let axis = run.day_axis();
    let x = |d: f64| chart.backend_coord(&(d, y.start)).0;
    let y_px = |v: f64| chart.backend_coord(&(axis.first, v)).1;
    let plot = PlotArea {
        left: x(axis.first),
        right: x(axis.last),
        top: y_px(y.end),
        bottom: y_px(y.start),
        x: &x,
        y: &y_px,
    };
    draw_event_marks(root, s, run, &axis, &plot, edge)?;
    if milestones {
        draw_milestone_marks(root, s, run, &axis, &plot)?;
    }
    Ok(())
}

/// Shade of a window in force: light enough that the data show through.
const WINDOW: RGBAColor = RGBAColor(90, 90, 90, 0.12);

/// The first row in which `span` overlaps no placed label, and notes it.
fn free_row(rows: &mut Vec<Vec<(i32, i32)>>, span: (i32, i32), gap: i32) -> usize {
    let fits = |row: &Vec<(i32, i32)>| {
        row.iter()
            .all(|&(a, b)| span.1 + gap <= a || b + gap <= span.0)
    };
    let r = rows.iter().position(fits).unwrap_or(rows.len());
    if r == rows.len() {
        rows.push(Vec::new());
    }
    rows[r].push(span);
    r
}

/// Marks every event of the run that is in force on some day of the axis.
fn draw_event_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    run: &Run,
    axis: &DayAxis,
    plot: &PlotArea,
    edge: LabelEdge,
) -> DrawResult<(), DB> {
    let events = &run.results.summary.events;
    if events.is_empty() {
        return Ok(());
    }
    let start = run.scenario.simulation().start_date;
    // (first day, last day or None, name) of each event on the axis.
    let mut marks: Vec<(f64, Option<f64>, &str)> = events
        .iter()
        .filter_map(|e| {
            let first = crate::dates::days_between(start, e.date) as f64;
            let last = e.until.map(|u| crate::dates::days_between(start, u) as f64);
            if first > axis.last || last.is_some_and(|l| l < axis.first) {
                return None;
            }
            Some((
                first.max(axis.first),
                last.map(|l| l.min(axis.last)),
                e.name.as_str(),
            ))
        })
        .collect();
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));

    for &(first, last, _) in &marks {
        let x0 = (plot.x)(first);
        match last {
            Some(l) => {
                let x1 = (plot.x)(l).max(x0 + s.px(1.0));
                root.draw(&Rectangle::new(
                    [(x0, plot.top), (x1, plot.bottom)],
                    WINDOW.filled(),
                ))?;
                for x in [x0, x1] {
                    root.draw(&PathElement::new(
                        vec![(x, plot.top), (x, plot.bottom)],
                        s.line(MUTED, 0.75),
                    ))?;
                }
            }
            None => dashed(
                root,
                s,
                (x0, plot.top),
                (x0, plot.bottom),
                s.line(MUTED, 1.25),
            )?,
        }
    }

    let style = s.font(LABEL_SIZE).color(&INK);
    let gap = s.px(6.0);
    let mut rows: Vec<Vec<(i32, i32)>> = Vec::new();
    for &(first, _, name) in &marks {
        let x = (plot.x)(first);
        let (w, h) = root.estimate_text_size(name, &style)?;
        let (w, h) = (w as i32, h as i32);
        // Right of the mark where the label fits, else left of it.
        let (lx, anchor) = if x + s.px(4.0) + w <= plot.right {
            (x + s.px(4.0), HPos::Left)
        } else {
            (x - s.px(4.0), HPos::Right)
        };
        let span = match anchor {
            HPos::Left => (lx, lx + w),
            _ => (lx - w, lx),
        };
        let span = (span.0.max(plot.left), span.1);
        let r = free_row(&mut rows, span, gap) as i32;
        let step = h + s.px(8.0);
        let (y, v) = match edge {
            LabelEdge::Top { skip } => (plot.top + skip + s.px(5.0) + r * step, VPos::Top),
            LabelEdge::Bottom => (plot.bottom - s.px(5.0) - r * step, VPos::Bottom),
        };
        boxed_label(root, s, (lx, y), (anchor, v), name, &style)?;
    }
    Ok(())
}

/// "first 600: 42% by 28 Feb 2026".
fn milestone_label(m: &MilestoneResult, by: &str) -> String {
    format!(
        "{}: {}% by {by}",
        m.name,
        crate::format::percent(m.reached_by.estimate)
    )
}

/// Marks each milestone at its level (people) and date on the fan chart:
/// a diamond with its name and the probability of reaching it.
fn draw_milestone_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    run: &Run,
    axis: &DayAxis,
    plot: &PlotArea,
) -> DrawResult<(), DB> {
    let colour = RGBColor(204, 121, 167); // Okabe-Ito reddish purple
    let style = s.bold(LABEL_SIZE).color(&colour);
    for (m, spec) in run
        .results
        .summary
        .milestones
        .iter()
        .zip(&run.scenario.target().milestones)
    {
        let day = f64::from(spec.by_day);
        if !(axis.first..=axis.last).contains(&day) {
            continue;
        }
        let (x, y) = ((plot.x)(day), (plot.y)(spec.people as f64));
        let r = s.px(6.0);
        let diamond = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
        root.draw(&Polygon::new(diamond.clone(), WHITE.filled()))?;
        root.draw(&PathElement::new(diamond, s.line(colour, 2.0)))?;
        let text = milestone_label(m, &super::fmt_date(spec.by));
        let (w, _) = root.estimate_text_size(&text, &style)?;
        let (lx, anchor) = if x + r + s.px(4.0) + w as i32 <= plot.right {
            (x + r + s.px(4.0), HPos::Left)
        } else {
            (x - r - s.px(4.0), HPos::Right)
        };
        boxed_label(root, s, (lx, y), (anchor, VPos::Center), &text, &style)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_that_would_overlap_go_to_the_next_free_row() {
        let mut rows = Vec::new();
        assert_eq!(free_row(&mut rows, (0, 100), 6), 0);
        // Overlaps the first: a second row.
        assert_eq!(free_row(&mut rows, (50, 150), 6), 1);
        // Clear of the first by more than the gap: back in the first row.
        assert_eq!(free_row(&mut rows, (110, 200), 6), 0);
        // Within the gap of both rows' last labels: a third row.
        assert_eq!(free_row(&mut rows, (153, 170), 6), 2);
    }
}
