//! The key outcomes, each defined once: what it measures in a trial, how it
//! is estimated, and every name it carries in files, charts and reports.
//!
//! Key outcomes are reported by `compare` across configurations, by `sweep`
//! and `sensitivity` across design points, and by `run --target-se`, which
//! runs until one of them is precise. Each family of outputs grew its own
//! words for the same quantity (comparison.csv says `p_target_by_deadline`,
//! sweep.csv `target_by_deadline`; a compare panel, a tornado chart and
//! report.html title it three ways), and those words are part of files that
//! users read back, so they stay. What must not be repeated is the outcome
//! itself: one [`Entry`] per outcome holds every spelling beside the
//! per-trial value and the estimator, and each family takes its subset (a
//! [`View`]) and its words from here. Adding an outcome over an existing
//! [`Measure`] and [`Unit`], or showing one in another family, touches only
//! this file; a new measure or unit meets exhaustive matches (the sums a
//! run keeps, how charts and the report write numbers in each unit) that
//! the compiler points to.

use crate::model::TrialOutcome;
use crate::scenario::Scenario;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A key outcome. The variants are in canonical order, the order in which
/// every file lists the outcomes it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    TargetByDeadline,
    NoRoundByDeadline,
    MeanReturnedByDeadline,
    MedianReturnedByDeadline,
    MeanReturnedByHorizon,
    MedianReturnedByHorizon,
    SuspendedWithinHorizon,
    MedianFirstSuspensionDay,
    MeanSuspensions,
    MeanDaysSuspended,
    Collapse,
}

/// How an outcome is estimated from its per-trial values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Share of trials whose value (0 or 1) is 1.
    Probability,
    /// Mean of a whole-number value.
    Mean,
    /// Median of a whole-number value.
    Median,
}

impl Kind {
    /// Every kind: a filter for [`select`] that keeps all.
    pub const ALL: [Kind; 3] = [Kind::Probability, Kind::Mean, Kind::Median];
    /// Kinds estimated from exact sums of per-trial values (and of their
    /// squares), which merge by addition.
    pub const SUMMED: [Kind; 2] = [Kind::Probability, Kind::Mean];
}

/// The unit of an outcome's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share of trials, 0 to 1.
    Probability,
    /// People returned.
    People,
    /// A day of the horizon, counted from the start date (day 0).
    Day,
    /// A number of days.
    Days,
    /// A number of suspensions (Active to Suspended).
    Suspensions,
}

impl Unit {
    /// The unit as files name it (comparison.json's `unit`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Probability => "probability",
            Unit::People => "people",
            Unit::Day | Unit::Days => "days",
            Unit::Suspensions => "suspensions",
        }
    }

    /// The unit in a chart title: of a value, or with `change` of a
    /// difference (a difference of probabilities is in percentage points, of
    /// two days a number of days).
    pub fn symbol(self, change: bool) -> &'static str {
        match (self, change) {
            (Unit::Probability, false) => "%",
            (Unit::Probability, true) => "pp",
            (Unit::Day, false) => "day",
            (other, _) => other.name(),
        }
    }
}

/// The days a trial's value depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Day index of the deadline (0 = start date).
    pub deadline_day: u32,
    /// Days simulated; a censored day counts as this.
    pub horizon_days: u32,
}

impl Bounds {
    pub fn of(scenario: &Scenario) -> Self {
        Bounds {
            deadline_day: scenario.target().deadline_day,
            horizon_days: scenario.simulation().horizon_days,
        }
    }
}

/// A per-trial quantity read from a [`TrialOutcome`]. Several outcomes may
/// share one (the mean and the median of people returned by the deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// 1 if the whole pool is returned by the end of the deadline day, else 0.
    TargetByDeadline,
    /// 1 if no round is held by the end of the deadline day, else 0.
    NoRoundByDeadline,
    /// 1 if the process is suspended at least once within the horizon.
    SuspendedWithinHorizon,
    /// 1 if the process collapses within the horizon.
    Collapse,
    /// People returned by the end of the deadline day.
    ReturnedByDeadline,
    /// People returned by the end of the horizon.
    ReturnedByHorizon,
    /// Day of the first suspension; the horizon if there is none within it
    /// (censored): above every observed day, so a median below it is exact.
    FirstSuspensionDay,
    /// Suspensions within the horizon.
    Suspensions,
    /// Days ending Suspended.
    DaysSuspended,
}

