#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The oracle: the real kube-proxy v1.35 in IPVS mode, in a network namespace
# of the test VM, against the host's kube-apiserver (test/cluster/up), with
# kube-proxy's own identity. kubectl creates a Node and five Services
# (ClusterIP, NodePort, externalIP, ClientIP affinity, a load balancer with
# a source range that leaves the node out) with EndpointSlices;
# once kube-proxy reports a sync (kubeproxy_sync_proxy_rules_last_timestamp_seconds
# on :10249, which v1.35 labels per IP family: both families), its IPVS rules, ipsets, iptables rules and kube-ipvs0 addresses
# must hold them, and test/cluster/kernel-state must dump them normalised. Then
# an endpoint is added and one removed, and kube-proxy must show both.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"
. "$KIPVS_SOURCE_DIR/test/cluster/lib.sh"

cluster_kernel_test

here=$KIPVS_SOURCE_DIR/test/cluster-kernel
ns=kp-oracle
node_ip=192.168.70.2
work=$(mktemp -d)
proxy=
cleanup() {
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null && wait "$proxy" 2>/dev/null
	# shellcheck disable=SC2086
	kill $relay_pids 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# On a failed check, what kube-proxy and the API server said.
report() {
	echo "--- the end of kube-proxy's log ($work/kube-proxy.log)" >&2
	tail -n 40 "$work/kube-proxy.log" >&2
	cluster_logs
}

# --- the node: a network namespace with one address ----------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type dummy
ip -n "$ns" addr add "$node_ip/24" dev eth0
ip -n "$ns" link set eth0 up
api_relay "$ns" "$work"

# --- the objects ------------------------------------------------------------------
if ! "${kubectl[@]}" apply -f "$here/oracle-objects.yaml" >"$work/apply.log" 2>&1; then
	cat "$work/apply.log" >&2
	echo "FAIL: kubectl could not create the test objects" >&2
	exit 1
fi
if ! "${kubectl[@]}" -n oracle patch service fenced --subresource=status --type=merge \
	-p '{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.20"}]}}}' >>"$work/apply.log" 2>&1; then
	cat "$work/apply.log" >&2
	echo "FAIL: kubectl could not set the load balancer's ingress IP" >&2
	exit 1
fi

# --- kube-proxy ----------------------------------------------------------------------
start_time=$(date +%s)
kube_proxy_start "$ns" "$work" oracle-node
proxy=$kube_proxy_pid
synced_since() { kube_proxy_synced_since "$ns" "$1"; }
if ! until_ok 300 synced_since "$start_time"; then
	report
	echo "FAIL: kube-proxy did not report a sync within 300 s" >&2
	exit 1
fi
echo "ok - kube-proxy synced ($(grep -c . "$work/kube-proxy.log") log lines)"
ipvs=$(ip netns exec "$ns" ipvsadm -Sn)
sets=$(ip netns exec "$ns" ipset save)
rules=$(ip netns exec "$ns" iptables-save)
addresses=$(ip -n "$ns" -o addr show dev kube-ipvs0)

has() { # WHAT TEXT LINE: TEXT has LINE (whole line)
	grep -qxF -- "$3" <<<"$2" && return 0
	echo "  $1 lacks: $3" >&2
	return 1
}
has_all() { # WHAT TEXT LINE...
	local what=$1 text=$2 ok=0
	shift 2
	for line; do has "$what" "$text" "$line" || ok=1; done
	return $ok
}

check "ClusterIP virtual server and its two real servers" has_all ipvs "$ipvs" \
	"-A -t 10.96.100.10:80 -s rr" \
	"-a -t 10.96.100.10:80 -r 10.244.1.5:8080 -m -w 1" \
	"-a -t 10.96.100.10:80 -r 10.244.1.6:8080 -m -w 1"
check "NodePort on the node's address" has_all ipvs "$ipvs" \
	"-A -t $node_ip:30080 -s rr" "-a -t $node_ip:30080 -r 10.244.1.7:8080 -m -w 1"
check "UDP externalIP" has_all ipvs "$ipvs" \
	"-A -u 203.0.113.10:53 -s rr" "-a -u 203.0.113.10:53 -r 10.244.1.8:5353 -m -w 1"
check "ClientIP affinity as persistence" has_all ipvs "$ipvs" \
	"-A -t 10.96.100.13:80 -s rr -p 10800"
check "the kubernetes Service points at the API server" has_all ipvs "$ipvs" \
	"-a -t 10.96.0.1:443 -r 10.0.2.100:6443 -m -w 1"
check "ipset members" has_all ipset "$sets" \
	"add KUBE-CLUSTER-IP 10.96.100.10,tcp:80" "add KUBE-CLUSTER-IP 10.96.100.12,udp:53" \
	"add KUBE-NODE-PORT-TCP 30080" "add KUBE-EXTERNAL-IP 203.0.113.10,udp:53"
check "iptables rules match the sets" has_all iptables "$rules" \
	"-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port for masquerade purpose\" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ"
check "iptables: KUBE-SERVICES hooked into nat PREROUTING and OUTPUT" has_all iptables "$rules" \
	"-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" \
	"-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
# The load balancer closed to the node: its virtual server, its firewall
# sets, and the node's own traffic to it dropped (kipvs writes the same rule).
check "load balancer with a source range" has_all ipvs "$ipvs" \
	"-A -t 203.0.113.20:80 -s rr" "-a -t 203.0.113.20:80 -r 10.244.1.10:8080 -m -w 1"
check "its firewall sets" has_all ipset "$sets" \
	"add KUBE-LOAD-BALANCER-FW 203.0.113.20,tcp:80" \
	"add KUBE-LOAD-BALANCER-SOURCE-CIDR 203.0.113.20,tcp:80,192.0.2.0/24"
out_filter=$(grep -- '^-A KUBE-IPVS-OUT-FILTER' <<<"$rules")
echo "  kube-proxy's KUBE-IPVS-OUT-FILTER: ${out_filter:-none}"
# As iptables-save prints it (the match's options in its own order).
check "the node's own traffic to it is dropped" has iptables "$out_filter" \
	"-A KUBE-IPVS-OUT-FILTER -s 203.0.113.20/32 -m ipvs --vproto 6 --vaddr 203.0.113.20 --vport 80 -j DROP"
# externalTrafficPolicy Local, no endpoint on this node: the NodePort's
# virtual server gets the cluster's endpoints ("allow access from local
# pods", proxier.go), the ClusterIP's too.
remote_local=$(grep -- '-t [0-9.]*:30082 \|-t 10.96.100.15:80 ' <<<"$ipvs")
echo "  kube-proxy's ETP Local NodePort without a local endpoint: ${remote_local:-none}"
check "ETP Local without a local endpoint: the NodePort falls back to the cluster's endpoints" \
	has ipvs "$ipvs" "-a -t $node_ip:30082 -r 10.244.2.10:8080 -m -w 1"
check "and the ClusterIP serves the remote endpoint" \
	has ipvs "$ipvs" "-a -t 10.96.100.15:80 -r 10.244.2.10:8080 -m -w 1"
for vip in 10.96.100.10 10.96.100.11 10.96.100.12 10.96.100.13 10.96.100.14 10.96.100.15 203.0.113.10 203.0.113.20; do
	check "kube-ipvs0 has $vip" grep -q " inet $vip/32 " <<<"$addresses"
done

# The normalised dump: probe left out, every section present, node IP mapped.
state=$("$KIPVS_SOURCE_DIR/test/cluster/kernel-state" --netns "$ns" --map "$node_ip=NODE_IP")
check "kernel-state has every section" has_all kernel-state "$state" \
	"## ipvs" "## timeouts" "## ipset" "## iptables" "## ip6tables" "## kube-ipvs0" "## sysctl"
check "kernel-state maps the node's address" has_all kernel-state "$state" \
	"-A -t NODE_IP:30080 -s rr" "net.ipv4.vs.conntrack = 1"
check "kernel-state leaves out kube-proxy's scheduler probe" \
	bash -c "! grep -q 198.51.100.0 <<<\"\$1\"" _ "$state"
stable() {
	local again
	again=$("$KIPVS_SOURCE_DIR/test/cluster/kernel-state" --netns "$ns" --map "$node_ip=NODE_IP")
	[ "$again" = "$state" ] && return 0
	# (no process substitution: the guest's /dev has no /dev/fd)
	echo "$state" >"$work/state.1"
	echo "$again" >"$work/state.2"
	diff "$work/state.1" "$work/state.2" >&2
	return 1
}
check "kernel-state is stable" stable

# --- a change through the API ---------------------------------------------------------
change_time=$(date +%s)
"${kubectl[@]}" -n oracle patch endpointslice web-1 --type=json -p '[
	{"op": "remove", "path": "/endpoints/0"},
	{"op": "add", "path": "/endpoints/-", "value": {"addresses": ["10.244.1.20"],
	 "conditions": {"ready": true}, "nodeName": "oracle-node"}}]' >/dev/null ||
	{ echo "FAIL: kubectl could not change the EndpointSlice" >&2; exit 1; }
changed() {
	local now
	now=$(ip netns exec "$ns" ipvsadm -Sn)
	grep -qxF -- "-a -t 10.96.100.10:80 -r 10.244.1.20:8080 -m -w 1" <<<"$now" &&
		! grep -q -- "-a -t 10.96.100.10:80 -r 10.244.1.5:8080" <<<"$now"
}
if ! until_ok 120 changed; then
	ip netns exec "$ns" ipvsadm -Ln -t 10.96.100.10:80 >&2
	"${kubectl[@]}" -n oracle get endpointslice web-1 -o yaml >&2
fi
check "the endpoint change reaches IPVS" changed
check "kube-proxy reports a sync after the change" until_ok 60 synced_since "$change_time"

if ! kill -0 "$proxy" 2>/dev/null; then
	echo "not ok - kube-proxy exited" >&2
	failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] || report
finish
