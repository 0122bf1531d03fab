//! Lists the conformance cases from their definitions, so that a case is declared
//! once, where its body is, and cannot be left out of the suite: every `pub fn` of
//! `src/cases.rs` and `src/over_http.rs` is a case (anything else is `pub(super)`
//! or private), and the build fails on one whose signature is not a case's.
//!
//! The list is the `__with_every_case!` macro, which `conformance_tests!` expands.

use std::{env, fs, path::Path};

/// The signatures a case may have (without whitespace, `{name}` for its name), and
/// the kind of case each one is.
const KINDS: [(&str, &str, &str); 3] = [
    ("cases.rs", "pubfn{name}<R:Runtime>(rt:R)", "plain"),
    ("cases.rs", "pubfn{name}<R:Runtime>(rt:R,built:Configured)", "configured"),
    ("over_http.rs", "pubfn{name}<R:Runtime,S:Service>(rt:R)", "over_http"),
];

fn main() {
    let mut lists: Vec<(&str, Vec<String>)> = KINDS.iter().map(|k| (k.2, Vec::new())).collect();
    for file in ["cases.rs", "over_http.rs"] {
        let path = Path::new("src").join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("the case files are readable");
        for (name, signature) in public_functions(&text) {
            let kind = KINDS.iter().find(|(in_file, pattern, _)| {
                *in_file == file && pattern.replace("{name}", &name) == signature
            });
            let Some((_, _, kind)) = kind else {
                panic!(
                    "src/{file}: `pub fn {name}` is not a case; a case is one of {:?}, \
                     and a helper is `pub(super)` or private",
                    KINDS.map(|k| k.1)
                );
            };
            lists.iter_mut().find(|(k, _)| k == kind).unwrap().1.push(name);
        }
    }
    let lists: Vec<String> =
        lists.iter().map(|(kind, names)| format!("{kind}: [{}]", names.join(", "))).collect();
    let generated = format!(
        "/// Expands `$crate::$callback! {{ $args... }}` followed by every case, by kind,\n\
         /// as the build script found them in the case files.\n\
         #[doc(hidden)]\n#[macro_export]\nmacro_rules! __with_every_case {{\n    \
         ($callback:ident! {{ $($args:tt)* }}) => {{\n        \
         $crate::$callback! {{ $($args)* {} }}\n    }};\n}}\n",
        lists.join("; "),
    );
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("every_case.rs");
    fs::write(out, generated).expect("OUT_DIR is writable");
}

/// Each `pub fn` at the start of a line: its name, and its signature up to the
/// body with whitespace and a trailing comma in the parameters removed.
fn public_functions(text: &str) -> Vec<(String, String)> {
    text.split("\npub fn ")
        .skip(1)
        .map(|rest| {
            let head = &rest[..rest.find('{').expect("a function has a body")];
            let mut signature: String = format!("pub fn {head}").split_whitespace().collect();
            signature = signature.replace(",)", ")");
            let name = head[..head.find(['<', '(']).unwrap()].trim().to_owned();
            (name, signature)
        })
        .collect()
}
