#!/usr/bin/env bash
# Design and driver as the workers grow: workers 1, 2, 4 and 8 (up to the
# machine's cores) for every flavour on the task-per-user fan-out and the uneven
# load, and serving at a fixed rate with the server on half the cores and the load
# on the rest (workers up to that half). A results set of its own, in a folder named
# after the machine, since its figures are that machine's only:
#
#   docs/results/scale.sh [FOLDER]   default: docs/results/scale/<cpu>-<cores>-cores
#
# On a machine of 16 cores or more it is the one short script to run there; on the
# 2-core machine the rest of docs/results comes from, it sweeps 1 and 2 workers.
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
cores=$(nproc)
cpu=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
label=$(printf '%s-%s-cores' "${cpu:-unknown}" "$cores" | tr -cs 'A-Za-z0-9' '-' | tr 'A-Z' 'a-z')
out=${1:-docs/results/scale/$label}
mkdir -p "$out"
sweep() { for w in 1 2 4 8; do if [ "$w" -le "$1" ]; then echo "$w"; fi; done; }
workers=$(sweep "$cores" | paste -sd,)
# The flavours of several threads: the ones the server's workers change.
several=$(sed -nE 's/^ *[A-Za-z]+ = "([a-z-]+)", (MultiThread|ThreadPerCore), [A-Za-z]+;$/\1/p' \
  benches/src/flavours.rs | paste -sd,)
build_compare
record_build "$out/built.txt" "$cpu, $cores cores"
compare fanout fanout --users 100000 --latency 10ms --shape spawn --workers "$workers" \
  --runs 5 --no-python
compare uneven fanout --users 10000 --work 10000 --skew 2 --shape spawn --workers "$workers" \
  --runs 5 --no-python
for w in $(sweep $(( cores / 2 > 0 ? cores / 2 : 1 ))); do
  # One thread's flavours once, at the first count; the others at every count.
  flavours=()
  [ "$w" -gt 1 ] && flavours=(--flavours "$several")
  ./target/release/compare serve --rates 10000 --duration 2s --warmup 500ms --runs 3 \
    --no-baselines --workers "$w" "${flavours[@]}" \
    --markdown "$out/serve-w$w.md" --json "$out/serve-w$w.json"
done
