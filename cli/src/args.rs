//! The command line every runtime binary shares: one vocabulary for all runtimes.

use std::{
    num::{NonZeroU32, NonZeroUsize},
    time::Duration,
};

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::choice::{DRIVERS, FLAVOURS, SHAPES, choice};
use super::parse::{
    parse_concurrency, parse_latency, parse_limit, parse_rounds, parse_skew, parse_user,
    parse_users, parse_workers,
};
use super::{ServeArgs, SourceArgs};
use chain_contract::{Driver, Scheduling};
use chain_core::{Shape, UserId};
use chain_lab::Work;

/// Runs the article's two programs, and every workload of chain-core, on this binary's
/// runtime. With no command, runs the article's programs.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    /// How the runtime schedules tasks.
    #[arg(long, value_parser = choice(FLAVOURS), global = true)]
    pub flavour: Option<Scheduling>,

    /// The I/O driver the runtime runs its sockets and timers on.
    #[arg(long, value_parser = choice(DRIVERS), global = true)]
    pub driver: Option<Driver>,

    /// Worker threads of a multi-thread flavour (1 to 256) [default: the machine's cores]
    #[arg(long, value_name = "N", global = true, value_parser = parse_workers, allow_negative_numbers = true)]
    pub workers: Option<NonZeroUsize>,

    /// What to run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A program or workload.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The article's two programs: hello world, then chaining for user 1 (the default).
    Demo {
        /// Simulated latency of each fetch in the chaining program.
        #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_latency, allow_hyphen_values = true)]
        latency: Duration,
    },
    /// Print "Hello ...", sleep, print "... World!".
    Hello {
        /// How long to sleep between the two lines (e.g. 1s, 250ms).
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_latency, allow_hyphen_values = true)]
        delay: Duration,
    },
    /// Fetch one user and their orders (get_user_with_orders).
    Chain {
        /// The user to fetch: in memory every id is a user, the record service knows
        /// 1 to 1000000 (others are a 404); only 1 and 2 have orders.
        #[arg(long, value_name = "ID", default_value_t = 1, value_parser = parse_user, allow_negative_numbers = true)]
        user: UserId,
        /// How the two fetches are combined.
        #[arg(long, value_enum, default_value_t = Mode::Joined)]
        mode: Mode,
        /// Simulated latency of each fetch.
        #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_latency, allow_hyphen_values = true)]
        latency: Duration,
        /// Where the fetches go.
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Chain users 1..=N all at once (gather over N coroutines).
    #[command(name = "fanout")]
    FanOut(FanOutArgs),
    /// Chain users 1..=N with at most K in flight (an asyncio.Semaphore(K)).
    Bounded {
        /// The users, their latency and the shape, as for `fanout`.
        #[command(flatten)]
        fanout: FanOutArgs,
        /// The most users in flight at once (1 to 1000000).
        #[arg(long, value_name = "K", value_parser = parse_concurrency, allow_negative_numbers = true)]
        concurrency: NonZeroUsize,
    },
    /// Serve get_user_with_orders over HTTP: GET /users/{id}/with-orders, and GET
    /// /users/with-orders?ids=1,2,3 for up to 1000 users at once, until Ctrl-C or
    /// SIGTERM. No authentication: on an address beyond 127.0.0.1
    /// (--listen), anyone who reaches it may use it.
    Serve(ServeArgs),
    /// Fetch a user under a time limit (asyncio.wait_for) and show the cancellation.
    Timeout {
        /// The user to fetch.
        #[arg(long, value_name = "ID", default_value_t = 1, value_parser = parse_user, allow_negative_numbers = true)]
        user: UserId,
        /// Simulated latency of each fetch.
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_latency, allow_hyphen_values = true)]
        latency: Duration,
        /// The time limit (more than 0, at most 60s).
        #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_limit, allow_hyphen_values = true)]
        limit: Duration,
    },
}

impl Command {
    /// Where its fetches go and how long each usually takes, for a command that fetches.
    pub fn source(&self) -> Option<(&SourceArgs, Duration)> {
        match self {
            Command::Chain { source, latency, .. } => Some((source, *latency)),
            Command::FanOut(f) | Command::Bounded { fanout: f, .. } => Some((&f.source, f.latency)),
            Command::Serve(serve) => Some((&serve.source, serve.latency)),
            _ => None,
        }
    }
}

