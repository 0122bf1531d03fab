//! A horizontal bar chart of a comparison, drawn with plotters as SVG: a bar per
//! row at its median, whiskers from its least to its most run, and a value axis with
//! its unit, logarithmic where the rows span 100x or more.

use benches::Flavour;
use chain_records::record::{Document, Record};
use plotters::{
    coord::{
        combinators::{BindKeyPoints, WithKeyPoints},
        types::RangedCoordi32,
    },
    prelude::*,
};

use crate::{
    args::Workload,
    columns::figure,
    look::{self, TEXT_SIZE, TITLE_SIZE, tick},
    report::parameters_shown,
    row::Row,
    stats::Spread,
};

/// Units of the row axis per row: a row's bar spans the middle 6 of its 10.
const ROW: i32 = 10;
/// Pixels per row, the plot's width, and the text's sizes.
const ROW_HEIGHT: u32 = 34;
const PLOT_WIDTH: u32 = 520;
/// A generous width of one character of sans-serif text, over its size: wider than
/// most text, so that what is sized with it fits.
const CHARACTER_WIDTH: f64 = 0.62;
/// What a label's `(n w)` means, said under the chart.
pub const WORKERS_NOTE: &str = "(n w): n worker threads";

type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<look::Ticked, WithKeyPoints<RangedCoordi32>>>;

/// Pixels that `text` takes at `size`, at most.
pub fn text_width(text: &str, size: u32) -> u32 {
    (text.chars().count() as f64 * size as f64 * CHARACTER_WIDTH).ceil() as u32
}

/// One bar: its label, the runtime crate that colours it (or `python`,
/// `std::thread`), and its runs' figures.
pub struct Bar {
    pub label: String,
    pub runtime: String,
    pub spread: Spread,
}

/// A Rust row's label carries its worker threads: `tokio-multi-thread (4 w)`.
fn labelled(flavour: &str, runtime: &str, workers: usize) -> String {
    match Flavour::runtimes().contains(&runtime) {
        true => format!("{flavour} ({workers} w)"),
        false => flavour.to_owned(),
    }
}

/// The bars of measured rows.
pub fn bars_of_rows(rows: &[Row]) -> Vec<Bar> {
    let runtime = |row: &Row| match row.subject {
        crate::Subject::Rust(flavour, _) => flavour.runtime(),
        crate::Subject::Python(_) => "python",
        crate::Subject::Threads(_) => "std::thread",
    };
    rows.iter()
        .map(|row| Bar {
            label: labelled(&row.subject.label(), runtime(row), row.workers()),
            runtime: runtime(row).to_owned(),
            spread: row.figure.clone(),
        })
        .collect()
}

/// The bars of the records compare wrote as JSON.
pub fn bars_of_records(records: &[Record]) -> Vec<Bar> {
    records
        .iter()
        .map(|record| Bar {
            label: labelled(&record.flavour, &record.runtime, record.workers),
            runtime: record.runtime.clone(),
            spread: Spread::of(record.figure_runs.clone()),
        })
        .collect()
}

/// The chart of a JSON document compare wrote: its workload from the command line
/// it records, its bars from its rows.
pub fn of_document(document: &Document) -> Result<String, String> {
    let workload = crate::args::workload_of(&document.command)?;
    Ok(bar_chart(&workload, &bars_of_records(&document.rows)))
}

