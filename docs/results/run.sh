#!/usr/bin/env bash
# Makes every published result again, on a quiet machine:
#
#   docs/results/run.sh                  two runs, into docs/results and
#                                        docs/results/rerun, then overhead-wall.sh,
#                                        then the README's results sections from both
#   docs/results/run.sh FOLDER           one run, into FOLDER
#   docs/results/run.sh FOLDER STEP...   only those steps, into FOLDER: a run resumed
#                                        (or split over sessions) at the same commit
#
# Steps, in the order a whole run takes them:
#   tables     compare's tables (built.txt, seconds.txt)
#   explain    the explanations' own measurements (built.txt, seconds.txt)
#   criterion  criterion's groups and the instruction counts (built.txt, seconds.txt)
#   serve      docs/results/serve.sh (serve-built.txt, serve-seconds.txt)
#   matrix     docs/results/matrix.sh (matrix-built.txt)
# seconds.txt is how long the first three took (the build before them included); a
# resumed run adds its time to it, and refuses a build other than the one the
# folder's built.txt records, since the README quotes one build for the whole set.
#
# Only the charts, redrawn from the committed JSON (nothing measured):
#
#   ls docs/results/*.svg docs/results/rerun/*.svg | sed 's/svg$/json/' |
#     xargs ./target/release/compare chart
#
# The README states each ratio from the first run, or the range covering both where
# they differ by more than 10 %, and says how far apart the two runs were.
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
if [ $# -eq 0 ]; then
  "$0" docs/results
  "$0" docs/results/rerun
  docs/results/overhead-wall.sh
  exec cargo run --release --locked -q -p results -- readme
fi
out=$1
shift
all=(tables explain criterion serve matrix)
known_steps "${all[*]}" "$@"
steps=("$@")
resumed=$(( $# > 0 ))
[ "$resumed" = 1 ] || steps=("${all[@]}")

tables() {
  compare fanout-100k-10ms-join fanout --users 100000 --latency 10ms --shape join --runs 3
  compare fanout-100k-10ms-spawn fanout --users 100000 --latency 10ms --shape spawn --runs 5
  compare bounded-100k-k1000-1ms bounded --users 100000 --concurrency 1000 --latency 1ms --runs 5
  compare chain chain --runs 5
  compare spawn-many spawn-many --tasks 10000 --runs 5
  compare timer-100us timer --sleep 100us --runs 3
  compare timer-1ms timer --sleep 1ms --runs 3
  compare timer-20ms timer --sleep 20ms --samples 50 --runs 3
  compare idle-1m idle --users 1000000 --runs 3
  # CPU work instead of waiting: 10,000 users of 10,000 rounds of hashing each, a task
  # per user, on 2 threads (1 on the single-threaded flavours); then the same total
  # with every second user doing the work of two and the others none, which
  # round-robin dealing puts all on one of the two threads of a thread-per-core flavour.
  compare work-even-10k fanout --users 10000 --work 10000 --shape spawn --workers 2 --runs 5
  compare work-skew2-10k fanout --users 10000 --work 10000 --skew 2 --shape spawn --workers 2 --runs 5
  # Over loopback HTTP, to a record service started by compare (one thread of its
  # own), beside blocking std::net clients on OS threads.
  compare http-fanout-10k fanout --users 10000 --source http --runs 3
  compare http-fanout-10k-10ms fanout --users 10000 --latency 10ms --source http --connections 1000 --runs 3
  # Faults: 1 % of fetches failing, 1 % never completing, 20 ms limit per fetch.
  compare faults-fanout-100k fanout --users 100000 --fail-rate 0.01 --hang-rate 0.01 --fetch-timeout 20ms --runs 7
  compare faults-bounded-100k bounded --users 100000 --concurrency 1000 --fail-rate 0.01 --hang-rate 0.01 --fetch-timeout 20ms --shape spawn --runs 7
}
explain() {
  ./target/release/examples/tokio_coop > "$out/tokio-coop.txt"
  ./target/release/examples/block_on_entry > "$out/block-on-entry.txt"
  ./target/release/examples/adapter_cost > "$out/adapter-cost.txt"
}
criterion() {
  # The contract's cost beside native code, and the HTTP groups.
  cargo bench --locked -p benches --bench runtimes -- '^(overhead_|http_)'
  ./target/release/results criterion --groups overhead_,http_ --out "$out/criterion.json"
  # A ratio above its limit is published too (CI is what fails on it), and said here.
  ./target/release/overhead instructions > "$out/overhead-instructions.md" ||
    echo "run.sh: overhead instructions found a ratio above its limit; see $out/overhead-instructions.md" >&2
}
# The gateway under load, its memory per connection, and the clients compared.
serve() { docs/results/serve.sh "$out"; }
# Design and driver, one variable at a time.
matrix() { docs/results/matrix.sh "$out"; }

mkdir -p "$out"
started=$(date +%s)
cargo build --release --locked --workspace --bins --examples
# built.txt and seconds.txt are the first three steps' only: serve and matrix keep
# records of their own, so resuming one of those alone may follow a later commit.
in_built() { [[ $1 == tables || $1 == explain || $1 == criterion ]]; }
for step in "${steps[@]}"; do
  if in_built "$step"; then
    begin_record "$out/built.txt" "$out/seconds.txt" "$resumed"
    break
  fi
done
for step in "${steps[@]}"; do
  "$step"
  if in_built "$step"; then add_seconds "$out/seconds.txt" "$started"; fi
  started=$(date +%s)
done
