//! `--slow-rate` and `--slow`: a backend with a tail, in memory or in the record
//! service, its slow fetches picked by `--seed`.

use std::time::Duration;

use clap::Args;

use super::{parse::parse_latency, report::duration, source_args::parse_rate};
use chain_lab::Tail;

/// A backend whose fetches are now and then slow: the same fetches, for the same
/// seed, in memory, in the record service and in the Python reference.
#[derive(Clone, Debug, Default, Args)]
pub struct TailArgs {
    /// A backend with a tail: this fraction of fetches (0 to 1), picked by --seed,
    /// take --slow in place of the usual latency.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate, allow_negative_numbers = true)]
    pub slow_rate: f64,
    /// With --slow-rate: how long each slow fetch takes, longer than the usual
    /// latency (at most 60s).
    #[arg(long, value_name = "DURATION", value_parser = parse_latency, allow_hyphen_values = true)]
    pub slow: Option<Duration>,
}

impl TailArgs {
    /// The tail these options ask for, its slow fetches drawn from `seed`, on a
    /// backend whose fetches take `usual`, the option named `usual_option`
    /// (`--latency`, `--delay`); [`Tail::NONE`] when they ask for none.
    ///
    /// # Errors
    ///
    /// A rate without a time, a time without a rate, or a slow fetch no slower than
    /// the usual one.
    pub fn tail(&self, seed: u64, usual: Duration, usual_option: &str) -> Result<Tail, String> {
        let slow = match (self.slow_rate > 0.0, self.slow) {
            (false, None) => return Ok(Tail::NONE),
            (false, Some(_)) => {
                return Err(
                    "--slow sets how long the slow fetches take: it needs a --slow-rate above 0"
                        .to_owned(),
                );
            }
            (true, None) => {
                return Err(
                    "--slow-rate needs --slow DURATION: how long each slow fetch takes".to_owned()
                );
            }
            (true, Some(slow)) => slow,
        };
        if slow <= usual {
            return Err(format!(
                "--slow {} must be longer than {usual_option} {}: a slow fetch takes it in place of the usual time",
                duration(slow),
                duration(usual)
            ));
        }
        Tail::new(self.slow_rate, slow, seed)
    }

    /// Whether these options ask for a tail (valid or not).
    pub fn is_given(&self) -> bool {
        self.slow_rate > 0.0 || self.slow.is_some()
    }

    /// The options as command-line words, for a child process; none for no tail.
    pub fn to_args(&self) -> Vec<String> {
        let mut words = Vec::new();
        if self.slow_rate > 0.0 {
            words.push(format!("--slow-rate={}", self.slow_rate));
        }
        if let Some(slow) = self.slow {
            words.push(format!("--slow={}ns", slow.as_nanos()));
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn args(slow_rate: f64, slow: Option<Duration>) -> TailArgs {
        TailArgs { slow_rate, slow }
    }

    #[test]
    fn a_tail_needs_a_rate_and_a_time_longer_than_usual() {
        assert_eq!(args(0.0, None).tail(0, MS, "--latency"), Ok(Tail::NONE));
        let tail = args(0.01, Some(100 * MS)).tail(7, MS, "--latency").unwrap();
        assert_eq!((tail.rate(), tail.slow(), tail.seed()), (0.01, 100 * MS, 7));
        let refused = |a: TailArgs| a.tail(0, MS, "--delay").unwrap_err();
        assert!(refused(args(0.01, None)).contains("needs --slow DURATION"));
        assert!(refused(args(0.0, Some(MS))).contains("needs a --slow-rate above 0"));
        let message = refused(args(0.01, Some(MS)));
        assert!(
            message.contains("--slow 1.00 ms must be longer than --delay 1.00 ms"),
            "{message}"
        );
    }

    #[test]
    fn the_words_for_a_child_give_the_same_options() {
        assert!(args(0.0, None).to_args().is_empty());
        assert_eq!(args(0.5, Some(MS)).to_args(), ["--slow-rate=0.5", "--slow=1000000ns"]);
    }
}
