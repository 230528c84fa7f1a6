//! Charts of sweeps and sensitivity analyses.
//!
//! They follow the run charts' house style (title, notes with the method and
//! its uncertainty, legend above the plot, a footer that traces the chart to
//! its run) and draw only what `sensitivity` estimated:
//!
//! - a sweep chart per key outcome: the estimate against the parameter with
//!   its 95% band and the value the scenario was written with;
//! - a tornado chart per key outcome: one bar per uncertainty from the
//!   outcome at its low value to the outcome at its high value, widest on
//!   top, with the outcome as written marked;
//! - a Sobol chart per key outcome: total- and first-order indices with
//!   their bootstrap intervals, largest total index on top;
//! - a Morris chart per key outcome: mu* with its interval and sigma.
//!
//! The bar charts are laid out by hand (rows, a value axis with round
//! ticks) rather than with a plotters mesh, so that labels sit beside their
//! bars and no tick is drawn at a value the outcome cannot take.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, ChartSpec, DrawResult, FOOTER_SIZE, Frame, GRID_UNDER, INK, Key, LABEL_SIZE, MARGIN,
    MUTED, ORANGE, PlotError, Scale, TICK_SIZE, VERMILLION, boxed_label, dashed, draw_mesh, finite,
    fmt_tick, frame, guard_range, plot_builder, tint, title_words, write_chart,
};
use crate::outcomes::{Outcome, TitleStyle, Unit};
use crate::scenario::Scenario;
use crate::scenario::uncertainty::Uncertainty;
use crate::sensitivity::analysis::{MorrisResult, SobolResult, SweepResult, TornadoResult};
use crate::sensitivity::tables::Context;

/// Most bars in one bar chart; the rest are named in a note.
pub const MAX_BARS: usize = 15;

/// What the outcome is, in words a brief can print: "P(all 1,200 returned
/// by 31 Dec 2025)".
pub fn outcome_title(o: Outcome, s: &Scenario) -> String {
    o.title(TitleStyle::Chart, &title_words(s))
        .unwrap_or_default()
}

/// The value axis of an outcome: percent for probabilities.
fn axis_title(o: Outcome) -> String {
    if o.is_probability() {
        "probability (%)".to_string()
    } else {
        format!("{} (mean)", o.unit().name())
    }
}

/// Outcome values in chart units: percent for probabilities.
fn chart_value(o: Outcome, v: f64) -> f64 {
    if o.is_probability() { v * 100.0 } else { v }
}

/// An outcome value for a reader: "3.1%", "203", "0.62".
pub fn fmt_outcome(o: Outcome, v: f64) -> String {
    match o.unit() {
        Unit::Probability => format!("{}%", crate::format::percent(v)),
        Unit::Suspensions => crate::format::grouped(v, 2),
        Unit::People | Unit::Day | Unit::Days => crate::format::people(v),
    }
}

/// An elementary effect or other change of an outcome: "5.1 percentage
/// points", "198 people".
pub fn fmt_change(o: Outcome, v: f64) -> String {
    match o.unit() {
        Unit::Probability => format!("{} percentage points", crate::format::grouped(v * 100.0, 1)),
        Unit::Suspensions => crate::format::grouped(v, 2),
        unit @ (Unit::People | Unit::Day | Unit::Days) => {
            format!("{} {}", crate::format::people(v), unit.name())
        }
    }
}

/// The unit of a change of an outcome, as a chart's axis names it.
fn change_unit(o: Outcome) -> &'static str {
    match o.unit() {
        Unit::Probability => "percentage points",
        other => other.name(),
    }
}

/// A parameter value with at most three significant digits: "0.00064",
/// "0.95", "14", "1,200".
pub fn fmt_param(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == v.round() && v.abs() < 1e12 {
        return crate::format::grouped(v, 0);
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    // Only zeros after a decimal point are trailing: 340 keeps its zero.
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if v.abs() >= 1000.0 {
        crate::format::grouped(v, digits)
    } else {
        s
    }
}

fn footer(ctx: &Context, what: &str) -> String {
    format!(
        "swapsim · {} · {what} · {} trials per point · seed {}",
        ctx.scenario,
        crate::format::grouped(ctx.trials_per_point as f64, 0),
        ctx.seed
    )
}

/// Round tick values covering `[lo, hi]`: steps of 1, 2 or 5 times a power
/// of ten, at most `max` of them.
fn nice_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / max.max(2) as f64;
    let e = raw.log10().floor() as i32;
    // A tick is (k * m) * 10^e, computed with an exact power of ten so that
    // 3 * 0.2 is 0.6 and not 0.6000000000000001.
    let scale = |units: i64| {
        if e < 0 {
            units as f64 / 10f64.powi(-e)
        } else {
            units as f64 * 10f64.powi(e)
        }
    };
    let m = [1, 2, 5, 10]
        .into_iter()
        .find(|&m| span / scale(m) <= max as f64)
        .unwrap_or(10);
    let step = scale(m);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| scale(k * m)).collect()
}

