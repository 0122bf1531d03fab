//! The generated sections of the README and the docs: found by their markers,
//! rewritten from the results, or checked against them.
//!
//! Every Markdown file that holds a marker is rewritten: `README.md`, each crate's
//! `*/README.md` and every page in `docs/` (not `docs/results/`, which compare
//! writes). A section's links are made from the repository's root and rewritten
//! relative to the file that holds it.

use std::{
    fs,
    path::{Component, Path, PathBuf},
    process::ExitCode,
};

use crate::sections::Sources;

const BEGIN: &str = "<!-- generated: ";
const END: &str = "<!-- end generated -->";

/// Rewrites (or, with `check`, compares) every generated section of every Markdown
/// file under `root` that holds one, or of `only` where it is given.
pub fn main(
    root: &Path,
    only: &[PathBuf],
    results: &Path,
    rerun: &Path,
    check: bool,
) -> Result<ExitCode, String> {
    let files = if only.is_empty() { marked_files(root)? } else { only.to_vec() };
    if files.is_empty() {
        return Err(format!("no Markdown file under {} has a generated section", root.display()));
    }
    let sources = Sources::new(results, rerun);
    let mut differ = 0;
    for file in &files {
        let path = root.join(file);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let folder = file.parent().unwrap_or(Path::new(""));
        let made = regenerate(&text, |name| {
            sources.section(name).map(|body| relative_links(&body, folder))
        })
        .map_err(|e| format!("{}: {e}", file.display()))?;
        if made == text {
            eprintln!("{} is what the results in {} make of it", file.display(), results.display());
            continue;
        }
        if check {
            let line =
                text.lines().zip(made.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
            eprintln!(
                "error: {} differs from what the results make of it (first at line {line}); \
                 run `cargo run --release -p results -- readme`",
                file.display()
            );
            differ += 1;
            continue;
        }
        fs::write(&path, made).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", file.display());
    }
    Ok(if differ == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The Markdown files under `root`, relative to it, that hold a generated section:
/// `README.md`, `*/README.md` and `docs/*.md`, in order.
fn marked_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let listed = |folder: &Path| -> Result<Vec<PathBuf>, String> {
        let entries = fs::read_dir(root.join(folder))
            .map_err(|e| format!("cannot read {}: {e}", root.join(folder).display()))?;
        let mut names: Vec<PathBuf> =
            entries.flatten().map(|e| folder.join(e.file_name())).collect();
        names.sort();
        Ok(names)
    };
    let mut candidates = vec![PathBuf::from("README.md")];
    for entry in listed(Path::new(""))? {
        let name = entry.to_string_lossy();
        if name.starts_with('.') || name == "target" || !root.join(&entry).is_dir() {
            continue;
        }
        candidates.push(entry.join("README.md"));
    }
    if root.join("docs").is_dir() {
        candidates.extend(
            listed(Path::new("docs"))?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "md") && root.join(p).is_file()),
        );
    }
    Ok(candidates
        .into_iter()
        .filter(|p| fs::read_to_string(root.join(p)).is_ok_and(|text| text.contains(BEGIN)))
        .collect())
}

/// `body` with each relative link (`](path)`, written from the repository's root)
/// made relative to `folder`, itself relative to the root.
fn relative_links(body: &str, folder: &Path) -> String {
    let depth: Vec<&str> = folder
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    if depth.is_empty() {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("](") {
        let (before, after) = rest.split_at(at + 2);
        out.push_str(before);
        let end = after.find(')').unwrap_or(after.len());
        let target = &after[..end];
        if target.contains("://") || target.starts_with('#') || target.starts_with('/') {
            out.push_str(target);
        } else {
            out.push_str(&relative_to(target, &depth));
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `target` (from the root) as seen from the folder whose components are `folder`.
fn relative_to(target: &str, folder: &[&str]) -> String {
    let parts: Vec<&str> = target.split('/').collect();
    let common = folder.iter().zip(&parts).take_while(|(a, b)| *a == *b).count();
    // The last part is a file's name (or empty, for a folder): never a folder to enter.
    let common = common.min(parts.len() - 1);
    let mut out: Vec<&str> = vec![".."; folder.len() - common];
    out.extend(&parts[common..]);
    out.join("/")
}

/// `text` with the body of every `<!-- generated: NAME -->` section replaced by
/// `make(NAME)`.
fn regenerate(text: &str, make: impl Fn(&str) -> Result<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let name_end = after.find(" -->").ok_or("a generated section's marker is not closed")?;
        let name = &after[..name_end];
        let body_start = start + BEGIN.len() + name_end + " -->".len();
        let end = rest[body_start..]
            .find(END)
            .map(|i| body_start + i)
            .ok_or_else(|| format!("generated section {name} has no end marker"))?;
        out.push_str(&rest[..body_start]);
        out.push('\n');
        let body = make(name).map_err(|e| format!("section {name}: {e}"))?;
        out.push_str(body.trim_end());
        out.push('\n');
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_replaced_and_the_rest_kept() {
        let text = "a\n<!-- generated: x -->\nold\n<!-- end generated -->\nb\n";
        let made = regenerate(text, |name| Ok(format!("new {name}"))).unwrap();
        assert_eq!(made, "a\n<!-- generated: x -->\nnew x\n<!-- end generated -->\nb\n");
        assert_eq!(regenerate(&made, |name| Ok(format!("new {name}"))).unwrap(), made);
    }

    #[test]
    fn a_section_without_its_end_is_an_error() {
        let error = regenerate("<!-- generated: x -->\nold\n", |_| Ok(String::new())).unwrap_err();
        assert!(error.contains("no end marker"), "{error}");
    }

    #[test]
    fn links_are_made_relative_to_the_file_that_holds_them() {
        let body = "[a](docs/results/a.md), [b](core/src/lib.rs), [c](https://x.org/docs/y), [d](#here), [e](docs/results/)";
        assert_eq!(relative_links(body, Path::new("")), body);
        assert_eq!(
            relative_links(body, Path::new("docs")),
            "[a](results/a.md), [b](../core/src/lib.rs), [c](https://x.org/docs/y), [d](#here), [e](results/)"
        );
        assert_eq!(
            relative_links(body, Path::new("core")),
            "[a](../docs/results/a.md), [b](src/lib.rs), [c](https://x.org/docs/y), [d](#here), [e](../docs/results/)"
        );
        assert_eq!(relative_to("docs", &["docs"]), "../docs");
    }

    #[test]
    fn every_marked_file_is_found_and_no_other() {
        let root = std::env::temp_dir().join(format!("results-readme-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, text) in [
            ("README.md", "<!-- generated: x -->\n<!-- end generated -->\n"),
            ("docs/a.md", "<!-- generated: x -->\n<!-- end generated -->\n"),
            ("docs/b.md", "no section\n"),
            ("docs/results/c.md", "<!-- generated: x -->\n<!-- end generated -->\n"),
            ("core/README.md", "<!-- generated: x -->\n<!-- end generated -->\n"),
            ("cli/README.md", "none\n"),
            ("target/README.md", "<!-- generated: x -->\n<!-- end generated -->\n"),
        ] {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let found = marked_files(&root).unwrap();
        fs::remove_dir_all(&root).unwrap();
        let found: Vec<_> = found.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(found, ["README.md", "core/README.md", "docs/a.md"]);
    }
}
