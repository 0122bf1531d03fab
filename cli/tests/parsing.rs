//! Property tests of the command line every runtime binary shares: no input panics,
//! every bad command line is a one-line usage error (exit status 2) after parsing and
//! the checks that follow it, and the parsers accept exactly what their messages say
//! they allow.

use std::{num::NonZeroUsize, time::Duration};

use chain_cli::{
    Cli, Command, FaultArgs, MAX_CONNECTIONS, MAX_DURATION, MAX_ROUNDS, MAX_USERS, MAX_WORKERS,
    check, one_line, parse_concurrency, parse_connections, parse_latency, parse_limit, parse_rate,
    parse_rounds, parse_skew, parse_users, parse_workers,
};
use chain_lab::FaultPlan;
use clap::{CommandFactory, Parser};
use proptest::prelude::*;
use runtime_smol::SmolRuntime;

/// Words the binaries know, values good and bad, and anything at all.
fn word() -> impl Strategy<Value = String> {
    const KNOWN: &[&str] = &[
        "demo",
        "hello",
        "chain",
        "fanout",
        "bounded",
        "timeout",
        "--users",
        "--user",
        "--concurrency",
        "--latency",
        "--limit",
        "--delay",
        "--shape",
        "join",
        "spawn",
        "--mode",
        "--source",
        "http",
        "memory",
        "--address",
        "127.0.0.1:1",
        "--connections",
        "--fetch-timeout",
        "--fail-rate",
        "--hang-rate",
        "--jitter",
        "--seed",
        "--slow-rate",
        "--slow",
        "--hedge-after",
        "--work",
        "--skew",
        "--flavour",
        "current-thread",
        "multi-thread",
        "--workers",
        "0",
        "1",
        "-1",
        "7",
        "1000001",
        "18446744073709551616",
        "0.5",
        "1.5",
        "NaN",
        "10ms",
        "-1ms",
        "2h",
        "1e3",
        "",
    ];
    prop_oneof![
        3 => prop::sample::select(KNOWN).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

type CountParser = fn(&str) -> Result<NonZeroUsize, String>;

/// Every count parser, by name, with the largest count it accepts.
const COUNT_PARSERS: [(&str, CountParser, usize); 4] = [
    ("parse_users", parse_users, MAX_USERS),
    ("parse_concurrency", parse_concurrency, MAX_USERS),
    ("parse_workers", parse_workers, MAX_WORKERS),
    ("parse_connections", parse_connections, MAX_CONNECTIONS),
];

/// One of [`COUNT_PARSERS`] with a number drawn where its answer changes: its
/// bounds (1 and the maximum) and their rejected neighbours (0, the maximum + 1,
/// negatives), anything inside the bounds, anything above them (past `usize` too),
/// and any number at all.
fn parser_and_count() -> impl Strategy<Value = (usize, i128)> {
    (0..COUNT_PARSERS.len()).prop_flat_map(|which| {
        let max = COUNT_PARSERS[which].2 as i128;
        let count = prop_oneof![
            prop::sample::select(vec![1, max, 0, max + 1, -1, -max]),
            1..=max,
            max + 1..=i128::from(u64::MAX) * 2,
            i128::MIN..=0,
            any::<i128>(),
        ];
        (Just(which), count)
    })
}

/// Text that may be a count: a number near a parser's bounds or a short numeral, with
/// or without a sign, leading zeros and spaces around; or any text at all.
fn count_like_text() -> impl Strategy<Value = String> {
    let near_bounds = parser_and_count().prop_map(|(_, n)| n.to_string());
    let numeral = prop_oneof![near_bounds, "[+-]?0{0,3}[0-9]{1,8}"];
    prop_oneof![
        3 => ("[ \t]{0,2}", numeral, "[ \t]{0,2}").prop_map(|(a, n, b)| format!("{a}{n}{b}")),
        1 => any::<String>(),
    ]
}

/// A fault rate: none, every fetch, or any fraction.
fn rate(max: f64) -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(max), 0.0..=max]
}

/// A duration in microseconds where the duration parsers' answers change: zero,
/// the maximum and their neighbours, or anything up to twice the maximum.
fn micros_near_the_bounds() -> impl Strategy<Value = u64> {
    let max = MAX_DURATION.as_micros() as u64;
    prop_oneof![prop::sample::select(vec![0, 1, max - 1, max, max + 1]), 0..=2 * max]
}

/// A number written as a rate: 0 and 1 and their nearest neighbours, a fraction,
/// or any number at all (infinities and NaN included).
fn rate_near_the_bounds() -> impl Strategy<Value = f64> {
    let edges = vec![0.0, 1.0, -0.0, f64::MIN_POSITIVE, -f64::MIN_POSITIVE, 1.0 + f64::EPSILON];
    prop_oneof![
        prop::sample::select(edges),
        Just(1.0 - f64::EPSILON / 2.0),
        0.0..=1.0,
        any::<f64>()
    ]
}

/// A jitter: none, or up to a second.
fn jitter() -> impl Strategy<Value = Duration> {
    prop_oneof![Just(Duration::ZERO), (1u64..1_000_000).prop_map(Duration::from_micros)]
}

