//! Charts read back from an output directory, checked against what swapsim
//! draws before they are inlined into `report.html`.
//!
//! An output folder is a place anyone can write to, and a report is opened
//! in a browser, where inline SVG is live markup: an `<image onerror>`, a
//! link to `javascript:`, a remote image or a style sheet would run or
//! fetch as soon as the page opens. So an SVG file is treated as data. It
//! is inlined only if every element, attribute and value is one that the
//! plotters SVG backend writes for swapsim's charts (plain shapes and
//! text), an allow-list rather than a list of known attacks; anything else
//! leaves the chart out of the page. Text between tags may hold any words
//! (a scenario named "onload" is harmless there), because it stays text.

/// Elements the plotters SVG backend writes for swapsim's charts (`image`,
/// which plotters writes only to blit bitmaps, is not one of them).
const ELEMENTS: [&str; 7] = [
    "svg", "rect", "line", "polyline", "polygon", "circle", "text",
];

/// What an attribute's value may be: a narrow alphabet per attribute, so
/// that no value can hold a URL, an entity, a script or CSS.
#[derive(Clone, Copy)]
enum Value {
    /// A number: digits, sign, point, exponent.
    Number,
    /// Numbers separated by spaces or commas (`points`, `viewBox`).
    Numbers,
    /// A colour: `#rrggbb` or a colour keyword such as `none`.
    Colour,
    /// A keyword of letters and hyphens (`middle`, `bold`).
    Keyword,
    /// A length with a unit (`dy="0.76em"`).
    Length,
    /// A font family list (`sans-serif`).
    Family,
    /// `rotate(a, x, y)`.
    Rotation,
    /// The SVG namespace, exactly.
    Namespace,
}

/// Attributes the plotters SVG backend writes, each with its alphabet.
const ATTRIBUTES: [(&str, Value); 22] = [
    ("width", Value::Number),
    ("height", Value::Number),
    ("viewBox", Value::Numbers),
    ("xmlns", Value::Namespace),
    ("x", Value::Number),
    ("y", Value::Number),
    ("x1", Value::Number),
    ("y1", Value::Number),
    ("x2", Value::Number),
    ("y2", Value::Number),
    ("cx", Value::Number),
    ("cy", Value::Number),
    ("r", Value::Number),
    ("dy", Value::Length),
    ("points", Value::Numbers),
    ("opacity", Value::Number),
    ("fill", Value::Colour),
    ("stroke", Value::Colour),
    ("stroke-width", Value::Number),
    ("text-anchor", Value::Keyword),
    ("font-family", Value::Family),
    ("font-size", Value::Number),
];

/// Attributes outside [`ATTRIBUTES`] that plotters writes on text.
const TEXT_ATTRIBUTES: [(&str, Value); 3] = [
    ("font-weight", Value::Keyword),
    ("font-style", Value::Keyword),
    ("transform", Value::Rotation),
];

/// Entities plotters writes when it escapes text.
const ENTITIES: [&str; 5] = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"];

fn value_allowed(kind: Value, v: &str) -> bool {
    fn number(c: char) -> bool {
        c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')
    }
    let all = |f: fn(char) -> bool| !v.is_empty() && v.chars().all(f);
    match kind {
        Value::Number => all(number),
        Value::Numbers => all(|c| number(c) || matches!(c, ' ' | ',' | '\n')),
        Value::Colour => {
            all(|c| c.is_ascii_alphanumeric() || c == '#')
                && (v.starts_with('#') || v.chars().all(|c| c.is_ascii_lowercase()))
        }
        Value::Keyword => all(|c| c.is_ascii_lowercase() || c == '-'),
        Value::Length => all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'm' | 'x')),
        Value::Family => all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ' ' | ',')),
        Value::Rotation => v
            .strip_prefix("rotate(")
            .and_then(|r| r.strip_suffix(')'))
            .is_some_and(|inner| {
                !inner.is_empty() && inner.chars().all(|c| number(c) || matches!(c, ' ' | ','))
            }),
        Value::Namespace => v == "http://www.w3.org/2000/svg",
    }
}

fn attribute_allowed(element: &str, name: &str, value: &str) -> bool {
    let known = ATTRIBUTES
        .iter()
        .chain(if element == "text" {
            &TEXT_ATTRIBUTES[..]
        } else {
            &[]
        })
        .find(|(n, _)| *n == name);
    known.is_some_and(|&(_, kind)| value_allowed(kind, value))
}

/// Checks that `svg` (from its `<svg` tag to the end) holds only what
/// swapsim's charts hold: the elements and attributes above with values in
/// their alphabets, balanced tags under one `<svg>` root, and text with no
/// entity but plotters' five. Returns why not, in words that quote nothing
/// from the file (its contents are not to be echoed into the page).
fn check(svg: &str) -> Result<(), &'static str> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    let mut seen_root = false;
    while !rest.is_empty() {
        if seen_root && stack.is_empty() {
            return if rest.trim().is_empty() {
                Ok(())
            } else {
                Err("it has content after its closing </svg> tag")
            };
        }
        let Some(lt) = rest.find('<') else {
            return Err("it ends before its closing </svg> tag");
        };
        check_text(&rest[..lt])?;
        rest = &rest[lt + 1..];
        let gt = rest.find('>').ok_or("it has a tag that never closes")?;
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name.trim_end()) {
                return Err("its tags do not nest");
            }
            continue;
        }
        let (body, closed) = match tag.strip_suffix('/') {
            Some(b) => (b, true),
            None => (tag, false),
        };
        let name_end = body
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(body.len());
        let name = &body[..name_end];
        if !ELEMENTS.contains(&name) {
            return Err("it holds an element that swapsim's charts never contain");
        }
        if (name == "svg") == seen_root {
            return Err("it does not have exactly one <svg> root element");
        }
        seen_root = true;
        check_attributes(name, &body[name_end..])?;
        if !closed {
            stack.push(name);
        }
    }
    if stack.is_empty() && seen_root {
        Ok(())
    } else {
        Err("it ends before its closing </svg> tag")
    }
}

