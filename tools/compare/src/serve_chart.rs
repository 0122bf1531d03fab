//! `compare serve`'s chart: p99 latency against the throughput achieved, a line per
//! server through its offered rates, on a logarithmic latency axis. The lines are
//! split into panels of a few each (the gateway on single-threaded flavours, on
//! multi-threaded and thread-per-core ones, and the native twins of each), the
//! baselines (threads, Python) drawn in every panel for scale; the panels share
//! their axes, each has its legend beside it, and where the rates were found by a
//! search, its p99 bound is drawn.

use benches::Flavour;
use chain_contract::Scheduling;
use chain_records::serve_record::{Point, ServedRow};
use plotters::{coord::Shift, element::DashedPathElement, prelude::*};

use crate::{
    chart::{WORKERS_NOTE, text_width},
    look::{self, TEXT_SIZE, TITLE_SIZE, tick},
    serve_load::ServeLoad,
    served::Served,
    stats::Spread,
};

const PLOT_WIDTH: u32 = 660;
const PANEL_HEIGHT: u32 = 380;
const HEAD: u32 = 70;
const FOOT: u32 = 34;
/// Pixels between the legend's entries.
const ENTRY: i32 = 24;
/// The search's bound: a dark red, dashed, unlike any line's colour.
pub const BOUND: RGBColor = RGBColor(0x80, 0x00, 0x00);

/// One server's line: its label, its threads in words, each offered rate's runs.
pub struct Line {
    pub label: String,
    pub workers: String,
    pub by_rate: Vec<Vec<Point>>,
}

impl Line {
    /// A row of `compare serve`'s JSON.
    pub fn of_row(row: &ServedRow) -> Line {
        let by_rate = row.loads.iter().map(|loaded| loaded.runs.clone()).collect();
        Line { label: row.server.clone(), workers: row.workers.clone(), by_rate }
    }

    /// A measured row.
    pub fn of_served(row: &Served, workers: String, by_rate: &[Vec<Point>]) -> Line {
        Line { label: row.label(), workers, by_rate: by_rate.to_vec() }
    }
}

/// What a line is a line of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Member {
    /// The gateway on a flavour, or (`native`) its native twin.
    Flavour {
        flavour: Flavour,
        native: bool,
    },
    /// A baseline: threads, or Python.
    Threads,
    Python,
}

fn member(label: &str) -> Member {
    let (name, native) = match label.strip_suffix(" native") {
        Some(name) => (name, true),
        None => (label, false),
    };
    match Flavour::ALL.into_iter().find(|flavour| flavour.label() == name) {
        Some(flavour) => Member::Flavour { flavour, native },
        None if label.starts_with("threads") => Member::Threads,
        None => Member::Python,
    }
}

/// The panels: which lines of a flavour each holds (native or the gateway, and its
/// kind), and its title.
const PANELS: [(bool, Scheduling, &str); 6] = [
    (false, Scheduling::CurrentThread, "the gateway, single-threaded flavours"),
    (false, Scheduling::MultiThread, "the gateway, multi-threaded flavours"),
    (false, Scheduling::ThreadPerCore, "the gateway, thread-per-core flavours"),
    (
        true,
        Scheduling::CurrentThread,
        "native twins (hyper on the runtime's own API), single-threaded",
    ),
    (true, Scheduling::MultiThread, "native twins, multi-threaded"),
    (true, Scheduling::ThreadPerCore, "native twins, thread-per-core"),
];

/// One panel: its title and its lines (indices into the lines given).
struct Panel {
    title: &'static str,
    lines: Vec<usize>,
}

/// The panels that hold a flavour's line, each with the baselines; with no
/// flavour's line at all, one panel of the baselines.
fn panels(lines: &[Line]) -> Vec<Panel> {
    let members: Vec<Member> = lines.iter().map(|line| member(&line.label)).collect();
    let baselines: Vec<usize> =
        (0..lines.len()).filter(|&i| !matches!(members[i], Member::Flavour { .. })).collect();
    let mut panels: Vec<Panel> = PANELS
        .into_iter()
        .filter_map(|(native, kind, title)| {
            let mine = (0..lines.len()).filter(|&i| match members[i] {
                Member::Flavour { flavour, native: n } => {
                    n == native && flavour.scheduling() == kind
                }
                _ => false,
            });
            let mine: Vec<usize> = mine.collect();
            (!mine.is_empty()).then(|| Panel { title, lines: [mine, baselines.clone()].concat() })
        })
        .collect();
    if panels.is_empty() {
        panels.push(Panel { title: "the baselines", lines: baselines });
    }
    panels
}

