#!/usr/bin/env bash
# Checks that two swapsim binaries write the same outputs, byte for byte, for
# every command on every shipped scenario: the guard for a change that must
# not alter behaviour (a refactoring), or whose changes must all be named.
#
#   scripts/check-identical.sh OLD_BINARY NEW_BINARY [CASE_PATTERN]
#
# Build OLD_BINARY from the previous main, for example:
#   git worktree add /tmp/old main && (cd /tmp/old && cargo build --release)
#   scripts/check-identical.sh /tmp/old/target/release/swapsim target/release/swapsim
#
# Each case runs in a fresh directory of its own for each binary, with the
# same relative paths, so file names in outputs agree. What legitimately
# differs between two runs is normalised before comparing: timings and dates
# in manifests and on the terminal, and the binary's path in recorded
# command lines. Everything else (tables, charts, JSON, reports, messages and
# exit codes) must be identical. Prints one line per case and exits 1 if any
# case differs, leaving both trees under $KEEP (default: a temporary folder)
# for `diff -r`. IGNORE (a space-separated list of file name patterns, for
# `diff -x`) leaves out files whose format a change means to alter, such as
# IGNORE=partial.json when the shard format's version changes.
set -uo pipefail

old=$(realpath "$1")
new=$(realpath "$2")
pattern=${3:-.}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"

# name | arguments (word-split; scenario paths are relative to the case dir)
cases=$(cat <<'EOF'
run-default|run --trials 3000 --threads 2
run-per-trial|run --trials 2500 --per-trial --threads 2
run-report|run scenarios/turkey-only.toml --trials 2000 --report --threads 2
run-uae|run scenarios/uae-only.toml --trials 2000 --threads 1
run-winter|run scenarios/winter-offensive.toml --trials 2000 --threads 2
run-ceasefire|run scenarios/ceasefire.toml --trials 2000 --threads 2
run-long|run scenarios/long-run.toml --trials 2000 --threads 2
run-seed|run scenarios/mediator-configurations.toml --trials 1500 --seed 7 --no-charts --threads 2
run-target-se|run --target-se 0.01 --metric p_no_round_by_deadline --trials 40000 --threads 2
run-bad-args|run --trials 0
validate-all|validate scenarios/istanbul-2025.toml scenarios/turkey-only.toml scenarios/uae-only.toml scenarios/winter-offensive.toml scenarios/ceasefire.toml scenarios/long-run.toml scenarios/mediator-configurations.toml
validate-bad|validate fixtures/bad/several_problems.toml fixtures/bad/misspelt_field.toml fixtures/bad/availability_too_low.toml fixtures/bad/syntax_error.toml
compare-variants|compare scenarios/mediator-configurations.toml --trials 3000 --report --threads 2
compare-knockout|compare scenarios/istanbul-2025.toml --knockout --trials 2000 --threads 2
compare-files|compare scenarios/turkey-only.toml scenarios/uae-only.toml --trials 2000 --threads 2
compare-some|compare scenarios/mediator-configurations.toml --variants "Turkey only" --trials 1500 --no-charts --threads 2
sweep|sweep --param exchange.suspension.escalation_coef --values 0.5,1,1.5 --trials 1500 --report --threads 2
sweep-range|sweep scenarios/long-run.toml --param exchange.round_rate --range 0.05:0.2:3 --trials 1000 --threads 2
tornado|sensitivity --method tornado --inner-trials 500 --report --threads 2
morris|sensitivity --method morris --trajectories 4 --levels 4 --inner-trials 300 --threads 2
sobol|sensitivity --method sobol --samples 16 --inner-trials 200 --report --threads 2
history|history
history-window|history --from 2024-01-01 --to 2024-12-31
calibrate|calibrate --sizes-from 2024-01-01 --out calibrated.toml
calibrate-base|calibrate --base scenarios/turkey-only.toml --from 2023-01-01 --dir out-cal
backtest|backtest --fit-until 2024-03-31 --until 2024-09-27 --trials 1000 --threads 2
backtest-rolling|backtest --rolling --from 2024-01-01 --to 2024-10-01 --trials 500 --threads 2
EOF
)

