#!/bin/bash
# Hash collisions must never merge different keys: citemill_weakhash keeps 2
# bits of every hash (so nearly all keys collide) and must produce the same
# store contents and the same tables and link table as citemill, on 2 ranks.
set -euo pipefail
BIN=$1; WEAK=$2; W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -np 2 "$BIN" gen --out $W/g --patents 3000 --works 2000 --seed 11 --quiet
for b in "$BIN" "$WEAK"; do
  n=$(basename $b)
  mpirun --oversubscribe -np 2 "$b" ingest --quiet --patents $W/g/patents --works $W/g/works --store $W/$n.h5
  mpirun --oversubscribe -np 2 "$b" analyze --quiet --store $W/$n.h5 --out $W/$n --aliases $W/g/aliases.csv
  (cd $W/$n/tables && md5sum *.csv) > $W/$n.md5
  h5dump -d /links/work/bytes -d /links/patent/bytes $W/$n/links.h5 | tail -n +2 | md5sum >> $W/$n.md5
  h5dump -d /patents/publication_number/bytes -d /works/id/bytes $W/$n.h5 | tail -n +2 | md5sum >> $W/$n.md5
done
cmp $W/citemill.md5 $W/citemill_weakhash.md5 || { diff $W/citemill.md5 $W/citemill_weakhash.md5; echo "FAIL: colliding hashes changed the results"; exit 1; }
echo "collisions: 2-bit hashes give the same store keys, tables and links"
# Duplicates are found by 128-bit fingerprints, and decided by the keys' bytes
# where fingerprints meet: with 2-bit fingerprints (CITEMILL_WEAK_FINGERPRINTS)
# every row meets many others, and the store must still be the same. The
# corpus gets duplicates: one patents file and one works partition again,
# under names that sort last (their copies win), and on 3 ranks.
cp "$(ls $W/g/patents/* | head -1)" $W/g/patents/zz-copy.jsonl.gz 2> /dev/null || true
first=$(find $W/g/works -name '*.gz' | sort | head -1)
mkdir -p $W/g/works/updated_date=9999-12-31 && cp "$first" $W/g/works/updated_date=9999-12-31/part_000.gz
for mode in 0 1; do
  CITEMILL_WEAK_FINGERPRINTS=$mode mpirun --oversubscribe -np 3 -x CITEMILL_WEAK_FINGERPRINTS "$BIN" ingest --quiet \
    --patents $W/g/patents --works $W/g/works --store $W/dup$mode.h5
  h5dump -a /patents/duplicates_dropped -a /works/duplicates_dropped -d /patents/publication_number/bytes \
    -d /works/id/bytes -d /patents/record_id -d /works/record_id $W/dup$mode.h5 | tail -n +2 > $W/dup$mode.txt
done
grep -A4 'duplicates_dropped' $W/dup0.txt | grep -q '(0): [1-9]' || { echo "FAIL: the copied files gave no duplicates"; exit 1; }
cmp $W/dup0.txt $W/dup1.txt || { echo "FAIL: 2-bit fingerprints changed which duplicates were dropped"; exit 1; }
echo "collisions: 2-bit dedup fingerprints drop the same duplicates (decided by the keys' bytes)"
