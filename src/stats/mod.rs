//! Streaming aggregation of trial outcomes, and the estimates made from it.
//!
//! [`Accumulator`] keeps only exact sufficient statistics: counts,
//! histograms of whole-number outcomes, sums and sums of squares in 128-bit
//! integers, and daily sums of escalation and mediation in fixed point
//! (units of 2^-32). Integer addition is associative and commutative, so
//! accumulators merged in any grouping give identical results, and memory
//! does not grow with the number of trials. [`Accumulator::finish`] turns
//! them into the estimates that `report` writes and `plot` draws: means with
//! standard errors, Hyndman–Fan type 7 quantiles, Wilson score intervals,
//! and survival curves.

pub mod compare;
pub mod histogram;
pub mod interval;

use crate::engine::TrialSink;
use crate::format;
use crate::model::{Phase, TraceEvent, TrialOutcome, TrialTrace};
use crate::outcomes::{Bounds, Kind, Measure, Outcome};
use crate::scenario::Scenario;
use histogram::{
    BINS, HistogramBar, IntHistogram, RankCounts, bars, bin_of, bin_range, quantile_type7,
};
use interval::{mean_se, wilson95};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Fixed-point scale of the daily sums of escalation and mediation.
const FIXED_SCALE: f64 = 4_294_967_296.0;
/// Bars in the chart-ready histogram of people returned by the deadline.
pub const CHART_BARS: usize = 40;

/// Quantile levels reported for every outcome.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Sum, sum of squares and histogram of one whole-number outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OutcomeAcc {
    sum: u128,
    sum_sq: u128,
    hist: IntHistogram,
}

impl OutcomeAcc {
    fn new() -> Self {
        OutcomeAcc {
            sum: 0,
            sum_sq: 0,
            hist: IntHistogram::new(),
        }
    }

    // Rounds are capped (`model::MAX_ROUND_PEOPLE`), so no real run comes
    // near 2^128; saturating keeps a merge of edited files from wrapping.
    fn add(&mut self, v: u64) {
        let v128 = u128::from(v);
        self.sum = self.sum.saturating_add(v128);
        self.sum_sq = self.sum_sq.saturating_add(v128 * v128);
        self.hist.add(v);
    }

    fn merge(&mut self, o: &OutcomeAcc) {
        self.sum = self.sum.saturating_add(o.sum);
        self.sum_sq = self.sum_sq.saturating_add(o.sum_sq);
        self.hist.merge(&o.hist);
    }

    fn describe(&self, n: u64) -> Distribution {
        let (mean, se) = mean_se(n, self.sum, self.sum_sq);
        let q: Vec<f64> = QUANTILES
            .iter()
            .map(|&p| self.hist.quantile(p).unwrap_or(f64::NAN))
            .collect();
        let d = format::data;
        let [m_lo, m_hi] = self.hist.median_ci95().unwrap_or([f64::NAN; 2]);
        Distribution {
            mean: d(mean),
            se: d(se),
            // Every outcome is non-negative, so the normal-approximation
            // interval is cut at 0 where it would reach below.
            ci95: [
                d((mean - interval::Z95 * se).max(0.0)),
                d(mean + interval::Z95 * se),
            ],
            p5: d(q[0]),
            p25: d(q[1]),
            p50: d(q[2]),
            p75: d(q[3]),
            p95: d(q[4]),
            p50_ci95: [d(m_lo), d(m_hi)],
            min: self.hist.order_statistic(0).unwrap_or(f64::NAN),
            max: self
                .hist
                .order_statistic(n.saturating_sub(1))
                .unwrap_or(f64::NAN),
            exact: self.hist.is_exact(),
        }
    }
}

/// For each day, the change in the number of trials per bin of people
/// returned so far. A trial's running total changes only on round days, so
/// recording changes costs one update per round instead of one per day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DailySteps {
    /// For each day, the changes in trials per bin (the bins of
    /// [`histogram::bin_of`]).
    rows: Vec<StepRow>,
}

/// One day's changes: dense for the first [`DENSE_BINS`] bins, where
/// nearly every round lands and an index is cheapest, and a sorted map of
/// bin to change above, so that memory grows with the rounds of a day
/// rather than with the largest total, and each round costs a logarithm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct StepRow {
    dense: Vec<i64>,
    sparse: BTreeMap<u32, i64>,
}

/// Bins of a day's dense changes (people 0 to 1,023): 8 KB a day, so
/// that a ten-year horizon stays within 30 MB per accumulator.
const DENSE_BINS: usize = 1 << 10;

impl StepRow {
    fn add(&mut self, bin: usize, change: i64) {
        if bin < DENSE_BINS {
            if bin >= self.dense.len() {
                self.dense.resize(bin + 1, 0);
            }
            self.dense[bin] += change;
            return;
        }
        let entry = self.sparse.entry(bin as u32).or_insert(0);
        *entry = entry.saturating_add(change);
    }

    /// Every `(bin, change)` with a change other than 0, in increasing
    /// order of bin.
    fn nonzero_changes(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.changes().filter(|&(_, c)| c != 0)
    }

    /// Every `(bin, change)` in increasing order of bin.
    fn changes(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.dense
            .iter()
            .enumerate()
            .map(|(b, &c)| (b, c))
            .chain(self.sparse.iter().map(|(&b, &c)| (b as usize, c)))
    }
}