proptest! {
    #[test]
    fn no_command_line_panics_and_every_rejection_is_a_one_line_usage_error(
        words in prop::collection::vec(word(), 0..8),
    ) {
        let args = std::iter::once("runtime-x".to_owned()).chain(words);
        if let Err(error) = check::<SmolRuntime>(Cli::command(), args) {
            // --help and --version are "errors" that exit 0.
            prop_assert!(matches!(error.exit_code(), 0 | 2), "{}", error);
            if error.exit_code() == 2 {
                let line = one_line(&error);
                prop_assert!(line.starts_with("error: ") && !line.contains('\n'), "{}", line);
            }
        }
    }

    #[test]
    fn an_option_is_refused_exactly_when_the_command_would_ignore_it(
        http in any::<bool>(),
        connections in any::<bool>(),
        fetch_timeout in any::<bool>(),
        seed in any::<bool>(),
        fail_rate in any::<bool>(),
        jitter in any::<bool>(),
        tail in any::<bool>(),
        bounded in any::<bool>(),
        work in any::<bool>(),
        skew in any::<bool>(),
    ) {
        let mut words = vec!["runtime-x", "fanout", "--users", "3"];
        if bounded {
            words = vec!["runtime-x", "bounded", "--users", "3", "--concurrency", "2"];
        }
        for (on, option) in [
            (http, &["--source", "http"][..]),
            (connections, &["--connections", "4"]),
            (fetch_timeout, &["--fetch-timeout", "1s"]),
            (seed, &["--seed", "7"]),
            (fail_rate, &["--fail-rate", "0.5"]),
            (jitter, &["--jitter", "1ms"]),
            (tail, &["--slow-rate", "0.5", "--slow", "20ms"]),
            (work, &["--work", "5"]),
            (skew, &["--skew", "2"]),
        ] {
            if on {
                words.extend_from_slice(option);
            }
        }
        let faults = fail_rate || jitter;
        let ignored = (connections && !http)
            || (fetch_timeout && !http && !faults && !tail)
            || (seed && !faults && !tail)
            || (skew && !work);
        match check::<SmolRuntime>(Cli::command(), &words) {
            Ok(_) => prop_assert!(!ignored, "{:?} was accepted", words),
            Err(error) => {
                prop_assert!(ignored, "{:?}: {}", words, error);
                prop_assert_eq!(error.exit_code(), 2);
                prop_assert!(one_line(&error).contains(": it needs --"), "{}", one_line(&error));
            }
        }
    }

    #[test]
    fn counts_are_accepted_exactly_within_their_bounds((which, n) in parser_and_count()) {
        let (name, parse, max) = COUNT_PARSERS[which];
        match parse(&n.to_string()) {
            Ok(count) => {
                prop_assert!((1..=max as i128).contains(&n), "{} accepted {}", name, n);
                prop_assert_eq!(count.get() as i128, n);
            }
            Err(message) => {
                prop_assert!(!(1..=max as i128).contains(&n), "{} refused {}: {}", name, n, message);
                prop_assert!(message.contains(&format!("from 1 to {max}")), "{}", message);
            }
        }
    }

    #[test]
    fn work_and_skew_are_accepted_exactly_within_their_bounds(n in -2i128..=MAX_ROUNDS as i128 + 2) {
        let within = |min: i128, max: i128| (min..=max).contains(&n);
        match parse_rounds(&n.to_string()) {
            Ok(rounds) => prop_assert!(within(0, MAX_ROUNDS.into()) && i128::from(rounds) == n),
            Err(message) => prop_assert!(!within(0, MAX_ROUNDS.into()) && message.contains("from 0 to"), "{}", message),
        }
        match parse_skew(&n.to_string()) {
            Ok(skew) => prop_assert!(within(1, MAX_USERS as i128) && i128::from(skew.get()) == n),
            Err(message) => prop_assert!(!within(1, MAX_USERS as i128) && message.contains("from 1 to"), "{}", message),
        }
    }

    #[test]
    fn any_text_is_a_count_within_bounds_or_a_message(text in count_like_text()) {
        // The count the text spells, spaces aside, if it spells a whole number.
        let spelled = text.trim().parse::<i128>().ok();
        for (name, parse, max) in COUNT_PARSERS {
            let allowed = spelled.filter(|n| (1..=max as i128).contains(n));
            match parse(&text) {
                Ok(count) => prop_assert_eq!(Some(count.get() as i128), allowed, "{} {:?}", name, text),
                Err(message) => {
                    prop_assert_eq!(allowed, None, "{} refused {:?}: {}", name, text, message);
                    prop_assert!(message.contains("must be a whole number from 1 to"), "{}", message);
                }
            }
        }
    }

    #[test]
    fn durations_keep_their_value_up_to_the_maximum(micros in micros_near_the_bounds()) {
        let wanted = Duration::from_micros(micros);
        let text = format!("{micros}us");
        match parse_latency(&text) {
            Ok(parsed) => prop_assert!(parsed == wanted && wanted <= MAX_DURATION),
            Err(message) => {
                prop_assert!(wanted > MAX_DURATION);
                prop_assert!(message.contains("must be a duration from"), "{}", message);
            }
        }
        prop_assert_eq!(parse_limit(&text).is_ok(), micros > 0 && wanted <= MAX_DURATION);
    }

    #[test]
    fn rates_are_exactly_the_fractions_from_0_to_1(rate in rate_near_the_bounds()) {
        match parse_rate(&rate.to_string()) {
            Ok(parsed) => prop_assert!(parsed == rate && (0.0..=1.0).contains(&rate)),
            Err(message) => {
                prop_assert!(!(0.0..=1.0).contains(&rate));
                prop_assert!(message.contains("from 0 to 1"), "{}", message);
            }
        }
    }

    #[test]
    fn fault_rates_fit_together_only_up_to_every_fetch(
        fail_rate in rate(1.0),
        hang_rate in rate(1.0),
        jitter in jitter(),
        seed in any::<u64>(),
    ) {
        let args = FaultArgs { fail_rate, hang_rate, jitter, seed };
        let nothing = fail_rate == 0.0 && hang_rate == 0.0 && jitter.is_zero();
        match args.plan() {
            Ok(Some(plan)) => {
                prop_assert!(fail_rate + hang_rate <= 1.0 && !nothing);
                let wanted = FaultPlan::new(seed).with_failures(fail_rate).unwrap();
                prop_assert_eq!(plan, wanted.with_hangs(hang_rate).unwrap().with_jitter(jitter));
            }
            Ok(None) => prop_assert!(nothing),
            Err(message) => {
                prop_assert!(fail_rate + hang_rate > 1.0);
                prop_assert!(message.contains("add up to more than 1"), "{}", message);
            }
        }
    }

    #[test]
    fn fault_options_survive_the_trip_to_a_child_process(
        fail_rate in rate(0.5),
        hang_rate in rate(0.5),
        jitter in jitter(),
        seed in any::<u64>(),
    ) {
        let sent = FaultArgs { fail_rate, hang_rate, jitter, seed };
        let words = ["runtime-x".to_owned(), "fanout".into(), "--users=1".into()];
        let cli = Cli::try_parse_from(words.into_iter().chain(sent.to_args())).unwrap();
        let Some(Command::FanOut(fanout)) = cli.command else {
            panic!("parsed as another command")
        };
        prop_assert_eq!(fanout.source.faults.plan(), sent.plan());
    }

    #[test]
    fn a_tail_survives_the_trip_to_a_child_process(
        slow_rate in rate(1.0).prop_filter("a tail", |&r| r > 0.0),
        slow in (1u64..60_000_000).prop_map(Duration::from_micros),
        fail_rate in prop_oneof![Just(0.0), rate(0.5)],
        seed in any::<u64>(),
    ) {
        let fanout = |options: Vec<String>| {
            let words = ["runtime-x".to_owned(), "fanout".into(), "--users=1".into()];
            match Cli::try_parse_from(words.into_iter().chain(options)).unwrap().command {
                Some(Command::FanOut(fanout)) => fanout,
                _ => panic!("parsed as another command"),
            }
        };
        let given = vec![
            format!("--slow-rate={slow_rate}"),
            format!("--slow={}us", slow.as_micros()),
            format!("--fail-rate={fail_rate}"),
            format!("--seed={seed}"),
        ];
        let sent = fanout(given).source;
        let received = fanout(sent.injected_args()).source;
        let plan = received.plan(Duration::ZERO).unwrap().expect("a plan with the tail");
        prop_assert_eq!(Some(plan), sent.plan(Duration::ZERO).unwrap());
        prop_assert_eq!((plan.tail().rate(), plan.tail().slow(), plan.tail().seed()), (slow_rate, slow, seed));
    }
}

/// The largest counts the usage text promises are accepted, by their parsers and on
/// the command line: 1,000,000 users (and as a concurrency limit), 256 workers and
/// 10,000 connections.
#[test]
fn the_largest_counts_are_accepted() {
    let count = |n: usize| Ok(NonZeroUsize::new(n).unwrap());
    assert_eq!(parse_users("1000000"), count(1_000_000));
    assert_eq!(parse_concurrency("1000000"), count(1_000_000));
    assert_eq!(parse_workers("256"), count(256));
    assert_eq!(parse_connections("10000"), count(10_000));
    let words = "runtime-x --flavour multi-thread --workers 256 bounded --users 1000000 \
        --concurrency 1000000 --source http --connections 10000";
    let cli = Cli::try_parse_from(words.split_whitespace()).unwrap();
    assert_eq!(cli.workers, Some(NonZeroUsize::new(256).unwrap()));
    let Some(Command::Bounded { fanout, concurrency }) = cli.command else {
        panic!("parsed as another command")
    };
    let parsed = (fanout.users.get(), concurrency.get(), fanout.source.connections.get());
    assert_eq!(parsed, (1_000_000, 1_000_000, 10_000));
}
