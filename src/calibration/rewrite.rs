//! The calibrated scenario file: the base scenario's text with the fitted
//! values written in.
//!
//! A calibrated scenario must stay a file a person can read, edit and
//! diff against its base, so it is not serialised afresh: the base
//! scenario's own text is edited in place with `toml_edit`, keeping its
//! comments and layout. Each fitted value is set where it stands, its
//! comment saying it was fitted; the `[uncertainties]` entries of those
//! values are restated as the fit's intervals; and a comment block on top
//! records what was fitted to which window of which record, and what was
//! assumed. Calibrating a calibrated file replaces that block rather than
//! stacking another.

use super::CalibrateError;
use super::fit::Estimate;
use super::mapping::{Calibration, Mapped, MappedValues};
use crate::format;

/// First and last lines of the block a calibration puts at the top of a
/// scenario file. A block left by an earlier calibration is replaced.
pub const BLOCK_START: &str = "# ---- calibrated by `swapsim calibrate` ----";
pub const BLOCK_END: &str = "# ---- end of calibration ----";
/// First and last lines of the block `swapsim forecast` puts above the
/// calibration block; calibrating a forecast replaces both.
pub const FORECAST_START: &str = "# ---- forecast by `swapsim forecast` ----";
pub const FORECAST_END: &str = "# ---- end of forecast ----";

/// `text` without a forecast block and a calibration block at its top.
fn strip_block(text: &str) -> &str {
    let text = match text.find(FORECAST_END) {
        Some(end) if text.starts_with(FORECAST_START) => {
            text[end + FORECAST_END.len()..].trim_start_matches(['\n', '\r'])
        }
        _ => text,
    };
    if text.starts_with(BLOCK_START)
        && let Some(end) = text.find(BLOCK_END)
    {
        return text[end + BLOCK_END.len()..].trim_start_matches(['\n', '\r']);
    }
    text
}

/// The calibration block: what was fitted, on which window, with
/// intervals, and what was assumed.
pub fn header_block(c: &Calibration) -> String {
    let t = &c.timing;
    let f = &c.model;
    let v = &c.values;
    let line = |what: &str, e: &Estimate, m: &Mapped| {
        format!(
            "#   {what:<27} {} ({})  ->  {} = {} ({})",
            format::sig4_or_exponent(e.estimate),
            format::sig4_interval(e.ci95),
            m.path,
            format::sig4_or_exponent(m.value),
            format::sig4_interval(m.ci95)
        )
    };
    let mut lines = vec![
        BLOCK_START.to_string(),
        format!(
            "# Record: {}, SHA-256 {}...",
            c.record,
            &c.record_sha256[..12.min(c.record_sha256.len())]
        ),
        format!(
            "# Timing of rounds, {} to {}: {} days, {} rounds (exchanges on consecutive",
            c.window.from, c.window.to, t.days, t.rounds
        ),
        "# days count as one round). Maximum likelihood, 95% profile-likelihood intervals;"
            .to_string(),
    ];
    lines.extend(wrap_comment(&format!("Model: {}.", f.model)));
    lines.extend([
        line("suspended, per active day", &f.suspend, &v.suspension_base),
        line("resumes, per suspended day", &f.resume, &v.resumption_base),
        line("round, per active day", &f.round, &v.round_rate),
        format!(
            "#   two states against one: likelihood ratio {:.2}, p = {:.3} (chi-square, 2 df; approximate)",
            t.lr_test.statistic, t.lr_test.p_value
        ),
    ]);
    if c.boundary.is_some() && f.variant.states == super::variant::States::OneState {
        lines.push(
            "#   one state: never suspended by construction; the resumption base is".to_string(),
        );
        lines.push("#   not identified and is kept from the base scenario".to_string());
    } else if c.boundary.is_some() {
        lines.push(
            "#   boundary fit: never suspended (a one-state process); the resumption base is"
                .to_string(),
        );
        lines.push(
            "#   not identified by this window and is kept from the base scenario".to_string(),
        );
    }
    lines.extend([
        format!(
            "# Round sizes (people returned to Ukraine), {} to {}: {} rounds with a",
            c.sizes_window.from, c.sizes_window.to, c.sizes.rounds
        ),
        format!(
            "# figure ({} without one left out). 1 + negative binomial, maximum likelihood,",
            c.sizes_without_figure + c.sizes_of_zero
        ),
        "# 95% profile-likelihood intervals:".to_string(),
        line(
            "mean of size - 1 (people)",
            &c.sizes.mean_extra,
            &v.size_mean,
        ),
        line("dispersion k", &c.sizes.dispersion, &v.size_dispersion),
        "# Baselines: the mean daily probabilities over this scenario's own simulated".to_string(),
        format!(
            "# escalation and mediation (mean E {:.2}, mean M {:.2}; {} histories of {} days)",
            c.conditions.mean_escalation,
            c.conditions.mean_mediation,
            c.conditions.trials,
            c.conditions.days_per_trial
        ),
        "# equal the fitted ones. The escalation and mediation coefficients cannot be".to_string(),
        "# estimated from the record, which holds no daily measure of fighting or of open"
            .to_string(),
        "# channels: they are assumed, kept from the base scenario, as is every value".to_string(),
        "# not listed here.".to_string(),
        BLOCK_END.to_string(),
    ]);
    lines.join("\n") + "\n"
}

