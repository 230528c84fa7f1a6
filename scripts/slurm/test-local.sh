#!/usr/bin/env bash
# End-to-end test of scripts/slurm/ on a real, single-node Slurm cluster.
#
# Starts munged (if it is not running), slurmctld and slurmd on localhost with
# a throw-away configuration, submits a 4-shard job array of the built-in
# default scenario and its dependent merge through submit.sh, and checks that
# the merged summary.json and daily.csv are byte-identical to those of one
# `swapsim run` with the same trials; then the same for a Sobol design
# sharded over its design points (sobol.json and design.csv). It prints each shard's wall time and peak
# memory, then PASS or FAIL. The daemons it started are always stopped and the
# temporary directory removed, whatever happens.
#
# Needs root: it installs Debian's slurmctld, slurmd, slurm-client, munge and
# time packages if they are missing (Slurm 22.05 on Debian 12), and starts the
# daemons without systemd or cgroups (recipe: ../shared/DEPENDENCIES.md).
# It builds nothing: it uses the swapsim binary at $SWAPSIM (default
# target/release/swapsim). Exit status: 0 on PASS, 1 on any failure,
# including Slurm failing to install or start.
#
# usage: [SWAPSIM=path] [TRIALS=40000] [SHARDS=4] [KEEP_TMP=1] bash scripts/slurm/test-local.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/scripts/slurm

TRIALS=${TRIALS:-40000}
SHARDS=${SHARDS:-4}
swapsim=${SWAPSIM:-target/release/swapsim}

say() { echo "slurm-test: $*"; }
fail() {
    say "FAIL: $*" >&2
    exit 1
}

[[ -x $swapsim ]] || fail "no swapsim binary at $swapsim (build it with cargo build --release, or set SWAPSIM)"
swapsim=$(cd "$(dirname "$swapsim")" && pwd)/$(basename "$swapsim")
[[ $(id -u) == 0 ]] || fail "must run as root: it installs packages and starts munged and the Slurm daemons"

