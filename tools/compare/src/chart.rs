//! A horizontal bar chart of a comparison, drawn with plotters as SVG: a bar per
//! row at its median, whiskers from its least to its most run, and a linear value
//! axis with its unit.

use benches::Flavour;
use plotters::{
    coord::{
        combinators::{BindKeyPoints, WithKeyPoints},
        types::{RangedCoordf64, RangedCoordi32},
    },
    prelude::*,
};

use crate::{args::Workload, columns::figure, report::parameters_shown, row::Row};

/// Units of the row axis per row: a row's bar spans the middle 6 of its 10.
const ROW: i32 = 10;
/// Pixels per row, the plot's width, and the text's sizes.
const ROW_HEIGHT: u32 = 34;
const PLOT_WIDTH: u32 = 520;
// (plotters draws text at 1/1.24 of the size it is given: these are 13 and 16 px.)
const TEXT_SIZE: u32 = 16;
const TITLE_SIZE: u32 = 20;
/// A generous width of one character of sans-serif text, over its size: wider than
/// most text, so that what is sized with it fits.
const CHARACTER_WIDTH: f64 = 0.62;

type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, WithKeyPoints<RangedCoordi32>>>;

/// Pixels that `text` takes at `size`, at most.
fn text_width(text: &str, size: u32) -> u32 {
    (text.chars().count() as f64 * size as f64 * CHARACTER_WIDTH).ceil() as u32
}

/// One colour per runtime crate, in the order of `Flavour::runtimes()`; grey for the
/// rows that are no runtime's (threads, Python).
const PALETTE: [RGBColor; 4] = [
    RGBColor(0xd9, 0x53, 0x4f),
    RGBColor(0x5b, 0x8d, 0xef),
    RGBColor(0x8e, 0x6f, 0xd1),
    RGBColor(0x3f, 0xa3, 0x6b),
];

fn colour(row: &Row) -> RGBColor {
    let name = row.subject.label();
    let flavour = Flavour::ALL.into_iter().find(|flavour| name.starts_with(flavour.label()));
    let runtimes = Flavour::runtimes();
    let index = flavour.and_then(|f| runtimes.iter().position(|&runtime| runtime == f.runtime()));
    index.map_or(RGBColor(0x9a, 0x9a, 0x9a), |i| PALETTE[i % PALETTE.len()])
}

/// The figure's name on the value axis, and the unit and its size in the figure's own
/// (seconds or bytes) for figures up to `most`.
fn axis(workload: &Workload, most: f64) -> (&'static str, &'static str, f64) {
    let name = match workload {
        Workload::Timer { .. } => "median oversleep",
        Workload::Idle { .. } => "resident memory per idle task",
        _ => "median wall time",
    };
    let (unit, size) = match workload {
        Workload::Idle { .. } if most >= 10.0 * 1024.0 => ("KiB", 1024.0),
        Workload::Idle { .. } => ("B", 1.0),
        _ if most >= 1.0 => ("s", 1.0),
        _ if most >= 1e-3 => ("ms", 1e-3),
        _ if most >= 1e-6 => ("us", 1e-6),
        _ => ("ns", 1e-9),
    };
    (name, unit, size)
}

