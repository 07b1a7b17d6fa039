#!/bin/bash
# Several hosts on one machine (issue 24): every "host" is a network namespace
# with its own address on a bridge and its own hostname; Open MPI launches its
# daemons into them through tests/netns-agent instead of ssh, so ranks of
# different hosts share no memory and talk over TCP only, as on a cluster (the
# file system is shared, as on a cluster). Proves:
#   - `run` on 2 hosts x 2 ranks and on 4 hosts x 1 rank: store, rejects, link
#     table and the ten tables identical to a 1-host, 1-rank run;
#   - a host lost mid-ingest (its daemon and ranks killed) and a host cut off
#     mid-analyze (its link taken down): the job ends on every host within a
#     bounded time, with a message naming the lost host; the earlier outputs
#     are intact; a rerun on all hosts resumes and equals the fresh run;
#   - a lossy, slower network: identical outputs (the times are printed).
# Skipped (status 77, reason printed) where namespaces cannot be made.
# usage: test_multihost.sh BIN SRC
set -uo pipefail
BIN=$1
SRC=$2
skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v timeout > /dev/null || skip "no 'timeout' command"
W=$(mktemp -d)
. "$SRC/tests/netns_hosts.sh"
export CITEMILL_NETNS_PREFIX=cm$$- # namespaces cm<pid>-h1 ... (ours alone: the pid is in the name)
HOSTS="h1 h2 h3 h4"
cleanup() {
  netns_down
  rm -rf "$W"
}
trap cleanup EXIT
netns_up $CITEMILL_NETNS_PREFIX $HOSTS
case $? in 0) ;; 77) skip "$SKIP_WHY" ;; *) fail "setting up the hosts" ;; esac
# Open MPI: daemons through the agent; out-of-band and MPI traffic on the bridge only; a daemon whose
# peer stops answering is declared lost after ~5 + 3 x 2 s of TCP keepalive (default: 300 + 9 x 20 s).
MH=(--mca plm_rsh_agent "$SRC/tests/netns-agent" --mca oob_tcp_if_include $NET.0/24
  --mca btl_tcp_if_include $NET.0/24 --mca btl tcp,vader,self --mca oob_tcp_keepalive_time 5
  --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3 -x CITEMILL_FAULT -x CITEMILL_SHUFFLE_LEVELS)
mh() { # HOSTSPEC citemill-args...: a job over the namespaces
  local spec=$1
  shift
  timeout 300 mpirun --host "$spec" "${MH[@]}" "$BIN" "$@"
}
export CITEMILL_FAULT= CITEMILL_SHUFFLE_LEVELS=
G=$W/g
mpirun -np 1 "$BIN" gen --out $G --patents 30000 --works 12000 --seed 11 --containers mixed --quiet || fail gen
/usr/bin/python3 "$SRC/tests/split_inputs.py" $G 1000 || fail "split inputs"
RUN=(run --patents $G/patents --works $G/works --aliases $G/aliases.csv)
timeout 300 mpirun -np 1 "$BIN" "${RUN[@]}" --out $W/base --quiet || fail "1-rank run"
same_as_base() { /usr/bin/python3 "$SRC/scripts/compare_runs.py" $W/base "$1" || fail "$2: outputs differ"; }
secs() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.1f", b - a }'; }

for spec in h1:2,h2:2 h1:1,h2:1,h3:1,h4:1; do
  t0=$(secs)
  mh $spec "${RUN[@]}" --out $W/r$spec > $W/out 2> $W/err || {
    tail -20 $W/err
    fail "run on $spec"
  }
  nodes=$(echo $spec | tr ',' '\n' | wc -l)
  grep -q "citemill run: 4 ranks on $nodes nodes (h1: " $W/out || {
    head -3 $W/out
    fail "$spec: the ranks did not run on $nodes hosts"
  }
  echo "multihost: $spec: $(head -1 $W/out), $(since $t0) s; $(same_as_base $W/r$spec $spec)"
done

# The two-level shuffle (core/cm_shuffle.h; chosen by itself from 256 ranks on) forced on 2 hosts x 2
# ranks, where it runs for real: inside each host over shared memory, then across over TCP
t0=$(secs)
CITEMILL_SHUFFLE_LEVELS=2 mh h1:2,h2:2 "${RUN[@]}" --out $W/two --quiet ||
  fail "run with the two-level shuffle"
echo "multihost: two-level shuffle on h1:2,h2:2: $(since $t0) s; $(same_as_base $W/two two-level)"

