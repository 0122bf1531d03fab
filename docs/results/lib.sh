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

# same_build FILE: the build record FILE holds is this one's, or FILE is written now;
# where it differs, a resumed run stops, since one set of results quotes one build.
same_build() {
  local now
  now=$(mktemp)
  record_build "$now"
  if [ -e "$1" ] && ! cmp -s "$now" "$1"; then
    echo "$(basename "$0"): $1 records $(cat "$1"), this build is $(cat "$now"): run every step again" >&2
    rm -f "$now"
    exit 1
  fi
  mv "$now" "$1"
}

# begin_record BUILT SECONDS RESUMED: a whole run (RESUMED 0) records its build in
# BUILT and starts SECONDS at 0; a resumed one (1) must be the build BUILT records.
begin_record() {
  if [ "$3" = 1 ]; then
    same_build "$1"
  else
    record_build "$1"
    echo 0 > "$2"
  fi
}

# add_seconds FILE STARTED: the seconds since STARTED (date +%s) added to FILE's.
add_seconds() {
  local before=0
  [ -e "$1" ] && before=$(cat "$1")
  echo $(( before + $(date +%s) - $2 )) > "$1"
}

# known_steps "A B C" STEP...: every STEP is one of A, B and C, or the script stops
# with status 2 before it builds or measures anything.
known_steps() {
  local all=$1 step
  shift
  for step in "$@"; do
    [[ " $all " == *" $step "* ]] ||
      { echo "$(basename "$0"): no step called $step (the steps: $all)" >&2; exit 2; }
  done
}
