//! `compare --assumptions N`: configurations compared across the scenario's
//! assumptions.
//!
//! The comparison at the central values (every file of [`CompareJob`], as
//! before) is unit 0; units 1..=N are the parameter sets of the same design
//! `run` uses for its ensemble. At each set every configuration runs the
//! comparison's trials with its seed, so trial n of set k is the same
//! simulated war for every configuration (common random numbers), and the
//! set's two halves of trials give noise-free regret (see
//! [`crate::sensitivity::robust`]). Writes `robustness.csv` and
//! `robustness.json` besides the comparison's files.

use super::compare::CompareJob;
use super::shard::{ShardStats, Sharded, Spec};
use super::{Exec, Job, Outputs, RunInfo, Silent, WriteOptions};
use crate::engine::TrialSink;
use crate::error::{Error, Result};
use crate::outcomes::{Better, Outcome};
use crate::outputs::Identity;
use crate::outputs::manifest::ManifestFile;
use crate::scenario::uncertainty::{self, Parameter, Uncertainty};
use crate::scenario::variants::{self, remove_mediator};
use crate::sensitivity::analysis;
use crate::sensitivity::evaluate::{Evaluator, Settings, simulate_halves};
use crate::sensitivity::outcomes::{KeyEstimates, KeySums, design_outcomes};
use crate::sensitivity::robust::{self, Paired, ROBUST_METHODS, RobustMethods, Robustness};
use crate::stats::compare::{CompareAccumulator, Comparison};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::PathBuf;

/// Name of the tidy robustness table.
pub const ROBUSTNESS_CSV: &str = "robustness.csv";

/// Name of the per-set table: every configuration's key outcomes at every
/// parameter set, what `discover --outcome diff:...` reads.
pub const ROBUSTNESS_SETS_CSV: &str = "robustness_sets.csv";

/// A comparison at the central values and across the assumptions.
#[derive(Debug, Clone)]
pub struct RobustCompareJob {
    compare: CompareJob,
    parameters: Vec<Parameter>,
    /// Each configuration's TOML tree, without uncertainties.
    trees: Vec<toml::Table>,
    /// Per configuration, which parameters its tree holds: a parameter of
    /// a mediator the configuration lacks does not apply to it.
    applies: Vec<Vec<bool>>,
    sets: Vec<Settings>,
}

/// The statistics of a range of units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobustStats {
    /// The comparison at the central values, when the range holds unit 0.
    pub central: Option<CompareAccumulator>,
    /// Per set in order, per configuration, its two halves of trials.
    pub sets: Vec<Vec<[KeySums; 2]>>,
}

/// One outcome across the assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustOutcome {
    pub outcome: Outcome,
    /// `probability`, `people` or `suspensions`: the unit of every number
    /// but `p_best`.
    pub unit: String,
    pub better: Better,
    pub configurations: Vec<Robustness>,
    /// The uncertainty whose value most separates the sets where the most
    /// often best configuration is not best, with the rank correlation;
    /// `None` when that configuration is best in every set (or in none).
    pub flip_uncertainty: Option<String>,
    pub flip_correlation: Option<f64>,
    /// The finding in words.
    pub verdict: String,
}

/// `robustness.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustnessFile {
    pub reference: String,
    pub parameter_sets: usize,
    pub trials_per_set: u64,
    pub seed: u64,
    pub uncertainties: Vec<String>,
    pub outcomes: Vec<RobustOutcome>,
    pub methods: RobustMethods,
}

/// The results: the comparison at the central values and the robustness.
#[derive(Debug, Clone)]
pub struct RobustResults {
    pub comparison: Comparison,
    pub robustness: RobustnessFile,
    /// Per set in order, per configuration, its key outcomes over all the
    /// set's trials.
    pub sets: Vec<Vec<KeyEstimates>>,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    configuration: &'a str,
    outcome: &'static str,
    p_best: f64,
    mean_regret: f64,
    max_regret: f64,
    diff_p5: f64,
    diff_p50: f64,
    diff_p95: f64,
}

