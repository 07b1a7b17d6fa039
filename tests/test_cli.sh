#!/bin/bash
# --help tells the truth (lists the issue's option names); bad options fail.
set -uo pipefail
BIN=$1
out=$("$BIN" analyze --help)
for o in --store --out --aliases --window --offices --office --top --min-patents --bcg-count --bcg-cagr --countries --focus --top-institutions; do
  grep -q -- "$o " <<<"$out" || { echo "FAIL: analyze --help lacks $o"; exit 1; }
done
"$BIN" gen --help | grep -q -- "--containers" || { echo "FAIL: gen --help"; exit 1; }
if "$BIN" ingest --bogus 2>/dev/null; then echo "FAIL: unknown option accepted"; exit 1; fi
if "$BIN" ingest --store /tmp/cm-cli-test/x.h5 --patents /no/such/citemill/input 2>/dev/null; then echo "FAIL: missing input accepted"; exit 1; fi
echo "cli: help and option errors as expected"
