//! Charts of a run, as PNG for slides and briefs and as SVG for print.
//!
//! Policy researchers paste these charts into printed briefs, often far from
//! the tables they come from, so each chart has to stand on its own: a title
//! that says what is shown, axis labels with units, the headline estimate
//! with its interval in a caption, and a footer naming the scenario, the
//! number of trials and the seed, so that a figure can be traced back to the
//! run that made it. Charts only draw the estimates in [`Results`]; they
//! never recompute a statistic. Each chart is drawn by one function that is
//! generic over the plotters backend, so the PNG and the SVG cannot
//! disagree: lengths are given for the 800-pixel SVG and scaled for the
//! 1600-pixel PNG. Text is set in DejaVu Sans embedded in the binary and
//! registered once as "sans-serif", so drawing needs no installed font and
//! no fontconfig.

pub mod compare;
pub mod ensemble;
mod events;
pub mod prim;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::outcomes::TitleWords;
use crate::scenario::Scenario;
use crate::stats::{DailyRow, Proportion, Results};

pub mod backtest;
pub mod history;
pub mod sensitivity;

/// Error drawing or writing a chart (names the file).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The font compiled into the binary could not be read: a build problem,
    /// not a problem with the run.
    #[error("cannot load the embedded DejaVu Sans font")]
    Font,
    /// Drawing the chart, or encoding and saving the PNG, failed.
    #[error("cannot draw chart {path}: {message}")]
    Draw { path: PathBuf, message: String },
    /// The drawn SVG could not be written.
    #[error("cannot write chart {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// PNG size in pixels: 1600 wide fills a slide, or a printed column at
/// about 250 dpi.
pub(crate) const PNG_SIZE: (u32, u32) = (1600, 1000);
/// SVG size in CSS pixels. Every length and type size in this module is
/// given at this size.
pub(crate) const SVG_SIZE: (u32, u32) = (800, 500);

/// Type sizes at the SVG size (doubled in the PNG), in plotters' units
/// (about 1.2 times the em size). A chart printed 16 cm wide then has a
/// title of about 9 pt, notes and tick labels of about 6.5 pt and a footer
/// of about 5 pt.
pub(crate) const TITLE_SIZE: f64 = 20.0;
pub(crate) const NOTE_SIZE: f64 = 13.5;
pub(crate) const AXIS_SIZE: f64 = 14.0;
pub(crate) const TICK_SIZE: f64 = 13.5;
pub(crate) const LABEL_SIZE: f64 = 13.0;
pub(crate) const FOOTER_SIZE: f64 = 11.0;
/// How far the middle of a digit sits above the middle of a lower-case
/// letter, as a fraction of the type size; centred text is centred on the
/// lower-case letters, so numeric tick labels are lowered by this much.
pub(crate) const DIGIT_DROP: f64 = 0.07;
/// Space around the whole chart.
pub(crate) const MARGIN: f64 = 18.0;
/// Most date labels on a time axis; more would collide at these type sizes.
pub(crate) const MAX_DATE_LABELS: usize = 8;

/// The Okabe–Ito palette, which stays distinguishable under the common
/// colour-vision deficiencies and in greyscale print by lightness.
mod okabe_ito {
    use plotters::style::RGBColor;
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// The grey usually paired with the palette, for "nothing yet".
    pub const GREY: RGBColor = RGBColor(153, 153, 153);
}
use okabe_ito::{BLUE, GREEN, GREY, ORANGE, VERMILLION};

/// Near-black for text, softer than pure black on white.
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);
/// Secondary text: notes, footer, reference-line labels.
pub(crate) const MUTED: RGBColor = RGBColor(90, 90, 90);

/// `c` mixed with white, `weight` of `c`. Bands are drawn in opaque tints
/// rather than with transparency so that the legend swatch shows exactly
/// the colour on the chart, and overlapping bands do not blend.
pub(crate) fn tint(c: RGBColor, weight: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * weight + 255.0 * (1.0 - weight)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// A result of drawing on backend `DB`.
pub(crate) type DrawResult<T, DB> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Registers the embedded fonts with plotters, once per process.
pub(crate) fn register_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let regular = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let bold = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
        regular.is_ok() && bold.is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// The charts of a run, each written as `<stem>.png` and `<stem>.svg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chart {
    ReturnedByDeadline,
    Fan,
    Survival,
    Phases,
}

impl Chart {
    const ALL: [Chart; 4] = [
        Chart::ReturnedByDeadline,
        Chart::Fan,
        Chart::Survival,
        Chart::Phases,
    ];

    fn stem(self) -> &'static str {
        match self {
            Chart::ReturnedByDeadline => "returned_by_deadline",
            Chart::Fan => "fan_chart",
            Chart::Survival => "survival",
            Chart::Phases => "phases",
        }
    }
}

/// Writes every chart of a run into `dir` as PNG and SVG; returns the paths written.
pub fn draw_run_charts(
    results: &Results,
    scenario: &Scenario,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = Vec::with_capacity(2 * Chart::ALL.len());
    for chart in Chart::ALL {
        let run = Run { results, scenario };
        written.extend(write_chart(dir, &RunChart { chart, run })?);
    }
    Ok(written)
}

/// One chart that can be drawn on any plotters backend: the same code makes
/// the PNG and the SVG.
pub(crate) trait ChartSpec {
    /// File name without extension.
    fn stem(&self) -> String;
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB>;
}

/// Writes `chart` into `dir` as `<stem>.png` and `<stem>.svg`; returns both
/// paths.
pub(crate) fn write_chart<C: ChartSpec>(dir: &Path, chart: &C) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let png = dir.join(format!("{}.png", chart.stem()));
    write_png(&png, chart)?;
    let svg = dir.join(format!("{}.svg", chart.stem()));
    write_svg(&svg, chart)?;
    Ok(vec![png, svg])
}

fn write_png<C: ChartSpec>(path: &Path, chart: &C) -> Result<(), PlotError> {
    let failed = |e: &dyn std::fmt::Display| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let root = BitMapBackend::new(path, PNG_SIZE).into_drawing_area();
    chart.draw(&root, PNG_SCALE).map_err(|e| failed(&e))?;
    // The bitmap is encoded and saved here; saving on drop would swallow
    // the error.
    root.present().map_err(|e| failed(&e))
}

fn write_svg<C: ChartSpec>(path: &Path, chart: &C) -> Result<(), PlotError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SVG_SIZE).into_drawing_area();
        let failed = |e: &dyn std::fmt::Display| PlotError::Draw {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        chart.draw(&root, SVG_SCALE).map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    std::fs::write(path, text).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// A chart of one run.
struct RunChart<'a> {
    chart: Chart,
    run: Run<'a>,
}

