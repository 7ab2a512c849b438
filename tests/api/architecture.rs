//! The shape of `src/`: no import cycle between modules, and every import points down the
//! layers of README's "Architecture" section. Reads the source as text (`use` trees and inline
//! `crate::`/`super::` paths), so it needs no extra tool.
//!
//! A module is a file (`a/mod.rs` is `a`, `a/b.rs` is `a::b`). A module's own submodules are
//! its parts: a parent declaring or re-exporting a child is not an import, a child using its
//! parent is. `#[cfg(test)] mod tests` blocks are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path such as `invitations::service` (`crate` for lib.rs).
type Module = String;

/// The layers, bottom first. A module may import its own layer and the layers below it.
/// Returns `None` for a file that belongs to no layer yet (the test then names it).
fn layer(module: &str) -> Option<(u8, &'static str)> {
    let segments: Vec<&str> = module.split("::").collect();
    let first = segments[0];
    let kernel = [
        "assets",
        "state",
        "config",
        "db",
        "crypto",
        "rate_limit",
        "security",
        "audit",
        "downloads",
        "email",
        "outbound",
        "telemetry",
    ];
    Some(match module {
        "crate" | "main" | "startup" | "bootstrap" => (7, "assembly"),
        // The lazy routes (`app::lazy`) are entries of the route table; the page script
        // (`app::page_script`) is what the shell puts on pages served without the app.
        "app" | "app::lazy" | "app::page_script" => (6, "route table"),
        "error" => (0, "domain"),
        "auth::session" | "auth::passwords" | "auth::keys" | "auth::device" => (1, "kernel"),
        "auth::keystore" => (5, "pages"),
        "metrics" | "health" => (4, "api"),
        _ if first == "domain" => (0, "domain"),
        _ if kernel.contains(&first) => (1, "kernel"),
        _ if first == "components" => (5, "pages"),
        // A feature's own mod.rs declares its parts and holds nothing that imports.
        _ if segments.len() == 1 => (0, "feature root"),
        // A file is in the layer of the nearest segment that names one (`service/read.rs`
        // is service).
        _ => segments[1..].iter().rev().find_map(|s| match *s {
            "dto" => Some((1, "dto")),
            "repo" => Some((2, "repo")),
            "service" => Some((3, "service")),
            "api" | "rest" | "oauth" | "export" | "openapi" | "extract" | "router" => {
                Some((4, "api"))
            }
            "pages" | "join" | "credential_page" => Some((5, "pages")),
            _ => None,
        })?,
    })
}

/// Every `.rs` file under `dir`, as (module path, source).
fn read_tree(src: &Path) -> Vec<(Module, String)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let parts: Vec<String> = rel
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                let module = match parts.as_slice() {
                    [one] if one == "lib" => "crate".to_owned(),
                    [.., last] if last == "mod" => parts[..parts.len() - 1].join("::"),
                    _ => parts.join("::"),
                };
                out.push((module, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

/// The source with comments, string and char literals blanked and `#[cfg(test)]` modules cut,
/// so that only code is read.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            i += end;
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") {
            let hashes = rest[1..].chars().take_while(|c| *c == '#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            let end = rest[body..]
                .find(&close)
                .map_or(rest.len(), |e| body + e + close.len());
            out.push_str("\"\"");
            i += end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a), which stays.
            let lit = if rest[1..].starts_with('\\') {
                rest[2..].find('\'').map(|e| e + 3)
            } else {
                rest[1..]
                    .char_indices()
                    .nth(1)
                    .filter(|(_, c)| *c == '\'')
                    .map(|(e, _)| e + 2)
            };
            match lit {
                Some(len) => {
                    out.push_str("' '");
                    i += len;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = rest.chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    match out.find("#[cfg(test)]\nmod tests") {
        Some(cut) => out[..cut].to_owned(),
        None => out,
    }
}

/// Expands a `use` tree such as `crate::{a::b, c::{d, e}}` into whole paths.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            expand_use(p)
                .into_iter()
                .map(move |x| format!("{prefix}{x}"))
        })
        .collect()
}