/// `text` as comment lines of at most about 80 characters.
pub fn wrap_comment(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 80 && line.len() > 1 {
            out.push(std::mem::replace(&mut line, String::from("#")));
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        out.push(line);
    }
    out
}

/// The base scenario's text with the calibrated values set (comments and
/// layout kept; the comment of each changed value says it was fitted) and
/// the calibration block on top.
pub fn calibrated_text(base_text: &str, c: &Calibration) -> Result<String, CalibrateError> {
    let body = strip_block(base_text);
    let mut doc: toml_edit::DocumentMut = body.parse().map_err(|e: toml_edit::TomlError| {
        CalibrateError::Mapping(format!("cannot edit the base scenario: {e}"))
    })?;
    let window = format!("{} to {}", c.window.from, c.window.to);
    let sizes_window = format!("{} to {}", c.sizes_window.from, c.sizes_window.to);
    for (m, span) in [
        (&c.values.round_rate, &window),
        (&c.values.suspension_base, &window),
        (&c.values.resumption_base, &window),
        (&c.values.size_mean, &sizes_window),
        (&c.values.size_dispersion, &sizes_window),
    ] {
        let comment = if c.boundary.is_some() && m.path == c.values.resumption_base.path {
            // Never suspended: nothing resumes, and the record says nothing
            // of this hazard.
            "assumed: not identified by the record over this window (the fit is never \
             suspended); kept from the base scenario"
                .to_string()
        } else {
            format!(
                "fitted to the record {span} (95% CI {}); see the header",
                format::sig4_interval(m.ci95)
            )
        };
        set_value(&mut doc, m.path, m.value, &comment)?;
    }
    update_uncertainties(&mut doc, &c.values);
    Ok(format!("{}\n{}", header_block(c), doc))
}

/// Restates, in the base scenario's `[uncertainties]` table, the entries of
/// the fitted values as what the fit says of them, so that a sensitivity
/// analysis of the calibrated file ranges them over their 95% intervals:
/// a triangular law from one end of the interval to the other with its mode
/// at the value; for the two baseline hazards, whose intervals span orders
/// of magnitude, a lognormal around the value whose upper 2.5% point is the
/// interval's upper end, cut to the interval. Only entries the base declares
/// are restated; an interval with an open end leaves its entry as it was.
pub fn update_uncertainties(doc: &mut toml_edit::DocumentMut, values: &MappedValues) {
    let Some(table) = doc.get_mut("uncertainties").and_then(|t| t.as_table_mut()) else {
        return;
    };
    // A fit that is never suspended cannot say how rare a suspension might
    // still be: the entry becomes an assumption from never (the fit) up to
    // the upper end the file gave it.
    if values.suspension_base.value == 0.0
        && let Some(max) = table
            .get(values.suspension_base.path)
            .and_then(|v| v.as_inline_table())
            .and_then(|t| t.get("max"))
            .and_then(|v| v.as_float())
    {
        let mut law = toml_edit::InlineTable::new();
        law.insert("min", 0.0.into());
        law.insert("max", max.into());
        if let Some((mut key, _)) = table.remove_entry(values.suspension_base.path) {
            key.leaf_decor_mut().set_prefix(
                "# Assumed: the fitted model is never suspended, so how often a suspension could\n\
                 # still come is a judgement, from never to the upper end given before.\n",
            );
            table.insert_formatted(&key, toml_edit::value(law));
        }
    }
    for m in values.all() {
        let [lo, hi] = m.ci95;
        let usable = lo.is_finite() && hi.is_finite() && lo < m.value && m.value < hi;
        if !table.contains_key(m.path) || !usable {
            continue;
        }
        let mut law = toml_edit::InlineTable::new();
        let lognormal = m.path.ends_with(".base");
        let comment = if lognormal {
            // Upper end 1.96 standard deviations above the median on the log
            // scale; one decimal is as precise as such an interval allows.
            let gsd = ((hi / m.value).ln() / crate::stats::interval::Z95).exp();
            let gsd = ((gsd * 10.0).round() / 10.0).max(1.1);
            law.insert("distribution", "lognormal".into());
            law.insert("median", m.value.into());
            law.insert("gsd", gsd.into());
            "# Fitted: lognormal around the calibrated value, its upper 2.5% point at the end\n\
             # of the 95% interval, cut to that interval (swapsim calibrate; see the header).\n"
        } else {
            law.insert("distribution", "triangular".into());
            law.insert("min", lo.into());
            law.insert("mode", m.value.into());
            law.insert("max", hi.into());
            "# Fitted: the 95% interval of the calibrated value (swapsim calibrate; see the header).\n"
        };
        if lognormal {
            law.insert("min", lo.into());
            law.insert("max", hi.into());
        }
        if let Some(item) = table.get_mut(m.path) {
            *item = toml_edit::value(law);
        }
        if let Some(mut key) = table.key_mut(m.path) {
            key.leaf_decor_mut().set_prefix(comment);
        }
    }
}

