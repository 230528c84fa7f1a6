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

use serde::Serialize;

/// Default share of the box's points removed by one peel (Friedman and
/// Fisher suggest 0.05 to 0.10).
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Peeling stops when the box holds fewer than this share of all points.
pub const MIN_SUPPORT: f64 = 0.05;
/// The box is chosen as the densest on the trajectory whose coverage is at
/// least this.
pub const DEFAULT_MIN_COVERAGE: f64 = 0.8;

/// Bounds of a box: `None` where a side is not restricted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bound {
    /// Index of the parameter.
    pub parameter: usize,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// One box of the peeling trajectory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Share of all events (points where the outcome crosses the
    /// threshold) inside the box.
    pub coverage: f64,
    /// Share of the box's points that are events.
    pub density: f64,
    /// Points inside the box.
    pub points: usize,
    /// Events inside the box.
    pub events: usize,
    /// The restricted bounds, in parameter order.
    pub bounds: Vec<Bound>,
}

/// The result of PRIM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discovery {
    pub alpha: f64,
    pub min_coverage: f64,
    /// Points and events in all.
    pub points: usize,
    pub events: usize,
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
        density,
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
}
