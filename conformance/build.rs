//! Lists the conformance cases and the binary checks from their definitions, so
//! that each is declared once, where its body is, and cannot be left out of the
//! suite: every `pub fn` of `src/cases.rs`, `src/over_http.rs`, `src/serving.rs`,
//! `src/binary.rs` and `src/serve_binary.rs`
//! is one (anything else is `pub(super)` or private), and the build fails on one
//! whose signature is not a case's or a check's.
//!
//! The lists are the `__with_every_case!` macro, which `conformance_tests!`
//! expands, and `__with_every_binary_check!`, which `binary_tests!` expands.

use std::{env, fs, path::Path};

/// The signatures a case may have (without whitespace, `{name}` for its name), and
/// the kind of case each one is.
const KINDS: [(&str, &str, &str); 6] = [
    ("cases.rs", "pubfn{name}<R:Launch>(rt:R)", "plain"),
    ("cases.rs", "pubfn{name}<R:Launch>(rt:R,built:Configured)", "configured"),
    ("over_http.rs", "pubfn{name}<R:Launch>(rt:R)", "over_http"),
    ("serving.rs", "pubfn{name}<R:Launch>(rt:R)", "serving"),
    ("binary.rs", "pubfn{name}(binary:&str)", "binary"),
    ("serve_binary.rs", "pubfn{name}(binary:&str)", "serve_binary"),
];

fn main() {
    let mut lists: Vec<(&str, Vec<String>)> = KINDS.iter().map(|k| (k.2, Vec::new())).collect();
    for file in ["cases.rs", "over_http.rs", "serving.rs", "binary.rs", "serve_binary.rs"] {
        let path = Path::new("src").join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("the case files are readable");
        for (name, signature) in public_functions(&text) {
            let kind = KINDS.iter().find(|(in_file, pattern, _)| {
                *in_file == file && pattern.replace("{name}", &name) == signature
            });
            let Some((_, _, kind)) = kind else {
                let here: Vec<&str> = KINDS.iter().filter(|k| k.0 == file).map(|k| k.1).collect();
                panic!(
                    "src/{file}: `pub fn {name}` is not a case; a case here is one of {here:?}, \
                     and a helper is `pub(super)` or private"
                );
            };
            lists.iter_mut().find(|(k, _)| k == kind).unwrap().1.push(name);
        }
    }
    let (checks, cases): (Vec<_>, Vec<_>) =
        lists.iter().partition(|(kind, _)| kind.ends_with("binary"));
    let listed = |lists: Vec<&(&str, Vec<String>)>| -> String {
        let lists: Vec<String> =
            lists.iter().map(|(kind, names)| format!("{kind}: [{}]", names.join(", "))).collect();
        lists.join("; ")
    };
    let generated = with_every("__with_every_case", &listed(cases))
        + &with_every("__with_every_binary_check", &listed(checks));
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("every_case.rs");
    fs::write(out, generated).expect("OUT_DIR is writable");
}

/// A macro `name` that expands `$crate::$callback! { $args... }` followed by `lists`.
fn with_every(name: &str, lists: &str) -> String {
    format!(
        "/// Expands `$crate::$callback! {{ $args... }}` followed by every case, by kind,\n\
         /// as the build script found them in the case files.\n\
         #[doc(hidden)]\n#[macro_export]\nmacro_rules! {name} {{\n    \
         ($callback:ident! {{ $($args:tt)* }}) => {{\n        \
         $crate::$callback! {{ $($args)* {lists} }}\n    }};\n}}\n"
    )
}

/// Each `pub fn` at the start of a line: its name, and its signature up to the
/// body with whitespace and trailing commas in the parameter lists removed.
fn public_functions(text: &str) -> Vec<(String, String)> {
    text.split("\npub fn ")
        .skip(1)
        .map(|rest| {
            let head = &rest[..rest.find('{').expect("a function has a body")];
            let mut signature: String = format!("pub fn {head}").split_whitespace().collect();
            signature = signature.replace(",)", ")").replace(",>", ">");
            let name = head[..head.find(['<', '(']).unwrap()].trim().to_owned();
            (name, signature)
        })
        .collect()
}
