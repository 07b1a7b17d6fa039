#!/bin/bash
# slurm/citemill.sbatch with -N 2 on a real two-node Slurm on this machine
# (issue 24): each slurmd is a "node" of its own, a network namespace with
# its own address and hostname (tests/netns_hosts.sh) and its own /tmp for
# the PMIx client files (a mount namespace), as nodes have; slurmctld runs
# outside. The job's ranks on the two nodes talk over TCP only, launched by
# `srun --mpi=pmix` from the batch script. Its store, rejects, link table and
# ten tables must equal a direct 1-rank run's. Skips (77) without Slurm or
# network namespaces.
set -uo pipefail
BIN=$1
SRC=$2
skip() {
  echo "SKIP: $*"
  exit 77
}
command -v slurmctld > /dev/null && command -v slurmd > /dev/null && command -v munged > /dev/null ||
  skip "slurmctld/slurmd/munge not installed"
W=$(mktemp -d)
S=$W/slurm
. "$SRC/tests/slurm/slurm_lib.sh"
. "$SRC/tests/netns_hosts.sh"
cleanup() {
  slurm_down
  netns_down
  for n in n1 n2; do umount $S/nodetmp-$n 2> /dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in $S/log/*.log $W/*.out; do [ -f $f ] && { echo "== $f"; tail -20 $f; }; done
  exit 1
}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
netns_up sn$$- n1 n2
case $? in 0) ;; 77) skip "$SKIP_WHY" ;; *) fail "setting up the nodes" ;; esac
MEM=2000
slurm_conf "$(hostname)($NET.1)" 6917 "NodeName=n1 NodeAddr=$NET.11 NodeHostname=n1 CPUs=2 RealMemory=$MEM State=UNKNOWN
NodeName=n2 NodeAddr=$NET.12 NodeHostname=n2 CPUs=2 RealMemory=$MEM State=UNKNOWN"
# PMIx's client files: per node, under one path (each node's mount namespace binds its own folder there)
mkdir -p $S/nodetmp $S/nodetmp-n1 $S/nodetmp-n2
echo "PMIxCliTmpDirBase=$S/nodetmp" > $S/mpi.conf
slurm_munge || fail "munged"
slurmctld -f $SLURM_CONF || fail "slurmctld"
for n in n1 n2; do
  nsenter --net=/run/netns/sn$$-$n unshare --uts --mount --propagation private \
    sh -c "hostname $n && mount --bind $S/nodetmp-$n $S/nodetmp && slurmd -f $SLURM_CONF -N $n" ||
    fail "slurmd of $n"
done
slurm_wait_idle 2 || fail "the two nodes did not become idle"
echo "slurm-nodes: two-node Slurm up ($(sinfo -h -o '%N %T'))"

cd $W
mpirun -np 1 "$BIN" gen --out $W/g --patents 30000 --works 12000 --seed 5 --containers mixed --quiet || fail gen
/usr/bin/python3 "$SRC/tests/split_inputs.py" $W/g 1000 || fail "split inputs"
ARGS=(--patents $W/g/patents --works $W/g/works --aliases $W/g/aliases.csv)
mpirun -np 1 "$BIN" run "${ARGS[@]}" --out $W/direct --quiet || fail "direct run"
# MPI over the nodes' bridge only (the nodes have no other interface but lo)
export OMPI_MCA_btl_tcp_if_include=$NET.0/24 OMPI_MCA_oob_tcp_if_include=$NET.0/24 CITEMILL=$BIN
t0=$(date +%s)
sbatch --wait -N 2 --ntasks-per-node=2 -O -o $W/job.out "$SRC/slurm/citemill.sbatch" "${ARGS[@]}" \
  --out $W/sb > /dev/null || fail "the -N 2 job failed"
grep -q "citemill run: 4 ranks on 2 nodes (n1: ranks 0-1, n2: ranks 2-3)" $W/job.out ||
  fail "the job's ranks were not on both nodes: $(grep 'ranks on' $W/job.out)"
/usr/bin/python3 "$SRC/scripts/compare_runs.py" $W/direct $W/sb > $W/cmp || fail "$(cat $W/cmp)"
echo "slurm-nodes: sbatch -N 2 slurm/citemill.sbatch: $(grep 'ranks on' $W/job.out) in $(($(date +%s) - t0)) s; $(cat $W/cmp)"
