#!/bin/bash
# Strong and weak scaling sweeps of `citemill run`; one CSV row per
# (mode, ranks, stage) with seconds, bytes shuffled by the busiest rank and
# peak RSS per rank (max), then an SVG of speed-up and efficiency.
#   slurm/scaling.sh OUT_DIR "1 2 4 8 16" PATENTS WORKS
# Strong: one corpus of PATENTS CN patents and WORKS works for every rank count.
# Weak: PATENTS and WORKS per rank. Runs under Slurm (srun) or, outside an
# allocation, with mpirun (set CITEMILL_LAUNCH to override).
set -euo pipefail
OUT=$1; RANKS=${2:-"1 2"}; NP=${3:-20000}; NW=${4:-10000}
HERE=$(cd "$(dirname "$0")" && pwd)
CITEMILL=${CITEMILL:-$HERE/../build/citemill}
export HDF5_USE_FILE_LOCKING=FALSE OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ -n "${CITEMILL_LAUNCH:-}" ]; then LAUNCH=$CITEMILL_LAUNCH
elif [ -n "${SLURM_JOB_ID:-}" ]; then LAUNCH="srun --mpi=pmix --overcommit -n"
else LAUNCH="mpirun --oversubscribe -np"; fi
mkdir -p "$OUT"
CSV=$OUT/scaling.csv
echo "mode,ranks,patents,works,stage,seconds,bytes_shuffled_max,peak_rss_max_mib" > "$CSV"
row() { # mode ranks patents works run-dir
  /usr/bin/python3 - "$@" >> "$CSV" <<'PY'
import json, sys
mode, ranks, p, w, d = sys.argv[1:]
j = json.load(open(d + '/run.json'))
for st, v in j['stages'].items():
    print('%s,%s,%s,%s,%s,%.3f,%d,%.1f' % (mode, ranks, p, w, st, v['seconds'], v['bytes_shuffled_max'], j['peak_rss_mib']['max']))
PY
}
for mode in strong weak; do
  for n in $RANKS; do
    f=1; [ $mode = weak ] && f=$n
    p=$((NP * f)); w=$((NW * f))
    corpus=$OUT/corpus-$p-$w
    [ -d $corpus ] || $LAUNCH 1 "$CITEMILL" gen --out $corpus --patents $p --works $w --quiet
    rm -rf $OUT/$mode-$n
    $LAUNCH $n "$CITEMILL" run --quiet --patents $corpus/patents --works $corpus/works \
      --aliases $corpus/aliases.csv --out $OUT/$mode-$n
    row $mode $n $p $w $OUT/$mode-$n
    echo "scaling: $mode, $n ranks done"
  done
done
/usr/bin/python3 "$HERE/../scripts/scaling_plot.py" "$CSV" "$OUT/scaling.svg"
echo "scaling: $CSV and $OUT/scaling.svg"
