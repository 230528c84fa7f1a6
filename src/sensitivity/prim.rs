//! Scenario discovery: the boxes of assumptions where an outcome crosses a
//! threshold, by PRIM (Friedman and Fisher's patient rule induction
//! method, 1999).
//!
//! A researcher with an ensemble asks not only how far the answer moves but
//! *when* it turns bad: "no round by the deadline is likely mostly when
//! confirmation is slow and ...". PRIM answers with a box (a lower and/or
//! upper bound on a few parameters) holding most of the sets where the
//! event happens (coverage) and few where it does not (density). Peeling
//! shrinks the box a small share `alpha` of its points at a time, always on
//! the side and parameter that raise the density most, which traces the
//! coverage–density trade-off; the box is chosen on that trajectory at a
//! stated point, then pasting widens it again where that raises density.
//! Only the parameters the box restricts are reported.

use crate::stats::interval::wilson95;
use serde::{Deserialize, Serialize};

/// Default share of the box's points removed by one peel (Friedman and
/// Fisher suggest 0.05 to 0.10).
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Peeling stops when the box holds fewer than this share of all points.
pub const MIN_SUPPORT: f64 = 0.05;
/// The box is chosen as the densest on the trajectory whose coverage is at
/// least this.
pub const DEFAULT_MIN_COVERAGE: f64 = 0.8;

/// Bounds of a box: `None` where a side is not restricted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// Index of the parameter.
    pub parameter: usize,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// One box of the peeling trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Share of all events (points where the outcome crosses the
    /// threshold) inside the box.
    pub coverage: f64,
    /// Wilson score interval (95%) of the coverage, as a share of the
    /// events: the error from drawing a finite number of sets.
    pub coverage_ci95: [f64; 2],
    /// Share of the box's points that are events.
    pub density: f64,
    /// Wilson score interval (95%) of the density.
    pub density_ci95: [f64; 2],
    /// Points inside the box.
    pub points: usize,
    /// Events inside the box.
    pub events: usize,
    /// The restricted bounds, in parameter order.
    pub bounds: Vec<Bound>,
}

/// The result of PRIM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    pub alpha: f64,
    pub min_coverage: f64,
    /// Points and events in all.
    pub points: usize,
    pub events: usize,
    /// Each parameter's lowest and highest value over the points: the
    /// whole space the boxes restrict.
    pub ranges: Vec<[f64; 2]>,
    /// The peeling trajectory, from the whole space on.
    pub trajectory: Vec<Step>,
    /// Index into the trajectory of the box chosen before pasting.
    pub chosen: usize,
    /// The chosen box after pasting.
    pub found: Step,
}

/// A box as lower and upper bounds on every parameter.
#[derive(Debug, Clone, PartialEq)]
struct Limits {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Limits {
    fn holds(&self, x: &[f64]) -> bool {
        x.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(v, (lo, hi))| lo <= v && v <= hi)
    }
}

/// Coverage, density and counts of `limits` over the points.
fn measure(
    limits: &Limits,
    x: &[Vec<f64>],
    y: &[bool],
    total_events: usize,
) -> (f64, f64, usize, usize) {
    let (mut n, mut e) = (0, 0);
    for (p, &event) in x.iter().zip(y) {
        if limits.holds(p) {
            n += 1;
            e += usize::from(event);
        }
    }
    let coverage = if total_events > 0 {
        e as f64 / total_events as f64
    } else {
        0.0
    };
    let density = if n > 0 { e as f64 / n as f64 } else { 0.0 };
    (coverage, density, n, e)
}

