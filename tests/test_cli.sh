#!/bin/bash
# --help tells the truth (lists the issue's option names); bad options fail.
set -uo pipefail
BIN=$1
out=$("$BIN" analyze --help)
for o in --store --out --aliases --window --offices --office --top --min-patents --bcg-count --bcg-cagr --countries --focus --top-institutions --partner --top-topics --min-topic-works --link-methods; do
  grep -q -- "$o " <<<"$out" || { echo "FAIL: analyze --help lacks $o"; exit 1; }
done
"$BIN" gen --help | grep -q -- "--containers" || { echo "FAIL: gen --help"; exit 1; }
"$BIN" --help | grep -q "^  verify " || { echo "FAIL: --help lacks the verify command"; exit 1; }
if "$BIN" ingest --bogus 2>/dev/null; then echo "FAIL: unknown option accepted"; exit 1; fi
if "$BIN" ingest --store /tmp/cm-cli-test/x.h5 --patents /no/such/citemill/input 2>/dev/null; then echo "FAIL: missing input accepted"; exit 1; fi
# info describes a store, on 2 ranks, and fails cleanly (no hang) on a file that is not one
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
run() { timeout 60 mpirun --oversubscribe -np 2 "$BIN" "$@"; }
run gen --out $W/g --patents 300 --works 200 --quiet && run ingest --quiet --patents $W/g/patents --works $W/g/works --store $W/s.h5 || { echo "FAIL: gen/ingest"; exit 1; }
info=$(run info --store $W/s.h5) || { echo "FAIL: info exited $?"; exit 1; }
grep -q "^works: rows=200 " <<<"$info" || { echo "FAIL: info output: $info"; exit 1; }
run verify --store $W/s.h5 | grep -q "matches its checksum" || { echo "FAIL: verify of a good store"; exit 1; }
echo "not hdf5" > $W/bad.h5
run info --store $W/bad.h5 2>/dev/null; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "FAIL: info on a non-store exited $rc (124 = hung)"; exit 1; }
if run analyze --store $W/s.h5 --out $W/o --link-methods doi,fuzzy 2>/dev/null; then echo "FAIL: unknown link method accepted"; exit 1; fi
echo "cli: help, option errors and info as expected"
