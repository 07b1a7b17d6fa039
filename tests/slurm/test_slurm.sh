#!/bin/bash
# The Slurm scripts against a real single-node Slurm (Debian's slurmctld,
# slurmd and munge, state under a scratch folder; ../shared/platform.md 5):
#  1. slurm/submit-staged.sh: ingest -> analyze -> report as dependent jobs;
#  2. slurm/citemill.sbatch: the time-limit signal (sent with scancel, as
#     Slurm's --signal=B:USR1 would) stops citemill at a safe point, the
#     script requeues the job, and the requeued job finishes the run;
#  3. slurm/scaling.sbatch: a small strong and weak sweep, CSV and SVG;
# every table equals a direct mpirun run, byte for byte. Everything started
# is stopped by PID at the end. Skips (77) where Slurm is not installed.
set -uo pipefail
BIN=$1; SRC=$2
command -v slurmctld > /dev/null && command -v slurmd > /dev/null && command -v munged > /dev/null ||
  { echo "slurm: slurmctld/slurmd/munge not installed, skipped"; exit 77; }
W=$(mktemp -d); S=$W/slurm
. "$SRC/tests/slurm/slurm_lib.sh"
cleanup() {
  slurm_down
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in $S/log/*.log $W/*.out; do [ -f $f ] && { echo "== $f"; tail -20 $f; }; done; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 CITEMILL=$BIN CITEMILL_SCALING=$SRC/slurm/scaling.sh

CPUS=$(nproc); MEM=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10))
slurm_conf localhost 6817 "NodeName=localhost CPUs=$CPUS RealMemory=$MEM State=UNKNOWN"
slurm_munge || fail "munged"
slurmctld -f $SLURM_CONF || fail "slurmctld"
slurmd -f $SLURM_CONF -N localhost || fail "slurmd"
slurm_wait_idle 1 || fail "the node did not become idle"
echo "slurm: single-node Slurm up"

wait_gone() { # job ids...: wait until none is pending or running (timeout 180 s)
  for i in $(seq 1 360); do [ -z "$(squeue -h -j $(echo $* | tr ' ' ,) 2> /dev/null)" ] && return 0; sleep 0.5; done
  fail "jobs $* did not finish"
}
state() { scontrol show job $1 | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
same_tables() { for f in $W/direct/analysis/tables/*.csv; do cmp -s $f $1/analysis/tables/$(basename $f) || fail "$(basename $f) from $1 differs from the direct run"; done; }

cd $W
mpirun --oversubscribe -np 2 $BIN gen --out $W/g --patents 40000 --works 20000 --quiet || fail gen
ARGS=(--patents $W/g/patents --works $W/g/works --aliases $W/g/aliases.csv)
mpirun --oversubscribe -np 2 $BIN run "${ARGS[@]}" --out $W/direct --quiet || fail "direct run"

# 1. staged pipeline
ids=$(SBATCH_OPTS="-n 2 -O -o $W/staged-%j.out" $SRC/slurm/submit-staged.sh "${ARGS[@]}" --out $W/staged) || fail "submit"
wait_gone $ids
for j in $ids; do [ "$(state $j)" = COMPLETED ] || fail "staged job $j: $(state $j)"; done
grep -q "stage ingest: unchanged, skipped" $W/staged-$(echo $ids | cut -d' ' -f2).out || fail "analyze job redid ingest"
same_tables $W/staged
[ -s $W/staged/report.html ] || fail "no report from the staged jobs"
echo "slurm: staged jobs $ids completed, tables equal the direct run ($(date +%T))"

# 2. time-limit signal, stop at a safe point, requeue, resume
jid=$(sbatch --parsable -n 2 -O -o $W/req.out $SRC/slurm/citemill.sbatch "${ARGS[@]}" --out $W/req) || fail "sbatch"
for i in $(seq 1 600); do grep -q "stage ingest: running" $W/req.out 2> /dev/null && break; sleep 0.05; done
scancel --signal=USR1 --batch $jid || fail "scancel --signal"
# Slurm holds a requeued batch job for a while (BeginTime); a cluster would
# just wait, the test asks for an immediate start to save CI minutes.
for i in $(seq 1 240); do grep -q "requeueing job" $W/req.out 2> /dev/null && break; sleep 0.25; done
for i in $(seq 1 40); do [ "$(state $jid)" = PENDING ] && break; sleep 0.25; done
scontrol update JobId=$jid StartTime=now 2> /dev/null
for i in $(seq 1 360); do [ "$(state $jid)" = COMPLETED ] && break; sleep 0.5; done
[ "$(state $jid)" = COMPLETED ] || fail "requeued job did not complete: $(state $jid)"
grep -q "requeueing job" $W/req.out || fail "the job was not stopped and requeued"
grep -q "restart 1" $W/req.out || fail "no restarted job in the log"
same_tables $W/req
echo "slurm: job $jid stopped at a safe point on the signal, requeued itself and completed ($(date +%T))"

# 3. scaling sweep
sbatch --wait -n 2 -O -o $W/scaling.out $SRC/slurm/scaling.sbatch $W/scal "1 2" 6000 3000 > /dev/null || fail "scaling job"
[ "$(tail -n +2 $W/scal/scaling.csv | wc -l)" = 12 ] || fail "scaling.csv rows"
grep -q '<svg' $W/scal/scaling.svg || fail "scaling.svg"
echo "slurm: staged pipeline, signal/requeue and scaling sweep all ran on a real Slurm"
