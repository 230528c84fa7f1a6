#!/usr/bin/env bash
# Submits a sharded swapsim run to Slurm: a job array with one task per shard,
# then a merge job that starts only if every shard succeeded.
#
# usage: submit.sh [--wait] SCENARIO TRIALS SHARDS WORKDIR OUTDIR
#
#   SCENARIO  scenario file, or "" for swapsim's built-in default scenario
#   TRIALS    total number of trials, split over the shards
#   SHARDS    number of shards (array tasks)
#   WORKDIR   directory for shard results and logs, on storage every node sees;
#             it must not hold shards of an earlier run
#   OUTDIR    where the merged outputs go
#   --wait    block until the merge job ends; exit with its status
#
# COMMAND (run, compare or sensitivity; default run) and OPTIONS (that
# command's further options, such as "--method sobol --samples 1024") are
# read from the environment; for sensitivity, TRIALS is the number of trials
# per design point. REPORT=1 makes the merge write report.html too.
#
# The swapsim binary is $SWAPSIM if set, else swapsim on PATH. Extra sbatch
# options (partition, account, ...) go in $SBATCH_ARGS, e.g.
#   SBATCH_ARGS="--partition=short --account=proj42" submit.sh ...
# They apply to both jobs.
set -euo pipefail

usage() {
    sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

wait_merge=false
if [[ ${1:-} == --wait ]]; then
    wait_merge=true
    shift
fi
(($# == 5)) || usage
scenario=$1 trials=$2 shards=$3 workdir=$4 outdir=$5

here=$(cd "$(dirname "$0")" && pwd)

if [[ -n ${SWAPSIM:-} ]]; then
    swapsim=$SWAPSIM
else
    swapsim=$(command -v swapsim) || {
        echo "error: swapsim is not on PATH; set SWAPSIM=/path/to/swapsim" >&2
        exit 2
    }
fi
# Tasks run in other directories, maybe on other nodes: pass absolute paths.
[[ -x $swapsim ]] || { echo "error: $swapsim is not an executable file" >&2; exit 2; }
swapsim=$(cd "$(dirname "$swapsim")" && pwd)/$(basename "$swapsim")
if [[ -n $scenario ]]; then
    [[ -f $scenario ]] || { echo "error: scenario file $scenario not found" >&2; exit 2; }
    scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
fi
[[ $trials =~ ^[1-9][0-9]*$ ]] || { echo "error: TRIALS must be a positive integer, not '$trials'" >&2; exit 2; }
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "error: SHARDS must be a positive integer, not '$shards'" >&2; exit 2; }
if [[ ${COMMAND:-run} != sensitivity ]]; then
    ((shards <= trials)) || { echo "error: more shards ($shards) than trials ($trials)" >&2; exit 2; }
fi

# Check the scenario here, in seconds, rather than in every array task.
if [[ -n $scenario ]]; then
    "$swapsim" validate "$scenario" >/dev/null
fi

mkdir -p "$workdir/logs" "$(dirname "$outdir")"
workdir=$(cd "$workdir" && pwd)
outdir=$(cd "$(dirname "$outdir")" && pwd)/$(basename "$outdir")
shopt -s nullglob
old=("$workdir"/shard-*)
if ((${#old[@]} > 0)); then
    echo "error: $workdir already holds shard results (${old[0]}, ...);" \
        "use a fresh work directory so that shards of different runs cannot mix" >&2
    exit 2
fi

read -r -a extra <<<"${SBATCH_ARGS:-}"
# --export=ALL passes COMMAND, OPTIONS and REPORT on from this environment
# (OPTIONS may hold commas, which cannot be written inside --export).

array_id=$(sbatch --parsable "${extra[@]}" \
    --array="1-$shards" \
    --output="$workdir/logs/shard-%a.out" \
    --export="ALL,SCENARIO=$scenario,TRIALS=$trials,SHARDS=$shards,WORKDIR=$workdir,SWAPSIM=$swapsim" \
    "$here/swapsim-array.sbatch")
array_id=${array_id%%;*} # --parsable prints "id;cluster" on multi-cluster sites
echo "array job: $array_id ($shards shards of $trials trials in $workdir)"

# --kill-on-invalid-dep: if a shard fails, cancel the merge rather than leave
# it pending forever.
merge=(sbatch "${extra[@]}"
    --dependency="afterok:$array_id" --kill-on-invalid-dep=yes
    --output="$workdir/logs/merge.out"
    --export="ALL,WORKDIR=$workdir,OUT=$outdir,SWAPSIM=$swapsim")
# sbatch options must come before the script: any after it are the script's.
if $wait_merge; then
    # Not --parsable: sbatch prints "Submitted batch job N" before it waits.
    echo "merge job (waiting for it to end):"
    rm -f "$workdir/logs/merge.ok"
    "${merge[@]}" --wait "$here/swapsim-merge.sbatch"
    # sbatch --wait exits 0 even when Slurm cancels the merge because a shard
    # failed: trust only the merge script's own record of success.
    if [[ ! -f $workdir/logs/merge.ok ]]; then
        echo "error: the merge did not complete (a shard failed, or the merge did);" \
            "see the logs in $workdir/logs/" >&2
        exit 1
    fi
    echo "merged outputs in $outdir"
else
    merge_id=$("${merge[@]}" --parsable "$here/swapsim-merge.sbatch")
    echo "merge job: ${merge_id%%;*} (after the array succeeds; outputs in $outdir)"
fi
