//! The README's generated sections: found by their markers, rewritten from the
//! results, or checked against them.

use std::{fs, path::Path, process::ExitCode};

use crate::sections::Sources;

const BEGIN: &str = "<!-- generated: ";
const END: &str = "<!-- end generated -->";

/// Rewrites (or, with `check`, compares) every generated section of `readme`.
pub fn main(readme: &Path, results: &Path, rerun: &Path, check: bool) -> Result<ExitCode, String> {
    let text =
        fs::read_to_string(readme).map_err(|e| format!("cannot read {}: {e}", readme.display()))?;
    let sources = Sources::new(results, rerun);
    let made = regenerate(&text, |name| sources.section(name))?;
    if made == text {
        eprintln!("{} is what the results in {} make of it", readme.display(), results.display());
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        let line = text.lines().zip(made.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
        eprintln!(
            "error: {} differs from what the results make of it (first at line {line}); \
             run `cargo run --release -p results -- readme`",
            readme.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    fs::write(readme, made).map_err(|e| format!("cannot write {}: {e}", readme.display()))?;
    eprintln!("wrote {}", readme.display());
    Ok(ExitCode::SUCCESS)
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
}
