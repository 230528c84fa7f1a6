//! `swapsim calibrate`: fit the exchange process to the record and write a
//! calibrated scenario.

use super::history::{RecordArgs, input, names, other, parse_date, window};
use super::{Error, load};
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};
use swapsim::calibration::CalibrateError;
use swapsim::calibration::conditions::Conditions;
use swapsim::calibration::diagnostics::{gap_rows, qq_rows, round_gaps, state_rows};
use swapsim::calibration::fit::Estimate;
use swapsim::calibration::mapping::{self, Calibration, Mapped};
use swapsim::calibration::rewrite::calibrated_text;
use swapsim::calibration::window::{window_rounds, window_sizes};
use swapsim::format;
use swapsim::history::rounds::Window;
use swapsim::plot::history::{CalibrationCharts, draw_calibration_charts};
use swapsim::report::{self, CommandManifest, Staging, TidyRow};
use swapsim::scenario::Scenario;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim calibrate
      Fit the whole shipped record to the built-in default scenario; write
      output/calibration/calibrated.toml with tables and charts.
  swapsim calibrate --from 2022-03-01 --to 2025-11-15 --sizes-from 2024-01-01
      Timing fitted on the whole record, round sizes on 2024-25 only (the
      values of the shipped scenarios).
  swapsim calibrate --base my-scenario.toml --out my-calibrated.toml
      Calibrate the baselines of your own scenario under its own escalation
      and mediation, and also write the result to a file.";

/// Last days of the gap chart beyond the longest gap.
const GAP_CHART_MARGIN: u32 = 20;

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// First day of the window for the timing of rounds [default: the
    /// record's first row].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day of both windows [default: the end of the record].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// First day of the window for round sizes [default: --from]. Rounds
    /// have grown over the war, so recent sizes may suit a scenario better.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub sizes_from: Option<NaiveDate>,
    /// Scenario whose values are calibrated [default: the built-in
    /// default, scenarios/istanbul-2025.toml].
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    /// Also write the calibrated scenario to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output directory for the calibrated scenario, tables and charts
    /// [default: output/calibration].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub record: RecordArgs,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A calibration error with the exit code it deserves: a window or base
/// scenario the fit cannot use is bad input.
pub(super) fn calibrate_failure(e: CalibrateError) -> Error {
    match e {
        CalibrateError::Engine(_) => Error::other(e),
        _ => Error::input_from(e),
    }
}

/// The window for round sizes: from `sizes_from` (or the timing window's
/// start) to the timing window's end.
pub(super) fn sizes_window(timing: Window, sizes_from: Option<NaiveDate>) -> Result<Window, Error> {
    let from = sizes_from.unwrap_or(timing.from);
    Window::new(from, timing.to).ok_or_else(|| {
        input(format!(
            "--sizes-from {from} is after the end of the window ({})",
            timing.to
        ))
    })
}

