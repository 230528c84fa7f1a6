//! `swapsim explain`: every hazard of a scenario in days, at stated
//! conditions.

use super::Error;
use clap::Args;
use std::path::PathBuf;
use swapsim::format;
use swapsim::jobs::explain::{ExplainJob, Explanation, HazardAt, HazardExplained, ValueChange};
use swapsim::jobs::{self, Exec, WriteOptions};
use swapsim::scenario::ScenarioSource;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim explain
      Explain the built-in default scenario (Istanbul framework, November
      2025); explain.json goes to output/istanbul-2025-explain/.
  swapsim explain scenarios/turkey-only.toml --out results/turkey-explained
      Explain a scenario file and write explain.json elsewhere.
  swapsim explain my-scenario.toml --quiet
      Only write explain.json (for a script).";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Scenario file (TOML). Without one, the built-in default is
    /// explained: the same file as scenarios/istanbul-2025.toml.
    pub scenario: Option<PathBuf>,
    /// Output directory [default: output/<scenario file name>-explain].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the output directory even if it holds the results of a
    /// different analysis. Files that swapsim did not write are kept.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(args: &ExplainArgs) -> Result<(), Error> {
    let source = match args.scenario.as_deref() {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::builtin(),
    };
    let job = ExplainJob::plan(source)?;
    let options = WriteOptions {
        charts: false,
        report: false,
        force: args.force,
    };
    let done = jobs::execute(&job, args.out.as_deref(), &Exec::serial(), &options)?;
    if !args.quiet {
        say!("{}", explanation_text(&done.results).trim_end());
        say!("  results: {}", done.dir.display());
    }
    Ok(())
}

/// Letters naming the reference conditions in the tables.
const LETTERS: [&str; 4] = ["a", "b", "c", "d"];

fn days(v: Option<f64>) -> String {
    match v {
        Some(d) if d.is_finite() => format!("{} days", format::sig(d, 3)),
        _ => "never".to_string(),
    }
}

fn hazard_rows(out: &mut String, h: &HazardExplained) {
    out.push_str(&format!(
        "       {:>12} {:>10} {:>14} {:>15}\n",
        "hazard/day", "prob/day", "mean wait", "within 30 days"
    ));
    for (i, row) in h.at.iter().enumerate() {
        let HazardAt {
            hazard_per_day,
            probability_per_day,
            mean_wait_days,
            chance_within_30_days,
            ..
        } = row;
        let name = if row.condition == "any" {
            "any"
        } else {
            LETTERS.get(i).copied().unwrap_or("?")
        };
        out.push_str(&format!(
            "  {name:<4} {:>12} {:>10} {:>14} {:>15}\n",
            format::sig4_or_exponent(*hazard_per_day),
            format!("{}%", format::percent(*probability_per_day)),
            days(*mean_wait_days),
            format!("{}%", format::percent(*chance_within_30_days)),
        ));
    }
}

