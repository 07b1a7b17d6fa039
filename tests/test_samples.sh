#!/bin/bash
# The real Google Patents and OpenAlex records of ../shared/samples must
# ingest with zero rejects (SPEC: valid real records are never rejected).
set -euo pipefail
BIN=$1; S=$2
[ -f "$S/google-patents-publications.jsonl" ] || { echo "no samples at $S: skipped"; exit 77; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mpirun -np 2 "$BIN" ingest --quiet --patents "$S/google-patents-publications.jsonl" --works "$S/openalex-works.jsonl" --store $W/s.h5 --reject-rate 0
test "$(tail -n +2 $W/s.h5.rejects/patents.csv | wc -l)" = 0
test "$(tail -n +2 $W/s.h5.rejects/works.csv | wc -l)" = 0
rows=$(/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(f['patents'].attrs['rows'], f['works'].attrs['rows'])" $W/s.h5)
test "$rows" = "15 21" || { echo "FAIL: rows $rows, expected 15 21"; exit 1; }
mpirun -np 2 "$BIN" analyze --quiet --store $W/s.h5 --out $W/out --window 1960-2026
test -s $W/out/tables/office_patents.csv
echo "samples: 15 patents and 21 works, zero rejects"