impl RobustCompareJob {
    /// Plans `assumptions` parameter sets over the reference file's
    /// `[uncertainties]`, drawn as `run --assumptions` draws them.
    pub fn plan(compare: CompareJob, assumptions: usize) -> Result<RobustCompareJob> {
        let reference = &compare.sources()[0];
        let uncertainties: Vec<Uncertainty> =
            uncertainty::parse(&reference.text, &reference.display_name)?;
        if uncertainties.is_empty() {
            return Err(Error::input(format!(
                "--assumptions {assumptions}: {} declares no [uncertainties] to draw parameter \
                 sets from (give --assumptions 0, or add the table: docs/sensitivity.md)",
                reference.display_name
            )));
        }
        let seed = compare.configs()[0].scenario.simulation().seed;
        let trials = compare.configs()[0].scenario.simulation().trials;
        if trials < 2 {
            return Err(Error::input(format!(
                "--trials {trials} is too few to compare across assumptions: each parameter set \
                 needs at least 2 trials to tell chance from the assumptions (or give \
                 --assumptions 0)"
            )));
        }
        let trees = configuration_trees(&compare)?;
        let parameters: Vec<Parameter> =
            uncertainties.iter().map(|u| u.parameter.clone()).collect();
        let applies = compare
            .configs()
            .iter()
            .map(|c| {
                let names = c.scenario.mediator_names();
                parameters
                    .iter()
                    .map(|p| match p.path.strip_prefix("mediation.mediators.") {
                        Some(rest) => names
                            .iter()
                            .any(|n| rest.strip_prefix(n).is_some_and(|r| r.starts_with('.'))),
                        None => true,
                    })
                    .collect()
            })
            .collect();
        let sets = analysis::ensemble_plan(seed, &uncertainties, assumptions)
            .map_err(|e| Error::input(e.to_string()))?;
        Ok(RobustCompareJob {
            compare,
            parameters,
            trees,
            applies,
            sets,
        })
    }

    /// The comparison at the central values.
    pub fn comparison(&self) -> &CompareJob {
        &self.compare
    }

    fn evaluator(&self, c: usize) -> Evaluator<'_> {
        let s = self.compare.configs()[0].scenario.simulation();
        Evaluator {
            tree: &self.trees[c],
            parameters: &self.parameters,
            trials: s.trials,
            seed: s.seed,
        }
    }

    fn summarise(&self, halves: &[Vec<[KeySums; 2]>]) -> RobustnessFile {
        let configs = self.compare.configs();
        let names: Vec<String> = configs.iter().map(|c| c.name.clone()).collect();
        let reference = &configs[0].scenario;
        let estimates: Vec<Vec<[_; 3]>> = halves
            .iter()
            .map(|set| {
                set.iter()
                    .map(|[a, b]| {
                        let mut all = a.clone();
                        all.merge(b.clone());
                        [all.estimates(), a.estimates(), b.estimates()]
                    })
                    .collect()
            })
            .collect();
        let outcomes = design_outcomes(reference)
            .into_iter()
            .filter_map(|o| Some((o, o.better()?)))
            .map(|(o, better)| {
                let sets: Vec<Vec<Paired>> = estimates
                    .iter()
                    .map(|set| {
                        set.iter()
                            .map(|[all, a, b]| Paired {
                                estimate: all.get(o).estimate,
                                halves: [a.get(o).estimate, b.get(o).estimate],
                            })
                            .collect()
                    })
                    .collect();
                let (rows, shares) = robust::robustness(&sets, &names, better);
                let top = (0..rows.len())
                    .max_by(|&a, &b| rows[a].p_best.total_cmp(&rows[b].p_best).then(b.cmp(&a)))
                    .unwrap_or(0);
                let top_wins: Vec<f64> = shares.iter().map(|s| s[top]).collect();
                let flip = self
                    .parameters
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let values: Vec<f64> = self
                            .sets
                            .iter()
                            .map(|s| s.iter().find(|(j, _)| *j == i).map_or(f64::NAN, |v| v.1))
                            .collect();
                        robust::spearman(&values, &top_wins).map(|r| (p.path.clone(), r))
                    })
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
                let verdict = verdict(o, better, &rows, top, flip.as_ref());
                RobustOutcome {
                    outcome: o,
                    unit: o.unit().name().to_string(),
                    better,
                    configurations: rows,
                    flip_uncertainty: flip.as_ref().map(|f| f.0.clone()),
                    flip_correlation: flip.map(|f| f.1),
                    verdict,
                }
            })
            .collect();
        let s = reference.simulation();
        RobustnessFile {
            reference: names[0].clone(),
            parameter_sets: self.sets.len(),
            trials_per_set: s.trials,
            seed: s.seed,
            uncertainties: self.parameters.iter().map(|p| p.path.clone()).collect(),
            outcomes,
            methods: ROBUST_METHODS,
        }
    }
}

