//! `compare serve`'s chart: p99 latency against the throughput achieved, a line per
//! row through its offered rates, on a logarithmic latency axis.

use plotters::prelude::*;

use chain_records::serve_record::Point;

use crate::{serve_load::ServeLoad, served::Served, stats::Spread};

const WIDTH: u32 = 760;
const HEIGHT: u32 = 480;

/// The median of each row's runs at each rate: (achieved requests/s, p99 in ms).
fn line(runs_by_rate: &[Vec<Point>]) -> Vec<(f64, f64)> {
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

/// A latency axis label: as many decimals as a value that small needs.
fn latency_label(ms: f64) -> String {
    match ms {
        ms if ms >= 10.0 => format!("{ms:.0}"),
        ms if ms >= 1.0 => format!("{ms:.1}"),
        ms if ms >= 0.1 => format!("{ms:.2}"),
        ms => format!("{ms:.3}"),
    }
}

/// The chart as SVG.
pub fn latency_against_throughput(
    load: &ServeLoad,
    rows: &[Served],
    points: &[Vec<Vec<Point>>],
) -> String {
    let lines: Vec<(String, Vec<(f64, f64)>)> =
        rows.iter().zip(points).map(|(row, by_rate)| (row.label(), line(by_rate))).collect();
    let all = lines.iter().flat_map(|(_, l)| l.iter());
    let most_rate = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let (least_ms, most_ms) =
        all.fold((f64::MAX, 0.0_f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (least_ms, most_ms) = (least_ms.min(most_ms) / 2.0, most_ms * 2.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let title = format!("p99 latency against throughput, {} connections", load.connections);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..most_rate * 1.05, (least_ms..most_ms).log_scale())
            .expect("a chart with positive ranges");
        let _ = chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("requests/s answered")
            .y_desc("p99 latency, ms (log)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| latency_label(*v))
            .draw();
        for (i, (label, points)) in lines.into_iter().enumerate() {
            let colour = Palette99::pick(i).to_rgba();
            let series = chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)));
            if let Ok(series) = series {
                series.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            }
            let _ =
                chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, colour.filled())));
        }
        let _ = chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw();
        let _ = root.present();
    }
    svg
}