impl DailySteps {
    fn new(days: usize) -> Self {
        DailySteps {
            rows: vec![StepRow::default(); days],
        }
    }

    fn step(&mut self, day: u32, from: u64, to: u64) {
        let row = &mut self.rows[day as usize];
        row.add(bin_of(from), -1);
        row.add(bin_of(to), 1);
    }

    fn merge(&mut self, other: &DailySteps) {
        for (a, b) in self.rows.iter_mut().zip(&other.rows) {
            // The dense parts add bin by bin (the sum `add` would give
            // entry by entry, at a fraction of the cost: an ensemble
            // merges every parameter set's days).
            if b.dense.len() > a.dense.len() {
                a.dense.resize(b.dense.len(), 0);
            }
            for (x, y) in a.dense.iter_mut().zip(&b.dense) {
                *x += y;
            }
            for (&bin, &change) in &b.sparse {
                a.add(bin as usize, change);
            }
        }
    }
}

/// Counts of one milestone over trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MilestoneAcc {
    /// The level (people).
    people: u64,
    /// Day index by whose end it counts as reached.
    by_day: u32,
    /// Trials that reached it by the end of `by_day`.
    reached_by: u64,
    /// Trials that first reached the level on each day.
    first_day: Vec<u64>,
}

/// Exact running statistics of a set of trials. It serialises exactly
/// (integers as integers), so partial results of shards can be merged into
/// the same statistics as one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accumulator {
    horizon: u32,
    deadline_day: u32,
    initial_phase: Phase,
    trials: u64,
    returned_by_deadline: OutcomeAcc,
    returned_by_horizon: OutcomeAcc,
    rounds: OutcomeAcc,
    suspensions: OutcomeAcc,
    days_active: OutcomeAcc,
    days_suspended: OutcomeAcc,
    days_pending: OutcomeAcc,
    target_by_deadline: u64,
    no_round_by_deadline: u64,
    collapsed: u64,
    /// Trials in which a round reached the cap of `MAX_ROUND_PEOPLE`
    /// people; absent from files when none did.
    #[serde(default, skip_serializing_if = "is_zero")]
    trials_at_round_cap: u64,
    /// Trials whose first suspension fell on each day.
    first_suspension: Vec<u64>,
    /// Trials that completed the pool on each day.
    target_reached: Vec<u64>,
    returned_steps: DailySteps,
    /// Change in the number of trials in each phase, by day.
    phase_steps: Vec<[i64; 5]>,
    /// Daily sums of escalation and mediation over all finished blocks, in
    /// units of 2^-32.
    escalation_sum: Vec<i128>,
    mediation_sum: Vec<i128>,
    /// Per milestone of the scenario, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    milestones: Vec<MilestoneAcc>,
    /// Per mediator that exists on some day (scenarios with events or a
    /// path only), the change by day of the number of trials whose channel
    /// counts as open in `M_t`; one more entry than days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    channel_open_steps: Vec<Vec<i64>>,
    /// Daily sums over the trials of the current block, in trial order.
    block_escalation: Vec<f64>,
    block_mediation: Vec<f64>,
}