/// A line's label in the legend: a flavour of several threads with its count.
fn legend_label(line: &Line) -> String {
    match member(&line.label) {
        Member::Flavour { flavour, .. } if flavour.is_multi_thread() => {
            format!("{} ({} w)", line.label, line.workers)
        }
        _ => line.label.clone(),
    }
}

/// Each line's colour: its flavour's, or its baseline's; within a panel, no two
/// alike (a panel holds one flavour per runtime crate and driver).
fn colours(lines: &[Line]) -> Vec<RGBColor> {
    let mut pythons = 0;
    lines
        .iter()
        .map(|line| match member(&line.label) {
            Member::Flavour { flavour, .. } => look::flavour_colour(flavour),
            Member::Threads => look::THREADS,
            Member::Python => {
                pythons += 1;
                look::python_colour(pythons - 1)
            }
        })
        .collect()
}

/// The median of each row's runs at each rate: (achieved requests/s, p99 in ms).
fn points(runs_by_rate: &[Vec<Point>]) -> Vec<(f64, f64)> {
    runs_by_rate
        .iter()
        .filter(|runs| !runs.is_empty())
        .map(|runs| {
            let achieved = Spread::of(runs.iter().map(|p| p.load.achieved_rate).collect()).median;
            let p99 =
                Spread::of(runs.iter().map(|p| p.load.latency_us.p99 as f64).collect()).median;
            (achieved, (p99 / 1000.0).max(0.001))
        })
        .collect()
}

/// A rate on the axis: `20k` for 20,000.
fn rate_label(rate: f64) -> String {
    if rate >= 1000.0 { format!("{}k", tick(rate / 1000.0)) } else { tick(rate) }
}

/// The axes every panel shares: rates from 0, latencies in log10 of ms.
struct Axes {
    rate_end: f64,
    rate_ticks: Vec<f64>,
    /// log10 of the least and most ms shown.
    low: f64,
    high: f64,
    latency_ticks: Vec<f64>,
    /// The search's p99 bound in ms, if the rates were found by one.
    bound_ms: Option<f64>,
}

impl Axes {
    fn new(drawn: &[Vec<(f64, f64)>], bound_ms: Option<f64>) -> Axes {
        let all = || drawn.iter().flatten();
        let most_rate = all().map(|p| p.0).fold(1.0, f64::max) * 1.05;
        let ms = || all().map(|p| p.1).chain(bound_ms);
        let (least, most) = (ms().fold(f64::MAX, f64::min), ms().fold(0.0_f64, f64::max));
        let (least, most) = (least.min(most).max(0.001) / 1.5, most.max(0.001) * 1.5);
        let latency_ticks = look::log_ticks(least, most).into_iter().map(f64::log10).collect();
        let rate_ticks = look::linear_ticks(most_rate);
        Axes {
            rate_end: most_rate,
            rate_ticks,
            low: least.log10(),
            high: most.log10(),
            latency_ticks,
            bound_ms,
        }
    }
}

type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<look::Ticked, look::Ticked>>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The chart as SVG: a panel per kind of flavour, each with its legend beside it.
pub fn latency_against_throughput(load: &ServeLoad, lines: &[Line]) -> String {
    let panels = panels(lines);
    let labels: Vec<String> = lines.iter().map(legend_label).collect();
    let legend_width = labels.iter().map(|l| text_width(l, TEXT_SIZE)).max().unwrap_or(0) + 60;
    let width = 90 + PLOT_WIDTH + legend_width;
    let height = HEAD + PANEL_HEIGHT * panels.len() as u32 + FOOT;
    let drawn: Vec<Vec<(f64, f64)>> = lines.iter().map(|line| points(&line.by_rate)).collect();
    let axes = Axes::new(&drawn, load.search.map(|bound| bound.as_secs_f64() * 1000.0));
    let look = Look { labels, colours: colours(lines), drawn, legend_width };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, load, &panels, &axes, &look).expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    svg
}

