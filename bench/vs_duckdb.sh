#!/bin/bash
# Issue 25's side-by-side bench, in one invocation on one corpus:
#   the decompression floor (`igzip -dc` of every input file, one process per
#   core), the DuckDB peer (../shared/peers/duckdb: the tool a user would pick
#   instead; DOI links only) and `citemill run --link-methods doi`, each on
#   the same files with the same cores (RANKS ranks, as many DuckDB threads),
#   REPEAT times interleaved; medians, and the ratios citemill / floor and
#   DuckDB / citemill. The ten CSVs of the two must be byte-equal (exit 1 if
#   not). COLD=1 evicts the dumps from the page cache before every step (as
#   bench/report_scale.sh does); the default keeps them cached (the CPU floor).
# usage: bench/vs_duckdb.sh [SCALE [CORPUS_DIR]]   (default 0.05; generates the corpus when missing)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SCALE=${1:-0.05}
BIN=${BIN:-$SRC/build/citemill}
RANKS=${RANKS:-2}
REPEAT=${REPEAT:-3}
PEER=${PEER:-$SRC/../shared/peers/duckdb}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v igzip > /dev/null || { echo "igzip missing: apt-get install isal"; exit 1; }
command -v node > /dev/null || { echo "node missing: the DuckDB peer runs on Node.js"; exit 1; }
[ -d $PEER/node_modules ] || (cd $PEER && npm ci --silent) || { echo "npm ci in $PEER failed"; exit 1; }
D=${2:-$(mktemp -d)}
[ -d $D/patents ] || mpirun -np $RANKS $BIN gen --out $D --scale $SCALE --quiet
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
find $D/patents $D/works -type f | sort > $T/files
evict() {
  [ "${COLD:-0}" = 1 ] || return 0
  xargs -P $RANKS -n 64 sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' _ < $T/files
}
secs() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.2f", b - a }'; }
GZ=$(grep '\.gz$' $T/files || true)
for i in $(seq $REPEAT); do
  evict
  t0=$(secs)
  echo "$GZ" | xargs -P $RANKS -n 4 igzip -dc > /dev/null
  echo "floor $(since $t0)" >> $T/times
  evict
  rm -rf $T/duck
  t0=$(secs)
  node $PEER/peer.mjs --patents $D/patents --works $D/works --aliases $D/aliases.csv --out $T/duck \
    --threads $RANKS --quiet
  echo "duckdb $(since $t0)" >> $T/times
  evict
  rm -rf $T/cm
  t0=$(secs)
  mpirun -np $RANKS $BIN run --patents $D/patents --works $D/works --aliases $D/aliases.csv --out $T/cm \
    --link-methods doi --quiet
  echo "citemill $(since $t0)" >> $T/times
  for f in $T/cm/analysis/tables/*.csv; do
    cmp -s $f $T/duck/$(basename $f) || { echo "DIFFER: $(basename $f) (citemill and DuckDB)"; exit 1; }
  done
  echo "pass $i: $(tail -3 $T/times | tr '\n' ' ')"
done
median() { grep "^$1 " $T/times | awk '{print $2}' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread() { grep "^$1 " $T/times | awk '{print $2}' | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s-%s", lo, hi}'; }
F=$(median floor)
C=$(median citemill)
K=$(median duckdb)
echo "corpus: $D ($(du -sh $D | cut -f1) compressed); $RANKS cores; cache: $([ "${COLD:-0}" = 1 ] && echo cold || echo warm); medians of $REPEAT"
echo "  igzip -dc floor   $F s ($(spread floor))"
echo "  citemill run doi  $C s ($(spread citemill))  = $(awk -v a=$C -v b=$F 'BEGIN {printf "%.2f", a / b}')x the floor"
echo "  DuckDB peer       $K s ($(spread duckdb))  = $(awk -v a=$K -v b=$C 'BEGIN {printf "%.2f", a / b}')x citemill's time"
echo "  ten tables byte-equal on every pass"
