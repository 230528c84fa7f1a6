#!/bin/sh
# Regenerates the model-choice table of docs/calibration.md (section 11):
# every model of the comparison grid (one or two states, half-lives of 90,
# 180, 365 and 730 days and none, with and without the escalation index,
# and the weighted models without the index again with weighted sizes)
# back-tested from every month end from December 2022 to April 2025, scored
# at 90 and 180 days against the naive and the recency-weighted naive
# forecasts. Takes several minutes with a release build.
#
#   scripts/model-choice.sh [SWAPSIM] [OUT]
set -eu
SWAPSIM=${1:-target/release/swapsim}
OUT=${2:-output/model-choice}
exec "$SWAPSIM" backtest --rolling --every month --from 2023-01-01 --to 2025-05-01 \
    --compare-models --trials 2000 --no-charts --out "$OUT" --force