impl Accumulator {
    /// An empty accumulator for trials of `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let h = scenario.simulation().horizon_days as usize;
        Accumulator {
            horizon: scenario.simulation().horizon_days,
            deadline_day: scenario.target().deadline_day,
            initial_phase: Phase::from(scenario.exchange().initial_phase),
            trials: 0,
            returned_by_deadline: OutcomeAcc::new(),
            returned_by_horizon: OutcomeAcc::new(),
            rounds: OutcomeAcc::new(),
            suspensions: OutcomeAcc::new(),
            days_active: OutcomeAcc::new(),
            days_suspended: OutcomeAcc::new(),
            days_pending: OutcomeAcc::new(),
            target_by_deadline: 0,
            no_round_by_deadline: 0,
            collapsed: 0,
            trials_at_round_cap: 0,
            first_suspension: vec![0; h],
            target_reached: vec![0; h],
            returned_steps: DailySteps::new(h),
            phase_steps: vec![[0; 5]; h],
            escalation_sum: vec![0; h],
            mediation_sum: vec![0; h],
            milestones: scenario
                .target()
                .milestones
                .iter()
                .map(|m| MilestoneAcc {
                    people: m.people,
                    by_day: m.by_day,
                    reached_by: 0,
                    first_day: vec![0; h],
                })
                .collect(),
            channel_open_steps: match scenario.dated() {
                Some(d) => vec![vec![0; h + 1]; d.mediators_ever.len()],
                None => Vec::new(),
            },
            block_escalation: vec![0.0; h],
            block_mediation: vec![0.0; h],
        }
    }

    /// Number of trials recorded.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Trials recorded in which a round reached the size cap of
    /// `model::MAX_ROUND_PEOPLE` people.
    pub fn trials_at_round_cap(&self) -> u64 {
        self.trials_at_round_cap
    }

    /// The estimate of `outcome` from the trials so far and its Monte Carlo
    /// standard error (`sqrt(p(1-p)/n)` for a probability, `s/sqrt(n)` for a
    /// mean); `None` for an outcome the scenario does not have (the target
    /// without a pool) or that is not estimated from sums (a median).
    pub fn estimate(&self, outcome: Outcome, has_pool: bool) -> Option<(f64, f64)> {
        if !outcome.applies(has_pool) {
            return None;
        }
        let n = self.trials;
        let (sum, sum_sq) = self.sums(outcome.measure())?;
        match outcome.kind() {
            Kind::Probability => {
                let p = sum as f64 / n as f64;
                Some((p, (p * (1.0 - p) / n as f64).sqrt()))
            }
            Kind::Mean => Some(mean_se(n, sum, sum_sq)),
            Kind::Median => None,
        }
    }

    /// The histogram of a median outcome's per-trial values (people, or the
    /// day of the first suspension with the horizon standing for "none
    /// within it"); `None` for an outcome that is not a median.
    pub fn median_histogram(&self, outcome: Outcome) -> Option<IntHistogram> {
        if outcome.kind() != Kind::Median {
            return None;
        }
        match outcome.measure() {
            Measure::ReturnedByDeadline => Some(self.returned_by_deadline.hist.clone()),
            Measure::ReturnedByHorizon => Some(self.returned_by_horizon.hist.clone()),
            // Days below the horizon sit one per bin (`histogram::EXACT_BELOW`
            // is far beyond any horizon a scenario accepts), so the counts
            // by day are the histogram's bins.
            Measure::FirstSuspensionDay if u64::from(self.horizon) < histogram::EXACT_BELOW => {
                let mut counts = self.first_suspension.clone();
                let suspended: u64 = counts.iter().sum();
                counts.resize(self.horizon as usize + 1, 0);
                counts[self.horizon as usize] = self.trials - suspended;
                Some(IntHistogram::from_counts(counts))
            }
            _ => None,
        }
    }

    /// Hyndman–Fan type 7 median of people returned so far at the end of
    /// each day (people), one value per day of the horizon: the middle line
    /// of the fan chart.
    pub fn daily_returned_median(&self) -> Vec<f64> {
        let n = self.trials;
        let mut medians = Vec::with_capacity(self.horizon as usize);
        self.replay_returned(n, |_, returned, _| {
            let median = quantile_type7(n, 0.5, |k| returned.order_statistic(k));
            medians.push(format::data(median.unwrap_or(f64::NAN)));
        });
        medians
    }

    /// Sum and sum of squares of a measure's per-trial values, where this
    /// accumulator keeps them (a 0/1 value is its own square).
    fn sums(&self, m: Measure) -> Option<(u128, u128)> {
        let events = |count: u64| Some((u128::from(count), u128::from(count)));
        let counts = |o: &OutcomeAcc| Some((o.sum, o.sum_sq));
        match m {
            Measure::TargetByDeadline => events(self.target_by_deadline),
            Measure::NoRoundByDeadline => events(self.no_round_by_deadline),
            Measure::SuspendedWithinHorizon => events(self.first_suspension.iter().sum()),
            Measure::Collapse => events(self.collapsed),
            Measure::ReturnedByDeadline => counts(&self.returned_by_deadline),
            Measure::ReturnedByHorizon => counts(&self.returned_by_horizon),
            Measure::Suspensions => counts(&self.suspensions),
            Measure::DaysSuspended => counts(&self.days_suspended),
            // Kept by day, censored at the horizon: no sum.
            Measure::FirstSuspensionDay => None,
        }
    }

    fn bounds(&self) -> Bounds {
        Bounds {
            deadline_day: self.deadline_day,
            horizon_days: self.horizon,
        }
    }
}

/// `v` (non-negative, finite) in units of 2^-32, rounded half up.
fn to_fixed(v: f64) -> i128 {
    (v * FIXED_SCALE + 0.5) as i128
}

/// Adds each day's block sum, in fixed point, to the exact totals, and
/// clears the block sums. The f64 sum of one block is always taken over the
/// same trials in the same order, so its rounding is the same however the
/// blocks are spread over threads or shards.
fn fold_block(totals: &mut [i128], block: &mut [f64]) {
    for (t, b) in totals.iter_mut().zip(block.iter_mut()) {
        *t += to_fixed(*b);
        *b = 0.0;
    }
}

