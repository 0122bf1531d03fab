#!/usr/bin/env bash
# The gateway's published results, into FOLDER (run.sh calls it; it runs alone too,
# after `cargo build --release --locked --workspace`):
#
#   docs/results/serve.sh FOLDER
#   docs/results/serve.sh FOLDER STEP...   only those steps (saturation, cost, hold,
#                                          clients): a run resumed at the same commit,
#                                          its time added to serve-seconds.txt
#
# - serve-saturation: every flavour and baseline searched for its saturation rate
#   (p99 within 10 ms), then measured at fractions of it, open loop;
# - serve-cost: every server at one offered rate (serve-cost.sh), for the contract's
#   cost as CPU per answer;
# - serve-hold: the memory of each open connection, 10,000 kept alive;
# - serve-clients-*: the same gateway (tokio, current thread) under wrk and under
#   `load --closed`, 50 connections each; then, with a 100 ms stall once a second,
#   under open-loop `load` at 5,000/s, `load --closed` and wrk.
#
# On a machine of two cores the server runs on the first and the load on the
# second; compare pins them so itself, the clients' runs here with taskset.
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
out=${1:?usage: docs/results/serve.sh FOLDER [STEP...]}
shift
all=(saturation cost hold clients)
known_steps "${all[*]}" "$@"
steps=("$@")
resumed=$(( $# > 0 ))
[ "$resumed" = 1 ] || steps=("${all[@]}")
# wrk is Debian's package, installed here where it is missing (as CI installs its own).
bash .ci/install wrk ||
  { echo "serve.sh: wrk is missing and could not be installed (apt install wrk)" >&2; exit 2; }
mkdir -p "$out"
bin=./target/release
started=$(date +%s)
begin_record "$out/serve-built.txt" "$out/serve-seconds.txt" "$resumed"
# 10,000 connections held take 20,000 descriptors in the threads baseline (tiny_http
# duplicates each socket), and some in compare: more than the usual hard limit, which
# only root may raise.
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"
saturation() {
  "$bin/compare" serve --search 10ms --sweep 0.25,0.5,0.75,0.9 --duration 2s --warmup 500ms --runs 3 \
    --markdown "$out/serve-saturation.md" --svg "$out/serve-saturation.svg" --json "$out/serve-saturation.json"
}
cost() { docs/results/serve-cost.sh "$out"; }
hold() {
  "$bin/compare" serve --hold 10000 --runs 3 \
    --markdown "$out/serve-hold.md" --json "$out/serve-hold.json"
}

cores=$(nproc)
server_core=0
client_cores=$(( cores > 1 ? 1 : 0 ))-$(( cores - 1 ))
url_path=/users/1/with-orders
# `with_gateway NAME SERVE_ARGS...`: the gateway started with SERVE_ARGS on the
# server's core, measured by `measure NAME ADDRESS`, then stopped.
with_gateway() {
  local name=$1; shift
  local log
  log=$(mktemp)
  taskset -c "$server_core" "$bin/runtime-tokio" --flavour current-thread serve --port 0 "$@" > "$log" &
  local pid=$!
  local address=""
  for _ in $(seq 100); do
    address=$(sed -n 's#^gateway on http://\([^/]*\)/.*#\1#p' "$log")
    [ -n "$address" ] && break
    sleep 0.1
  done
  [ -n "$address" ] || { echo "serve.sh: the gateway did not start: $(cat "$log")" >&2; exit 1; }
  measure "$name" "$address"
  kill -TERM "$pid"
  wait "$pid"
  rm -f "$log"
}
on_clients() { taskset -c "$client_cores" "$@"; }
measure() {
  local name=$1 address=$2
  on_clients wrk -t1 -c50 -d5s --latency "http://$address$url_path" > "$out/serve-clients-$name-wrk.txt"
  on_clients "$bin/load" --address "$address" --closed --connections 50 --duration 5s --warmup 1s \
    --json > "$out/serve-clients-$name-closed.json"
  if [ "$name" = stall ]; then
    on_clients "$bin/load" --address "$address" --rate 5000 --connections 50 --duration 5s --warmup 1s \
      --json > "$out/serve-clients-$name-open.json"
  fi
}
clients() {
  with_gateway plain
  with_gateway stall --stall 100ms --stall-every 1s
}
for step in "${steps[@]}"; do
  "$step"
done
add_seconds "$out/serve-seconds.txt" "$started"
