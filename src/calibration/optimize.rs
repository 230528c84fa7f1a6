//! Small numerical optimisers for likelihoods of a few parameters.
//!
//! The fits in this crate have one to three parameters and cheap,
//! smooth likelihoods, so derivative-free methods that are short enough to
//! read in full serve better than a dependency: the Nelder–Mead simplex for
//! several parameters, golden-section search for one, and bisection for the
//! ends of profile-likelihood intervals. Everything is deterministic: the
//! same inputs give the same bits.

/// Result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    /// Function evaluations used.
    pub evaluations: usize,
}

/// Settings of [`nelder_mead`].
#[derive(Debug, Clone, Copy)]
pub struct NelderMead {
    /// Size of the initial simplex along each axis.
    pub step: f64,
    /// Stop when the simplex's values differ by less than this...
    pub f_tol: f64,
    /// ...and its vertices by less than this in every coordinate.
    pub x_tol: f64,
    /// Stop after this many evaluations whatever the tolerances say.
    pub max_evaluations: usize,
}

impl Default for NelderMead {
    fn default() -> Self {
        NelderMead {
            step: 0.5,
            f_tol: 1e-10,
            x_tol: 1e-7,
            max_evaluations: 4000,
        }
    }
}

/// Minimises `f` from `start` by the Nelder–Mead simplex method (Nelder
/// and Mead, 1965, with the standard coefficients: reflection 1, expansion
/// 2, contraction 1/2, shrinkage 1/2, as in Lagarias et al., 1998). The best
/// vertex never gets worse, so the result is at least as good as `start`.
/// A NaN value counts as +infinity.
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, start: &[f64], opts: NelderMead) -> Minimum {
    let n = start.len();
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut evaluations = 0;
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), eval(start)));
    evaluations += 1;
    for i in 0..n {
        let mut x = start.to_vec();
        x[i] += opts.step;
        let v = eval(&x);
        simplex.push((x, v));
        evaluations += 1;
    }
    if n == 0 {
        let (x, value) = simplex.swap_remove(0);
        return Minimum {
            x,
            value,
            evaluations,
        };
    }
    let order = |s: &mut Vec<(Vec<f64>, f64)>| {
        s.sort_by(|a, b| a.1.total_cmp(&b.1));
    };
    let along = |from: &[f64], to: &[f64], t: f64| -> Vec<f64> {
        from.iter().zip(to).map(|(a, b)| a + t * (b - a)).collect()
    };
    order(&mut simplex);
    while evaluations < opts.max_evaluations {
        let best = simplex[0].1;
        let worst = simplex[n].1;
        let spread_f = (worst - best).abs();
        let spread_x = simplex[1..]
            .iter()
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread_f <= opts.f_tol && spread_x <= opts.x_tol {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let worst_x = simplex[n].0.clone();
        // Reflection: the point opposite the worst vertex.
        let reflected = along(&centroid, &worst_x, -1.0);
        let fr = eval(&reflected);
        evaluations += 1;
        if fr < simplex[0].1 {
            let expanded = along(&centroid, &worst_x, -2.0);
            let fe = eval(&expanded);
            evaluations += 1;
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            // Contraction, outside if the reflection improved on the worst.
            let (point, fc) = if fr < worst {
                let c = along(&centroid, &worst_x, -0.5);
                let v = eval(&c);
                (c, v)
            } else {
                let c = along(&centroid, &worst_x, 0.5);
                let v = eval(&c);
                (c, v)
            };
            evaluations += 1;
            if fc < worst.min(fr) {
                simplex[n] = (point, fc);
            } else {
                // Shrink every vertex towards the best.
                let best_x = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let x = along(&best_x, &vertex.0, 0.5);
                    let v = eval(&x);
                    *vertex = (x, v);
                    evaluations += 1;
                }
            }
        }
        order(&mut simplex);
    }
    let (x, value) = simplex.swap_remove(0);
    Minimum {
        x,
        value,
        evaluations,
    }
}

/// The maximum of a unimodal `f` on `[lo, hi]` by golden-section search,
/// to within `tol` in x. Returns (x, f(x)).
pub fn golden_max(f: impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64) -> (f64, f64) {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc >= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    // The ends may be better than the interior (a maximum on the boundary).
    [(lo, f(lo)), (hi, f(hi)), (c, fc), (d, fd)]
        .into_iter()
        .fold(
            (c, f64::NEG_INFINITY),
            |best, p| if p.1 > best.1 { p } else { best },
        )
}

