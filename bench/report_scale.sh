#!/bin/bash
# Issue 10's side-by-side bench, in one run on one corpus:
#   the decompression floors, `gzip -dc` and `igzip -dc` of all input files
#   (one process per core), then citemill ingest, analyze and run end to end
#   with 1 and 2 ranks (more with RANKS="1 2 4"). For each: wall and user+sys
#   seconds, uncompressed MB/s per rank, records/s, peak RSS per rank, bytes
#   shuffled by the busiest rank; and the ratios run / ingest, ingest rate per
#   rank / floors, and 2-rank / 1-rank parallel efficiency.
# usage: bench/report_scale.sh SCALE [CORPUS_DIR]   (generates the corpus if needed)
set -euo pipefail
SCALE=${1:-0.01}; BIN=${BIN:-build/citemill}; RANKS=${RANKS:-"1 2"}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
D=${2:-$(mktemp -d)}
[ -d $D/patents ] || mpirun -np 2 $BIN gen --out $D --scale $SCALE --quiet
command -v igzip > /dev/null || { echo "igzip missing: apt-get install isal"; exit 1; }
NCPU=$(nproc)
files=$(find $D/patents $D/works -name '*.gz' | sort)
T=$(mktemp -d)
# bytes and lines of JSON in one parallel pass (the generator writes no blank lines)
echo $files | tr ' ' '\n' | xargs -P $NCPU -n 8 sh -c 'igzip -dc "$@" | wc -lc' _ > $T/counts
MB=$(awk '{b += $2} END {printf "%.1f", b / 1e6}' $T/counts)
REC=$(awk '{l += $1} END {print l}' $T/counts)
timed() { # label cmd...: prints "label wall usersys"
  local l=$1; shift
  /usr/bin/time -f "%e %U %S" -o $T/t "$@" > $T/out 2>&1 || { cat $T/out; exit 1; }
  read w u s < $T/t
  echo "$l $w $(echo "$u + $s" | bc)"
}
echo "corpus $D: $(echo $files | wc -w) gz files, $MB MB of JSON, $REC records; $NCPU cores"
printf "%-22s %8s %9s %12s %10s %10s %12s %14s\n" step wall_s cpu_s MB/s/rank records/s rss_MiB shuffled_MB ratio
echo $files | tr ' ' '\n' > $T/files
for tool in gzip igzip; do # one process per core over the files
  read l w c < <(timed $tool bash -c "xargs -P $NCPU -n 4 sh -c '$tool -dc \"\$@\" > /dev/null' _ < $T/files")
  eval "F_$tool=$w"
  printf "%-22s %8s %9s %12s %10s %10s %12s %14s\n" "$tool -dc x$NCPU" $w $c $(echo "scale=0; $MB / $w / $NCPU" | bc) - - - -
done
for np in $RANKS; do
  read l wi ci < <(timed ingest mpirun --oversubscribe -np $np $BIN ingest --patents $D/patents --works $D/works --store $T/s.h5)
  ri=$(grep -o "max [0-9.]* MiB" $T/out | head -1 | cut -d' ' -f2)
  read l wa ca < <(timed analyze mpirun --oversubscribe -np $np $BIN analyze --store $T/s.h5 --out $T/a --aliases $D/aliases.csv)
  ra=$(grep -o "max [0-9.]* MiB" $T/out | tail -1 | cut -d' ' -f2); sa=$(grep -o "one rank [0-9.]* MB" $T/out | cut -d' ' -f3)
  rm -rf $T/r
  read l wr cr < <(timed run mpirun --oversubscribe -np $np $BIN run --patents $D/patents --works $D/works --aliases $D/aliases.csv --out $T/r)
  rr=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/r/run.json'))['peak_rss_mib']['max'])")
  rate=$(echo "scale=0; $MB / $wi / $np" | bc)
  printf "%-22s %8s %9s %12s %10s %10s %12s %14s\n" "ingest np=$np" $wi $ci $rate $(echo "scale=0; $REC / $wi" | bc) $ri - \
    "gzip x$(echo "scale=2; $rate / ($MB / $F_gzip / $NCPU)" | bc) igzip x$(echo "scale=2; $rate / ($MB / $F_igzip / $NCPU)" | bc)"
  printf "%-22s %8s %9s %12s %10s %10s %12s %14s\n" "analyze np=$np" $wa $ca - - $ra $sa "/ingest $(echo "scale=2; $wa / $wi" | bc)"
  printf "%-22s %8s %9s %12s %10s %10s %12s %14s\n" "run np=$np" $wr $cr - $(echo "scale=0; $REC / $wr" | bc) $rr - "/ingest $(echo "scale=2; $wr / $wi" | bc)"
  eval "R_$np=$wr"
done
[ -n "${R_1:-}" ] && [ -n "${R_2:-}" ] && echo "parallel efficiency of run, 2 ranks vs 1: $(echo "scale=2; $R_1 / $R_2 / 2" | bc)"
# KEEP=DIR keeps the last run's tables and run.json (the bench's own outputs go with its temp dir)
if [ -n "${KEEP:-}" ]; then mkdir -p $KEEP && cp -r $T/r/analysis/tables $T/r/run.json $KEEP/; fi
rm -rf $T