fn colour(bar: &Bar, python_index: usize) -> RGBColor {
    match bar.runtime.as_str() {
        "python" => look::python_colour(python_index),
        "std::thread" => look::THREADS,
        runtime => look::runtime_colour(runtime).unwrap_or(look::THREADS),
    }
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

/// The value axis, in the unit's figures: linear from 0, or logarithmic (drawn in
/// log10 space) from the power of ten below the least run.
struct Scale {
    log: bool,
    /// Where the bars start, in the unit.
    start: f64,
}

impl Scale {
    fn new(least: f64, most: f64) -> Self {
        match look::spans_decades(least, most) {
            true => Scale { log: true, start: look::step_below(least) },
            false => Scale { log: false, start: 0.0 },
        }
    }

    /// Where `value` lies on the drawn axis.
    fn at(&self, value: f64) -> f64 {
        if self.log { value.max(self.start).log10() } else { value }
    }

    /// The value at `x` on the drawn axis.
    fn value(&self, x: f64) -> f64 {
        if self.log { 10f64.powf(x) } else { x }
    }

    /// The ticks up to `end` (drawn), where they are drawn.
    /// A log axis is ticked where its bars start, too.
    fn ticks(&self, end: f64) -> Vec<f64> {
        let ticks = if self.log {
            let ticks = look::log_ticks(self.start, self.value(end));
            let first = ticks.first().is_some_and(|&t| t <= self.start * (1.0 + 1e-9));
            if first { ticks } else { [vec![self.start], ticks].concat() }
        } else {
            look::linear_ticks(end)
        };
        ticks.into_iter().map(|v| self.at(v)).collect()
    }
}

/// What the chart's lines say: its title, the parameters, the row labels, each
/// row's figure, and the note under it.
struct Texts {
    title: String,
    parameters: String,
    labels: Vec<String>,
    values: Vec<String>,
    note: String,
}

fn texts(workload: &Workload, bars: &[Bar]) -> Texts {
    let what = match workload {
        Workload::Timer { .. } => "median oversleep (a property of each timer, not a ranking)",
        Workload::Idle { .. } => "memory per idle task (shorter is leaner)",
        _ => "median wall time (shorter is faster)",
    };
    let workers = bars.iter().any(|bar| bar.label.ends_with(" w)"));
    let note = ["whiskers: least and most run", if workers { WORKERS_NOTE } else { "" }];
    Texts {
        title: format!("{}: {what}", workload.name()),
        parameters: parameters_shown(workload),
        labels: bars.iter().map(|bar| bar.label.clone()).collect(),
        values: bars.iter().map(|bar| figure(workload, bar.spread.median)).collect(),
        note: note.into_iter().filter(|n| !n.is_empty()).collect::<Vec<_>>().join("; "),
    }
}

/// The bar chart of `bars` as a standalone SVG document.
pub fn bar_chart(workload: &Workload, bars: &[Bar]) -> String {
    let texts = texts(workload, bars);
    let finite =
        || bars.iter().flat_map(|b| [b.spread.min, b.spread.max]).filter(|v| v.is_finite());
    let most = finite().fold(0.0, f64::max);
    let least = finite().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    let label_width = texts.labels.iter().map(|l| text_width(l, TEXT_SIZE)).max().unwrap_or(0) + 16;
    let value_width = texts.values.iter().map(|v| text_width(v, TEXT_SIZE)).max().unwrap_or(0) + 16;
    let width = [
        label_width + PLOT_WIDTH + value_width + 30,
        text_width(&texts.title, TITLE_SIZE) + 30,
        text_width(&texts.parameters, TEXT_SIZE) + 30,
        text_width(&texts.note, TEXT_SIZE) + 30,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let height = 70 + bars.len() as u32 * ROW_HEIGHT + 60 + 28;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let most = most.max(f64::MIN_POSITIVE);
        let layout = Layout { label_width, value_width, most, least: least.min(most) };
        draw(&root, workload, bars, &texts, &layout).expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    svg
}

/// The room the labels and values take, and the largest and least figures.
struct Layout {
    label_width: u32,
    value_width: u32,
    most: f64,
    least: f64,
}

type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    workload: &Workload,
    bars: &[Bar],
    texts: &Texts,
    layout: &Layout,
) -> Drawn {
    root.fill(&WHITE)?;
    let (head, rest) = root.split_vertically(62);
    let (body, foot) = rest.split_vertically(rest.dim_in_pixel().1 - 28);
    let bold = ("sans-serif", TITLE_SIZE).into_font().style(FontStyle::Bold);
    head.draw(&Text::new(texts.title.as_str(), (12, 10), bold))?;
    head.draw(&Text::new(texts.parameters.as_str(), (12, 36), ("sans-serif", TEXT_SIZE)))?;
    foot.draw(&Text::new(texts.note.as_str(), (12, 4), ("sans-serif", TEXT_SIZE)))?;
    let (name, unit, size) = axis(workload, layout.most);
    let scale = Scale::new(layout.least / size, layout.most / size);
    let (start, most) = (scale.at(scale.start), scale.at(layout.most / size));
    // Room right of the longest whisker for its row's value.
    let end = most + (most - start) * layout.value_width as f64 / PLOT_WIDTH as f64;
    let count = bars.len() as i32;
    let centres: Vec<i32> = (0..count).map(|i| i * ROW + ROW / 2).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin_right(16)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(layout.label_width)
        .build_cartesian_2d(
            look::Ticked::new(start..end, scale.ticks(end)),
            (0..count * ROW).with_key_points(centres),
        )?;
    let labels = &texts.labels;
    // Row 0 at the top: the value axis counts up from the bottom.
    let row_at = |y: i32| bars.len().checked_sub(1 + (y / ROW) as usize);
    let log = if scale.log { ", log scale" } else { "" };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(format!("{name} ({unit}{log})"))
        .x_label_formatter(&|x| tick(scale.value(*x)))
        .y_label_formatter(&|y| row_at(*y).map_or(String::new(), |i| labels[i].clone()))
        .label_style(("sans-serif", TEXT_SIZE))
        .axis_desc_style(("sans-serif", TEXT_SIZE))
        .draw()?;
    let mut pythons = 0;
    for (index, bar) in bars.iter().enumerate() {
        let y = (count - 1 - index as i32) * ROW;
        let colour = colour(bar, pythons);
        pythons += usize::from(bar.runtime == "python");
        let drawn = Drawn1 { y, size, colour, value: &texts.values[index] };
        one_bar(&mut chart, bar, &scale, &drawn)?;
    }
    Ok(())
}

/// Where and how one bar is drawn.
struct Drawn1<'a> {
    y: i32,
    size: f64,
    colour: RGBColor,
    value: &'a str,
}