impl ChartSpec for RunChart<'_> {
    fn stem(&self) -> String {
        self.chart.stem().to_string()
    }
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        draw(self.chart, root, &self.run, s)
    }
}

/// What every chart draws from.
pub(crate) struct Run<'a> {
    pub(crate) results: &'a Results,
    pub(crate) scenario: &'a Scenario,
}

impl Run<'_> {
    /// "swapsim · <scenario> · <trials> trials · seed <seed>": enough to
    /// find or repeat the run a printed chart came from.
    fn footer(&self) -> String {
        let s = &self.results.summary;
        let trials = if s.trials == 1 { "trial" } else { "trials" };
        self.footer_of(&format!(
            "{} {trials}",
            crate::format::grouped(s.trials as f64, 0)
        ))
    }

    /// The footer with `basis` in place of the trials: what a chart drawn
    /// from more than this run's trials rests on.
    fn footer_of(&self, basis: &str) -> String {
        let s = &self.results.summary;
        format!("swapsim · {} · {basis} · seed {}", s.scenario, s.seed)
    }

    fn date(&self, day: u32) -> String {
        fmt_date(self.scenario.date_of_day(day))
    }

    fn deadline(&self) -> String {
        fmt_date(self.scenario.target().deadline)
    }

    /// Day axis covering the horizon; a one-day horizon is widened so the
    /// axis range is never empty.
    fn day_axis(&self) -> DayAxis {
        let last = self.results.daily.len().saturating_sub(1).max(1) as u32;
        DayAxis::new(self.scenario.simulation().start_date, 0, last)
    }
}

/// Lengths of the backend being drawn: `k` pixels per SVG pixel, and
/// `glyph_rise`, how much higher than an SVG viewer the backend sets text,
/// as a fraction of the font size.
///
/// plotters' bitmap text (through ab_glyph) puts the baseline half a font
/// size below the top of the layout box, where SVG viewers put it about
/// 0.61 below, so bitmap text sits about 0.12 of its size too high: labels
/// drift above their ticks and out of their boxes. Text positions add
/// [`Scale::text_y`] to cancel that.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub(crate) k: f64,
    pub(crate) glyph_rise: f64,
}

/// SVG text, set by the viewer.
pub(crate) const SVG_SCALE: Scale = Scale {
    k: 1.0,
    glyph_rise: 0.0,
};
/// PNG text, rasterised by plotters.
pub(crate) const PNG_SCALE: Scale = Scale {
    k: 2.0,
    glyph_rise: 0.12,
};

impl Scale {
    fn px(self, v: f64) -> i32 {
        (v * self.k).round() as i32
    }

    /// How far to lower text of `size` (SVG pixels) so that it sits where
    /// an SVG viewer would put it.
    fn text_y(self, size: f64) -> i32 {
        self.px(size * self.glyph_rise)
    }

    /// A stroke width, at least one pixel.
    fn stroke(self, v: f64) -> u32 {
        (v * self.k).round().max(1.0) as u32
    }

    fn font(self, size: f64) -> TextStyle<'static> {
        FontDesc::new(FontFamily::SansSerif, size * self.k, FontStyle::Normal).color(&INK)
    }

    fn bold(self, size: f64) -> TextStyle<'static> {
        FontDesc::new(FontFamily::SansSerif, size * self.k, FontStyle::Bold).color(&INK)
    }

    fn line(self, c: RGBColor, width: f64) -> ShapeStyle {
        c.stroke_width(self.stroke(width))
    }
}

pub(crate) fn draw<DB: DrawingBackend>(
    chart: Chart,
    root: &DrawingArea<DB, Shift>,
    run: &Run,
    s: Scale,
) -> DrawResult<(), DB> {
    match chart {
        Chart::ReturnedByDeadline => draw_returned_by_deadline(root, run, s),
        Chart::Fan => draw_fan(root, run, s),
        Chart::Survival => draw_survival(root, run, s),
        Chart::Phases => draw_phases(root, run, s),
    }
}

/// How a legend entry is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Fill(RGBColor),
    Line(RGBColor),
    /// A dashed line, for a reference drawn dashed on the chart.
    Dashed(RGBColor),
    /// A hollow circle, for points marked on the chart.
    Marker(RGBColor),
}

/// Everything a chart says around its plot.
pub(crate) struct Frame {
    pub(crate) title: String,
    /// Subtitle paragraphs, wrapped to the width of the chart.
    pub(crate) notes: Vec<String>,
    pub(crate) legend: Vec<(String, Key)>,
}

/// Fills the background, draws the title, notes, legend and footer of a
/// chart, and returns the area left for the plot. The legend sits above
/// the plot rather than inside it, so it never hides data.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    frame: &Frame,
    footer: &str,
) -> DrawResult<DrawingArea<DB, Shift>, DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let left = s.px(MARGIN);
    let width = w as i32 - 2 * left;

    let mut y = s.px(MARGIN * 0.8);
    let title = s.bold(TITLE_SIZE);
    for line in wrap(root, &frame.title, &title, width)? {
        root.draw(&Text::new(
            line,
            (left, y + s.text_y(TITLE_SIZE)),
            title.clone(),
        ))?;
        y += s.px(TITLE_SIZE * 1.3);
    }
    y += s.px(3.0);
    let note = s.font(NOTE_SIZE).color(&MUTED);
    for paragraph in &frame.notes {
        for line in wrap(root, paragraph, &note, width)? {
            root.draw(&Text::new(
                line,
                (left, y + s.text_y(NOTE_SIZE)),
                note.clone(),
            ))?;
            y += s.px(NOTE_SIZE * 1.35);
        }
    }
    if !frame.legend.is_empty() {
        y += s.px(6.0);
        y = legend(root, s, &frame.legend, (left, y), width)?;
    }

    let foot = s.font(FOOTER_SIZE).color(&MUTED);
    let lines = wrap(root, footer, &foot, width)?;
    let line_h = s.px(FOOTER_SIZE * 1.3);
    let mut fy = h as i32 - s.px(MARGIN * 0.6) - line_h * lines.len() as i32;
    let footer_top = fy;
    for line in lines {
        root.draw(&Text::new(
            line,
            (left, fy + s.text_y(FOOTER_SIZE)),
            foot.clone(),
        ))?;
        fy += line_h;
    }

    let top = (y + s.px(8.0)).max(0);
    let bottom = (h as i32 - footer_top + s.px(12.0)).max(0);
    Ok(root.margin(top, bottom, 0, 0))
}

