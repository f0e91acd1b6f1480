//! What `npio diff` prints: a line per difference and a summary, or one JSON object.

use serde_json::{json, Value};

use super::values::{unravel, ArrayDiff, Tolerance, Values};
use super::Outcome;
use crate::show::shape_text;

fn index_text(flat: usize, shape: &[usize]) -> String {
    let index = unravel(flat, shape);
    format!(
        "[{}]",
        index
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `1.5`, `inf`, `3e-12`: short and exact enough to read.
fn number(x: f64) -> String {
    if x.is_infinite() {
        "inf".into()
    } else {
        format!("{x:.6e}")
            .parse::<f64>()
            .map_or_else(|_| x.to_string(), |r| r.to_string())
    }
}

fn values_text(v: &Values, shape: &[usize]) -> String {
    let mut text = format!("{} of {} values differ", v.different, v.compared);
    if let Some(first) = v.first {
        text += &format!(", the first at {}", index_text(first, shape));
    }
    if let Some((d, at)) = v.max_abs.filter(|(d, _)| *d > 0.0) {
        text += &format!("; largest |a-b| {} at {}", number(d), index_text(at, shape));
    }
    if let Some((r, at)) = v.max_rel.filter(|(r, _)| *r > 0.0) {
        text += &format!(
            "; largest |a-b|/|b| {} at {}",
            number(r),
            index_text(at, shape)
        );
    }
    text
}

/// The lines for one pair of arrays (`label` is its name, or `field` paths below it).
fn array_lines(label: &str, d: &ArrayDiff, out: &mut Vec<String>) {
    let name = |text: String| {
        if label.is_empty() {
            text
        } else {
            format!("{label}: {text}")
        }
    };
    if d.dtype_differs {
        out.push(name(format!("dtype {} vs {}", d.dtypes.0, d.dtypes.1)));
    }
    if d.shapes.0 != d.shapes.1 {
        out.push(name(format!(
            "shape {} vs {}",
            shape_text(&d.shapes.0),
            shape_text(&d.shapes.1)
        )));
    } else if let Some(reason) = &d.not_compared {
        out.push(name(format!("values not compared: {reason}")));
    }
    if let Some(v) = d.values.as_ref().filter(|v| v.different > 0) {
        out.push(name(values_text(v, &d.shapes.0)));
    }
    for field in &d.only_fields.0 {
        out.push(name(format!("field {field:?} only in A")));
    }
    for field in &d.only_fields.1 {
        out.push(name(format!("field {field:?} only in B")));
    }
    for (field, f) in &d.fields {
        let sub = if label.is_empty() {
            format!("field {field:?}")
        } else {
            format!("{label}, field {field:?}")
        };
        array_lines(&sub, f, out);
    }
}

/// The text report: one line per difference, then a summary line.
pub fn text(a: &str, b: &str, outcomes: &[(String, Outcome)]) -> String {
    let mut lines = Vec::new();
    for (name, o) in outcomes {
        let shown = if name.is_empty() {
            String::new()
        } else {
            name.clone()
        };
        match o {
            Outcome::Arrays(d) => array_lines(&shown, d, &mut lines),
            Outcome::Bytes { equal: true, .. } => {}
            Outcome::Bytes { sizes, .. } => lines.push(format!(
                "{shown}: the bytes differ ({} and {} bytes)",
                sizes.0, sizes.1
            )),
            Outcome::Kinds => lines.push(format!(
                "{shown}: an array on one side, other bytes on the other"
            )),
            Outcome::OnlyA => lines.push(format!("{shown}: only in {a}")),
            Outcome::OnlyB => lines.push(format!("{shown}: only in {b}")),
        }
    }
    let different = outcomes.iter().filter(|(_, o)| !o.equal()).count();
    let summary = if different == 0 {
        format!("{a} and {b} are equal")
    } else if outcomes.len() == 1 && outcomes[0].0.is_empty() {
        format!("{a} and {b} differ")
    } else {
        format!(
            "{a} and {b} differ: {different} of {} members",
            outcomes.len()
        )
    };
    lines.push(summary);
    lines.join("\n") + "\n"
}

fn array_json(d: &ArrayDiff) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("equal".into(), json!(d.equal()));
    m.insert("dtype".into(), json!([d.dtypes.0, d.dtypes.1]));
    m.insert("shape".into(), json!([d.shapes.0, d.shapes.1]));
    m.insert("not_compared".into(), json!(d.not_compared));
    if let Some(v) = &d.values {
        let shape = &d.shapes.0;
        m.insert("compared".into(), json!(v.compared));
        m.insert("different".into(), json!(v.different));
        let at = |i: Option<usize>| json!(i.map(|i| unravel(i, shape)));
        m.insert("first_difference".into(), at(v.first));
        m.insert(
            "max_abs_diff".into(),
            v.max_abs
                .map_or(Value::Null, |x| crate::show::json_float(x.0)),
        );
        m.insert("max_abs_diff_at".into(), at(v.max_abs.map(|x| x.1)));
        m.insert(
            "max_rel_diff".into(),
            v.max_rel
                .map_or(Value::Null, |x| crate::show::json_float(x.0)),
        );
        m.insert("max_rel_diff_at".into(), at(v.max_rel.map(|x| x.1)));
    }
    if !d.fields.is_empty() || !d.only_fields.0.is_empty() || !d.only_fields.1.is_empty() {
        let fields: Vec<Value> = d
            .fields
            .iter()
            .map(|(name, f)| {
                let mut entry = serde_json::Map::new();
                entry.insert("name".into(), json!(name));
                entry.extend(array_json(f));
                Value::Object(entry)
            })
            .collect();
        m.insert("fields".into(), json!(fields));
        m.insert("fields_only_in_a".into(), json!(d.only_fields.0));
        m.insert("fields_only_in_b".into(), json!(d.only_fields.1));
    }
    m
}

/// The JSON report: `{"a", "b", "rtol", "atol", "equal", "members": [...]}`.
pub fn json(a: &str, b: &str, tol: Tolerance, outcomes: &[(String, Outcome)]) -> String {
    let members: Vec<Value> = outcomes
        .iter()
        .map(|(name, o)| {
            let mut m = serde_json::Map::new();
            m.insert("name".into(), json!(name));
            let (kind, side) = match o {
                Outcome::Arrays(_) => ("array", "both"),
                Outcome::Bytes { .. } => ("bytes", "both"),
                Outcome::Kinds => ("mixed", "both"),
                Outcome::OnlyA => ("", "a"),
                Outcome::OnlyB => ("", "b"),
            };
            m.insert("in".into(), json!(side));
            m.insert("equal".into(), json!(o.equal()));
            if !kind.is_empty() {
                m.insert("kind".into(), json!(kind));
            }
            match o {
                Outcome::Arrays(d) => m.extend(array_json(d)),
                Outcome::Bytes { sizes, .. } => {
                    m.insert("size".into(), json!([sizes.0, sizes.1]));
                }
                _ => {}
            }
            Value::Object(m)
        })
        .collect();
    let report = json!({
        "a": a,
        "b": b,
        "rtol": tol.rtol,
        "atol": tol.atol,
        "equal": outcomes.iter().all(|(_, o)| o.equal()),
        "members": members,
    });
    serde_json::to_string_pretty(&report).expect("JSON of plain values") + "\n"
}
