//! Mergeable histograms of whole-number outcomes, exact where it matters
//! and within a stated relative error everywhere.
//!
//! Outcomes such as people returned or days suspended are whole numbers, so
//! their distribution over trials is held as counts per bin. Counts add up
//! exactly, in any order, which is what makes results independent of how
//! trials are split among threads or shards. The bins are fixed, whatever
//! the values and the number of trials (a log-linear layout, as in
//! HdrHistogram): every value below [`EXACT_BELOW`] (16,384) has a bin of
//! its own, and each doubling `[2^e, 2^(e+1))` above is cut into
//! `2^EXACT_BITS` bins of equal width `2^(e - EXACT_BITS)`. A bin is read as
//! its midpoint, which lies within `2^-(EXACT_BITS + 1)` (0.0061%) of every
//! value in it, so every order statistic, and every Hyndman–Fan type 7
//! quantile interpolated between two of them, is within that relative error
//! of the exact one, and exact below 16,384. Memory is bounded by the
//! largest value seen, never by the number of trials.

use serde::{Deserialize, Serialize};

/// Bits of a value's binary expansion kept below its leading one.
pub const EXACT_BITS: u32 = 13;
/// Values below this (16,384) are counted exactly, one bin each.
pub const EXACT_BELOW: u64 = 1 << (EXACT_BITS + 1);
/// Number of bins covering every 64-bit value.
pub const BINS: usize = EXACT_BELOW as usize + ((63 - EXACT_BITS as usize) << EXACT_BITS);
/// Largest relative error of a value read from its bin (a bin's midpoint
/// against any value in the bin), `2^-(EXACT_BITS + 1)`.
pub const RELATIVE_ERROR: f64 = 1.0 / (1u64 << (EXACT_BITS + 1)) as f64;

/// The bin holding `value`.
pub fn bin_of(value: u64) -> usize {
    if value < EXACT_BELOW {
        return value as usize;
    }
    let e = 63 - value.leading_zeros();
    let shift = e - EXACT_BITS;
    EXACT_BELOW as usize
        + (((e - EXACT_BITS - 1) as usize) << EXACT_BITS)
        + ((value >> shift) - (1 << EXACT_BITS)) as usize
}

/// The lowest and highest value of bin `bin` (below [`BINS`]).
pub fn bin_range(bin: usize) -> (u64, u64) {
    let b = bin as u64;
    if b < EXACT_BELOW {
        return (b, b);
    }
    let r = b - EXACT_BELOW;
    let shift = (r >> EXACT_BITS) + 1;
    let low = ((1 << EXACT_BITS) + (r & ((1 << EXACT_BITS) - 1))) << shift;
    (low, low + ((1u64 << shift) - 1))
}

/// The value a bin stands for: its midpoint (the value itself below
/// [`EXACT_BELOW`]).
pub fn bin_value(bin: usize) -> f64 {
    let (lo, hi) = bin_range(bin);
    lo as f64 + (hi - lo) as f64 / 2.0
}

/// Sample quantile by Hyndman and Fan's definition 7 (the default of R and
/// NumPy) of `n` observations whose `k`-th smallest (0-based) is
/// `order(k)`: linear interpolation between the order statistics at
/// `(n - 1) p`. Exact when both order statistics are below
/// [`EXACT_BELOW`]; otherwise within [`RELATIVE_ERROR`] of the exact
/// quantile, since it is the same convex combination of two values each
/// within that relative error.
pub fn quantile_type7(n: u64, p: f64, order: impl Fn(u64) -> Option<f64>) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as u64;
    let x_lo = order(lo)?;
    let x_hi = order((lo + 1).min(n - 1))?;
    Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
}

/// Counts per bin of [`bin_of`] that change often and are asked for order
/// statistics after each change (each day of `daily.csv`): a Fenwick tree,
/// so that a change and an order statistic each cost `log2(bins)` steps
/// instead of a pass over every bin.
pub struct RankCounts {
    /// 1-based Fenwick tree over `tree.len() - 1` bins (a power of two).
    tree: Vec<i64>,
}