impl TrialSink for Accumulator {
    fn record(&mut self, _trial: u64, o: &TrialOutcome, trace: &TrialTrace) {
        self.trials += 1;
        self.returned_by_deadline.add(o.returned_by_deadline);
        self.returned_by_horizon.add(o.returned_by_horizon);
        self.rounds.add(u64::from(o.rounds));
        self.suspensions.add(u64::from(o.suspensions));
        self.days_active.add(u64::from(o.days_active));
        self.days_suspended.add(u64::from(o.days_suspended));
        self.days_pending.add(u64::from(o.days_pending));
        let at = self.bounds();
        self.no_round_by_deadline += Measure::NoRoundByDeadline.value(o, at);
        self.collapsed += Measure::Collapse.value(o, at);
        self.trials_at_round_cap += u64::from(o.capped_rounds > 0);
        if let Some(d) = o.first_suspension_day {
            self.first_suspension[d as usize] += 1;
        }
        if let Some(d) = o.target_day {
            self.target_reached[d as usize] += 1;
        }
        self.target_by_deadline += Measure::TargetByDeadline.value(o, at);
        let mut returned = 0;
        let mut phase = self.initial_phase;
        for ev in &trace.events {
            match *ev {
                TraceEvent::Round { day, returned: now } => {
                    self.returned_steps.step(day, returned, now);
                    returned = now;
                }
                TraceEvent::PhaseChange { day, phase: next } => {
                    let row = &mut self.phase_steps[day as usize];
                    row[phase as usize] -= 1;
                    row[next as usize] += 1;
                    phase = next;
                }
            }
        }
        for m in &mut self.milestones {
            let first = trace.events.iter().find_map(|ev| match *ev {
                TraceEvent::Round { day, returned } if returned >= m.people => Some(day),
                _ => None,
            });
            if let Some(d) = first {
                m.first_day[d as usize] += 1;
                m.reached_by += u64::from(d <= m.by_day);
            }
        }
        for (steps, open) in self.channel_open_steps.iter_mut().zip(&trace.counted_open) {
            for &(a, b) in open {
                steps[a as usize] += 1;
                steps[b as usize] -= 1;
            }
        }
        for (s, &e) in self.block_escalation.iter_mut().zip(&trace.escalation) {
            *s += e;
        }
        for (s, &m) in self.block_mediation.iter_mut().zip(&trace.mediation) {
            *s += m;
        }
    }

    fn end_block(&mut self) {
        fold_block(&mut self.escalation_sum, &mut self.block_escalation);
        fold_block(&mut self.mediation_sum, &mut self.block_mediation);
    }

    fn merge(&mut self, mut o: Self) {
        // The engine ends every block before merging; ending them again is
        // harmless (the block sums are zero) and keeps merge exact for any
        // caller.
        self.end_block();
        o.end_block();
        self.trials += o.trials;
        self.returned_by_deadline.merge(&o.returned_by_deadline);
        self.returned_by_horizon.merge(&o.returned_by_horizon);
        self.rounds.merge(&o.rounds);
        self.suspensions.merge(&o.suspensions);
        self.days_active.merge(&o.days_active);
        self.days_suspended.merge(&o.days_suspended);
        self.days_pending.merge(&o.days_pending);
        self.target_by_deadline += o.target_by_deadline;
        self.no_round_by_deadline += o.no_round_by_deadline;
        self.collapsed += o.collapsed;
        self.trials_at_round_cap += o.trials_at_round_cap;
        add_into(&mut self.first_suspension, &o.first_suspension);
        add_into(&mut self.target_reached, &o.target_reached);
        self.returned_steps.merge(&o.returned_steps);
        for (a, b) in self.phase_steps.iter_mut().zip(&o.phase_steps) {
            for k in 0..5 {
                a[k] += b[k];
            }
        }
        for (a, b) in self.escalation_sum.iter_mut().zip(&o.escalation_sum) {
            *a += b;
        }
        for (a, b) in self.mediation_sum.iter_mut().zip(&o.mediation_sum) {
            *a += b;
        }
        for (a, b) in self.milestones.iter_mut().zip(&o.milestones) {
            a.reached_by += b.reached_by;
            add_into(&mut a.first_day, &b.first_day);
        }
        for (a, b) in self
            .channel_open_steps
            .iter_mut()
            .zip(&o.channel_open_steps)
        {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// For `skip_serializing_if`: a count that is zero is left out of files,
/// so outputs of runs where it never counted keep their bytes.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn add_into(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Mean, spread and quantiles of one outcome over trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Mean over trials.
    pub mean: f64,
    /// Monte Carlo standard error of the mean.
    pub se: f64,
    /// 95% confidence interval of the mean (mean -/+ 1.96 se, cut at 0).
    pub ci95: [f64; 2],
    /// 5th percentile (Hyndman–Fan type 7), and so on.
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// Distribution-free 95% confidence interval of the median.
    pub p50_ci95: [f64; 2],
    pub min: f64,
    pub max: f64,
    /// Whether quantiles are exact (false when values were too spread for
    /// bins of width 1; they are then bin midpoints).
    pub exact: bool,
}

/// A probability estimated from trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Share of trials in which the event happened.
    pub estimate: f64,
    /// 95% Wilson score interval.
    pub ci95: [f64; 2],
    /// Number of trials in which the event happened.
    pub count: u64,
}

impl Proportion {
    pub fn new(count: u64, n: u64) -> Self {
        let [lo, hi] = wilson95(count, n);
        Proportion {
            estimate: format::data(count as f64 / n as f64),
            ci95: [format::data(lo), format::data(hi)],
            count,
        }
    }
}

/// The median day of an event that may not happen within the horizon,
/// from the share of trials in which it has not happened yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedianDay {
    /// First day (0-based) by whose end at least half of the trials had the
    /// event; null when fewer than half have it within the horizon.
    pub median: Option<u32>,
    /// Its calendar date.
    pub median_date: Option<String>,
    /// 95% interval: the first days on which the upper and lower Wilson
    /// bands of the share without the event fall to 0.5 or below; null
    /// where a band never does.
    pub ci95: [Option<u32>; 2],
}

