# SPDX-License-Identifier: Apache-2.0
# Shared by the tests that use the test control plane (sourced, after
# test/kernel/lib.sh). The control plane runs on the host (test/cluster/up);
# inside the test VM it is reached at 10.0.2.100:6443 (test/vm/run --apiserver).
# Without one, a test skips (77) on a developer's machine and fails in CI or
# in the VM, where nothing may skip.

# cluster_require: load $KIPVS_CLUSTER_DIR/cluster.env and check that the API
# server answers; sets cluster, cluster_bin, apiserver (its URL from here),
# kubeconfig_dir (the kubeconfigs that use that URL) and kubectl.
cluster_require() {
	if [ -z "${KIPVS_CLUSTER_DIR:-}" ] || [ ! -s "$KIPVS_CLUSTER_DIR/cluster.env" ]; then
		unavailable "no test control plane (KIPVS_CLUSTER_DIR=${KIPVS_CLUSTER_DIR:-unset}; start one with test/cluster/up DIR and pass KIPVS_CLUSTER_DIR=DIR, and in the VM test/vm/run --apiserver PORT)"
	fi
	cluster=$KIPVS_CLUSTER_DIR
	. "$cluster/cluster.env"
	cluster_bin=$KIPVS_CLUSTER_BIN
	if [ -n "${KIPVS_IN_VM:-}" ]; then
		apiserver=https://10.0.2.100:6443
		kubeconfig_dir=$cluster/guest
	else
		apiserver=https://127.0.0.1:$KIPVS_APISERVER_PORT
		kubeconfig_dir=$cluster
	fi
	kubectl=("$cluster_bin/kubectl" --kubeconfig "$kubeconfig_dir/admin.kubeconfig")
	if ! curl -fsS --max-time 20 --cacert "$cluster/pki/ca.crt" "$apiserver/readyz" >/dev/null; then
		echo "FAIL: the test API server does not answer at $apiserver/readyz" >&2
		cluster_logs
		exit 1
	fi
}

# cluster_kernel_test: the start of a test that runs the real kube-proxy in
# the VM against the control plane: root, IPVS, network namespaces, the
# control plane (cluster_require) and the kube-proxy binary.
cluster_kernel_test() {
	require_root
	require "IPVS (ip_vs)" has_ipvs
	require "network namespaces" ip netns list
	cluster_require
	[ -x "$cluster_bin/kube-proxy" ] ||
		{ echo "FAIL: $cluster_bin/kube-proxy is missing (test/cluster/build)" >&2; exit 1; }
}

# cluster_logs: the end of the control plane's logs, for a failure report.
cluster_logs() {
	local log
	for log in "$cluster"/kube-apiserver.log "$cluster"/etcd.log; do
		[ -s "$log" ] || continue
		echo "--- the end of $log" >&2
		tail -n 20 "$log" >&2
	done
}

# api_relay NETNS DIR: make the API server reachable from network namespace
# NETNS at https://127.0.0.1:6443 (a relay there, through a Unix socket in DIR,
# to a relay in this namespace, which reaches the host through QEMU), and
# write DIR/USER.kubeconfig for admin and kube-proxy with that address.
# The relays' pids are added to relay_pids.
relay_pids=
api_relay() {
	local netns=$1 dir=$2 socket=$2/api.sock user
	socat "UNIX-LISTEN:$socket,fork" "TCP:${apiserver#https://}" &
	relay_pids="$relay_pids $!"
	until_ok 10 test -S "$socket" || { echo "FAIL: the API relay did not start" >&2; exit 1; }
	ip netns exec "$netns" socat TCP-LISTEN:6443,bind=127.0.0.1,reuseaddr,fork \
		"UNIX-CONNECT:$socket" &
	relay_pids="$relay_pids $!"
	for user in admin kube-proxy; do
		sed "s|^\(    server: \).*|\1https://127.0.0.1:6443|" \
			"$kubeconfig_dir/$user.kubeconfig" >"$dir/$user.kubeconfig"
	done
	if ! until_ok 20 ip netns exec "$netns" curl -fsS --max-time 5 \
		--cacert "$cluster/pki/ca.crt" https://127.0.0.1:6443/readyz; then
		echo "FAIL: the API server does not answer through the relay in $netns" >&2
		exit 1
	fi
}

# api_relay_stop: the API server becomes unreachable from the namespace of
# api_relay: its relays go, with the connections they forked (a watch's own
# relay would otherwise keep it open).
api_relay_stop() {
	local pid
	for pid in $relay_pids; do
		pkill -KILL -P "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	done
	# shellcheck disable=SC2086
	wait $relay_pids 2>/dev/null
	relay_pids=
}

# metric_value NAME: from Prometheus text on stdin, the value of the series
# NAME, labels included as printed (name{label="value"}); empty if absent.
metric_value() {
	awk -v name="$1" '$1 == name { print $2; exit }'
}

