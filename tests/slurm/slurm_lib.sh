# Sourced by tests/slurm/test_slurm.sh (one node) and test_slurm_nodes.sh (two
# nodes as network namespaces): a throw-away Slurm whose state lives in $S.
#   slurm_conf CTLD_HOST PORT NODE_LINES   writes $S/slurm.conf (slurmctld on
#                        PORT, slurmd on PORT + 1), sets SLURM_CONF
#   slurm_munge          starts munged unless one answers (sets MUNGE_PID)
#   slurm_wait_idle N    waits until N nodes are idle (60 s)
#   slurm_down           stops the daemons this test started
slurm_conf() {
  mkdir -p $S/state $S/log
  for n in $(echo "$3" | grep -o 'NodeName=[^ ]*' | cut -d= -f2); do mkdir -p $S/spool-$n; done
  cat > $S/slurm.conf << EOF2
ClusterName=citemilltest
SlurmctldHost=$1
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=$2
SlurmdPort=$(($2 + 1))
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool-%n
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd-%n.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
$3
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF2
  export SLURM_CONF=$S/slurm.conf
}
slurm_munge() {
  install -d -o munge -g munge -m 0755 /run/munge
  if ! munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged || return 1
    sleep 0.3
    MUNGE_PID=$(cat /run/munge/munged.pid 2> /dev/null)
  fi
}
slurm_wait_idle() {
  for _ in $(seq 1 240); do
    [ "$(sinfo -h -N -o %T 2> /dev/null | grep -c '^idle$')" = "$1" ] && return 0
    sleep 0.25
  done
  return 1
}
slurm_down() {
  for f in $S/slurmd-*.pid $S/slurmctld.pid; do [ -f $f ] && kill $(cat $f) 2> /dev/null; done
  [ -n "${MUNGE_PID:-}" ] && kill $MUNGE_PID 2> /dev/null
  sleep 0.5
}
