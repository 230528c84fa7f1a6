//! How numbers (and text read from files) are written for people:
//! significant digits, thousands separators, percentages and terminal-safe
//! text, defined once.
//!
//! Charts, the terminal, `report.html` and the comments of a calibrated
//! scenario all show the same kinds of numbers. Writing each kind in one
//! place keeps a value looking the same wherever a reader meets it, and
//! keeps rounding rules (how many digits an interval this wide deserves)
//! out of the code that draws or prints.

/// `v` rounded to `digits` significant digits, as the shortest decimal that
/// prints back to it: `round_sig(0.070_199, 4)` is `0.0702`, not
/// `0.07020000000000001`. Zero and non-finite values are returned as they
/// are.
pub fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let places = digits - 1 - v.abs().log10().floor() as i32;
    let scale = 10f64.powi(places);
    if !scale.is_finite() || scale == 0.0 || !(v * scale).is_finite() {
        // Beyond about 1e296 or below 1e-296 the power of ten leaves f64:
        // round the decimal mantissa instead (exact, in Rust's formatting).
        return format!("{:.*e}", (digits - 1).max(0) as usize, v)
            .parse()
            .unwrap_or(v);
    }
    let r = (v * scale).round() / scale;
    // Dividing by a power of ten leaves noise in the last bits; reparsing
    // the decimal text of the intended precision removes it.
    format!("{r:.*}", places.max(0) as usize)
        .parse()
        .unwrap_or(r)
}

/// Significant digits of a number written to a CSV or JSON file.
pub const DATA_DIGITS: i32 = 12;

/// `v` as written to CSV and JSON files: [`DATA_DIGITS`] significant
/// digits, the shortest decimal that prints back to it. Every estimate
/// swapsim writes comes from a sum of at most 10^9 trials in integers or
/// 2^-32 fixed point, so digits beyond the twelfth are floating-point noise
/// of the last division ("242.95000000000005" is written "242.95"), and far
/// below any Monte Carlo error.
pub fn data(v: f64) -> f64 {
    round_sig(v, DATA_DIGITS)
}

/// Significant digits of a decimal number as text ("242.95000000000005":
/// 17; "0.0702": 3; "1.5e-7": 2), leading and trailing zeros not counted.
pub fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

/// A field of a CSV file as [`data`] writes it: the text of a decimal
/// fraction with more than [`DATA_DIGITS`] significant digits, rounded;
/// `None` for any other field (integers, text, numbers already short),
/// which is then written as it is.
pub fn data_field(text: &str) -> Option<String> {
    if !text.contains(['.', 'e', 'E']) || significant_digits(text) <= DATA_DIGITS as usize {
        return None;
    }
    let v: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    // serde_json and csv both print an f64 as its shortest round-trip
    // decimal (ryu), so the rounded field reads as one written directly.
    serde_json::to_string(&data(v)).ok()
}

/// Every floating-point number in `value` rounded by [`data`]; integers,
/// text and the structure are untouched.
pub fn data_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(r) = n.as_f64().map(data).and_then(serde_json::Number::from_f64) {
                *n = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(data_json),
        Value::Object(map) => map.values_mut().for_each(data_json),
        _ => {}
    }
}

/// Decimal places that show `v` to `digits` significant digits (none for
/// large numbers), at most `max`.
fn sig_places(v: f64, digits: i32, max: i32) -> usize {
    (digits - 1 - v.abs().log10().floor() as i32).clamp(0, max) as usize
}