fn step(limits: &Limits, full: &Limits, x: &[Vec<f64>], y: &[bool], events: usize) -> Step {
    let (coverage, density, points, inside) = measure(limits, x, y, events);
    let bounds = (0..limits.lo.len())
        .filter_map(|i| {
            let lower = (limits.lo[i] > full.lo[i]).then_some(limits.lo[i]);
            let upper = (limits.hi[i] < full.hi[i]).then_some(limits.hi[i]);
            (lower.is_some() || upper.is_some()).then_some(Bound {
                parameter: i,
                lower,
                upper,
            })
        })
        .collect();
    Step {
        coverage,
        coverage_ci95: wilson95(inside as u64, events as u64),
        density,
        density_ci95: wilson95(inside as u64, points as u64),
        points,
        events: inside,
        bounds,
    }
}

/// The candidate peels of `limits`: for each parameter, the box without
/// the `alpha` share of its points lowest in it, and without the highest.
fn peels(limits: &Limits, x: &[Vec<f64>], alpha: f64) -> Vec<Limits> {
    let inside: Vec<&Vec<f64>> = x.iter().filter(|p| limits.holds(p)).collect();
    let mut out = Vec::new();
    for i in 0..limits.lo.len() {
        let mut v: Vec<f64> = inside.iter().map(|p| p[i]).collect();
        v.sort_by(f64::total_cmp);
        if v.len() < 2 {
            continue;
        }
        let k = ((alpha * v.len() as f64).ceil() as usize).clamp(1, v.len() - 1);
        // Cut strictly between values, so that ties leave together.
        let low_cut = v[k];
        if low_cut > v[0] {
            let mut l = limits.clone();
            l.lo[i] = low_cut;
            out.push(l);
        }
        let high_cut = v[v.len() - 1 - k];
        if high_cut < v[v.len() - 1] {
            let mut l = limits.clone();
            l.hi[i] = high_cut;
            out.push(l);
        }
    }
    out
}

/// Widens each restricted side of `limits` to take in the `alpha` share of
/// its points nearest outside it, while that raises the density.
fn paste(
    mut limits: Limits,
    full: &Limits,
    x: &[Vec<f64>],
    y: &[bool],
    events: usize,
    alpha: f64,
) -> Limits {
    loop {
        let (_, density, n, _) = measure(&limits, x, y, events);
        let grow = ((alpha * n as f64).ceil() as usize).max(1);
        let mut best: Option<(f64, Limits)> = None;
        for i in 0..limits.lo.len() {
            for lower in [true, false] {
                let restricted = if lower {
                    limits.lo[i] > full.lo[i]
                } else {
                    limits.hi[i] < full.hi[i]
                };
                if !restricted {
                    continue;
                }
                // Points that satisfy every other bound, outside on this side.
                let mut outside: Vec<f64> = x
                    .iter()
                    .filter(|p| {
                        (0..p.len())
                            .all(|j| j == i || (limits.lo[j] <= p[j] && p[j] <= limits.hi[j]))
                    })
                    .map(|p| p[i])
                    .filter(|&v| {
                        if lower {
                            v < limits.lo[i]
                        } else {
                            v > limits.hi[i]
                        }
                    })
                    .collect();
                if outside.is_empty() {
                    continue;
                }
                outside.sort_by(f64::total_cmp);
                let mut wider = limits.clone();
                if lower {
                    let take = grow.min(outside.len());
                    wider.lo[i] = outside[outside.len() - take];
                } else {
                    wider.hi[i] = outside[grow.min(outside.len()) - 1];
                }
                let (_, d, _, _) = measure(&wider, x, y, events);
                if d > density && best.as_ref().is_none_or(|(bd, _)| d > *bd) {
                    best = Some((d, wider));
                }
            }
        }
        match best {
            Some((_, wider)) => limits = wider,
            None => return limits,
        }
    }
}