impl Measure {
    /// The value of one trial. Called once per trial and configuration, so
    /// it only reads fields.
    #[inline]
    pub fn value(self, o: &TrialOutcome, at: Bounds) -> u64 {
        match self {
            Measure::TargetByDeadline => {
                u64::from(o.target_day.is_some_and(|d| d <= at.deadline_day))
            }
            Measure::NoRoundByDeadline => u64::from(o.rounds_by_deadline == 0),
            Measure::SuspendedWithinHorizon => u64::from(o.first_suspension_day.is_some()),
            Measure::Collapse => u64::from(o.collapse_day.is_some()),
            Measure::ReturnedByDeadline => o.returned_by_deadline,
            Measure::ReturnedByHorizon => o.returned_by_horizon,
            Measure::FirstSuspensionDay => {
                u64::from(o.first_suspension_day.unwrap_or(at.horizon_days))
            }
            Measure::Suspensions => u64::from(o.suspensions),
            Measure::DaysSuspended => u64::from(o.days_suspended),
        }
    }

    /// Whether values at the horizon stand for "not within it".
    pub const fn censored(self) -> bool {
        matches!(self, Measure::FirstSuspensionDay)
    }

    /// Whether the quantity exists only for a scenario with a pool.
    pub const fn needs_pool(self) -> bool {
        matches!(self, Measure::TargetByDeadline)
    }
}

/// A title with blanks, filled from [`TitleWords`]: `{deadline}`,
/// `{horizon_end}`, `{horizon_days}`, `{pool}` and `{unit}` (the outcome's
/// [`Unit::symbol`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Title {
    pub text: &'static str,
    /// Used instead when the scenario sets no pool.
    pub without_pool: Option<&'static str>,
}

impl Title {
    const fn plain(text: &'static str) -> Self {
        Title {
            text,
            without_pool: None,
        }
    }

    const fn pooled(text: &'static str, without_pool: &'static str) -> Self {
        Title {
            text,
            without_pool: Some(without_pool),
        }
    }

    fn fill(&self, words: &TitleWords, unit: &str) -> String {
        let text = match (&words.pool, self.without_pool) {
            (None, Some(alternative)) => alternative,
            _ => self.text,
        };
        text.replace("{deadline}", &words.deadline)
            .replace("{horizon_end}", &words.horizon_end)
            .replace("{horizon_days}", &words.horizon_days)
            .replace("{pool}", words.pool.as_deref().unwrap_or_default())
            .replace("{unit}", unit)
    }
}

/// The scenario's words a title is filled with, written the way the family
/// writes them ("31 Dec 2025" on a chart, "2025-12-31" in the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleWords {
    /// The deadline.
    pub deadline: String,
    /// The last day of the horizon.
    pub horizon_end: String,
    /// The number of days simulated.
    pub horizon_days: String,
    /// The agreed number of people, if any.
    pub pool: Option<String>,
}

/// The named styles of title, one per family of charts and pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleStyle {
    /// A panel of the comparison charts: short, with the unit; `change`
    /// for a difference from the reference.
    Panel { change: bool },
    /// Sweep and sensitivity charts and their terminal summaries.
    Chart,
    /// Headings of report.html, in plain words.
    Report,
}

/// How an outcome appears in comparisons (`swapsim compare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compared {
    /// Label in comparison.json, the terminal and report.html.
    pub label: &'static str,
    /// Place among the panels of the comparison charts (1 first, most
    /// important); only the first few with estimates are drawn.
    pub panel_rank: u8,
    /// Title of its panel.
    pub panel: Title,
}

/// How an outcome appears in sweeps and sensitivity designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Designed {
    /// Name in their files and chart file names, as in summary.json.
    pub key: &'static str,
    /// Name of its sums in a shard's partial.json.
    pub sums_field: &'static str,
    /// Title of its charts.
    pub chart: Title,
    /// Heading in report.html.
    pub report: Title,
    /// Which way is better for the people held, in robust comparisons.
    pub better: Better,
}