/// The outcome distributions of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    /// People returned by the end of the deadline day.
    pub returned_by_deadline: Distribution,
    /// People returned by the end of the horizon.
    pub returned_by_horizon: Distribution,
    /// Rounds within the horizon.
    pub rounds: Distribution,
    /// Suspensions (Active to Suspended) within the horizon.
    pub suspensions: Distribution,
    /// Days ending Active.
    pub days_active: Distribution,
    /// Days ending Suspended.
    pub days_suspended: Distribution,
    /// Days ending Pending.
    pub days_pending: Distribution,
}

/// The probabilities of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probabilities {
    /// The whole pool returned by the end of the deadline day; null without
    /// a pool.
    pub target_by_deadline: Option<Proportion>,
    /// No round by the end of the deadline day.
    pub no_round_by_deadline: Proportion,
    /// At least one suspension within the horizon.
    pub suspended_within_horizon: Proportion,
    /// Collapse within the horizon.
    pub collapse: Proportion,
}

/// Everything `summary.json` holds: the run's estimates, with no timings or
/// host names, so the same inputs give the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The scenario's `name`.
    pub scenario: String,
    pub trials: u64,
    /// Trials in which at least one round reached the cap of 10^9 people
    /// (`model::MAX_ROUND_PEOPLE`): the size law asked for more, so the
    /// people returned in those trials are lower bounds. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trials_at_round_cap: u64,
    pub seed: u64,
    pub horizon_days: u32,
    pub start_date: String,
    pub deadline: String,
    /// Agreed number of people, if any.
    pub pool: Option<u64>,
    pub outcomes: Outcomes,
    pub probabilities: Probabilities,
    /// Day of the first suspension (0 = start date).
    pub first_suspension_day: MedianDay,
    /// Day the pool is completed (0 = start date).
    pub target_day: MedianDay,
    /// Each milestone of `[target]`, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<MilestoneResult>,
    /// The scenario's dated events as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<crate::scenario::events::Event>,
    /// How each kind of estimate is computed.
    pub methods: Methods,
    /// The key outcomes across the scenario's assumptions, when the run is
    /// an ensemble.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumptions: Option<crate::sensitivity::ensemble::AssumptionsSummary>,
}

/// One milestone's estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneResult {
    pub name: String,
    /// Level (people).
    pub people: u64,
    /// Date by whose end the level counts as reached.
    pub by: String,
    /// Probability of reaching the level by the end of `by`, with its 95%
    /// Wilson score interval.
    pub reached_by: Proportion,
    /// Day the level is first reached: the first day by which at least half
    /// of the trials have reached it (null when fewer than half ever do).
    pub day_reached: MedianDay,
}

/// The estimators behind every number, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Owned when read back from `summary.json`, borrowed when computed.
pub struct Methods {
    pub quantiles: Cow<'static, str>,
    pub mean_interval: Cow<'static, str>,
    pub median_interval: Cow<'static, str>,
    pub probability_interval: Cow<'static, str>,
    pub median_day: Cow<'static, str>,
}

const METHODS: Methods = Methods {
    quantiles: Cow::Borrowed("Hyndman-Fan type 7 sample quantiles"),
    mean_interval: Cow::Borrowed(
        "mean +/- 1.96 standard errors (sample standard deviation / sqrt(trials))",
    ),
    median_interval: Cow::Borrowed(
        "distribution-free order-statistic interval at ranks n/2 -/+ 1.96 sqrt(n)/2",
    ),
    probability_interval: Cow::Borrowed("Wilson score interval, 95%"),
    median_day: Cow::Borrowed(
        "first day the share without the event falls to 0.5 or below; interval from the Wilson bands of that share",
    ),
};

/// One row of `daily.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyRow {
    /// Day index (0 = start date).
    pub day: u32,
    pub date: String,
    /// Percentiles of people returned so far across trials.
    pub returned_p5: f64,
    pub returned_p25: f64,
    pub returned_p50: f64,
    pub returned_p75: f64,
    pub returned_p95: f64,
    /// Mean people returned so far.
    pub returned_mean: f64,
    /// Share of trials in each phase at the end of the day.
    pub share_pending: f64,
    pub share_active: f64,
    pub share_suspended: f64,
    pub share_completed: f64,
    pub share_collapsed: f64,
    /// Share of trials not yet suspended by the end of the day (survival of
    /// the first suspension), with its 95% Wilson interval.
    pub not_yet_suspended: f64,
    pub not_yet_suspended_ci_low: f64,
    pub not_yet_suspended_ci_high: f64,
    /// Mean escalation `E_t` (escalation units).
    pub mean_escalation: f64,
    /// Mean mediation strength `M_t` (0 to 1).
    pub mean_mediation: f64,
}

/// The estimates of a run, ready to write and draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub summary: Summary,
    pub daily: Vec<DailyRow>,
    /// Exact distribution of people returned by the deadline: (lowest
    /// value, highest value, trials) of every non-empty bin.
    pub returned_by_deadline_counts: Vec<(u64, u64, u64)>,
    /// The same, grouped into at most [`CHART_BARS`] bars for a chart.
    pub returned_by_deadline_bars: Vec<HistogramBar>,
    /// For a scenario with events or a path: per mediator that exists on
    /// some day, its name and the share of trials (0 to 1) whose channel
    /// counts as open in `M_t` on each day; empty otherwise.
    pub daily_channels: Vec<(String, Vec<f64>)>,
}

