#!/usr/bin/env bash
# Every server at the same offered rate, below each one's saturation (Python's
# excepted, so it is left out), into FOLDER (serve.sh calls it): the contract's cost
# as a server is a gateway's CPU per answer over its native twin's at that rate. At
# each one's own saturation rate the CPU per answer would carry the rates'
# difference too (more requests per wakeup at a higher rate), and on two cores the
# load generator, not the server, sets most of those rates.
#
#   docs/results/serve-cost.sh FOLDER
set -euo pipefail
cd "$(dirname "$0")/../.."
source docs/results/lib.sh
out=${1:?usage: docs/results/serve-cost.sh FOLDER}
mkdir -p "$out"
record_build "$out/serve-cost-built.txt"
./target/release/compare serve --rates 30000 --duration 2s --warmup 500ms --runs 9 --no-python \
  --markdown "$out/serve-cost.md" --json "$out/serve-cost.json"