/// Which direction of an outcome is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// Everything about one key outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub outcome: Outcome,
    /// Identifier: comparison.json's `outcome`, and how `run` names the
    /// outcome it brought below its target standard error.
    pub id: &'static str,
    /// Name of the estimate, with its kind (`p_`, `mean_`, `median_`):
    /// comparison.csv's `outcome` and the value of `run --metric`.
    pub statistic: &'static str,
    pub kind: Kind,
    pub unit: Unit,
    pub measure: Measure,
    /// In comparisons, if it is compared.
    pub compared: Option<Compared>,
    /// In sweeps and sensitivity designs, if it is reported there.
    pub design: Option<Designed>,
    /// Whether `run --target-se` can run until its standard error is small
    /// enough.
    pub controllable: bool,
}

/// The catalogue, in canonical order.
const CATALOGUE: &[Entry] = &[
    Entry {
        outcome: Outcome::TargetByDeadline,
        id: "target_by_deadline",
        statistic: "p_target_by_deadline",
        kind: Kind::Probability,
        unit: Unit::Probability,
        measure: Measure::TargetByDeadline,
        compared: Some(Compared {
            label: "P(whole pool returned by the deadline)",
            panel_rank: 1,
            panel: Title::pooled(
                "All {pool} returned by {deadline} ({unit})",
                "Whole pool returned by {deadline} ({unit})",
            ),
        }),
        design: Some(Designed {
            key: "target_by_deadline",
            sums_field: "target",
            chart: Title::pooled(
                "P(all {pool} returned by {deadline})",
                "P(whole pool returned by {deadline})",
            ),
            report: Title::pooled(
                "Chance that all {pool} are returned by {deadline}",
                "Chance that the whole pool is returned by {deadline}",
            ),
            better: Better::Higher,
        }),
        controllable: true,
    },
    Entry {
        outcome: Outcome::NoRoundByDeadline,
        id: "no_round_by_deadline",
        statistic: "p_no_round_by_deadline",
        kind: Kind::Probability,
        unit: Unit::Probability,
        measure: Measure::NoRoundByDeadline,
        compared: Some(Compared {
            label: "P(no round by the deadline)",
            panel_rank: 2,
            panel: Title::plain("No round by {deadline} ({unit})"),
        }),
        design: Some(Designed {
            key: "no_round_by_deadline",
            sums_field: "no_round",
            chart: Title::plain("P(no round by {deadline})"),
            report: Title::plain("Chance of no exchange round by {deadline}"),
            better: Better::Lower,
        }),
        controllable: true,
    },
    Entry {
        outcome: Outcome::MeanReturnedByDeadline,
        id: "mean_returned_by_deadline",
        statistic: "mean_returned_by_deadline",
        kind: Kind::Mean,
        unit: Unit::People,
        measure: Measure::ReturnedByDeadline,
        compared: Some(Compared {
            label: "mean people returned by the deadline",
            panel_rank: 3,
            panel: Title::plain("Mean returned by {deadline} ({unit})"),
        }),
        design: Some(Designed {
            key: "returned_by_deadline",
            sums_field: "by_deadline",
            chart: Title::plain("People returned by {deadline} (mean)"),
            report: Title::plain("People returned by {deadline} (mean)"),
            better: Better::Higher,
        }),
        controllable: true,
    },
    Entry {
        outcome: Outcome::MedianReturnedByDeadline,
        id: "median_returned_by_deadline",
        statistic: "median_returned_by_deadline",
        kind: Kind::Median,
        unit: Unit::People,
        measure: Measure::ReturnedByDeadline,
        compared: Some(Compared {
            label: "median people returned by the deadline",
            panel_rank: 9,
            panel: Title::plain("Median returned by {deadline} ({unit})"),
        }),
        design: None,
        controllable: false,
    },
    Entry {
        outcome: Outcome::MeanReturnedByHorizon,
        id: "mean_returned_by_horizon",
        statistic: "mean_returned_by_horizon",
        kind: Kind::Mean,
        unit: Unit::People,
        measure: Measure::ReturnedByHorizon,
        compared: Some(Compared {
            label: "mean people returned by the horizon",
            panel_rank: 4,
            panel: Title::plain("Mean returned by {horizon_end} ({unit})"),
        }),
        design: Some(Designed {
            key: "returned_by_horizon",
            sums_field: "by_horizon",
            chart: Title::plain("People returned by {horizon_end} (mean)"),
            report: Title::plain("People returned within {horizon_days} days (mean)"),
            better: Better::Higher,
        }),
        controllable: true,
    },
    Entry {
        outcome: Outcome::MedianReturnedByHorizon,
        id: "median_returned_by_horizon",
        statistic: "median_returned_by_horizon",
        kind: Kind::Median,
        unit: Unit::People,
        measure: Measure::ReturnedByHorizon,
        compared: Some(Compared {
            label: "median people returned by the horizon",
            panel_rank: 10,
            panel: Title::plain("Median returned by {horizon_end} ({unit})"),
        }),
        design: None,
        controllable: false,
    },
    Entry {
        outcome: Outcome::SuspendedWithinHorizon,
        id: "suspended_within_horizon",
        statistic: "p_suspended_within_horizon",
        kind: Kind::Probability,
        unit: Unit::Probability,
        measure: Measure::SuspendedWithinHorizon,
        compared: None,
        design: Some(Designed {
            key: "suspended_within_horizon",
            sums_field: "suspended",
            chart: Title::plain("P(suspended at least once by {horizon_end})"),
            report: Title::plain("Chance the process is suspended within {horizon_days} days"),
            better: Better::Lower,
        }),
        controllable: true,
    },
    Entry {
        outcome: Outcome::MedianFirstSuspensionDay,
        id: "median_first_suspension_day",
        statistic: "median_first_suspension_day",
        kind: Kind::Median,
        unit: Unit::Day,
        measure: Measure::FirstSuspensionDay,
        compared: Some(Compared {
            label: "median day of the first suspension",
            panel_rank: 5,
            panel: Title::plain("Median first suspension ({unit})"),
        }),
        design: None,
        controllable: false,
    },
    Entry {
        outcome: Outcome::MeanSuspensions,
        id: "mean_suspensions",
        statistic: "mean_suspensions",
        kind: Kind::Mean,
        unit: Unit::Suspensions,
        measure: Measure::Suspensions,
        compared: Some(Compared {
            label: "mean number of suspensions",
            panel_rank: 8,
            panel: Title::plain("Mean suspensions by {horizon_end}"),
        }),
        design: Some(Designed {
            key: "suspensions",
            sums_field: "suspensions",
            chart: Title::plain("Suspensions by {horizon_end} (mean)"),
            report: Title::plain("Suspensions within {horizon_days} days (mean)"),
            better: Better::Lower,
        }),
        controllable: false,
    },
    Entry {
        outcome: Outcome::MeanDaysSuspended,
        id: "mean_days_suspended",
        statistic: "mean_days_suspended",
        kind: Kind::Mean,
        unit: Unit::Days,
        measure: Measure::DaysSuspended,
        compared: Some(Compared {
            label: "mean days suspended",
            panel_rank: 7,
            panel: Title::plain("Mean days suspended by {horizon_end}"),
        }),
        design: None,
        controllable: false,
    },
    Entry {
        outcome: Outcome::Collapse,
        id: "collapse",
        statistic: "p_collapse",
        kind: Kind::Probability,
        unit: Unit::Probability,
        measure: Measure::Collapse,
        compared: Some(Compared {
            label: "P(collapse within the horizon)",
            panel_rank: 6,
            panel: Title::plain("Collapse by {horizon_end} ({unit})"),
        }),
        design: Some(Designed {
            key: "collapse",
            sums_field: "collapsed",
            chart: Title::plain("P(collapse by {horizon_end})"),
            report: Title::plain("Chance the process collapses within {horizon_days} days"),
            better: Better::Lower,
        }),
        controllable: true,
    },
];

