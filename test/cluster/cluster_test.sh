#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The test control plane itself, on this machine: test/cluster/up on ports of
# its own answers as v1.35 on 127.0.0.1 and [::1]; ServiceAccount tokens are
# issued and accepted; kube-proxy's identity may read what kube-proxy reads and
# nothing more; the bulk loader creates what it says; a busy port is refused
# with its number; test/cluster/down stops exactly what up started.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

here=$KIPVS_SOURCE_DIR/test/cluster
bin=$KIPVS_BUILD_DIR/cluster/bin
[ -x "$bin/kube-apiserver" ] ||
	unavailable "$bin/kube-apiserver is missing: test/cluster/build $KIPVS_BUILD_DIR"

export KIPVS_APISERVER_PORT=16443 KIPVS_ETCD_PORT=12379
dir=$(mktemp -d)/cluster
blocker=
trap '[ -n "$blocker" ] && kill $blocker; "$here/down" "$dir"; rm -rf "$(dirname "$dir")"' EXIT

# A busy port is named, and nothing is left running.
socat TCP-LISTEN:$KIPVS_ETCD_PORT,bind=127.0.0.1,reuseaddr,fork /dev/null &
blocker=$!
until_ok 10 ss -Htln "sport = :$KIPVS_ETCD_PORT"
"$here/up" "$dir" --bin "$bin" >"$dir.out" 2>&1
status=$?
check "up refuses a busy port, naming it" \
	test $status -ne 0 -a -n "$(grep "port $KIPVS_ETCD_PORT is in use" "$dir.out")"
kill $blocker
wait $blocker 2>/dev/null
blocker=

if ! "$here/up" "$dir" --bin "$bin"; then
	echo "FAIL: test/cluster/up did not start the control plane" >&2
	exit 1
fi
kubectl() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" "$@"; }
as_proxy() { "$bin/kubectl" --kubeconfig "$dir/kube-proxy.kubeconfig" "$@"; }

version=$(kubectl get --raw /version)
check "the API server is v1.35" grep -q '"gitVersion": "v1.35\.' <<<"$version"
answers_on_ipv6() { kubectl --server "https://[::1]:$KIPVS_APISERVER_PORT" get --raw /readyz >/dev/null; }
check "it answers on [::1] too" answers_on_ipv6
check "the kubernetes Service's endpoint is the guest's view of the host" \
	test "$(kubectl get endpointslice -n default kubernetes -o jsonpath='{.endpoints[0].addresses[0]}')" = 10.0.2.100

token=$(kubectl create token kipvs -n kube-system --duration=1h)
check "kubectl create token issues a ServiceAccount token" test -n "$token"
with_token() {
	"$bin/kubectl" --server "https://127.0.0.1:$KIPVS_APISERVER_PORT" \
		--certificate-authority "$dir/pki/ca.crt" --token "$token" "$@"
}
check "the token authenticates as the ServiceAccount" \
	test "$(with_token auth whoami -o jsonpath='{.status.userInfo.username}')" = \
	system:serviceaccount:kube-system:kipvs
check "the ServiceAccount may list EndpointSlices" \
	test "$(with_token auth can-i list endpointslices.discovery.k8s.io)" = yes

# kube-proxy's identity: exactly system:node-proxier.
for verb_resource in "list endpointslices.discovery.k8s.io" "watch endpointslices.discovery.k8s.io" \
	"list services" "watch services" "list nodes" "watch nodes" "create events.events.k8s.io"; do
	# shellcheck disable=SC2086
	check "kube-proxy may $verb_resource" test "$(as_proxy auth can-i $verb_resource)" = yes
done
for verb_resource in "get secrets" "list pods" "update services" "delete endpointslices.discovery.k8s.io"; do
	# shellcheck disable=SC2086
	check "kube-proxy may not $verb_resource" test "$(as_proxy auth can-i $verb_resource 2>/dev/null)" = no
done

# The bulk loader.
out=$(python3 "$here/load.py" --cluster "$dir" --services 200 --endpoints 10 --namespace load \
	--node load-node=192.0.2.10)
echo "$out"
check "the loader says what it created" grep -q "400 objects created, 0 existed" <<<"$out"
check "200 Services are there" test "$(kubectl get services -n load -o name | wc -l)" = 200
check "200 EndpointSlices of 10 endpoints" test "$(kubectl get endpointslices -n load -o json |
	python3 -c 'import json, sys; print(sum(len(s["endpoints"]) == 10 for s in json.load(sys.stdin)["items"]))')" = 200
check "the Node has its address" test "$(kubectl get node load-node \
	-o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')" = 192.0.2.10
out=$(python3 "$here/load.py" --cluster "$dir" --services 200 --namespace load)
check "a second load leaves what exists" grep -q "0 objects created, 400 existed" <<<"$out"

# down stops exactly what up started.
pids=$(cat "$dir"/*.pid)
"$here/down" "$dir"
gone() { for pid in $pids; do ! kill -0 "$pid" 2>/dev/null || return 1; done; }
check "down stops every process up started" gone
check "down frees the ports" \
	test -z "$(ss -Htln "sport = :$KIPVS_APISERVER_PORT or sport = :$KIPVS_ETCD_PORT")"
check "down removes the directory" test ! -e "$dir"
finish