/// The options shared by `fanout` and `bounded`, here and in the compare tool.
#[derive(Clone, Debug, Args)]
pub struct FanOutArgs {
    /// How many users, 1 to 1000000.
    #[arg(long, value_name = "N", value_parser = parse_users, allow_negative_numbers = true)]
    pub users: NonZeroUsize,
    /// Simulated latency of each fetch; 0 means no wait at all.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub latency: Duration,
    /// Each user as a future inside one task (join), or in a task of its own (spawn).
    #[arg(long, value_parser = choice(SHAPES), default_value_t = Shape::Join)]
    pub shape: Shape,
    /// CPU work per user once its user is fetched: rounds of hashing, a few
    /// nanoseconds each, 0 to 1000000 (0 for none).
    #[arg(long, value_name = "ROUNDS", default_value_t = 0, value_parser = parse_rounds, allow_negative_numbers = true)]
    pub work: u32,
    /// Moves the --work of every K users onto one (ids divisible by K), the same total:
    /// the users past the last multiple of K keep their own; 1 spreads it evenly; K
    /// equal to a thread-per-core flavour's workers puts it all on one of its threads.
    /// At most --users.
    #[arg(long, value_name = "K", default_value = "1", value_parser = parse_skew, allow_negative_numbers = true)]
    pub skew: NonZeroU32,
    /// Where the fetches go.
    #[command(flatten)]
    pub source: SourceArgs,
}

impl FanOutArgs {
    /// The CPU work asked for, if any.
    pub fn work(&self) -> Option<Work> {
        (self.work > 0).then(|| Work::new(self.work, self.skew, self.users.get()))
    }

    /// The first option given on the command line (`given` says which were, by id)
    /// that these options would ignore, and what it needs: a skew spreads work among
    /// at least as many users, and the source's options as [`SourceArgs::ignored`] says.
    pub fn ignored(&self, given: impl Fn(&str) -> bool) -> Option<String> {
        if given("skew") && self.work == 0 {
            return Some("--skew moves the work of --work: it needs --work above 0".to_owned());
        }
        let (skew, users) = (self.skew.get(), self.users.get());
        if skew as usize > users {
            // No user's id would be a multiple of K: every user would keep its own work.
            return Some(format!(
                "--skew {skew} moves the work of {skew} users onto one, and there are --users {users}: give a skew of at most {users}"
            ));
        }
        self.source.ignored(given)
    }

    /// What this fan-out holds at its peak, with at most `limit` users in flight.
    pub fn footprint(&self, limit: Option<usize>) -> super::Footprint {
        let users = self.users.get();
        super::Footprint {
            users,
            in_flight: limit.map_or(users, |k| k.min(users)),
            faults: matches!(self.source.plan(self.latency), Ok(Some(_))),
            http: self.source.kind == super::SourceKind::Http,
        }
    }
}

