#!/bin/bash
# Ingest throughput: generates (or takes) a corpus, then reports for 1 and 2
# ranks the median of 3 runs of ingest wall time, records/s, uncompressed
# MB/s per rank, the ratio to `gzip -dc` of the same files on one core, and
# peak RSS per rank. usage: bench/ingest_bench.sh [SCALE] [CORPUS_DIR]
set -euo pipefail
SCALE=${1:-0.005}; BIN=${BIN:-build/citemill}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
D=${2:-$(mktemp -d)}
[ -d $D/patents ] || mpirun -np 2 $BIN gen --out $D --scale $SCALE --quiet
files=$(find $D/patents $D/works -name '*.gz' | sort | tr '\n' ' ')
med() { sort -n | sed -n 2p; }
gz=$(for i in 1 2 3; do /usr/bin/time -f %e bash -c "cat $files | gzip -dc > /dev/null" 2>&1; done | med)
mb=$(cat $files | gzip -dc | wc -c)
echo "corpus: $D, $(echo "$mb/1000000" | bc) MB of JSON; gzip -dc on one core: $gz s ($(echo "scale=0; $mb/1000000/$gz" | bc) MB/s)"
for np in 1 2; do
  t=$(for i in 1 2 3; do /usr/bin/time -f %e mpirun -np $np $BIN ingest --quiet --patents $D/patents --works $D/works --store $D/b.h5 2>&1 >/dev/null | tail -1; done | med)
  rss=$(mpirun -np $np $BIN ingest --patents $D/patents --works $D/works --store $D/b.h5 | grep "peak RSS")
  echo "np=$np: ingest median $t s, $(echo "scale=0; $mb/1000000/$t/$np" | bc) MB/s per rank, ratio to gzip -dc $(echo "scale=2; $gz/$t" | bc); $rss"
done
