//! criterion's results, exported once to a committed file, and read back.

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use benches::Flavour;
use chain_cli::report::machine;
use chain_cli::versions;
use serde::{Deserialize, Serialize};

/// One benchmark's median, in nanoseconds per iteration, with criterion's 95 %
/// confidence interval of it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Median {
    /// criterion's id: `group/function/parameter`.
    pub id: String,
    /// The median.
    pub median_ns: f64,
    /// The interval's low end.
    pub low_ns: f64,
    /// The interval's high end.
    pub high_ns: f64,
}

/// Every benchmark of one `cargo bench` run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Export {
    /// When it was exported (UTC).
    pub date: String,
    /// CPU and cores.
    pub machine: String,
    /// The runtimes' locked versions.
    pub versions: String,
    /// Every benchmark found.
    pub medians: Vec<Median>,
}

impl Export {
    /// The median of benchmark `id`.
    pub fn median(&self, id: &str) -> Result<&Median, String> {
        self.medians
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| format!("no criterion result for {id}"))
    }

    /// Whether this run measured `flavour`: a run made before a flavour was added
    /// has none of its benchmarks.
    pub fn measured(&self, flavour: Flavour) -> bool {
        self.medians.iter().any(|m| m.id.split('/').any(|part| part == flavour.label()))
    }

    /// The flavours this run did not measure, as a sentence to close a table with
    /// (empty when it measured them all).
    pub fn not_measured(&self, flavours: impl Iterator<Item = Flavour>) -> String {
        let missing: Vec<&str> =
            flavours.filter(|f| !self.measured(*f)).map(|f| f.label()).collect();
        match missing.is_empty() {
            true => String::new(),
            false => {
                format!("\nNot in this run (added since it was made): {}.\n", missing.join(", "))
            }
        }
    }

    /// Reads an export.
    pub fn read(path: &Path) -> Result<Export, String> {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Writes the median of every benchmark under `root` whose group starts with one of
/// `groups` to `out`.
pub fn export(root: &Path, groups: &[String], out: &Path) -> Result<ExitCode, String> {
    let mut found = Vec::new();
    let entries = fs::read_dir(root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if groups.iter().any(|prefix| name.starts_with(prefix.as_str())) {
            collect(&entry.path(), &mut found)?;
        }
    }
    if found.is_empty() {
        return Err(format!(
            "no criterion results under {}: run cargo bench first",
            root.display()
        ));
    }
    let mut medians = found.iter().map(|dir| read_median(dir)).collect::<Result<Vec<_>, _>>()?;
    medians.sort_by(|a, b| a.id.cmp(&b.id));
    let export = Export {
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        machine: machine(),
        versions: versions::summary(&benches::Flavour::runtimes()),
        medians,
    };
    let text = serde_json::to_string_pretty(&export).expect("plain data serializes");
    fs::write(out, text + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!("wrote {} ({} benchmarks)", out.display(), export.medians.len());
    Ok(ExitCode::SUCCESS)
}

/// Every folder under `dir` that holds a benchmark's latest result (`new/`), but
/// criterion's own report.
fn collect(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() || path.file_name().is_some_and(|n| n == "report") {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            found.push(path);
        } else {
            collect(&path, found)?;
        }
    }
    Ok(())
}

fn read_median(new: &Path) -> Result<Median, String> {
    let json = |name: &str| -> Result<serde_json::Value, String> {
        let path = new.join(name);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (benchmark, estimates) = (json("benchmark.json")?, json("estimates.json")?);
    let number = |value: &serde_json::Value| {
        value.as_f64().ok_or_else(|| format!("{}: a median without a number", new.display()))
    };
    let median = &estimates["median"];
    Ok(Median {
        id: benchmark["full_id"].as_str().unwrap_or_default().to_owned(),
        median_ns: number(&median["point_estimate"])?,
        low_ns: number(&median["confidence_interval"]["lower_bound"])?,
        high_ns: number(&median["confidence_interval"]["upper_bound"])?,
    })
}