/// Each line's legend label, colour and points, and the legend's width.
struct Look {
    labels: Vec<String>,
    colours: Vec<RGBColor>,
    drawn: Vec<Vec<(f64, f64)>>,
    legend_width: u32,
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    load: &ServeLoad,
    panels: &[Panel],
    axes: &Axes,
    look: &Look,
) -> Drawn {
    root.fill(&WHITE)?;
    let (head, rest) = root.split_vertically(HEAD);
    let (body, foot) = rest.split_vertically(PANEL_HEIGHT * panels.len() as u32);
    let bold = ("sans-serif", TITLE_SIZE).into_font().style(FontStyle::Bold);
    let title =
        format!("p99 latency against throughput, {} connections{}", load.connections, load.route());
    head.draw(&Text::new(title, (12, 10), bold))?;
    let what = "a line per server through its offered rates (the median of its runs at each); the baselines (threads, Python) in every panel";
    head.draw(&Text::new(what, (12, 40), ("sans-serif", TEXT_SIZE)))?;
    let mut note = vec![WORKERS_NOTE.to_owned()];
    if let Some(bound) = axes.bound_ms {
        note.push(format!("dashed: the search's bound, p99 within {} ms", tick(bound)));
    }
    foot.draw(&Text::new(note.join("; "), (12, 8), ("sans-serif", TEXT_SIZE)))?;
    for (panel, area) in panels.iter().zip(body.split_evenly((panels.len(), 1))) {
        draw_panel(&area, panel, axes, look)?;
    }
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    panel: &Panel,
    axes: &Axes,
    look: &Look,
) -> Drawn {
    let (plot_area, legend) = area.split_horizontally(area.dim_in_pixel().0 - look.legend_width);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(panel.title, ("sans-serif", 18).into_font().style(FontStyle::Bold))
        .margin(10)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            look::Ticked::new(0.0..axes.rate_end, axes.rate_ticks.clone()),
            look::Ticked::new(axes.low..axes.high, axes.latency_ticks.clone()),
        )?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .x_desc("requests/s answered (k = 1,000)")
        .y_desc("p99 latency, ms (log scale)")
        .x_label_formatter(&|v| rate_label(*v))
        .y_label_formatter(&|v| tick(10f64.powf(*v)))
        .label_style(("sans-serif", TEXT_SIZE))
        .axis_desc_style(("sans-serif", TEXT_SIZE))
        .draw()?;
    if let Some(bound) = axes.bound_ms {
        bound_line(&mut chart, axes, bound)?;
    }
    for &i in &panel.lines {
        let colour = look.colours[i];
        let at: Vec<(f64, f64)> = look.drawn[i].iter().map(|&(x, ms)| (x, ms.log10())).collect();
        chart.draw_series(LineSeries::new(at.clone(), colour.stroke_width(2)))?;
        chart.draw_series(at.into_iter().map(|p| Circle::new(p, 3, colour.filled())))?;
    }
    // The legend, beside the plot: its top at the plot's.
    let top = 40;
    for (n, &i) in panel.lines.iter().enumerate() {
        let (colour, y) = (look.colours[i], top + n as i32 * ENTRY);
        legend.draw(&PathElement::new(vec![(8, y), (32, y)], colour.stroke_width(2)))?;
        legend.draw(&Circle::new((20, y), 3, colour.filled()))?;
        let label = look.labels[i].as_str();
        legend.draw(&Text::new(label, (40, y - 8), ("sans-serif", TEXT_SIZE)))?;
    }
    Ok(())
}

