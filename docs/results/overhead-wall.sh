#!/usr/bin/env bash
# The contract's cost on the single-threaded flavours in wall time, on a quiet
# machine: criterion's overhead groups for those flavours only, twice, each run
# exported on its own, beside the instruction counts of the same pairs.
#
#   docs/results/overhead-wall.sh [FOLDER]    default: docs/results/overhead-wall
#
# Writes FOLDER/criterion.json and FOLDER/rerun.json (each run's medians) and
# FOLDER/built.txt; `results readme` puts them beside the counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
out=${1:-docs/results/overhead-wall}
mkdir -p "$out"
cargo build --release --locked -p results -p overhead
cargo bench --locked -p benches --bench runtimes --no-run
record_build "$out/built.txt"
# One thread each: the flavours whose pairs a 2-core machine measures quietly.
single=$(./target/release/overhead flavours --single-threaded | paste -sd '|')
for run in criterion rerun; do
  cargo bench --locked -p benches --bench runtimes -- "^overhead_[a-z_0-9]+/(generic|native)/($single)\$"
  ./target/release/results criterion --groups overhead_ --out "$out/$run.json"
done