impl RankCounts {
    /// Zero counts for bins `0 .. bins`.
    pub fn new(bins: usize) -> Self {
        RankCounts {
            tree: vec![0; bins.max(1).next_power_of_two() + 1],
        }
    }

    /// Adds `change` to the count of `bin` (below the `bins` it was made
    /// for).
    pub fn add(&mut self, bin: usize, change: i64) {
        let mut i = bin + 1;
        while i < self.tree.len() {
            self.tree[i] += change;
            i += i & i.wrapping_neg();
        }
    }

    /// The value of the `k`-th smallest observation (0-based), read as in
    /// [`IntHistogram::order_statistic`], or `None` beyond the last.
    pub fn order_statistic(&self, k: u64) -> Option<f64> {
        let size = self.tree.len() - 1;
        let (mut pos, mut rest) = (0usize, k as i64);
        let mut step = size;
        while step > 0 {
            if pos + step <= size && self.tree[pos + step] <= rest {
                pos += step;
                rest -= self.tree[pos];
            }
            step /= 2;
        }
        // `pos` bins hold at most k observations; bin `pos` holds the k-th.
        (pos < size).then(|| bin_value(pos))
    }
}

/// Counts of whole-number values in the bins of [`bin_of`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntHistogram {
    counts: Vec<u64>,
}

impl IntHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        IntHistogram { counts: Vec::new() }
    }

    /// A histogram with the given counts per bin of [`bin_of`].
    pub fn from_counts(counts: Vec<u64>) -> Self {
        IntHistogram { counts }
    }

    /// Adds one observation.
    pub fn add(&mut self, value: u64) {
        let bin = bin_of(value);
        if bin >= self.counts.len() {
            self.counts.resize(bin + 1, 0);
        }
        self.counts[bin] += 1;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &IntHistogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
    }

    /// Checks a histogram read from a file: no more bins than 64-bit
    /// values need, and exactly `count` observations (no sum overflows).
    /// The error says what is wrong, for the caller to name the field.
    pub fn check(&self, count: u64) -> Result<(), String> {
        if self.counts.len() > BINS {
            return Err(format!(
                "counts: {} bins, more than the {BINS} that cover every 64-bit value",
                self.counts.len()
            ));
        }
        let total = self
            .counts
            .iter()
            .try_fold(0u64, |a, &c| a.checked_add(c))
            .ok_or("counts: the counts add up beyond any number of trials")?;
        if total != count {
            return Err(format!(
                "counts: {total} observations, not the {count} trials they must hold"
            ));
        }
        Ok(())
    }

    /// Number of observations, or `None` if the counts (read from a file)
    /// add up beyond 64 bits.
    pub fn count_checked(&self) -> Option<u64> {
        self.counts.iter().try_fold(0u64, |a, &c| a.checked_add(c))
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, &c| a.saturating_add(c))
    }

    /// Whether every observation is counted exactly (all below
    /// [`EXACT_BELOW`]).
    pub fn is_exact(&self) -> bool {
        self.highest().is_none_or(|(lo, hi)| lo == hi)
    }

    /// The range of the highest non-empty bin, if any.
    pub fn highest(&self) -> Option<(u64, u64)> {
        self.counts.iter().rposition(|&c| c > 0).map(bin_range)
    }

    /// (lowest value, highest value, count) of each non-empty bin.
    pub fn bins(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(b, c)| {
                let (lo, hi) = bin_range(b);
                (lo, hi, *c)
            })
    }

    /// The `k`-th smallest observation (0-based): exact below
    /// [`EXACT_BELOW`], else the midpoint of its bin, within
    /// [`RELATIVE_ERROR`] of the exact value.
    pub fn order_statistic(&self, k: u64) -> Option<f64> {
        let mut seen = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            seen = seen.saturating_add(c);
            if seen > k {
                return Some(bin_value(b));
            }
        }
        None
    }

    /// Sample quantile by Hyndman and Fan's definition 7 (see
    /// [`quantile_type7`]).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        quantile_type7(self.count(), p, |k| self.order_statistic(k))
    }

    /// Distribution-free 95% confidence interval for the median: the order
    /// statistics at ranks `n/2 -/+ 1.96 sqrt(n)/2` (the normal approximation
    /// to the binomial distribution of the number of observations below the
    /// median).
    pub fn median_ci95(&self) -> Option<[f64; 2]> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let half_width = super::interval::Z95 * (n as f64).sqrt() / 2.0;
        let lo = ((n as f64 / 2.0 - half_width).floor().max(1.0) as u64).min(n) - 1;
        let hi = ((n as f64 / 2.0 + half_width).ceil().max(1.0) as u64).min(n) - 1;
        Some([self.order_statistic(lo)?, self.order_statistic(hi)?])
    }
}

