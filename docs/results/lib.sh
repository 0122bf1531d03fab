# What the results scripts share; each sources it from the repository's root.

# Every binary compare starts: compare, load and each flavour's glue, from the one
# list of flavours, built once so that every package has the same features.
build_compare() {
  cargo build --release --locked --bins -p compare -p load \
    $(sed -nE 's/^ *"(runtime-[a-z0-9-]+)" => .*/-p \1/p' benches/src/flavours.rs)
}

# record_build FILE [MACHINE]: what was measured, into FILE: the commit (and whether
# the code had changes; results an earlier step just wrote do not count), the
# compiler, and the machine where a set names its own.
record_build() {
  local changed
  changed=$(git diff --quiet HEAD -- . ':!docs/results' || echo ' with changes')
  echo "commit $(git rev-parse --short HEAD)$changed, $(rustc -V)${2:+; $2}" > "$1"
}

# compare NAME ARGS...: compare's table, chart and JSON into $out/NAME.{md,svg,json}.
compare() {
  local name=$1; shift
  ./target/release/compare "$@" \
    --markdown "$out/$name.md" --svg "$out/$name.svg" --json "$out/$name.json"
}
