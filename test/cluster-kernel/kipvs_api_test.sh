#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy --kubeconfig against the host's API server, as kube-proxy's
# identity, in the VM: what kubectl creates, changes and deletes reaches the
# kernel (ClusterIP, NodePort, externalIP, LoadBalancer, session affinity);
# with the API server unreachable for 60 s, request loops through a
# ClusterIP, a NodePort and an externalIP see no failure and the kernel no
# change; once it is back, what changed meanwhile is applied; a restart of
# kipvs-proxy under the loops fails no request either.
#
#   api-client 192.168.72.100 ── api-node 192.168.72.1 (kipvs-proxy)
#   (api-down)                    (api-up)
#                                   └── api-pod 10.244.2.31 (routed veth)
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"
. "$KIPVS_SOURCE_DIR/test/cluster/lib.sh"

cluster_kernel_test

proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
state=$KIPVS_SOURCE_DIR/test/cluster/kernel-state
work=$(mktemp -d)
rm -f /run/kipvs/state
kipvs=
pids=()
cleanup() {
	[ -n "$kipvs" ] && kill "$kipvs" 2>/dev/null
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	# shellcheck disable=SC2086
	kill $relay_pids 2>/dev/null
	wait 2>/dev/null
	for n in api-node api-client api-pod; do ip netns del "$n" 2>/dev/null; done
	"${kubectl[@]}" -n kipvs-api delete service,endpointslice --all --ignore-not-found >/dev/null 2>&1
	"${kubectl[@]}" delete node api-node >/dev/null 2>&1
	rm -rf "$work" /run/kipvs/state
}
trap cleanup EXIT
report() {
	echo "--- the end of kipvs-proxy's log" >&2
	tail -n 40 "$work/kipvs.log" >&2 2>/dev/null
	for loop in cluster nodeport external; do
		[ -e "$work/$loop.out" ] || continue
		echo "--- $loop: $(grep -c . "$work/$loop.out") requests, failures:" >&2
		grep FAIL "$work/$loop.out" | sort | uniq -c >&2
	done
}

# --- the node, its pod, a client ------------------------------------------------------
node_pod_client api 192.168.72 10.244.2.31 cali-a1
api_relay api-node "$work"
check "the pod serves (before any proxy)" \
	until_ok 120 sh -c "ip netns exec api-node python3 '$KIPVS_SOURCE_DIR/test/e2e/client.py' tcp 10.244.2.31 8080 1 | grep -q '^api-pod '"

# --- the objects, through the API -------------------------------------------------------
"${kubectl[@]}" -n kipvs-api delete service,endpointslice --all --ignore-not-found >/dev/null 2>&1
"${kubectl[@]}" create namespace kipvs-api >/dev/null 2>&1
# service NAME SPEC-JSON: a Service of the namespace; slice NAME SERVICE ADDRESS...
service() {
	"${kubectl[@]}" apply -f - >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "$1", "namespace": "kipvs-api"}, "spec": $2}
EOF
}
slice() {
	local name=$1 svc=$2 addresses=
	shift 2
	for a in "$@"; do addresses+="${addresses:+, }{\"addresses\": [\"$a\"], \"nodeName\": \"api-node\"}"; done
	"${kubectl[@]}" apply -f - >/dev/null <<EOF
{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
 "metadata": {"name": "$name", "namespace": "kipvs-api", "labels": {"kubernetes.io/service-name": "$svc"}},
 "addressType": "IPv4", "ports": [{"port": 8080, "protocol": "TCP"}], "endpoints": [$addresses]}
EOF
}
"${kubectl[@]}" apply -f - >/dev/null <<'EOF'
{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "api-node"},
 "status": {"addresses": [{"type": "InternalIP", "address": "192.168.72.1"}]}}
EOF
service web '{"clusterIP": "10.96.102.10", "ports": [{"port": 80, "targetPort": 8080}]}'
slice web-1 web 10.244.2.31
service np '{"type": "NodePort", "clusterIP": "10.96.102.11", "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30190}]}'
slice np-1 np 10.244.2.31
service ext '{"clusterIP": "10.96.102.12", "externalIPs": ["203.0.113.102"], "ports": [{"port": 80, "targetPort": 8080}]}'
slice ext-1 ext 10.244.2.31

ip netns exec api-node "$proxy" --kubeconfig "$work/kube-proxy.kubeconfig" --hostname-override api-node \
	--cluster-cidr=10.244.0.0/16 --ipvs-sync-period 10m -v 2 >"$work/kipvs.out" 2>"$work/kipvs.log" &
