//! The shape of the code, checked: in each crate (`src/`, `handlers/src`,
//! `state/src`) every module file opens with a `//!` comment saying what it
//! owns, no file holds more than [`MAX_CODE_LINES`] lines of code before its
//! tests, and no two files import each other, directly or around a loop
//! (`use crate::…` and `super::…`, module by module; a child naming its
//! parent counts too). Nothing in `src/` imports from `main.rs`: it only
//! declares the modules and starts the command line. (The libraries'
//! `lib.rs` files are their public faces and may be named.) `src/` lists at
//! most [`MAX_SRC_ENTRIES`] entries, and no Rust file anywhere is longer
//! than [`MAX_FILE_LINES`] lines, tests included.
//!
//! And the one shape of a feature: decisions answer with typed replies
//! (no JSON values) and permissions are decided in `handlers/` (none in
//! `src/`); every feature folder has the same files; every `Change`
//! variant is `Put…` or `Remove…`; `state/` writes records only through
//! `Tx::store_outcome`; every test's name says what it proves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines of code (not blank, not comments) a module may hold
/// before its `#[cfg(test)]` part.
const MAX_CODE_LINES: usize = 700;

/// The most lines any Rust file may hold, tests and comments included.
const MAX_FILE_LINES: usize = 900;

/// The most files and folders `src/` may list, so that it reads as a map.
const MAX_SRC_ENTRIES: usize = 16;

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
            if !path.is_empty() && &path != module {
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

/// Every non-test `.rs` file under `dir`, with its code before its tests.
fn code_files(dir: &Path) -> Vec<(PathBuf, String)> {
    modules(dir)
        .into_values()
        .map(|file| {
            let source = std::fs::read_to_string(&file).unwrap();
            let code = code_of(&source).join("\n");
            (file, code)
        })
        .collect()
}

/// The feature folders of `handlers/src`, each the same shape.
const FEATURES: [&str; 4] = ["reviewers", "deploys", "errors", "onboarding"];

/// A decision answers with a typed reply in its `Outcome`, never with a
/// JSON value built beside it: no file of a feature's decisions names
/// `serde_json::Value` or `json!`, and no public function there returns a
/// `Value`.
#[test]
fn decisions_answer_with_typed_replies_not_json_values() {
    let handlers = crate_root("handlers/src");
    let mut problems = Vec::new();
    for (file, code) in code_files(&handlers) {
        let in_a_feature = FEATURES.iter().any(|f| file.starts_with(handlers.join(f)));
        let decision_file = ["change", "commands", "execute", "decide"]
            .iter()
            .any(|name| file.file_stem().is_some_and(|s| s == *name));
        if !(in_a_feature && decision_file) {
            continue;
        }
        for word in ["serde_json::Value", "json!", "-> Value", "Value>"] {
            if code.contains(word) {
                problems.push(format!("{} names `{word}`", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Who may run what is decided in `handlers/` (`command::dispatch` with
/// `Admins`): nothing in `src/` reads a command's admin right or compares
/// a user with the admins list.
#[test]
fn no_permission_is_checked_in_src() {
    let check =
        regex::Regex::new(r"admin_only|admins\s*\.\s*(contains|is_empty|iter|len)").unwrap();
    let mut problems = Vec::new();
    for (file, code) in code_files(&crate_root("src")) {
        for line in code.lines().filter(|line| check.is_match(line)) {
            problems.push(format!("{}: {}", file.display(), line.trim()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every feature folder has the same files in the same places: what it
/// changes, decides and writes, its commands (parsed and decided) if it
/// has any, and its tests in `tests/`, one file per file they prove; no
/// test module inside the feature's own files or beside them
/// (`x/tests.rs` for `x.rs`). A folder inside a feature (the review
/// lifecycle in `reviewers/`) keeps its tests the same way, in its own
/// `tests/`.
#[test]
fn every_feature_folder_has_the_same_shape() {
    let mut problems = Vec::new();
    for feature in FEATURES {
        let dir = crate_root("handlers/src").join(feature);
        let has = |name: &str| dir.join(name).exists();
        for name in ["change.rs", "decide.rs", "render.rs", "tests.rs", "tests"] {
            if !has(name) {
                problems.push(format!("{feature}/ has no {name}"));
            }
        }
        if has("commands.rs") != has("execute.rs") {
            problems.push(format!(
                "{feature}/ must have both commands.rs (parsing) and execute.rs (deciding), or neither"
            ));
        }
        for (file, _) in code_files(&dir) {
            let source = std::fs::read_to_string(&file).unwrap();
            if source.contains("#[cfg(test)]\nmod tests {") {
                problems.push(format!(
                    "{} keeps its tests inline; they go in {feature}/tests/",
                    file.display()
                ));
            }
            let folder = file.with_extension("");
            if folder.join("tests.rs").exists() && !folder.join("tests").is_dir() {
                problems.push(format!(
                    "{} keeps its tests beside it in {}; they go in a tests/ folder",
                    file.display(),
                    folder.join("tests.rs").display()
                ));
            }
        }
        for tests in test_folders(&dir) {
            let proving = tests.parent().unwrap();
            for entry in std::fs::read_dir(&tests).into_iter().flatten() {
                let path = entry.unwrap().path();
                // A test file too long for one file keeps its parts in a
                // folder of its name (`tests/decide/` beside `tests/decide.rs`).
                if path.is_dir() && path.with_extension("rs").exists() {
                    continue;
                }
                let proved = proving.join(path.file_name().unwrap());
                if !proved.exists() {
                    problems.push(format!(
                        "{} proves no file: it must be named after the file it tests",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The `tests/` folders under `dir` (its own and its sub-folders').
fn test_folders(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "tests") {
            out.push(path);
        } else {
            out.extend(test_folders(&path));
        }
    }
    out
}

/// Every change a decision returns is named one way: `Put<Record>` (insert
/// or replace) or `Remove<Record>`.
#[test]
fn change_variants_are_put_or_remove() {
    let variant = regex::Regex::new(r"^    ([A-Z]\w*)").unwrap();
    let mut problems = Vec::new();
    for (file, code) in code_files(&crate_root("handlers/src")) {
        let mut inside = false;
        for line in code.lines() {
            if line.starts_with("pub enum ") && line.contains("Change") {
                inside = true;
                continue;
            }
            if inside && line.starts_with('}') {
                inside = false;
            }
            if let Some(found) = variant.captures(line).filter(|_| inside) {
                let name = &found[1];
                if !(name.starts_with("Put") || name.starts_with("Remove")) {
                    problems.push(format!("{}: Change variant {name}", file.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A feature's records are written only through `Tx::store_outcome`: its
/// put and remove methods are not public outside `state/`.
#[test]
fn state_writes_records_only_through_store_outcome() {
    let mut problems = Vec::new();
    for (file, code) in code_files(&crate_root("state/src")) {
        for line in code.lines() {
            let line = line.trim();
            if line.starts_with("pub fn put_") || line.starts_with("pub fn remove_") {
                problems.push(format!("{}: {line}", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A test's name is a sentence saying what it proves (CONTRIBUTING.md):
/// at least three words, no `test_` prefix.
#[test]
fn every_test_name_says_what_it_proves() {
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
    for dir in ["src", "handlers/src", "state/src", "tests"] {
        walk(&crate_root(dir), &mut files);
    }
    let mut problems = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let mut after_attribute = false;
        for line in source.lines().map(str::trim) {
            if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
                after_attribute = true;
                continue;
            }
            let Some(rest) = line
                .strip_prefix("fn ")
                .or_else(|| line.strip_prefix("async fn "))
                .filter(|_| after_attribute)
            else {
                continue;
            };
            after_attribute = false;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.starts_with("test_") || name.split('_').count() < 3 {
                problems.push(format!("{}: {name}", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nothing_imports_from_the_binary_root() {
    let mut problems = Vec::new();
    {
        let known = modules(&crate_root("src"));
        for (module, file) in &known {
            if module.is_empty() {
                continue;
            }
            let source = std::fs::read_to_string(file).unwrap();
            let code = code_of(&source).join("\n");
            let mut named: Vec<String> = Vec::new();
            for (at, _) in code.match_indices("crate::") {
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                named.push(first_segment(&code[at + "crate::".len()..]));
            }
            // `super::` from a module right below the root names the root.
            if module.len() == 1 {
                for (at, _) in code.match_indices("super::") {
                    let before = code[..at].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        named.push(first_segment(&code[at + "super::".len()..]));
                    }
                }
            }
            for first in named {
                // `crate::{a, b}` names modules one by one; only a plain
                // name that is no module is an item of the root.
                if !first.is_empty() && !known.contains_key(&vec![first.clone()]) {
                    problems.push(format!("{} names `{first}` of main.rs", file.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The name at the start of a path (`server` of `server::writer::Writer`).
fn first_segment(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn the_root_check_finds_an_import_from_the_root() {
    let known: BTreeMap<ModulePath, PathBuf> = [vec![], vec!["server".to_string()]]
        .into_iter()
        .map(|m| (m, PathBuf::new()))
        .collect();
    assert!(known.contains_key(&vec![first_segment("server::start()")]));
    assert!(!known.contains_key(&vec![first_segment("unix_now()")]));
}

#[test]
fn src_lists_few_enough_entries_to_read_as_a_map() {
    let entries: Vec<String> = std::fs::read_dir(crate_root("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        entries.len() <= MAX_SRC_ENTRIES,
        "src/ lists {} entries (at most {MAX_SRC_ENTRIES}): {entries:?}",
        entries.len()
    );
}

#[test]
fn no_rust_file_is_longer_than_the_limit() {
    let mut problems = Vec::new();
    for dir in ["src", "handlers", "state", "tests", "benches", "examples"] {
        let root = crate_root(dir);
        if !root.exists() {
            continue;
        }
        for file in rust_files(&root) {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            if lines > MAX_FILE_LINES {
                problems.push(format!(
                    "{} has {lines} lines (at most {MAX_FILE_LINES}, tests included)",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.rs` file under `dir`, tests included, build output left out.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
