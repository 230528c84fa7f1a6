#!/bin/sh
# Times the two ensemble workloads whose speed the README reports: an
# ensemble of 1,000 parameter sets x 2,000 trials of the default scenario
# (2 million trials) and a robust comparison of 4 configurations at the same
# size (8 million trials), plus the default run and 2 million trials at the
# central values. Each runs in a fresh temporary folder, without charts
# unless said, so that only simulation and statistics are timed. Prints wall
# time, CPU time (user + system) and peak memory per workload; run it on an
# otherwise idle machine, since wall time on shared cores says little.
#
#   scripts/bench-ensembles.sh [SWAPSIM]
set -eu
SWAPSIM=$(realpath "${1:-target/release/swapsim}")
REPO=$(cd "$(dirname "$0")/.." && pwd)
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time at $TIME" >&2; exit 1; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
run() {
    label=$1
    shift
    dir=$(mktemp -d)
    (cd "$dir" && "$TIME" -f "$label: %e s wall, %U s user + %S s system CPU, %M KB peak" \
        "$SWAPSIM" "$@" --quiet >/dev/null)
    rm -rf "$dir"
}
run "ensemble 1000 x 2000 (default)" run --assumptions 1000 --trials 2000 --no-charts
run "central values, 2,000,000 trials" run --assumptions 0 --trials 2000000 --no-charts
run "default run, with charts" run
run "robust comparison, 4 x 1000 x 2000" compare "$REPO/scenarios/istanbul-2025.toml" \
    "$REPO/scenarios/turkey-only.toml" "$REPO/scenarios/uae-only.toml" \
    "$REPO/scenarios/uae-closes-in-february.toml" --assumptions 1000 --trials 2000 --no-charts
