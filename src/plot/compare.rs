//! Charts of a paired comparison of configurations.
//!
//! A comparison asks two questions, and each gets its own chart: what each
//! configuration gives (`compare_outcomes`), and whether it differs from the
//! reference by more than Monte Carlo noise (`compare_differences`, where
//! pairing on common random numbers makes the intervals narrow). Three more
//! charts overlay what the single-run charts show for one configuration:
//! survival of the first suspension, people returned over time, and the
//! per-trial differences behind the paired estimates. Every configuration
//! keeps its colour across the five charts; the reference is drawn in ink,
//! the darkest colour, so that it reads as the baseline. Like the run
//! charts, these only draw the estimates in [`Comparison`].

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::okabe_ito::{BLUE, GREEN, ORANGE, VERMILLION};
use super::{
    AXIS_SIZE, ChartSpec, DayAxis, DrawResult, Frame, GRID_UNDER, INK, Key, LABEL_SIZE, MARGIN,
    MUTED, NOTE_SIZE, PlotError, Scale, TICK_SIZE, boxed_label, dashed, draw_mesh, finite,
    fmt_date, fmt_tick, frame, guard_range, percent_chart, plot_builder, title_words, wrap,
    write_chart,
};
use crate::outcomes::{COMPARED, Outcome, TitleStyle, Unit};
use crate::scenario::Scenario;
use crate::stats::DailyRow;
use crate::stats::compare::{ComparedOutcome, Comparison};

/// The rest of the Okabe–Ito palette, for comparisons of up to eight
/// configurations.
const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
/// Pale on white, so it comes last: only the eighth configuration gets it.
const YELLOW: RGBColor = RGBColor(240, 228, 66);

/// Colours of the configurations after the reference, in order: the
/// strongest contrasts with each other and with white first.
const CONFIG_COLOURS: [RGBColor; 7] = [
    BLUE,
    VERMILLION,
    GREEN,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    YELLOW,
];

/// Opacity of the shaded bands of overlaid curves: light enough that two
/// overlapping bands and the lines over them stay readable.
const BAND_ALPHA: f64 = 0.16;
/// Most configurations whose 25–75% bands are all shaded on the fan chart;
/// with more, only the reference's band is, or the chart turns to mud.
const MAX_FAN_BANDS: usize = 4;
/// Most configurations whose headline numbers are listed in a subtitle.
const MAX_LISTED: usize = 5;
/// Most bins of the difference distribution.
const MAX_DIFF_BINS: i64 = 60;
/// Most configurations whose difference distributions share one plot;
/// beyond that each gets a small panel.
const MAX_OVERLAID: usize = 3;
/// Space between small panels (SVG pixels).
const PANEL_GAP: f64 = 24.0;

/// Panels of the outcome charts, most important first (by their panel
/// rank); the first six with estimates are drawn; the others are left to
/// the tables.
fn panel_order() -> Vec<Outcome> {
    let mut order = COMPARED.to_vec();
    order.sort_by_key(|o| o.compared().map(|c| c.panel_rank));
    order
}

/// Panels that fit a 1600x1000 chart with labels readable in print.
const MAX_PANELS: usize = 6;

/// Writes the comparison charts into `dir` (PNG and SVG); returns the paths.
///
/// `title` describes the comparison ("Istanbul framework, November 2025:
/// mediator configurations") and goes into every footer; `reference` is the
/// reference configuration's scenario, for dates, the deadline and the pool.
pub fn draw_compare_charts(
    cmp: &Comparison,
    reference: &Scenario,
    title: &str,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let data = Compare {
        cmp,
        scenario: reference,
        title,
    };
    let mut written = Vec::with_capacity(2 * CompareKind::ALL.len());
    for kind in CompareKind::ALL {
        written.extend(write_chart(dir, &CompareChart { kind, data: &data })?);
    }
    Ok(written)
}

/// The comparison charts, each written as `<stem>.png` and `<stem>.svg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompareKind {
    Outcomes,
    Differences,
    Survival,
    Fan,
    DifferenceDistribution,
}

impl CompareKind {
    const ALL: [CompareKind; 5] = [
        CompareKind::Outcomes,
        CompareKind::Differences,
        CompareKind::Survival,
        CompareKind::Fan,
        CompareKind::DifferenceDistribution,
    ];

    fn stem(self) -> &'static str {
        match self {
            CompareKind::Outcomes => "compare_outcomes",
            CompareKind::Differences => "compare_differences",
            CompareKind::Survival => "compare_survival",
            CompareKind::Fan => "compare_fan",
            CompareKind::DifferenceDistribution => "compare_difference_distribution",
        }
    }
}

struct CompareChart<'a> {
    kind: CompareKind,
    data: &'a Compare<'a>,
}

impl ChartSpec for CompareChart<'_> {
    fn stem(&self) -> String {
        self.kind.stem().to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let d = self.data;
        match self.kind {
            CompareKind::Outcomes => draw_outcomes(root, d, s),
            CompareKind::Differences => draw_differences(root, d, s),
            CompareKind::Survival => draw_survival(root, d, s),
            CompareKind::Fan => draw_fan(root, d, s),
            CompareKind::DifferenceDistribution => draw_difference_distribution(root, d, s),
        }
    }
}

/// What every comparison chart draws from.
struct Compare<'a> {
    cmp: &'a Comparison,
    scenario: &'a Scenario,
    title: &'a str,
}

impl Compare<'_> {
    /// Configurations with both a name and results; the reference is 0.
    fn len(&self) -> usize {
        self.cmp.names.len().min(self.cmp.runs.len())
    }

    fn name(&self, c: usize) -> &str {
        self.cmp.names.get(c).map_or("", String::as_str)
    }

    fn colour(&self, c: usize) -> RGBColor {
        match c {
            0 => INK,
            _ => CONFIG_COLOURS[(c - 1) % CONFIG_COLOURS.len()],
        }
    }

    /// "swapsim · <title> · <trials> trials · seed <seed>".
    fn footer(&self) -> String {
        let trials = if self.cmp.trials == 1 {
            "trial"
        } else {
            "trials"
        };
        let seed = self
            .cmp
            .runs
            .first()
            .map_or(self.scenario.simulation().seed, |r| r.summary.seed);
        format!(
            "swapsim · {} · {} {trials} · seed {seed}",
            self.title,
            crate::format::grouped(self.cmp.trials as f64, 0),
        )
    }

    fn deadline(&self) -> String {
        fmt_date(self.scenario.target().deadline)
    }

    fn start(&self) -> String {
        fmt_date(self.scenario.simulation().start_date)
    }

    /// The last day of the horizon, by whose end "within the horizon" is
    /// counted.
    fn horizon_end(&self) -> String {
        fmt_date(
            self.scenario
                .date_of_day(self.scenario.simulation().horizon_days.saturating_sub(1)),
        )
    }

    fn trials(&self) -> String {
        crate::format::grouped(self.cmp.trials as f64, 0)
    }

    /// The row of `outcome` for configuration `c`. Rows are matched by
    /// name; if two configurations share a name, the nth of them takes the
    /// nth matching row, so the order of configurations decides.
    fn outcome(&self, c: usize, outcome: Outcome) -> Option<&ComparedOutcome> {
        let name = self.name(c);
        let nth = self.cmp.names[..c.min(self.cmp.names.len())]
            .iter()
            .filter(|n| n.as_str() == name)
            .count();
        self.cmp
            .outcomes
            .iter()
            .filter(|r| r.outcome == outcome && r.configuration == name)
            .nth(nth)
    }

    /// Per-trial differences from the reference in people returned by the
    /// deadline for configuration `c` (not the reference): (difference,
    /// share of trials), ascending. Each configuration's counts are listed
    /// in ascending order, so a shared name is told apart by where the
    /// differences start again.
    fn differences(&self, c: usize) -> Vec<(i64, f64)> {
        if c == 0 {
            return Vec::new();
        }
        let name = self.name(c);
        let nth = self.cmp.names[1..c.min(self.cmp.names.len())]
            .iter()
            .filter(|n| n.as_str() == name)
            .count();
        let mut runs: Vec<Vec<(i64, f64)>> = Vec::new();
        for d in self
            .cmp
            .differences
            .iter()
            .filter(|d| d.configuration == name)
        {
            match runs.last_mut() {
                Some(run) if run.last().is_some_and(|(prev, _)| *prev < d.difference) => {
                    run.push((d.difference, finite(d.share)));
                }
                _ => runs.push(vec![(d.difference, finite(d.share))]),
            }
        }
        runs.into_iter().nth(nth).unwrap_or_default()
    }

    fn day_axis(&self) -> DayAxis {
        let days = self
            .cmp
            .runs
            .iter()
            .map(|r| r.daily.len())
            .max()
            .unwrap_or(0);
        let last = days.saturating_sub(1).max(1) as u32;
        DayAxis::new(self.scenario.simulation().start_date, 0, last)
    }

    /// The short panel title of an outcome: what it is, by when, in what
    /// unit. `change` gives the unit of a difference.
    fn panel_title(&self, outcome: Outcome, change: bool) -> String {
        outcome
            .title(TitleStyle::Panel { change }, &title_words(self.scenario))
            .unwrap_or_default()
    }
}

