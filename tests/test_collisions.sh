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