/// PRIM on points `x` (one row per parameter set, every row the same
/// length) with `y` marking the events: peels by `alpha` until the box
/// holds fewer than [`MIN_SUPPORT`] of the points, chooses the densest box
/// whose coverage is at least `min_coverage` (the first box if none is),
/// and pastes it.
///
/// # Panics
/// If `x` and `y` differ in length or `x` is empty.
pub fn discover(x: &[Vec<f64>], y: &[bool], alpha: f64, min_coverage: f64) -> Discovery {
    assert!(
        !x.is_empty() && x.len() == y.len(),
        "one event flag per point"
    );
    let d = x[0].len();
    let events = y.iter().filter(|e| **e).count();
    let full = Limits {
        lo: (0..d)
            .map(|i| x.iter().map(|p| p[i]).fold(f64::INFINITY, f64::min))
            .collect(),
        hi: (0..d)
            .map(|i| x.iter().map(|p| p[i]).fold(f64::NEG_INFINITY, f64::max))
            .collect(),
    };
    let mut boxes = vec![full.clone()];
    let min_points = (MIN_SUPPORT * x.len() as f64).ceil() as usize;
    loop {
        let current = &boxes[boxes.len() - 1];
        let best = peels(current, x, alpha)
            .into_iter()
            .map(|l| {
                let (_, density, n, _) = measure(&l, x, y, events);
                (density, n, l)
            })
            .filter(|(_, n, _)| *n >= min_points)
            // Highest density; on a tie, the peel that keeps more points.
            .fold(None::<(f64, usize, Limits)>, |best, c| match best {
                Some(b) if (b.0, b.1) >= (c.0, c.1) => Some(b),
                _ => Some(c),
            });
        match best {
            Some((_, _, l)) => boxes.push(l),
            None => break,
        }
    }
    let trajectory: Vec<Step> = boxes.iter().map(|l| step(l, &full, x, y, events)).collect();
    let chosen = trajectory
        .iter()
        .enumerate()
        .filter(|(_, s)| s.coverage >= min_coverage)
        .fold(0, |best, (k, s)| {
            if s.density > trajectory[best].density {
                k
            } else {
                best
            }
        });
    let pasted = paste(boxes[chosen].clone(), &full, x, y, events, alpha);
    Discovery {
        alpha,
        min_coverage,
        points: x.len(),
        events,
        ranges: full
            .lo
            .iter()
            .zip(&full.hi)
            .map(|(&l, &h)| [l, h])
            .collect(),
        found: step(&pasted, &full, x, y, events),
        trajectory,
        chosen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn prim_recovers_a_planted_box() {
        // 1,024 points uniform on [0, 1]^4; the event happens inside
        // x0 < 0.3 and x2 > 0.6 (12% of the space) and, as noise, in 2% of
        // the points outside. The ideal box has coverage about 0.87 (the
        // noise events outside it are out of reach) and density 1. Allowing
        // for the peel steps of 5% and the sampling of 1,024 points
        // (binomial sd of a 12% share about 1 point in 100), the box found
        // must restrict exactly x0 from above and x2 from below, near the
        // planted edges, with coverage at least 0.75 and density at least
        // 0.85.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let x: Vec<Vec<f64>> = (0..1024)
            .map(|_| (0..4).map(|_| rng.random::<f64>()).collect())
            .collect();
        let y: Vec<bool> = x
            .iter()
            .map(|p| (p[0] < 0.3 && p[2] > 0.6) || rng.random::<f64>() < 0.02)
            .collect();
        let r = discover(&x, &y, DEFAULT_ALPHA, 0.75);
        let b = &r.found;
        assert!(b.coverage >= 0.75 && b.density >= 0.85, "{b:?}");
        let dims: Vec<usize> = b.bounds.iter().map(|b| b.parameter).collect();
        assert_eq!(dims, [0, 2], "{b:?}");
        let upper0 = b.bounds[0].upper.unwrap();
        let lower2 = b.bounds[1].lower.unwrap();
        assert!((upper0 - 0.3).abs() < 0.05, "{upper0}");
        assert!((lower2 - 0.6).abs() < 0.05, "{lower2}");
        assert!(b.bounds[0].lower.is_none() && b.bounds[1].upper.is_none());
        // The trajectory trades coverage for density.
        let first = &r.trajectory[0];
        assert_eq!((first.coverage, first.points), (1.0, 1024));
        assert!(r.trajectory.last().unwrap().density > first.density);
    }

    #[test]
    fn the_chosen_box_is_the_densest_with_enough_coverage_and_pasting_only_raises_density() {
        // An event in a band 0.4 < x0 < 0.7 with noise: peeling from both
        // sides passes through boxes on either side of the stated coverage.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let x: Vec<Vec<f64>> = (0..600)
            .map(|_| (0..3).map(|_| rng.random::<f64>()).collect())
            .collect();
        let y: Vec<bool> = x
            .iter()
            .map(|p| (p[0] > 0.4 && p[0] < 0.7) != (rng.random::<f64>() < 0.1))
            .collect();
        for min_coverage in [0.5, 0.8, 0.95] {
            let r = discover(&x, &y, 0.1, min_coverage);
            let chosen = &r.trajectory[r.chosen];
            assert!(
                chosen.coverage >= min_coverage,
                "{min_coverage}: {chosen:?}"
            );
            for s in r.trajectory.iter().filter(|s| s.coverage >= min_coverage) {
                assert!(s.density <= chosen.density, "{min_coverage}: {s:?}");
            }
            // Pasting widens the chosen box only where that raises its
            // density, so the box found is at least as dense.
            assert!(r.found.density >= chosen.density, "{r:?}");
            assert!(r.found.points >= chosen.points, "{r:?}");
            // Each interval holds its share.
            for s in r.trajectory.iter().chain([&r.found]) {
                assert!(s.coverage_ci95[0] <= s.coverage && s.coverage <= s.coverage_ci95[1]);
                assert!(s.density_ci95[0] <= s.density && s.density <= s.density_ci95[1]);
            }
        }
        assert_eq!(r_ranges(&x).len(), 3);
    }

    fn r_ranges(x: &[Vec<f64>]) -> Vec<[f64; 2]> {
        let y: Vec<bool> = (0..x.len()).map(|k| k % 2 == 0).collect();
        let r = discover(x, &y, DEFAULT_ALPHA, DEFAULT_MIN_COVERAGE);
        for (i, [lo, hi]) in r.ranges.iter().enumerate() {
            let lowest = x.iter().map(|p| p[i]).fold(f64::INFINITY, f64::min);
            let highest = x.iter().map(|p| p[i]).fold(f64::NEG_INFINITY, f64::max);
            assert_eq!((*lo, *hi), (lowest, highest));
        }
        r.ranges
    }

    #[test]
    fn pasting_widens_a_box_while_that_raises_its_density() {
        // 1,000 points on a grid over [0, 1]; the event holds for
        // 0.1 <= x < 0.5. A box cut at 0.3 from above has density 2/3;
        // taking in the points just above it, all events, raises that,
        // until the next step would take in points beyond 0.5 (no events).
        // Steps take 5% of the box's points, at most about 25 points (0.025)
        // here, so the pasted bound lies within 0.025 below 0.5.
        let x: Vec<Vec<f64>> = (0..1000).map(|k| vec![(k as f64 + 0.5) / 1000.0]).collect();
        let y: Vec<bool> = x.iter().map(|p| p[0] >= 0.1 && p[0] < 0.5).collect();
        let full = Limits {
            lo: vec![0.0005],
            hi: vec![0.9995],
        };
        let cut = Limits {
            lo: vec![0.0005],
            hi: vec![0.3],
        };
        let events = y.iter().filter(|e| **e).count();
        let pasted = paste(cut.clone(), &full, &x, &y, events, 0.05);
        let hi = pasted.hi[0];
        assert!(hi > 0.475 && hi < 0.5, "{hi}");
        // The lower side was not restricted, so it stays where it was.
        assert_eq!(pasted.lo, cut.lo);
        let (_, before, _, _) = measure(&cut, &x, &y, events);
        let (_, after, _, _) = measure(&pasted, &x, &y, events);
        assert!(after > before, "{before} -> {after}");
    }
}