impl Accumulator {
    /// Estimates from the trials recorded so far.
    pub fn finish(&self, scenario: &Scenario) -> Results {
        if self.block_escalation.iter().any(|v| *v != 0.0)
            || self.block_mediation.iter().any(|v| *v != 0.0)
        {
            // A block was left open: count it as ended.
            let mut ended = self.clone();
            ended.end_block();
            return ended.finish(scenario);
        }
        let n = self.trials;
        let date = |d: u32| scenario.date_of_day(d).to_string();
        let outcomes = Outcomes {
            returned_by_deadline: self.returned_by_deadline.describe(n),
            returned_by_horizon: self.returned_by_horizon.describe(n),
            rounds: self.rounds.describe(n),
            suspensions: self.suspensions.describe(n),
            days_active: self.days_active.describe(n),
            days_suspended: self.days_suspended.describe(n),
            days_pending: self.days_pending.describe(n),
        };
        let suspended: u64 = self.first_suspension.iter().sum();
        let probabilities = Probabilities {
            target_by_deadline: scenario
                .target()
                .pool
                .map(|_| Proportion::new(self.target_by_deadline, n)),
            no_round_by_deadline: Proportion::new(self.no_round_by_deadline, n),
            suspended_within_horizon: Proportion::new(suspended, n),
            collapse: Proportion::new(self.collapsed, n),
        };
        let summary = Summary {
            scenario: scenario.name().to_string(),
            trials: n,
            trials_at_round_cap: self.trials_at_round_cap,
            seed: scenario.simulation().seed,
            horizon_days: self.horizon,
            start_date: scenario.simulation().start_date.to_string(),
            deadline: scenario.target().deadline.to_string(),
            pool: scenario.target().pool,
            outcomes,
            probabilities,
            first_suspension_day: median_day(&self.first_suspension, n, &date),
            target_day: median_day(&self.target_reached, n, &date),
            milestones: scenario
                .target()
                .milestones
                .iter()
                .zip(&self.milestones)
                .map(|(m, acc)| MilestoneResult {
                    name: m.name.clone(),
                    people: m.people,
                    by: m.by.to_string(),
                    reached_by: Proportion::new(acc.reached_by, n),
                    day_reached: median_day(&acc.first_day, n, &date),
                })
                .collect(),
            events: scenario.events().to_vec(),
            methods: METHODS,
            assumptions: None,
        };
        let names = scenario.mediator_names();
        let daily_channels = self
            .channel_open_steps
            .iter()
            .zip(names)
            .map(|(steps, name)| {
                let mut open = 0i64;
                let shares = steps[..self.horizon as usize]
                    .iter()
                    .map(|d| {
                        open += d;
                        open as f64 / n as f64
                    })
                    .collect();
                (name.to_string(), shares)
            })
            .collect();
        Results {
            summary,
            daily: self.daily_rows(n, &date),
            returned_by_deadline_counts: self.returned_by_deadline.hist.bins().collect(),
            returned_by_deadline_bars: bars(&self.returned_by_deadline.hist, CHART_BARS),
            daily_channels,
        }
    }

    /// Replays the daily changes of people returned over `n` trials,
    /// calling `each` at the end of every day with the trials per bin and
    /// the exact sum over trials of twice the value their bin stands for.
    fn replay_returned(&self, n: u64, mut each: impl FnMut(usize, &RankCounts, i128)) {
        let bins = self
            .returned_steps
            .rows
            .iter()
            .filter_map(|r| r.nonzero_changes().last())
            .map(|(b, _)| b + 1)
            .max()
            .unwrap_or(1);
        let mut returned = RankCounts::new(bins);
        returned.add(0, n as i64);
        let mut twice_sum: i128 = 0;
        for (t, row) in self.returned_steps.rows.iter().enumerate() {
            for (bin, change) in row.nonzero_changes() {
                returned.add(bin, change);
                let (lo, hi) = bin_range(bin);
                twice_sum += i128::from(change) * (i128::from(lo) + i128::from(hi));
            }
            each(t, &returned, twice_sum);
        }
    }

    fn daily_rows(&self, n: u64, date: &dyn Fn(u32) -> String) -> Vec<DailyRow> {
        let n_f = n as f64;
        let mut phases = [0i64; 5];
        phases[self.initial_phase as usize] = n as i64;
        let mut not_suspended = n;
        let mut rows = Vec::with_capacity(self.horizon as usize);
        self.replay_returned(n, |t, returned, twice_sum| {
            for (count, step) in phases.iter_mut().zip(&self.phase_steps[t]) {
                *count += step;
            }
            not_suspended -= self.first_suspension[t];
            let q =
                |p: f64| quantile_type7(n, p, |k| returned.order_statistic(k)).unwrap_or(f64::NAN);
            let mean = twice_sum as f64 / 2.0 / n_f;
            let [lo, hi] = wilson95(not_suspended, n);
            let d = format::data;
            rows.push(DailyRow {
                day: t as u32,
                date: date(t as u32),
                returned_p5: d(q(0.05)),
                returned_p25: d(q(0.25)),
                returned_p50: d(q(0.5)),
                returned_p75: d(q(0.75)),
                returned_p95: d(q(0.95)),
                returned_mean: d(mean),
                share_pending: d(phases[0] as f64 / n_f),
                share_active: d(phases[1] as f64 / n_f),
                share_suspended: d(phases[2] as f64 / n_f),
                share_completed: d(phases[3] as f64 / n_f),
                share_collapsed: d(phases[4] as f64 / n_f),
                not_yet_suspended: d(not_suspended as f64 / n_f),
                not_yet_suspended_ci_low: d(lo),
                not_yet_suspended_ci_high: d(hi),
                mean_escalation: d(self.escalation_sum[t] as f64 / FIXED_SCALE / n_f),
                mean_mediation: d(self.mediation_sum[t] as f64 / FIXED_SCALE / n_f),
            });
        });
        rows
    }
}

