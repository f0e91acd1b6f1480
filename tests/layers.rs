//! The crate's layers, checked: each module of `src/` uses only modules below it (through
//! their module paths, never the crate root's re-exports), and the files of one module do not
//! use each other in a cycle. `docs/ARCHITECTURE.md` explains the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use the modules before it in this list.
const LAYERS: &[&str] = &[
    "error", "io", "par", "source", "format", "dtype", "header", "codec", "record", "npy", "npz",
    "remote",
];

/// The one sanctioned exception: error payloads name the value types they describe.
const ERROR_PAYLOAD_TYPES: &[&str] = &["dtype", "format"];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|&m| m == module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its unit-test module (tests may use the
/// public API from the top).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Identifiers following `prefix` (`crate::`, `super::`), including those of a `{...}` list.
fn idents_after<'a>(code: &'a str, prefix: &str) -> Vec<(&'a str, Option<&'a str>)> {
    let mut out = Vec::new();
    let ident = |s: &'a str| {
        let end = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        &s[..end]
    };
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            for item in list.split(',') {
                out.push((ident(item.trim()), None));
            }
        } else {
            let first = ident(rest);
            let second = rest[first.len()..].strip_prefix("::").map(ident);
            out.push((first, second));
        }
    }
    out
}

#[test]
fn modules_form_layers_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    // Edges between files of the same top-level module ("npy/read" -> "npy/array").
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap().with_extension("");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let top = rel.split('/').next().unwrap().to_string();
        if top == "lib" {
            continue;
        }
        let Some(own) = rank(&top) else {
            violations.push(format!("{rel}: module {top} is not in LAYERS"));
            continue;
        };
        let node = rel.strip_suffix("/mod").unwrap_or(&rel).to_string();
        let code = code(path);
        for (target, sub) in idents_after(&code, "crate::") {
            match rank(target) {
                None => violations.push(format!("{rel}: uses the root re-export crate::{target}")),
                Some(r)
                    if r > own && !(top == "error" && ERROR_PAYLOAD_TYPES.contains(&target)) =>
                {
                    violations.push(format!("{rel}: uses crate::{target}, a higher layer"))
                }
                Some(_) if target == top => {
                    if let Some(sub) =
                        sub.filter(|s| src.join(&top).join(format!("{s}.rs")).exists())
                    {
                        edges
                            .entry(node.clone())
                            .or_default()
                            .insert(format!("{top}/{sub}"));
                    }
                }
                Some(_) => {}
            }
        }
        let is_mod_rs = path.file_name().is_some_and(|n| n == "mod.rs");
        if !is_mod_rs && rel.contains('/') {
            let dir = path.parent().unwrap();
            for (name, _) in idents_after(&code, "super::") {
                if dir.join(format!("{name}.rs")).exists() {
                    edges
                        .entry(node.clone())
                        .or_default()
                        .insert(format!("{top}/{name}"));
                }
            }
        }
    }
    // Depth-first search for a cycle among the files.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).unwrap();
                    cycles.push(format!("{} -> {next}", path[start..].join(" -> ")));
                }
                Some(_) => {}
                None => visit(next, edges, state, path, cycles),
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for node in edges.keys() {
        if !state.contains_key(node) {
            visit(node, &edges, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    violations.extend(cycles.into_iter().map(|c| format!("cycle: {c}")));
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    // The check sees the graph: the npy files do depend on each other.
    assert!(edges
        .get("npy/read")
        .is_some_and(|e| e.contains("npy/array")));
}

#[test]
fn no_source_file_is_over_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "benches",
        "examples",
        "cli/src",
        "cli/tests",
        "python/src",
    ] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            (n > 600).then(|| format!("{}: {n} lines", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}
