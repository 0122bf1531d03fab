//! `compare chart FILE.json...`: each chart redrawn from the JSON compare wrote
//! beside it, without measuring again (the measurements behind the published
//! charts take an hour).

use std::path::{Path, PathBuf};

use chain_records::{record::Document, serve_record::ServeDocument};

use crate::{args::Workload, chart, outputs, serve_chart};

/// The chart of one JSON document: a workload's bars, or serve's lines.
pub fn chart_of(json: &str) -> Result<String, String> {
    if let Ok(document) = serde_json::from_str::<Document>(json) {
        return chart::of_document(&document);
    }
    let document: ServeDocument = serde_json::from_str(json)
        .map_err(|e| format!("neither compare's nor compare serve's JSON: {e}"))?;
    if document.rows.is_empty() {
        return Err("compare serve --hold's JSON: its report is a table, with no chart".to_owned());
    }
    let words: Vec<String> = document.command.split_whitespace().map(str::to_owned).collect();
    let Workload::Serve(load) = crate::args::workload_of(&words)? else {
        return Err(format!("{}: not compare serve", document.command));
    };
    let lines = document.rows.iter().map(serve_chart::Line::of_row).collect::<Vec<_>>();
    Ok(serve_chart::latency_against_throughput(&load, &lines))
}

/// Where the chart of `json` goes: beside it, as `.svg`.
pub fn svg_beside(json: &Path) -> PathBuf {
    json.with_extension("svg")
}

/// Redraws the chart of each file, each beside its JSON; stops at the first that
/// cannot be read or drawn.
pub fn all(files: &[PathBuf]) -> Result<(), String> {
    for file in files {
        let json = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let svg = chart_of(&json).map_err(|e| format!("{}: {e}", file.display()))?;
        outputs::write(&svg_beside(file), &svg)?;
    }
    Ok(())
}
