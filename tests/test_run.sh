#!/bin/bash
# citemill run: stages, skips, reruns, --config, equality with the separate
# commands, a rank SIGKILLed mid-ingest and mid-analyze (previous outputs stay
# whole, the next run completes), and the report in headless Chromium (loads
# without console errors, each chart has the expected number of marks; a PNG
# screenshot is left in the build folder as report.png), and (under strace)
# that every recorded output and its folder are fsynced before the manifest
# naming them is renamed into place.
set -uo pipefail
BIN=$1; SHOT=${2:-report.png}; W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() { echo "FAIL: $*"; exit 1; }
mpi() { timeout 300 mpirun --oversubscribe -np 2 "$BIN" "$@"; }
sums() { (cd $1 && md5sum store.h5 analysis/tables/*.csv report.html); }

mpi gen --out $W/g --patents 40000 --works 20000 --quiet || fail gen
RUN=(run --patents $W/g/patents --works $W/g/works --aliases $W/g/aliases.csv)

# 1. first run: all stages; second: all skipped, outputs untouched
mpi "${RUN[@]}" --out $W/r > $W/log1 || fail "first run"
[ "$(grep -c 'done in' $W/log1)" = 3 ] || fail "first run did not run 3 stages"
sums $W/r > $W/sum1
mpi "${RUN[@]}" --out $W/r > $W/log2 || fail "second run"
[ "$(grep -c 'unchanged, skipped' $W/log2)" = 3 ] || { cat $W/log2; fail "second run did not skip 3 stages"; }
sums $W/r | cmp -s - $W/sum1 || fail "a skipped run changed outputs"
grep -q '"status": "skipped"' $W/r/run.json || fail "run.json lacks stage status"

# 2. the same tables as ingest + analyze run separately
mpi ingest --quiet --patents $W/g/patents --works $W/g/works --store $W/s.h5 || fail ingest
mpi analyze --quiet --store $W/s.h5 --out $W/a --aliases $W/g/aliases.csv || fail analyze
for f in $W/a/tables/*.csv; do cmp -s $f $W/r/analysis/tables/$(basename $f) || fail "run's $(basename $f) differs"; done

# 3. an analyze option changed: ingest skipped, analyze and report rerun;
#    --config sets options, the command line wins
printf '# test config\ntop = 3\nmin-patents = 1\n' > $W/cfg
mpi "${RUN[@]}" --out $W/r --config $W/cfg --top 4 > $W/log3 || fail "run with --config"
grep -q 'stage ingest: unchanged, skipped' $W/log3 || fail "ingest reran for an analyze option"
[ "$(grep -c 'done in' $W/log3)" = 2 ] || fail "analyze and report did not rerun"
[ "$(wc -l < $W/r/analysis/tables/top_assignees.csv)" = 5 ] || fail "--top 4 on the command line did not win"
grep -q 'option = min-patents=1' $W/r/manifest || fail "config file option not applied"
printf 'bogus = 1\n' > $W/bad.cfg
mpi "${RUN[@]}" --out $W/r --config $W/bad.cfg 2>/dev/null && fail "unknown config key accepted"

# 4. a rank killed mid-ingest (new input file) and mid-analyze
mpi "${RUN[@]}" --out $W/r > /dev/null || fail "back to defaults"
sums $W/r > $W/sum2
cp $W/g/patents/publications-000000000000.json.gz $W/g/patents/publications-000000000009.json.gz
kill_when() { # start the run, SIGKILL one citemill rank once the command "$1" succeeds
  mpi "${RUN[@]}" --out $W/r > $W/logk 2>&1 &
  local job=$!
  for i in $(seq 1 600); do eval "$1" && break; sleep 0.02; done
  eval "$1" || { wait $job; fail "never saw: $1"; }
  pkill -9 -f -n "citemill run" ; wait $job
  [ $? -ne 0 ] || fail "the killed run reported success"
}
# as soon as the ingest stage starts (its store.h5.tmp exists for milliseconds
# only now that the store is written uncompressed, and a kill after its rename
# would legitimately change the store)
kill_when "grep -q 'stage ingest: .*running' $W/logk"
sums $W/r | cmp -s - $W/sum2 || fail "outputs changed after a rank died mid-ingest"
mpi "${RUN[@]}" --out $W/r --quiet > /dev/null || fail "run after the killed ingest"
rm -f $W/r/store.h5.tmp
touch $W/g/aliases.csv; echo "ZZZ NEW,exact,Zed,Company" >> $W/g/aliases.csv
sums $W/r > $W/sum3
kill_when "[ -e $W/r/analysis.tmp/tables ]"   # exists for the whole analyze (links.h5.tmp only for milliseconds)
sums $W/r | cmp -s - $W/sum3 || fail "outputs changed after a rank died mid-analyze"
mpi "${RUN[@]}" --out $W/r > $W/log5 || fail "run after the killed analyze"
grep -q 'stage ingest: unchanged, skipped' $W/log5 || fail "ingest reran after a killed analyze"
mpi ingest --quiet --patents $W/g/patents --works $W/g/works --store $W/s2.h5 || fail ingest2
mpi analyze --quiet --store $W/s2.h5 --out $W/a2 --aliases $W/g/aliases.csv || fail analyze2
for f in $W/a2/tables/*.csv; do cmp -s $f $W/r/analysis/tables/$(basename $f) || fail "resumed $(basename $f) differs from a fresh run"; done

# 5. durability: every output the manifest records, and its directory, is
#    fsynced before the manifest that names it is renamed into place (strace)
if command -v strace > /dev/null && strace -qq -o /dev/null true 2> /dev/null; then # ptrace may be barred in a container
  timeout 300 strace -f -y -qq -e trace=fsync,/^rename -o $W/trace mpirun -np 1 "$BIN" "${RUN[@]}" --out $W/d --quiet ||
    fail "run under strace"
  /usr/bin/python3 - $W/trace $W/d <<'EOF' || fail "outputs not flushed before the manifest"
import re, sys
out, seen = sys.argv[2], set()
blocks = []  # the outputs of each stage's block, in manifest order (ingest, analyze, report)
for l in open(out + '/manifest'):
    if l.startswith('['): blocks.append(set())
    elif l.startswith('output = '): blocks[-1].add(out + '/' + l.split()[2])
renames = 0
for line in open(sys.argv[1]):
    m = re.search(r'fsync\(\d+<([^>]*)>\)\s+= 0', line)
    if m: seen.add(m.group(1))
    if not re.search(r'rename\w*\(.*"[^"]*/manifest\.tmp", .*\)\s+= 0', line): continue  # rename, renameat(2)
    renames += 1  # the manifest now names the outputs of the first `renames` stages
    need = {out + '/manifest.tmp', out}.union(*blocks[:renames])
    need |= {p.rsplit('/', 1)[0] for p in need if p != out}
    if not need <= seen: sys.exit('not flushed before manifest rename %d: %s' % (renames, sorted(need - seen)))
if renames != 3 or len(blocks) != 3: sys.exit('expected 3 stages and 3 manifest renames: %d, %d' % (len(blocks), renames))
print('durability: outputs, their folders and the manifest fsynced before each of 3 manifest renames')
EOF
else
  echo "run: strace not installed or not allowed to trace here, durability check skipped"
fi

# 6. the report in headless Chromium
if ! command -v chromium > /dev/null; then echo "run: chromium not installed, report check skipped"; exit 77; fi
R=$W/r/report.html
timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --dump-dom "file://$R" > $W/dom.html 2> $W/chrome.err || fail "chromium"
grep -q ':CONSOLE(' $W/chrome.err && { grep ':CONSOLE(' $W/chrome.err; fail "console messages"; }
/usr/bin/python3 - "$W/dom.html" "$W/r/analysis/tables" <<'EOF' || fail "chart marks"
import csv, re, sys
dom, T = open(sys.argv[1]).read(), sys.argv[2]
rows = lambda n: list(csv.DictReader(open('%s/%s.csv' % (T, n))))
def marks(name):
    m = re.search(r'<svg[^>]*data-chart="%s".*?</svg>' % name, dom, re.S)
    return len(re.findall(r'class="mark"', m.group(0))) if m else -1
want = {'office-cited': len(rows('office_patents')), 'highly-cited': len(rows('country_publications')),
        'partners': min(15, len(rows('collaboration_partners'))),
        'bcg': sum(1 for r in rows('assignee_growth') if r['cagr'] and int(r['patents']) > 0),
        'topics': sum(1 for r in rows('topic_growth') if r['mutual'] and r['cagr'])}
bad = {k: (marks(k), v) for k, v in want.items() if marks(k) != v}
print('marks per chart:', {k: marks(k) for k in want})
sys.exit('marks (got, want): %s' % bad if bad else 0)
EOF
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,3000 --screenshot="$SHOT" "file://$R" > /dev/null 2>&1 || fail "screenshot"
echo "run: stages, skips, config, resume after SIGKILL and the report all as expected (screenshot $SHOT)"