impl RobustCompareJob {
    /// `robustness_sets.csv`: a header, then per parameter set (`point`,
    /// as in `ensemble.csv`) one record per configuration: the set's
    /// values of every uncertainty, then each key outcome's estimate over
    /// the set's trials.
    fn set_records(&self, sets: &[Vec<KeyEstimates>]) -> Vec<Vec<String>> {
        let outcomes = design_outcomes(&self.compare.configs()[0].scenario);
        let mut header = vec!["point".to_string(), "configuration".to_string()];
        header.extend(self.parameters.iter().map(|p| p.path.clone()));
        header.extend(outcomes.iter().map(|o| o.design_key().to_string()));
        let mut out = vec![header];
        for (k, (settings, set)) in self.sets.iter().zip(sets).enumerate() {
            let mut values = vec![String::new(); self.parameters.len()];
            for &(i, v) in settings {
                values[i] = v.to_string();
            }
            for (config, e) in self.compare.configs().iter().zip(set) {
                let mut rec = vec![k.to_string(), config.name.clone()];
                rec.extend(values.iter().cloned());
                rec.extend(outcomes.iter().map(|&o| e.get(o).estimate.to_string()));
                out.push(rec);
            }
        }
        out
    }
}

/// "UAE only is best in 92% of assumption sets for P(no round by the
/// deadline) (lower is better); its largest shortfall is 0.012 (probability).
/// The ranking flips most with mediation.x (rank correlation -0.64)."
fn verdict(
    o: Outcome,
    better: Better,
    rows: &[Robustness],
    top: usize,
    flip: Option<&(String, f64)>,
) -> String {
    let r = &rows[top];
    let way = match better {
        Better::Higher => "higher",
        Better::Lower => "lower",
    };
    let mut text = format!(
        "{} is best in {:.0}% of assumption sets for {} ({way} is better); its largest shortfall \
         from the best of a set is {:.4} and its mean shortfall {:.4} ({}).",
        r.configuration,
        100.0 * r.p_best,
        o.statistic(),
        r.max_regret,
        r.mean_regret,
        o.unit().name()
    );
    if let Some((path, rho)) = flip {
        text.push_str(&format!(
            " Where it is not best, the uncertainty that most separates those sets is {path} \
             (rank correlation with its being best {rho:+.2})."
        ));
    }
    text
}

/// Each configuration's TOML tree without uncertainties: a file's own for
/// several files, the variant's for variants, the base less the
/// configuration's missing mediators for the knock-out.
fn configuration_trees(compare: &CompareJob) -> Result<Vec<toml::Table>> {
    let sources = compare.sources();
    let configs = compare.configs();
    if sources.len() >= 2 {
        return sources
            .iter()
            .map(|s| uncertainty::configuration_tree(&s.text).map_err(Error::input))
            .collect();
    }
    let source = &sources[0];
    let base = uncertainty::configuration_tree(&source.text).map_err(Error::input)?;
    if compare.knockout() {
        let all: Vec<String> = configs[0]
            .scenario
            .mediator_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        return configs
            .iter()
            .map(|c| {
                let mut t = base.clone();
                let kept = c.scenario.mediator_names();
                for m in all.iter().filter(|m| !kept.contains(&m.as_str())) {
                    remove_mediator(&mut t, m).map_err(Error::input)?;
                }
                Ok(t)
            })
            .collect();
    }
    let set = variants::parse_set(&source.text, &source.display_name)?;
    configs
        .iter()
        .map(|c| match set.variants.iter().find(|v| v.name == c.name) {
            Some(v) => {
                let mut t = v.tree.clone();
                t.remove("uncertainties");
                Ok(t)
            }
            None => Ok(base.clone()),
        })
        .collect()
}