/// Draws legend entries left to right from `at`, wrapping to new rows;
/// returns the y just below the last row.
pub(crate) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    keys: &[(String, Key)],
    at: (i32, i32),
    width: i32,
) -> DrawResult<i32, DB> {
    let font = s.font(NOTE_SIZE);
    let swatch = (s.px(24.0), s.px(12.0));
    let gap = s.px(7.0);
    let spacing = s.px(22.0);
    let row_h = s.px(NOTE_SIZE * 1.6);
    let (mut x, mut y) = at;
    for (label, key) in keys {
        let (tw, _) = root.estimate_text_size(label, &font)?;
        let need = swatch.0 + gap + tw as i32;
        if x > at.0 && x + need > at.0 + width {
            x = at.0;
            y += row_h;
        }
        let mid = y + row_h / 2;
        match *key {
            Key::Fill(c) => root.draw(&Rectangle::new(
                [(x, mid - swatch.1 / 2), (x + swatch.0, mid + swatch.1 / 2)],
                c.filled(),
            ))?,
            Key::Line(c) => root.draw(&PathElement::new(
                vec![(x, mid), (x + swatch.0, mid)],
                s.line(c, 2.0),
            ))?,
            Key::Dashed(c) => root.draw(&DashedPathElement::new(
                vec![(x, mid), (x + swatch.0, mid)],
                s.px(5.0),
                s.px(3.0),
                s.line(c, 2.0),
            ))?,
            Key::Marker(c) => root.draw(&Circle::new(
                (x + swatch.0 / 2, mid),
                s.px(4.5),
                s.line(c, 1.5),
            ))?,
        }
        root.draw(&Text::new(
            label.clone(),
            (x + swatch.0 + gap, mid + s.text_y(NOTE_SIZE)),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += need + spacing;
    }
    Ok(y + row_h)
}

/// `text` broken at spaces into lines no wider than `width` pixels (a
/// single word wider than that gets a line of its own).
pub(crate) fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: i32,
) -> DrawResult<Vec<String>, DB> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if line.is_empty() {
            line.push_str(word);
            continue;
        }
        let longer = format!("{line} {word}");
        if root.estimate_text_size(&longer, style)?.0 as i32 > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = longer;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Draws `text` anchored at the backend point `at` on a white box, so that
/// a label on a reference line stays legible over bands and grid lines.
pub(crate) fn boxed_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    at: (i32, i32),
    anchor: (HPos, VPos),
    text: &str,
    style: &TextStyle,
) -> DrawResult<(), DB> {
    let (w, h) = root.estimate_text_size(text, style)?;
    let rise = (style.font.get_size() * s.glyph_rise).round() as i32;
    let (w, h) = (w as i32, h as i32);
    let x = match anchor.0 {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y = match anchor.1 {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    let pad = s.px(3.0);
    root.draw(&Rectangle::new(
        [(x - pad, y - pad), (x + w + pad, y + h + pad)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw(&Text::new(text.to_string(), (x, y + rise), style.clone()))
}

/// Grid lines drawn under the data, on white.
pub(crate) const GRID_UNDER: RGBAColor = RGBAColor(0, 0, 0, 0.1);
/// Grid lines drawn over filled areas that cover the whole plot.
pub(crate) const GRID_OVER: RGBAColor = RGBAColor(255, 255, 255, 0.45);

/// Draws the grid, axes, tick labels and axis titles in the house style:
/// light grid at labelled ticks only, no minor lines.
pub(crate) fn draw_mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    s: Scale,
    grid: RGBAColor,
    (x_desc, y_desc): (&str, &str),
    x_fmt: &dyn Fn(&X::ValueType) -> String,
    y_fmt: &dyn Fn(&Y::ValueType) -> String,
) -> DrawResult<(), DB>
where
    DB: DrawingBackend,
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    chart
        .configure_mesh()
        .bold_line_style(grid.stroke_width(s.stroke(1.0)))
        .light_line_style(TRANSPARENT)
        .axis_style(s.line(MUTED, 1.0))
        .set_all_tick_mark_size(s.px(4.0))
        .label_style(s.font(TICK_SIZE))
        .axis_desc_style(s.font(AXIS_SIZE))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(MAX_DATE_LABELS)
        .y_labels(7)
        .y_label_offset(s.px(TICK_SIZE * (DIGIT_DROP + s.glyph_rise)))
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .draw()
}

/// Starts a plot in `area` with room for tick labels and axis titles.
/// A chart of a percentage over days: the y axis runs from 0 to `top`,
/// which may exceed 100 to leave room above the curves, with ticks only up
/// to 100.
pub(crate) fn percent_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: Scale,
    x_axis: &DayAxis,
    top: f64,
    descriptions: (&str, &str),
) -> DrawResult<ChartContext<'a, DB, Cartesian2d<DayAxis, RangedCoordf64>>, DB> {
    let mut chart = plot_builder(area, s).build_cartesian_2d(x_axis.clone(), 0.0..top)?;
    let date_label = |v: &f64| x_axis.label(*v);
    draw_mesh(&mut chart, s, GRID_UNDER, descriptions, &date_label, &|v| {
        if *v > 100.0 {
            String::new()
        } else {
            fmt_tick(*v)
        }
    })?;
    Ok(chart)
}

pub(crate) fn plot_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: Scale,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(s.px(MARGIN))
        .margin_right(s.px(MARGIN + 10.0))
        .margin_top(s.px(4.0))
        .x_label_area_size(s.px(42.0))
        .y_label_area_size(s.px(80.0));
    builder
}

/// `[lo, hi]` with both ends finite and `hi > lo`, so that no axis is ever
/// empty or NaN, whatever the data.
pub(crate) fn guard_range(lo: f64, hi: f64, min_span: f64) -> Range<f64> {
    let lo = if lo.is_finite() { lo } else { 0.0 };
    let hi = if hi.is_finite() { hi } else { lo };
    if hi - lo < min_span {
        lo..lo + min_span
    } else {
        lo..hi
    }
}

/// A finite value to draw (0 for NaN, which only arises from a run of zero
/// trials).
pub(crate) fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// A dashed line through backend points `a` and `b`, drawn on the root so
/// that its dashes are the same length in every chart.
pub(crate) fn dashed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    a: (i32, i32),
    b: (i32, i32),
    style: ShapeStyle,
) -> DrawResult<(), DB> {
    root.draw(&DashedPathElement::new(
        vec![a, b],
        s.px(7.0),
        s.px(5.0),
        style,
    ))
}