/// Median day of an event from the number of trials with the event on each
/// day, and its interval from the Wilson bands of the share without it.
fn median_day(per_day: &[u64], n: u64, date: &dyn Fn(u32) -> String) -> MedianDay {
    let mut without = n;
    let (mut median, mut lo, mut hi) = (None, None, None);
    for (t, &c) in per_day.iter().enumerate() {
        without -= c;
        let share = without as f64 / n as f64;
        let [band_lo, band_hi] = wilson95(without, n);
        if median.is_none() && share <= 0.5 {
            median = Some(t as u32);
        }
        if lo.is_none() && band_lo <= 0.5 {
            lo = Some(t as u32);
        }
        if hi.is_none() && band_hi <= 0.5 {
            hi = Some(t as u32);
        }
    }
    MedianDay {
        median,
        median_date: median.map(date),
        ci95: [lo, hi],
    }
}

/// Checks of statistics read from a shard's file, which may come from
/// anywhere: every length against the horizon, every count against the
/// trials, every bin width against what this build makes. Each error names
/// the field.
impl OutcomeAcc {
    fn check(&self, trials: u64) -> Result<(), String> {
        self.hist.check(trials).map_err(|e| format!("hist.{e}"))?;
        let largest = u128::from(self.hist.highest().map_or(0, |(_, hi)| hi));
        let bound = u128::from(trials).saturating_mul(largest);
        if self.sum > bound {
            return Err(format!(
                "sum: {} is more than {trials} trials of at most {largest} can add up to",
                self.sum,
            ));
        }
        if self.sum_sq < self.sum {
            return Err("sum_sq: smaller than the sum of whole numbers it squares".to_string());
        }
        Ok(())
    }
}

