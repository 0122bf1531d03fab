//! A horizontal bar chart of the medians, as a standalone SVG.

use std::fmt::Write;

use chain_core::cli::report::duration;

use crate::{
    args::Workload,
    report::{Row, label, parameters},
};

const BAR_HEIGHT: usize = 22;
const LABEL_WIDTH: usize = 300;
const PLOT_WIDTH: usize = 460;

fn colour(row: &Row) -> &'static str {
    let name = label(&row.subject);
    if name.starts_with("tokio") {
        "#d9534f"
    } else if name.starts_with("smol") {
        "#5b8def"
    } else if name.starts_with("async-std") {
        "#8e6fd1"
    } else {
        "#9a9a9a"
    }
}

/// Bars of each row's median (oversleep for the timer), longest = slowest.
pub fn bar_chart(workload: &Workload, rows: &[Row]) -> String {
    let value = |row: &Row| match workload {
        Workload::Timer { .. } => row.median.saturating_sub(workload.ideal()),
        _ => row.median,
    };
    let longest = rows.iter().map(value).max().unwrap_or_default().as_secs_f64().max(1e-12);
    let height = 50 + rows.len() * (BAR_HEIGHT + 6);
    let width = LABEL_WIDTH + PLOT_WIDTH + 110;
    let parameters: Vec<String> =
        parameters(workload).iter().map(|(name, value)| format!("{name}={value}")).collect();
    let name = format!("{} {}", workload.name(), parameters.join(" ")).trim_end().to_owned();
    let title = match workload {
        Workload::Timer { .. } => {
            format!("{name}: median oversleep (a property of each timer, not a ranking)")
        }
        _ => format!("{name}: median wall time (shorter is faster)"),
    };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="15" font-weight="bold">{title}</text>
"#
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 40 + index * (BAR_HEIGHT + 6);
        let length = (value(row).as_secs_f64() / longest * PLOT_WIDTH as f64).max(1.0);
        let workers = match row.subject {
            crate::Subject::Rust(_, workers) => format!(" ({workers} w)"),
            crate::Subject::Python(_) => String::new(),
        };
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}{workers}</text>
<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1}" height="{BAR_HEIGHT}" fill="{}"/>
<text x="{:.1}" y="{}">{}</text>"#,
            LABEL_WIDTH - 8,
            y + 16,
            label(&row.subject),
            colour(row),
            LABEL_WIDTH as f64 + length + 6.0,
            y + 16,
            duration(value(row)),
        );
    }
    svg.push_str("</svg>\n");
    svg
}