# number_at_least A B: A >= B, both decimal or Prometheus exponent notation.
number_at_least() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# kube_proxy_start NETNS DIR NODE-NAME: the real kube-proxy in IPVS mode in
# NETNS, with kube-proxy's identity (DIR/kube-proxy.kubeconfig from
# api_relay), logging to DIR/kube-proxy.log; its pid in kube_proxy_pid.
# --conntrack-max-per-core=0: nf_conntrack_max is read-only outside the
# initial network namespace.
kube_proxy_pid=
kube_proxy_start() {
	ip netns exec "$1" "$cluster_bin/kube-proxy" --proxy-mode=ipvs \
		--kubeconfig="$2/kube-proxy.kubeconfig" --hostname-override="$3" \
		--cluster-cidr=10.244.0.0/16 --conntrack-max-per-core=0 \
		--metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256 \
		--v=2 >>"$2/kube-proxy.log" 2>&1 &
	kube_proxy_pid=$!
}

# kube_proxy_synced_since NETNS EPOCH-SECONDS: kube-proxy in NETNS reports a
# sync at or after EPOCH of both IP families' proxiers (v1.35 runs one per
# family and labels kubeproxy_sync_proxy_rules_last_timestamp_seconds so).
kube_proxy_synced_since() {
	local text family
	text=$(ip netns exec "$1" curl -fsS --max-time 5 http://127.0.0.1:10249/metrics) || return 1
	for family in IPv4 IPv6; do
		number_at_least "$(metric_value "kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"$family\"}" <<<"$text")" "$2" || return 1
	done
}

# node_pod_client P NET POD_IP POD_LINK: three network namespaces for a
# proxy under traffic: P-node (NET.1, the node the proxy runs in), P-client
# (NET.100, an outside client routed through the node, on veth P-up/P-down)
# and P-pod (POD_IP, a routed veth POD_LINK on the node as a CNI plugin
# makes it), whose server (test/e2e/server.py, TCP 8080) answers with
# "P-pod"; its pid goes into pids. (Link names of their own: the guest's eth0
# is its link to the API server.)
node_pod_client() {
	local p=$1 net=$2 pod=$3 link=$4 n
	for n in "$p-node" "$p-client" "$p-pod"; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	ip netns exec "$p-node" sysctl -qw net.ipv4.ip_forward=1
	ip link add "$p-up" netns "$p-node" type veth peer name "$p-down" netns "$p-client"
	ip -n "$p-node" addr add "$net.1/24" dev "$p-up"
	ip -n "$p-client" addr add "$net.100/24" dev "$p-down"
	ip -n "$p-node" link set "$p-up" up
	ip -n "$p-client" link set "$p-down" up
	ip -n "$p-client" route add default via "$net.1"
	ip link add "$link" netns "$p-node" type veth peer name eth0 netns "$p-pod"
	ip netns exec "$p-node" sysctl -qw "net.ipv4.conf.$link.proxy_arp=1" "net.ipv4.neigh.$link.proxy_delay=0"
	ip -n "$p-node" link set "$link" up
	# The pod's gateway on the host side (the node has no default route for proxy ARP to use).
	ip -n "$p-node" addr add 169.254.1.1/32 dev "$link"
	ip -n "$p-node" route add "$pod/32" dev "$link"
	ip -n "$p-pod" addr add "$pod/32" dev eth0
	ip -n "$p-pod" link set eth0 up
	ip -n "$p-pod" route add 169.254.1.1 dev eth0
	ip -n "$p-pod" route add default via 169.254.1.1 dev eth0
	ip netns exec "$p-pod" python3 "$KIPVS_SOURCE_DIR/test/e2e/server.py" "$p-pod" "$pod" tcp:8080 </dev/null &
	pids+=($!)
}

# traffic_loop NAME NETNS HOST PORT: requests (test/e2e/client.py loop) every
# 50 ms until $work/stop exists, one line each in $work/NAME.out; its pid goes
# into pids.
traffic_loop() {
	ip netns exec "$2" python3 "$KIPVS_SOURCE_DIR/test/e2e/client.py" loop "$3" "$4" "$work/stop" \
		>"$work/$1.out" 2>&1 &
	pids+=($!)
}
# loop_answered NAME POD COUNT: the loop has at least COUNT answers from POD.
loop_answered() { [ "$(grep -c "^$2 " "$work/$1.out")" -ge "$3" ]; }
loop_failed() { grep -c FAIL "$work/$1.out"; }
# loops_answer WHAT POD NAME...: each loop gets 20 more answers from POD within 30 s.
loops_answer() {
	local what=$1 pod=$2 l
	shift 2
	for l; do
		check "$what: the $l loop gets answers" \
			until_ok 30 loop_answered "$l" "$pod" $(($(grep -c . "$work/$l.out") + 20))
	done
}
# loops_end WHAT NAME...: stop the loops; not one request failed.
loops_end() {
	local what=$1 l
	shift
	touch "$work/stop"
	sleep 1
	for l; do
		check "$what: no $l request failed ($(grep -c . "$work/$l.out") requests, $(loop_failed "$l") failed)" \
			test "$(loop_failed "$l")" = 0
	done
}