/// A horizontal bar chart laid out by hand: one row per item, a value axis
/// along the bottom.
pub(crate) struct Rows {
    /// Pixel extent of the plot, in the coordinates of its area.
    pub(crate) left: i32,
    pub(crate) right: i32,
    pub(crate) top: i32,
    pub(crate) bottom: i32,
    /// Value range of the axis.
    x0: f64,
    x1: f64,
    rows: usize,
}

impl Rows {
    pub(crate) fn x(&self, v: f64) -> i32 {
        let t = (finite(v) - self.x0) / (self.x1 - self.x0);
        self.left + (t * f64::from(self.right - self.left)).round() as i32
    }

    fn row_height(&self) -> f64 {
        f64::from(self.bottom - self.top) / self.rows.max(1) as f64
    }

    /// Vertical centre of row `i` (0 at the top).
    pub(crate) fn centre(&self, i: usize) -> i32 {
        self.top + ((i as f64 + 0.5) * self.row_height()).round() as i32
    }
}

/// Lays out rows labelled `labels` (with an optional second, muted line
/// each) so that values `[lo, hi]` span the plot less `pads` pixels on the
/// left and right (room for value labels), draws the labels, the grid and
/// the value axis, and returns the layout. Ticks below `floor` are not
/// drawn.
pub(crate) fn draw_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    labels: &[(String, Option<String>)],
    (lo, hi): (f64, f64),
    pads: (i32, i32),
    floor: Option<f64>,
    axis: &str,
) -> DrawResult<Rows, DB> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label_font = s.font(LABEL_SIZE);
    let sub_font = s.font(FOOTER_SIZE).color(&MUTED);
    let bottom = h - s.px(44.0);
    let row_height = f64::from(bottom - s.px(4.0)) / labels.len().max(1) as f64;
    let two_lines = row_height >= f64::from(s.px(LABEL_SIZE * 2.1));
    let mut widest = 0;
    for (label, sub) in labels {
        widest = widest.max(area.estimate_text_size(label, &label_font)?.0 as i32);
        if let Some(sub) = sub.as_ref().filter(|_| two_lines) {
            widest = widest.max(area.estimate_text_size(sub, &sub_font)?.0 as i32);
        }
    }
    let left = (s.px(MARGIN) + widest + s.px(14.0)).min(w * 45 / 100);
    let right = w - s.px(MARGIN + 6.0);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let inner = f64::from((right - left - pads.0 - pads.1).max(1));
    let per_px = (hi - lo) / inner;
    let rows = Rows {
        left,
        right,
        top: s.px(4.0),
        bottom,
        x0: lo - f64::from(pads.0) * per_px,
        x1: hi + f64::from(pads.1) * per_px,
        rows: labels.len(),
    };
    let grid = GRID_UNDER.stroke_width(s.stroke(1.0));
    let tick_font = s.font(TICK_SIZE).pos(Pos::new(HPos::Center, VPos::Top));
    for t in nice_ticks(rows.x0, rows.x1, 7) {
        if floor.is_some_and(|f| t < f - 1e-12) {
            continue;
        }
        let x = rows.x(t);
        area.draw(&PathElement::new(
            vec![(x, rows.top), (x, rows.bottom)],
            grid,
        ))?;
        area.draw(&PathElement::new(
            vec![(x, rows.bottom), (x, rows.bottom + s.px(4.0))],
            s.line(MUTED, 1.0),
        ))?;
        area.draw(&Text::new(
            fmt_tick(t),
            (x, rows.bottom + s.px(7.0) + s.text_y(TICK_SIZE)),
            tick_font.clone(),
        ))?;
    }
    area.draw(&PathElement::new(
        vec![(rows.left, rows.bottom), (rows.right, rows.bottom)],
        s.line(MUTED, 1.0),
    ))?;
    area.draw(&Text::new(
        axis.to_string(),
        (
            (rows.left + rows.right) / 2,
            rows.bottom + s.px(26.0) + s.text_y(14.0),
        ),
        s.font(14.0).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    for (i, (label, sub)) in labels.iter().enumerate() {
        let c = rows.centre(i);
        let x = rows.left - s.px(10.0);
        match sub.as_ref().filter(|_| two_lines) {
            Some(sub) => {
                area.draw(&Text::new(
                    label.clone(),
                    (x, c - s.px(1.0) + s.text_y(LABEL_SIZE)),
                    label_font.pos(Pos::new(HPos::Right, VPos::Bottom)),
                ))?;
                area.draw(&Text::new(
                    sub.clone(),
                    (x, c + s.px(2.0) + s.text_y(FOOTER_SIZE)),
                    sub_font.pos(Pos::new(HPos::Right, VPos::Top)),
                ))?;
            }
            None => area.draw(&Text::new(
                label.clone(),
                (x, c + s.text_y(LABEL_SIZE)),
                label_font.pos(Pos::new(HPos::Right, VPos::Center)),
            ))?,
        }
    }
    Ok(rows)
}

/// A filled bar in row `i` from value `a` to `b`, `share` of the row tall,
/// at least one pixel wide so that a zero-width bar still shows where it
/// is.
pub(crate) fn bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &Rows,
    i: usize,
    (a, b): (f64, f64),
    share: f64,
    offset: f64,
    colour: RGBColor,
) -> DrawResult<(), DB> {
    let half = (rows.row_height() * share / 2.0).round() as i32;
    let c = rows.centre(i) + (rows.row_height() * offset).round() as i32;
    let (xa, xb) = (rows.x(a.min(b)), rows.x(a.max(b)));
    area.draw(&Rectangle::new(
        [(xa, c - half), (xb.max(xa + 1), c + half)],
        colour.filled(),
    ))
}

