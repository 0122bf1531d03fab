//! The design × driver matrix (`docs/results/matrix.sh`): each workload's figure per
//! flavour, laid out by how the runtime schedules its tasks (rows) and the I/O
//! driver it reported running (columns); then the pairs of flavours that differ in
//! one of the two only, which are what answer "thread-per-core io_uring, or
//! work-stealing epoll?".

use std::path::Path;

use benches::Flavour;
use chain_contract::{Driver, Scheduling};
use chain_records::serve_record::Point;

use crate::{
    compared::{Pair, Stated, figure},
    serving::{Both, median, same_in_both, typed},
};

/// The task-per-user fan-out, the uneven load, and serving at a fixed rate.
const FANOUT: &str = "matrix-fanout";
const UNEVEN: &str = "matrix-uneven";
const SERVE: &str = "serve-matrix";

/// One workload's figure (lower is better) for each flavour, in both runs.
struct Workload {
    title: String,
    unit: &'static str,
    of: Box<dyn Fn(Flavour) -> Option<Stated>>,
}

impl Workload {
    /// A fan-out's median wall time, in ms.
    fn timed(pair: Pair, title: &str) -> Workload {
        let title = format!("{title} (`{}`), median wall time", pair.command());
        let of = move |flavour: Flavour| {
            let ms = |row: &chain_records::record::Record| row.median_s * 1000.0;
            let first = ms(pair.row(flavour.label()).ok()?);
            Some(Stated::point(first).with(Stated::point(ms(pair.again(flavour.label()).ok()?))))
        };
        Workload { title, unit: "ms", of: Box::new(of) }
    }

    /// A server's CPU time per 1,000 answers, in ms (the median of its runs).
    fn served(both: Both) -> Workload {
        let mut workers: Vec<&str> = both.first.rows.iter().map(|r| r.workers.as_str()).collect();
        workers.sort_unstable();
        workers.dedup();
        let title = format!(
            "Serving at a fixed rate ({}), the gateway's CPU per 1,000 answers; the server \
             on half the machine's cores, with {} worker(s){}",
            typed(&both.first.command),
            workers.join(" or "),
            match workers[..] {
                ["1"] => ", so that here the designs differ by their code only",
                _ => "",
            }
        );
        let of = move |flavour: Flavour| {
            both.stated(flavour.label(), |row| {
                Some(median(&row.loads.first()?.runs, Point::cpu_ms_per_thousand))
            })
        };
        Workload { title, unit: "ms", of: Box::new(of) }
    }
}

/// The matrix section: a table per workload, the one-variable pairs, and what moved
/// the figures.
pub fn design_driver(results: &Path, rerun: &Path) -> Result<String, String> {
    let fanout = Pair::read(FANOUT, results, rerun)?;
    let drivers = reported_drivers(&fanout)?;
    let machine = fanout.first.machine.clone();
    let versions: Vec<String> =
        fanout.first.versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let made = format!(
        "\n\nMade by `docs/results/matrix.sh` on {machine}, {} and {} (UTC), release build of \
         {}; versions {}.",
        fanout.first.date,
        fanout.second.date,
        same_in_both(results, rerun, "matrix-built.txt")?,
        versions.join(", ")
    );
    let workloads = [
        Workload::timed(fanout, "The task-per-user fan-out"),
        Workload::timed(Pair::read(UNEVEN, results, rerun)?, "The uneven load"),
        Workload::served(Both::read(results, rerun, SERVE)?),
    ];
    let placed = |design, driver| -> Vec<Flavour> {
        Flavour::ALL
            .into_iter()
            .filter(|f| f.scheduling() == design && drivers.driver(*f) == Some(driver))
            .collect()
    };
    let mut text = String::new();
    for workload in &workloads {
        let headings = Driver::ALL.map(heading).join(" | ");
        text += &format!("{}:\n\n| design | {headings} |\n|---|---|---|\n", workload.title);
        for design in Scheduling::ALL {
            let cells: Vec<String> = Driver::ALL
                .map(|driver| cell(workload, design, driver, &placed(design, driver)))
                .into();
            text += &format!("| {} | {} |\n", design_name(design), cells.join(" | "));
        }
        text += "\n";
    }
    let pairs = one_change_pairs(&drivers);
    text += &pairs_table(&workloads, &pairs);
    text += &format!("\n\n{}", what_moved(&workloads, &pairs, &machine));
    Ok(text + &drivers.fallbacks() + &made)
}

/// A column's heading: the driver, and how it works.
fn heading(driver: Driver) -> String {
    match driver {
        Driver::Readiness => format!("{driver} (readiness)"),
        Driver::IoUring => format!("{driver} (completion)"),
    }
}