/// The explanation as text no wider than 80 columns.
pub fn explanation_text(r: &Explanation) -> String {
    let mut out = String::new();
    let l = &r.levels;
    out.push_str("What the numbers mean\n");
    wrapped(&mut out, &r.scenario, "  ");
    wrapped(&mut out, &format!("({})", r.scenario_file), "  ");
    out.push('\n');
    out.push_str("Reference conditions (docs/model.md, section 3.6)\n");
    let regimes: f64 = l.typical_escalation - r.mean_shock_level - r.mean_seasonal_offset;
    out.push_str(&format!(
        "  typical escalation E = {} (regimes {}, shocks {}, seasons {})\n",
        format::sig(l.typical_escalation, 3),
        format::sig(regimes, 3),
        format::sig(r.mean_shock_level, 3),
        format::sig(r.mean_seasonal_offset, 3),
    ));
    out.push_str(&format!(
        "  mediation M: every channel open {}, typical {} (channels at their\n  \
         open shares at typical E, days without a common outage {}%)\n\n",
        format::sig(l.full_mediation, 3),
        format::sig(l.typical_mediation, 3),
        format::percent(r.no_common_outage_share),
    ));
    out.push_str(&format!("  {:<44}{:>8}{:>8}\n", "condition", "E", "M"));
    for (letter, c) in LETTERS.iter().zip(&r.conditions) {
        out.push_str(&format!(
            "  {letter}  {:<41}{:>8}{:>8}\n",
            c.label,
            format::sig(c.conditions.escalation, 3),
            format::sig(c.conditions.mediation, 3),
        ));
    }
    out.push_str(
        "\nEach hazard at those conditions; a wait assumes the condition holds\n\
         throughout (geometric: mean 1/p days, within 30 days 1 - (1 - p)^30).\n",
    );
    for h in &r.hazards {
        out.push_str(&format!("\n{}\n", capitalised(&h.label)));
        let mut line = if h.key == "rounds" {
            format!("  round_rate {} per day", format::sig4_or_exponent(h.base))
        } else {
            format!("  base {} per day", format::sig4_or_exponent(h.base))
        };
        if h.escalation_coef != 0.0 || h.mediation_coef != 0.0 {
            line.push_str(&format!(
                ", escalation_coef {}, mediation_coef {}",
                h.escalation_coef, h.mediation_coef
            ));
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(g) = h.given {
            let at = g.at.map_or(String::new(), |a| format!(" at {}", a.name()));
            out.push_str(&format!(
                "  written as mean_days = {}{at}, which gives that base\n",
                g.mean_days
            ));
        }
        if h.key == "rounds" {
            out.push_str("  (eligible days only: after preparation_days and the minimum gap)\n");
        }
        hazard_rows(&mut out, h);
    }
    if !r.mediators.is_empty() {
        out.push_str(&format!(
            "\nMediators at typical fighting (E = {})\n",
            format::sig(l.typical_escalation, 3)
        ));
        out.push_str(&format!(
            "  {:<18}{:>11}{:>11}{:>13}{:>13}{:>8}\n",
            "", "open, calm", "typical", "mean outage", "open spell", "w"
        ));
        for m in &r.mediators {
            let name: String = m.name.chars().take(17).collect();
            out.push_str(&format!(
                "  {name:<18}{:>11}{:>11}{:>13}{:>13}{:>8}\n",
                format!("{}%", format::percent(m.open_share_calm)),
                format!("{}%", format::percent(m.open_share_typical)),
                days(Some(m.mean_outage_days)),
                days(m.mean_open_days_typical),
                m.effectiveness,
            ));
        }
    }
    out.push_str(&format!(
        "\nRound sizes (mean people per round, before the pool cap)\n  \
         {} with no fighting, {} at typical fighting\n",
        format::people(r.round_sizes.mean_calm),
        format::people(r.round_sizes.mean_typical),
    ));
    if !r.events.is_empty() {
        out.push_str("\nWhat the events change when\n");
        for e in &r.events {
            let until = e
                .until
                .as_ref()
                .map_or(String::new(), |u| format!(" to {u}"));
            wrapped(&mut out, &format!("{}{until}: {}", e.date, e.name), "  ");
            for c in &e.changes {
                wrapped(&mut out, c, "    ");
            }
            if !e.starts.is_empty() {
                wrapped(&mut out, &format!("from {}:", e.date), "    ");
                value_rows(&mut out, &e.starts);
            }
            if let (Some(u), false) = (&e.until, e.ends.is_empty()) {
                wrapped(&mut out, &format!("after {u}:"), "    ");
                value_rows(&mut out, &e.ends);
            }
        }
    }
    out
}

/// A reference value for a reader, in the units of the tables above: a
/// daily probability with its mean wait, a share or a number.
fn shown(v: Option<f64>, unit: &str) -> String {
    let Some(v) = v else {
        return "none".to_string();
    };
    match unit {
        "probability per day" => {
            let wait = (v > 0.0).then(|| swapsim::scenario::reference::mean_wait_days(v));
            format!("{}%/day ({})", format::percent(v), days(wait))
        }
        "share of days" => format!("{}% open", format::percent(v)),
        "people" => format::people(v),
        _ => format::sig(v, 3),
    }
}

/// One line per changed value: "what: before -> after".
fn value_rows(out: &mut String, changes: &[ValueChange]) {
    for c in changes {
        wrapped(
            out,
            &format!(
                "{}: {} -> {}",
                c.what,
                shown(c.before, &c.unit),
                shown(c.after, &c.unit)
            ),
            "      ",
        );
    }
}

/// Width of the terminal the text is laid out for.
const WIDTH: usize = 80;

/// Appends `text` after `indent`, broken at spaces (and inside words longer
/// than a line, such as paths) so that no line passes [`WIDTH`] columns.
fn wrapped(out: &mut String, text: &str, indent: &str) {
    let room = WIDTH - indent.chars().count();
    let mut line = String::new();
    let mut flush = |line: &mut String| {
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
            line.clear();
        }
    };
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > room {
            flush(&mut line);
            line.extend(word.drain(..room));
            flush(&mut line);
        }
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.len();
        if needed > room {
            flush(&mut line);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    flush(&mut line);
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
