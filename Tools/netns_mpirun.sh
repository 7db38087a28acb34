#!/usr/bin/env bash
# Runs mpirun across N simulated machines on this host: N network namespaces, each with its own
# address on a virtual Ethernet bridge, one process per "machine", Open MPI's TCP transport
# between them and its launcher reaching each namespace through `ip netns exec` (in place of
# ssh). What real machines share — the binary, the data path, the checkpoint folder — is shared
# here because the file system is.
#   Tools/netns_mpirun.sh N command [arguments…]
# With NETNS_RATE (tc's units: 1gbit, 10gbit), each machine's link sends at most that fast (a
# token bucket on its egress), as a real network would; with
# NETNS_DELAY (50us) each packet also leaves that late (netem, where the kernel has it). With
# NETNS_TX_REPORT=FILE, the bytes each machine's link sent are written there, one line per machine.
# Needs root and iproute2; exits 77 when this host cannot create namespaces (a sandbox) or limit
# their links (a kernel without the qdisc), so a test can skip.
set -euo pipefail
machines=$1; shift
[ "$(id -u)" -eq 0 ] && command -v ip > /dev/null && command -v mpirun > /dev/null || exit 77
tag=cz$$
bridge=${tag}br
work=$(mktemp -d)
cleanup() {
    for i in $(seq "$machines"); do ip netns del "${tag}m$i" 2> /dev/null || true; done
    ip link del "$bridge" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ip link add "$bridge" type bridge 2> /dev/null || exit 77
ip link set "$bridge" up
hosts=()
for i in $(seq "$machines"); do
    ns=${tag}m$i
    ip netns add "$ns" || exit 77
    ip link add "${tag}v$i" type veth peer name "${tag}p$i"
    ip link set "${tag}p$i" master "$bridge" up
    ip link set "${tag}v$i" netns "$ns"
    # Each run has a bridge of its own, so addresses never meet another run's.
    ip -n "$ns" addr add "10.78.0.$i/24" dev "${tag}v$i"
    ip -n "$ns" link set "${tag}v$i" up
    ip -n "$ns" link set lo up
    if [ -n "${NETNS_DELAY:-}" ]; then
        ip netns exec "$ns" tc qdisc add dev "${tag}v$i" root netem limit 100000 \
            ${NETNS_RATE:+rate "$NETNS_RATE"} delay "$NETNS_DELAY" || exit 77
    elif [ -n "${NETNS_RATE:-}" ]; then
        # Bursts no larger than the biggest segment the veth offloads, so that a link idle
        # during the compute cannot send the next message faster than the rate.
        ip netns exec "$ns" tc qdisc add dev "${tag}v$i" root tbf rate "$NETNS_RATE" burst 256kb latency 100ms || exit 77
    fi
    hosts+=("$(ip -n "$ns" -4 -o addr show dev "${tag}v$i" | awk '{print $4}' | cut -d/ -f1)")
done
# Each machine's own temporary folder: Open MPI names its session folders by host name, which
# every namespace shares, so daemons in one /tmp would create and remove each other's.
for i in $(seq "$machines"); do mkdir "$work/m$i"; done
# The launcher agent: called as `agent [options] HOST COMMAND…`, it runs COMMAND in HOST's namespace.
cat > "$work/agent" <<AGENT
#!/bin/sh
while [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1; shift
i=1
for h in ${hosts[*]}; do
    if [ "\$h" = "\$host" ]; then exec ip netns exec ${tag}m\$i env TMPDIR=$work/m\$i OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 sh -c "\$*"; fi
    i=\$((i + 1))
done
echo "agent: unknown host \$host" >&2
exit 1
AGENT
chmod +x "$work/agent"
hostlist=$(printf '%s:1,' "${hosts[@]}")
subnet=10.78.0.0/24
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
# Every "machine" is this host: mpirun would bind each one's first process to the same core, and
# processes waiting for a message must yield the cores they share; every namespace has the host's
# name, which confuses the daemons' tree of routes now and then, so each daemon talks to mpirun
# directly; and the daemons, all on one host, would each write hwloc's topology into shared memory
# at the same address (a crash now and then), so the run-time control that binds is left out.
ip netns exec "${tag}m1" env TMPDIR="$work/m1" mpirun -n "$machines" --host "${hostlist%,}" --mca plm_rsh_agent "$work/agent" \
    --bind-to none --mca rtc ^hwloc --mca mpi_yield_when_idle 1 --mca routed direct --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" "$@" || status=$?
if [ -n "${NETNS_TX_REPORT:-}" ]; then
    for i in $(seq "$machines"); do ip netns exec "${tag}m$i" cat "/sys/class/net/${tag}v$i/statistics/tx_bytes"; done > "$NETNS_TX_REPORT"
fi
exit "$status"
