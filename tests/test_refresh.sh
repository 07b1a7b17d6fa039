#!/bin/bash
# Incremental refresh: a store built from some files, then `ingest --refresh`
# (and `citemill run`) with new files added (one sorting before the old ones,
# one repeating an old file's records, new reject lines), must hold exactly
# what a fresh ingest of all files holds (h5dump of all data, rejects files,
# counts), and give the same tables; on 2 ranks, the fresh one on 3.
set -uo pipefail
BIN=$1; W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() { echo "FAIL: $*"; exit 1; }
mpi() { local np=$1; shift; timeout 300 mpirun --oversubscribe -np $np "$BIN" "$@"; }
cd $W
mpi 2 gen --out g --patents 20000 --works 12000 --containers mixed --quiet || fail gen
mkdir -p in/p in/w
cp g/patents/publications-000000000000.json.gz in/p/p-b.json.gz
echo '{"bad json' | gzip >> in/p/p-b.json.gz
cp g/works/data/works/updated_date=2024-01-01/part_000.gz in/w/w-b.gz
zcat in/w/w-b.gz | head -3000 | gzip > in/w/w-a.gz
ING=(--patents in/p --works in/w --reject-rate 0.01 --quiet)
mpi 2 ingest "${ING[@]}" --store s.h5 || fail "first ingest"
mpi 2 run "${ING[@]}" --out r > /dev/null || fail "first run"
# new files: one sorting before the old ones, one repeating p-b's records, new rejects
cp g/patents/publications-000000000001.tar.gz in/p/p-a.tar.gz
cp g/patents/publications-000000000000.json.gz in/p/p-c.json.gz
(zcat in/w/w-b.gz | tail -2000; echo 'not json') | gzip > in/w/w-c.gz
mpi 2 ingest "${ING[@]}" --store s.h5 --refresh || fail "refresh"
mpi 3 ingest "${ING[@]}" --store fresh.h5 || fail "fresh ingest"
h5dump -A 0 s.h5 | tail -n +2 > a.txt; h5dump -A 0 fresh.h5 | tail -n +2 > b.txt
cmp -s a.txt b.txt || fail "refreshed store data differ from a fresh ingest"
for c in patents works; do
  cmp -s s.h5.rejects/$c.csv fresh.h5.rejects/$c.csv || fail "$c rejects differ"
  for a in rows lines rejects duplicates_dropped; do
    [ "$(h5dump -a /$c/$a s.h5 | grep '(0)')" = "$(h5dump -a /$c/$a fresh.h5 | grep '(0)')" ] || fail "$c $a differs"
  done
done
[ "$(h5dump -a /patents/duplicates_dropped s.h5 | grep -o '(0): [0-9]*')" != "(0): 0" ] || fail "no duplicates exercised"
# citemill run: the new files reach the tables through a refreshed ingest
mpi 2 run "${ING[@]}" --out r > /dev/null || fail "second run"
grep -q "signature" r/manifest || fail "manifest"
mpi 2 analyze --quiet --store fresh.h5 --out a || fail analyze
for f in a/tables/*.csv; do cmp -s $f r/analysis/tables/$(basename $f) || fail "run after refresh: $(basename $f) differs"; done
echo "refresh: store, rejects, counts and tables equal a fresh ingest of all files"
