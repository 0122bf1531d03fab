#!/usr/bin/env bash
# The design × driver matrix, into FOLDER (run.sh calls it for each of its runs):
# every flavour on the task-per-user fan-out and the uneven load (multi-threaded
# and thread-per-core ones on 2 workers), and every gateway serving at a fixed rate
# (CPU per answer; the server on half the cores, as compare serve splits them, at
# a rate the load generator keeps pace with on the other half). docs/results.md's
# "Design and driver" section is made from both runs' files.
#
#   docs/results/matrix.sh FOLDER
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
out=${1:?usage: docs/results/matrix.sh FOLDER}
mkdir -p "$out"
build_compare
record_build "$out/matrix-built.txt"
compare matrix-fanout fanout --users 100000 --latency 10ms --shape spawn --workers 2 --runs 5 --no-python
compare matrix-uneven fanout --users 10000 --work 10000 --skew 2 --shape spawn --workers 2 --runs 5 --no-python
./target/release/compare serve --rates 10000 --duration 2s --warmup 500ms --runs 3 \
  --no-baselines \
  --markdown "$out/serve-matrix.md" --json "$out/serve-matrix.json"