# --- install -----------------------------------------------------------------
missing=()
for cmd in slurmctld slurmd sbatch sinfo munged /usr/bin/time; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
done
if ((${#missing[@]} > 0)); then
    say "installing Slurm and munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq ||
        fail "Slurm is not installed and apt-get update failed; this test needs Debian's package mirrors"
    timeout 300 apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge time >/dev/null ||
        fail "could not install slurmctld slurmd slurm-client munge time with apt-get"
fi

# --- a private cluster in a temporary directory ------------------------------
tmp=$(mktemp -d /tmp/swapsim-slurm.XXXXXX)
chmod 755 "$tmp"
started_munged=""

stop_pidfile() { # stop_pidfile NAME FILE: TERM the daemon, then KILL after 10 s
    local name=$1 file=$2 pid
    [[ -s $file ]] || return 0
    pid=$(<"$file")
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    say "$name (pid $pid) did not stop in 10 s; killing it"
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    set +e
    if [[ -s $tmp/slurmctld.pid ]] && kill -0 "$(<"$tmp/slurmctld.pid")" 2>/dev/null; then
        # Every job on this private controller is ours: cancel what is left.
        squeue -h -o %A 2>/dev/null | xargs -r scancel 2>/dev/null
    fi
    stop_pidfile slurmd "$tmp/slurmd.pid"
    stop_pidfile slurmctld "$tmp/slurmctld.pid"
    if [[ -n $started_munged ]]; then
        stop_pidfile munged "$started_munged"
    fi
    if [[ -n ${KEEP_TMP:-} ]]; then
        say "daemons stopped; logs and results kept in $tmp (KEEP_TMP is set)"
    else
        rm -rf "$tmp"
        say "daemons stopped, $tmp removed"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dump_logs() {
    local f
    for f in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/work/logs/*.out; do
        [[ -f $f ]] || continue
        echo "--- $f (last 30 lines)" >&2
        tail -n 30 "$f" >&2
    done
}

for daemon in slurmctld slurmd; do
    if pid=$(pgrep -x "$daemon"); then
        fail "a $daemon is already running (pid $pid); this test starts its own on localhost"
    fi
done

# munge authenticates every Slurm message. Reuse a running munged, else start
# one as the munge user, as its init script would.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "munged already running; using it"
else
    if [[ ! -s /etc/munge/munge.key ]]; then
        say "creating /etc/munge/munge.key"
        mungekey --create --keyfile=/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    install -d -o munge -g munge -m 755 /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
    started_munged=/run/munge/munged.pid
    munge -n | unmunge >/dev/null || fail "munged is running but munge -n | unmunge fails"
fi

# The node line as slurmd itself sees the machine (CPUs, sockets, cores,
# memory), so that the controller never drains it for a mismatch.
node=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]*/NodeName=localhost/')
[[ $node == NodeName=localhost* ]] ||
    node="NodeName=localhost CPUs=$(nproc) RealMemory=$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1024))"
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
# Single-node Slurm for scripts/slurm/test-local.sh: no systemd, no cgroups,
# no accounting database.
ClusterName=swapsim-test
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerParameters=batch_sched_delay=0
MinJobAge=5
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
$node State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

say "$(sinfo --version)"
say "starting slurmctld and slurmd ($node)"
slurmctld || { dump_logs; fail "slurmctld did not start"; }
slurmd -N localhost || { dump_logs; fail "slurmd did not start"; }

state=""
for _ in $(seq 60); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.5
done
if [[ $state != idle ]]; then
    dump_logs
    fail "the Slurm node is not idle 30 s after starting (state: '${state:-none}')"
fi
say "node localhost idle after ${SECONDS} s"

# --- the sharded run through submit.sh, and one plain run --------------------
say "submitting $SHARDS shards of $TRIALS trials of the built-in default scenario"
start=$SECONDS
if ! SWAPSIM=$swapsim timeout 150 bash "$here/submit.sh" --wait "" "$TRIALS" "$SHARDS" "$tmp/work" "$tmp/merged"; then
    dump_logs
    fail "the array or the merge job failed"
fi
say "array and merge done in $((SECONDS - start)) s"

(cd "$tmp" && "$swapsim" run --trials "$TRIALS" --out "$tmp/single" --quiet) ||
    fail "the single swapsim run failed"

say "per-shard wall time and peak memory (GNU time -v):"
measured() { # measured LABEL FILE: one line from GNU time -v's report
    [[ -s $2 ]] || fail "no timing for $1 ($2)"
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$2")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$2")
    echo "  $1: wall $wall, max RSS $((rss / 1024)) MB"
}
for ((k = 1; k <= SHARDS; k++)); do
    measured "shard $k/$SHARDS ($((TRIALS / SHARDS)) trials)" "$tmp/work/logs/shard-$k.time"
done
measured "merge" "$tmp/work/logs/merge.time"

result=PASS
for file in summary.json daily.csv; do
    if cmp "$tmp/merged/$file" "$tmp/single/$file"; then
        say "$file: merged == single run (byte-identical)"
    else
        result=FAIL
    fi
done

# --- a sharded sensitivity design: shards over design points -----------------
say "submitting 3 shards of a Sobol design (16 base samples, 200 trials per point)"
start=$SECONDS
if ! COMMAND=sensitivity OPTIONS="--method sobol --samples 16" SWAPSIM=$swapsim \
    timeout 150 bash "$here/submit.sh" --wait "" 200 3 "$tmp/work-sobol" "$tmp/merged-sobol"; then
    dump_logs
    fail "the Sobol array or its merge failed"
fi
say "Sobol array and merge done in $((SECONDS - start)) s"
(cd "$tmp" && "$swapsim" sensitivity --method sobol --samples 16 --inner-trials 200 \
    --out "$tmp/single-sobol" --quiet) || fail "the single Sobol design failed"
for file in sobol.json design.csv; do
    if cmp "$tmp/merged-sobol/$file" "$tmp/single-sobol/$file"; then
        say "$file: merged == single design (byte-identical)"
    else
        result=FAIL
    fi
done
say "$result ($SHARDS shards of $TRIALS trials and 3 shards of a Sobol design on Slurm; ${SECONDS} s in all)"
[[ $result == PASS ]]