/// Chart 1: the distribution over trials of people returned by the
/// deadline, with the pool marked.
pub(crate) fn draw_returned_by_deadline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Run,
    s: Scale,
) -> DrawResult<(), DB> {
    let summary = &run.results.summary;
    let bars = &run.results.returned_by_deadline_bars;
    let deadline = run.deadline();
    let mean = &summary.outcomes.returned_by_deadline;
    let decimals = crate::format::people_decimals(mean.mean);
    let mut caption = if mean.se == 0.0 {
        // Every trial gave the same number: an interval "0–0" would read
        // as a misprint.
        format!(
            "Every trial: {} people; ",
            crate::format::grouped(mean.mean, decimals)
        )
    } else if !mean.se.is_finite() {
        // One trial has no standard error (and NaN.max(0.0) would print
        // a made-up "0").
        format!(
            "Mean {} people (too few trials for an interval); ",
            crate::format::grouped(mean.mean, decimals)
        )
    } else {
        // The normal-approximation interval of the mean can dip below zero
        // when almost every trial returns nobody; a negative number of
        // people would only confuse a reader, so the lower end shows 0.
        format!(
            "Mean {} people (95%\u{a0}CI\u{a0}{}–{}); ",
            crate::format::grouped(mean.mean, decimals),
            crate::format::grouped(mean.ci95[0].max(0.0), decimals),
            crate::format::grouped(mean.ci95[1].max(0.0), decimals),
        )
    };
    match (summary.pool, &summary.probabilities.target_by_deadline) {
        (Some(pool), Some(p)) => caption.push_str(&format!(
            "P(all {} by {deadline}) = {}.",
            crate::format::grouped(pool as f64, 0),
            fmt_proportion(p)
        )),
        _ => caption.push_str("the scenario sets no pool, so there is no target to reach."),
    }
    let f = Frame {
        title: format!("People returned by {deadline}"),
        notes: vec![
            format!("Share of trials by the number of people returned by the end of {deadline}."),
            caption,
            format!(
                "No round at all by {deadline} in {} of trials.",
                fmt_proportion(&summary.probabilities.no_round_by_deadline)
            ),
        ],
        legend: Vec::new(),
    };
    let area = frame(root, s, &f, &run.footer())?;

    let top = bars.last().map_or(0, |b| b.high.saturating_add(1)) as f64;
    // Room to the right of the pool, so its line and label are not on the
    // frame.
    let x_hi = summary.pool.map_or(top, |p| top.max(p as f64 * 1.06));
    let x = guard_range(0.0, x_hi, 1.0);
    let max_share = bars.iter().map(|b| finite(b.share)).fold(0.0, f64::max) * 100.0;
    let y = guard_range(0.0, max_share * 1.12, 1.0);
    let mut chart = plot_builder(&area, s).build_cartesian_2d(x.clone(), y.clone())?;
    draw_mesh(
        &mut chart,
        s,
        GRID_UNDER,
        (
            &format!("people returned by {deadline}"),
            "share of trials (%)",
        ),
        &|v| fmt_tick(*v),
        &|v| fmt_tick(*v),
    )?;

    // A bar narrower than a few pixels (a single value, such as "nobody
    // returned", on an axis that reaches the pool) would vanish, so bars are
    // drawn at least MIN_BAR wide.
    const MIN_BAR: f64 = 6.0;
    let plot_w = f64::from(chart.plotting_area().dim_in_pixel().0.max(1));
    let units_per_px = (x.end - x.start) / plot_w;
    let min_width = f64::from(s.px(MIN_BAR)) * units_per_px;
    let gap = if bars.len() > 1 { s.stroke(1.0) } else { 0 };
    chart.draw_series(bars.iter().map(|b| {
        let (mut lo, mut hi) = (b.low as f64, b.high as f64 + 1.0);
        if hi - lo < min_width {
            let mid = (lo + hi) / 2.0;
            lo = (mid - min_width / 2.0).max(x.start);
            hi = lo + min_width;
        }
        let mut bar = Rectangle::new([(lo, 0.0), (hi, finite(b.share) * 100.0)], BLUE.filled());
        bar.set_margin(0, 0, gap, gap);
        bar
    }))?;

    if let Some(pool) = summary.pool {
        let px = chart.backend_coord(&(pool as f64, y.end));
        let base = chart.backend_coord(&(pool as f64, y.start));
        dashed(root, s, px, base, s.line(VERMILLION, 2.0))?;
        let label = format!("target: {}", crate::format::grouped(pool as f64, 0));
        let style = s.bold(LABEL_SIZE).color(&VERMILLION);
        // Label to the right of the line, unless it would run off the plot.
        let right_room = chart.backend_coord(&(x.end, y.end)).0 - px.0;
        let (anchor_x, h) = if right_room > s.px(90.0) {
            (px.0 + s.px(6.0), HPos::Left)
        } else {
            (px.0 - s.px(6.0), HPos::Right)
        };
        boxed_label(
            root,
            s,
            (anchor_x, px.1 + s.px(6.0)),
            (h, VPos::Top),
            &label,
            &style,
        )?;
    }
    Ok(())
}

