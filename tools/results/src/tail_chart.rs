//! docs/tail.md's two charts, drawn from `docs/results/tail.sh`'s files: each
//! server's p99 against the users a request asks for, and the distribution of its
//! latencies at one size; a solid line unhedged, a dashed one hedged, both on log
//! axes.

use std::path::Path;

use chain_records::serve_record::ServedRow;
use plotters::{element::DashedPathElement, prelude::*};

use crate::tail::{Batches, median_of, p99_s};

type Drawn = Result<(), Box<dyn std::error::Error>>;

const SIZE: (u32, u32) = (900, 560);
const TEXT: u32 = 14;
/// One colour per server, in the order they come.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// Draws `tail-p99.svg` and `tail-cdf.svg` into `folder`, from its documents.
pub fn draw(folder: &Path) -> Result<(), String> {
    let batches = Batches::read(folder)?;
    let p99 = folder.join("tail-p99.svg");
    p99_against_size(&p99, &batches).map_err(|e| format!("{}: {e}", p99.display()))?;
    let cdf = folder.join("tail-cdf.svg");
    distribution(&cdf, &batches).map_err(|e| format!("{}: {e}", cdf.display()))
}

/// A latency in milliseconds as an axis label: `0.5`, `2`, `100`.
fn ms_label(ms: f64) -> String {
    if ms < 1.0 { format!("{ms:.2}") } else { format!("{ms:.0}") }
}

/// The ticks of a log axis over `range`: 1, 2 and 5 times each power of ten.
fn one_two_five(range: &std::ops::Range<f64>) -> Vec<f64> {
    let powers = (-3..=5).map(|p| 10f64.powi(p));
    let ticks = powers.flat_map(|power| [1.0, 2.0, 5.0].map(|m| m * power));
    ticks.filter(|t| range.contains(t)).collect()
}

/// The least and the most of `values`, each widened by a quarter on a log axis.
fn log_bounds(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    (low / 1.25)..(high * 1.25)
}

fn servers(rows: &[ServedRow]) -> Vec<&str> {
    rows.iter().map(|row| row.server.as_str()).collect()
}

/// A line per server and hedge: `points` as (x, y), solid unhedged, dashed hedged.
fn line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: Vec<(f64, f64)>,
    colour: RGBColor,
    hedged: bool,
    label: String,
) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = colour.stroke_width(2);
    if hedged {
        let dashed = DashedPathElement::new(points, 6, 4, style);
        chart.draw_series(std::iter::once(dashed))?;
    } else {
        chart.draw_series(LineSeries::new(points, style))?.label(label).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
        });
    }
    Ok(())
}

fn p99_against_size(path: &Path, batches: &Batches) -> Drawn {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let first = &batches.sizes.first().ok_or("no batch size")?.1;
    let names = servers(&first.rows);
    let mut lines = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for hedged in [false, true] {
            let points: Vec<(f64, f64)> = batches
                .sizes
                .iter()
                .filter_map(|(n, plain, with_hedge)| {
                    let doc = if hedged { with_hedge } else { plain };
                    let row = doc.rows.iter().find(|r| r.server == *name)?;
                    Some((*n as f64, median_of(row, p99_s)? * 1e3))
                })
                .collect();
            lines.push((i, hedged, points));
        }
    }
    let ms = log_bounds(lines.iter().flat_map(|(_, _, p)| p.iter().map(|&(_, y)| y)));
    let sizes = log_bounds(batches.sizes.iter().map(|(n, _, _)| *n as f64));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "p99 against users a request (batch route), solid unhedged, dashed hedged",
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            sizes.log_scale().with_key_points(vec![1.0, 10.0, 100.0, 1000.0]),
            ms.clone().log_scale().with_key_points(one_two_five(&ms)),
        )?;
    chart
        .configure_mesh()
        .x_desc("users a request (log scale)")
        .y_desc("p99 latency, ms (log scale)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| ms_label(*y))
        .label_style(("sans-serif", TEXT))
        .draw()?;
    for (i, hedged, points) in lines {
        let colour = COLOURS[i % COLOURS.len()];
        line(&mut chart, points, colour, hedged, names[i].to_owned())?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

fn distribution(path: &Path, batches: &Batches) -> Drawn {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    // The middle size: neither every request slow nor almost none.
    let (n, plain, hedged) = &batches.sizes[batches.sizes.len() / 2];
    let names = servers(&plain.rows);
    let cdf = |row: &ServedRow| -> Vec<(f64, f64)> {
        let run = row.loads.first().and_then(|load| load.runs.first());
        let points = run.map(|point| point.load.latency_cdf_us.clone()).unwrap_or_default();
        points.into_iter().map(|(q, us)| (us.max(1) as f64 / 1e3, q)).collect()
    };
    let mut lines = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (doc, with_hedge) in [(plain, false), (hedged, true)] {
            if let Some(row) = doc.rows.iter().find(|r| r.server == *name) {
                lines.push((i, with_hedge, cdf(row)));
            }
        }
    }
    let ms = log_bounds(lines.iter().flat_map(|(_, _, p)| p.iter().map(|&(x, _)| x)));
    let title = format!("latencies at {n} users a request: the share answered within each time");
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(ms.clone().log_scale().with_key_points(one_two_five(&ms)), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc(
            "latency from the request's due time, ms (log scale); solid unhedged, dashed hedged",
        )
        .y_desc("share of requests answered")
        .x_label_formatter(&|x| ms_label(*x))
        .label_style(("sans-serif", TEXT))
        .draw()?;
    for (i, hedged, points) in lines {
        let colour = COLOURS[i % COLOURS.len()];
        line(&mut chart, points, colour, hedged, names[i].to_owned())?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