/// The search's bound across the plot, dashed, labelled at its right end.
fn bound_line(chart: &mut Plot<'_, '_>, axes: &Axes, bound_ms: f64) -> Drawn {
    let y = bound_ms.log10();
    let style = BOUND.stroke_width(1);
    let dashes = DashedPathElement::new(vec![(0.0, y), (axes.rate_end, y)], 6, 4, style);
    chart.draw_series(std::iter::once(dashes))?;
    let label = format!("p99 bound {} ms", tick(bound_ms));
    let shift = text_width(&label, TEXT_SIZE) as i32 + 4;
    // On white, so that the lines it crosses do not hide it.
    let text = EmptyElement::at((axes.rate_end, y))
        + Rectangle::new([(-shift - 2, -21), (-2, -3)], WHITE.mix(0.85).filled())
        + Text::new(label, (-shift, -20), ("sans-serif", TEXT_SIZE).into_font().color(&BOUND));
    chart.draw_series(std::iter::once(text))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{
        args::{Workload, workload},
        chart::tests::texts_of,
        search::tests::point,
    };

    /// Every row compare serve has, each at four rates, each line its own latencies.
    fn every_line() -> Vec<Line> {
        let rows = Served::rows(&Flavour::ALL, true, &["asyncio", "uvloop"]);
        let rows = rows.iter().enumerate().map(|(i, row)| {
            let by_rate = [1.0, 2.0, 4.0, 8.0].map(|k| {
                let mut run = point(k * 1000.0 * (1 + i) as f64, 1e9);
                run.load.latency_us.p99 = (k * 300.0 * (1 + i) as f64) as u64;
                vec![run]
            });
            Line::of_served(row, "2".into(), &by_rate)
        });
        rows.collect()
    }

    fn load(words: &[&str]) -> ServeLoad {
        let Workload::Serve(load) = workload(&[&["serve"], words].concat()) else { panic!() };
        load
    }

    /// The value of `name="..."` in `tag`.
    fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        tag.split_once(&format!(" {name}=\""))?.1.split('"').next()
    }

    /// The svg's elements of a kind, each with the text of its tag.
    fn elements<'a>(svg: &'a str, kind: &str) -> Vec<&'a str> {
        svg.split(&format!("<{kind} ")).skip(1).map(|e| e.split('>').next().unwrap()).collect()
    }

    #[test]
    fn every_panel_has_few_lines_each_of_its_own_colour() {
        let lines = every_line();
        let panels = panels(&lines);
        assert_eq!(panels.len(), PANELS.len());
        assert_eq!(panels.iter().map(|p| p.lines.len() - 3).sum::<usize>(), lines.len() - 3);
        let svg = latency_against_throughput(&load(&["--search", "10ms"]), &lines);
        // The svg split at the panels' titles: each part one panel's lines and legend.
        let mut rest = svg.as_str();
        let mut parts = Vec::new();
        for panel in &panels {
            let title = format!(">\n{}\n<", panel.title.replace('\'', "&apos;"));
            let (before, after) = rest.split_once(&title).expect("the panel's title");
            parts.push(before);
            rest = after;
        }
        parts.push(rest);
        for (panel, part) in panels.iter().zip(&parts[1..]) {
            assert!(panel.lines.len() <= 12, "{} lines in {}", panel.lines.len(), panel.title);
            // Each line is drawn once in the plot and once in the legend: a colour a line.
            let mut colours: BTreeMap<&str, usize> = BTreeMap::new();
            for line in elements(part, "polyline") {
                if attribute(line, "stroke-width") == Some("2") {
                    *colours.entry(attribute(line, "stroke").unwrap()).or_default() += 1;
                }
            }
            assert_eq!(colours.len(), panel.lines.len(), "{}: {colours:?}", panel.title);
            assert!(colours.values().all(|&n| n == 2), "{}: {colours:?}", panel.title);
        }
    }

    #[test]
    fn the_legend_lies_beside_the_plot_and_the_bound_is_drawn() {
        let lines = every_line();
        let svg = latency_against_throughput(&load(&["--search", "10ms"]), &lines);
        let bound = format!("#{:02X}{:02X}{:02X}", BOUND.0, BOUND.1, BOUND.2);
        // The bound's dashes run across the whole plot: its right edge.
        let dashes: Vec<&str> = elements(&svg, "polyline")
            .into_iter()
            .filter(|e| attribute(e, "stroke") == Some(&bound))
            .collect();
        assert!(!dashes.is_empty(), "no bound drawn");
        let xs = dashes.iter().flat_map(|d| attribute(d, "points").unwrap().split(' '));
        let right = xs.filter_map(|p| p.split(',').next()?.parse::<f64>().ok()).fold(0.0, f64::max);
        let texts = texts_of(&svg);
        assert!(texts.iter().any(|t| t.2 == "p99 bound 10 ms"), "{texts:?}");
        for line in &lines {
            let label = legend_label(line);
            let entries: Vec<_> = texts.iter().filter(|t| t.2 == label).collect();
            assert!(!entries.is_empty(), "{label} not in the legend");
            assert!(
                entries.iter().all(|t| t.0 > right),
                "{label} over the plot (right edge {right})"
            );
        }
        assert!(svg.contains("tokio-multi-thread (2 w)") && svg.contains(WORKERS_NOTE));
        // Rates given, not searched for: no bound.
        let svg = latency_against_throughput(&load(&["--rates", "1000"]), &lines);
        assert!(!svg.contains("p99 bound") && !svg.contains(&bound), "a bound without a search");
    }

    #[test]
    fn latency_ticks_are_written_alike() {
        let svg = latency_against_throughput(&load(&["--search", "10ms"]), &every_line());
        let texts: Vec<String> = texts_of(&svg).into_iter().map(|t| t.2).collect();
        for wanted in ["1", "10"] {
            assert!(texts.iter().any(|t| *t == wanted), "no tick {wanted}: {texts:?}");
        }
        assert!(!texts.iter().any(|t| t == "1.0" || t.ends_with(".0")), "{texts:?}");
    }

    #[test]
    fn the_committed_json_redraws_its_chart() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/results/serve-saturation.json");
        let json = std::fs::read_to_string(path).expect("the committed results");
        let svg = crate::redraw::chart_of(&json).expect("a chart");
        assert!(svg.contains("p99 bound 10 ms") && svg.contains("asyncio (Python)"));
        let hold = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/results/serve-hold.json");
        let json = std::fs::read_to_string(hold).expect("the committed results");
        assert!(crate::redraw::chart_of(&json).unwrap_err().contains("no chart"));
    }
}