/// How a chain combines its two fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Both at once (try_join, like asyncio.gather).
    Joined,
    /// One after the other.
    Sequential,
    /// Orders in a spawned task (asyncio.create_task).
    Spawned,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("runtime-x").chain(args.iter().copied()))
    }

    /// The fan-out options of a `fanout` or `bounded` command line, and its --concurrency.
    fn fanout(args: &[&str]) -> (FanOutArgs, Option<usize>) {
        match parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}")).command {
            Some(Command::FanOut(fanout)) => (fanout, None),
            Some(Command::Bounded { fanout, concurrency }) => (fanout, Some(concurrency.get())),
            other => panic!("{args:?}: not a fan-out: {other:?}"),
        }
    }

    #[test]
    fn the_issue_examples_parse_to_what_they_ask_for() {
        let chain = parse(&["chain", "--user", "2"]).unwrap().command;
        assert!(matches!(chain, Some(Command::Chain { user: 2, mode: Mode::Joined, .. })));
        let (f, _) = fanout(&["fanout", "--users", "100000", "--latency", "10ms"]);
        assert_eq!((f.users.get(), f.latency, f.shape), (100_000, ms(10), Shape::Join));
        let args = ["bounded", "--users", "100000", "--concurrency", "1000", "--latency", "1ms"];
        let (f, limit) = fanout(&args);
        assert_eq!((f.users.get(), limit, f.latency), (100_000, Some(1000), ms(1)));
        let args = ["--flavour", "multi-thread", "--workers", "4", "fanout", "--users", "5"];
        let cli = parse(&args).unwrap();
        assert_eq!(
            (cli.flavour, cli.workers.map(NonZeroUsize::get)),
            (Some(Scheduling::MultiThread), Some(4))
        );
        // --workers is global: after the command as before it.
        let cli = parse(&["fanout", "--users", "5", "--workers", "3", "--shape", "spawn"]).unwrap();
        assert_eq!(cli.workers.map(NonZeroUsize::get), Some(3));
        let (f, _) = fanout(&["fanout", "--users", "5", "--shape", "spawn"]);
        assert_eq!(f.shape, Shape::Spawn);
        let (f, _) = fanout(&["fanout", "--users", "100", "--source", "http", "--latency", "1ms"]);
        assert_eq!((f.source.kind, f.source.address, f.latency), (SourceKind::Http, None, ms(1)));
        let chain = parse(&["chain", "--source", "http", "--address", "127.0.0.1:8080"]).unwrap();
        let Some(Command::Chain { source, .. }) = chain.command else { panic!("not chain") };
        assert_eq!(source.address, Some("127.0.0.1:8080".parse().unwrap()));
        let args = ["bounded", "--users", "9", "--concurrency", "3", "--source", "http"];
        let (f, limit) = fanout(&[&args[..], &["--connections", "4"]].concat());
        assert_eq!((f.users.get(), limit, f.source.connections.get()), (9, Some(3), 4));
        let (f, _) = fanout(&["fanout", "--users", "10", "--work", "7", "--skew", "3"]);
        assert_eq!(f.work(), Some(Work::new(7, NonZeroU32::new(3).unwrap(), 10)));
        let none = parse(&[]).unwrap();
        assert!(none.command.is_none() && none.flavour.is_none() && none.workers.is_none());
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_skew_is_refused_above_the_users_it_moves_work_among() {
        let given = |id: &str| id == "skew" || id == "work";
        let (even, _) = fanout(&["fanout", "--users", "10", "--work", "7", "--skew", "10"]);
        assert_eq!(even.ignored(given), None);
        let (above, _) = fanout(&["fanout", "--users", "10", "--work", "7", "--skew", "11"]);
        let message = above.ignored(given).expect("refused");
        assert!(message.contains("--skew 11") && message.contains("at most 10"), "{message}");
    }

    #[test]
    fn bad_sizes_are_usage_errors_that_say_what_is_allowed() {
        for args in [
            &["fanout", "--users", "0"][..],
            &["fanout", "--users", "-5"],
            &["fanout", "--users", "1000001"],
            &["fanout", "--users", "many"],
            &["bounded", "--users", "10", "--concurrency", "0"],
            &["--workers", "0", "demo"],
            &["--workers", "257", "demo"],
            &["chain", "--user", "-1"],
        ] {
            let error = parse(args).expect_err(&format!("{args:?} was accepted"));
            assert_eq!(error.exit_code(), 2);
            assert!(error.to_string().contains("must be a whole number from"), "{error}");
        }
    }

    #[test]
    fn bad_durations_are_usage_errors_that_say_what_is_allowed() {
        for args in [
            &["fanout", "--users", "5", "--latency", "10"][..],
            &["fanout", "--users", "5", "--latency", "soon"],
            &["fanout", "--users", "5", "--latency", "2h"],
            &["timeout", "--limit", "0s"],
            &["fanout", "--users", "5", "--latency", "-1ms"],
        ] {
            let error = parse(args).expect_err(&format!("{args:?} was accepted"));
            assert_eq!(error.exit_code(), 2);
            assert!(error.to_string().contains("must be a duration from"), "{error}");
        }
    }

    #[test]
    fn an_unknown_workload_is_a_usage_error() {
        let error = parse(&["gather-everything"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn durations_keep_their_units() {
        assert_eq!(parse_latency("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_latency("0ms"), Ok(Duration::ZERO));
        assert_eq!(parse_limit("1s"), Ok(Duration::from_secs(1)));
    }
}
