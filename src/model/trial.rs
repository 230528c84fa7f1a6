//! What a trial takes and what it gives back.
//!
//! The engine, the statistics, reports, back-tests and calibration all
//! handle trials, but none of them needs to know how a trial is simulated.
//! These types are all that the rest of the crate sees of the model, so they
//! live apart from the dynamics: whoever consumes trials reads this file,
//! not the laws of escalation, mediation and exchange.

use super::mediation::Change;
use crate::scenario::InitialPhase;
use serde::Serialize;

/// Phase of the exchange process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Announced, not yet confirmed by the counterparty.
    Pending = 0,
    /// Rounds may take place.
    Active = 1,
    /// Suspended: no rounds until it resumes.
    Suspended = 2,
    /// The agreed pool has been returned (absorbing).
    Completed = 3,
    /// The process has ended without completing (absorbing).
    Collapsed = 4,
}

impl Phase {
    /// Every phase, in the order of their numeric codes.
    pub const ALL: [Phase; 5] = [
        Phase::Pending,
        Phase::Active,
        Phase::Suspended,
        Phase::Completed,
        Phase::Collapsed,
    ];

    /// Lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Active => "active",
            Phase::Suspended => "suspended",
            Phase::Completed => "completed",
            Phase::Collapsed => "collapsed",
        }
    }
}

impl From<InitialPhase> for Phase {
    fn from(p: InitialPhase) -> Phase {
        match p {
            InitialPhase::Pending => Phase::Pending,
            InitialPhase::Active => Phase::Active,
            InitialPhase::Suspended => Phase::Suspended,
        }
    }
}

/// The random streams of one trial, one per model component, so that a
/// change to one component leaves the draws of the others untouched (common
/// random numbers across configurations).
pub struct TrialStreams<R> {
    /// Regime changes and shocks.
    pub escalation: R,
    /// Start and end of common outages.
    pub common_outage: R,
    /// Candidate days of confirmation (Pending to Active).
    pub confirmation: R,
    /// Candidate days of suspension (Active to Suspended).
    pub suspension: R,
    /// Candidate days of rounds.
    pub rounds: R,
    /// Candidate days of resumption (Suspended to Active).
    pub resumption: R,
    /// Candidate days of collapse.
    pub collapse: R,
    /// Round sizes, a fixed number of draws per round.
    pub sizes: R,
    /// One stream per mediator, in scenario order.
    pub mediators: Vec<R>,
}

/// Something that happened in a trial, for daily aggregation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TraceEvent {
    /// A round on `day`; `returned` is the running total after it (people).
    Round { day: u32, returned: u64 },
    /// The phase held from the end of `day` on.
    PhaseChange { day: u32, phase: Phase },
}

/// The daily path of one trial, reused from trial to trial to avoid
/// allocation. Paths have one entry per day of the horizon.
#[derive(Debug, Clone, Default)]
pub struct TrialTrace {
    /// Escalation `E_t` (escalation units).
    pub escalation: Vec<f64>,
    /// Mediation strength `M_t` in [0, 1].
    pub mediation: Vec<f64>,
    /// Days on which a common outage is in force, as half-open intervals
    /// `[first, end)` in day order.
    pub common_outage: Vec<(u32, u32)>,
    /// For each mediator, the days its own channel is open (a common outage
    /// is not reflected here), as half-open intervals in day order.
    pub channel_open: Vec<Vec<(u32, u32)>>,
    /// For each mediator, the days its channel counts in `M_t` (open, not
    /// removed, existing, no common outage), as half-open intervals in day
    /// order. Filled only by the model of a scenario with events or a path.
    pub counted_open: Vec<Vec<(u32, u32)>>,
    /// Changes of the set of open channels, sorted by day (scratch space).
    pub(super) changes: Vec<(u32, Change)>,
    /// Rounds and phase changes in day order.
    pub events: Vec<TraceEvent>,
}

/// The outcomes of one trial (MODEL.md, "Outputs of one trial").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrialOutcome {
    /// People returned by the end of the deadline day.
    pub returned_by_deadline: u64,
    /// People returned by the end of the horizon.
    pub returned_by_horizon: u64,
    /// Rounds held within the horizon.
    pub rounds: u32,
    /// Rounds held by the end of the deadline day.
    pub rounds_by_deadline: u32,
    /// Number of times the process went from Active to Suspended.
    pub suspensions: u32,
    /// Day index (0-based) of the first suspension; `None` if none in the
    /// horizon (censored).
    pub first_suspension_day: Option<u32>,
    /// Day index on which the pool was completed; `None` if not (censored).
    pub target_day: Option<u32>,
    /// Days ending in the Pending phase.
    pub days_pending: u32,
    /// Days ending in the Active phase.
    pub days_active: u32,
    /// Days ending in the Suspended phase.
    pub days_suspended: u32,
    /// Day index of collapse; `None` if the process did not collapse.
    pub collapse_day: Option<u32>,
    /// Phase at the end of the horizon.
    pub final_phase: Phase,
    /// Rounds whose size reached the cap of
    /// [`MAX_ROUND_PEOPLE`](super::MAX_ROUND_PEOPLE) people: the size law
    /// asked for at least that many, so totals of this trial are lower
    /// bounds.
    pub capped_rounds: u32,
}

