#!/usr/bin/env bash
# Chaining under tail latency (docs/tail.md), into FOLDER (default docs/results/tail),
# a results set of its own. The backend: fetches of 1 ms, but 1 % of them, picked by
# seed 0, 100 ms.
#
# - tail-fanout-10k: 10,000 users fanned out over HTTP to the record service (1,000
#   connections, so that a slow fetch holds one of many), every flavour, unhedged;
#   then hedged (-hedged) after the fetches' p95 as the unhedged run met them (the
#   median over its Rust rows), Dean and Barroso's rule: 20,000 fetches through
#   1,000 connections wait for one, far longer than the backend's own 1 ms.
# - tail-batch-N: the gateway's batch route, N = 1, 10, 100 users a request (2N
#   fetches), at 50 requests/s open loop, one flavour of each runtime and asyncio's
#   server, unhedged and hedged after 2 ms (-hedged): the backend's p95 is its 1 ms,
#   and a 1 ms sleep may take up to 2 on a 1 ms timer wheel (tokio's).
#
# Then the charts (results tail-charts) and docs/tail.md's generated sections.
#
#   docs/results/tail.sh [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
out=${1:-docs/results/tail}
mkdir -p "$out"
started=$(date +%s)
build_compare
cargo build --release --locked -q -p results
record_build "$out/built.txt"
backend=(--latency 1ms --slow-rate 0.01 --slow 100ms)
fanout=(fanout --users 10000 --source http --connections 1000 "${backend[@]}" --runs 3)
compare tail-fanout-10k "${fanout[@]}"
p95=$(python3 -c '
import json, statistics, sys
rows = json.load(open(sys.argv[1]))["rows"]
p95 = [r["fetch_p95_s"] for r in rows if r.get("fetch_p95_s") is not None]
print(f"{round(statistics.median(p95) * 1e6)}us")' "$out/tail-fanout-10k.json")
compare tail-fanout-10k-hedged "${fanout[@]}" --hedge-after "$p95"
hedge=2ms
servers=tokio-multi-thread,smol-multi-thread,async-std,futures-thread-pool,compio-thread-per-core,monoio-thread-per-core
for n in 1 10 100; do
  for hedged in "" "-hedged"; do
    name="tail-batch-$n$hedged"
    ./target/release/compare serve --rates 50 --batch "$n" "${backend[@]}" \
      ${hedged:+--hedge-after "$hedge"} --duration 3s --warmup 500ms --runs 2 \
      --flavours "$servers" --markdown "$out/$name.md" --json "$out/$name.json"
  done
done
./target/release/results tail-charts --folder "$out"
echo "$(( $(date +%s) - started ))" > "$out/seconds.txt"
./target/release/results readme --readme docs/tail.md