# A host lost: FAULT@RANK makes that rank stop answering in its first shuffle (core/cm_shuffle.c);
# once it has, TAKE (a command) takes its host away. The job must end on every host within LIMIT
# seconds, fail, name the host, and leave OUT's earlier outputs as they were.
lose_host() { # out-dir rank host take-command label
  local out=$1 rank=$2 host=$3 take=$4 label=$5
  (cd $out 2> /dev/null && find . -type f ! -name '*.tmp' ! -name '.*.part' ! -path '*.tmp/*' | sort | xargs -r md5sum) > $W/before
  CITEMILL_FAULT=shuffle-stall@$rank mh h1:2,h2:2 "${RUN[@]}" --out $out > $W/out 2> $W/err &
  local job=$!
  for _ in $(seq 600); do
    grep -q "this rank stalls" $W/err && break
    sleep 0.1
  done
  grep -q "this rank stalls" $W/err || fail "$label: rank $rank never reached its shuffle"
  local t0=$(secs)
  eval "$take" &
  local taking=$!
  wait $job
  local rc=$? t=$(since $t0)
  wait $taking # (a link taken down comes back up after a while: the host's own processes then learn)
  [ $rc -ne 0 ] || fail "$label: the job succeeded"
  [ $rc -ne 124 ] || fail "$label: the job did not end (killed by the 300 s timeout)"
  awk -v t=$t 'BEGIN { exit !(t < 60) }' || fail "$label: the job took $t s to end after the host was lost"
  grep -q "$host" $W/err || {
    cat $W/err
    fail "$label: no message names $host"
  }
  # (a killed rank cannot clean up: its scratch files, *.tmp, *.tmp/ and .*.part, stay until the next run)
  # every process on every host has ended (the lost host's too, once its link is back)
  for _ in $(seq 300); do
    left=$(for h in $HOSTS; do ip netns pids $CITEMILL_NETNS_PREFIX$h; done | wc -l)
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  [ "$left" = 0 ] || for h in $HOSTS; do ip netns pids $CITEMILL_NETNS_PREFIX$h | xargs -r ps -o pid,etimes,args -p | sed "s/^/  $h: /"; done
  [ "$left" = 0 ] || fail "$label: $left processes still running on the hosts 30 s after the job ended"
  (cd $out 2> /dev/null && find . -type f ! -name '*.tmp' ! -name '.*.part' ! -path '*.tmp/*' | sort | xargs -r md5sum) |
    cmp -s - $W/before || { (cd $out && find . -type f); fail "$label: the earlier outputs changed"; }
  echo "multihost: $label: the job ended $t s after, status $rc on every host; messages naming $host:"
  grep -B2 -A2 "$host" $W/err | head -12 | sed 's/^/    /' 
}
kill_host() { ip netns pids $CITEMILL_NETNS_PREFIX$1 | xargs -r kill -9; }
link_down() { ip -n $CITEMILL_NETNS_PREFIX$1 link set eth0 down; }

# mid-ingest: rank 2 (on h2) stalls in the dedup shuffle; h2's daemon and ranks are killed
lose_host $W/f 2 h2 "kill_host h2" "h2 lost mid-ingest"
[ ! -e $W/f/analysis ] || fail "mid-ingest loss: an analysis was written"
mh h1:2,h2:2 "${RUN[@]}" --out $W/f --quiet || fail "rerun after the loss mid-ingest"
echo "multihost: rerun after the loss mid-ingest: $(same_as_base $W/f after-ingest-loss)"

# mid-analyze: ingest done; rank 3 (on h2) stalls in analyze's first shuffle; h2's link goes down
mh h1:2,h2:2 "${RUN[@]}" --out $W/a --until ingest --quiet || fail "run --until ingest"
lose_host $W/a 3 h2 "link_down h2; sleep 20; ip -n ${CITEMILL_NETNS_PREFIX}h2 link set eth0 up" \
  "h2 cut off mid-analyze"
[ -e $W/a/store.h5 ] && [ ! -e $W/a/analysis ] || fail "mid-analyze loss: store lost or analysis written"
mh h1:2,h2:2 "${RUN[@]}" --out $W/a > $W/out 2> $W/err || fail "rerun after the loss mid-analyze"
grep -q "stage ingest: unchanged, skipped" $W/out || {
  grep "stage ingest" $W/out
  fail "the rerun did not resume (ingest ran again)"
}
echo "multihost: rerun after the loss mid-analyze resumed ($(grep -m1 'stage ingest' $W/out)): $(same_as_base $W/a after-analyze-loss)"

# A lossy, slower network: 1 % of the packets each host sends are dropped; 2 ms delay where the
# kernel has netem, else the links are capped at 200 Mbit/s (tbf) instead of delayed.
shaped=
for h in h1 h2; do
  ns=$CITEMILL_NETNS_PREFIX$h
  if ip netns exec $ns tc qdisc add dev eth0 root netem delay 2ms loss 1% 2> /dev/null; then
    shaped="netem delay 2 ms, loss 1 %"
  elif command -v nft > /dev/null && ip netns exec $ns tc qdisc add dev eth0 root tbf rate 200mbit \
    burst 64kb latency 50ms 2> /dev/null &&
    ip netns exec $ns nft add table inet cmloss &&
    ip netns exec $ns nft add chain inet cmloss out '{ type filter hook output priority 0; }' &&
    ip netns exec $ns nft add rule inet cmloss out numgen random mod 100 0 drop; then
    shaped="no netem in this kernel: loss 1 % (nft), 200 Mbit/s (tbf)"
  fi
done
if [ -z "$shaped" ]; then
  echo "multihost: lossy network: skipped (neither netem nor nft + tbf available)"
else
  t0=$(secs)
  mh h1:2,h2:2 "${RUN[@]}" --out $W/n --quiet || fail "run over the lossy network"
  echo "multihost: lossy network ($shaped): $(since $t0) s; $(same_as_base $W/n lossy)"
fi
echo "multihost: all passed"
