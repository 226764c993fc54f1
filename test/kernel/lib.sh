# SPDX-License-Identifier: Apache-2.0
# Shared by the kernel tests (sourced). A kernel test needs a feature the
# host may lack: outside the test VM it skips (exit 77); inside the VM
# (KIPVS_IN_VM=1), where every feature must be there, a missing one fails.

# unavailable WHY: something a test needs besides the kernel (the test
# control plane, its binaries) is missing. In the VM or in CI that is a
# failure (nothing may skip there); on a developer's machine a skip.
unavailable() {
	if [ -n "${KIPVS_IN_VM:-}" ] || [ "${CI:-}" = true ]; then
		echo "FAIL: $1" >&2
		exit 1
	fi
	echo "SKIP: $1" >&2
	exit 77
}

require() {
	local feature=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		if [ -n "${KIPVS_IN_VM:-}" ]; then
			echo "FAIL: the test VM's kernel lacks $feature" >&2
			exit 1
		fi
		echo "SKIP: this kernel lacks $feature (run the kernel suite in test/vm/run)" >&2
		exit 77
	fi
}

require_root() {
	require "root privileges (CAP_NET_ADMIN)" test "$(id -u)" = 0
}

has_ipvs() { ipvsadm -Ln; }
has_dummy() {
	ip link add kipvs-probe0 type dummy && ip link del kipvs-probe0
}
has_ipset() { ipset list -n; }

# Run the rest of the test in a new network namespace of its own, so that
# nothing it creates outlives it or meets another test's objects.
isolate() {
	if [ -z "${KIPVS_ISOLATED:-}" ]; then
		KIPVS_ISOLATED=1 exec unshare --net -- "$BASH" "$0" "$@"
	fi
	ip link set lo up
}

# The start of a test of kipvs-proxy against the kernel: root, a network
# namespace of its own, and what kipvs-proxy programs (IPVS, dummy links,
# ipsets). Pass the test's "$@".
proxy_kernel_test() {
	require_root
	isolate "$@"
	require "IPVS (ip_vs)" has_ipvs
	require "dummy links" has_dummy
	require "ipset" has_ipset
}

# The start of an end-to-end test: root, a network and a mount namespace of
# its own (its own /run holds the namespaces' names, the iptables lock and
# kipvs's ownership record), and what kipvs-proxy and the test's network
# need. Pass the test's "$@".
e2e_test() {
	require_root
	if [ -z "${KIPVS_ISOLATED:-}" ]; then
		KIPVS_ISOLATED=1 exec unshare --net --mount -- "$BASH" "$0" "$@"
	fi
	mount -t tmpfs tmpfs /run
	ip link set lo up
	require "IPVS (ip_vs)" has_ipvs
	require "dummy links" has_dummy
	require "ipset" has_ipset
	require "veth links" sh -c 'ip link add kipvs-vprobe0 type veth peer name kipvs-vprobe1 && ip link del kipvs-vprobe0'
	require "python3" python3 -c ''
}

# daemon_workspace: what a test of kipvs-proxy as a daemon works in: $proxy,
# a scratch $work with an empty $manifests directory, $log for the daemon's
# log, no ownership record left by an earlier test, and put NAME (stdin
# becomes $manifests/NAME, atomically).
daemon_workspace() {
	proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
	work=$(mktemp -d)
	manifests=$work/manifests
	log=$work/proxy.log
	mkdir "$manifests"
	rm -f /run/kipvs/state
}
put() { write_atomically "$manifests/$1"; }

# pod_netns NAME ADDRESS: a network namespace NAME that looks like a pod at
# ADDRESS: a veth pair NAME-host (here) / NAME-eth0 (there), routed the way
# CNI plugins route (a /32 on the pod, a link-local gateway answered by
# proxy ARP on the host side).
pod_netns() {
	local name=$1 address=$2
	ip netns add "$name"
	ip link add "$name-host" type veth peer name "$name-eth0"
	ip link set "$name-eth0" netns "$name"
	ip link set "$name-host" up
	ip -n "$name" link set lo up
	ip -n "$name" addr add "$address/32" dev "$name-eth0"
	ip -n "$name" link set "$name-eth0" up
	ip -n "$name" route add 169.254.1.1 dev "$name-eth0"
	ip -n "$name" route add default via 169.254.1.1 dev "$name-eth0"
	ip addr add 169.254.1.1/32 dev "$name-host" 2>/dev/null || true
	ip route add "$address/32" dev "$name-host"
	sysctl -qw "net.ipv4.conf.$name-host.proxy_arp=1" net.ipv4.ip_forward=1
}

# pod_server NETNS PORT REPLY: in the background ($! is its pid), a TCP
# server in NETNS that answers each line it reads with "REPLY\n".
pod_server() {
	ip netns exec "$1" python3 -c '
import socket, sys, threading
reply = (sys.argv[2] + "\n").encode()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
def serve(c):
    try:
        while c.recv(4096):
            c.sendall(reply)
    except ConnectionResetError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$2" "$3" &
}

# until_ok SECONDS COMMAND...: retry until it succeeds or the time is up.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}

# write_atomically FILE: stdin becomes FILE through a rename, as editors and
# kubectl-like tools write, so a watcher never reads half of it.
write_atomically() {
	local tmp
	tmp="$(dirname "$1")/.$(basename "$1").tmp"
	cat >"$tmp" && mv "$tmp" "$1"
}

check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what" >&2
		failures=$((failures + 1))
	fi
}
failures=0

finish() {
	[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
}