fn design_name(design: Scheduling) -> &'static str {
    match design {
        Scheduling::CurrentThread => "one thread",
        Scheduling::MultiThread => "a pool of workers (work-stealing)",
        Scheduling::ThreadPerCore => "thread-per-core",
    }
}

/// A cell: each flavour placed there with its figure, or why none is.
fn cell(workload: &Workload, design: Scheduling, driver: Driver, placed: &[Flavour]) -> String {
    if placed.is_empty() {
        return match (design, driver) {
            (Scheduling::MultiThread, Driver::IoUring) => "no runtime here: a ring belongs to \
                one thread, and a stolen task would leave its operations on another's"
                .to_owned(),
            _ => "no runtime here".to_owned(),
        };
    }
    let entries: Vec<String> = placed
        .iter()
        .map(|f| match (workload.of)(*f) {
            Some(figure) => format!("{f} {} {}", figure.bare(), workload.unit),
            None => format!("{f}: not measured"),
        })
        .collect();
    entries.join("<br>")
}

/// Two flavours that differ in one variable only.
#[derive(Clone, Copy)]
struct OneChange {
    what: &'static str,
    before: Flavour,
    after: Flavour,
}

/// The pairs the list of flavours holds: one package and design on two drivers
/// (as they reported them), and one runtime and driver in two designs of several
/// threads.
fn one_change_pairs(drivers: &Reported) -> Vec<OneChange> {
    let mut pairs = Vec::new();
    for before in Flavour::ALL {
        for after in Flavour::ALL {
            let same_runtime = before.runtime() == after.runtime();
            let (driver_before, driver_after) = (drivers.driver(before), drivers.driver(after));
            if before.package() == after.package()
                && before.scheduling() == after.scheduling()
                && driver_before == Some(Driver::Readiness)
                && driver_after == Some(Driver::IoUring)
            {
                pairs.push(OneChange { what: "the driver: epoll → io_uring", before, after });
            }
            if same_runtime
                && driver_before.is_some()
                && driver_before == driver_after
                && before.scheduling() == Scheduling::MultiThread
                && after.scheduling() == Scheduling::ThreadPerCore
            {
                pairs.push(OneChange {
                    what: "the design: work-stealing → thread-per-core",
                    before,
                    after,
                });
            }
        }
    }
    pairs
}

fn pairs_table(workloads: &[Workload], pairs: &[OneChange]) -> String {
    let mut text = "One variable at a time: the second flavour's figure over the first's \
                    (below 1, the change helped):\n\n| what changes | from | to |"
        .to_owned();
    for workload in workloads {
        text += &format!(" {} |", short_title(&workload.title));
    }
    text += &format!("\n|---|---|---|{}\n", "---:|".repeat(workloads.len()));
    for pair in pairs {
        text += &format!("| {} | {} | {} |", pair.what, pair.before, pair.after);
        for workload in workloads {
            let shown = ratio(workload, pair).map_or("not measured".to_owned(), |r| r.shown());
            text += &format!(" {shown} |");
        }
        text += "\n";
    }
    text
}

/// A workload's title up to its command.
fn short_title(title: &str) -> &str {
    title.split(" (").next().unwrap_or(title)
}

/// The pair's `after` over its `before`: the published runs' ratio, widened to
/// what both runs allow.
fn ratio(workload: &Workload, pair: &OneChange) -> Option<Stated> {
    let (before, after) = ((workload.of)(pair.before)?, (workload.of)(pair.after)?);
    Some(Stated {
        point: after.point / before.point,
        low: after.low / before.high,
        high: after.high / before.low,
    })
}

/// The generated sentence: per workload, how far each variable alone moved the
/// figure (the pair that moved it most), and which moved it more.
fn what_moved(workloads: &[Workload], pairs: &[OneChange], machine: &str) -> String {
    let mut sentences = Vec::new();
    for workload in workloads {
        let most = |what: &str| -> Option<(f64, &OneChange)> {
            pairs
                .iter()
                .filter(|pair| pair.what.starts_with(what))
                .filter_map(|pair| Some((ratio(workload, pair)?.point, pair)))
                .max_by(|a, b| a.0.ln().abs().total_cmp(&b.0.ln().abs()))
        };
        let (Some(driver), Some(design)) = (most("the driver"), most("the design")) else {
            continue;
        };
        let moved = |(ratio, pair): (f64, &OneChange)| {
            format!("{}x ({} → {})", figure(ratio), pair.before, pair.after)
        };
        let more = match driver.0.ln().abs() > design.0.ln().abs() {
            true => "the driver",
            false => "the design",
        };
        let title = short_title(&workload.title);
        let (first, rest) = title.split_at(title.chars().next().map_or(0, char::len_utf8));
        sentences.push(format!(
            "in {}{rest}, the largest change from the driver alone was {}, from the design \
             alone {}: {more} moved it more",
            first.to_lowercase(),
            moved(driver),
            moved(design),
        ));
    }
    format!(
        "On this machine ({machine}), in the published run's medians (the table above has both \
         runs' ranges): {}.",
        sentences.join("; ")
    )
}

