//! The source's import graph, read from the files: the top-level modules form
//! no cycle, no command imports another command, and what is heard and shown
//! (`audio/`, `term/`) imports neither a session nor a command. A shortcut
//! upward is easy to write and hard to see in a review; this makes it fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its non-test code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

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

/// The code of a file that ships: before its test module, without comments.
fn shipped_code(path: &Path) -> Option<String> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    Some(code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n"))
}

/// Each `crate::a::b` in `code` as its path words (`["a", "b"]`).
fn crate_paths(code: &str) -> impl Iterator<Item = Vec<&str>> {
    code.match_indices("crate::").map(move |(at, _)| {
        let rest = &code[at + "crate::".len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        rest[..end].split("::").filter(|w| !w.is_empty()).collect()
    })
}

/// The module a file belongs to, `depth` levels below `src/` (`cmd/log/show.rs` → `cmd`, `log`).
fn module_of(src: &Path, path: &Path, depth: usize) -> Option<String> {
    let rel = path.strip_prefix(src).unwrap();
    let word = rel.iter().nth(depth)?.to_str()?;
    Some(word.trim_end_matches(".rs").to_string())
}

fn graph() -> (Graph, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    let mut commands_importing_commands = Vec::new();
    for path in &files {
        let (Some(code), Some(top)) = (shipped_code(path), module_of(&src, path, 0)) else { continue };
        for words in crate_paths(&code) {
            let Some(&to) = words.first() else { continue };
            if to != top {
                graph.entry(top.clone()).or_default().insert(to.to_string());
            }
            if top == "cmd" && to == "cmd" && words.len() > 1 && module_of(&src, path, 1).as_deref() != Some(words[1]) {
                commands_importing_commands.push(format!("{} names crate::{}", path.display(), words.join("::")));
            }
        }
    }
    (graph, commands_importing_commands)
}

/// A path from `from` back to itself, if there is one.
fn cycle_through(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        for next in graph.get(path.last().unwrap()).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            if next == from {
                return Some(longer);
            }
            if seen.insert(next.clone()) {
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let (graph, _) = graph();
    assert!(graph.len() > 10, "the graph was read: {graph:?}");
    let cycles: Vec<String> = graph.keys().filter_map(|m| cycle_through(&graph, m)).map(|c| c.join(" -> ")).collect();
    assert!(cycles.is_empty(), "import cycles between modules:\n{}", cycles.join("\n"));
}

#[test]
fn no_command_imports_another() {
    let (_, found) = graph();
    assert!(found.is_empty(), "what two commands share belongs below both:\n{}", found.join("\n"));
}

#[test]
fn what_is_heard_and_shown_imports_no_session_or_command() {
    let (graph, _) = graph();
    for low in ["audio", "term"] {
        let upward: Vec<&String> = graph[low].iter().filter(|m| *m == "session" || *m == "cmd").collect();
        assert!(upward.is_empty(), "{low}/ imports {upward:?}");
    }
}
