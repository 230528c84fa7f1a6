//! Sampling designs in the unit hypercube `[0, 1]^d`.
//!
//! Each coordinate of a design point is a probability level; the law of the
//! matching uncertainty turns it into a parameter value through its
//! quantile function, so the same design serves every mix of ranges and
//! distributions.
//!
//! The Saltelli design uses an Owen-scrambled Sobol sequence
//! (`sobol_burley`: Burley's hash-based Owen scrambling of the Sobol
//! sequence with Joe–Kuo direction numbers). Its power-of-two prefixes are
//! stratified in every coordinate, so the variance integrals converge
//! faster than with independent random points, and the scrambling keeps the
//! estimators unbiased. The generator offers 2^16 points in 256 dimensions:
//! up to 65,536 base samples and 128 uncertainties.

use rand::{Rng, RngExt};

/// Most base samples of a Saltelli design (the Sobol generator's length).
pub const MAX_SOBOL_SAMPLES: usize = 1 << 16;
/// Most uncertainties in a Saltelli design: it uses two Sobol dimensions
/// per uncertainty, and the generator has 256.
pub const MAX_SOBOL_DIMENSIONS: usize = 128;

/// What makes a design impossible to build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    #[error(
        "--samples {0} is not allowed: a Sobol design needs a power of two from 2 to {MAX_SOBOL_SAMPLES} \
         (such as 256, 512, 1024 or 2048), so that its points stay evenly spread"
    )]
    Samples(usize),
    #[error(
        "--assumptions {0} is not allowed: an ensemble takes 1 to {MAX_SOBOL_SAMPLES} parameter \
         sets (or 0 for the central values only)"
    )]
    Sets(usize),
    #[error("a Sobol design takes 1 to {MAX_SOBOL_DIMENSIONS} uncertainties; this one has {0}")]
    Dimensions(usize),
    #[error(
        "--levels {0} is not allowed: Morris designs need an even number of levels from 2 to 20"
    )]
    Levels(usize),
    #[error("--trajectories {0} is not allowed: Morris designs need 2 to 10000 trajectories")]
    Trajectories(usize),
}

/// A Saltelli (2010) design for first- and total-order Sobol indices:
/// matrices `A` and `B` of `n` points in `d` dimensions, and for each `i`
/// the matrix `AB_i`, which is `A` with column `i` taken from `B`. The
/// points are stored row by row in the order `A_j, AB_1j, ..., AB_dj, B_j`
/// (as SALib stores them), `n (d + 2)` points in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    pub n: usize,
    pub d: usize,
    pub points: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// Points per base sample: `A`, each `AB_i`, and `B`.
    pub fn stride(&self) -> usize {
        self.d + 2
    }
}

/// Builds a Saltelli design from the first `n` points of a `2d`-dimensional
/// Owen-scrambled Sobol sequence: the first `d` coordinates form `A`, the
/// last `d` form `B`. `seed` selects the scrambling.
pub fn saltelli(n: usize, d: usize, seed: u32) -> Result<SaltelliDesign, DesignError> {
    if !(2..=MAX_SOBOL_SAMPLES).contains(&n) || !n.is_power_of_two() {
        return Err(DesignError::Samples(n));
    }
    if !(1..=MAX_SOBOL_DIMENSIONS).contains(&d) {
        return Err(DesignError::Dimensions(d));
    }
    let coordinate =
        |j: usize, dim: usize| f64::from(sobol_burley::sample(j as u32, dim as u32, seed));
    let mut points = Vec::with_capacity(n * (d + 2));
    for j in 0..n {
        let a: Vec<f64> = (0..d).map(|i| coordinate(j, i)).collect();
        let b: Vec<f64> = (0..d).map(|i| coordinate(j, d + i)).collect();
        points.push(a.clone());
        for i in 0..d {
            let mut ab = a.clone();
            ab[i] = b[i];
            points.push(ab);
        }
        points.push(b);
    }
    Ok(SaltelliDesign { n, d, points })
}

/// The first `n` points of a `d`-dimensional Owen-scrambled Sobol sequence,
/// `seed` selecting the scrambling: a space-filling design for an ensemble
/// of parameter sets. Any prefix is evenly spread in every coordinate, and
/// a power-of-two prefix is stratified in every pair of coordinates, so
/// the across-set percentiles settle faster than with independent points;
/// the scrambling keeps each point uniform on the unit cube.
pub fn sobol_points(n: usize, d: usize, seed: u32) -> Result<Vec<Vec<f64>>, DesignError> {
    if !(1..=MAX_SOBOL_SAMPLES).contains(&n) {
        return Err(DesignError::Sets(n));
    }
    if !(1..=MAX_SOBOL_DIMENSIONS).contains(&d) {
        return Err(DesignError::Dimensions(d));
    }
    Ok((0..n)
        .map(|j| {
            (0..d)
                .map(|i| f64::from(sobol_burley::sample(j as u32, i as u32, seed)))
                .collect()
        })
        .collect())
}