/// One bar at its height, its whiskers, and its value beside them.
fn one_bar(chart: &mut Chart<'_, '_>, bar: &Bar, scale: &Scale, drawn: &Drawn1<'_>) -> Drawn {
    let Drawn1 { y, size, colour, value } = *drawn;
    let spread = &bar.spread;
    if !spread.median.is_finite() {
        return Ok(());
    }
    let [median, least, most] = [spread.median, spread.min, spread.max].map(|v| scale.at(v / size));
    let base = scale.at(scale.start);
    let rectangle = Rectangle::new([(base, y + 2), (median, y + ROW - 2)], colour.filled());
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
pub mod tests {
    use std::num::NonZeroUsize;

    use benches::Flavour;

    use super::*;
    use crate::{Subject, args::workload, row::made_up};

    fn width_of(svg: &str) -> u32 {
        let (_, rest) = svg.split_once("width=\"").expect("a width");
        rest.split('"').next().and_then(|width| width.parse().ok()).expect("a number")
    }

    /// Each `<text>` element's x, y and content, in the order drawn.
    pub fn texts_of(svg: &str) -> Vec<(f64, f64, String)> {
        let attribute = |tag: &str, name: &str| -> f64 {
            let (_, rest) = tag.split_once(&format!(" {name}=\"")).expect("an attribute");
            rest.split('"').next().and_then(|v| v.parse().ok()).expect("a number")
        };
        svg.split("<text")
            .skip(1)
            .map(|element| {
                let (tag, rest) = element.split_once('>').expect("a tag");
                let content = rest.split("</text>").next().unwrap_or_default();
                (attribute(tag, "x"), attribute(tag, "y"), content.trim().replace("&apos;", "'"))
            })
            .collect()
    }

    #[test]
    fn a_long_title_widens_the_chart_and_the_axis_has_its_unit() {
        let words = ["fanout", "--users", "100000", "--fail-rate", "0.01", "--hang-rate", "0.01"];
        let fanout =
            workload(&[&words[..], &["--fetch-timeout", "20ms", "--jitter", "3ms"]].concat());
        let subject = Subject::Rust(Flavour::SmolCurrentThread, NonZeroUsize::MIN);
        let rows = made_up(&fanout, vec![(subject, vec![0.25, 0.30, 0.27])]);
        let bars = bars_of_rows(&rows);
        let svg = bar_chart(&fanout, &bars);
        let texts = texts(&fanout, &bars);
        assert!(width_of(&svg) >= text_width(&texts.parameters, TEXT_SIZE) + 12, "{svg}");
        assert!(width_of(&svg) >= text_width(&texts.title, TITLE_SIZE) + 12, "{svg}");
        assert!(svg.contains(&texts.parameters) && svg.contains("smol-current-thread (1 w)"));
        assert!(svg.contains("median wall time (ms)"), "{svg}");
        assert!(svg.contains("270.00 ms"), "{svg}");
    }

    #[test]
    fn rows_spanning_a_hundredfold_get_a_log_axis_ticked_at_powers_of_ten() {
        let fanout = workload(&["fanout", "--users", "1000"]);
        let one = NonZeroUsize::MIN;
        let rows = made_up(
            &fanout,
            vec![
                (Subject::Rust(Flavour::SmolCurrentThread, one), vec![0.11, 0.12, 0.13]),
                (Subject::Rust(Flavour::TokioMultiThread, one), vec![0.2, 0.21]),
                (Subject::Python("asyncio"), vec![11.5, 12.0]),
            ],
        );
        let svg = bar_chart(&fanout, &bars_of_rows(&rows));
        assert!(svg.contains("median wall time (s, log scale)"), "{svg}");
        let texts: Vec<String> = texts_of(&svg).into_iter().map(|t| t.2).collect();
        for wanted in ["0.1", "1", "10"] {
            // (And 0.1 is where the bars start: the least run, 0.11 s, is above it.)
            assert!(texts.iter().any(|t| t == wanted), "no tick {wanted}: {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.ends_with(".0")), "{texts:?}");
        // What "(1 w)" means is said under the chart.
        assert!(texts.iter().any(|t| t.contains(WORKERS_NOTE)), "{texts:?}");
        // Within a hundredfold: linear, from 0.
        let near = made_up(
            &fanout,
            vec![(Subject::Rust(Flavour::SmolCurrentThread, one), vec![1.0, 2.0, 30.0])],
        );
        let svg = bar_chart(&fanout, &bars_of_rows(&near));
        assert!(svg.contains("median wall time (s)") && !svg.contains("log scale"), "{svg}");
    }

    #[test]
    fn bars_of_two_runtimes_never_share_a_colour() {
        let fanout = workload(&["fanout", "--users", "1000"]);
        let one = NonZeroUsize::MIN;
        let subjects: Vec<(Subject, Vec<f64>)> = Flavour::ALL
            .into_iter()
            .enumerate()
            .map(|(i, f)| (Subject::Rust(f, one), vec![1.0 + i as f64 / 10.0]))
            .collect();
        let bars = bars_of_rows(&made_up(&fanout, subjects));
        let mut by_runtime: Vec<(String, RGBColor)> = Vec::new();
        for bar in &bars {
            let colour = colour(bar, 0);
            for (runtime, other) in &by_runtime {
                assert_eq!(*runtime == bar.runtime, *other == colour, "{runtime} {}", bar.runtime);
            }
            by_runtime.push((bar.runtime.clone(), colour));
        }
    }

    #[test]
    fn the_committed_json_redraws_its_chart() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/results/fanout-100k-10ms-join.json");
        let json = std::fs::read_to_string(path).expect("the committed results");
        let document: Document = serde_json::from_str(&json).expect("compare's JSON");
        let svg = of_document(&document).expect("a chart");
        for record in &document.rows {
            assert!(svg.contains(&record.flavour), "{} missing", record.flavour);
        }
        assert!(svg.contains("log scale") && svg.contains("tokio-multi-thread (2 w)"), "{svg}");
    }
}