/// `v` with a plus sign when positive, for differences: "+3.2", "−12".
fn signed(v: f64, text: String) -> String {
    if v > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else if text.starts_with('-') {
        // A true minus sign: a hyphen looks like a dash in print.
        text.replacen('-', "\u{2212}", 1)
    } else {
        text
    }
}

/// A value of `outcome` as a label (probabilities already in percent).
fn value_label(outcome: Outcome, v: f64, change: bool) -> String {
    let text = if outcome.is_probability() {
        if change {
            let decimals = match v.abs() {
                0.0 => 0,
                a if a < 1.0 => 2,
                _ => 1,
            };
            format!("{} pp", crate::format::grouped(v, decimals))
        } else {
            format!("{}%", crate::format::percent(v / 100.0))
        }
    } else if outcome.unit() == Unit::Day {
        crate::format::grouped(v, 0)
    } else {
        crate::format::people(v)
    };
    if change { signed(v, text) } else { text }
}

/// One configuration in a grid of dot-and-interval panels.
struct Row {
    label: String,
    colour: RGBColor,
    /// The reference, set in bold.
    reference: bool,
}

/// One estimate on a row: the dot and its 95% interval; `None` where it is
/// not defined (an unknown end draws the bar to the edge with an arrow).
#[derive(Debug, Clone, Copy)]
struct Dot {
    estimate: Option<f64>,
    ci: [Option<f64>; 2],
}

/// One panel: an outcome for every row.
struct Panel {
    outcome: Outcome,
    title: String,
    dots: Vec<Dot>,
    /// The dashed line of the reference's estimate, on the outcome chart.
    reference: Option<f64>,
    /// Differences: a zero line, signed labels, and open dots for
    /// intervals that include zero.
    change: bool,
    /// Lowest and highest meaningful values (0 and 100 for a percentage):
    /// ticks beyond them are not labelled.
    bounds: (Option<f64>, Option<f64>),
    /// What a row without an estimate says.
    missing: &'static str,
    /// Where an interval without an upper end is known to reach at least
    /// (the horizon, for a median day): the axis extends that far.
    open_end: Option<f64>,
}

impl Panel {
    /// The panel's x range: every estimate and interval end, the reference
    /// and zero lines, padded so that dots are not cut by the frame.
    fn range(&self) -> std::ops::Range<f64> {
        let mut values: Vec<f64> = self
            .dots
            .iter()
            .flat_map(|d| [d.estimate, d.ci[0], d.ci[1]])
            .flatten()
            .chain(self.reference)
            .chain(self.change.then_some(0.0))
            .chain(self.open_end.filter(|_| {
                self.dots
                    .iter()
                    .any(|d| d.estimate.is_some() && d.ci[1].is_none())
            }))
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            values.push(0.0);
        }
        let data_lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let data_hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut lo, mut hi) = (data_lo, data_hi);
        // Identical values (a configuration compared with itself) still get
        // an axis a few units wide around them, moved inside the bounds.
        if hi - lo <= 1e-9 * hi.abs().max(1.0) {
            let half = (hi.abs() * 0.1).max(1.0);
            (lo, hi) = (lo - half, hi + half);
            if let Some(b) = self.bounds.0.filter(|&b| lo < b && data_lo >= b) {
                (lo, hi) = (b, hi + (b - lo));
            }
            if let Some(b) = self.bounds.1.filter(|&b| hi > b && data_hi <= b) {
                (lo, hi) = (lo - (hi - b), b);
            }
        }
        // Padding keeps dots off the frame; below a floor (0 people, 0%)
        // or above a ceiling (100%) it stays just wide enough for a dot, so
        // that no unlabelled tick appears beyond the bound.
        let pad = (hi - lo) * 0.08;
        let edge = (hi - lo) * 0.03;
        let lo = match self.bounds.0 {
            Some(b) if lo >= b => (lo - pad).max(b - edge),
            _ => lo - pad,
        };
        let hi = match self.bounds.1 {
            Some(b) if hi <= b => (hi + pad).min(b + edge),
            _ => hi + pad,
        };
        guard_range(lo, hi, 1e-9)
    }

    fn tick(&self, v: f64) -> String {
        let (lo, hi) = self.bounds;
        if lo.is_some_and(|b| v < b - 1e-9) || hi.is_some_and(|b| v > b + 1e-9) {
            return String::new();
        }
        let t = fmt_tick(v);
        if self.change { signed(v, t) } else { t }
    }
}

/// Panels for the configurations `configs` (their estimates, or with
/// `change` their differences from the reference), in [`panel_order`],
/// keeping the first [`MAX_PANELS`] outcomes with at least one value.
fn panels(d: &Compare, configs: &[usize], change: bool) -> Vec<Panel> {
    let mut out = Vec::new();
    for outcome in panel_order() {
        if out.len() == MAX_PANELS {
            break;
        }
        let scale = if outcome.is_probability() { 100.0 } else { 1.0 };
        let to_dot = |r: Option<&ComparedOutcome>| {
            let Some(r) = r else {
                return Dot {
                    estimate: None,
                    ci: [None, None],
                };
            };
            let (est, ci) = if change {
                (r.diff, r.diff_ci95)
            } else {
                (r.estimate, r.ci95)
            };
            let f = |v: Option<f64>| v.filter(|v| v.is_finite()).map(|v| v * scale);
            Dot {
                estimate: f(est),
                ci: [f(ci[0]), f(ci[1])],
            }
        };
        let dots: Vec<Dot> = configs
            .iter()
            .map(|&c| to_dot(d.outcome(c, outcome)))
            .collect();
        if dots.iter().all(|dot| dot.estimate.is_none()) {
            continue;
        }
        let bounds = match (change, outcome.is_probability()) {
            (true, true) => (Some(-100.0), Some(100.0)),
            (true, false) => (None, None),
            (false, true) => (Some(0.0), Some(100.0)),
            (false, false) => (Some(0.0), None),
        };
        let median_day = outcome.censored() && !change;
        let missing = if median_day { "beyond horizon" } else { "n/a" };
        out.push(Panel {
            outcome,
            title: d.panel_title(outcome, change),
            reference: if change {
                None
            } else {
                to_dot(d.outcome(0, outcome)).estimate
            },
            dots,
            change,
            bounds,
            missing,
            open_end: median_day.then_some(f64::from(d.scenario.simulation().horizon_days)),
        });
    }
    out
}

