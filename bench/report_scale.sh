#!/bin/bash
# Issue 10's side-by-side bench, in one run on one corpus:
#   the decompression floors, `gzip -dc` and `igzip -dc` of all input files
#   (one process per core), then citemill ingest, analyze and run end to end
#   with 1 and 2 ranks (more with RANKS="1 2 4"). For each: wall and user+sys
#   seconds, uncompressed MB/s per rank, records/s, peak RSS per rank, bytes
#   shuffled by the busiest rank; and the ratios run / ingest, ingest rate per
#   rank / floors, and 2-rank / 1-rank parallel efficiency. The floors are also
#   taken with one process (`igzip -dc x1`), so the scaling of plain
#   decompression on this machine stands next to citemill's. A line under each
#   rank count also times ingest and run until what they wrote is on disk (the
#   `sync` after each counted): run's analyze stage pays for the writeback of
#   the store its ingest stage left in memory, a lone ingest step does not.
# REPEAT=N runs every step N times, interleaved, and reports the median (with
#   the spread min-max): on a shared VM identical runs differ by 10-30 %.
# INGEST_ARGS="--direct-io" passes options to the ingest steps (not to run's).
# usage: bench/report_scale.sh SCALE [CORPUS_DIR]   (generates the corpus if needed)
set -euo pipefail
SCALE=${1:-0.01}; BIN=${BIN:-build/citemill}; RANKS=${RANKS:-"1 2"}; REPEAT=${REPEAT:-1}
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
# Every step starts with the dumps out of the page cache (posix_fadvise DONTNEED
# through `dd iflag=nocache`, file by file; COLD=0 keeps whatever is cached), as
# in an overnight job on dumps larger than memory. Without it a step's speed
# depended on the step before: ingest drops each file it has read, `igzip`
# leaves the last ~10 GB of a 22 GB corpus cached, so at 1.0 an ingest step
# after the floors read half its input from memory and `run`'s ingest stage
# (after an ingest step) read all of it from disk.
evict() {
  [ "${COLD:-1}" = 1 ] || return 0
  xargs -P $NCPU -n 64 sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' _ < $T/files
}
timed() { # cmd...: prints "wall usersys flush" of one run, or FAIL and the command's output
  # the previous step's dirty pages are flushed first: their writeback would
  # otherwise take CPU from this step (on 2 cores, from a 2-rank step's ranks).
  # flush: the seconds of the `sync` right after the command, the writeback of
  # what it wrote that was still in memory. `run` pays for its store's
  # writeback while its analyze stage runs; a lone ingest leaves it for later
  evict
  sync
  /usr/bin/time -f "%e %U %S" -o $T/t "$@" > $T/out 2>&1 || { echo FAIL; cat $T/out >&2; return; }
  local t0=$(date +%s.%N)
  sync
  read w u s < $T/t
  echo "$w $(echo "$u + $s" | bc) $(echo "$(date +%s.%N) - $t0" | bc)"
}
ok() { [ "$1" != FAIL ] || { echo "a step failed: see above"; exit 1; }; }
med() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {if (NR > 1) printf "(%s-%s)", v[1], v[NR]}'; }
row() { printf "%-22s %8s %9s %12s %10s %10s %12s %s\n" "$@"; }
echo "corpus $D: $(echo $files | wc -w) gz files, $MB MB of JSON, $REC records; $NCPU cores; medians of $REPEAT"
row step wall_s cpu_s MB/s/rank records/s rss_MiB shuffled_MB "ratio / spread of wall"
echo $files | tr ' ' '\n' > $T/files
declare -A W C WF # WF: wall + the flush after it
FLOORS="gzip:$NCPU igzip:$NCPU"; [ $NCPU -gt 1 ] && FLOORS+=" igzip:1"
for rep in $(seq $REPEAT); do
  for floor in $FLOORS; do # tool:processes
    tool=${floor%:*}; p=${floor#*:}
    read w c _ < <(timed bash -c "xargs -P $p -n 4 sh -c '$tool -dc \"\$@\" > /dev/null' _ < $T/files"); ok $w
    W[$tool$p]+=" $w"; C[$tool$p]+=" $c"
  done
  for np in $RANKS; do
    # a new store, as `run` writes one: replacing an old store adds its deletion (~0.5-1 s at scale 0.1)
    rm -rf $T/s.h5 $T/s.h5.rejects
    read w c f < <(timed mpirun --oversubscribe -np $np $BIN ingest --patents $D/patents --works $D/works --store $T/s.h5 ${INGEST_ARGS:-}); ok $w
    W[i$np]+=" $w"; C[i$np]+=" $c"; WF[i$np]+=" $(echo "$w + $f" | bc)"; RI[$np]=$(grep -o "max [0-9.]* MiB" $T/out | head -1 | cut -d' ' -f2)
    read w c _ < <(timed mpirun --oversubscribe -np $np $BIN analyze --store $T/s.h5 --out $T/a --aliases $D/aliases.csv); ok $w
    W[a$np]+=" $w"; C[a$np]+=" $c"; RA[$np]=$(grep -o "max [0-9.]* MiB" $T/out | tail -1 | cut -d' ' -f2)
    SA[$np]=$(grep -o "one rank [0-9.]* MB" $T/out | cut -d' ' -f3)
    rm -rf $T/r $T/a
    read w c f < <(timed mpirun --oversubscribe -np $np $BIN run --patents $D/patents --works $D/works --aliases $D/aliases.csv --out $T/r); ok $w
    W[r$np]+=" $w"; C[r$np]+=" $c"; WF[r$np]+=" $(echo "$w + $f" | bc)"
    RR[$np]=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/r/run.json'))['peak_rss_mib']['max'])")
    [ $rep = $REPEAT ] || rm -rf $T/r
  done
done
m() { echo ${W[$1]} | med; }
mc() { echo ${C[$1]} | med; }
sp() { echo ${W[$1]} | spread; }
F_gzip=$(m gzip$NCPU); F_igzip=$(m igzip$NCPU)
row "gzip -dc x$NCPU" $F_gzip $(mc gzip$NCPU) $(echo "scale=0; $MB / $F_gzip / $NCPU" | bc) - - - "$(sp gzip$NCPU)"
row "igzip -dc x$NCPU" $F_igzip $(mc igzip$NCPU) $(echo "scale=0; $MB / $F_igzip / $NCPU" | bc) - - - "$(sp igzip$NCPU)"
if [ -n "${W[igzip1]:-}" ]; then
  F_igzip1=$(m igzip1)
  row "igzip -dc x1" $F_igzip1 $(mc igzip1) $(echo "scale=0; $MB / $F_igzip1" | bc) - - - \
    "$(sp igzip1) efficiency x$NCPU vs x1 $(echo "scale=2; $F_igzip1 / $F_igzip / $NCPU" | bc)"
fi
for np in $RANKS; do
  wi=$(m i$np); wa=$(m a$np); wr=$(m r$np)
  rate=$(echo "scale=0; $MB / $wi / $np" | bc)
  row "ingest np=$np" $wi $(mc i$np) $rate $(echo "scale=0; $REC / $wi" | bc) ${RI[$np]} - \
    "gzip x$(echo "scale=2; $rate / ($MB / $F_gzip / $NCPU)" | bc) igzip x$(echo "scale=2; $rate / ($MB / $F_igzip / $NCPU)" | bc) $(sp i$np)"
  row "analyze np=$np" $wa $(mc a$np) - - ${RA[$np]} ${SA[$np]} "/ingest $(echo "scale=2; $wa / $wi" | bc) $(sp a$np)"
  row "run np=$np" $wr $(mc r$np) - $(echo "scale=0; $REC / $wr" | bc) ${RR[$np]} - "/ingest $(echo "scale=2; $wr / $wi" | bc) $(sp r$np)"
  fi_=$(echo ${WF[i$np]} | med); fr_=$(echo ${WF[r$np]} | med)
  printf "  np=%s until written out (each step's own sync counted): ingest %.2f s, run %.2f s, run / ingest %.2f\n" $np $fi_ $fr_ $(echo "scale=4; $fr_ / $fi_" | bc)
done
if [ -n "${W[r1]:-}" ] && [ -n "${W[r2]:-}" ]; then
  e() { echo "scale=2; $(m ${1}1) / $(m ${1}2) / 2" | bc; }
  echo "parallel efficiency, 2 ranks vs 1 (medians): ingest $(e i), analyze $(e a), run $(e r)"
fi
# KEEP=DIR keeps the last run's tables and run.json (the bench's own outputs go with its temp dir)
if [ -n "${KEEP:-}" ]; then mkdir -p $KEEP && cp -r $T/r/analysis/tables $T/r/run.json $KEEP/; fi
rm -rf $T