/// `v` to `digits` significant digits in plain decimals, keeping trailing
/// zeros that carry precision: "0.0040", "0.000049", "186". Infinite values
/// are "no limit" (an interval open at one end).
pub fn sig(v: f64, digits: i32) -> String {
    if !v.is_finite() {
        return "no limit".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    grouped(v, sig_places(v, digits, i32::MAX))
}

/// Four significant digits, in plain decimals down to 0.00001 and with an
/// exponent below that (an estimate on the boundary, where a row of zeros
/// would hide the digits): "0.06024", "1.250e-7". Infinite values are "no
/// limit". No thousands separators: the text is also a TOML number.
pub fn sig4_or_exponent(v: f64) -> String {
    if !v.is_finite() {
        return "no limit".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() < 1e-5 {
        return format!("{v:.3e}");
    }
    format!("{:.*}", sig_places(v, 4, i32::MAX), round_sig(v, 4))
}

/// A 95% interval as "low to high", each end by [`sig4_or_exponent`]:
/// "0.06725 to 0.1273", "0.002140 to no limit".
pub fn sig4_interval(ci: [f64; 2]) -> String {
    format!("{} to {}", sig4_or_exponent(ci[0]), sig4_or_exponent(ci[1]))
}

/// At most `digits` significant digits in the plain decimal form of a
/// scenario file, trailing zeros dropped: "0.0927", "0.00002251", "1200".
pub fn sig_trimmed(v: f64, digits: i32) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let s = format!("{v:.*}", sig_places(v, digits, 15));
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `v` with thousands separators and `decimals` decimals: "1,234.5".
/// Non-finite values are "n/a"; a negative value that rounds to zero has no
/// sign.
pub fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let digits = format!("{:.*}", decimals, v.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let mut out = String::new();
    if v < 0.0 && digits.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A count and its noun, with thousands separators: "1 parameter set",
/// "20,000 trials".
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", grouped(n as f64, 0))
    }
}

/// Decimals worth showing for a number of people: none from 100 up, where
/// Monte Carlo error exceeds one person anyway.
pub fn people_decimals(v: f64) -> usize {
    match v.abs() {
        a if a >= 100.0 || a == a.round() => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    }
}

/// A number of people with the decimals worth showing and thousands
/// separators.
pub fn people(v: f64) -> String {
    grouped(v, people_decimals(v))
}

/// A count for a glance, with three significant digits and a suffix:
/// "950", "292k", "1.25M", "3.10G".
pub fn compact(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        return "n/a".to_string();
    }
    let (scaled, suffix) = match v {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    let decimals = match scaled {
        s if s >= 100.0 => 0,
        s if s >= 10.0 => 1,
        _ => 2,
    };
    let decimals = if suffix.is_empty() { 0 } else { decimals };
    format!("{scaled:.decimals$}{suffix}")
}

/// A duration in seconds for a reader: "40 s", "3 min", "2.5 h".
pub fn duration(seconds: f64) -> String {
    match seconds {
        s if !s.is_finite() || s < 0.0 => "n/a".to_string(),
        s if s < 1.0 => "under 1 s".to_string(),
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// A probability in percent, with one decimal in the middle of the range and
/// two near 0% and 100%, where one decimal would round a rare event away.
pub fn percent(p: f64) -> String {
    let v = p * 100.0;
    if !v.is_finite() {
        "n/a".to_string()
    } else if v <= 0.0 {
        "0".to_string()
    } else if v >= 100.0 {
        "100".to_string()
    } else if v < 0.005 {
        "<0.01".to_string()
    } else if v > 99.995 {
        ">99.99".to_string()
    } else if !(1.0..=99.0).contains(&v) {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// An end of an interval in percent, rounded like [`percent`] but without
/// "<" or ">": "99.96–100%" reads better than "99.96–>99.99%".
pub fn percent_bound(p: f64) -> String {
    let v = p * 100.0;
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let decimals = if (1.0..=99.0).contains(&v) { 1 } else { 2 };
    let s = format!("{:.*}", decimals, v.clamp(0.0, 100.0));
    match s.trim_end_matches('0').trim_end_matches('.') {
        whole @ ("0" | "100") => whole.to_string(),
        _ => s,
    }
}

/// `text` made safe to print on a terminal: text read from files (names,
/// paths held in shard files, cells of a table) may carry escape sequences
/// that recolour, move the cursor, retitle the window or rewrite what was
/// printed before (carriage return), or bidirectional overrides that make
/// a line read differently from what it holds. Escape sequences (CSI
/// `ESC [ ... final`, OSC `ESC ] ... BEL` or `ESC \`, and two-byte `ESC x`)
/// are removed whole; any other control character except newline and tab,
/// and every invisible format character (see
/// [`crate::scenario::is_format_char`]), is removed. Text without any is
/// returned unchanged.
pub fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || crate::scenario::is_format_char(c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' || c == '\u{9b}' || c == '\u{9d}' {
            let kind = if c == '\u{1b}' {
                chars.next()
            } else {
                Some(if c == '\u{9b}' { '[' } else { ']' })
            };
            match kind {
                // Control sequence: parameters and intermediates up to one
                // final byte in @..~.
                Some('[') => {
                    for d in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&d) {
                            break;
                        }
                    }
                }
                // Operating-system command: up to BEL or the string
                // terminator ESC \.
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    while let Some(d) = chars.next() {
                        if d == '\u{7}' || d == '\u{9c}' {
                            break;
                        }
                        if d == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if !unsafe_char(c) {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_grouped_and_its_noun_singular_only_for_one() {
        assert_eq!(counted(1, "parameter set"), "1 parameter set");
        assert_eq!(counted(0, "trial"), "0 trials");
        assert_eq!(counted(20_000, "trial"), "20,000 trials");
    }

    #[test]
    fn text_for_the_terminal_loses_escapes_controls_and_overrides() {
        assert_eq!(terminal("Львів, 2025\n\tok"), "Львів, 2025\n\tok");
        assert_eq!(terminal("a\u{1b}[31;1mred\u{1b}[0m b"), "ared b");
        assert_eq!(
            terminal("\u{1b}]0;title\u{7}x\u{1b}]8;;http://e\u{1b}\\y"),
            "xy"
        );
        assert_eq!(terminal("bell\u{7} cr\rover\u{1b}c"), "bell crover");
        assert_eq!(terminal("abc\u{202e}fed\u{2066}\u{9b}2J"), "abcfed");
        assert_eq!(terminal("del\u{7f} nul\u{0} end\u{1b}"), "del nul end");
    }

    #[test]
    fn significant_digits_keep_the_precision_and_lose_the_noise() {
        assert_eq!(round_sig(0.070_199_9, 4), 0.0702);
        assert_eq!(round_sig(123_456.0, 4), 123_500.0);
        assert_eq!(round_sig(0.0, 4), 0.0);
        assert_eq!(round_sig(0.070_234_9, 4), 0.07023);
        assert_eq!(round_sig(185.95, 4), 186.0);
        assert_eq!(round_sig(0.000_412_38, 4), 0.0004124);
        assert_eq!(sig4_or_exponent(0.000_412_38), "0.0004124");
        assert_eq!(sig4_or_exponent(185.95), "186.0");
        assert_eq!(sig4_or_exponent(9.357e-14), "9.357e-14");
        assert_eq!(sig(0.004, 2), "0.0040");
        assert_eq!(sig(0.000_049_1, 2), "0.000049");
        assert_eq!(sig(186.4, 2), "186");
        assert_eq!(sig(f64::INFINITY, 2), "no limit");
        assert_eq!(sig4_or_exponent(0.060_24), "0.06024");
        assert_eq!(sig4_or_exponent(1.25e-7), "1.250e-7");
        assert_eq!(
            sig4_interval([0.002_14, f64::INFINITY]),
            "0.002140 to no limit"
        );
        assert_eq!(sig_trimmed(0.092_70, 4), "0.0927");
        assert_eq!(sig_trimmed(1200.0, 4), "1200");
        assert_eq!(sig_trimmed(0.000_022_51, 4), "0.00002251");
    }

    #[test]
    fn data_values_lose_the_noise_of_the_last_division_and_nothing_else() {
        assert_eq!(data(242.950_000_000_000_05), 242.95);
        assert_eq!(data(0.920_000_000_000_069_9), 0.92);
        assert_eq!(data(109.049_999_999_999_27), 109.05);
        assert_eq!(data(0.997_451_211_360_993_8).to_string(), "0.997451211361");
        assert_eq!(data(123_456_789_012.0), 123_456_789_012.0);
        assert_eq!(data(1.25e-9), 1.25e-9);
        assert_eq!(data(0.0), 0.0);
        assert!(data(f64::NAN).is_nan());
    }

    #[test]
    fn thousands_are_separated_and_signs_kept_only_where_they_show() {
        assert_eq!(grouped(1_234.5, 1), "1,234.5");
        assert_eq!(grouped(-1_234_567.0, 0), "-1,234,567");
        assert_eq!(grouped(-0.004, 2), "0.00");
        assert_eq!(grouped(f64::NAN, 0), "n/a");
        assert_eq!(people(1200.0), "1,200");
        assert_eq!(people(12.34), "12.3");
    }

    #[test]
    fn rates_and_durations_read_at_a_glance() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(292_345.0), "292k");
        assert_eq!(compact(1_250_000.0), "1.25M");
        assert_eq!(compact(31_000.0), "31.0k");
        assert_eq!(duration(12.4), "12 s");
        assert_eq!(duration(0.4), "under 1 s");
        assert_eq!(duration(200.0), "3 min");
        assert_eq!(duration(9000.0), "2.5 h");
    }

    #[test]
    fn percentages_keep_rare_events_visible() {
        assert_eq!(percent(0.021), "2.1");
        assert_eq!(percent(0.004), "0.40");
        assert_eq!(percent(0.000_01), "<0.01");
        assert_eq!(percent(1.0), "100");
        assert_eq!(percent_bound(0.999_6), "99.96");
        assert_eq!(percent_bound(1.0), "100");
    }

    #[test]
    fn data_fields_lose_only_digits_beyond_the_twelfth() {
        assert_eq!(data_field("242.95000000000005").as_deref(), Some("242.95"));
        assert_eq!(
            data_field("0.33333333333333331").as_deref(),
            Some("0.333333333333")
        );
        // Integers, text and numbers already short are written as they are.
        for kept in ["12345678901234567", "Qatar", "0.0702", "1.5e-7", "", "NaN"] {
            assert_eq!(data_field(kept), None, "{kept}");
        }
        assert_eq!(significant_digits("242.95000000000005"), 17);
        assert_eq!(significant_digits("0.0702"), 3);
        assert_eq!(significant_digits("1.5e-7"), 2);
    }

    #[test]
    fn data_rounds_every_float_of_a_json_tree_and_no_integer() {
        let mut v = serde_json::json!({
            "mean": 242.95000000000005,
            "rows": [[0.1, 0.30000000000000004], {"n": 12345678901234567u64}],
        });
        data_json(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"mean":242.95,"rows":[[0.1,0.3],{"n":12345678901234567}]}"#
        );
    }

    #[test]
    fn data_keeps_numbers_at_the_ends_of_the_f64_range_finite() {
        for v in [1e-300, 4.9e-324, 1.7e308, -1e-310] {
            let r = data(v);
            assert!(
                r.is_finite() && (r - v).abs() <= 1e-11 * v.abs(),
                "{v}: {r}"
            );
        }
    }
}