/// A 95% interval as a whisker in row `i`.
pub(crate) fn whisker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    rows: &Rows,
    i: usize,
    offset: f64,
    [lo, hi]: [f64; 2],
) -> DrawResult<(), DB> {
    if !lo.is_finite() || !hi.is_finite() {
        return Ok(());
    }
    let c = rows.centre(i) + (rows.row_height() * offset).round() as i32;
    let cap = s.px(4.0);
    let style = s.line(INK, 1.5);
    let (xl, xh) = (rows.x(lo), rows.x(hi));
    area.draw(&PathElement::new(vec![(xl, c), (xh, c)], style))?;
    area.draw(&PathElement::new(vec![(xl, c - cap), (xl, c + cap)], style))?;
    area.draw(&PathElement::new(vec![(xh, c - cap), (xh, c + cap)], style))
}

/// "0.6 to 0.95, uniform": the range of an uncertainty under its label.
fn range_label(u: &Uncertainty) -> String {
    let (lo, hi) = (u.value_at(0.0), u.value_at(1.0));
    let show = |v: f64| {
        u.parameter
            .date_of(v)
            .map_or_else(|| fmt_param(v), |d| d.to_string())
    };
    format!("{} to {}, {}", show(lo), show(hi), u.law.name())
}

/// A dashed vertical line across the rows at value `v`, if it is on the
/// axis.
fn noise_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    rows: &Rows,
    v: f64,
) -> DrawResult<(), DB> {
    if !v.is_finite() || v < rows.x0 || v > rows.x1 {
        return Ok(());
    }
    let x = rows.x(v);
    area.draw(&DashedPathElement::new(
        vec![(x, rows.top), (x, rows.bottom)],
        s.px(5.0),
        s.px(4.0),
        s.line(NOISE_COLOUR, 1.5),
    ))
}

/// Colour of the inner-noise level.
const NOISE_COLOUR: RGBColor = super::GREY;

/// Items beyond [`MAX_BARS`], as a sentence for the notes.
fn hidden_note(names: &[String]) -> Option<String> {
    (names.len() > MAX_BARS).then(|| {
        format!(
            "Not shown, with smaller values: {}.",
            names[MAX_BARS..].join(", ")
        )
    })
}

