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

/// The figure a bar shows: memory per task for `idle`, oversleep for the timer, the
/// median wall time otherwise; and its text.
fn figure(workload: &Workload, row: &Row) -> (f64, String) {
    match workload {
        Workload::Idle { .. } => {
            let bytes = row.bytes_per_task.unwrap_or_default();
            (bytes, format!("{bytes:.0} B"))
        }
        Workload::Timer { .. } => {
            let late = row.median.saturating_sub(workload.ideal());
            (late.as_secs_f64(), duration(late))
        }
        _ => (row.median.as_secs_f64(), duration(row.median)),
    }
}

/// Bars of each row's figure, longest = most. When the figures span more than 20
/// times, the scale is logarithmic (and says so), or the short bars would vanish.
pub fn bar_chart(workload: &Workload, rows: &[Row]) -> String {
    let values: Vec<f64> = rows.iter().map(|row| figure(workload, row).0.max(1e-12)).collect();
    let most = values.iter().copied().fold(1e-12, f64::max);
    let least = values.iter().copied().fold(f64::INFINITY, f64::min).min(most);
    let logarithmic = most / least > 20.0;
    // Bars start at a tenth of the least value on the log scale, so none is empty.
    let length = |value: f64| {
        let fraction = if logarithmic {
            (value / (least / 10.0)).log10() / (most / (least / 10.0)).log10()
        } else {
            value / most
        };
        (fraction * PLOT_WIDTH as f64).max(1.0)
    };
    let height = 50 + rows.len() * (BAR_HEIGHT + 6);
    let width = LABEL_WIDTH + PLOT_WIDTH + 110;
    let parameters: Vec<String> =
        parameters(workload).iter().map(|(name, value)| format!("{name}={value}")).collect();
    let name = format!("{} {}", workload.name(), parameters.join(" ")).trim_end().to_owned();
    let scale = if logarithmic { ", log scale" } else { "" };
    let title = match workload {
        Workload::Timer { .. } => {
            format!("{name}: median oversleep (a property of each timer, not a ranking{scale})")
        }
        Workload::Idle { .. } => format!("{name}: memory per idle task (shorter is leaner{scale})"),
        _ => format!("{name}: median wall time (shorter is faster{scale})"),
    };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="15" font-weight="bold">{title}</text>
"#
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 40 + index * (BAR_HEIGHT + 6);
        let (value, text) = figure(workload, row);
        let length = length(value.max(1e-12));
        let workers = match row.subject {
            crate::Subject::Rust(_, workers) => format!(" ({workers} w)"),
            crate::Subject::Python(_) | crate::Subject::Threads(_) => String::new(),
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
            text,
        );
    }
    svg.push_str("</svg>\n");
    svg
}