/// Draws `panels` in a grid inside `area`, with configuration labels in a
/// column at the left of each row of panels, the first row at the top.
fn draw_dot_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    rows: &[Row],
    panels: &[Panel],
) -> DrawResult<(), DB> {
    let n = panels.len();
    let cols = match n {
        0..=3 => n.max(1),
        4 => 2,
        _ => 3,
    };
    let grid_rows = n.div_ceil(cols).max(1);
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let base = area.get_base_pixel();

    // Label column: as wide as the longest name, but never more than a
    // quarter of the chart; longer names are shortened with an ellipsis.
    let label_font = s.font(NOTE_SIZE);
    let label_bold = s.bold(NOTE_SIZE);
    let max_label = w / 4;
    let gap = s.px(10.0);
    let mut labels = Vec::with_capacity(rows.len());
    let mut label_w = 0;
    for row in rows {
        let style = if row.reference {
            &label_bold
        } else {
            &label_font
        };
        let text = shorten(root, &row.label, style, max_label)?;
        label_w = label_w.max(root.estimate_text_size(&text, style)?.0 as i32);
        labels.push(text);
    }
    let label_col = s.px(MARGIN) + label_w + gap;
    let panel_w = ((w - label_col) / cols as i32).max(1);
    let panel_h = (h / grid_rows as i32).max(1);

    // Panel titles wrap to the same number of lines everywhere, so that the
    // rows of every panel line up with the labels.
    let title_font = s.bold(LABEL_SIZE);
    let title_w = panel_w - s.px(PANEL_GAP);
    let mut titles = Vec::with_capacity(n);
    for p in panels {
        titles.push(wrap(root, &p.title, &title_font, title_w)?);
    }
    let title_lines = titles.iter().map(Vec::len).max().unwrap_or(1).max(1) as i32;
    let title_h = s.px(LABEL_SIZE * 1.3) * title_lines + s.px(6.0);

    let k = rows.len().max(1) as f64;
    // Row r sits at y = k - 1 - r: the first row at the top.
    let y_range = -0.6..k - 0.4;
    let row_y = |r: usize| k - 1.0 - r as f64;
    let value_font = s.font(LABEL_SIZE * 0.95);

    for (i, (panel, title)) in panels.iter().zip(&titles).enumerate() {
        let (col, grid_row) = ((i % cols) as i32, (i / cols) as i32);
        let x0 = label_col + col * panel_w;
        let y0 = grid_row * panel_h;
        let cell = area.clone().shrink((x0, y0), (panel_w, panel_h));
        let mut ty = base.1 + y0;
        for line in title {
            root.draw(&Text::new(
                line.clone(),
                (base.0 + x0, ty + s.text_y(LABEL_SIZE)),
                title_font.clone(),
            ))?;
            ty += s.px(LABEL_SIZE * 1.3);
        }

        let x_range = panel.range();
        let mut chart = ChartBuilder::on(&cell)
            .margin_top(title_h)
            .margin_left(0)
            .margin_right(s.px(PANEL_GAP))
            .margin_bottom(s.px(8.0))
            .x_label_area_size(s.px(22.0))
            .y_label_area_size(0)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        // A tick label that would reach more than a third of the gap beyond
        // its panel is left out, so that the labels of neighbouring panels
        // never run into each other.
        let plot_w = f64::from(chart.plotting_area().dim_in_pixel().0);
        let tick_font = s.font(TICK_SIZE);
        let overhang = f64::from(s.px(PANEL_GAP / 3.0));
        let tick = |v: &f64| {
            let text = panel.tick(*v);
            // Measured from the font: the backend is busy drawing the mesh.
            let half = tick_font
                .font
                .box_size(&text)
                .map_or(0.0, |(w, _)| f64::from(w) / 2.0);
            let at = (v - x_range.start) / (x_range.end - x_range.start) * plot_w;
            if at - half < -overhang || at + half > plot_w + overhang {
                String::new()
            } else {
                text
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_UNDER.stroke_width(s.stroke(1.0)))
            .light_line_style(TRANSPARENT)
            .axis_style(s.line(MUTED, 1.0))
            .set_all_tick_mark_size(s.px(4.0))
            .label_style(s.font(TICK_SIZE))
            .x_labels(4)
            .y_labels(0)
            .x_label_formatter(&tick)
            .draw()?;

        let (px, _) = chart.plotting_area().get_pixel_range();
        // A faint guide along each row, so that a reader can follow a
        // configuration across panels.
        for r in 0..rows.len() {
            let y = chart.backend_coord(&(x_range.start, row_y(r))).1;
            root.draw(&PathElement::new(
                vec![(px.start, y), (px.end, y)],
                GRID_UNDER.stroke_width(s.stroke(1.0)),
            ))?;
        }
        let top = chart.backend_coord(&(x_range.start, y_range.end)).1;
        let bottom = chart.backend_coord(&(x_range.start, y_range.start)).1;
        if panel.change {
            let x = chart.backend_coord(&(0.0, 0.0)).0;
            root.draw(&PathElement::new(
                vec![(x, top), (x, bottom)],
                s.line(INK, 1.0),
            ))?;
        }
        if let Some(v) = panel.reference {
            let x = chart.backend_coord(&(v, 0.0)).0;
            dashed(root, s, (x, top), (x, bottom), s.line(MUTED, 1.0))?;
        }

        let row_gap = (chart.backend_coord(&(0.0, 0.0)).1 - chart.backend_coord(&(0.0, 1.0)).1)
            .abs()
            .max(1);
        let show_values =
            f64::from(row_gap) >= LABEL_SIZE * s.k * 1.05 && f64::from(panel_w) > 120.0 * s.k;
        for (r, (row, dot)) in rows.iter().zip(&panel.dots).enumerate() {
            let y = row_y(r);
            let at = |v: f64| chart.backend_coord(&(v, y));
            let Some(est) = dot.estimate else {
                let mid = chart.backend_coord(&((x_range.start + x_range.end) / 2.0, y));
                root.draw(&Text::new(
                    panel.missing,
                    (mid.0, mid.1 + s.text_y(LABEL_SIZE)),
                    s.font(LABEL_SIZE)
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
                continue;
            };
            let centre = at(est);
            let lo = dot.ci[0].map_or((px.start, centre.1), at);
            let hi = dot.ci[1].map_or((px.end, centre.1), at);
            let bar = s.line(row.colour, 2.0);
            root.draw(&PathElement::new(vec![lo, hi], bar))?;
            // An interval end beyond what was observed (a median after the
            // horizon) runs to the edge and ends in an arrow.
            let arrow = s.px(5.0);
            if dot.ci[0].is_none() {
                root.draw(&Polygon::new(
                    vec![
                        (lo.0, lo.1),
                        (lo.0 + arrow, lo.1 - arrow),
                        (lo.0 + arrow, lo.1 + arrow),
                    ],
                    row.colour.filled(),
                ))?;
            }
            if dot.ci[1].is_none() {
                root.draw(&Polygon::new(
                    vec![
                        (hi.0, hi.1),
                        (hi.0 - arrow, hi.1 - arrow),
                        (hi.0 - arrow, hi.1 + arrow),
                    ],
                    row.colour.filled(),
                ))?;
            }
            let radius = s.px(4.5);
            let clear_of_zero = match dot.ci {
                [Some(a), Some(b)] => a > 0.0 || b < 0.0,
                _ => false,
            };
            if panel.change && !clear_of_zero {
                root.draw(&Circle::new(centre, radius, WHITE.filled()))?;
                root.draw(&Circle::new(
                    centre,
                    radius,
                    row.colour.stroke_width(s.stroke(2.0)),
                ))?;
            } else {
                root.draw(&Circle::new(centre, radius, row.colour.filled()))?;
            }

            if show_values {
                let text = value_label(panel.outcome, est, panel.change);
                // Beside the interval, right if it fits, else left, else
                // over the dot where rows are far enough apart; on a white
                // box, so that the reference and zero lines do not cross
                // the digits.
                let (tw, _) = root.estimate_text_size(&text, &value_font)?;
                let room = s.px(6.0) + radius;
                let right = hi.0.max(centre.0) + room;
                let left = lo.0.min(centre.0) - room;
                let above = (centre.0, centre.1 - radius - s.px(4.0));
                let place = if right + tw as i32 <= px.end + s.px(PANEL_GAP / 2.0) {
                    Some(((right, centre.1), (HPos::Left, VPos::Center)))
                } else if left - tw as i32 >= px.start {
                    Some(((left, centre.1), (HPos::Right, VPos::Center)))
                } else if f64::from(row_gap) >= LABEL_SIZE * s.k * 2.6 {
                    Some((above, (HPos::Center, VPos::Bottom)))
                } else {
                    None
                };
                if let Some((at, anchor)) = place {
                    boxed_label(
                        root,
                        s,
                        at,
                        anchor,
                        &text,
                        &value_font.clone().color(&MUTED),
                    )?;
                }
            }
        }

        // Configuration names at the left of each row of panels.
        if col == 0 {
            for (r, (row, text)) in rows.iter().zip(&labels).enumerate() {
                let y = chart.backend_coord(&(x_range.start, row_y(r))).1;
                let style = if row.reference {
                    label_bold.clone()
                } else {
                    label_font.clone()
                };
                root.draw(&Text::new(
                    text.clone(),
                    (base.0 + label_col - gap, y + s.text_y(NOTE_SIZE)),
                    style.pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
        }
    }
    Ok(())
}

/// `text` cut to fit `width` pixels, with an ellipsis.
fn shorten<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: i32,
) -> DrawResult<String, DB> {
    if root.estimate_text_size(text, style)?.0 as i32 <= width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (1..chars.len()).rev() {
        let cut: String = chars[..keep]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
            + "…";
        if root.estimate_text_size(&cut, style)?.0 as i32 <= width {
            return Ok(cut);
        }
    }
    Ok("…".to_string())
}

/// Draws `message` in the middle of `area`, for a chart with nothing to
/// show (a comparison of the reference alone).
fn empty_message<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    message: &str,
) -> DrawResult<(), DB> {
    let (w, h) = area.dim_in_pixel();
    let base = area.get_base_pixel();
    root.draw(&Text::new(
        message.to_string(),
        (
            base.0 + w as i32 / 2,
            base.1 + h as i32 / 2 + s.text_y(NOTE_SIZE),
        ),
        s.font(NOTE_SIZE)
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}

const NOTHING_TO_COMPARE: &str =
    "Only the reference configuration was run: there is nothing to compare it with.";

/// Chart 1: each configuration's key outcomes, dot and 95% interval.
fn draw_outcomes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Compare,
    s: Scale,
) -> DrawResult<(), DB> {
    let configs: Vec<usize> = (0..d.len()).collect();
    let rows: Vec<Row> = configs
        .iter()
        .map(|&c| Row {
            label: d.name(c).to_string(),
            colour: d.colour(c),
            reference: c == 0,
        })
        .collect();
    let panels = panels(d, &configs, false);
    let mut notes = vec![format!(
        "Estimates from {} trials of each configuration (dots) with their 95% intervals (bars; \
         an interval narrower than its dot is hidden behind it). The reference, {}, is the top \
         row, in bold, and the dashed line in each panel.",
        d.trials(),
        d.name(0)
    )];
    if panels.iter().any(|p| p.outcome.unit() == Unit::Day) {
        notes.push(format!("Days are counted from {} (day 0).", d.start()));
    }
    let f = Frame {
        title: "Key outcomes by configuration".to_string(),
        notes,
        legend: Vec::new(),
    };
    let area = frame(root, s, &f, &d.footer())?;
    draw_dot_grid(root, &area, s, &rows, &panels)
}

/// Chart 2: paired differences from the reference.
fn draw_differences<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Compare,
    s: Scale,
) -> DrawResult<(), DB> {
    let configs: Vec<usize> = (1..d.len()).collect();
    let rows: Vec<Row> = configs
        .iter()
        .map(|&c| Row {
            label: d.name(c).to_string(),
            colour: d.colour(c),
            reference: false,
        })
        .collect();
    let panels = panels(d, &configs, true);
    let mut notes = vec![format!(
        "Each configuration minus the reference, {}, paired on common random numbers: every \
         configuration meets the same simulated war in each trial. Bars: 95% intervals; an open \
         dot marks an interval that includes zero, a change not clear of Monte Carlo noise.",
        d.name(0)
    )];
    if panels.iter().any(|p| p.outcome.is_probability()) {
        notes[0].push_str(" Probabilities change in percentage points (pp).");
    }
    let f = Frame {
        title: format!("Change from the reference, {}", d.name(0)),
        notes,
        legend: Vec::new(),
    };
    let area = frame(root, s, &f, &d.footer())?;
    if rows.is_empty() {
        return empty_message(root, &area, s, NOTHING_TO_COMPARE);
    }
    if panels.is_empty() {
        return empty_message(root, &area, s, "No outcome has an estimated difference.");
    }
    draw_dot_grid(root, &area, s, &rows, &panels)
}

/// A band between `lo` and `hi` over days, in `colour` at [`BAND_ALPHA`],
/// so that the bands of overlaid curves show through each other.
fn shaded_band(
    daily: &[DailyRow],
    lo: impl Fn(&DailyRow) -> f64,
    hi: impl Fn(&DailyRow) -> f64,
    colour: RGBColor,
) -> Polygon<(f64, f64)> {
    let day = |r: &DailyRow| f64::from(r.day);
    let upper = daily.iter().map(|r| (day(r), finite(hi(r))));
    let lower = daily.iter().rev().map(|r| (day(r), finite(lo(r))));
    Polygon::new(
        upper.chain(lower).collect::<Vec<_>>(),
        colour.mix(BAND_ALPHA).filled(),
    )
}

/// Legend entries naming every configuration, the reference marked.
fn config_legend(d: &Compare) -> Vec<(String, Key)> {
    (0..d.len())
        .map(|c| {
            let name = if c == 0 {
                format!("{} (reference)", d.name(c))
            } else {
                d.name(c).to_string()
            };
            (name, Key::Line(d.colour(c)))
        })
        .collect()
}

/// Order in which overlaid curves are painted: the reference last, on top.
fn paint_order(k: usize) -> impl Iterator<Item = usize> {
    (1..k).chain((k > 0).then_some(0))
}

/// Chart 3: survival of the first suspension, every configuration.
fn draw_survival<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Compare,
    s: Scale,
) -> DrawResult<(), DB> {
    let k = d.len();
    let mut notes = vec![
        "Share of trials in which the exchange process has not yet been suspended, at the end of \
         each day; shaded: 95% Wilson intervals. A curve crosses the dashed 50% line at its \
         configuration's median time to the first suspension."
            .to_string(),
    ];
    if (1..=MAX_LISTED).contains(&k) {
        let medians: Vec<String> = (0..k)
            .map(|c| {
                let median = d.cmp.runs[c].summary.first_suspension_day.median;
                let when = match median {
                    Some(day) => fmt_date(d.scenario.date_of_day(day)),
                    None => format!("after {}", d.horizon_end()),
                };
                format!("{} {when}", d.name(c))
            })
            .collect();
        notes.push(format!("Median first suspension: {}.", medians.join("; ")));
    }
    let f = Frame {
        title: "Time to the first suspension, by configuration".to_string(),
        notes,
        legend: config_legend(d),
    };
    let area = frame(root, s, &f, &d.footer())?;

    let x_axis = d.day_axis();
    let mut chart = percent_chart(
        &area,
        s,
        &x_axis,
        102.0,
        ("date (end of day)", "trials not yet suspended (%)"),
    )?;
    for c in paint_order(k) {
        chart.draw_series(std::iter::once(shaded_band(
            &d.cmp.runs[c].daily,
            |r| r.not_yet_suspended_ci_low * 100.0,
            |r| r.not_yet_suspended_ci_high * 100.0,
            d.colour(c),
        )))?;
    }
    let left = chart.backend_coord(&(x_axis.first, 50.0));
    let right = chart.backend_coord(&(x_axis.last, 50.0));
    dashed(root, s, left, right, s.line(MUTED, 1.0))?;
    for c in paint_order(k) {
        chart.draw_series(LineSeries::new(
            d.cmp.runs[c]
                .daily
                .iter()
                .map(|r| (f64::from(r.day), finite(r.not_yet_suspended) * 100.0)),
            s.line(d.colour(c), 2.0),
        ))?;
    }
    Ok(())
}

/// Chart 4: median people returned over time, every configuration.
fn draw_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Compare,
    s: Scale,
) -> DrawResult<(), DB> {
    let k = d.len();
    let deadline = d.deadline();
    let all_bands = k <= MAX_FAN_BANDS;
    let mut notes = vec![if all_bands {
        "Median people returned so far across trials, at the end of each day (lines); shaded: \
         the middle 50% of trials (25th\u{2013}75th percentile)."
            .to_string()
    } else {
        format!(
            "Median people returned so far across trials, at the end of each day (lines); \
             shaded: the middle 50% of trials of the reference, {}.",
            d.name(0)
        )
    }];
    if (1..=MAX_LISTED).contains(&k) {
        let medians: Vec<String> = (0..k)
            .map(|c| {
                let m = &d.cmp.runs[c].summary.outcomes.returned_by_deadline;
                format!("{} {}", d.name(c), crate::format::people(finite(m.p50)))
            })
            .collect();
        notes.push(format!(
            "Median returned by {deadline}: {}.",
            medians.join("; ")
        ));
    }
    let f = Frame {
        title: "People returned over time, by configuration".to_string(),
        notes,
        legend: config_legend(d),
    };
    let area = frame(root, s, &f, &d.footer())?;

    let pool = d.scenario.target().pool;
    let x_axis = d.day_axis();
    let banded = |c: usize| all_bands || c == 0;
    let highest = (0..k)
        .flat_map(|c| {
            d.cmp.runs[c].daily.iter().map(move |r| {
                finite(if banded(c) {
                    r.returned_p75
                } else {
                    r.returned_p50
                })
            })
        })
        .fold(0.0, f64::max)
        .max(pool.map_or(0.0, |p| p as f64));
    // A little below zero, so that a configuration that returns nobody
    // draws its line above the axis rather than on it.
    let top = guard_range(0.0, highest * 1.12, 10.0).end;
    let y = -top * 0.015..top;
    let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
    let date_label = |v: &f64| x_axis.label(*v);
    draw_mesh(
        &mut chart,
        s,
        GRID_UNDER,
        ("date (end of day)", "people returned (cumulative)"),
        &date_label,
        &|v| {
            if *v < 0.0 {
                String::new()
            } else {
                fmt_tick(*v)
            }
        },
    )?;
    for c in paint_order(k).filter(|&c| banded(c)) {
        chart.draw_series(std::iter::once(shaded_band(
            &d.cmp.runs[c].daily,
            |r| r.returned_p25,
            |r| r.returned_p75,
            d.colour(c),
        )))?;
    }
    for c in paint_order(k) {
        chart.draw_series(LineSeries::new(
            d.cmp.runs[c]
                .daily
                .iter()
                .map(|r| (f64::from(r.day), finite(r.returned_p50))),
            s.line(d.colour(c), 2.0),
        ))?;
    }

    let label = s.font(LABEL_SIZE).color(&INK);
    let deadline_day = f64::from(d.scenario.target().deadline_day);
    if (x_axis.first..=x_axis.last).contains(&deadline_day) {
        let top = chart.backend_coord(&(deadline_day, y.end));
        let bottom = chart.backend_coord(&(deadline_day, y.start));
        root.draw(&PathElement::new(vec![top, bottom], s.line(INK, 1.0)))?;
        let right_room = chart.backend_coord(&(x_axis.last, y.end)).0 - top.0;
        let (x, h) = if right_room > s.px(150.0) {
            (top.0 + s.px(6.0), HPos::Left)
        } else {
            (top.0 - s.px(6.0), HPos::Right)
        };
        boxed_label(
            root,
            s,
            (x, top.1 + s.px(6.0)),
            (h, VPos::Top),
            &format!("deadline {deadline}"),
            &label,
        )?;
    }
    if let Some(pool) = pool {
        let left = chart.backend_coord(&(x_axis.first, pool as f64));
        let right = chart.backend_coord(&(x_axis.last, pool as f64));
        // Dark grey rather than the run charts' vermillion, which here is
        // a configuration's colour.
        dashed(root, s, left, right, s.line(MUTED, 2.0))?;
        boxed_label(
            root,
            s,
            (left.0 + s.px(8.0), left.1 - s.px(5.0)),
            (HPos::Left, VPos::Bottom),
            &format!("target: {}", crate::format::grouped(pool as f64, 0)),
            &s.bold(LABEL_SIZE).color(&MUTED),
        )?;
    }
    Ok(())
}

/// The smallest width from 1, 2, 5, 10, 20, 50, 100, ... people that
/// cuts `span` into at most [`MAX_DIFF_BINS`] bins.
fn bin_width(span: i64) -> i64 {
    let mut scale: i64 = 1;
    loop {
        for w in [1, 2, 5] {
            let width = w * scale;
            if span / width < MAX_DIFF_BINS {
                return width;
            }
        }
        if scale > i64::MAX / 100 {
            return i64::MAX / 4;
        }
        scale *= 10;
    }
}

/// Bin of a difference: bin b holds differences from b·w − w/2 up to
/// below b·w + w/2, so that bin 0 is centred on no difference.
fn bin_of(difference: i64, width: i64) -> i64 {
    (difference.saturating_add(width / 2)).div_euclid(width.max(1))
}

/// Chart 5: distribution of the per-trial difference in people returned by
/// the deadline: overlaid step outlines for up to [`MAX_OVERLAID`]
/// configurations, one small panel each beyond that.
fn draw_difference_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Compare,
    s: Scale,
) -> DrawResult<(), DB> {
    let deadline = d.deadline();
    let configs: Vec<(usize, Vec<(i64, f64)>)> =
        (1..d.len()).map(|c| (c, d.differences(c))).collect();
    let lo = configs
        .iter()
        .filter_map(|(_, v)| v.first().map(|p| p.0))
        .min()
        .unwrap_or(0)
        .min(0);
    let hi = configs
        .iter()
        .filter_map(|(_, v)| v.last().map(|p| p.0))
        .max()
        .unwrap_or(0)
        .max(0);
    let width = bin_width(hi.saturating_sub(lo));
    let steps: Vec<Steps> = configs
        .iter()
        .map(|(c, v)| Steps::new(*c, v, width))
        .collect();
    let overlay = steps.len() <= MAX_OVERLAID;

    let mut notes = Vec::new();
    if !steps.is_empty() {
        let bins = if width == 1 {
            "in steps of one person".to_string()
        } else {
            let w = crate::format::grouped(width as f64, 0);
            format!("in bins of {w} people centred on multiples of {w}")
        };
        notes.push(format!(
            "People returned by {deadline} in each configuration minus in the reference, {}, \
             trial by trial, {bins}. A spike at 0 means the configurations agree in many \
             trials, and the change comes from the rest.",
            d.name(0)
        ));
        let same =
            |st: &Steps| format!("{} {}%", d.name(st.config), crate::format::percent(st.same));
        notes.push(if overlay {
            format!(
                "Exactly the reference's number in: {} of trials.",
                steps.iter().map(same).collect::<Vec<_>>().join("; ")
            )
        } else {
            "\u{201c}Same\u{201d}: the share of trials with exactly the reference's number."
                .to_string()
        });
    }
    let f = Frame {
        title: format!("Per-trial difference in people returned by {deadline}"),
        notes,
        legend: if overlay {
            config_legend(d).into_iter().skip(1).collect()
        } else {
            Vec::new()
        },
    };
    let area = frame(root, s, &f, &d.footer())?;
    if steps.is_empty() {
        return empty_message(root, &area, s, NOTHING_TO_COMPARE);
    }

    // Every panel shares both axes, so that panels compare at a glance.
    let w = width as f64;
    // At least five people either side of zero, so that whole-number
    // ticks appear even when every difference is zero.
    let x = guard_range(
        ((bin_of(lo, width) as f64 - 1.5) * w).min(-5.5),
        ((bin_of(hi, width) as f64 + 1.5) * w).max(5.5),
        2.0,
    );
    let top = steps.iter().map(|st| st.top).fold(0.0, f64::max);
    let y = guard_range(0.0, top * 1.08, 1.0);
    let x_desc =
        format!("difference in people returned by {deadline} (configuration \u{2212} reference)");
    let y_desc = "share of trials (%)";
    // Differences are whole people.
    let x_tick = |v: &f64| {
        if v.fract() == 0.0 {
            signed(*v, fmt_tick(*v))
        } else {
            String::new()
        }
    };

    if overlay {
        let mut chart = plot_builder(&area, s).build_cartesian_2d(x.clone(), y.clone())?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            (&x_desc, y_desc),
            &x_tick,
            &|v| fmt_tick(*v),
        )?;
        let zero = [
            chart.backend_coord(&(0.0, y.end)),
            chart.backend_coord(&(0.0, y.start)),
        ];
        root.draw(&PathElement::new(zero.to_vec(), s.line(INK, 1.0)))?;
        // Light fills under the outlines, so that where outlines share an
        // edge (the spike at 0) both shapes still show.
        for st in &steps {
            chart.draw_series(std::iter::once(Polygon::new(
                st.path.clone(),
                d.colour(st.config).mix(BAND_ALPHA).filled(),
            )))?;
        }
        for st in steps.iter().rev() {
            chart.draw_series(LineSeries::new(
                st.path.clone(),
                s.line(d.colour(st.config), 2.0),
            ))?;
        }
        return Ok(());
    }

    let n = steps.len();
    let cols = match n {
        0..=4 => 2,
        5 | 6 => 3,
        _ => 4,
    };
    let grid_rows = n.div_ceil(cols);
    let (aw, ah) = area.dim_in_pixel();
    let base = area.get_base_pixel();
    let axis_h = s.px(AXIS_SIZE * 1.8);
    let left = s.px(MARGIN) + s.px(AXIS_SIZE * 1.6);
    let panel_w = ((aw as i32 - left) / cols as i32).max(1);
    let panel_h = ((ah as i32 - axis_h) / grid_rows as i32).max(1);
    let title_font = s.bold(LABEL_SIZE);
    let note_font = s.font(LABEL_SIZE * 0.95).color(&MUTED);
    let title_h = s.px(LABEL_SIZE * 2.9);
    let swatch = s.px(16.0);

    root.draw(&Text::new(
        y_desc,
        (base.0 + s.px(MARGIN), base.1 + (ah as i32 - axis_h) / 2),
        s.font(AXIS_SIZE)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        x_desc.clone(),
        (
            base.0 + left + (aw as i32 - left) / 2,
            base.1 + ah as i32 - axis_h / 2 + s.text_y(AXIS_SIZE),
        ),
        s.font(AXIS_SIZE).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;

    for (i, st) in steps.iter().enumerate() {
        let (col, row) = ((i % cols) as i32, (i / cols) as i32);
        let (x0, y0) = (left + col * panel_w, row * panel_h);
        let cell = area.clone().shrink((x0, y0), (panel_w, panel_h));
        let mut chart = ChartBuilder::on(&cell)
            .margin_top(title_h)
            .margin_right(s.px(PANEL_GAP))
            .margin_bottom(s.px(6.0))
            .x_label_area_size(s.px(22.0))
            .y_label_area_size(s.px(34.0))
            .build_cartesian_2d(x.clone(), y.clone())?;
        chart
            .configure_mesh()
            .bold_line_style(GRID_UNDER.stroke_width(s.stroke(1.0)))
            .light_line_style(TRANSPARENT)
            .axis_style(s.line(MUTED, 1.0))
            .set_all_tick_mark_size(s.px(4.0))
            .label_style(s.font(TICK_SIZE))
            .x_labels(3)
            .y_labels(5)
            .y_label_offset(s.px(TICK_SIZE * (super::DIGIT_DROP + s.glyph_rise)))
            .x_label_formatter(&x_tick)
            .y_label_formatter(&|v| fmt_tick(*v))
            .draw()?;
        let (px, _) = chart.plotting_area().get_pixel_range();

        // Over the panel: a swatch of its colour and the name, then the
        // share of trials in exact agreement.
        let name_y = base.1 + y0 + s.px(LABEL_SIZE * 0.65);
        let colour = d.colour(st.config);
        root.draw(&PathElement::new(
            vec![(px.start, name_y), (px.start + swatch, name_y)],
            s.line(colour, 3.0),
        ))?;
        let name_x = px.start + swatch + s.px(6.0);
        let name = shorten(root, d.name(st.config), &title_font, px.end - name_x)?;
        root.draw(&Text::new(
            name,
            (name_x, name_y + s.text_y(LABEL_SIZE)),
            title_font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let mut same = format!(
            "same as the reference: {}%",
            crate::format::percent(st.same)
        );
        if root.estimate_text_size(&same, &note_font)?.0 as i32 > px.end - px.start {
            same = format!("same: {}%", crate::format::percent(st.same));
        }
        root.draw(&Text::new(
            same,
            (
                px.start,
                name_y + s.px(LABEL_SIZE * 1.25) + s.text_y(LABEL_SIZE * 0.95),
            ),
            note_font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;

        let zero = [
            chart.backend_coord(&(0.0, y.end)),
            chart.backend_coord(&(0.0, y.start)),
        ];
        root.draw(&PathElement::new(zero.to_vec(), s.line(INK, 1.0)))?;
        chart.draw_series(std::iter::once(Polygon::new(
            st.path.clone(),
            colour.mix(BAND_ALPHA).filled(),
        )))?;
        chart.draw_series(LineSeries::new(st.path.clone(), s.line(colour, 2.0)))?;
    }
    Ok(())
}

/// One configuration's binned differences as a closed step outline.
struct Steps {
    config: usize,
    /// Outline from the baseline up and along each bin and back down,
    /// (people, share of trials in %).
    path: Vec<(f64, f64)>,
    /// Highest bin (%).
    top: f64,
    /// Share of trials with no difference at all (0 to 1).
    same: f64,
}

impl Steps {
    fn new(config: usize, differences: &[(i64, f64)], width: i64) -> Self {
        let mut bins: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
        for &(diff, share) in differences {
            *bins.entry(bin_of(diff, width)).or_insert(0.0) += share * 100.0;
        }
        let edge = |bin: i64| (bin as f64 - 0.5) * width as f64;
        let mut path = Vec::new();
        if let (Some(&b0), Some(&b1)) = (bins.keys().next(), bins.keys().next_back()) {
            path.push((edge(b0), 0.0));
            for bin in b0..=b1 {
                let h = bins.get(&bin).copied().unwrap_or(0.0);
                path.push((edge(bin), h));
                path.push((edge(bin + 1), h));
            }
            path.push((edge(b1 + 1), 0.0));
        }
        Steps {
            config,
            path,
            top: bins.values().copied().fold(0.0, f64::max),
            same: differences.iter().find(|p| p.0 == 0).map_or(0.0, |p| p.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Configuration, StreamKeys};
    use crate::model::Model;
    use crate::scenario::ScenarioSource;
    use crate::stats::compare::CompareAccumulator;
    use std::collections::HashSet;
    use std::error::Error;

    type TestResult = Result<(), Box<dyn Error>>;

    const TITLE: &str = "Istanbul framework, November 2025: mediator configurations";

    fn default_scenario() -> Result<Scenario, Box<dyn Error>> {
        Ok(ScenarioSource::builtin().parse()?)
    }

    /// `base` with only the mediators named in `keep`. An empty list keeps
    /// `requires_mediator`: the model then has no mediation and no rounds.
    fn with_mediators(base: &Scenario, keep: &[&str]) -> Scenario {
        base.rebuilt(|r| {
            r.mediation
                .mediators
                .retain(|m| keep.contains(&m.name.as_str()))
        })
        .expect("a scenario with fewer mediators is a valid derived scenario")
    }

    /// The paired comparison of the `named` scenarios (the first is the reference)
    /// over `trials` trials, from the real engine on one thread.
    fn compare(named: &[(&str, Scenario)], trials: u64) -> Result<Comparison, Box<dyn Error>> {
        let names: Vec<String> = named.iter().map(|(n, _)| n.to_string()).collect();
        let refs: Vec<&Scenario> = named.iter().map(|(_, s)| s).collect();
        let models: Vec<Model> = refs.iter().map(|s| Model::new(s)).collect();
        let keys: Vec<StreamKeys> = refs
            .iter()
            .map(|s| StreamKeys::new(s.mediator_names()))
            .collect();
        let configs: Vec<Configuration> = models
            .iter()
            .zip(&keys)
            .map(|(model, keys)| Configuration { model, keys })
            .collect();
        let acc = engine::run_paired(
            &configs,
            refs[0].simulation().seed,
            0..trials,
            Some(1),
            || CompareAccumulator::new(&refs),
            &|_| {},
        )?;
        Ok(acc.finish(&names, &refs))
    }

    /// The default, the default without the UAE, and no mediators at all.
    fn mediator_configurations(base: &Scenario) -> Vec<(&'static str, Scenario)> {
        vec![
            ("Turkey and UAE", base.clone()),
            ("Turkey only", with_mediators(base, &["Turkey"])),
            ("no mediator", with_mediators(base, &[])),
        ]
    }

    /// RGB values of a PNG's pixels, row by row.
    type Pixels = Vec<[u8; 3]>;

    fn decode_png(path: &Path) -> Result<((u32, u32), Pixels), Box<dyn Error>> {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut reader = png::Decoder::new(file).read_info()?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
        let info = reader.next_frame(&mut buf)?;
        let channels = info.color_type.samples();
        let pixels = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Ok(((info.width, info.height), pixels))
    }

    /// Text elements of an SVG that read exactly `text` (plotters writes
    /// each text element's content on a line of its own).
    fn texts(svg: &str, text: &str) -> usize {
        svg.lines().filter(|l| *l == text).count()
    }

    /// Pixels of exactly colour `c`.
    fn count(pixels: &[[u8; 3]], c: RGBColor) -> usize {
        pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count()
    }

    /// The comparison charts, drawn and read back.
    struct Drawn {
        _dir: tempfile::TempDir,
        charts: Vec<(CompareKind, Pixels, String)>,
    }

    impl Drawn {
        fn png(&self, kind: CompareKind) -> &[[u8; 3]] {
            self.charts
                .iter()
                .find(|c| c.0 == kind)
                .map_or(&[], |c| c.1.as_slice())
        }

        fn svg(&self, kind: CompareKind) -> &str {
            self.charts
                .iter()
                .find(|c| c.0 == kind)
                .map_or("", |c| c.2.as_str())
        }
    }

    /// Draws the charts of `cmp` into a fresh directory and checks every
    /// file: ten files, PNGs that decode at 1600x1000 and are not flat,
    /// SVGs with the comparison's title in the footer.
    fn draw_and_check(cmp: &Comparison, s: &Scenario) -> Result<Drawn, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let written = draw_compare_charts(cmp, s, TITLE, dir.path())?;
        assert_eq!(written.len(), 10, "{written:?}");
        let mut charts = Vec::new();
        for kind in CompareKind::ALL {
            let png = dir.path().join(format!("{}.png", kind.stem()));
            let svg = dir.path().join(format!("{}.svg", kind.stem()));
            assert!(written.contains(&png) && written.contains(&svg));
            let (size, pixels) = decode_png(&png)?;
            assert_eq!(size, super::super::PNG_SIZE, "{}", png.display());
            // Anti-aliased text alone gives dozens of shades; a blank or
            // flat image has one.
            let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
            assert!(
                distinct.len() > 50,
                "{} has only {} colours",
                png.display(),
                distinct.len()
            );
            let text = std::fs::read_to_string(&svg)?;
            assert!(text.contains("<svg"), "{} is not SVG", svg.display());
            let footer = format!(
                "swapsim · {TITLE} · {} trials · seed {}",
                crate::format::grouped(cmp.trials as f64, 0),
                s.simulation().seed
            );
            assert!(text.contains(&footer), "{} lacks its footer", svg.display());
            charts.push((kind, pixels, text));
        }
        Ok(Drawn { _dir: dir, charts })
    }

    #[test]
    fn three_mediator_configurations_give_ten_charts_with_data_drawn() -> TestResult {
        let base = default_scenario()?;
        let named = mediator_configurations(&base);
        let cmp = compare(&named, 400)?;
        let drawn = draw_and_check(&cmp, &base)?;

        let outcomes = drawn.svg(CompareKind::Outcomes);
        assert!(outcomes.contains("Key outcomes by configuration"));
        // Panel titles may wrap, so only their first words are checked.
        assert!(outcomes.contains("All 1,200 returned by"));
        assert!(outcomes.contains("No round by 31 Dec 2025 (%)"));
        let differences = drawn.svg(CompareKind::Differences);
        assert!(differences.contains("paired on common random numbers"));
        assert!(differences.contains("No round by 31 Dec 2025 (pp)"));
        // Every configuration labels its row in both rows of panels; the
        // reference is the baseline of the differences, not one of their
        // rows.
        for (c, (name, _)) in named.iter().enumerate() {
            assert_eq!(texts(outcomes, name), 2, "{name}");
            assert_eq!(
                texts(differences, name),
                if c == 0 { 0 } else { 2 },
                "{name}"
            );
        }
        assert!(drawn.svg(CompareKind::Fan).contains("target: 1,200"));
        assert!(drawn.svg(CompareKind::Fan).contains("deadline 31 Dec 2025"));
        assert!(
            drawn
                .svg(CompareKind::DifferenceDistribution)
                .contains("A spike at 0 means")
        );
        // Each configuration keeps its colour: the reference in ink, the
        // others blue and vermillion, and every chart draws them (a dot of
        // radius 9 PNG pixels is about 250 pixels).
        for kind in CompareKind::ALL {
            let png = drawn.png(kind);
            let (blue, vermillion) = (count(png, BLUE), count(png, VERMILLION));
            assert!(blue > 200, "{kind:?}: {blue} blue pixels");
            assert!(vermillion > 200, "{kind:?}: {vermillion} vermillion pixels");
        }
        assert!(count(drawn.png(CompareKind::Survival), INK) > 1_000);
        Ok(())
    }

    #[test]
    fn configuration_compared_with_itself_draws_zero_width_intervals() -> TestResult {
        let base = default_scenario()?;
        let named = vec![("default", base.clone()), ("same again", base.clone())];
        let cmp = compare(&named, 200)?;
        // Every difference is exactly zero, with a zero-width interval.
        assert!(
            cmp.outcomes
                .iter()
                .filter(|o| o.configuration == "same again")
                .all(|o| o.diff.is_none_or(|d| d == 0.0))
        );
        assert_eq!(cmp.differences.len(), 1);
        let drawn = draw_and_check(&cmp, &base)?;
        // Open dots: no interval excludes zero.
        assert!(
            count(drawn.png(CompareKind::Differences), BLUE) > 100,
            "no dot drawn"
        );
        assert!(
            drawn
                .svg(CompareKind::DifferenceDistribution)
                .contains("same again 100%")
        );
        Ok(())
    }

    #[test]
    fn configurations_sharing_a_name_keep_their_own_rows() -> TestResult {
        let base = default_scenario()?;
        let named = vec![("same", base.clone()), ("same", with_mediators(&base, &[]))];
        let cmp = compare(&named, 100)?;
        let d = Compare {
            cmp: &cmp,
            scenario: &base,
            title: TITLE,
        };
        let no_round = |c| {
            d.outcome(c, Outcome::NoRoundByDeadline)
                .and_then(|o| o.estimate)
        };
        assert!(no_round(0) < Some(1.0));
        assert_eq!(no_round(1), Some(1.0));
        assert!(d.differences(1).iter().all(|(diff, _)| *diff <= 0));
        Ok(())
    }

    #[test]
    fn scenario_without_pool_has_no_target_panel_or_line() -> TestResult {
        let base = default_scenario()?.rebuilt(|r| r.target.pool = None)?;
        let named = mediator_configurations(&base);
        let cmp = compare(&named, 200)?;
        let drawn = draw_and_check(&cmp, &base)?;
        for (kind, _, text) in &drawn.charts {
            assert!(!text.contains("target:"), "{kind:?} draws a target");
            assert!(!text.contains("\nAll "), "{kind:?} has a target panel");
            assert!(
                !text.contains("\nWhole pool"),
                "{kind:?} has a target panel"
            );
        }
        // The sixth panel is the next outcome in line.
        assert!(
            drawn
                .svg(CompareKind::Outcomes)
                .contains("\nMean days suspended by")
        );
        Ok(())
    }

    #[test]
    fn two_year_horizon_and_eight_configurations_draw() -> TestResult {
        let base = Scenario::from_toml_str(
            include_str!("../../scenarios/long-run.toml"),
            "long-run.toml",
        )?;
        assert_eq!(base.simulation().horizon_days, 730);
        let mut named = vec![("reference", base.clone())];
        for (i, name) in [
            "b",
            "c",
            "d",
            "e",
            "f",
            "g",
            "a long configuration name, cut",
        ]
        .into_iter()
        .enumerate()
        {
            let s = base.rebuilt(|r| r.exchange.round_rate *= 0.7 + 0.1 * i as f64)?;
            named.push((name, s));
        }
        let cmp = compare(&named, 100)?;
        let drawn = draw_and_check(&cmp, &base)?;
        // More than MAX_FAN_BANDS configurations: only the reference band.
        assert!(drawn.svg(CompareKind::Fan).contains("of the reference"));
        Ok(())
    }

    #[test]
    fn reference_alone_says_there_is_nothing_to_compare() -> TestResult {
        let base = default_scenario()?;
        let cmp = compare(&[("default", base.clone())], 50)?;
        let drawn = draw_and_check(&cmp, &base)?;
        assert!(
            drawn
                .svg(CompareKind::Differences)
                .contains("nothing to compare")
        );
        Ok(())
    }

    #[test]
    fn reference_is_ink_and_other_configurations_cycle_the_palette() -> TestResult {
        let base = default_scenario()?;
        let cmp = compare(&[("only", base.clone())], 1)?;
        let d = Compare {
            cmp: &cmp,
            scenario: &base,
            title: TITLE,
        };
        assert_eq!(d.colour(0), INK);
        assert_eq!(d.colour(1), BLUE);
        assert_eq!(d.colour(2), VERMILLION);
        assert_eq!(d.colour(7), YELLOW);
        assert_eq!(d.colour(8), BLUE);
        Ok(())
    }

    #[test]
    fn difference_bins_are_round_and_centred_on_zero() {
        assert_eq!(bin_width(0), 1);
        assert_eq!(bin_width(59), 1);
        assert_eq!(bin_width(60), 2);
        assert_eq!(bin_width(2_400), 50);
        assert_eq!(bin_of(0, 1), 0);
        assert_eq!(bin_of(-3, 1), -3);
        assert_eq!(bin_of(-25, 50), 0);
        assert_eq!(bin_of(24, 50), 0);
        assert_eq!(bin_of(25, 50), 1);
        assert_eq!(bin_of(-26, 50), -1);
        assert_eq!(signed(3.0, "3".to_string()), "+3");
        assert_eq!(signed(-3.0, "-3".to_string()), "\u{2212}3");
        assert_eq!(signed(0.0, "0".to_string()), "0");
    }
}