impl Accumulator {
    /// Checks statistics read from a file against the scenario they claim
    /// to come from and the number of trials they claim to hold. The error
    /// is `field: problem`.
    pub fn check_against(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        let h = scenario.simulation().horizon_days;
        let same = |field: &str, got: u64, want: u64| {
            if got == want {
                Ok(())
            } else {
                Err(format!("{field}: {got}, but the job has {want}"))
            }
        };
        same("horizon", u64::from(self.horizon), u64::from(h))?;
        same(
            "deadline_day",
            u64::from(self.deadline_day),
            u64::from(scenario.target().deadline_day),
        )?;
        if self.initial_phase != Phase::from(scenario.exchange().initial_phase) {
            return Err("initial_phase: not the scenario's initial phase".to_string());
        }
        same("trials", self.trials, trials)?;
        same(
            "milestones",
            self.milestones.len() as u64,
            scenario.target().milestones.len() as u64,
        )?;
        for (m, want) in self.milestones.iter().zip(&scenario.target().milestones) {
            if m.people != want.people || m.by_day != want.by_day {
                return Err("milestones: not the scenario's milestones".to_string());
            }
            same(
                "milestones.first_day",
                m.first_day.len() as u64,
                u64::from(h),
            )?;
            let reached: u64 = m.first_day.iter().sum();
            if m.reached_by > reached || reached > trials {
                return Err("milestones: more trials than there are".to_string());
            }
        }
        let channels = scenario.dated().map_or(0, |d| d.mediators_ever.len());
        same(
            "channel_open_steps",
            self.channel_open_steps.len() as u64,
            channels as u64,
        )?;
        for steps in &self.channel_open_steps {
            same("channel_open_steps", steps.len() as u64, u64::from(h) + 1)?;
            let mut open = 0i64;
            for d in steps {
                open += d;
                if open < 0 || open as u64 > trials {
                    return Err("channel_open_steps: a share outside 0 to 1".to_string());
                }
            }
        }
        for (name, acc) in [
            ("returned_by_deadline", &self.returned_by_deadline),
            ("returned_by_horizon", &self.returned_by_horizon),
            ("rounds", &self.rounds),
            ("suspensions", &self.suspensions),
            ("days_active", &self.days_active),
            ("days_suspended", &self.days_suspended),
            ("days_pending", &self.days_pending),
        ] {
            acc.check(trials).map_err(|e| format!("{name}.{e}"))?;
        }
        for (name, count) in [
            ("target_by_deadline", self.target_by_deadline),
            ("no_round_by_deadline", self.no_round_by_deadline),
            ("collapsed", self.collapsed),
            ("trials_at_round_cap", self.trials_at_round_cap),
        ] {
            if count > trials {
                return Err(format!(
                    "{name}: {count} trials, more than the {trials} there are"
                ));
            }
        }
        let days = h as usize;
        for (name, per_day) in [
            ("first_suspension", &self.first_suspension),
            ("target_reached", &self.target_reached),
        ] {
            same(
                &format!("{name} (days)"),
                per_day.len() as u64,
                u64::from(h),
            )?;
            let total = per_day
                .iter()
                .try_fold(0u64, |a, &c| a.checked_add(c))
                .filter(|&t| t <= trials);
            if total.is_none() {
                return Err(format!("{name}: more trials than the {trials} there are"));
            }
        }
        same(
            "returned_steps.rows (days)",
            self.returned_steps.rows.len() as u64,
            u64::from(h),
        )?;
        // Replaying the daily changes must keep every bin's count within
        // 0 ..= trials, as it does for any real set of trials.
        let mut bins: Vec<i128> = vec![i128::from(trials)];
        for (t, row) in self.returned_steps.rows.iter().enumerate() {
            if row.dense.len() > DENSE_BINS {
                return Err(format!(
                    "returned_steps.rows[{t}].dense: {} bins, more than the {DENSE_BINS} allowed",
                    row.dense.len()
                ));
            }
            let mut previous = None;
            for (bin, step) in row.changes() {
                if bin >= BINS
                    || previous.is_some_and(|p| p >= bin)
                    || (bin < DENSE_BINS && bin >= row.dense.len())
                {
                    return Err(format!(
                        "returned_steps.rows[{t}].sparse: bin {bin} is in the dense part or \
                         beyond the {BINS} bins of 64-bit values"
                    ));
                }
                previous = Some(bin);
                if bin >= bins.len() {
                    bins.resize(bin + 1, 0);
                }
                bins[bin] += i128::from(step);
                if bins[bin] < 0 || bins[bin] > i128::from(trials) {
                    return Err(format!(
                        "returned_steps.rows[{t}]: the counts of trials leave 0 to {trials}"
                    ));
                }
            }
        }
        same(
            "phase_steps (days)",
            self.phase_steps.len() as u64,
            u64::from(h),
        )?;
        let mut phases = [0i128; 5];
        phases[self.initial_phase as usize] = i128::from(trials);
        for (t, row) in self.phase_steps.iter().enumerate() {
            for (count, &step) in phases.iter_mut().zip(row) {
                *count += i128::from(step);
                if *count < 0 || *count > i128::from(trials) {
                    return Err(format!(
                        "phase_steps[{t}]: the counts of trials leave 0 to {trials}"
                    ));
                }
            }
        }
        // Escalation has no upper bound (shocks accumulate), mediation is at
        // most 1 per trial and day.
        for (name, sums, per_trial_max) in [
            ("escalation_sum", &self.escalation_sum, f64::INFINITY),
            ("mediation_sum", &self.mediation_sum, 1.0),
        ] {
            same(&format!("{name} (days)"), sums.len() as u64, u64::from(h))?;
            let most = trials as f64 * per_trial_max * FIXED_SCALE * 1.0001 + 1.0;
            if sums.iter().any(|&v| v < 0 || v as f64 > most) {
                return Err(format!(
                    "{name}: a daily sum outside what {trials} trials can give"
                ));
            }
        }
        for (name, block) in [
            ("block_escalation", &self.block_escalation),
            ("block_mediation", &self.block_mediation),
        ] {
            if block.len() != days || block.iter().any(|v| *v != 0.0) {
                return Err(format!(
                    "{name}: a finished shard has {days} zero sums here"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, StreamKeys};
    use crate::model::Model;
    use crate::outcomes::CONTROLLABLE;
    use crate::scenario::ScenarioSource;

    #[test]
    fn every_controllable_outcome_is_estimated_as_the_summary_reports_it() {
        let s = ScenarioSource::builtin().parse().unwrap();
        let keys = StreamKeys::new(s.mediator_names());
        let acc = engine::run_serial(
            &Model::new(&s),
            &keys,
            s.simulation().seed,
            0..2000,
            Accumulator::new(&s),
        );
        let summary = acc.finish(&s).summary;
        let (p, o) = (&summary.probabilities, &summary.outcomes);
        for outcome in CONTROLLABLE {
            let (estimate, se) = acc.estimate(outcome, true).unwrap();
            let want = match outcome {
                Outcome::TargetByDeadline => p.target_by_deadline.as_ref().unwrap().estimate,
                Outcome::NoRoundByDeadline => p.no_round_by_deadline.estimate,
                Outcome::SuspendedWithinHorizon => p.suspended_within_horizon.estimate,
                Outcome::Collapse => p.collapse.estimate,
                Outcome::MeanReturnedByDeadline => o.returned_by_deadline.mean,
                Outcome::MeanReturnedByHorizon => o.returned_by_horizon.mean,
                other => panic!("{other:?} has no estimate in summary.json"),
            };
            assert_eq!(estimate, want, "{outcome:?}");
            assert!(se.is_finite() && se >= 0.0, "{outcome:?}: {se}");
        }
        // The target needs a pool, and a median is not estimated from sums.
        assert_eq!(acc.estimate(Outcome::TargetByDeadline, false), None);
        assert_eq!(acc.estimate(Outcome::MedianFirstSuspensionDay, true), None);
        assert_eq!(
            acc.estimate(Outcome::MeanSuspensions, true).map(|e| e.0),
            Some(o.suspensions.mean)
        );
    }
}
