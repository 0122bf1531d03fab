//! The files compare writes: checked before anything is measured, and each named on
//! stderr once written.

use std::{
    fs::{self, File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
};

use crate::args::Args;

/// The output files asked for, each with the option that names it.
pub fn requested(args: &Args) -> Vec<(&'static str, &Path)> {
    let options = [("--json", &args.json), ("--svg", &args.svg), ("--markdown", &args.markdown)];
    options.into_iter().filter_map(|(option, path)| Some((option, path.as_deref()?))).collect()
}

/// `path` as the file system knows it: absolute, through the links of its folder.
fn identity(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    if let Ok(canonical) = fs::canonicalize(&absolute) {
        return canonical;
    }
    match (absolute.parent().map(fs::canonicalize), absolute.file_name()) {
        (Some(Ok(folder)), Some(name)) => folder.join(name),
        _ => absolute,
    }
}

/// Why the outputs cannot be written, found before anything is measured: two
/// options naming one file, or a file that cannot be opened for writing.
pub fn check(args: &Args) -> Result<(), String> {
    let outputs = requested(args);
    for (index, (option, path)) in outputs.iter().enumerate() {
        let twin = outputs[index + 1..].iter().find(|(_, other)| identity(other) == identity(path));
        if let Some((other, _)) = twin {
            return Err(format!(
                "{option} and {other} cannot both write {}: give each output its own file",
                path.display()
            ));
        }
    }
    outputs.iter().try_for_each(|(_, path)| writable(path))
}

/// Whether `path` can be written; a file made only to find out is removed again, so
/// that a failed run leaves nothing.
fn writable(path: &Path) -> Result<(), String> {
    let existed = path.exists();
    if let Err(e) = OpenOptions::new().append(true).create(true).open(path) {
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    if !existed {
        let _ = fs::remove_file(path);
    }
    Ok(())
}

/// Writes `text` to `path` and says so on stderr (stdout holds the table).
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    File::create(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