/// The point between `inside` (where `g` is negative) and `outside` (where
/// it is not) at which `g` crosses zero, by bisection to within `tol`.
pub fn bisect(g: impl Fn(f64) -> f64, mut inside: f64, mut outside: f64, tol: f64) -> f64 {
    for _ in 0..200 {
        if (outside - inside).abs() <= tol {
            break;
        }
        let mid = 0.5 * (inside + outside);
        if g(mid) < 0.0 {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    0.5 * (inside + outside)
}

/// Where a profile log-likelihood `drop(x) = max - profile(x)` reaches
/// `critical` on one side of the maximum at `x_hat`, searching from
/// `x_hat` in steps of `step` (negative to go down) and never past `limit`.
/// Returns `limit` if the drop stays below `critical` all the way: the
/// interval is then open at that end.
pub fn profile_end(
    drop: impl Fn(f64) -> f64,
    x_hat: f64,
    step: f64,
    limit: f64,
    critical: f64,
    tol: f64,
) -> f64 {
    let beyond = |x: f64| if step > 0.0 { x >= limit } else { x <= limit };
    let mut inside = x_hat;
    let mut x = x_hat + step;
    let mut step = step;
    loop {
        if beyond(x) {
            if drop(limit) < critical {
                return limit;
            }
            x = limit;
            break;
        }
        if drop(x) >= critical {
            break;
        }
        inside = x;
        step *= 1.6;
        x += step;
    }
    bisect(|v| drop(v) - critical, inside, x, tol)
}

/// Inverse of a symmetric positive-definite 3x3 (or smaller) matrix, by
/// Gauss–Jordan elimination with partial pivoting; `None` if it is
/// singular.
pub fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 || !a[pivot][col].is_finite() {
            return None;
        }
        a.swap(col, pivot);
        let p = a[col][col];
        for v in a[col].iter_mut() {
            *v /= p;
        }
        for row in 0..n {
            if row != col {
                let factor = a[row][col];
                let pivot_row = a[col].clone();
                for (v, pv) in a[row].iter_mut().zip(&pivot_row) {
                    *v -= factor * pv;
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// The Hessian of `f` at `x` by central differences with step `h`.
pub fn hessian(f: impl Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<Vec<f64>> {
    let n = x.len();
    let at = |di: usize, si: f64, dj: usize, sj: f64| {
        let mut y = x.to_vec();
        y[di] += si * h;
        y[dj] += sj * h;
        f(&y)
    };
    let f0 = f(x);
    let entry = |i: usize, j: usize| {
        if i == j {
            let mut up = x.to_vec();
            up[i] += h;
            let mut down = x.to_vec();
            down[i] -= h;
            (f(&up) - 2.0 * f0 + f(&down)) / (h * h)
        } else {
            (at(i, 1.0, j, 1.0) - at(i, 1.0, j, -1.0) - at(i, -1.0, j, 1.0) + at(i, -1.0, j, -1.0))
                / (4.0 * h * h)
        }
    };
    // Each off-diagonal entry is computed once, for i < j, and mirrored.
    let upper: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if j >= i { entry(i, j) } else { 0.0 })
                .collect()
        })
        .collect();
    (0..n)
        .map(|i| (0..n).map(|j| upper[i.min(j)][i.max(j)]).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_the_minimum_of_rosenbrocks_valley() {
        let f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = nelder_mead(f, &[-1.2, 1.0], NelderMead::default());
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{m:?}"
        );
    }

    #[test]
    fn golden_section_finds_an_interior_and_a_boundary_maximum() {
        let (x, _) = golden_max(|x| -(x - 0.3).powi(2), -2.0, 2.0, 1e-9);
        assert!((x - 0.3).abs() < 1e-6);
        let (x, _) = golden_max(|x| x, 0.0, 1.0, 1e-9);
        assert_eq!(x, 1.0);
    }

    #[test]
    fn a_quadratic_profile_ends_where_it_drops_by_the_critical_value() {
        // drop(x) = x^2 / 2 reaches 1.92 at x = sqrt(3.84).
        let end = profile_end(|x| x * x / 2.0, 0.0, 0.1, 100.0, 1.92, 1e-10);
        assert!((end - 3.84f64.sqrt()).abs() < 1e-8, "{end}");
        let open = profile_end(|x| x.abs().min(1.0), 0.0, -0.1, -5.0, 1.92, 1e-10);
        assert_eq!(open, -5.0);
    }

    #[test]
    fn a_matrix_times_its_inverse_is_the_identity() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let inv = invert(&m).unwrap();
        for (i, row) in m.iter().enumerate() {
            for j in 0..3 {
                let v: f64 = row.iter().zip(&inv).map(|(a, r)| a * r[j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
