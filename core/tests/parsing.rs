//! Property tests of the command line every runtime binary shares: no input panics,
//! every bad command line is a one-line usage error (exit status 2) after parsing and
//! the checks that follow it, and the parsers accept exactly what their messages say
//! they allow.

use std::time::Duration;

use chain_core::cli::{
    Cli, FaultArgs, MAX_DURATION, MAX_USERS, MAX_WORKERS, check, one_line, parse_concurrency,
    parse_latency, parse_limit, parse_rate, parse_users, parse_workers,
};
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
        bounded in any::<bool>(),
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
        ] {
            if on {
                words.extend_from_slice(option);
            }
        }
        let faults = fail_rate || jitter;
        let ignored = (connections && !http) || (fetch_timeout && !http && !faults) || (seed && !faults);
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
    fn counts_are_accepted_exactly_within_their_bounds(n in any::<i128>()) {
        let text = n.to_string();
        for (parse, max) in [
            (parse_users as fn(&str) -> _, MAX_USERS),
            (parse_concurrency, MAX_USERS),
            (parse_workers, MAX_WORKERS),
        ] {
            match parse(&text) {
                Ok(count) => prop_assert!(n >= 1 && n <= max as i128 && count.get() as i128 == n),
                Err(message) => {
                    prop_assert!(n < 1 || n > max as i128);
                    prop_assert!(message.contains(&format!("from 1 to {max}")), "{}", message);
                }
            }
        }
    }

    #[test]
    fn any_text_is_a_count_or_a_message(text in any::<String>()) {
        prop_assert!(parse_users(&text).map_or_else(|m| m.contains("must be"), |n| n.get() <= MAX_USERS));
    }

    #[test]
    fn durations_keep_their_value_up_to_the_maximum(micros in 0u64..120_000_000) {
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
    fn rates_are_exactly_the_fractions_from_0_to_1(rate in any::<f64>()) {
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
        fail_rate in 0.0..=1.0f64,
        hang_rate in 0.0..=1.0f64,
        seed in any::<u64>(),
    ) {
        let args = FaultArgs { fail_rate, hang_rate, jitter: Duration::ZERO, seed };
        match args.plan() {
            Ok(Some(_)) => prop_assert!(fail_rate + hang_rate <= 1.0 && fail_rate + hang_rate > 0.0),
            Ok(None) => prop_assert!(fail_rate == 0.0 && hang_rate == 0.0),
            Err(message) => {
                prop_assert!(fail_rate + hang_rate > 1.0);
                prop_assert!(message.contains("add up to more than 1"), "{}", message);
            }
        }
    }

    #[test]
    fn fault_options_survive_the_trip_to_a_child_process(
        fail_rate in 0.0..=0.5f64,
        hang_rate in 0.0..=0.5f64,
        jitter_us in 0u64..1_000_000,
        seed in any::<u64>(),
    ) {
        let sent = FaultArgs { fail_rate, hang_rate, jitter: Duration::from_micros(jitter_us), seed };
        let words = ["runtime-x".to_owned(), "fanout".into(), "--users=1".into()];
        let cli = Cli::try_parse_from(words.into_iter().chain(sent.to_args())).unwrap();
        let Some(chain_core::cli::Command::Fanout(fanout)) = cli.command else {
            panic!("parsed as another command")
        };
        prop_assert_eq!(fanout.source.faults.plan(), sent.plan());
    }
}