/// One chart of an analysis for one key outcome; `outcome` indexes
/// `ctx.outcomes`, the order in which every analysis lists its outcomes.
struct OutcomeChart<'a, R> {
    scenario: &'a Scenario,
    ctx: &'a Context,
    uncertainties: &'a [Uncertainty],
    result: &'a R,
    outcome: usize,
}

impl<R> OutcomeChart<'_, R> {
    fn key(&self) -> Outcome {
        self.ctx.outcomes[self.outcome]
    }
}

/// Writes the chart of `result` for every key outcome; returns the paths.
fn charts_per_outcome<R>(
    dir: &Path,
    scenario: &Scenario,
    ctx: &Context,
    uncertainties: &[Uncertainty],
    result: &R,
) -> Result<Vec<PathBuf>, PlotError>
where
    for<'a> OutcomeChart<'a, R>: ChartSpec,
{
    let mut out = Vec::new();
    for outcome in 0..ctx.outcomes.len() {
        let chart = OutcomeChart {
            scenario,
            ctx,
            uncertainties,
            result,
            outcome,
        };
        out.extend(write_chart(dir, &chart)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------- sweep

impl ChartSpec for OutcomeChart<'_, SweepResult> {
    fn stem(&self) -> String {
        format!("sweep_{}", self.key().design_key())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let (o, r) = (self.key(), self.result);
        let param = &r.parameter;
        let mut pts: Vec<(f64, [f64; 3])> = r
            .values
            .iter()
            .zip(&r.estimates)
            .map(|(&v, e)| {
                let x = e.get(o);
                (
                    v,
                    [
                        chart_value(o, x.ci95[0]),
                        chart_value(o, x.estimate),
                        chart_value(o, x.ci95[1]),
                    ],
                )
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let band_colour = tint(BLUE, 0.3);
        let mut notes = vec![format!(
            "{} at each value of {}, every other parameter as written, each value run with \
             the same random numbers. The band is the 95% interval of each estimate; sharing \
             random numbers usually makes differences between values more precise than the \
             band suggests.",
            outcome_title(o, self.scenario),
            param.path
        )];
        let lo = pts.first().map_or(0.0, |p| p.0);
        let hi = pts.last().map_or(1.0, |p| p.0);
        match param.base {
            Some(b) if (lo..=hi).contains(&b) => {}
            Some(b) => notes.push(format!(
                "The scenario as written has {} = {}, outside the values swept.",
                param.path,
                fmt_param(b)
            )),
            None => notes.push(format!(
                "The scenario file does not set {}; its default applies.",
                param.path
            )),
        }
        let f = Frame {
            title: format!(
                "{} against {}",
                outcome_title(o, self.scenario),
                param.label()
            ),
            notes,
            legend: vec![
                ("estimate".to_string(), Key::Line(BLUE)),
                ("95% interval".to_string(), Key::Fill(band_colour)),
            ],
        };
        let area = frame(
            root,
            s,
            &f,
            &footer(self.ctx, &format!("sweep of {}", param.path)),
        )?;
        let top = pts.iter().map(|p| finite(p.1[2])).fold(0.0, f64::max);
        let y_max = if o.is_probability() {
            (top * 1.12).clamp(1.0, 100.0)
        } else {
            (top * 1.12).max(1.0)
        };
        let pad = (hi - lo) * 0.03;
        let x = guard_range(lo - pad, hi + pad, 1e-9);
        let y = guard_range(0.0, y_max, 1e-9);
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x.clone(), y.clone())?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            (&param.path, &axis_title(o)),
            &|v| fmt_param(*v),
            &|v| fmt_tick(*v),
        )?;
        if pts.len() > 1 {
            let upper = pts.iter().map(|p| (p.0, finite(p.1[2])));
            let lower = pts.iter().rev().map(|p| (p.0, finite(p.1[0])));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                band_colour.filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, finite(p.1[1]))),
                s.line(BLUE, 2.0),
            ))?;
        } else if let Some(p) = pts.first() {
            // One value: its interval as a whisker.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(p.0, finite(p.1[0])), (p.0, finite(p.1[2]))],
                s.line(band_colour, 6.0),
            )))?;
        }
        chart.draw_series(
            pts.iter()
                .map(|p| Circle::new((p.0, finite(p.1[1])), s.px(3.5), BLUE.filled())),
        )?;
        if let Some(b) = param.base.filter(|b| (lo..=hi).contains(b)) {
            let a = chart.backend_coord(&(b, y.end));
            let z = chart.backend_coord(&(b, y.start));
            dashed(root, s, a, z, s.line(INK, 1.0))?;
            let right_room = chart.backend_coord(&(x.end, y.end)).0 - a.0;
            let (ax, h) = if right_room > s.px(140.0) {
                (a.0 + s.px(6.0), HPos::Left)
            } else {
                (a.0 - s.px(6.0), HPos::Right)
            };
            boxed_label(
                root,
                s,
                (ax, a.1 + s.px(6.0)),
                (h, VPos::Top),
                &format!("as written: {}", fmt_param(b)),
                &s.font(LABEL_SIZE).color(&INK),
            )?;
        }
        Ok(())
    }
}