/// A family of outputs, by the subset of the catalogue it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Outcomes with a [`Compared`] entry: comparison.json and .csv,
    /// comparison charts, `CompareAccumulator`.
    Compared,
    /// Outcomes with a [`Designed`] entry: sweeps and sensitivity designs.
    Design,
    /// Outcomes `run --target-se --metric` accepts.
    Controllable,
}

impl View {
    const fn holds(self, e: &Entry) -> bool {
        match self {
            View::Compared => e.compared.is_some(),
            View::Design => e.design.is_some(),
            View::Controllable => e.controllable,
        }
    }
}

const fn kind_in(kind: Kind, kinds: &[Kind]) -> bool {
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] as u8 == kind as u8 {
            return true;
        }
        i += 1;
    }
    false
}

/// Number of outcomes in `view` of one of `kinds`: the length of
/// [`select`]'s array.
pub const fn count(view: View, kinds: &[Kind]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < CATALOGUE.len() {
        if view.holds(&CATALOGUE[i]) && kind_in(CATALOGUE[i].kind, kinds) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The outcomes in `view` of one of `kinds`, in canonical order, as an
/// array whose length (from [`count`]) can size fixed tables of sums.
pub const fn select<const N: usize>(view: View, kinds: &[Kind]) -> [Outcome; N] {
    let mut out = [Outcome::TargetByDeadline; N];
    let mut n = 0;
    let mut i = 0;
    while i < CATALOGUE.len() {
        if view.holds(&CATALOGUE[i]) && kind_in(CATALOGUE[i].kind, kinds) {
            out[n] = CATALOGUE[i].outcome;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "the length does not match the selection");
    out
}

/// Outcomes compared across configurations, in the order of the
/// comparison files.
pub const COMPARED: [Outcome; count(View::Compared, &Kind::ALL)] =
    select(View::Compared, &Kind::ALL);
/// Outcomes of sweeps and sensitivity designs, in the order of their files.
pub const DESIGN: [Outcome; count(View::Design, &Kind::ALL)] = select(View::Design, &Kind::ALL);
/// Outcomes `run --target-se` can control, in canonical order.
pub const CONTROLLABLE: [Outcome; count(View::Controllable, &Kind::ALL)] =
    select(View::Controllable, &Kind::ALL);

impl Outcome {
    /// Every outcome, in canonical order.
    pub const ALL: [Outcome; CATALOGUE.len()] = {
        let mut all = [Outcome::TargetByDeadline; CATALOGUE.len()];
        let mut i = 0;
        while i < CATALOGUE.len() {
            all[i] = CATALOGUE[i].outcome;
            i += 1;
        }
        all
    };

    /// Its entry in the catalogue.
    pub const fn entry(self) -> &'static Entry {
        &CATALOGUE[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.entry().id
    }

    pub fn statistic(self) -> &'static str {
        self.entry().statistic
    }

    pub fn kind(self) -> Kind {
        self.entry().kind
    }

    pub fn unit(self) -> Unit {
        self.entry().unit
    }

    pub fn measure(self) -> Measure {
        self.entry().measure
    }

    /// Which direction is better, for the outcomes of designs.
    pub fn better(self) -> Option<Better> {
        self.entry().design.map(|d| d.better)
    }

    pub fn is_probability(self) -> bool {
        self.kind() == Kind::Probability
    }

    /// Whether a value at the horizon means "not within the horizon".
    pub fn censored(self) -> bool {
        self.measure().censored()
    }

    /// Whether the outcome exists for a scenario with (or without) a pool.
    pub fn applies(self, has_pool: bool) -> bool {
        has_pool || !self.measure().needs_pool()
    }

    /// The value of one trial.
    #[inline]
    pub fn value(self, o: &TrialOutcome, at: Bounds) -> u64 {
        self.entry().measure.value(o, at)
    }

    /// How it appears in comparisons; `None` if it is not compared.
    pub fn compared(self) -> Option<&'static Compared> {
        self.entry().compared.as_ref()
    }

    /// How it appears in sweeps and designs; `None` if it is not reported
    /// there.
    pub fn design(self) -> Option<&'static Designed> {
        self.entry().design.as_ref()
    }

    /// Its name in sweep and sensitivity files.
    ///
    /// # Panics
    /// If it is not one of [`DESIGN`]: those files hold no other.
    pub fn design_key(self) -> &'static str {
        match self.design() {
            Some(d) => d.key,
            None => panic!("{} is not an outcome of designs", self.id()),
        }
    }

    /// The design outcome named `key` in sweep and sensitivity files.
    pub fn from_design_key(key: &str) -> Option<Outcome> {
        DESIGN.into_iter().find(|o| o.design_key() == key)
    }

    /// Its title in `style`; `None` if the outcome does not appear in that
    /// family.
    pub fn title(self, style: TitleStyle, words: &TitleWords) -> Option<String> {
        let unit = self.unit();
        match style {
            TitleStyle::Panel { change } => self
                .compared()
                .map(|c| c.panel.fill(words, unit.symbol(change))),
            TitleStyle::Chart => self
                .design()
                .map(|d| d.chart.fill(words, unit.symbol(false))),
            TitleStyle::Report => self
                .design()
                .map(|d| d.report.fill(words, unit.symbol(false))),
        }
    }
}

