#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs's API source at scale, on this machine, against the real
# kube-apiserver of a control plane of its own: for each N, N ClusterIP
# Services x M endpoints (test/cluster/load.py, added to what the previous N
# loaded), then kipvs-api-events --bench: from its start to every object
# listed and decoded (the three lists, parsed and validated; nothing
# printed), its peak RSS and CPU seconds, best of three. kubectl get -o json
# of the same lists is the reference: the same bytes through client-go's
# decoder. Prints a table at the end.
#
#   test/bench/api-source-bench.sh [BUILD_DIR] [SERVICES,...] [ENDPOINTS]
#
# Defaults: build, 1000,5000,20000, 10. Loading 20,000 Services x 10 takes
# several minutes (the API server is the bottleneck).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
counts=${2:-1000,5000,20000}
endpoints=${3:-10}
bin=$build/cluster/bin
tool=$build/test/cluster-api/kipvs-api-events
for program in "$tool" "$bin/kube-apiserver"; do
	[ -x "$program" ] || { echo "api-source-bench: $program is missing (ninja -C $build; test/cluster/build $build)" >&2; exit 1; }
done
export KIPVS_APISERVER_PORT=18443 KIPVS_ETCD_PORT=18379
dir=$(mktemp -d)/cluster
trap '"$top/test/cluster/down" "$dir" >/dev/null 2>&1; rm -rf "$(dirname "$dir")"' EXIT
"$top/test/cluster/up" "$dir" --bin "$bin" >/dev/null

rows=()
for n in ${counts//,/ }; do
	python3 "$top/test/cluster/load.py" --cluster "$dir" --services "$n" --endpoints "$endpoints" \
		--namespace bench --node bench-node=192.0.2.10 >&2
	best=
	for _ in 1 2 3; do
		line=$("$tool" --kubeconfig "$dir/kube-proxy.kubeconfig" --bench yes | grep '^synced:')
		ms=$(sed 's/.* in \([0-9]*\) ms.*/\1/' <<<"$line")
		if [ -z "$best" ] || [ "$ms" -lt "$(sed 's/.* in \([0-9]*\) ms.*/\1/' <<<"$best")" ]; then best=$line; fi
	done
	start=$(date +%s%N)
	for resource in services endpointslices nodes; do
		"$bin/kubectl" --kubeconfig "$dir/kube-proxy.kubeconfig" get "$resource" -A -o json >/dev/null
	done
	kubectl_ms=$((($(date +%s%N) - start) / 1000000))
	rows+=("$n x $endpoints: $best; kubectl get -o json of the same lists: $kubectl_ms ms")
	echo "${rows[-1]}" >&2
done
echo
echo "API source, list and decode of the initial state (best of 3):"
printf '  %s\n' "${rows[@]}"