/// Checks the attributes of one start tag: `name="value"` pairs, each
/// allowed for `element`.
fn check_attributes(element: &str, mut attrs: &str) -> Result<(), &'static str> {
    const BAD: &str = "it holds an attribute or value that swapsim's charts never contain";
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let (name, after) = attrs.split_once('=').ok_or(BAD)?;
        let after = after.strip_prefix('"').ok_or(BAD)?;
        let (value, after) = after.split_once('"').ok_or(BAD)?;
        if !attribute_allowed(element, name, value) {
            return Err(BAD);
        }
        if !after.is_empty() && !after.starts_with(|c: char| c.is_ascii_whitespace()) {
            return Err(BAD);
        }
        attrs = after;
    }
}

/// Checks text between tags: any characters, but `&` only as one of the
/// entities plotters writes (so nothing is hidden in a character
/// reference).
fn check_text(text: &str) -> Result<(), &'static str> {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        rest = &rest[amp..];
        let entity = ENTITIES
            .iter()
            .find(|e| rest.starts_with(**e))
            .ok_or("its text holds a character reference that swapsim's charts never contain")?;
        rest = &rest[entity.len()..];
    }
    Ok(())
}

/// The `<svg>` element of an SVG file, ready to inline, or why it is not
/// shown. The XML prolog before the root is dropped, and the root's fixed
/// width and height are removed so that CSS can scale it by its viewBox.
pub fn inline(text: &str) -> Result<String, &'static str> {
    let start = text.find("<svg").ok_or("it has no <svg> element")?;
    let svg = text[start..].trim_end();
    check(svg)?;
    let tag_end = svg.find('>').ok_or("it has a tag that never closes")?;
    let (root, rest) = svg.split_at(tag_end);
    let mut root = root.to_string();
    let has_view_box = root.contains("viewBox=");
    let mut size = Vec::new();
    for attr in [" width=\"", " height=\""] {
        if let Some(i) = root.find(attr) {
            let value_start = i + attr.len();
            let value_end = value_start
                + root[value_start..]
                    .find('"')
                    .ok_or("it has a tag that never closes")?;
            size.push(root[value_start..value_end].to_string());
            root.replace_range(i..=value_end, "");
        }
    }
    if !has_view_box && size.len() == 2 {
        root.push_str(&format!(" viewBox=\"0 0 {} {}\"", size[0], size[1]));
    }
    Ok(format!("{root} role=\"img\"{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "<svg width=\"800\" height=\"500\" viewBox=\"0 0 800 500\" \
                        xmlns=\"http://www.w3.org/2000/svg\">\n";

    fn wrap(inner: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n{ROOT}{inner}</svg>\n")
    }

    #[test]
    fn a_chart_as_plotters_draws_it_is_inlined_unchanged_but_for_its_size() {
        let body = "<rect x=\"0\" y=\"0\" width=\"800\" height=\"500\" opacity=\"1\" \
                    fill=\"#FFFFFF\" stroke=\"none\"/>\n<polyline fill=\"none\" opacity=\"1\" \
                    stroke=\"#0072B2\" stroke-width=\"2\" points=\"1,2 3,4 \"/>\n<text x=\"10\" \
                    y=\"20\" dy=\"0.76em\" text-anchor=\"middle\" font-family=\"sans-serif\" \
                    font-size=\"12.9\" opacity=\"1\" fill=\"#000000\" font-weight=\"bold\" \
                    transform=\"rotate(270, 10, 20)\">Talks &amp; onload: javascript: \
                    &lt;b&gt;</text>\n<circle cx=\"1\" cy=\"2\" r=\"3\" opacity=\"0.5\" \
                    fill=\"#E69F00\" stroke=\"#E69F00\" stroke-width=\"1\"/>\n";
        let inlined = inline(&wrap(body)).unwrap();
        assert_eq!(
            inlined,
            format!(
                "<svg viewBox=\"0 0 800 500\" xmlns=\"http://www.w3.org/2000/svg\" \
                 role=\"img\">\n{body}</svg>"
            )
        );
    }

    #[test]
    fn active_or_remote_markup_leaves_the_chart_out() {
        let hostile = [
            "<image href=\"x\" onerror=\"alert(1)\"/>",
            "<rect x=\"1\" onload=\"alert(1)\"/>",
            "<a href=\"&#106;avascript:alert(1)\"><text>x</text></a>",
            "<image href=\"http://example.com/track.png\"/>",
            "<style>@import url(http://example.com/x.css);</style>",
            "<rect fill=\"url(http://example.com/x)\"/>",
            "<rect style=\"background:url(x)\"/>",
            "<script>alert(1)</script>",
            "<foreignObject><div>x</div></foreignObject>",
            "<text>&#60;script&#62;</text>",
            "<!-- --><rect/>",
            "<rect x=\"1\"/></svg><script>alert(1)</script><svg>",
            "<text fill=\"javascript:alert(1)\">x</text>",
            "<rect x='1'/>",
            "<rect/",
        ];
        for h in hostile {
            assert!(inline(&wrap(h)).is_err(), "accepted {h}");
        }
        assert!(inline("<svg><rect/>").is_err());
        assert!(inline("no chart").is_err());
    }
}
