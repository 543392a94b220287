//! The shape of the code, checked: in each crate (`src/`, `handlers/src`,
//! `state/src`) every module file opens with a `//!` comment saying what it
//! owns, no file holds more than [`MAX_CODE_LINES`] lines of code before its
//! tests, and no two files import each other, directly or around a loop
//! (`use crate::…` and `super::…`, module by module). A file and the
//! modules above it are not a loop: a child may name its parent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines of code (not blank, not comments) a module may hold
/// before its `#[cfg(test)]` part.
const MAX_CODE_LINES: usize = 700;

const CRATES: [&str; 3] = ["src", "handlers/src", "state/src"];

/// A module's path inside its crate: `["deploys", "decide"]`.
type ModulePath = Vec<String>;

/// Every `.rs` file of a crate (test modules left out), by module path.
fn modules(root: &Path) -> BTreeMap<ModulePath, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap().with_extension("");
        let mut path: ModulePath = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            path.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            path.pop();
        }
        if path.iter().any(|p| p == "tests" || p.ends_with("_tests")) {
            continue;
        }
        out.insert(path, file);
    }
    out
}

/// The part of a file before its tests, without comments.
fn code_of(source: &str) -> Vec<&str> {
    source
        .lines()
        .take_while(|line| !line.trim_start().starts_with("#[cfg(test)]"))
        .map(|line| line.split("//").next().unwrap_or(""))
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// The modules `module`'s code names through `crate::` or `super::`.
fn imports(
    module: &ModulePath,
    code: &[&str],
    known: &BTreeMap<ModulePath, PathBuf>,
) -> BTreeSet<ModulePath> {
    let mut out = BTreeSet::new();
    let text = code.join("\n");
    for (start, keyword) in [("crate::", true), ("super::", false)] {
        for (at, _) in text.match_indices(start) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &text[at + start.len()..];
            let mut path: ModulePath = if keyword {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            for segment in rest.split("::") {
                let name: String = segment
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if name.is_empty() || name == "super" {
                    break;
                }
                path.push(name.clone());
                if name.len() != segment.len() {
                    break;
                }
            }
            // The longest prefix that is a module file.
            while !path.is_empty() && !known.contains_key(&path) {
                path.pop();
            }
            let is_ancestor = path.len() < module.len() && module[..path.len()] == path[..];
            if !path.is_empty() && &path != module && !is_ancestor {
                out.insert(path);
            }
        }
    }
    out
}

/// One loop of imports, if any: a path back to its start.
fn find_loop(graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Option<Vec<ModulePath>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &ModulePath,
        graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        marks: &mut BTreeMap<ModulePath, Mark>,
        stack: &mut Vec<ModulePath>,
    ) -> Option<Vec<ModulePath>> {
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = stack.iter().position(|m| m == next).unwrap();
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(found) = visit(next, graph, marks, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if !marks.contains_key(node) {
            if let Some(found) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

fn crate_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

#[test]
fn every_module_says_what_it_owns_and_stays_short() {
    let mut problems = Vec::new();
    for name in CRATES {
        for (_, file) in modules(&crate_root(name)) {
            let source = std::fs::read_to_string(&file).unwrap();
            if !source.trim_start().starts_with("//!") {
                problems.push(format!(
                    "{} does not open with a //! comment",
                    file.display()
                ));
            }
            let lines = code_of(&source).len();
            if lines > MAX_CODE_LINES {
                problems.push(format!(
                    "{} has {lines} lines of code (at most {MAX_CODE_LINES})",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_module_imports_its_way_back_to_itself() {
    for name in CRATES {
        let known = modules(&crate_root(name));
        let graph: BTreeMap<ModulePath, BTreeSet<ModulePath>> = known
            .iter()
            .map(|(module, file)| {
                let source = std::fs::read_to_string(file).unwrap();
                (module.clone(), imports(module, &code_of(&source), &known))
            })
            .collect();
        if let Some(found) = find_loop(&graph) {
            let names: Vec<String> = found.iter().map(|m| m.join("/")).collect();
            panic!("an import loop in {name}: {}", names.join(" → "));
        }
    }
}

#[test]
fn the_loop_finder_finds_a_loop() {
    let known: BTreeMap<ModulePath, PathBuf> = [["a"], ["b"]]
        .iter()
        .map(|m| (vec![m[0].to_string()], PathBuf::new()))
        .collect();
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    let graph = BTreeMap::from([
        (a.clone(), imports(&a, &["use crate::b::Thing;"], &known)),
        (
            b.clone(),
            imports(&b, &["fn f() { crate::a::g() }"], &known),
        ),
    ]);
    assert_eq!(find_loop(&graph), Some(vec![a.clone(), b, a]));
}

/// The repository stands alone: no tracked file reads anything from beside
/// the checkout (the payloads and vectors the tests use are vendored in
/// `tests/fixtures`).
#[test]
fn no_tracked_file_reads_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output();
    let Some(listed) = listed.ok().filter(|o| o.status.success()) else {
        eprintln!("not a git checkout: nothing to check");
        return;
    };
    // Spelled in pieces so this file does not name them itself.
    let outside = [concat!("..", "/shared"), concat!("/work", "/shared")];
    let mut offenders = Vec::new();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let Ok(text) = std::fs::read_to_string(root.join(&name)) else {
            continue;
        };
        if outside.iter().any(|o| text.contains(o)) {
            offenders.push(name);
        }
    }
    assert!(
        offenders.is_empty(),
        "these files refer to a folder outside the repository: {offenders:?}"
    );
}