/// Written as its [`Entry::id`].
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// Read back from its [`Entry::id`]; any other text is an error naming the
/// identifiers allowed.
impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Outcome::ALL
            .into_iter()
            .find(|o| o.id() == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = Outcome::ALL.iter().map(|o| o.id()).collect();
                serde::de::Error::custom(format!(
                    "unknown outcome {id:?}; expected one of {}",
                    ids.join(", ")
                ))
            })
    }
}

/// The values of `run --metric`: the [`Entry::statistic`] of every
/// [`CONTROLLABLE`] outcome.
impl clap::ValueEnum for Outcome {
    fn value_variants<'a>() -> &'a [Self] {
        &CONTROLLABLE
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        self.entry()
            .controllable
            .then(|| clap::builder::PossibleValue::new(self.statistic()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Phase;
    use clap::ValueEnum;
    use std::collections::HashSet;

    const AT: Bounds = Bounds {
        deadline_day: 45,
        horizon_days: 180,
    };

    /// A trial with nothing in it: no round, no suspension, no collapse.
    fn quiet_trial() -> TrialOutcome {
        TrialOutcome {
            returned_by_deadline: 0,
            returned_by_horizon: 0,
            rounds: 0,
            rounds_by_deadline: 0,
            suspensions: 0,
            first_suspension_day: None,
            target_day: None,
            days_pending: 0,
            days_active: 180,
            days_suspended: 0,
            collapse_day: None,
            final_phase: Phase::Active,
            capped_rounds: 0,
        }
    }

    fn busy_trial() -> TrialOutcome {
        TrialOutcome {
            returned_by_deadline: 700,
            returned_by_horizon: 1200,
            rounds: 6,
            rounds_by_deadline: 3,
            suspensions: 2,
            first_suspension_day: Some(12),
            target_day: Some(90),
            days_pending: 3,
            days_active: 150,
            days_suspended: 27,
            collapse_day: Some(170),
            final_phase: Phase::Collapsed,
            capped_rounds: 0,
        }
    }

    fn values(o: &TrialOutcome) -> Vec<(Outcome, u64)> {
        Outcome::ALL.iter().map(|&k| (k, k.value(o, AT))).collect()
    }

    #[test]
    fn each_outcome_takes_its_value_from_a_trial() {
        use Outcome::*;
        assert_eq!(
            values(&busy_trial()),
            vec![
                (TargetByDeadline, 0),
                (NoRoundByDeadline, 0),
                (MeanReturnedByDeadline, 700),
                (MedianReturnedByDeadline, 700),
                (MeanReturnedByHorizon, 1200),
                (MedianReturnedByHorizon, 1200),
                (SuspendedWithinHorizon, 1),
                (MedianFirstSuspensionDay, 12),
                (MeanSuspensions, 2),
                (MeanDaysSuspended, 27),
                (Collapse, 1),
            ]
        );
        // Without a suspension the first suspension day is censored at the
        // horizon, and without a pool no trial reaches the target.
        assert_eq!(
            values(&quiet_trial()),
            vec![
                (TargetByDeadline, 0),
                (NoRoundByDeadline, 1),
                (MeanReturnedByDeadline, 0),
                (MedianReturnedByDeadline, 0),
                (MeanReturnedByHorizon, 0),
                (MedianReturnedByHorizon, 0),
                (SuspendedWithinHorizon, 0),
                (MedianFirstSuspensionDay, 180),
                (MeanSuspensions, 0),
                (MeanDaysSuspended, 0),
                (Collapse, 0),
            ]
        );
        assert!(Outcome::MedianFirstSuspensionDay.censored());
        assert!(Outcome::ALL.iter().filter(|o| o.censored()).count() == 1);
    }

    #[test]
    fn the_target_counts_up_to_the_end_of_the_deadline_day() {
        let on = |day| TrialOutcome {
            target_day: Some(day),
            ..busy_trial()
        };
        let target = |o: &TrialOutcome| Outcome::TargetByDeadline.value(o, AT);
        assert_eq!(target(&on(44)), 1);
        assert_eq!(target(&on(45)), 1);
        assert_eq!(target(&on(46)), 0);
        assert_eq!(target(&quiet_trial()), 0);
    }

    #[test]
    fn only_the_target_needs_a_pool() {
        for o in Outcome::ALL {
            assert!(o.applies(true), "{o:?}");
            assert_eq!(o.applies(false), o != Outcome::TargetByDeadline, "{o:?}");
        }
    }

    #[test]
    fn the_catalogue_is_in_the_order_of_the_enum() {
        assert_eq!(CATALOGUE.len(), Outcome::ALL.len());
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o as usize, i);
            assert_eq!(o.entry().outcome, o);
        }
    }

    fn assert_unique<'a>(family: &str, names: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for name in names {
            assert!(seen.insert(name), "{family}: {name} appears twice");
        }
    }

    #[test]
    fn every_name_is_unique_within_its_family() {
        let all = Outcome::ALL;
        assert_unique("id", all.iter().map(|o| o.id()));
        assert_unique("statistic", all.iter().map(|o| o.statistic()));
        let compared: Vec<&Compared> = COMPARED.iter().filter_map(|o| o.compared()).collect();
        assert_unique("compare label", compared.iter().map(|c| c.label));
        assert_unique("compare panel", compared.iter().map(|c| c.panel.text));
        let ranks: HashSet<u8> = compared.iter().map(|c| c.panel_rank).collect();
        assert_eq!(ranks, (1..=COMPARED.len() as u8).collect());
        let designed: Vec<&Designed> = DESIGN.iter().filter_map(|o| o.design()).collect();
        assert_unique("design key", designed.iter().map(|d| d.key));
        assert_unique("design sums", designed.iter().map(|d| d.sums_field));
        assert_unique("design chart", designed.iter().map(|d| d.chart.text));
        assert_unique("design report", designed.iter().map(|d| d.report.text));
        // The run's fields beside the sums in partial.json.
        for d in designed {
            assert!(!["deadline_day", "trials"].contains(&d.sums_field));
        }
    }

    /// Whether `part` is `whole` with some elements left out.
    fn is_subsequence(part: &[Outcome], whole: &[Outcome]) -> bool {
        let mut rest = whole.iter();
        part.iter().all(|p| rest.any(|w| w == p))
    }

    #[test]
    fn every_view_keeps_the_canonical_order_and_the_files_keep_theirs() {
        for view in [COMPARED.as_slice(), &DESIGN, &CONTROLLABLE] {
            assert!(is_subsequence(view, &Outcome::ALL), "{view:?}");
        }
        let statistics: Vec<&str> = COMPARED.iter().map(|o| o.statistic()).collect();
        assert_eq!(
            statistics,
            [
                "p_target_by_deadline",
                "p_no_round_by_deadline",
                "mean_returned_by_deadline",
                "median_returned_by_deadline",
                "mean_returned_by_horizon",
                "median_returned_by_horizon",
                "median_first_suspension_day",
                "mean_suspensions",
                "mean_days_suspended",
                "p_collapse",
            ]
        );
        let keys: Vec<&str> = DESIGN.iter().map(|o| o.design_key()).collect();
        assert_eq!(
            keys,
            [
                "target_by_deadline",
                "no_round_by_deadline",
                "returned_by_deadline",
                "returned_by_horizon",
                "suspended_within_horizon",
                "suspensions",
                "collapse",
            ]
        );
        let summed: [Outcome; count(View::Compared, &Kind::SUMMED)] =
            select(View::Compared, &Kind::SUMMED);
        let medians: [Outcome; count(View::Compared, &[Kind::Median])] =
            select(View::Compared, &[Kind::Median]);
        assert_eq!(summed.len() + medians.len(), COMPARED.len());
        assert!(is_subsequence(&summed, &COMPARED) && is_subsequence(&medians, &COMPARED));
    }

    #[test]
    fn a_probability_is_in_the_unit_of_probabilities() {
        for o in Outcome::ALL {
            assert_eq!(o.is_probability(), o.unit() == Unit::Probability, "{o:?}");
        }
    }

    #[test]
    fn titles_fill_every_blank_and_name_a_missing_pool() {
        let mut titles: Vec<Title> = Vec::new();
        for o in Outcome::ALL {
            titles.extend(o.compared().map(|c| c.panel));
            titles.extend(o.design().into_iter().flat_map(|d| [d.chart, d.report]));
        }
        for t in titles {
            let mut text = t.text.to_string();
            for blank in [
                "{deadline}",
                "{horizon_end}",
                "{horizon_days}",
                "{pool}",
                "{unit}",
            ] {
                text = text.replace(blank, "");
            }
            assert!(!text.contains(['{', '}']), "unknown blank in {:?}", t.text);
            assert_eq!(t.text.contains("{pool}"), t.without_pool.is_some());
            assert!(!t.without_pool.unwrap_or_default().contains("{pool}"));
        }
        let words = TitleWords {
            deadline: "31 Dec 2025".to_string(),
            horizon_end: "13 May 2026".to_string(),
            horizon_days: "180".to_string(),
            pool: Some("1,200".to_string()),
        };
        let title = |o: Outcome, style| o.title(style, &words);
        let panel = TitleStyle::Panel { change: false };
        let change = TitleStyle::Panel { change: true };
        assert_eq!(
            title(Outcome::TargetByDeadline, panel).as_deref(),
            Some("All 1,200 returned by 31 Dec 2025 (%)")
        );
        assert_eq!(
            title(Outcome::TargetByDeadline, change).as_deref(),
            Some("All 1,200 returned by 31 Dec 2025 (pp)")
        );
        assert_eq!(
            title(Outcome::MedianFirstSuspensionDay, panel).as_deref(),
            Some("Median first suspension (day)")
        );
        assert_eq!(
            title(Outcome::MedianFirstSuspensionDay, change).as_deref(),
            Some("Median first suspension (days)")
        );
        assert_eq!(
            title(Outcome::MeanReturnedByHorizon, TitleStyle::Chart).as_deref(),
            Some("People returned by 13 May 2026 (mean)")
        );
        assert_eq!(
            title(Outcome::Collapse, TitleStyle::Report).as_deref(),
            Some("Chance the process collapses within 180 days")
        );
        // An outcome that a family does not show has no title there.
        assert_eq!(title(Outcome::SuspendedWithinHorizon, panel), None);
        assert_eq!(title(Outcome::MeanDaysSuspended, TitleStyle::Chart), None);
        let no_pool = TitleWords {
            pool: None,
            ..words.clone()
        };
        assert_eq!(
            Outcome::TargetByDeadline
                .title(TitleStyle::Report, &no_pool)
                .as_deref(),
            Some("Chance that the whole pool is returned by 31 Dec 2025")
        );
    }

    #[test]
    fn metric_values_are_the_statistics_of_controllable_outcomes() {
        assert_eq!(Outcome::value_variants(), CONTROLLABLE.as_slice());
        let accepted: Vec<&str> = CONTROLLABLE.iter().map(|o| o.statistic()).collect();
        assert_eq!(
            accepted,
            [
                "p_target_by_deadline",
                "p_no_round_by_deadline",
                "mean_returned_by_deadline",
                "mean_returned_by_horizon",
                "p_suspended_within_horizon",
                "p_collapse",
            ]
        );
        assert_eq!(
            Outcome::from_str("p_collapse", false),
            Ok(Outcome::Collapse)
        );
        assert!(Outcome::from_str("median_returned_by_deadline", false).is_err());
        assert!(CONTROLLABLE.iter().all(|o| o.kind() != Kind::Median));
    }

    #[test]
    fn outcomes_are_written_by_their_identifier() {
        assert_eq!(
            serde_json::to_string(&Outcome::MeanReturnedByDeadline).unwrap(),
            "\"mean_returned_by_deadline\""
        );
        assert_eq!(
            Outcome::from_design_key("suspensions"),
            Some(Outcome::MeanSuspensions)
        );
        assert_eq!(Outcome::from_design_key("mean_suspensions"), None);
    }
}
