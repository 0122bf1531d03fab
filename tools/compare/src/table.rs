//! Tables of columns, drawn with comfy-table: boxed for the terminal, or as a GitHub
//! Markdown table. A column with nothing in any row is left out.

use comfy_table::{
    CellAlignment, ContentArrangement, Table, modifiers::UTF8_ROUND_CORNERS, presets,
};

/// What a cell holds when its row has no figure for its column.
pub const NONE: &str = "-";

/// A column: its heading, whether it holds figures (aligned right), and its cells.
#[derive(Clone, Debug)]
pub struct Column {
    pub heading: String,
    pub figures: bool,
    pub cells: Vec<String>,
}

impl Column {
    /// A column of text, aligned left.
    pub fn text(heading: impl Into<String>, cells: Vec<String>) -> Self {
        Column { heading: heading.into(), figures: false, cells }
    }

    /// A column of figures, aligned right.
    pub fn figures(heading: impl Into<String>, cells: Vec<String>) -> Self {
        Column { heading: heading.into(), figures: true, cells }
    }

    /// Whether no row has anything in this column.
    fn is_empty(&self) -> bool {
        self.cells.iter().all(|cell| cell.is_empty() || cell == NONE)
    }
}

/// The columns that hold something, in order.
pub fn kept(columns: Vec<Column>) -> Vec<Column> {
    columns.into_iter().filter(|column| !column.is_empty()).collect()
}

fn build(columns: &[Column], preset: &str) -> Table {
    let mut table = Table::new();
    table.load_preset(preset);
    table.set_header(columns.iter().map(|column| column.heading.clone()));
    let rows = columns.iter().map(|column| column.cells.len()).max().unwrap_or(0);
    for index in 0..rows {
        table.add_row(
            columns.iter().map(|column| column.cells.get(index).cloned().unwrap_or_default()),
        );
    }
    for (column, spec) in table.column_iter_mut().zip(columns) {
        let alignment = if spec.figures { CellAlignment::Right } else { CellAlignment::Left };
        column.set_cell_alignment(alignment);
    }
    table
}

/// The widest a terminal table may be: a long label wraps within its cell.
const TERMINAL_WIDTH: u16 = 120;

/// The columns that hold something, boxed and aligned for a terminal, at most
/// [`TERMINAL_WIDTH`] columns wide.
pub fn terminal(columns: Vec<Column>) -> String {
    let columns = kept(columns);
    let mut table = build(&columns, presets::UTF8_FULL_CONDENSED);
    table.apply_modifier(UTF8_ROUND_CORNERS);
    table.set_content_arrangement(ContentArrangement::Dynamic).set_width(TERMINAL_WIDTH);
    table.to_string()
}

/// The columns that hold something, as a GitHub Markdown table (aligned as text too),
/// figures aligned right.
pub fn markdown(columns: Vec<Column>) -> String {
    let columns = kept(columns);
    let table = build(&columns, presets::ASCII_MARKDOWN).to_string();
    let mut lines: Vec<String> = table.lines().map(str::to_owned).collect();
    if let Some(rule) = lines.get_mut(1) {
        *rule = aligned_rule(rule, &columns);
    }
    lines.join("\n")
}

/// The rule under a Markdown heading, `|----|---:|`, with a colon closing each column
/// of figures so that GitHub aligns it right.
fn aligned_rule(rule: &str, columns: &[Column]) -> String {
    let widths = rule.trim_matches('|').split('|').map(str::len);
    let parts: Vec<String> = widths
        .zip(columns)
        .map(|(width, column)| match column.figures {
            true => format!("{}:", "-".repeat(width.saturating_sub(1))),
            false => "-".repeat(width),
        })
        .collect();
    format!("|{}|", parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column::text("flavour", vec!["smol".into(), "tokio-multi-thread".into()]),
            Column::figures("median", vec!["1.00 ms".into(), "12.50 ms".into()]),
            Column::figures("per-user overhead", vec![NONE.into(), NONE.into()]),
        ]
    }

    #[test]
    fn a_column_empty_in_every_row_is_left_out() {
        for text in [terminal(columns()), markdown(columns())] {
            assert!(!text.contains("per-user overhead"), "{text}");
            assert!(text.contains("median"), "{text}");
        }
    }

    #[test]
    fn markdown_is_a_github_table_with_figures_aligned_right() {
        let text = markdown(columns());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("| flavour ") && lines[0].ends_with('|'), "{text}");
        assert!(lines[1].starts_with("|---") && lines[1].ends_with(":|"), "{text}");
        assert!(lines[3].contains("| tokio-multi-thread | 12.50 ms |"), "{text}");
        // Aligned as text too: every line as wide as the heading.
        assert!(lines.iter().all(|line| line.len() == lines[0].len()), "{text}");
    }

    #[test]
    fn a_terminal_table_aligns_figures_right_in_a_box() {
        let text = terminal(columns());
        let widths: Vec<usize> = text.lines().map(|line| line.chars().count()).collect();
        assert!(widths.iter().all(|&width| width == widths[0]), "{text}");
        assert!(text.contains("┆  1.00 ms │"), "{text}");
    }
}