/// Sets the number at dotted `path` and the comment at the end of its line.
pub fn set_value(
    doc: &mut toml_edit::DocumentMut,
    path: &str,
    value: f64,
    comment: &str,
) -> Result<(), CalibrateError> {
    let missing = || CalibrateError::Mapping(format!("the base scenario has no {path} to set"));
    let steps: Vec<&str> = path.split('.').collect();
    let (last, parents) = steps.split_last().ok_or_else(missing)?;
    let mut item: &mut toml_edit::Item = doc.as_item_mut();
    for s in parents {
        item = item.get_mut(s).ok_or_else(missing)?;
    }
    // A value inside an inline table shares its line with the table: the
    // comment goes after the table.
    let inline_parent = item.is_inline_table();
    let slot = item.get_mut(last).ok_or_else(missing)?;
    let old = slot.as_value().ok_or_else(missing)?;
    let decor = old.decor().clone();
    let bare_len = |v: &toml_edit::Value| {
        let mut v = v.clone();
        v.decor_mut().clear();
        v.to_string().chars().count() as i64
    };
    let mut new = toml_edit::Value::from(value);
    // How much longer the line gets, so the comment can stay in its column.
    let grown = bare_len(&new) - bare_len(old);
    *new.decor_mut() = decor;
    *slot = toml_edit::Item::Value(new);
    let target = if inline_parent {
        item.as_value_mut().ok_or_else(missing)?
    } else {
        slot.as_value_mut().ok_or_else(missing)?
    };
    let suffix = target
        .decor()
        .suffix()
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    let pad = suffix
        .find('#')
        .map_or(2, |i| suffix[..i].chars().count() as i64);
    let pad = " ".repeat((pad - grown).max(2) as usize);
    target.decor_mut().set_suffix(format!("{pad}# {comment}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_a_value_keeps_the_layout_and_rewrites_the_comment() {
        let text = "[exchange]\nround_rate = 0.08   # record: old\nsuspension = { base = 0.002, escalation_coef = 1.0 }   # record: old\n";
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        set_value(&mut doc, "exchange.round_rate", 0.0702, "fitted").unwrap();
        set_value(&mut doc, "exchange.suspension.base", 0.0041, "fitted too").unwrap();
        assert_eq!(
            doc.to_string(),
            // The values grew by two characters; the comments keep their
            // column where the padding allows, and two spaces at least.
            "[exchange]\nround_rate = 0.0702  # fitted\nsuspension = { base = 0.0041, escalation_coef = 1.0 }  # fitted too\n"
        );
        assert!(set_value(&mut doc, "exchange.nothing", 1.0, "x").is_err());
    }

    #[test]
    fn declared_uncertainties_of_fitted_values_become_their_intervals() {
        let text = "[exchange]\nround_rate = 0.08\n\n[uncertainties]\n\
                    # a guess\n\"exchange.round_rate\" = { min = 0.05, max = 0.12 }\n\
                    # another guess\n\"exchange.suspension.base\" = { distribution = \"lognormal\", median = 0.002, gsd = 2 }\n\
                    # kept\n\"exchange.preparation_days\" = { min = 3, max = 14 }\n";
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        let m = |path, value, ci95| Mapped {
            path,
            value,
            ci95,
            base_value: 0.0,
        };
        let values = MappedValues {
            round_rate: m("exchange.round_rate", 0.0927, [0.06725, 0.1273]),
            suspension_base: m("exchange.suspension.base", 0.001824, [0.00002251, 0.01103]),
            resumption_base: m(
                "exchange.resumption.base",
                0.01645,
                [0.00214, f64::INFINITY],
            ),
            size_mean: m("exchange.size_mean", 239.4, [170.8, 350.0]),
            size_dispersion: m("exchange.size_dispersion", 1.548, [0.8465, 2.606]),
        };
        update_uncertainties(&mut doc, &values);
        let out = doc.to_string();
        assert!(out.contains(
            "# Fitted: the 95% interval of the calibrated value (swapsim calibrate; see the header).\n\
             \"exchange.round_rate\" = { distribution = \"triangular\", min = 0.06725, mode = 0.0927, max = 0.1273 }"
        ), "{out}");
        assert!(out.contains(
            "\"exchange.suspension.base\" = { distribution = \"lognormal\", median = 0.001824, gsd = 2.5, min = 0.00002251, max = 0.01103 }"
        ), "{out}");
        assert!(
            out.contains("# kept\n\"exchange.preparation_days\" = { min = 3, max = 14 }"),
            "{out}"
        );
        // Entries the base does not declare are not added.
        assert!(!out.contains("exchange.size_mean"), "{out}");
        assert!(!out.contains("a guess"), "{out}");
    }

    #[test]
    fn a_previous_calibration_block_is_replaced_not_stacked() {
        let text = format!("{BLOCK_START}\n# old\n{BLOCK_END}\n# header\nversion = 1\n");
        assert_eq!(strip_block(&text), "# header\nversion = 1\n");
    }
}