/// The driver each flavour reported in the fan-out's document, as compare read it
/// from the runtime: io_uring where it ran, epoll where it was asked for or where
/// io_uring fell back.
struct Reported {
    drivers: Vec<(Flavour, String)>,
}

fn reported_drivers(pair: &Pair) -> Result<Reported, String> {
    let mut drivers = Vec::new();
    for row in pair.rows() {
        let Some(flavour) = Flavour::ALL.into_iter().find(|f| f.label() == row.flavour) else {
            continue;
        };
        let io =
            row.io_driver.clone().ok_or(format!("{}: {flavour} reports no driver", pair.name))?;
        drivers.push((flavour, io));
    }
    Ok(Reported { drivers })
}

impl Reported {
    fn driver(&self, flavour: Flavour) -> Option<Driver> {
        let (_, io) = self.drivers.iter().find(|(f, _)| *f == flavour)?;
        Some(if io.starts_with("io_uring") { Driver::IoUring } else { Driver::Readiness })
    }

    /// A sentence naming each flavour that asked for io_uring and ran on epoll.
    fn fallbacks(&self) -> String {
        let fell: Vec<String> = self
            .drivers
            .iter()
            .filter(|(f, io)| f.driver() == Driver::IoUring && !io.starts_with("io_uring"))
            .map(|(f, io)| format!("{f} ({io})"))
            .collect();
        match fell.is_empty() {
            true => String::new(),
            false => format!(
                " These flavours asked for io_uring and ran on epoll, and sit in its column: {}.",
                fell.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flavour reporting the driver it asks for.
    fn as_asked() -> Reported {
        let io = |f: Flavour| match f.driver() {
            Driver::IoUring => "io_uring".to_owned(),
            Driver::Readiness => "epoll via mio".to_owned(),
        };
        Reported { drivers: Flavour::ALL.map(|f| (f, io(f))).into() }
    }

    fn named(pairs: &[OneChange]) -> Vec<(&'static str, &'static str)> {
        pairs.iter().map(|p| (p.before.label(), p.after.label())).collect()
    }

    #[test]
    fn the_pairs_change_one_variable_each() {
        let pairs = one_change_pairs(&as_asked());
        let driver: Vec<_> = pairs.iter().filter(|p| p.what.contains("driver")).collect();
        let design: Vec<_> = pairs.iter().filter(|p| p.what.contains("design")).collect();
        assert_eq!(driver.len(), 4, "compio and monoio, each design: {:?}", named(&pairs));
        assert!(driver.iter().all(|p| p.before.package() == p.after.package()
            && p.before.scheduling() == p.after.scheduling()
            && p.before.driver() == Driver::Readiness
            && p.after.driver() == Driver::IoUring));
        let design: Vec<OneChange> = design.into_iter().copied().collect();
        assert_eq!(named(&design), [("tokio-multi-thread", "tokio-thread-per-core")]);
    }

    #[test]
    fn a_fallback_moves_a_flavour_to_epoll_and_out_of_its_pair() {
        let mut reported = as_asked();
        for (flavour, io) in &mut reported.drivers {
            if *flavour == Flavour::CompioThreadPerCore {
                *io = "epoll, io_uring unavailable: blocked".to_owned();
            }
        }
        assert_eq!(reported.driver(Flavour::CompioThreadPerCore), Some(Driver::Readiness));
        let pairs = named(&one_change_pairs(&reported));
        assert!(!pairs.iter().any(|(_, after)| *after == "compio-thread-per-core"), "{pairs:?}");
        assert!(reported.fallbacks().contains("compio-thread-per-core (epoll, io_uring"));
    }

    #[test]
    fn an_empty_cell_says_why() {
        let workload = Workload { title: String::new(), unit: "ms", of: Box::new(|_| None) };
        let text = cell(&workload, Scheduling::MultiThread, Driver::IoUring, &[]);
        assert!(text.starts_with("no runtime here: a ring belongs to one thread"), "{text}");
        let text = cell(
            &workload,
            Scheduling::CurrentThread,
            Driver::IoUring,
            &[Flavour::CompioCurrentThread],
        );
        assert_eq!(text, "compio-current-thread: not measured");
    }
}