impl Job for RobustCompareJob {
    type Stats = RobustStats;
    type Results = RobustResults;

    fn command(&self) -> &'static str {
        "compare"
    }

    /// The comparison at the central values, then every parameter set.
    fn units(&self) -> u64 {
        self.sets.len() as u64 + 1
    }

    fn unit_name(&self) -> &'static str {
        "parameter sets"
    }

    fn default_dir(&self) -> PathBuf {
        self.compare.default_dir()
    }

    fn identity(&self) -> Identity {
        self.compare.identity()
    }

    fn simulate(&self, range: Range<u64>, exec: &Exec) -> Result<RobustStats> {
        let end = usize::try_from(range.end)
            .ok()
            .filter(|&e| e <= self.sets.len() + 1)
            .ok_or_else(|| Error::input("parameter sets beyond the comparison"))?;
        let holds_central = range.start == 0 && end > 0;
        let central = if holds_central {
            let quiet = Exec {
                threads: exec.threads,
                progress: &Silent,
            };
            let acc = self.compare.simulate(0..self.compare.units(), &quiet)?;
            exec.progress.advance(1);
            Some(acc)
        } else {
            None
        };
        let first = (range.start as usize).saturating_sub(1).min(end);
        let last = end.saturating_sub(1).max(first);
        let m = self.compare.configs().len();
        let mut sets: Vec<Vec<[KeySums; 2]>> = vec![Vec::with_capacity(m); last - first];
        for c in 0..m {
            let points: Vec<Settings> = self
                .sets
                .iter()
                .map(|s| {
                    s.iter()
                        .copied()
                        .filter(|(i, _)| self.applies[c][*i])
                        .collect()
                })
                .collect();
            let done = self
                .evaluator(c)
                .run_each(&points, first..last, exec.threads, &|_| {}, simulate_halves)
                .map_err(|e| match e {
                    e @ crate::sensitivity::evaluate::EvaluateError::Invalid { .. } => {
                        Error::input(format!(
                            "configuration {:?}: {}",
                            self.compare.configs()[c].name,
                            e.to_string().replace("design point", "parameter set")
                        ))
                    }
                    e => Error::other(e),
                })?;
            for (row, h) in sets.iter_mut().zip(done) {
                row.push(h);
            }
        }
        exec.progress
            .advance(u64::from(holds_central) + (last - first) as u64);
        Ok(RobustStats { central, sets })
    }

    fn merge(into: &mut RobustStats, from: RobustStats) {
        if into.central.is_none() {
            into.central = from.central;
        }
        into.sets.extend(from.sets);
    }

    fn finish(&self, stats: RobustStats) -> Result<RobustResults> {
        if stats.sets.len() != self.sets.len() {
            return Err(Error::input(format!(
                "the statistics hold {} parameter sets, not the {} of the comparison",
                stats.sets.len(),
                self.sets.len()
            )));
        }
        let Some(central) = stats.central else {
            return Err(Error::input(
                "the statistics hold no comparison at the central values",
            ));
        };
        let comparison = self.compare.finish(central)?;
        let robustness = self.summarise(&stats.sets);
        let sets = stats
            .sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|[a, b]| {
                        let mut all = a.clone();
                        all.merge(b.clone());
                        all.estimates()
                    })
                    .collect()
            })
            .collect();
        Ok(RobustResults {
            comparison,
            robustness,
            sets,
        })
    }

    fn write(&self, r: &RobustResults, out: &mut Outputs, options: &WriteOptions) -> Result<()> {
        self.compare.write(&r.comparison, out, options)?;
        out.json("robustness.json", &r.robustness)?;
        let rows = r.robustness.outcomes.iter().flat_map(|o| {
            o.configurations.iter().map(move |c| Row {
                configuration: &c.configuration,
                outcome: o.outcome.statistic(),
                p_best: c.p_best,
                mean_regret: c.mean_regret,
                max_regret: c.max_regret,
                diff_p5: c.diff_p5,
                diff_p50: c.diff_p50,
                diff_p95: c.diff_p95,
            })
        });
        out.csv(ROBUSTNESS_CSV, rows)?;
        out.csv(ROBUSTNESS_SETS_CSV, self.set_records(&r.sets))?;
        if options.charts {
            let charts = crate::plot::ensemble::draw_regret_charts(
                &r.robustness,
                &self.compare.configs()[0].scenario,
                out.dir(),
            )
            .map_err(Error::other)?;
            out.add(charts);
        }
        Ok(())
    }

    fn manifest(&self, run: &RunInfo, outputs: Vec<String>) -> ManifestFile {
        self.compare.manifest(run, outputs)
    }
}