impl TrialOutcome {
    /// A trial before its first day: nothing returned, no round, no phase
    /// change, in `phase`. The fast and the day-by-day exchange passes both
    /// start from it.
    pub(super) fn start(phase: Phase) -> TrialOutcome {
        TrialOutcome {
            returned_by_deadline: 0,
            returned_by_horizon: 0,
            rounds: 0,
            rounds_by_deadline: 0,
            suspensions: 0,
            first_suspension_day: None,
            target_day: None,
            days_pending: 0,
            days_active: 0,
            days_suspended: 0,
            collapse_day: None,
            final_phase: phase,
            capped_rounds: 0,
        }
    }

    /// Counts a round of `size` people towards [`Self::capped_rounds`]
    /// if it is at the cap.
    pub(super) fn note_round_size(&mut self, size: u64) {
        if size >= super::MAX_ROUND_PEOPLE {
            self.capped_rounds = self.capped_rounds.saturating_add(1);
        }
    }
}

impl TrialTrace {
    /// Empties the trace for a trial of `horizon` days with `mediators`
    /// channels, keeping its allocations.
    #[inline]
    pub(super) fn start(&mut self, horizon: u32, mediators: usize) {
        let h = horizon as usize;
        self.escalation.clear();
        self.escalation.resize(h, 0.0);
        self.mediation.clear();
        self.mediation.resize(h, 0.0);
        self.common_outage.clear();
        self.channel_open.resize_with(mediators, Vec::new);
        for open in &mut self.channel_open {
            open.clear();
        }
        self.counted_open.resize_with(mediators, Vec::new);
        for open in &mut self.counted_open {
            open.clear();
        }
        self.events.clear();
    }

    /// Fills `counted_open` from `channel_open` and `common_outage` for a
    /// trial without events: a channel counts in `M_t` on the days it is
    /// open and no common outage is in force (`MODEL.md`, v2 edge case 9).
    pub(super) fn count_open_channels(&mut self) {
        for (open, counted) in self.channel_open.iter().zip(&mut self.counted_open) {
            counted.clear();
            subtract(open, &self.common_outage, counted);
        }
    }
}

/// The days of `from` outside `minus`, both half-open intervals in day
/// order that do not overlap within themselves, into `out` in day order.
fn subtract(from: &[(u32, u32)], minus: &[(u32, u32)], out: &mut Vec<(u32, u32)>) {
    let mut k = 0;
    for &(mut first, end) in from {
        // Intervals of `minus` that end before this one starts never cut
        // a later one.
        while k < minus.len() && minus[k].1 <= first {
            k += 1;
        }
        let mut j = k;
        while first < end {
            match minus.get(j) {
                Some(&(cut_first, cut_end)) if cut_first < end => {
                    if cut_first > first {
                        out.push((first, cut_first));
                    }
                    first = first.max(cut_end);
                    j += 1;
                }
                _ => {
                    out.push((first, end));
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtracting_intervals_keeps_exactly_the_days_outside_the_cuts() {
        // Every pair of interval lists on 0..12 with at most three
        // intervals each, checked day by day against the definition.
        fn lists(seed: u32) -> Vec<(u32, u32)> {
            let mut out = Vec::new();
            let mut t = seed % 3;
            let mut x = seed;
            while t < 12 && out.len() < 3 {
                let len = 1 + x % 4;
                out.push((t, (t + len).min(12)));
                x = x / 4 + 7;
                t += len + x % 3;
            }
            out
        }
        let days = |l: &[(u32, u32)]| -> Vec<bool> {
            (0..12)
                .map(|d| l.iter().any(|&(a, b)| a <= d && d < b))
                .collect()
        };
        for a in 0..200 {
            for b in 0..200 {
                let (from, minus) = (lists(a), lists(b * 13 + 5));
                let mut out = Vec::new();
                subtract(&from, &minus, &mut out);
                let want: Vec<bool> = days(&from)
                    .iter()
                    .zip(days(&minus))
                    .map(|(&f, m)| f && !m)
                    .collect();
                assert_eq!(days(&out), want, "{from:?} - {minus:?} = {out:?}");
                assert!(out.iter().all(|&(a, b)| a < b));
                assert!(out.windows(2).all(|w| w[0].1 <= w[1].0), "{out:?}");
            }
        }
    }

    #[test]
    fn phases_are_listed_in_code_order_and_named_as_in_files() {
        for (code, phase) in Phase::ALL.into_iter().enumerate() {
            assert_eq!(phase as usize, code);
            // `name` and serde must agree: both write the phase to files.
            let json = serde_json::to_string(&phase).unwrap();
            assert_eq!(json, format!("\"{}\"", phase.name()));
        }
    }
}