/// One Morris trajectory: `d + 1` points, each differing from the one
/// before in a single coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub points: Vec<Vec<f64>>,
    /// `order[k]` is the coordinate changed from point `k` to point `k + 1`.
    pub order: Vec<usize>,
    /// `step[k]` is that change: `+delta` or `-delta`.
    pub step: Vec<f64>,
}

/// `r` Morris (1991) trajectories in `d` dimensions on a grid of `levels`
/// levels `0, 1/(levels-1), ..., 1`, with the step
/// `delta = levels / (2 (levels - 1))` that Morris recommends (2/3 for 4
/// levels), so that every level is visited equally often. Each trajectory
/// starts at a random grid point, moves each coordinate once, in random
/// order, by `+delta` or `-delta`.
pub fn morris<R: Rng>(
    r: usize,
    d: usize,
    levels: usize,
    rng: &mut R,
) -> Result<Vec<Trajectory>, DesignError> {
    if !(2..=20).contains(&levels) || !levels.is_multiple_of(2) {
        return Err(DesignError::Levels(levels));
    }
    if !(2..=10_000).contains(&r) {
        return Err(DesignError::Trajectories(r));
    }
    if d == 0 {
        return Err(DesignError::Dimensions(d));
    }
    let spacing = 1.0 / (levels - 1) as f64;
    let delta = levels as f64 / (2.0 * (levels - 1) as f64);
    // Starting levels j / (levels - 1) with j / (levels - 1) + delta <= 1.
    let starts = levels / 2;
    let mut out = Vec::with_capacity(r);
    for _ in 0..r {
        let low: Vec<f64> = (0..d)
            .map(|_| rng.random_range(0..starts) as f64 * spacing)
            .collect();
        let up: Vec<bool> = (0..d).map(|_| rng.random_bool(0.5)).collect();
        // Fisher–Yates shuffle of the order in which coordinates move.
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let mut x: Vec<f64> = (0..d)
            .map(|i| if up[i] { low[i] } else { low[i] + delta })
            .collect();
        let mut points = Vec::with_capacity(d + 1);
        let mut step = Vec::with_capacity(d);
        points.push(x.clone());
        for &i in &order {
            let s = if up[i] { delta } else { -delta };
            // Land exactly on a grid level, whatever the rounding of s.
            x[i] = if up[i] { low[i] + delta } else { low[i] };
            step.push(s);
            points.push(x.clone());
        }
        out.push(Trajectory {
            points,
            order,
            step,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn saltelli_rows_differ_from_a_in_one_column_each() {
        let design = saltelli(8, 3, 7).unwrap();
        assert_eq!(design.points.len(), 8 * 5);
        for row in design.points.chunks(design.stride()) {
            let (a, b) = (&row[0], &row[4]);
            for i in 0..3 {
                let ab = &row[1 + i];
                for k in 0..3 {
                    assert_eq!(ab[k], if k == i { b[k] } else { a[k] });
                }
            }
        }
    }

    #[test]
    fn saltelli_columns_are_stratified() {
        // Each of 1024 points falls in its own 1/1024 of every coordinate.
        let design = saltelli(1024, 4, 3).unwrap();
        for (matrix, position) in [("A", 0), ("B", 5)] {
            for dim in 0..4 {
                let mut cells = vec![0; 1024];
                for row in design.points.chunks(design.stride()) {
                    cells[(row[position][dim] * 1024.0) as usize] += 1;
                }
                assert!(cells.iter().all(|&c| c == 1), "{matrix}, dimension {dim}");
            }
        }
    }

    #[test]
    fn saltelli_rejects_sizes_it_cannot_build() {
        assert_eq!(saltelli(1000, 3, 0), Err(DesignError::Samples(1000)));
        assert_eq!(saltelli(1 << 17, 3, 0), Err(DesignError::Samples(1 << 17)));
        assert_eq!(saltelli(64, 129, 0), Err(DesignError::Dimensions(129)));
    }

    #[test]
    fn morris_trajectories_move_each_coordinate_once_by_delta() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let t = morris(50, 5, 4, &mut rng).unwrap();
        let grid = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0];
        for traj in &t {
            let mut sorted = traj.order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
            for k in 0..5 {
                let (p, q) = (&traj.points[k], &traj.points[k + 1]);
                let i = traj.order[k];
                assert!((q[i] - p[i] - traj.step[k]).abs() < 1e-12);
                assert!((traj.step[k].abs() - 2.0 / 3.0).abs() < 1e-12);
                for j in (0..5).filter(|&j| j != i) {
                    assert_eq!(p[j], q[j]);
                }
            }
            for p in &traj.points {
                assert!(p.iter().all(|v| grid.iter().any(|g| (g - v).abs() < 1e-12)));
            }
        }
    }
}