kipvs=$!
check "kipvs-proxy lists the API and syncs" until_ok 120 grep -q 'full sync' "$work/kipvs.log"
check "it says where the API server is" grep -q 'the API server: https://127.0.0.1:6443' "$work/kipvs.log"
vs() { ip netns exec api-node ipvsadm -Ln -t "$1" 2>/dev/null; }
has_rs() { vs "$1" | grep -q -- "-> $2 "; }
check "the ClusterIP serves the pod" has_rs 10.96.102.10:80 10.244.2.31:8080
check "the NodePort on the node's address" has_rs 192.168.72.1:30190 10.244.2.31:8080
check "the externalIP" has_rs 203.0.113.102:80 10.244.2.31:8080

traffic_loop cluster api-node 10.96.102.10 80
traffic_loop nodeport api-client 192.168.72.1 30190
traffic_loop external api-client 203.0.113.102 80
failed() { loop_failed "$@"; }
for l in cluster nodeport external; do
	check "the $l loop gets answers" until_ok 60 loop_answered "$l" api-pod 5
done

# --- kubectl changes reach the kernel ---------------------------------------------------
service lb '{"type": "LoadBalancer", "clusterIP": "10.96.102.13", "sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30191}]}'
"${kubectl[@]}" -n kipvs-api patch service lb --subresource=status --type=merge \
	-p '{"status": {"loadBalancer": {"ingress": [{"ip": "198.18.102.13"}]}}}' >/dev/null
slice lb-1 lb 10.244.2.41 10.244.2.42
check "a new LoadBalancer Service: its ClusterIP, with affinity" \
	until_ok 30 sh -c "ip netns exec api-node ipvsadm -Ln -t 10.96.102.13:80 | grep -q persistent"
check "its load-balancer IP" until_ok 30 has_rs 198.18.102.13:80 10.244.2.42:8080
check "its NodePort" until_ok 30 has_rs 192.168.72.1:30191 10.244.2.41:8080
slice lb-1 lb 10.244.2.41
check "an endpoint removed from its slice goes" \
	until_ok 30 sh -c "! ip netns exec api-node ipvsadm -Ln -t 10.96.102.13:80 | grep -q 10.244.2.42"
"${kubectl[@]}" -n kipvs-api delete service lb >/dev/null
"${kubectl[@]}" -n kipvs-api delete endpointslice lb-1 >/dev/null
lb_gone() {
	! vs 10.96.102.13:80 >/dev/null && ! vs 198.18.102.13:80 >/dev/null && ! vs 192.168.72.1:30191 >/dev/null &&
		! ip -n api-node -o addr show dev kube-ipvs0 | grep -q ' 10.96.102.13/32 '
}
check "the deleted Service goes entirely" until_ok 30 lb_gone

# --- the API server unreachable for 60 s ------------------------------------------------
before=$("$state" --netns api-node)
changes_before=$(grep -c 'sync of' "$work/kipvs.log")
api_relay_stop
rm -f "$work/api.sock"
check "kipvs-proxy notices the API server is gone" \
	until_ok 30 grep -Eq 'W (watch|list) [a-z]+: GET https://127.0.0.1:6443/.*(refused|closed)' "$work/kipvs.log"
# Meanwhile, the cluster changes (kubectl in the guest still reaches the API server).
service later '{"clusterIP": "10.96.102.14", "ports": [{"port": 80, "targetPort": 8080}]}'
slice later-1 later 10.244.2.31
sleep 60
after=$("$state" --netns api-node)
check "60 s without the API server: the kernel did not change" test "$before" = "$after"
check "no sync changed anything meanwhile" test "$(grep -c 'sync of' "$work/kipvs.log")" = "$changes_before"
for l in cluster nodeport external; do
	check "API server away: no $l request failed ($(failed "$l"))" test "$(failed "$l")" = 0
done
check "kipvs-proxy still runs" kill -0 "$kipvs"
api_relay api-node "$work"
check "once the API server is back, what changed meanwhile is applied" \
	until_ok 90 has_rs 10.96.102.14:80 10.244.2.31:8080

# --- kipvs-proxy restarted under the loops ----------------------------------------------
kill -TERM "$kipvs"
wait "$kipvs"
ip netns exec api-node "$proxy" --kubeconfig "$work/kube-proxy.kubeconfig" --hostname-override api-node \
	--cluster-cidr=10.244.0.0/16 --ipvs-sync-period 10m -v 2 >"$work/kipvs.out" 2>"$work/kipvs2.log" &
kipvs=$!
check "the restarted kipvs-proxy syncs" until_ok 120 grep -q 'full sync' "$work/kipvs2.log"
check "its first full sync changed nothing (adopted what it had programmed)" \
	grep -q 'full sync: added=0 updated=0 deleted=0 failed=0' "$work/kipvs2.log"
loops_answer "after the restart" api-pod cluster nodeport external
loops_end "in all" cluster nodeport external

[ "$failures" -ne 0 ] && report
finish
