#!/bin/bash
# Analyze next to ingest on the same corpus: for 1 and 2 ranks, the median of
# 3 runs of ingest and analyze wall time, each analyze step's median time,
# the bytes the busiest rank sent in shuffles, and peak RSS per rank.
# usage: bench/analyze_bench.sh [SCALE] [CORPUS_DIR]
set -euo pipefail
SCALE=${1:-0.01}; BIN=${BIN:-build/citemill}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
D=${2:-$(mktemp -d)}
[ -d $D/patents ] || mpirun -np 2 $BIN gen --out $D --scale $SCALE --quiet
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for np in 1 2; do
  ti=$(for i in 1 2 3; do /usr/bin/time -f %e mpirun -np $np $BIN ingest --quiet --patents $D/patents --works $D/works --store $D/b$np.h5 2>&1 >/dev/null | tail -1; done | med)
  for i in 1 2 3; do
    /usr/bin/time -f "wall %e" mpirun -np $np $BIN analyze --store $D/b$np.h5 --out $D/o$np --aliases $D/aliases.csv > $D/a$np.$i.log 2>&1
  done
  ta=$(grep -h '^wall' $D/a$np.*.log | awk '{print $2}' | med)
  echo "np=$np: ingest $ti s, analyze $ta s (analyze/ingest $(echo "scale=2; $ta/$ti" | bc))"
  grep -h "^analyze: .* s, .* MB shuffled" $D/a$np.1.log | sed 's/ [0-9.]* s, .*$//' | sort -u | while read -r step; do
    t=$(grep -h "^$step " $D/a$np.*.log | sed 's/.* \([0-9.]*\) s, .*/\1/' | med)
    mb=$(grep -h "^$step " $D/a$np.1.log | sed 's/.* s, \([0-9.]*\) MB.*/\1/')
    printf "   %-40s %6s s %8s MB shuffled (busiest rank)\n" "${step#analyze: }" "$t" "$mb"
  done
  grep -h "max bytes shuffled\|peak RSS" $D/a$np.1.log | sed 's/^/   /'
done
