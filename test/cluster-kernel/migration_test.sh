#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Moving a node from kube-proxy to kipvs and back, under traffic: the real
# kube-proxy v1.35 (IPVS mode, against the host's API server) programs a
# node while three request loops run, through a ClusterIP (from the node),
# a NodePort and an externalIP (from a client); kube-proxy stops as a
# DaemonSet rollout stops it, kipvs-proxy starts over what it left (the same
# objects as manifests): no request fails, the kernel converges to kipvs's
# state (nothing more to change), and a Service deleted afterwards goes
# entirely (its NodePort on the node's address too). Then kube-proxy takes
# the node back from kipvs, again without a failed request.
#
#   mig-client 192.168.71.100 ── mig-node 192.168.71.1 (kube-proxy, kipvs-proxy)
#   (mig-down)                    (mig-up)
#                                   └── mig-pod 10.244.1.31 (routed veth)
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"
. "$KIPVS_SOURCE_DIR/test/cluster/lib.sh"

cluster_kernel_test

here=$KIPVS_SOURCE_DIR/test/cluster-kernel
e2e=$KIPVS_SOURCE_DIR/test/e2e
proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
ns=mig-node
work=$(mktemp -d)
manifests=$work/manifests
mkdir "$manifests"
rm -f /run/kipvs/state
kipvs=
pids=()
cleanup() {
	[ -n "$kube_proxy_pid" ] && kill "$kube_proxy_pid" 2>/dev/null
	[ -n "$kipvs" ] && kill "$kipvs" 2>/dev/null
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	# shellcheck disable=SC2086
	kill $relay_pids 2>/dev/null
	wait 2>/dev/null
	for n in mig-node mig-client mig-pod; do ip netns del "$n" 2>/dev/null; done
	"${kubectl[@]}" -n migration delete service,endpointslice --all --ignore-not-found >/dev/null 2>&1
	"${kubectl[@]}" delete node mig-node >/dev/null 2>&1
	rm -rf "$work" /run/kipvs/state
}
trap cleanup EXIT
report() {
	echo "--- the end of kube-proxy's log" >&2
	tail -n 30 "$work/kube-proxy.log" >&2
	echo "--- the end of kipvs-proxy's log" >&2
	tail -n 30 "$work/kipvs.log" >&2 2>/dev/null
	for loop in cluster nodeport external; do
		echo "--- $loop: $(grep -c . "$work/$loop.out") requests, failures:" >&2
		grep FAIL "$work/$loop.out" | sort | uniq -c >&2
	done
}

# --- the node, its pod, a client ------------------------------------------------------
node_pod_client mig 192.168.71 10.244.1.31 cali-m1
api_relay mig-node "$work"

ask() { local n=$1; shift; ip netns exec "$n" python3 "$e2e/client.py" "$@"; }
check "the pod serves (before any proxy)" \
	until_ok 120 sh -c "ip netns exec mig-node python3 '$e2e/client.py' tcp 10.244.1.31 8080 1 | grep -q '^mig-pod '"

# --- kube-proxy serves the node ---------------------------------------------------------
# What an earlier run left (the test control plane has no namespace controller,
# so a deleted namespace would stay terminating: objects are deleted instead).
"${kubectl[@]}" -n migration delete service,endpointslice --all --ignore-not-found >/dev/null 2>&1
if ! "${kubectl[@]}" apply -f "$here/migration-objects.yaml" >"$work/apply.log" 2>&1; then
	cat "$work/apply.log" >&2
	echo "FAIL: kubectl could not create the test objects" >&2
	exit 1
fi
cp "$here/migration-objects.yaml" "$manifests/objects.yaml"
start=$(date +%s)
kube_proxy_start mig-node "$work" mig-node
if ! until_ok 300 kube_proxy_synced_since mig-node "$start"; then
	report
	echo "FAIL: kube-proxy did not report a sync within 300 s" >&2
	exit 1
fi
echo "ok - kube-proxy serves the node"

traffic_loop cluster mig-node 10.96.101.10 80
traffic_loop nodeport mig-client 192.168.71.1 30090
traffic_loop external mig-client 203.0.113.90 80
for l in cluster nodeport external; do
	check "kube-proxy: the $l loop gets answers" until_ok 60 loop_answered "$l" mig-pod 5
done
failed() { loop_failed "$@"; }
for l in cluster nodeport external; do
	check "kube-proxy: no $l request failed ($(failed "$l"))" test "$(failed "$l")" = 0
done

# --- kube-proxy stops, kipvs-proxy starts over its leftovers ----------------------------------
kill -TERM "$kube_proxy_pid"
wait "$kube_proxy_pid"
kube_proxy_pid=
ip netns exec mig-node "$proxy" --manifests "$manifests" --hostname-override mig-node \
	--cluster-cidr=10.244.0.0/16 --ipvs-sync-period 10m -v 2 >"$work/kipvs.out" 2>"$work/kipvs.log" &
kipvs=$!
check "kipvs-proxy's first full sync" until_ok 120 grep -q 'full sync' "$work/kipvs.log"
loops_answer kipvs mig-pod cluster nodeport external
for l in cluster nodeport external; do
	check "kube-proxy to kipvs: no $l request failed ($(failed "$l"))" test "$(failed "$l")" = 0
done
would_change() { grep '^would' | grep -v '^would ensure'; }
dry=$(ip netns exec mig-node "$proxy" --manifests "$manifests" --hostname-override mig-node \
	--cluster-cidr=10.244.0.0/16 --sync-once --dry-run 2>/dev/null)
check "the kernel converged to kipvs's state (a dry run would change: $(would_change <<<"$dry" | head -n 3 | tr '\n' ';'))" \
	test -z "$(would_change <<<"$dry")"
check "kube-proxy's kubernetes Service (not in kipvs's manifests) is gone" \
	sh -c "! ip netns exec mig-node ipvsadm -Ln -t 10.96.0.1:443 >/dev/null 2>&1"

# A Service deleted now goes entirely, its NodePort on the node's address too.
"${kubectl[@]}" -n migration delete service gone >/dev/null
"${kubectl[@]}" -n migration delete endpointslice gone-1 >/dev/null
python3 - "$manifests/objects.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("\n---\n")
kept = [d for d in docs if "name: gone" not in d and "name: gone-1" not in d]
open(path + ".tmp", "w").write("\n---\n".join(kept))
PY
mv "$manifests/objects.yaml.tmp" "$manifests/objects.yaml"
gone() {
	! ip netns exec mig-node ipvsadm -Ln -t 10.96.101.13:80 >/dev/null 2>&1 &&
		! ip netns exec mig-node ipvsadm -Ln -t 192.168.71.1:30091 >/dev/null 2>&1 &&
		! ip -n mig-node -o addr show dev kube-ipvs0 | grep -q ' 10.96.101.13/32 ' &&
		! ip netns exec mig-node ipset list KUBE-NODE-PORT-TCP | grep -qx 30091
}
check "a Service deleted after the move is fully removed (its adopted NodePort too)" until_ok 30 gone

# --- and back: kube-proxy takes the node from kipvs -------------------------------------------
kill -TERM "$kipvs"
wait "$kipvs"
kipvs=
start=$(date +%s)
kube_proxy_start mig-node "$work" mig-node
check "kube-proxy syncs over kipvs's state" until_ok 300 kube_proxy_synced_since mig-node "$start"
loops_answer "kube-proxy again" mig-pod cluster nodeport external
loops_end "kipvs to kube-proxy" cluster nodeport external

[ "$failures" -ne 0 ] && report
finish
