#!/bin/bash
# Issue 24's scaling model, reproducible in one command:
#   1. a real run traces its shuffles: `citemill ingest` and `analyze` on P0
#      ranks of a generated corpus (scale TRACE_SCALE) with
#      CITEMILL_TRACE_SHUFFLE (core/cm_shuffle.c): bytes from each rank to each
#      rank, per shuffle;
#   2. bench/smpi/replay_shuffle.c, the real cm_shuffle compiled with SimGrid's
#      smpicc, replays them at P = 16 ... 2,048 ranks on two simulated
#      clusters (bench/smpi/fattree-100g.xml, ethernet-25g.xml; 32 ranks a
#      node): per P and platform the smallest and the largest shuffle, which
#      fix the shuffle time as latency + volume / bandwidth (a + b V); at
#      VALIDATE_P every shuffle is replayed too, to check that fit; all of it
#      with the flat shuffle and with the two-level one (LEVELS="1 2");
#   3. scripts/scaling_model.py adds compute (the measured core-seconds of a
#      scale 1.0 run, divided by P) and writes scaling-model.csv,
#      scaling-model.svg and the tables of docs/scaling.md.
# usage: bench/scaling_model.sh [OUT]   (default bench-out/scaling-model)
# Needs libsimgrid-dev (smpicc, smpirun). Takes ~15 min on the 2-core VM.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$SRC/build/citemill}
OUT=${1:-bench-out/scaling-model}
TRACE_SCALE=${TRACE_SCALE:-0.01}
P0=${P0:-4}
PS=${PS:-"16 32 64 128 256 512 1024 2048"}
VALIDATE_P=${VALIDATE_P:-256}
LEVELS=${LEVELS:-"1 2"}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v smpicc > /dev/null || { echo "smpicc missing: apt-get install libsimgrid-dev"; exit 1; }
[ "$(cat /proc/sys/vm/max_map_count)" -ge 1000000 ] || echo "scaling-model: warning: vm.max_map_count" \
  "$(cat /proc/sys/vm/max_map_count) is low for SMPI's folded buffers at 1,000+ ranks; as root:" \
  "sysctl -w vm.max_map_count=4000000"
mkdir -p $OUT
OUT=$(cd $OUT && pwd)
smpicc -O2 -I $SRC/core -o $OUT/replay_shuffle $SRC/bench/smpi/replay_shuffle.c $SRC/core/cm_shuffle.c \
  $SRC/core/cm_buf.c $SRC/core/cm_error.c $SRC/core/cm_claim.c 2> $OUT/smpicc.log
# 1. the trace
C=$OUT/corpus
[ -d $C/patents ] || mpirun -np 2 $BIN gen --out $C --scale $TRACE_SCALE --quiet
rm -f $OUT/trace-ingest.* $OUT/trace-analyze.*
CITEMILL_TRACE_SHUFFLE=$OUT/trace-ingest mpirun --oversubscribe -np $P0 $BIN ingest --patents $C/patents \
  --works $C/works --store $OUT/store.h5 --quiet
CITEMILL_TRACE_SHUFFLE=$OUT/trace-analyze mpirun --oversubscribe -np $P0 $BIN analyze --store $OUT/store.h5 \
  --aliases $C/aliases.csv --out $OUT/analysis --quiet
cat $OUT/trace-ingest.0 $OUT/trace-analyze.0 > /dev/null
for r in $(seq 0 $((P0 - 1))); do cat $OUT/trace-ingest.$r $OUT/trace-analyze.$r > $OUT/trace-all.$r; done
# the smallest and the largest shuffle of the run (bytes in all)
read SMALL LARGE < <(awk '{s = 0; for (i = 5; i <= NF; i++) s += $i; v[FNR - 1] += s}
  END {lo = hi = 0; for (k in v) {if (v[k] < v[lo]) lo = k; if (v[k] > v[hi]) hi = k}; print lo, hi}' \
  $OUT/trace-all.*)
echo "scaling-model: traced $(wc -l < $OUT/trace-all.0) shuffles on $P0 ranks at scale $TRACE_SCALE; fit on shuffles $SMALL and $LARGE"
# 2. the simulations (FACTOR: scale 1.0 over the traced scale). Open MPI 4's tuned alltoall(v) is
# pairwise for these sizes: the same algorithm here. Cross traffic (TCP acks) off: it doubles the flows
# the simulator solves for and changes these times by under 1 %.
FACTOR=$(awk -v s=$TRACE_SCALE 'BEGIN {print 1.0 / s}')
# Large buffers are folded (SMPI maps them onto one block: little memory, garbage bytes) for the flat
# shuffle, whose payload is never read; the two-level one reads its chunk headers, so it keeps real
# memory (~3x the largest shuffle's bytes at scale 1.0: ~6 GB).
CFG=(--cfg=smpi/simulate-computation:no --cfg=network/crosstraffic:0 --cfg=smpi/alltoallv:pair
  --cfg=smpi/alltoall:pair)
FOLD=--cfg=smpi/auto-shared-malloc-thresh:1048576
for i in $(seq 0 63); do echo "node-$i:32"; done > $OUT/hosts.txt
echo "kind,levels,platform,ranks,shuffle,bytes,seconds" > $OUT/simulated.csv
sim() { # levels platform P shuffles kind (fit: the two shuffles of the fit; all: every shuffle)
  local t0=$(date +%s.%N) fold=
  [ $1 = 1 ] && fold=$FOLD
  CITEMILL_SHUFFLE_LEVELS=$1 smpirun -np $3 -platform $SRC/bench/smpi/$2.xml -hostfile $OUT/hosts.txt \
    "${CFG[@]}" $fold $OUT/replay_shuffle $OUT/trace-all $P0 $FACTOR $4 2> $OUT/smpi-$1-$2-$3-$5.log > $OUT/sim.out
  awk -v k=$5 -v l=$1 -v p=$2 -v n=$3 '/^shuffle/ {print k "," l "," p "," n "," $2 "," $4 "," $6}' \
    $OUT/sim.out >> $OUT/simulated.csv
  echo "scaling-model: $1 level(s), $2, P=$3 ($5): $(tail -1 $OUT/sim.out);" \
    "$(awk -v a=$t0 -v b=$(date +%s.%N) 'BEGIN {printf "%.0f", b - a}') s of simulation"
}
for levels in $LEVELS; do
  for platform in fattree-100g ethernet-25g; do
    for P in $PS; do
      [ $levels = 2 ] && [ $P -le 32 ] && continue # one node: nothing to do in two levels
      sim $levels $platform $P $SMALL,$LARGE fit
    done
  done
  sim $levels fattree-100g $VALIDATE_P $(seq -s, 0 $(($(wc -l < $OUT/trace-all.0) - 1))) all
done
# 3. the model
/usr/bin/python3 $SRC/scripts/scaling_model.py $OUT