pub(super) fn run(args: &CalibrateArgs) -> Result<(), Error> {
    let record = args.record.load()?;
    let window = window(&record, args.from, args.to, ("--from", "--to"))?;
    let sizes_window = sizes_window(window, args.sizes_from)?;
    let (source, base) = load(args.base.as_deref())?;
    if let (Some(out), Some(base_path)) = (&args.out, &args.base)
        && same_file(out, base_path)
    {
        return Err(input(format!(
            "--out {} is the base scenario itself; write the calibrated scenario to another file",
            out.display()
        )));
    }
    let target = args
        .dir
        .clone()
        .unwrap_or_else(|| Path::new("output").join("calibration"));
    let staging = Staging::new(&target).map_err(other)?;

    let conditions = Conditions::simulate(&base).map_err(calibrate_failure)?;
    let cal = mapping::calibrate(&record, window, sizes_window, &base, &conditions)
        .map_err(calibrate_failure)?;
    let text = calibrated_text(&source.text, &cal).map_err(calibrate_failure)?;
    // The file must be a valid scenario; if not, the fault is swapsim's.
    Scenario::from_toml_str(&text, "the calibrated scenario").map_err(|e| {
        other(anyhow::anyhow!(
            "the calibrated scenario does not validate: {e}"
        ))
    })?;

    let (_, days) = window_rounds(&record, window);
    let params = cal.timing.params();
    let states = state_rows(&params, &days, window);
    let longest = round_gaps(&days).iter().map(|g| g.0).max().unwrap_or(0);
    let gaps = gap_rows(
        &days,
        &params,
        cal.timing.one_state.round.estimate,
        longest + GAP_CHART_MARGIN,
    );
    let (sizes, _, _) = window_sizes(&record, sizes_window);
    let qq = qq_rows(
        &sizes,
        cal.sizes.mean_extra.estimate,
        cal.sizes.dispersion.estimate,
    );

    let dir = staging.path();
    let mut written = Vec::new();
    let mut put = |name: &str, r: Result<(), report::ReportError>| -> Result<(), Error> {
        r.map_err(other)?;
        written.push(dir.join(name));
        Ok(())
    };
    put(
        "calibration.json",
        report::write_json(&dir.join("calibration.json"), &cal),
    )?;
    put(
        "calibration.csv",
        report::write_csv(&dir.join("calibration.csv"), tidy(&cal)),
    )?;
    put(
        "states.csv",
        report::write_csv(&dir.join("states.csv"), &states),
    )?;
    put("gaps.csv", report::write_csv(&dir.join("gaps.csv"), &gaps))?;
    put(
        "sizes_qq.csv",
        report::write_csv(&dir.join("sizes_qq.csv"), &qq),
    )?;
    let toml_path = dir.join("calibrated.toml");
    std::fs::write(&toml_path, &text)
        .map_err(|e| other(anyhow::anyhow!("cannot write {}: {e}", toml_path.display())))?;
    written.push(toml_path);
    if !args.no_charts {
        let charts = CalibrationCharts {
            calibration: &cal,
            states: &states,
            gaps: &gaps,
            qq: &qq,
        };
        written.extend(draw_calibration_charts(&charts, dir).map_err(other)?);
    }
    let mut outputs = names(&written);
    outputs.push(report::files::MANIFEST_JSON.to_string());
    let manifest = CommandManifest::new(
        (&record.source_name, &record.sha256),
        Some(&source),
        outputs,
    );
    report::write_json(&dir.join(report::files::MANIFEST_JSON), &manifest).map_err(other)?;
    let out_dir = staging.commit().map_err(other)?;
    if let Some(out) = &args.out {
        write_atomically(out, &text)?;
    }
    if !args.quiet {
        say!(
            "{}",
            calibration_table(&cal, base.name(), &source.display_name).trim_end()
        );
        say!(
            "  calibrated scenario: {}{}",
            out_dir.join("calibrated.toml").display(),
            args.out
                .as_ref()
                .map_or(String::new(), |o| format!(" and {}", o.display()))
        );
        say!("  results: {}", out_dir.display());
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Writes `text` to `path` through a temporary file beside it, so that an
/// interrupted write never leaves half a scenario.
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| other(anyhow::anyhow!("cannot write {}: {e}", path.display()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| input(format!("--out {} is not a file name", path.display())))?;
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// The calibration as (quantity, statistic, value) rows.
fn tidy(c: &Calibration) -> Vec<TidyRow> {
    let mut rows = Vec::new();
    let mut push = |q: &str, stat: &str, v: Option<f64>| {
        rows.push(TidyRow {
            outcome: q.to_string(),
            statistic: stat.to_string(),
            value: v,
        })
    };
    for (q, e) in [
        ("p_suspend_per_active_day", &c.timing.suspend),
        ("p_resume_per_suspended_day", &c.timing.resume),
        ("p_round_per_active_day", &c.timing.round),
        ("p_round_per_eligible_day", &c.round_per_eligible_day),
        ("p_round_one_state", &c.timing.one_state.round),
        ("size_minus_one_mean", &c.sizes.mean_extra),
        ("size_dispersion_k", &c.sizes.dispersion),
    ] {
        push(q, "estimate", Some(e.estimate));
        push(q, "se", e.se);
        push(q, "ci95_low", Some(e.ci95[0]));
        push(q, "ci95_high", Some(e.ci95[1]));
    }
    push(
        "log_likelihood_two_state",
        "value",
        Some(c.timing.log_likelihood),
    );
    push(
        "log_likelihood_one_state",
        "value",
        Some(c.timing.one_state.log_likelihood),
    );
    push(
        "likelihood_ratio",
        "statistic",
        Some(c.timing.lr_test.statistic),
    );
    push(
        "likelihood_ratio",
        "p_value_chi2_2df",
        Some(c.timing.lr_test.p_value),
    );
    push(
        "mean_escalation",
        "value",
        Some(c.conditions.mean_escalation),
    );
    push("mean_mediation", "value", Some(c.conditions.mean_mediation));
    for m in c.values.all() {
        push(m.path, "value", Some(m.value));
        push(m.path, "ci95_low", Some(m.ci95[0]));
        push(
            m.path,
            "ci95_high",
            Some(m.ci95[1]).filter(|v| v.is_finite()),
        );
        push(m.path, "base_value", Some(m.base_value));
    }
    rows
}

fn interval(ci: [f64; 2]) -> String {
    format!(
        "{} to {}",
        format::sig4_or_exponent(ci[0]),
        format::sig4_or_exponent(ci[1])
    )
}

/// The calibration as a plain-text table.
pub fn calibration_table(c: &Calibration, scenario_name: &str, base_file: &str) -> String {
    let t = &c.timing;
    let v = &c.values;
    let mut out = format!(
        "Calibration of \"{scenario_name}\" ({base_file})\n  to {}\n",
        c.record
    );
    out.push_str(&format!(
        "  timing of rounds: {} to {}, {} days, {} rounds; two-state hidden Markov model, 95% profile-likelihood intervals\n",
        c.window.from, c.window.to, t.days, t.rounds
    ));
    let line = |what: &str, e: &Estimate, m: &Mapped| {
        format!(
            "    {what:<32} {:>10}  ({:<22})  -> {} = {} ({}; was {})\n",
            format::sig4_or_exponent(e.estimate),
            interval(e.ci95),
            m.path,
            format::sig4_or_exponent(m.value),
            interval(m.ci95),
            format::sig4_or_exponent(m.base_value)
        )
    };
    out.push_str(&line(
        "P(suspended) per active day",
        &t.suspend,
        &v.suspension_base,
    ));
    out.push_str(&line(
        "P(resumes) per suspended day",
        &t.resume,
        &v.resumption_base,
    ));
    out.push_str(&line("P(round) per active day", &t.round, &v.round_rate));
    out.push_str(&format!(
        "    two states against one: log-likelihood {:.2} against {:.2}; likelihood ratio {:.2}, p = {:.3} ({}; approximate)\n",
        t.log_likelihood, t.one_state.log_likelihood, t.lr_test.statistic, t.lr_test.p_value, t.lr_test.reference
    ));
    out.push_str(&format!(
        "  round sizes: {} to {}, {} rounds with a figure ({} without one left out); 1 + negative binomial\n",
        c.sizes_window.from, c.sizes_window.to, c.sizes.rounds, c.sizes_without_figure
    ));
    out.push_str(&line(
        "mean of size - 1 (people)",
        &c.sizes.mean_extra,
        &v.size_mean,
    ));
    out.push_str(&line(
        "dispersion k",
        &c.sizes.dispersion,
        &v.size_dispersion,
    ));
    out.push_str(&format!(
        "  baselines averaged over the scenario's simulated conditions: mean escalation {:.2}, mean mediation {:.2}\n",
        c.conditions.mean_escalation, c.conditions.mean_mediation
    ));
    let assumed: Vec<String> = c
        .assumed
        .iter()
        .map(|a| format!("{} = {}", a.path, format::sig4_or_exponent(a.value)))
        .collect();
    out.push_str(&format!(
        "  assumed, not identifiable from the record (kept from the scenario): {}\n",
        assumed.join(", ")
    ));
    out
}
