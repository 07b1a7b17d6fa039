# Sourced by tests/test_multihost.sh and tests/slurm/test_slurm_nodes.sh:
# "hosts" on this machine as network namespaces, each with its own address on
# a bridge and no other route, so processes of two hosts talk over TCP only.
# The file system stays shared, as on a cluster.
#   netns_up PREFIX HOST...  creates namespaces PREFIX<HOST> on bridge
#                            ${PREFIX}br, addresses $NET.11, .12, ... (sets NET,
#                            the /24 chosen); status 77 with SKIP_WHY set
#                            where this machine cannot make them
#   netns_down               kills what runs in them, removes them
NETNS_PREFIX=
NETNS_HOSTS=
netns_up() {
  NETNS_PREFIX=$1
  shift
  NETNS_HOSTS="$*"
  [ "$(id -u)" = 0 ] || { SKIP_WHY="network namespaces need root"; return 77; }
  for c in ip unshare nsenter; do
    command -v $c > /dev/null || { SKIP_WHY="no '$c' command"; return 77; }
  done
  NET=
  for third in $(seq 91 140); do # a /24 no interface of this machine uses yet
    ip -4 addr | grep -q " 10\.213\.$third\." || { NET=10.213.$third; break; }
  done
  [ -n "$NET" ] || { SKIP_WHY="no free 10.213.x.0/24 subnet for the test bridge"; return 77; }
  local br=${NETNS_PREFIX}br err i=0
  err=$(ip link add $br type bridge 2>&1) || { SKIP_WHY="cannot create a bridge ($err)"; return 77; }
  ip addr add $NET.1/24 dev $br && ip link set $br up || return 1
  for h in $NETNS_HOSTS; do
    i=$((i + 1))
    err=$(ip netns add $NETNS_PREFIX$h 2>&1) || { SKIP_WHY="cannot create a network namespace ($err)"; return 77; }
    ip link add ${NETNS_PREFIX}v$i type veth peer name eth0 netns $NETNS_PREFIX$h &&
      ip link set ${NETNS_PREFIX}v$i master $br up &&
      ip -n $NETNS_PREFIX$h addr add $NET.$((10 + i))/24 dev eth0 &&
      ip -n $NETNS_PREFIX$h link set eth0 up && ip -n $NETNS_PREFIX$h link set lo up || return 1
  done
}
netns_down() {
  for h in $NETNS_HOSTS; do
    ip netns pids $NETNS_PREFIX$h 2> /dev/null | xargs -r kill -9 2> /dev/null
    ip netns del $NETNS_PREFIX$h 2> /dev/null
  done
  [ -z "$NETNS_PREFIX" ] || ip link del ${NETNS_PREFIX}br 2> /dev/null
}