/// A tick's value: at most three decimals, without trailing zeros.
fn tick(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What the chart's lines say: its title, the parameters, the row labels, and each
/// row's figure.
struct Texts {
    title: String,
    parameters: String,
    labels: Vec<String>,
    values: Vec<String>,
}

fn texts(workload: &Workload, rows: &[Row]) -> Texts {
    let what = match workload {
        Workload::Timer { .. } => "median oversleep (a property of each timer, not a ranking)",
        Workload::Idle { .. } => "memory per idle task (shorter is leaner)",
        _ => "median wall time (shorter is faster)",
    };
    let labels = rows
        .iter()
        .map(|row| match row.subject {
            crate::Subject::Rust(_, workers) => format!("{} ({workers} w)", row.subject.label()),
            _ => row.subject.label(),
        })
        .collect();
    Texts {
        title: format!("{}: {what}", workload.name()),
        parameters: parameters_shown(workload),
        labels,
        values: rows.iter().map(|row| figure(workload, row.figure.median)).collect(),
    }
}

/// The bar chart of `rows` as a standalone SVG document.
pub fn bar_chart(workload: &Workload, rows: &[Row]) -> String {
    let texts = texts(workload, rows);
    let most = rows.iter().map(|row| row.figure.max).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let label_width = texts.labels.iter().map(|l| text_width(l, TEXT_SIZE)).max().unwrap_or(0) + 16;
    let value_width = texts.values.iter().map(|v| text_width(v, TEXT_SIZE)).max().unwrap_or(0) + 16;
    let width = [
        label_width + PLOT_WIDTH + value_width + 30,
        text_width(&texts.title, TITLE_SIZE) + 30,
        text_width(&texts.parameters, TEXT_SIZE) + 30,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let height = 70 + rows.len() as u32 * ROW_HEIGHT + 60;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let layout = Layout { label_width, value_width, most: most.max(f64::MIN_POSITIVE) };
        draw(&root, workload, rows, &texts, &layout).expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    svg
}

/// The room the labels and values take, and the largest figure.
struct Layout {
    label_width: u32,
    value_width: u32,
    most: f64,
}

type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    workload: &Workload,
    rows: &[Row],
    texts: &Texts,
    layout: &Layout,
) -> Drawn {
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(62);
    let bold = ("sans-serif", TITLE_SIZE).into_font().style(FontStyle::Bold);
    head.draw(&Text::new(texts.title.as_str(), (12, 10), bold))?;
    head.draw(&Text::new(texts.parameters.as_str(), (12, 36), ("sans-serif", TEXT_SIZE)))?;
    let (name, unit, size) = axis(workload, layout.most);
    // Room right of the longest whisker for its row's value.
    let end = layout.most / size * (1.0 + layout.value_width as f64 / PLOT_WIDTH as f64);
    let count = rows.len() as i32;
    let centres: Vec<i32> = (0..count).map(|i| i * ROW + ROW / 2).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin_right(16)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(layout.label_width)
        .build_cartesian_2d(0.0..end, (0..count * ROW).with_key_points(centres))?;
    let labels = &texts.labels;
    // Row 0 at the top: the value axis counts up from the bottom.
    let row_at = |y: i32| rows.len().checked_sub(1 + (y / ROW) as usize);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(format!("{name} ({unit}); whiskers: least and most run"))
        .x_max_light_lines(1)
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&|y| row_at(*y).map_or(String::new(), |i| labels[i].clone()))
        .label_style(("sans-serif", TEXT_SIZE))
        .axis_desc_style(("sans-serif", TEXT_SIZE))
        .draw()?;
    for (index, row) in rows.iter().enumerate() {
        let y = (count - 1 - index as i32) * ROW;
        bar(&mut chart, row, y, size, &texts.values[index])?;
    }
    Ok(())
}

/// One row's bar at height `y`, its whiskers, and its value beside them.
fn bar(chart: &mut Chart<'_, '_>, row: &Row, y: i32, size: f64, value: &str) -> Drawn {
    let spread = &row.figure;
    let (median, least, most) = (spread.median / size, spread.min / size, spread.max / size);
    if !median.is_finite() {
        return Ok(());
    }
    let rectangle = Rectangle::new([(0.0, y + 2), (median, y + ROW - 2)], colour(row).filled());
    let whisker = BLACK.stroke_width(1);
    let centre = y + ROW / 2;
    chart.draw_series(std::iter::once(rectangle))?;
    if spread.runs.len() > 1 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(least, centre), (most, centre)],
            whisker,
        )))?;
        let cap = |x: f64| PathElement::new(vec![(x, centre - 2), (x, centre + 2)], whisker);
        chart.draw_series([cap(least), cap(most)])?;
    }
    let beside = EmptyElement::at((most.max(median), centre))
        + Text::new(value.to_owned(), (8, -(TEXT_SIZE as i32) / 2), ("sans-serif", TEXT_SIZE));
    chart.draw_series(std::iter::once(beside))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use benches::Flavour;

    use super::*;
    use crate::{Subject, args::workload, row::made_up};

    fn width_of(svg: &str) -> u32 {
        let (_, rest) = svg.split_once("width=\"").expect("a width");
        rest.split('"').next().and_then(|width| width.parse().ok()).expect("a number")
    }

    #[test]
    fn a_long_title_widens_the_chart_and_the_axis_has_its_unit() {
        let words = ["fanout", "--users", "100000", "--fail-rate", "0.01", "--hang-rate", "0.01"];
        let fanout =
            workload(&[&words[..], &["--fetch-timeout", "20ms", "--jitter", "3ms"]].concat());
        let subject = Subject::Rust(Flavour::SmolCurrentThread, NonZeroUsize::MIN);
        let rows = made_up(&fanout, vec![(subject, vec![0.25, 0.30, 0.27])]);
        let svg = bar_chart(&fanout, &rows);
        let texts = texts(&fanout, &rows);
        assert!(width_of(&svg) >= text_width(&texts.parameters, TEXT_SIZE) + 12, "{svg}");
        assert!(width_of(&svg) >= text_width(&texts.title, TITLE_SIZE) + 12, "{svg}");
        assert!(svg.contains(&texts.parameters) && svg.contains("smol-current-thread (1 w)"));
        assert!(svg.contains("median wall time (ms); whiskers: least and most run"), "{svg}");
        assert!(svg.contains("270.00 ms"), "{svg}");
    }

    #[test]
    fn ticks_keep_at_most_three_decimals() {
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(0.0125), "0.013");
    }
}