/// Writes a sweep chart for every key outcome; returns the paths.
pub fn sweep_charts(
    dir: &Path,
    scenario: &Scenario,
    ctx: &Context,
    result: &SweepResult,
) -> Result<Vec<PathBuf>, PlotError> {
    charts_per_outcome(dir, scenario, ctx, &[], result)
}

// ---------------------------------------------------------------- tornado

/// Colours of the two ends of a tornado bar.
const LOW_COLOUR: RGBColor = BLUE;
const HIGH_COLOUR: RGBColor = ORANGE;

impl ChartSpec for OutcomeChart<'_, TornadoResult> {
    fn stem(&self) -> String {
        format!("tornado_{}", self.key().design_key())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let (o, r, u) = (self.key(), self.result, self.uncertainties);
        let base = r.base.get(o).estimate;
        let all = r.swings(o);
        let names: Vec<String> = all.iter().map(|b| u[b.input].parameter.label()).collect();
        let bars = &all[..all.len().min(MAX_BARS)];
        let se = u
            .iter()
            .enumerate()
            .flat_map(|(i, _)| [r.at_low[i].get(o).se, r.at_high[i].get(o).se])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let mut notes = vec![
            format!(
                "Each uncertainty set to its low and its high value (the ends of a uniform \
                 range, else the 5th and 95th percentiles of its distribution), every other \
                 parameter as written, all on the same random numbers. Bars sorted by swing; \
                 as written: {}.",
                fmt_outcome(o, base)
            ),
            format!(
                "Each end has a Monte Carlo standard error of at most {}{}: a bar much shorter \
                 than that cannot be told from no effect, unless its width is exactly zero.",
                fmt_outcome(o, se),
                if o.is_probability() {
                    String::new()
                } else {
                    format!(" {}", o.unit().name())
                }
            ),
        ];
        notes.extend(hidden_note(&names));
        let f = Frame {
            title: format!(
                "What moves {}",
                lowercase_first(&outcome_title(o, self.scenario))
            ),
            notes,
            legend: vec![
                ("at the low value".to_string(), Key::Fill(LOW_COLOUR)),
                ("at the high value".to_string(), Key::Fill(HIGH_COLOUR)),
                ("as written".to_string(), Key::Line(INK)),
            ],
        };
        let area = frame(root, s, &f, &footer(self.ctx, "tornado"))?;
        let labels: Vec<(String, Option<String>)> = bars
            .iter()
            .map(|b| {
                (
                    u[b.input].parameter.label(),
                    Some(format!(
                        "{} to {}",
                        fmt_param(r.low_values[b.input]),
                        fmt_param(r.high_values[b.input])
                    )),
                )
            })
            .collect();
        let cv = |v: f64| chart_value(o, v);
        let mut lo = cv(base);
        let mut hi = cv(base);
        for b in bars {
            lo = lo.min(cv(b.at_low)).min(cv(b.at_high));
            hi = hi.max(cv(b.at_low)).max(cv(b.at_high));
        }
        if hi - lo <= 0.0 {
            // Nothing moves: an axis around the value as written.
            let half = if hi > 0.0 { hi * 0.5 } else { 1.0 };
            lo -= half;
            hi += half;
        }
        // Room for the value labels at the ends of the bars.
        let value_font = s.font(FOOTER_SIZE).color(&INK);
        let mut room = 0;
        for b in bars {
            for text in [end_labels(o, b, base).0, end_labels(o, b, base).1] {
                let w = area.estimate_text_size(&text, &value_font)?.0 as i32;
                room = room.max(w);
            }
        }
        let pad = room + s.px(10.0);
        let rows = draw_rows(
            &area,
            s,
            &labels,
            (lo, hi),
            (pad, pad),
            Some(0.0),
            &axis_title(o),
        )?;
        let c = cv(base);
        for (i, b) in bars.iter().enumerate() {
            let (l, h) = (cv(b.at_low), cv(b.at_high));
            // The end farther from the base first, so a nearer end on the
            // same side stays visible on top of it.
            let ends = if (l - c).abs() >= (h - c).abs() {
                [(l, b.at_low, LOW_COLOUR), (h, b.at_high, HIGH_COLOUR)]
            } else {
                [(h, b.at_high, HIGH_COLOUR), (l, b.at_low, LOW_COLOUR)]
            };
            let centre = rows.centre(i) + s.text_y(FOOTER_SIZE);
            if b.swing == 0.0 && l == c {
                area.draw(&Text::new(
                    "no effect".to_string(),
                    (rows.x(c) + s.px(8.0), centre),
                    value_font
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
                continue;
            }
            for (v, _, colour) in ends {
                if v != c {
                    bar(&area, &rows, i, (c, v), 0.56, 0.0, colour)?;
                }
            }
            // The values just beyond the ends of the bar, on the side away
            // from the base.
            let (left_text, right_text) = end_labels(o, b, base);
            let (l_end, r_end) = (l.min(h).min(c), l.max(h).max(c));
            if l_end < c {
                area.draw(&Text::new(
                    left_text,
                    (rows.x(l_end) - s.px(5.0), centre),
                    value_font.pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
            if r_end > c {
                area.draw(&Text::new(
                    right_text,
                    (rows.x(r_end) + s.px(5.0), centre),
                    value_font.pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        }
        // The outcome as written, over the bars.
        let xb = rows.x(cv(base));
        area.draw(&PathElement::new(
            vec![(xb, rows.top), (xb, rows.bottom)],
            s.line(INK, 1.5),
        ))?;
        Ok(())
    }
}

/// The value labels to the left and right of a tornado bar. When both
/// ends lie on the same side of the base, one label there names both.
fn end_labels(o: Outcome, b: &crate::sensitivity::tornado::Swing, base: f64) -> (String, String) {
    let (l, h) = (b.at_low, b.at_high);
    let (lt, ht) = (fmt_outcome(o, l), fmt_outcome(o, h));
    if l < base && h < base {
        (format!("low {lt}, high {ht}"), String::new())
    } else if l > base && h > base {
        (String::new(), format!("low {lt}, high {ht}"))
    } else if l <= h {
        (lt, ht)
    } else {
        (ht, lt)
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // "P(...)" keeps its capital.
        Some(f) if s.starts_with("P(") => f.to_string() + c.as_str(),
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Writes a tornado chart for every key outcome; returns the paths.
pub fn tornado_charts(
    dir: &Path,
    scenario: &Scenario,
    ctx: &Context,
    uncertainties: &[Uncertainty],
    result: &TornadoResult,
) -> Result<Vec<PathBuf>, PlotError> {
    charts_per_outcome(dir, scenario, ctx, uncertainties, result)
}

// ---------------------------------------------------------------- Sobol

const TOTAL_COLOUR: RGBColor = BLUE;
const FIRST_COLOUR: RGBColor = ORANGE;

impl ChartSpec for OutcomeChart<'_, SobolResult> {
    fn stem(&self) -> String {
        format!("sobol_{}", self.result.indices[self.outcome].0.design_key())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let (o, ix) = &self.result.indices[self.outcome];
        let noise = self.result.noise_share[self.outcome];
        let u = self.uncertainties;
        let mut order: Vec<usize> = (0..u.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| finite(ix.total_order[i].estimate);
            key(b).total_cmp(&key(a)).then(a.cmp(&b))
        });
        let names: Vec<String> = order.iter().map(|&i| u[i].parameter.label()).collect();
        let shown = &order[..order.len().min(MAX_BARS)];
        let first_sum: f64 = ix.first_order.iter().map(|x| finite(x.estimate)).sum();
        let n = self.result.design.n;
        let mut notes = vec![
            "Share of the outcome's variance across the uncertainties that each one \
             explains alone (first order) and with its interactions (total order). An \
             assumption whose total index is near 0 can be fixed anywhere in its range."
                .to_string(),
            if ix.variance > 0.0 {
                format!(
                    "Saltelli design, N = {} ({} points); lines: bootstrap 95% intervals. Mean \
                     {}, standard deviation {} across the design; first-order indices sum to \
                     {:.2}. Inner-trial noise: {:.0}% of the variance (dashed line); total \
                     indices below it may be noise.",
                    crate::format::grouped(n as f64, 0),
                    crate::format::grouped(self.result.points.len() as f64, 0),
                    fmt_outcome(*o, ix.mean),
                    fmt_outcome(*o, ix.variance.sqrt()),
                    first_sum,
                    100.0 * noise
                )
            } else {
                "The outcome is the same at every design point, so it has no variance to \
                 share out and no indices."
                    .to_string()
            },
        ];
        notes.extend(hidden_note(&names));
        let f = Frame {
            title: format!(
                "Which uncertainties drive {}",
                lowercase_first(&outcome_title(*o, self.scenario))
            ),
            notes,
            legend: vec![
                ("total order".to_string(), Key::Fill(TOTAL_COLOUR)),
                ("first order".to_string(), Key::Fill(FIRST_COLOUR)),
                ("95% interval".to_string(), Key::Line(INK)),
                ("inner-trial noise".to_string(), Key::Line(NOISE_COLOUR)),
            ],
        };
        let area = frame(root, s, &f, &footer(self.ctx, "Sobol indices"))?;
        let labels: Vec<(String, Option<String>)> = shown
            .iter()
            .map(|&i| (u[i].parameter.label(), Some(range_label(&u[i]))))
            .collect();
        let mut lo: f64 = 0.0;
        let mut hi: f64 = finite(noise).max(0.1);
        for &i in shown {
            for x in [&ix.first_order[i], &ix.total_order[i]] {
                lo = lo.min(finite(x.estimate)).min(finite(x.ci95[0]));
                hi = hi.max(finite(x.estimate)).max(finite(x.ci95[1]));
            }
        }
        let rows = draw_rows(
            &area,
            s,
            &labels,
            (lo, hi),
            (s.px(4.0), s.px(10.0)),
            None,
            "Sobol index (share of variance)",
        )?;
        // Zero line, so that negative estimates (noise) read as such.
        let x0 = rows.x(0.0);
        area.draw(&PathElement::new(
            vec![(x0, rows.top), (x0, rows.bottom)],
            s.line(MUTED, 1.0),
        ))?;
        noise_line(&area, s, &rows, noise)?;
        for (row, &i) in shown.iter().enumerate() {
            for (x, colour, offset) in [
                (&ix.total_order[i], TOTAL_COLOUR, -0.17),
                (&ix.first_order[i], FIRST_COLOUR, 0.17),
            ] {
                if x.estimate.is_finite() {
                    bar(&area, &rows, row, (0.0, x.estimate), 0.3, offset, colour)?;
                    whisker(&area, s, &rows, row, offset, x.ci95)?;
                }
            }
        }
        Ok(())
    }
}

/// Writes a Sobol chart for every key outcome; returns the paths.
pub fn sobol_charts(
    dir: &Path,
    scenario: &Scenario,
    ctx: &Context,
    uncertainties: &[Uncertainty],
    result: &SobolResult,
) -> Result<Vec<PathBuf>, PlotError> {
    charts_per_outcome(dir, scenario, ctx, uncertainties, result)
}

// ---------------------------------------------------------------- Morris

const MU_STAR_COLOUR: RGBColor = BLUE;
const SIGMA_COLOUR: RGBColor = VERMILLION;

impl ChartSpec for OutcomeChart<'_, MorrisResult> {
    fn stem(&self) -> String {
        format!(
            "morris_{}",
            self.result.effects[self.outcome].0.design_key()
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let (o, effects) = &self.result.effects[self.outcome];
        let floor = self.result.noise_floor[self.outcome];
        let u = self.uncertainties;
        let mut order: Vec<usize> = (0..u.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| finite(effects[i].mu_star.estimate);
            key(b).total_cmp(&key(a)).then(a.cmp(&b))
        });
        let names: Vec<String> = order.iter().map(|&i| u[i].parameter.label()).collect();
        let shown = &order[..order.len().min(MAX_BARS)];
        let unit = change_unit(*o);
        let mut notes = vec![
            format!(
                "Elementary effects on {}: the change when one uncertainty moves {} of its \
                 range (on its probability scale), the others held, scaled to the whole range. \
                 mu*: mean size of the change (influence); sigma: its spread (interactions, \
                 curvature).",
                lowercase_first(&outcome_title(*o, self.scenario)),
                match self.result.levels {
                    4 => "two thirds".to_string(),
                    p => format!("{:.2}", p as f64 / (2.0 * (p - 1) as f64)),
                }
            ),
            format!(
                "{} trajectories on {} levels ({} points); line: bootstrap 95% interval of mu*; \
                 dashed: what the inner trials' noise alone could give.",
                self.result.trajectories.len(),
                self.result.levels,
                crate::format::grouped(self.result.points.len() as f64, 0)
            ),
        ];
        notes.extend(hidden_note(&names));
        let f = Frame {
            title: format!(
                "Screening the uncertainties of {}",
                lowercase_first(&outcome_title(*o, self.scenario))
            ),
            notes,
            legend: vec![
                ("mu* (mean |effect|)".to_string(), Key::Fill(MU_STAR_COLOUR)),
                (
                    "sigma (spread of effects)".to_string(),
                    Key::Fill(SIGMA_COLOUR),
                ),
                ("95% interval of mu*".to_string(), Key::Line(INK)),
                ("inner-trial noise".to_string(), Key::Line(NOISE_COLOUR)),
            ],
        };
        let area = frame(root, s, &f, &footer(self.ctx, "Morris screening"))?;
        let labels: Vec<(String, Option<String>)> = shown
            .iter()
            .map(|&i| (u[i].parameter.label(), Some(range_label(&u[i]))))
            .collect();
        let cv = |v: f64| finite(chart_value(*o, v));
        let mut hi: f64 = cv(floor);
        for &i in shown {
            let e = &effects[i];
            hi = hi
                .max(cv(e.mu_star.ci95[1]))
                .max(cv(e.sigma))
                .max(cv(e.mu_star.estimate));
        }
        let hi = if hi > 0.0 { hi } else { 1.0 };
        let rows = draw_rows(
            &area,
            s,
            &labels,
            (0.0, hi),
            (s.px(4.0), s.px(10.0)),
            Some(0.0),
            &format!("effect ({unit})"),
        )?;
        noise_line(&area, s, &rows, cv(floor))?;
        for (row, &i) in shown.iter().enumerate() {
            let e = &effects[i];
            bar(
                &area,
                &rows,
                row,
                (0.0, cv(e.mu_star.estimate)),
                0.3,
                -0.17,
                MU_STAR_COLOUR,
            )?;
            whisker(
                &area,
                s,
                &rows,
                row,
                -0.17,
                [cv(e.mu_star.ci95[0]), cv(e.mu_star.ci95[1])],
            )?;
            if e.sigma.is_finite() {
                bar(
                    &area,
                    &rows,
                    row,
                    (0.0, cv(e.sigma)),
                    0.3,
                    0.17,
                    SIGMA_COLOUR,
                )?;
            }
        }
        Ok(())
    }
}

/// Writes a Morris chart for every key outcome; returns the paths.
pub fn morris_charts(
    dir: &Path,
    scenario: &Scenario,
    ctx: &Context,
    uncertainties: &[Uncertainty],
    result: &MorrisResult,
) -> Result<Vec<PathBuf>, PlotError> {
    charts_per_outcome(dir, scenario, ctx, uncertainties, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_values_keep_the_zeros_of_their_whole_part() {
        assert_eq!(fmt_param(340.37366553107483), "340");
        assert_eq!(fmt_param(209.31), "209");
        assert_eq!(fmt_param(0.5098302960395813), "0.51");
        assert_eq!(fmt_param(0.0523), "0.0523");
        assert_eq!(fmt_param(1200.0), "1,200");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 1.0, 7), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(-3.0, 27.0, 7),
            vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
        );
        let t = nice_ticks(0.0012, 0.0093, 7);
        assert!(t.len() >= 3 && t.len() <= 7, "{t:?}");
    }

    #[test]
    fn parameter_values_keep_three_significant_digits() {
        assert_eq!(fmt_param(0.000638), "0.000638");
        assert_eq!(fmt_param(0.95), "0.95");
        assert_eq!(fmt_param(14.0), "14");
        assert_eq!(fmt_param(1200.0), "1,200");
        assert_eq!(fmt_param(0.0125), "0.0125");
        assert_eq!(fmt_param(2.0 / 3.0), "0.667");
    }
}
