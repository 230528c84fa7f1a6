//! Exact, mergeable histograms of whole-number outcomes.
//!
//! Outcomes such as people returned or days suspended are whole numbers, so
//! their distribution over trials is held as counts per value. Counts add up
//! exactly, in any order, which is what makes results independent of how
//! trials are split among threads or shards. When values exceed the number
//! of bins, bins are widened by powers of two (each wider bin is exactly two
//! narrower ones), so memory stays bounded; the width finally used depends
//! only on the largest value seen, never on the order of merging.

use serde::{Deserialize, Serialize};

/// Counts of whole-number values in bins of width `2^shift`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntHistogram {
    shift: u32,
    counts: Vec<u64>,
    max_bins: usize,
}

impl IntHistogram {
    /// An empty histogram that widens its bins rather than exceed
    /// `max_bins` (at least 2).
    pub fn new(max_bins: usize) -> Self {
        IntHistogram {
            shift: 0,
            counts: Vec::new(),
            max_bins: max_bins.max(2),
        }
    }

    /// A histogram with the given bin counts, bins of width `2^shift`.
    pub fn from_counts(shift: u32, counts: Vec<u64>) -> Self {
        IntHistogram {
            shift,
            max_bins: counts.len().max(2),
            counts,
        }
    }

    /// Adds one observation.
    pub fn add(&mut self, value: u64) {
        let bin = self.bin_for(value);
        self.counts[bin] += 1;
    }

    /// Index of `value`'s bin, widening and growing as needed.
    fn bin_for(&mut self, value: u64) -> usize {
        while (value >> self.shift) as usize >= self.max_bins {
            self.widen();
        }
        let bin = (value >> self.shift) as usize;
        if bin >= self.counts.len() {
            self.counts.resize(bin + 1, 0);
        }
        bin
    }

    /// Doubles the bin width: bin j of the new histogram is bins 2j and 2j+1.
    fn widen(&mut self) {
        self.shift += 1;
        self.counts = self.counts.chunks(2).map(|c| c.iter().sum()).collect();
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &IntHistogram) {
        let mut other = other.clone();
        while other.shift < self.shift {
            other.widen();
        }
        while self.shift < other.shift {
            self.widen();
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Checks a histogram read from a file against what this build makes:
    /// bins of at most `max_bins`, a bin width that keeps every value a
    /// 64-bit number, and exactly `count` observations (no sum overflows).
    /// The error says what is wrong, for the caller to name the field.
    pub fn check(&self, max_bins: usize, count: u64) -> Result<(), String> {
        if self.max_bins != max_bins.max(2) {
            return Err(format!(
                "max_bins: {} is not the {} bins of this version",
                self.max_bins,
                max_bins.max(2)
            ));
        }
        if self.shift > 63 {
            return Err(format!(
                "shift: bins of width 2^{} are impossible",
                self.shift
            ));
        }
        if self.counts.len() > self.max_bins {
            return Err(format!(
                "counts: {} bins, more than the {} allowed",
                self.counts.len(),
                self.max_bins
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
        self.counts.iter().sum()
    }

    /// Width of each bin (1 means every value is counted exactly).
    pub fn bin_width(&self) -> u64 {
        1 << self.shift
    }

    /// (lowest value, highest value, count) of each non-empty bin.
    pub fn bins(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        let w = self.bin_width();
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(move |(b, c)| (b as u64 * w, b as u64 * w + w - 1, *c))
    }

    /// The `k`-th smallest observation (0-based). With bins wider than 1 it
    /// is the middle of the bin holding it.
    pub fn order_statistic(&self, k: u64) -> Option<f64> {
        let mut seen = 0;
        let w = self.bin_width();
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > k {
                return Some(b as f64 * w as f64 + (w - 1) as f64 / 2.0);
            }
        }
        None
    }

    /// Sample quantile by Hyndman and Fan's definition 7 (the default of R
    /// and NumPy): linear interpolation between the order statistics at
    /// `(n - 1) p`.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = h.floor() as u64;
        let x_lo = self.order_statistic(lo)?;
        let x_hi = self.order_statistic((lo + 1).min(n - 1))?;
        Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
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
    let Some(top) = h.bins().map(|(_, hi, _)| hi).last() else {
        return Vec::new();
    };
    let w = h.bin_width();
    let first = if w == 1 { 1 } else { 0 };
    let span = (top + 1).saturating_sub(first).max(1);
    let slots = (max_bars.max(2) - first as usize) as u64;
    let width = span.div_ceil(slots).div_ceil(w) * w;
    let mut out = Vec::new();
    if first == 1 {
        out.push(HistogramBar {
            low: 0,
            high: 0,
            count: 0,
            share: 0.0,
        });
    }
    let mut low = first;
    while low <= top {
        out.push(HistogramBar {
            low,
            high: low + width - 1,
            count: 0,
            share: 0.0,
        });
        low += width;
    }
    for (lo, _, c) in h.bins() {
        let i = if first == 1 && lo == 0 {
            0
        } else {
            first as usize + ((lo - first) / width) as usize
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
        let mut h = IntHistogram::new(64);
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
        let values: Vec<u64> = (0..2000).map(|i| (i * 7919) % 5000).collect();
        let mut whole = IntHistogram::new(256);
        values.iter().for_each(|&v| whole.add(v));
        let (a, b) = values.split_at(700);
        let mut ha = IntHistogram::new(256);
        a.iter().for_each(|&v| ha.add(v));
        let mut hb = IntHistogram::new(256);
        b.iter().for_each(|&v| hb.add(v));
        let mut ab = ha.clone();
        ab.merge(&hb);
        let mut ba = hb.clone();
        ba.merge(&ha);
        assert_eq!(ab, whole);
        assert_eq!(ba, whole);
        assert_eq!(whole.bin_width(), 32);
    }

    #[test]
    fn bars_cover_every_observation() {
        let mut h = IntHistogram::new(4096);
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
}