/// Chart 2: people returned so far, median and percentile bands over time.
pub(crate) fn draw_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Run,
    s: Scale,
) -> DrawResult<(), DB> {
    let results = run.results;
    let summary = &results.summary;
    let daily = &results.daily;
    let by_deadline = &summary.outcomes.returned_by_deadline;
    let deadline = run.deadline();
    let outer = tint(BLUE, 0.2);
    let inner = tint(BLUE, 0.45);
    let f = Frame {
        title: "People returned over time".to_string(),
        notes: vec![format!(
            "People returned so far across trials, at the end of each day. By {deadline}: {}.",
            if by_deadline.p5 == by_deadline.p95 {
                format!(
                    "{} people in at least 90% of trials",
                    crate::format::people(by_deadline.p50)
                )
            } else {
                format!(
                    "median {}, and 90% of trials between {} and {}",
                    crate::format::people(by_deadline.p50),
                    crate::format::people(by_deadline.p5),
                    crate::format::people(by_deadline.p95)
                )
            }
        )],
        legend: vec![
            ("median".to_string(), Key::Line(BLUE)),
            ("middle 50% of trials".to_string(), Key::Fill(inner)),
            ("middle 90% of trials".to_string(), Key::Fill(outer)),
        ],
    };
    let area = frame(root, s, &f, &run.footer())?;

    let x_axis = run.day_axis();
    let highest = daily
        .iter()
        .map(|r| finite(r.returned_p95))
        .fold(0.0, f64::max)
        .max(summary.pool.map_or(0.0, |p| p as f64));
    // At least 10 people tall, so an all-zero run still has whole-number
    // ticks.
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

    let day = |r: &DailyRow| f64::from(r.day);
    // Outer band first, inner band over it: painting whole bands avoids the
    // hairline gaps that adjacent polygons leave in a bitmap.
    chart.draw_series(std::iter::once(band(
        daily,
        day,
        |r| r.returned_p5,
        |r| r.returned_p95,
        outer,
    )))?;
    chart.draw_series(std::iter::once(band(
        daily,
        day,
        |r| r.returned_p25,
        |r| r.returned_p75,
        inner,
    )))?;
    chart.draw_series(LineSeries::new(
        daily.iter().map(|r| (day(r), finite(r.returned_p50))),
        s.line(BLUE, 2.0),
    ))?;

    let label = s.font(LABEL_SIZE).color(&INK);
    let deadline_day = f64::from(run.scenario.target().deadline_day);
    if x_axis.contains(deadline_day) {
        let top = chart.backend_coord(&(deadline_day, y.end));
        let bottom = chart.backend_coord(&(deadline_day, y.start));
        root.draw(&PathElement::new(vec![top, bottom], s.line(INK, 1.0)))?;
        let right_room = chart.backend_coord(&(x_axis.last, y.end)).0 - top.0;
        let text = format!("deadline {deadline}");
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
            &text,
            &label,
        )?;
    }
    if let Some(pool) = summary.pool {
        let left = chart.backend_coord(&(x_axis.first, pool as f64));
        let right = chart.backend_coord(&(x_axis.last, pool as f64));
        dashed(root, s, left, right, s.line(VERMILLION, 2.0))?;
        // At the start nobody has come home yet, so the left end of the
        // target line is the one place no band reaches.
        boxed_label(
            root,
            s,
            (left.0 + s.px(8.0), left.1 - s.px(5.0)),
            (HPos::Left, VPos::Bottom),
            &format!("target: {}", crate::format::grouped(pool as f64, 0)),
            &s.bold(LABEL_SIZE).color(&VERMILLION),
        )?;
    }
    // Below the deadline's label, which sits at the top of the plot.
    let skip = s.px(LABEL_SIZE + 14.0);
    events::draw_marks(
        root,
        s,
        run,
        &chart,
        &y,
        events::LabelEdge::Top { skip },
        true,
    )?;
    Ok(())
}

/// Chart 3: share of trials not yet suspended, with its Wilson band.
pub(crate) fn draw_survival<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Run,
    s: Scale,
) -> DrawResult<(), DB> {
    let summary = &run.results.summary;
    let daily = &run.results.daily;
    let horizon_end = run.date(summary.horizon_days.saturating_sub(1));
    let band_colour = tint(BLUE, 0.3);
    let first = &summary.first_suspension_day;
    let mut notes = vec![
        "Share of trials in which the exchange process has not yet been suspended, \
         at the end of each day."
            .to_string(),
    ];
    notes.push(match first.median {
        Some(d) => {
            let ci = match first.ci95 {
                [Some(lo), Some(hi)] => format!(
                    "; 95%\u{a0}CI {}",
                    fmt_date_range(run.scenario.date_of_day(lo), run.scenario.date_of_day(hi))
                ),
                [Some(lo), None] => {
                    format!("; 95%\u{a0}CI {} to beyond {horizon_end}", run.date(lo))
                }
                _ => String::new(),
            };
            format!(
                "Median time to the first suspension: {} days ({}{ci}).",
                crate::format::grouped(f64::from(d), 0),
                run.date(d)
            )
        }
        None => format!(
            "Fewer than half of the trials were suspended by {horizon_end}, \
             so the median time to the first suspension lies beyond the horizon."
        ),
    });
    notes.push(format!(
        "Suspended at least once by {horizon_end}: {} of trials.",
        fmt_proportion(&summary.probabilities.suspended_within_horizon)
    ));
    let f = Frame {
        title: "Time to the first suspension".to_string(),
        notes,
        legend: vec![
            ("not yet suspended".to_string(), Key::Line(BLUE)),
            ("95% Wilson interval".to_string(), Key::Fill(band_colour)),
        ],
    };
    let area = frame(root, s, &f, &run.footer())?;

    let x_axis = run.day_axis();
    // A little above 100 so the line along the top is not cut by the frame.
    let y = 0.0..102.0;
    let mut chart = percent_chart(
        &area,
        s,
        &x_axis,
        y.end,
        ("date (end of day)", "trials not yet suspended (%)"),
    )?;

    let day = |r: &DailyRow| f64::from(r.day);
    chart.draw_series(std::iter::once(band(
        daily,
        day,
        |r| r.not_yet_suspended_ci_low * 100.0,
        |r| r.not_yet_suspended_ci_high * 100.0,
        band_colour,
    )))?;
    chart.draw_series(LineSeries::new(
        daily
            .iter()
            .map(|r| (day(r), finite(r.not_yet_suspended) * 100.0)),
        s.line(BLUE, 2.0),
    ))?;

    if let Some(d) = first.median.map(f64::from).filter(|&d| x_axis.contains(d)) {
        let half = chart.backend_coord(&(d, 50.0));
        let left = chart.backend_coord(&(x_axis.first, 50.0));
        let base = chart.backend_coord(&(d, y.start));
        let guide = s.line(INK, 1.0);
        dashed(root, s, left, half, guide)?;
        dashed(root, s, half, base, guide)?;
        root.draw(&Circle::new(half, s.px(4.5), INK.filled()))?;
        boxed_label(
            root,
            s,
            (half.0 + s.px(8.0), half.1 - s.px(6.0)),
            (HPos::Left, VPos::Bottom),
            &format!("median: {}", run.date(d as u32)),
            &s.bold(LABEL_SIZE).color(&INK),
        )?;
    }
    // The curve starts at the top; the bottom of the plot stays clear
    // longest.
    events::draw_marks(root, s, run, &chart, &y, events::LabelEdge::Bottom, false)?;
    Ok(())
}