impl Sharded for RobustCompareJob {
    fn spec(&self) -> Spec {
        let Spec::Compare {
            scenarios,
            variants,
            knockout,
            seed,
            trials,
        } = self.compare.spec()
        else {
            unreachable!("a comparison records itself as one")
        };
        Spec::Robust {
            scenarios,
            variants,
            knockout,
            seed,
            trials,
            assumptions: self.sets.len() as u64,
        }
    }

    fn from_spec(spec: &Spec) -> Result<Self> {
        let Spec::Robust {
            scenarios,
            variants,
            knockout,
            seed,
            trials,
            assumptions,
        } = spec
        else {
            return Err(Error::input(
                "not the partial result of a comparison across assumptions",
            ));
        };
        let assumptions = usize::try_from(*assumptions)
            .ok()
            .filter(|&n| (1..=crate::sensitivity::design::MAX_SOBOL_SAMPLES).contains(&n))
            .ok_or_else(|| {
                Error::input(format!(
                    "job.assumptions: {assumptions} parameter sets is not a number a comparison \
                     across assumptions holds (1 to {})",
                    crate::sensitivity::design::MAX_SOBOL_SAMPLES
                ))
            })?;
        let compare = CompareJob::from_spec(&Spec::Compare {
            scenarios: scenarios.clone(),
            variants: variants.clone(),
            knockout: *knockout,
            seed: *seed,
            trials: *trials,
        })?;
        RobustCompareJob::plan(compare, assumptions)
    }

    fn to_shard(stats: RobustStats) -> ShardStats {
        ShardStats::Robust(stats)
    }

    fn from_shard(stats: ShardStats) -> Option<RobustStats> {
        match stats {
            ShardStats::Robust(s) => Some(s),
            _ => None,
        }
    }

    fn check(&self, stats: &RobustStats, range: Range<u64>) -> Result<()> {
        let configs = self.compare.configs();
        let trials = configs[0].scenario.simulation().trials;
        let holds_central = range.start == 0 && range.end > 0;
        match (&stats.central, holds_central) {
            (Some(acc), true) => self
                .compare
                .check(acc, 0..trials)
                .map_err(|e| e.context("statistics.robust.central"))?,
            (None, false) => {}
            (Some(_), false) => {
                return Err(Error::input(
                    "statistics.robust.central: the shard does not hold the central comparison",
                ));
            }
            (None, true) => {
                return Err(Error::input(
                    "statistics.robust.central: missing, but the shard holds the central \
                     comparison",
                ));
            }
        }
        let want = range.end - range.start - u64::from(holds_central);
        if stats.sets.len() as u64 != want {
            return Err(Error::input(format!(
                "statistics.robust.sets: {} parameter sets, but the shard holds {want}",
                stats.sets.len()
            )));
        }
        let half = trials / 2;
        let first_set = range.start.max(1);
        for (i, set) in stats.sets.iter().enumerate() {
            let set_no = first_set + i as u64;
            if set.len() != configs.len() {
                return Err(Error::input(format!(
                    "statistics.robust.sets[{i}]: {} configurations, but the comparison has {} \
                     (parameter set {set_no})",
                    set.len(),
                    configs.len()
                )));
            }
            for (c, [a, b]) in set.iter().enumerate() {
                for (h, sums, n) in [(0, a, half), (1, b, trials - half)] {
                    sums.check_against(&configs[c].scenario, n)
                        .map_err(|field| {
                            Error::input(format!(
                                "statistics.robust.sets[{i}][{c}][{h}].{field} (parameter set \
                             {set_no}, configuration {:?})",
                                configs[c].name
                            ))
                        })?;
                }
            }
        }
        Ok(())
    }
}
