//! Charts of a scenario discovery (`discover`): the peeling trajectory and
//! the box found.
//!
//! PRIM's answer is a choice on a trade-off: a smaller box is denser in
//! the event but holds less of it. The trajectory chart shows every box
//! peeling passed through (coverage against density) with the chosen one
//! and its pasted form marked, so a reader sees what the box gave up. The
//! box chart shows, per restricted parameter, the box's bounds against the
//! parameter's whole range, so the restriction reads at a glance. Drawn
//! only from the typed result that `discover.json` holds.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::sensitivity::{bar, draw_rows, fmt_param};
use super::{
    BLUE, ChartSpec, DrawResult, Frame, GREEN, GREY, GRID_UNDER, Key, PlotError, Scale, VERMILLION,
    draw_mesh, finite, fmt_tick, frame, plot_builder, tint, write_chart,
};
use crate::jobs::discover::DiscoverResult;

fn footer(r: &DiscoverResult) -> String {
    format!(
        "swapsim discover · PRIM, peel {} · {} parameter sets",
        fmt_param(r.discovery.alpha),
        crate::format::grouped(r.discovery.points as f64, 0)
    )
}

struct Trajectory<'a>(&'a DiscoverResult);

impl ChartSpec for Trajectory<'_> {
    fn stem(&self) -> String {
        "prim_trajectory".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let r = self.0;
        let d = &r.discovery;
        let pct = |v: f64| 100.0 * finite(v);
        let points: Vec<(f64, f64)> = d
            .trajectory
            .iter()
            .map(|b| (pct(b.coverage), pct(b.density)))
            .collect();
        let f = Frame {
            title: format!("Peeling trajectory: {}", r.event()),
            notes: vec![format!(
                "Each dot is a box of assumptions that peeling passed through, from the whole \
                 space (coverage 100%) on: coverage is the share of the {} sets where it \
                 happens that lie in the box, density the share of the box's sets where it \
                 happens. The chosen box is the densest with coverage at least {:.0}%; pasting \
                 then widens it where that raises its density.",
                d.events,
                100.0 * d.min_coverage
            )],
            legend: vec![
                ("peeled boxes".to_string(), Key::Line(BLUE)),
                ("chosen box".to_string(), Key::Marker(VERMILLION)),
                ("after pasting".to_string(), Key::Marker(GREEN)),
            ],
        };
        let area = frame(root, s, &f, &footer(r))?;
        let mut chart = plot_builder(&area, s).build_cartesian_2d(0.0..105.0, 0.0..105.0)?;
        draw_mesh(
            &mut chart,
            s,
            GRID_UNDER,
            ("coverage (%)", "density (%)"),
            &|v| {
                if *v > 100.0 {
                    String::new()
                } else {
                    fmt_tick(*v)
                }
            },
            &|v| {
                if *v > 100.0 {
                    String::new()
                } else {
                    fmt_tick(*v)
                }
            },
        )?;
        chart.draw_series(std::iter::once(PathElement::new(
            points.clone(),
            s.line(BLUE, 1.5),
        )))?;
        let r_dot = (3.0 * s.k).round() as i32;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, r_dot, BLUE.filled())))?;
        let ring = (7.0 * s.k).round() as i32;
        if let Some(&chosen) = points.get(d.chosen) {
            chart.draw_series(std::iter::once(Circle::new(
                chosen,
                ring,
                s.line(VERMILLION, 2.0),
            )))?;
        }
        chart.draw_series(std::iter::once(Circle::new(
            (pct(d.found.coverage), pct(d.found.density)),
            ring + (3.0 * s.k).round() as i32,
            s.line(GREEN, 2.0),
        )))?;
        Ok(())
    }
}

struct BoxChart<'a>(&'a DiscoverResult);

impl ChartSpec for BoxChart<'_> {
    fn stem(&self) -> String {
        "prim_box".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<(), DB> {
        let r = self.0;
        let found = &r.discovery.found;
        let f = Frame {
            title: format!("Where {}", r.event()),
            notes: vec![format!(
                "Each row is a parameter the box restricts: the grey bar is its whole range \
                 over the sets, the blue bar the part inside the box. The box holds {} of the \
                 {} sets (coverage {:.0}%: share of the sets where it happens) and it happens \
                 in {:.0}% of its sets (density), against {:.0}% over all sets. Parameters not \
                 shown are not restricted.",
                found.events,
                r.discovery.events,
                100.0 * found.coverage,
                100.0 * found.density,
                100.0 * r.discovery.events as f64 / r.discovery.points.max(1) as f64
            )],
            legend: vec![
                ("whole range".to_string(), Key::Fill(tint(GREY, 0.45))),
                ("inside the box".to_string(), Key::Fill(BLUE)),
            ],
        };
        let area = frame(root, s, &f, &footer(r))?;
        // Each parameter on its own scale: 0% at its lowest value over the
        // sets, 100% at its highest.
        let rows: Vec<(String, Option<String>, f64, f64)> = found
            .bounds
            .iter()
            .map(|b| {
                let name = r
                    .parameters
                    .get(b.parameter)
                    .cloned()
                    .unwrap_or_else(|| format!("parameter {}", b.parameter));
                let [lo, hi] = r
                    .discovery
                    .ranges
                    .get(b.parameter)
                    .copied()
                    .unwrap_or([0.0, 1.0]);
                let span = if hi > lo { hi - lo } else { 1.0 };
                let (l, u) = (b.lower.unwrap_or(lo), b.upper.unwrap_or(hi));
                let sub = format!(
                    "{} to {} of {} to {}",
                    fmt_param(l),
                    fmt_param(u),
                    fmt_param(lo),
                    fmt_param(hi)
                );
                (
                    name,
                    Some(sub),
                    100.0 * (l - lo) / span,
                    100.0 * (u - lo) / span,
                )
            })
            .collect();
        if rows.is_empty() {
            area.draw(&Text::new(
                "No box of parameters singles the event out.".to_string(),
                (s.k as i32 * 40, s.k as i32 * 40),
                s.font(14.0),
            ))?;
            return Ok(());
        }
        let labels: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|(n, sub, _, _)| (n.clone(), sub.clone()))
            .collect();
        let layout = draw_rows(
            &area,
            s,
            &labels,
            (0.0, 100.0),
            (0, 0),
            Some(0.0),
            "position in the parameter's range over the sets (%)",
        )?;
        for (i, (_, _, a, b)) in rows.iter().enumerate() {
            bar(&area, &layout, i, (0.0, 100.0), 0.5, 0.0, tint(GREY, 0.45))?;
            bar(&area, &layout, i, (finite(*a), finite(*b)), 0.5, 0.0, BLUE)?;
        }
        Ok(())
    }
}

/// Writes `prim_trajectory` and `prim_box` (PNG and SVG) into `dir`;
/// returns the paths.
pub fn draw_prim_charts(r: &DiscoverResult, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = write_chart(dir, &Trajectory(r))?;
    out.extend(write_chart(dir, &BoxChart(r))?);
    Ok(out)
}