/// Chart 4: share of trials in each phase over time, stacked to 100%.
pub(crate) fn draw_phases<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Run,
    s: Scale,
) -> DrawResult<(), DB> {
    let summary = &run.results.summary;
    let daily = &run.results.daily;
    // Top of the stack first, the order a reader scans the legend and the
    // chart; the absorbing phases sit at the bottom, where they only grow.
    type Share = fn(&DailyRow) -> f64;
    let phases: [(&str, RGBColor, Share); 5] = [
        ("pending", GREY, |r| r.share_pending),
        ("active", GREEN, |r| r.share_active),
        ("suspended", ORANGE, |r| r.share_suspended),
        ("completed", BLUE, |r| r.share_completed),
        ("collapsed", VERMILLION, |r| r.share_collapsed),
    ];
    let f = Frame {
        title: "Phase of the exchange process over time".to_string(),
        notes: vec![format!(
            "Share of trials in each phase at the end of each day. Collapsed within the horizon: {}.",
            fmt_proportion(&summary.probabilities.collapse)
        )],
        legend: phases
            .iter()
            .map(|(name, c, _)| (name.to_string(), Key::Fill(*c)))
            .collect(),
    };
    let area = frame(root, s, &f, &run.footer())?;

    let x_axis = run.day_axis();
    let y = 0.0..100.0;
    let mut chart = plot_builder(&area, s).build_cartesian_2d(x_axis.clone(), y.clone())?;
    // Each phase is painted from 0 up to the top of its layer, top layer
    // first, each covering the lower part of the ones before it: adjacent
    // polygons would leave hairline gaps in a bitmap. The grid goes over
    // the layers, where it helps read off the shares.
    for k in 0..phases.len() {
        let colour = phases[k].1;
        let layers = &phases[k..];
        let top = |r: &DailyRow| {
            let sum: f64 = layers.iter().map(|(_, _, share)| finite(share(r))).sum();
            (sum * 100.0).min(100.0)
        };
        chart.draw_series(std::iter::once(band(
            daily,
            |r| f64::from(r.day),
            |_| 0.0,
            top,
            colour,
        )))?;
    }
    let date_label = |v: &f64| x_axis.label(*v);
    draw_mesh(
        &mut chart,
        s,
        GRID_OVER,
        ("date (end of day)", "share of trials (%)"),
        &date_label,
        &|v| fmt_tick(*v),
    )?;
    events::draw_marks(
        root,
        s,
        run,
        &chart,
        &y,
        events::LabelEdge::Top { skip: 0 },
        false,
    )
}

/// A filled band between `lo` and `hi` over days, as one polygon.
pub(crate) fn band(
    daily: &[DailyRow],
    x: impl Fn(&DailyRow) -> f64,
    lo: impl Fn(&DailyRow) -> f64,
    hi: impl Fn(&DailyRow) -> f64,
    colour: RGBColor,
) -> Polygon<(f64, f64)> {
    let upper = daily.iter().map(|r| (x(r), finite(hi(r))));
    let lower = daily.iter().rev().map(|r| (x(r), finite(lo(r))));
    Polygon::new(upper.chain(lower).collect::<Vec<_>>(), colour.filled())
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "31 Dec 2025": day first and the month in letters, unambiguous in every
/// country that reads the briefs.
pub(crate) fn fmt_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// The scenario's words in the titles of key outcomes on charts: dates as
/// [`fmt_date`] writes them, the pool with thousands separators.
pub(crate) fn title_words(s: &Scenario) -> TitleWords {
    let horizon = s.simulation().horizon_days;
    TitleWords {
        deadline: fmt_date(s.target().deadline),
        horizon_end: fmt_date(s.date_of_day(horizon.saturating_sub(1))),
        horizon_days: horizon.to_string(),
        pool: s.target().pool.map(|p| crate::format::grouped(p as f64, 0)),
    }
}

/// "25–27 Jan 2026", "28 Dec 2025 – 3 Jan 2026": a date interval, shortened
/// where its ends share a month.
pub(crate) fn fmt_date_range(a: NaiveDate, b: NaiveDate) -> String {
    if a == b {
        fmt_date(a)
    } else if (a.year(), a.month()) == (b.year(), b.month()) {
        format!("{}–{}", a.day(), fmt_date(b))
    } else {
        format!("{} – {}", fmt_date(a), fmt_date(b))
    }
}

/// Ticks of a time axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateTicks {
    /// The first of every `n`th month, labelled "Dec 2025".
    Months(u32),
    /// Every `n`th day from the start, labelled "16 Nov 2025", for spans
    /// too short to show two month starts.
    Days(u32),
}

/// A time axis whose coordinate is the day index (0 = start date), with
/// ticks on calendar dates rather than on round day numbers.
#[derive(Debug, Clone)]
pub(crate) struct DayAxis {
    pub(crate) start: NaiveDate,
    pub(crate) first: f64,
    pub(crate) last: f64,
    pub(crate) ticks: DateTicks,
}

impl DayAxis {
    fn new(start: NaiveDate, first: u32, last: u32) -> Self {
        let last = last.max(first + 1);
        let mut axis = DayAxis {
            start,
            first: f64::from(first),
            last: f64::from(last),
            ticks: DateTicks::Months(1),
        };
        let month_steps = [1, 2, 3, 4, 6, 12, 24, 60, 120];
        let fits = |a: &DayAxis| (2..=MAX_DATE_LABELS).contains(&a.tick_days().len());
        for n in month_steps {
            axis.ticks = DateTicks::Months(n);
            if fits(&axis) {
                return axis;
            }
        }
        // Day labels are longer than month labels: fewer of them fit.
        for n in [1, 2, 7, 14, 28] {
            axis.ticks = DateTicks::Days(n);
            if axis.tick_days().len() <= MAX_DATE_LABELS * 3 / 4 {
                return axis;
            }
        }
        axis
    }

    fn contains(&self, day: f64) -> bool {
        (self.first..=self.last).contains(&day)
    }

    fn tick_days(&self) -> Vec<u32> {
        let (first, last) = (self.first as u32, self.last as u32);
        match self.ticks {
            DateTicks::Months(n) => (first..=last)
                .filter(|&t| {
                    let d = self.start + chrono::Days::new(u64::from(t));
                    let month = d.year() as i64 * 12 + i64::from(d.month0());
                    d.day() == 1 && month.rem_euclid(i64::from(n)) == 0
                })
                .collect(),
            DateTicks::Days(n) => (first..=last).step_by(n as usize).collect(),
        }
    }

    fn label(&self, day: f64) -> String {
        if !day.is_finite() || day < 0.0 {
            return String::new();
        }
        let d = self.start + chrono::Days::new(day.round() as u64);
        match self.ticks {
            DateTicks::Months(_) => format!("{} {}", MONTHS[d.month0() as usize], d.year()),
            DateTicks::Days(_) => fmt_date(d),
        }
    }
}