# Shard-and-merge sequences, each a list of commands run in one directory.
sequences=$(cat <<'EOF'
shards-run|run scenarios/long-run.toml --trials 5000 --shard 1/2 --threads 2;run scenarios/long-run.toml --trials 5000 --shard 2/2 --threads 2;merge output/long-run-shard-1-of-2 output/long-run-shard-2-of-2 --report
shards-compare|compare scenarios/mediator-configurations.toml --trials 3000 --shard 1/2 --threads 2;compare scenarios/mediator-configurations.toml --trials 3000 --shard 2/2 --threads 2;merge output/mediator-configurations-compare-shard-1-of-2 output/mediator-configurations-compare-shard-2-of-2
shards-sobol|sensitivity --method sobol --samples 16 --inner-trials 200 --shard 1/2 --threads 2;sensitivity --method sobol --samples 16 --inner-trials 200 --shard 2/2 --threads 2;merge output/istanbul-2025-sensitivity/sobol-shard-1-of-2 output/istanbul-2025-sensitivity/sobol-shard-2-of-2 --report
reports|run --trials 1000 --threads 2;report output/istanbul-2025;sensitivity --method tornado --inner-trials 200 --threads 2;report output/istanbul-2025-sensitivity/tornado
EOF
)

# Replaces what differs between two honest runs: timings, clock dates, the
# binary's path.
normalise() {
  local dir=$1 bin=$2
  find "$dir" -type f \( -name '*.json' -o -name '*.txt' -o -name '*.html' -o -name '*.toml' \) -print0 |
    xargs -0 -r sed -i -E \
      -e 's/"(finished_at|created_at)": ?"[^"]*"/"\1": "T"/g' \
      -e 's/"(wall_time_seconds|wall_seconds|seconds)": ?[0-9.eE+-]+/"\1": 0/g' \
      -e "s#${bin//#/\\#}#BIN#g" \
      -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/T/g' \
      -e 's#<dt>wall time</dt><dd>[^<]*</dd>#<dt>wall time</dt><dd>X</dd>#g'
  # Staging debris and PID-named folders must not exist at all; list them so
  # a difference shows.
  for f in "$dir"/stdout "$dir"/stderr; do
    [ -f "$f" ] && sed -i -E -e 's/[0-9]+(\.[0-9]+)? s\b/X s/g' -e "s#${bin//#/\\#}#BIN#g" "$f"
  done
}

run_case() {
  local which=$1 bin=$2 name=$3 cmds=$4
  local dir="$work/$which/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$repo/scenarios" "$dir/scenarios"
  cp -r "$repo/tests/fixtures" "$dir/fixtures"
  (
    cd "$dir" || exit 1
    IFS=';' read -ra steps <<<"$cmds"
    for step in "${steps[@]}"; do
      eval "set -- $step"
      "$bin" "$@" >>stdout 2>>stderr
      echo "exit $?" >>stdout
    done
  )
  rm -rf "$dir/scenarios" "$dir/fixtures"
  normalise "$dir" "$bin"
}

excludes=()
for p in ${IGNORE:-}; do excludes+=(-x "$p"); done

failed=0
while IFS='|' read -r name cmds; do
  [ -n "$name" ] || continue
  [[ $name =~ $pattern ]] || continue
  run_case old "$old" "$name" "$cmds"
  run_case new "$new" "$name" "$cmds"
  if diff -r -q "${excludes[@]}" "$work/old/$name" "$work/new/$name" >/dev/null; then
    echo "same      $name"
  else
    echo "DIFFERENT $name"
    diff -r -q "${excludes[@]}" "$work/old/$name" "$work/new/$name" | sed 's/^/          /' | head -20
    failed=1
  fi
done <<<"$cases
$sequences"

echo "trees kept in $work"
exit $failed
