//! Checks of the source tree's shape that no compiler makes: inside every crate, no two files
//! import each other (directly or round a longer loop; an import through the crate root
//! counts as an import of the file that defines the name), and every module path and file
//! name ARCHITECTURE.md names exists. Run as tests (`cargo test -p xtask`), so CI keeps them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root (xtask's parent folder).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A file's module path inside its crate (`rows::norm`; the root is empty).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments and without its inline test module.
fn code(text: &str) -> String {
    let body = match text.find("mod tests {") {
        Some(at) => &text[..at],
        None => text,
    };
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a file names after `crate::`, with `crate::{a::X, b}` groups spelled out.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        expand("", rest, &mut out);
    }
    out
}

/// Reads one use tree at the start of `s` under `prefix` into `out`.
fn expand(prefix: &str, s: &str, out: &mut Vec<String>) {
    let ident: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let path = format!("{prefix}{ident}");
    let after = &s[ident.len()..];
    if after.starts_with('{') {
        // The group's items, split at top-level commas.
        let (mut depth, mut start) = (0, 1);
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' | ',' if depth == 1 => {
                    let item = after[start..i].trim();
                    if !item.is_empty() {
                        expand(&path, item, out);
                    }
                    start = i + 1;
                    if c == '}' {
                        return;
                    }
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
    } else if !path.is_empty() {
        let path = path.trim_end_matches("::");
        // `X as Y`: the name it is known by here.
        match after.trim_start().strip_prefix("as ") {
            Some(alias) => {
                let alias: String = alias
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(format!("{path} as {alias}"));
            }
            None => out.push(path.to_string()),
        }
    }
}

/// `pub use a::b::{X, Y};` in a crate root: `X → a::b`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut rest = lib;
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let end = rest.find(';').unwrap_or(rest.len());
        let mut paths = Vec::new();
        expand("", &rest[..end], &mut paths);
        for p in paths {
            let (path, alias) = match p.split_once(" as ") {
                Some((path, alias)) => (path, Some(alias)),
                None => (p.as_str(), None),
            };
            if let Some((module, name)) = path.rsplit_once("::") {
                map.insert(alias.unwrap_or(name).to_string(), module.to_string());
            }
        }
    }
    map
}

/// The file-level import graph of the crate whose sources are in `src`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(src);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let root = files
        .iter()
        .find(|f| module_of(src, f).is_empty())
        .map(|f| std::fs::read_to_string(f).unwrap())
        .unwrap_or_default();
    let reexported = reexports(&root);
    // The longest prefix of `path` that is a module (through a root re-export first).
    let resolve = |path: &str| -> Option<String> {
        let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        let via;
        if let Some(module) = parts.first().and_then(|p| reexported.get(*p)) {
            via = module.clone();
            let mut full: Vec<&str> = via.split("::").collect();
            full.extend(parts);
            parts = full;
        }
        (1..=parts.len())
            .rev()
            .map(|n| parts[..n].join("::"))
            .find(|m| modules.contains(m))
    };
    let mut edges = BTreeMap::new();
    for f in &files {
        let me = module_of(src, f);
        let text = code(&std::fs::read_to_string(f).unwrap());
        let to: BTreeSet<String> = crate_paths(&text)
            .iter()
            .filter_map(|p| resolve(p.split(" as ").next().unwrap_or(p)))
            .filter(|m| !m.is_empty() && *m != me)
            .collect();
        edges.insert(me, to);
    }
    edges
}

/// The modules on a cycle of `edges` (every module that reaches itself).
fn on_cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let reaches = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = edges[from].iter().map(String::as_str).collect();
        while let Some(m) = todo.pop() {
            if seen.insert(m.to_string()) {
                todo.extend(edges.get(m).into_iter().flatten().map(String::as_str));
            }
        }
        seen.contains(from)
    };
    edges.keys().filter(|m| reaches(m)).cloned().collect()
}

/// Every crate's source folder.
fn crate_sources() -> Vec<PathBuf> {
    let root = root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("src"))
        .chain([root.join("src"), root.join("xtask").join("src")])
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_reads_groups_and_reexports() {
        let paths =
            crate_paths("use crate::{a::X, b::{c, d::Y as V}, Z};\nlet v = crate::e::f(1);");
        assert_eq!(paths, ["a::X", "b::c", "b::d::Y as V", "Z", "e::f"]);
        let map = reexports("pub use a::{X, Y as W};\npub use b::c::Z;\n");
        assert_eq!(map["X"], "a");
        assert_eq!(map["W"], "a");
        assert_eq!(map["Z"], "b::c");
    }

    #[test]
    fn no_two_files_of_a_crate_import_each_other() {
        let mut found = Vec::new();
        for src in crate_sources() {
            let cycle = on_cycles(&graph(&src));
            if !cycle.is_empty() {
                found.push(format!("{}: {}", src.display(), cycle.join(", ")));
            }
        }
        assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
    }

    #[test]
    fn every_module_and_file_architecture_md_names_exists() {
        let root = root();
        let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let files: Vec<String> = crate_sources()
            .iter()
            .flat_map(|s| rust_files(s.parent().unwrap()))
            .chain(rust_files(&root.join("tests")))
            .map(|f| f.to_string_lossy().replace('\\', "/"))
            .collect();
        let mut missing = Vec::new();
        for quoted in text.split('`').skip(1).step_by(2) {
            if quoted.ends_with(".rs") && !quoted.contains([' ', '{']) {
                let name = quoted.trim_start_matches("./");
                if !files.iter().any(|f| f.ends_with(&format!("/{name}"))) {
                    missing.push(quoted.to_string());
                }
            } else if let Some((krate, path)) = quoted.split_once("::")
                && krate.starts_with("neurode_")
                && path
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                let src = root
                    .join("crates")
                    .join(krate.replace('_', "-"))
                    .join("src");
                let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
                let first = path.split("::").next().unwrap();
                let module = rust_files(&src).iter().any(|f| {
                    let m = module_of(&src, f);
                    m == path || m == first
                });
                let defined = ["fn", "struct", "enum", "trait", "mod"]
                    .iter()
                    .any(|kind| lib.contains(&format!("pub {kind} {first}")));
                if !module && !defined && !reexports(&lib).contains_key(first) {
                    missing.push(quoted.to_string());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md names what is not there: {missing:?}"
        );
    }
}