/// One bar of a histogram as written to files and drawn in charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramBar {
    /// Lowest value in the bar (inclusive).
    pub low: u64,
    /// Highest value in the bar (inclusive).
    pub high: u64,
    /// Trials with a value in the bar.
    pub count: u64,
    /// Share of all trials.
    pub share: f64,
}

/// Bars covering every observation: one bar for exactly 0 (in this model,
/// "no round in time", which deserves to be seen on its own), then bars of
/// equal width from 1 up, at most `max_bars` in all, each a whole number of
/// the histogram's bins. When bins are wider than 1, 0 shares its bin and
/// gets no bar of its own.
pub fn bars(h: &IntHistogram, max_bars: usize) -> Vec<HistogramBar> {
    let n = h.count();
    let Some((_, top)) = h.highest() else {
        return Vec::new();
    };
    let span = top.max(1);
    let slots = (max_bars.max(2) - 1) as u64;
    let width = span.div_ceil(slots).max(1);
    let mut out = vec![HistogramBar {
        low: 0,
        high: 0,
        count: 0,
        share: 0.0,
    }];
    let mut low = 1u64;
    while low <= top {
        out.push(HistogramBar {
            low,
            high: low.saturating_add(width - 1),
            count: 0,
            share: 0.0,
        });
        match low.checked_add(width) {
            Some(next) => low = next,
            None => break,
        }
    }
    // A bin wider than a bar (above 16,384 people) counts in the bar that
    // holds its lowest value.
    for (lo, _, c) in h.bins() {
        let i = if lo == 0 {
            0
        } else {
            1 + ((lo - 1) / width) as usize
        };
        out[i].count += c;
    }
    for bar in &mut out {
        bar.share = bar.count as f64 / n as f64;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_hyndman_fan_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.05, 0.25, 0.5, 0.75, 0.95), type = 7)
        // gives 1.2, 2, 3, 4, 8.8.
        let mut h = IntHistogram::new();
        for v in [1, 2, 3, 4, 10] {
            h.add(v);
        }
        let got: Vec<f64> = [0.05, 0.25, 0.5, 0.75, 0.95]
            .iter()
            .map(|&p| h.quantile(p).unwrap())
            .collect();
        let want = [1.2, 2.0, 3.0, 4.0, 8.8];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn merging_in_any_order_gives_the_same_histogram() {
        let values: Vec<u64> = (0..2000u64).map(|i| (i * 7919) % 5000 * 977).collect();
        let mut whole = IntHistogram::new();
        values.iter().for_each(|&v| whole.add(v));
        let (a, b) = values.split_at(700);
        let mut ha = IntHistogram::new();
        a.iter().for_each(|&v| ha.add(v));
        let mut hb = IntHistogram::new();
        b.iter().for_each(|&v| hb.add(v));
        let mut ab = ha.clone();
        ab.merge(&hb);
        let mut ba = hb.clone();
        ba.merge(&ha);
        assert_eq!(ab, whole);
        assert_eq!(ba, whole);
        assert!(!whole.is_exact());
    }

    #[test]
    fn bars_cover_every_observation() {
        let mut h = IntHistogram::new();
        for v in 0..1201 {
            h.add(v);
        }
        let b = bars(&h, 40);
        assert_eq!(b.iter().map(|x| x.count).sum::<u64>(), 1201);
        assert!(b.len() <= 40, "{}", b.len());
        // Zero has a bar of its own; the others are of equal width.
        assert_eq!((b[0].low, b[0].high, b[0].count), (0, 0, 1));
        assert_eq!(b[1].low, 1);
        assert!(b.windows(2).skip(1).all(|p| p[0].high + 1 == p[1].low));
    }

    #[test]
    fn bins_tile_every_64_bit_value_in_order() {
        // Consecutive bins meet without gap or overlap, from 0 to u64::MAX.
        let mut next = 0u64;
        for b in 0..BINS {
            let (lo, hi) = bin_range(b);
            assert_eq!(lo, next, "bin {b}");
            assert!(hi >= lo);
            assert_eq!(bin_of(lo), b);
            assert_eq!(bin_of(hi), b);
            next = hi.wrapping_add(1);
        }
        assert_eq!(bin_range(BINS - 1).1, u64::MAX);
        for v in [0, 1, EXACT_BELOW - 1, EXACT_BELOW, 1 << 40, u64::MAX / 3] {
            let (lo, hi) = bin_range(bin_of(v));
            assert!(lo <= v && v <= hi, "{v}");
        }
    }

    /// Exact Hyndman–Fan type 7 quantile of sorted values.
    fn exact_quantile(sorted: &[u64], p: f64) -> f64 {
        let h = (sorted.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] as f64 - sorted[lo] as f64)
    }

    #[test]
    fn quantiles_are_exact_below_16384_and_within_the_stated_relative_error_above() {
        // Values spread over 0 to 2^50 on a log scale, from a fixed
        // sequence (no randomness: the bound holds for every value).
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut values: Vec<u64> = (0..20_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let bits = (state >> 58) as u32; // 0 to 63
                (state >> 7) >> (64 - 7 - bits.min(50))
            })
            .collect();
        let mut h = IntHistogram::new();
        values.iter().for_each(|&v| h.add(v));
        values.sort_unstable();
        for p in [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0] {
            let exact = exact_quantile(&values, p);
            let got = h.quantile(p).unwrap();
            assert!(
                (got - exact).abs() <= RELATIVE_ERROR * exact,
                "p = {p}: {got} against {exact}"
            );
        }
        // Below 16,384 every quantile is exact, however many trials.
        let small: Vec<u64> = values.iter().map(|v| v % EXACT_BELOW).collect();
        let mut h = IntHistogram::new();
        small.iter().for_each(|&v| h.add(v));
        let mut sorted = small.clone();
        sorted.sort_unstable();
        for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
            assert_eq!(
                h.quantile(p).unwrap(),
                exact_quantile(&sorted, p),
                "p = {p}"
            );
        }
        assert!(h.is_exact());
    }

    #[test]
    fn a_fifth_of_zeros_keeps_p5_at_zero_whatever_the_largest_value() {
        // Widening bins used to move p5 off 0 once a few trials returned
        // many people; zeros now keep a bin of their own.
        let mut h = IntHistogram::new();
        for i in 0..100_000u64 {
            h.add(if i % 5 == 0 { 0 } else { i * 1_000_003 });
        }
        assert_eq!(h.quantile(0.05), Some(0.0));
        assert_eq!(h.order_statistic(0), Some(0.0));
    }

    #[test]
    fn rank_counts_give_the_order_statistics_of_the_histogram() {
        let values: Vec<u64> = (0..5000u64)
            .map(|i| (i * 7919) % 4001 * (1 + i % 3) * 1013)
            .collect();
        let mut h = IntHistogram::new();
        let mut r = RankCounts::new(BINS);
        for &v in &values {
            h.add(v);
            r.add(bin_of(v), 1);
        }
        for k in [0, 1, 250, 2499, 2500, 4998, 4999, 5000] {
            assert_eq!(r.order_statistic(k), h.order_statistic(k), "k = {k}");
        }
        // Taking observations away again.
        for &v in &values[..2500] {
            r.add(bin_of(v), -1);
        }
        let mut rest = IntHistogram::new();
        values[2500..].iter().for_each(|&v| rest.add(v));
        for k in [0, 1000, 2499, 2500] {
            assert_eq!(r.order_statistic(k), rest.order_statistic(k), "k = {k}");
        }
    }
}
