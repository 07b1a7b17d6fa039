#!/bin/bash
# Fault injection on the multi-rank path (CITEMILL_FAULT, pipeline/cm_error.h):
# a rank killed mid-shuffle, a rank whose HDF5 write fails (collective, or
# its own held-back share of the store's columns), a rank whose job
# fails while the others succeed. Each time the job must end within a bounded
# time (no hang), with a nonzero status, messages from the ranks, the earlier
# outputs untouched; and the next `citemill run` must complete and give the
# same tables as an undisturbed run.
set -uo pipefail
BIN=$1; W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() { echo "FAIL: $*"; exit 1; }
mpi() { timeout 120 mpirun --oversubscribe -np 3 "$BIN" "$@"; }
sums() { (cd $W/r && md5sum store.h5 analysis/tables/*.csv report.html 2> /dev/null); }
mpi gen --out $W/g --patents 8000 --works 4000 --quiet || fail gen
RUN=(run --patents $W/g/patents --works $W/g/works --aliases $W/g/aliases.csv --out $W/r)
mpi "${RUN[@]}" --quiet || fail "clean run"
cp -r $W/r/analysis $W/expected
sums > $W/before
new_input() { # a changed input, so that the next run has work to do
  cp $W/g/patents/publications-000000000000.json.gz $W/g/patents/publications-00000000000$1.json.gz
}
inject() { # point@rank, what must appear on stderr
  new_input $3
  local t0=$(date +%s)
  CITEMILL_FAULT=$1 mpi "${RUN[@]}" > $W/out 2> $W/err
  local rc=$? t=$(($(date +%s) - t0))
  [ $rc -ne 0 ] || fail "$1: the run succeeded"
  [ $rc -ne 124 ] || fail "$1: the run hung (killed by the 120 s timeout)"
  grep -q "$2" $W/err || { cat $W/err | tail -5; fail "$1: no '$2' on stderr"; }
  sums | cmp -s - $W/before || fail "$1: earlier outputs changed"
  [ ! -e $W/r/store.h5.tmp ] || [ "$1" = "shuffle-kill@1" ] || fail "$1: store.h5.tmp left behind"
  echo "faults: $1 ended in $t s with status $rc, outputs intact"
}
inject shuffle-kill@1 "killed\|signal 9\|exited on signal" 5
inject h5-write@2 "collective write of dataset" 6
inject h5-deferred-write@1 "writing dataset" 7
# Every analyze fault point, on each rank: the failing rank says why once, the others agree on
# it at their next collective and stop; the job ends within the timeout, the earlier analysis
# in OUT stays whole (analyze builds beside it and swaps in only on success) and nothing of the
# failed attempt is left behind.
A=(analyze --store $W/r/store.h5 --aliases $W/g/aliases.csv --out $W/a --quiet)
mpi "${A[@]}" || fail "clean analyze"
(cd $W/a && md5sum tables/*.csv results.h5 links.h5) > $W/analysis.md5
for point in load-fail citations-fail job-fail links-fail; do
  for r in 0 1 2; do
    t0=$(date +%s)
    CITEMILL_FAULT=$point@$r mpi "${A[@]}" > $W/out 2> $W/err; rc=$?
    t=$(($(date +%s) - t0))
    [ $rc -ne 0 ] || fail "$point@$r: analyze succeeded"
    [ $rc -ne 124 ] || fail "$point@$r: analyze hung (killed by the 120 s timeout)"
    [ "$(grep -c "injected failure" $W/err)" = 1 ] || { cat $W/err; fail "$point@$r: the failure was not reported exactly once"; }
    ! grep -q "MPI_ABORT" $W/err || fail "$point@$r: ended by MPI_Abort, not by agreement"
    (cd $W/a && md5sum -c --quiet $W/analysis.md5) || fail "$point@$r: the earlier analysis changed"
    [ -z "$(ls -d $W/a.* 2> /dev/null)" ] || fail "$point@$r: left $(ls -d $W/a.*)"
    echo "faults: $point@$r ended in $t s with status $rc on every rank, earlier analysis intact"
  done
done
# A store replaced or rewritten while analyze reads it (each step opens it again for its columns):
# store-changed@0 makes rank 0 see it changed; the analysis must end on every rank, naming the
# store, and write nothing. (A real replacement by `mv` mid-analysis gives the same: docs/reliability.md.)
CITEMILL_FAULT=store-changed@0 mpi "${A[@]}" > $W/out 2> $W/err; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "store-changed: analyze ended with status $rc"
grep -q "was replaced or changed while analyze read it" $W/err || { cat $W/err; fail "store-changed: no message"; }
(cd $W/a && md5sum -c --quiet $W/analysis.md5) || fail "store-changed: the earlier analysis changed"
[ -z "$(ls -d $W/a.* 2> /dev/null)" ] || fail "store-changed: left $(ls -d $W/a.*)"
echo "faults: a store changed under analyze ended it with status $rc, nothing written"
# inside `run`: the ingest stage completes, analyze fails on one rank; the analysis of the
# earlier run stays as it was
CITEMILL_FAULT=job-fail@1 mpi "${RUN[@]}" > $W/out 2> $W/err; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "job-fail in run: status $rc"
grep -q "injected failure" $W/err || fail "job-fail in run: no report"
cmp -s $W/r/analysis/tables/office_patents.csv $W/expected/tables/office_patents.csv || fail "job-fail: tables changed"
[ ! -e $W/r/analysis.tmp ] || fail "job-fail in run: analysis.tmp left behind"
# the next run resumes and finishes; the result equals an undisturbed run over the same inputs
mpi "${RUN[@]}" > $W/out 2>&1 || fail "resume"
grep -q "stage ingest: unchanged, skipped" $W/out || fail "resume redid the completed ingest"
mpi run --patents $W/g/patents --works $W/g/works --aliases $W/g/aliases.csv --out $W/fresh --quiet || fail "fresh run"
for f in $W/fresh/analysis/tables/*.csv; do cmp -s $f $W/r/analysis/tables/$(basename $f) || fail "resumed $(basename $f) differs"; done
echo "faults: every injected fault ended cleanly; the next run resumed and matched a fresh run"