impl Ranged for DayAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        // Delegating keeps the mapping identical to the plain f64 axes.
        RangedCoordf64::from(self.first..self.last).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Minor grid lines are not drawn; only labelled ticks are key points.
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        self.tick_days().into_iter().map(f64::from).collect()
    }

    fn range(&self) -> Range<f64> {
        self.first..self.last
    }
}

impl ValueFormatter<f64> for DayAxis {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// An axis tick value: whole numbers without decimals, others with as few
/// as they need.
pub(crate) fn fmt_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        return crate::format::grouped(v, 0);
    }
    let s = crate::format::grouped(v, 2);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "3.1% (95% CI 2.9–3.4%)", with no-break spaces so that a caption is
/// never wrapped inside the interval.
pub(crate) fn fmt_proportion(p: &Proportion) -> String {
    format!(
        "{}%\u{a0}(95%\u{a0}CI\u{a0}{}–{}%)",
        crate::format::percent(p.estimate),
        crate::format::percent_bound(p.ci95[0]),
        crate::format::percent_bound(p.ci95[1])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, StreamKeys};
    use crate::model::Model;
    use crate::scenario::ScenarioSource;
    use crate::stats::Accumulator;
    use std::collections::HashSet;
    use std::error::Error;

    type TestResult = Result<(), Box<dyn Error>>;

    /// Results of `trials` trials of `s`, from the real engine on one thread.
    fn run_engine(s: &Scenario, trials: u64) -> Result<Results, Box<dyn Error>> {
        let s = s.clone().with_trials(trials)?;
        let model = Model::new(&s);
        let keys = StreamKeys::new(s.mediator_names());
        let acc = engine::run(
            &model,
            &keys,
            s.simulation().seed,
            0..trials,
            Some(1),
            || Accumulator::new(&s),
            &|_| {},
        )?;
        Ok(acc.finish(&s))
    }

    fn default_scenario() -> Result<Scenario, Box<dyn Error>> {
        Ok(ScenarioSource::builtin().parse()?)
    }

    /// RGB values of a PNG's pixels, row by row.
    type Pixels = Vec<[u8; 3]>;

    /// Width, height and pixels of a PNG file.
    fn decode_png(path: &Path) -> Result<((u32, u32), Pixels), Box<dyn Error>> {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut reader = png::Decoder::new(file).read_info()?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
        let info = reader.next_frame(&mut buf)?;
        assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", path.display());
        let channels = info.color_type.samples();
        let pixels = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Ok(((info.width, info.height), pixels))
    }

    /// Pixels of exactly colour `c`.
    fn count(pixels: &[[u8; 3]], c: RGBColor) -> usize {
        pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count()
    }

    /// The title of each chart, which its SVG must contain.
    fn title(chart: Chart, s: &Scenario) -> String {
        match chart {
            Chart::ReturnedByDeadline => {
                format!("People returned by {}", fmt_date(s.target().deadline))
            }
            Chart::Fan => "People returned over time".to_string(),
            Chart::Survival => "Time to the first suspension".to_string(),
            Chart::Phases => "Phase of the exchange process over time".to_string(),
        }
    }

    /// The charts of one run, drawn and read back.
    struct Drawn {
        _dir: tempfile::TempDir,
        svgs: Vec<(Chart, String)>,
        pngs: Vec<(Chart, Pixels)>,
    }

    impl Drawn {
        fn svg(&self, chart: Chart) -> &str {
            self.svgs
                .iter()
                .find(|(c, _)| *c == chart)
                .map_or("", |(_, t)| t.as_str())
        }

        fn png(&self, chart: Chart) -> &[[u8; 3]] {
            self.pngs
                .iter()
                .find(|(c, _)| *c == chart)
                .map_or(&[], |(_, p)| p.as_slice())
        }
    }

    /// Draws the charts of `results` into a fresh directory and checks every
    /// file: the PNGs decode at 1600x1000 and are not flat, the SVGs are SVG
    /// with the chart's title and the footer.
    fn draw_and_check(results: &Results, s: &Scenario) -> Result<Drawn, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let written = draw_run_charts(results, s, dir.path())?;
        assert_eq!(written.len(), 8);
        let mut svgs = Vec::new();
        let mut pngs = Vec::new();
        for chart in Chart::ALL {
            let png = dir.path().join(format!("{}.png", chart.stem()));
            let svg = dir.path().join(format!("{}.svg", chart.stem()));
            assert!(written.contains(&png) && written.contains(&svg));
            let (size, pixels) = decode_png(&png)?;
            assert_eq!(size, PNG_SIZE, "{}", png.display());
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
            assert!(
                text.contains(&title(chart, s)),
                "{} lacks its title",
                svg.display()
            );
            assert!(
                text.contains("swapsim · "),
                "{} lacks its footer",
                svg.display()
            );
            svgs.push((chart, text));
            pngs.push((chart, pixels));
        }
        Ok(Drawn {
            _dir: dir,
            svgs,
            pngs,
        })
    }

    #[test]
    fn default_scenario_gives_eight_readable_charts_with_data_drawn() -> TestResult {
        // The default scenario is a forecast that starts Active and is never
        // suspended; a pending start and a suspension hazard are put back
        // so that every phase, and so every phase colour, is drawn.
        let s = default_scenario()?.rebuilt(|r| {
            r.exchange.initial_phase = crate::scenario::InitialPhase::Pending;
            r.exchange.suspension.base = Some(0.001824);
        })?;
        let results = run_engine(&s, 500)?;
        let drawn = draw_and_check(&results, &s)?;

        let caption = drawn.svg(Chart::ReturnedByDeadline);
        assert!(caption.contains("target: 1,200"));
        assert!(caption.contains("P(all 1,200 by 31 Dec 2025) = "));
        assert!(drawn.svg(Chart::Fan).contains("deadline 31 Dec 2025"));
        assert!(
            drawn
                .svg(Chart::Survival)
                .contains("Suspended at least once by")
        );
        assert!(drawn.svg(Chart::Phases).contains("collapsed"));
        // The data, not just the frame, is drawn: bars, the median line and
        // bands, and each phase colour fill a visible part of the chart
        // (a 10-pixel square is 100 pixels; the plot is about 1.2 million).
        assert!(count(drawn.png(Chart::ReturnedByDeadline), BLUE) > 20_000);
        assert!(count(drawn.png(Chart::Fan), tint(BLUE, 0.2)) > 20_000);
        assert!(count(drawn.png(Chart::Fan), tint(BLUE, 0.45)) > 20_000);
        assert!(count(drawn.png(Chart::Survival), BLUE) > 2_000);
        for c in [GREY, GREEN, ORANGE, BLUE] {
            assert!(count(drawn.png(Chart::Phases), c) > 5_000, "{c:?}");
        }
        Ok(())
    }

    #[test]
    fn scenario_without_pool_has_no_target_line_and_says_why() -> TestResult {
        let s = default_scenario()?.rebuilt(|r| r.target.pool = None)?;
        let results = run_engine(&s, 300)?;
        assert!(results.summary.probabilities.target_by_deadline.is_none());
        let drawn = draw_and_check(&results, &s)?;
        for (chart, text) in &drawn.svgs {
            assert!(!text.contains("target:"), "{chart:?} draws a target");
            assert!(!text.contains("P(all"), "{chart:?} gives P(target)");
        }
        assert!(
            drawn
                .svg(Chart::ReturnedByDeadline)
                .contains("sets no pool")
        );
        Ok(())
    }

    #[test]
    fn two_year_horizon_without_pool_draws() -> TestResult {
        let s = Scenario::from_toml_str(
            include_str!("../../scenarios/long-run.toml"),
            "long-run.toml",
        )?;
        assert_eq!(s.simulation().horizon_days, 730);
        let results = run_engine(&s, 200)?;
        let drawn = draw_and_check(&results, &s)?;
        // Two years of monthly ticks are thinned to at most eight labels
        // (a tick label is a line of the SVG that starts with the month).
        let fan = drawn.svg(Chart::Fan);
        let labels = MONTHS
            .iter()
            .map(|m| fan.matches(&format!("\n{m} 20")).count())
            .sum::<usize>();
        assert!(
            (4..=MAX_DATE_LABELS).contains(&labels),
            "{labels} date labels"
        );
        Ok(())
    }

    #[test]
    fn nobody_returned_still_draws_one_visible_bar_at_zero() -> TestResult {
        let s = default_scenario()?.rebuilt(|r| r.exchange.round_rate = 0.0)?;
        let results = run_engine(&s, 200)?;
        assert_eq!(results.summary.outcomes.returned_by_deadline.max, 0.0);
        assert_eq!(results.returned_by_deadline_bars.len(), 1);
        let drawn = draw_and_check(&results, &s)?;
        // One bar of 100%, at least MIN_BAR (6 SVG px, 12 PNG px) wide and
        // most of the plot tall.
        assert!(count(drawn.png(Chart::ReturnedByDeadline), BLUE) > 12 * 500);
        assert!(
            drawn
                .svg(Chart::ReturnedByDeadline)
                .contains("P(all 1,200 by 31 Dec 2025) = 0%")
        );
        Ok(())
    }

    #[test]
    fn identical_trials_give_zero_width_bands_without_error() -> TestResult {
        let s = default_scenario()?;
        let results = run_engine(&s, 1)?;
        assert!(
            results
                .daily
                .iter()
                .all(|r| r.returned_p5 == r.returned_p95)
        );
        let drawn = draw_and_check(&results, &s)?;
        // One trial has no interval for its mean: none is printed.
        assert!(
            drawn
                .svg(Chart::ReturnedByDeadline)
                .contains("too few trials for an interval")
        );
        Ok(())
    }

    #[test]
    fn unwritable_directory_is_an_error_naming_the_file() -> TestResult {
        let s = default_scenario()?;
        let results = run_engine(&s, 20)?;
        let dir = tempfile::tempdir()?;
        let missing = dir.path().join("no such directory");
        let err = match draw_run_charts(&results, &s, &missing) {
            Ok(_) => return Err("drawing into a missing directory succeeded".into()),
            Err(e) => e,
        };
        assert!(
            err.to_string().contains("returned_by_deadline.png"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn numbers_are_formatted_for_readers() {
        assert_eq!(crate::format::grouped(1200.0, 0), "1,200");
        assert_eq!(crate::format::grouped(1234567.891, 1), "1,234,567.9");
        assert_eq!(crate::format::grouped(999.6, 0), "1,000");
        assert_eq!(crate::format::grouped(-0.001, 1), "0.0");
        assert_eq!(fmt_tick(2.5), "2.5");
        assert_eq!(fmt_tick(20000.0), "20,000");
        assert_eq!(crate::format::percent(0.031), "3.1");
        assert_eq!(crate::format::percent(0.0), "0");
        assert_eq!(crate::format::percent(0.00019), "0.02");
        assert_eq!(crate::format::percent(0.00001), "<0.01");
        assert_eq!(crate::format::percent(0.9999999), ">99.99");
        assert_eq!(crate::format::percent(1.0), "100");
        assert_eq!(crate::format::percent_bound(0.999989), "100");
        assert_eq!(crate::format::percent_bound(0.99961), "99.96");
        assert_eq!(crate::format::percent_bound(0.00001), "0");
        assert_eq!(crate::format::percent_bound(0.0019), "0.19");
        assert_eq!(
            fmt_proportion(&Proportion {
                estimate: 0.031,
                ci95: [0.029, 0.034],
                count: 31
            }),
            "3.1%\u{a0}(95%\u{a0}CI\u{a0}2.9–3.4%)"
        );
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(fmt_date(date(2025, 12, 31)), "31 Dec 2025");
        assert_eq!(
            fmt_date_range(date(2026, 1, 25), date(2026, 1, 27)),
            "25–27 Jan 2026"
        );
        assert_eq!(
            fmt_date_range(date(2025, 12, 28), date(2026, 1, 3)),
            "28 Dec 2025 – 3 Jan 2026"
        );
    }

    #[test]
    fn date_ticks_fall_on_month_starts_and_thin_out() {
        let start = NaiveDate::from_ymd_opt(2025, 11, 16).unwrap_or_default();
        let half_year = DayAxis::new(start, 0, 179);
        assert_eq!(half_year.ticks, DateTicks::Months(1));
        assert_eq!(half_year.label(15.0), "Dec 2025");
        assert_eq!(half_year.tick_days()[0], 15);
        let two_years = DayAxis::new(start, 0, 729);
        assert_eq!(two_years.ticks, DateTicks::Months(3));
        assert!(two_years.tick_days().len() <= MAX_DATE_LABELS);
        let month = DayAxis::new(start, 0, 20);
        assert!(matches!(month.ticks, DateTicks::Days(_)));
        assert_eq!(month.label(0.0), "16 Nov 2025");
        // A one-day run still has a non-empty axis.
        let day = DayAxis::new(start, 0, 0);
        assert!(day.last > day.first);
    }
}