/// The paths a module's code names, each made absolute (`crate::…`), with inline `mod x { }`
/// blocks taken into account for `super`.
fn referenced_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let base: Vec<String> = if module == "crate" || module == "main" {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    // Inline modules: (depth at which it opened, name).
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                i += 1;
                continue;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let at_word = i == 0 || !ident(bytes[i - 1]);
        if at_word && code[i..].starts_with("mod ") {
            let rest = &code[i + 4..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest[name.len()..].trim_start();
            if after.starts_with('{') {
                inline.push((depth, name));
            }
            i += 4;
            continue;
        }
        let mut here = base.clone();
        here.extend(inline.iter().map(|(_, n)| n.clone()));
        if at_word && code[i..].starts_with("use ") {
            let end = code[i..].find(';').map_or(code.len(), |e| i + e);
            for path in expand_use(&code[i + 4..end]) {
                if let Some(abs) = absolute(&here, &path) {
                    found.push(abs);
                }
            }
            i = end;
            continue;
        }
        for root in ["crate::", "super::", "gatehouse::"] {
            if at_word && code[i..].starts_with(root) {
                let len = code[i..]
                    .char_indices()
                    .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
                    .map_or(code.len() - i, |(e, _)| e);
                if let Some(abs) = absolute(&here, &code[i..i + len]) {
                    found.push(abs);
                }
                i += len;
                break;
            }
        }
        i += 1;
    }
    found
}

/// `path` as seen from module `here`, made absolute; `None` for paths outside this crate.
fn absolute(here: &[String], path: &str) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut out: Vec<String> = match *segs.peek()? {
        "crate" | "gatehouse" => {
            segs.next();
            Vec::new()
        }
        "super" | "self" => here.to_vec(),
        _ => return None,
    };
    for s in segs {
        match s {
            "super" => {
                out.pop();
            }
            "self" => {}
            _ => out.push(s.to_owned()),
        }
    }
    Some(out)
}

/// The import graph between modules: which modules each module uses.
fn import_graph(files: &[(Module, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, src) in files {
        let edges = graph.entry(module.clone()).or_default();
        for path in referenced_paths(module, &code_only(src)) {
            // The longest prefix that is a module of the tree.
            let target = (0..=path.len())
                .rev()
                .map(|n| {
                    if n == 0 {
                        "crate".to_owned()
                    } else {
                        path[..n].join("::")
                    }
                })
                .find(|m| modules.contains(m.as_str()));
            let Some(target) = target else { continue };
            let own_part = module == "crate" || target.starts_with(&format!("{module}::"));
            // The crate root only declares modules and holds `#[macro_export]` macros, which
            // live there whichever file defines them: naming it imports no layer.
            if target != *module && !own_part && target != "crate" {
                edges.insert(target);
            }
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan), each sorted.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    scc.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out
}

fn src_tree() -> Vec<(Module, String)> {
    read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn src_has_no_import_cycle() {
    let graph = import_graph(&src_tree());
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between modules of src/ (each line one cycle):\n{}",
        found
            .iter()
            .map(|c| c.join(" <-> "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_import_points_down_the_layers() {
    let graph = import_graph(&src_tree());
    let mut unplaced = Vec::new();
    let mut upward = Vec::new();
    for (from, targets) in &graph {
        let Some((rank, name)) = layer(from) else {
            unplaced.push(from.clone());
            continue;
        };
        for to in targets {
            if let Some((to_rank, to_name)) = layer(to) {
                if to_rank > rank {
                    upward.push(format!("{from} ({name}) -> {to} ({to_name})"));
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules in no layer (name the file after its layer, see README \"Architecture\"): {unplaced:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that point up the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn a_deliberate_cycle_is_found() {
    let files = vec![
        (
            "invitations::service".to_owned(),
            "use crate::{invitations::repo::{self, Row}, state::AppState};\nfn f() {}".to_owned(),
        ),
        (
            "invitations::repo".to_owned(),
            "// use crate::state::AppState; (a comment is no import)\nfn g() { let s = \"crate::state\"; crate::invitations::service::f(); }".to_owned(),
        ),
        (
            "state".to_owned(),
            "pub struct AppState;\n#[cfg(test)]\nmod tests { use crate::invitations::service; }"
                .to_owned(),
        ),
        ("invitations".to_owned(), "pub mod repo; pub use repo::Row;".to_owned()),
    ];
    let graph = import_graph(&files);
    assert_eq!(
        cycles(&graph),
        vec![vec![
            "invitations::repo".to_owned(),
            "invitations::service".to_owned()
        ]]
    );
    // Comments, strings, test modules and a parent's own parts are not imports.
    assert!(graph["state"].is_empty());
    assert!(graph["invitations"].is_empty());
    assert_eq!(
        graph["invitations::repo"].iter().collect::<Vec<_>>(),
        ["invitations::service"]
    );
}

#[test]
fn super_inside_an_inline_module_is_the_file() {
    let files = vec![
        (
            "partners::api".to_owned(),
            "#[cfg(feature = \"ssr\")]\nmod ssr { use super::Dto; use super::super::service; }\npub struct Dto;"
                .to_owned(),
        ),
        ("partners::service".to_owned(), String::new()),
        ("partners".to_owned(), String::new()),
    ];
    let graph = import_graph(&files);
    assert_eq!(
        graph["partners::api"].iter().collect::<Vec<_>>(),
        ["partners::service"]
    );
}
