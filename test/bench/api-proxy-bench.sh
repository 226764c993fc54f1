#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy on the Kubernetes API at scale: a control plane of its own on
# this machine (test/cluster/up), and for each N, N ClusterIP Services x M
# endpoints loaded into it (test/cluster/load.py, on top of the previous N),
# then one boot of the test VM in which kipvs-proxy --kubeconfig (as
# system:kube-proxy) starts into an empty kernel:
#  - from its start to the end of its first complete sync, and within it
#    the list and decode of the initial state (its "services read in" line:
#    the three lists, parsed and validated, until every kind is listed);
#  - its peak RSS (VmHWM) and CPU seconds then;
#  - ROUNDS changes of one endpoint written to the API (a JSON patch), each
#    timed from the API server's answer to the kernel showing it
#    (test/bench/api_change_bench.cpp), median and p99.
# Prints a table at the end. Build first:
#
#   ninja -C BUILD proxy/kipvs-proxy test/bench/api_change_bench; test/cluster/build BUILD
#   test/bench/api-proxy-bench.sh [BUILD_DIR] [SERVICES,...] [ENDPOINTS] [ROUNDS]
#
# Defaults: build, 1000,5000,20000, 10, 20.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --guest ]; then
	build=$(cd "${1:-$top/build}" && pwd)
	counts=${2:-1000,5000,20000}
	endpoints=${3:-10}
	rounds=${4:-20}
	for program in proxy/kipvs-proxy test/bench/api_change_bench cluster/bin/kube-apiserver; do
		[ -x "$build/$program" ] || { echo "api-proxy-bench: $build/$program is missing" >&2; exit 1; }
	done
	export KIPVS_APISERVER_PORT=18443 KIPVS_ETCD_PORT=18379
	# Under the build directory: the guest reads it (and the kubeconfigs in it) over 9p.
	dir=$build/api-proxy-bench/cluster
	"$top/test/cluster/down" "$dir" >/dev/null 2>&1 || true
	trap '"$top/test/cluster/down" "$dir" --keep-logs >/dev/null 2>&1' EXIT
	"$top/test/cluster/up" "$dir" --bin "$build/cluster/bin" >&2
	results=$build/api-proxy-bench/results
	: >"$results"
	for n in ${counts//,/ }; do
		python3 "$top/test/cluster/load.py" --cluster "$dir" --services "$n" --endpoints "$endpoints" \
			--namespace bench --node bench-node=10.0.2.15 >&2
		(cd "$top" && test/vm/run --timeout "${API_BENCH_TIMEOUT:-3600}" --cache "$build/vm" \
			--apiserver "$KIPVS_APISERVER_PORT" -- \
			"$here/api-proxy-bench.sh" --guest "$build" "$dir" "$n" "$rounds") | tee -a "$results" >&2
	done
	awk -v m="$endpoints" '
		$1 == "result" { n = $2; order[++count] = n; start[n] = $3; list[n] = $4; rss[n] = $5; cpu[n] = $6; median[n] = $7; p99[n] = $8 }
		END {
			printf "\n| services x endpoints | start to first complete sync | list and decode | share | peak RSS | CPU | one change: median, p99 |\n"
			printf "|---|---|---|---|---|---|---|\n"
			for (i = 1; i <= count; i++) {
				n = order[i]
				printf "| %d x %d | %.2f s | %.2f s | %.0f %% | %.1f MB | %.2f s | %s ms, %s ms |\n",
					n, m, start[n], list[n], 100 * list[n] / start[n], rss[n] / 1024, cpu[n], median[n], p99[n]
			}
		}' "$results"
	exit 0
fi

# In the guest: the API server is 10.0.2.100:6443 (guest kubeconfigs).
build=$2 dir=$3 n=$4 rounds=$5
work=$(mktemp -d)
proxy=$build/proxy/kipvs-proxy
rm -f /run/kipvs/state
start=$(date +%s%N)
"$proxy" --kubeconfig "$dir/guest/kube-proxy.kubeconfig" --hostname-override bench-node \
	--ipvs-sync-period=1h --ipvs-min-sync-period=0 -v=2 2>"$work/daemon.log" &
pid=$!
for ((i = 0; i < 36000; i++)); do
	grep -q 'full sync:' "$work/daemon.log" && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
	sleep 0.1
done
synced=$(date +%s%N)
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
cpu=$(echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc)
list_ms=$(sed -n 's/.* services read in \([0-9]*\) ms$/\1/p' "$work/daemon.log")
sed -n 's/^[^ ]* I \(listed .*\|the API server.*\|full sync.*\)/  \1/p' "$work/daemon.log" >&2
virtual=$(ipvsadm -Ln | grep -c '^TCP')
[ "$virtual" -ge "$n" ] || { echo "api-proxy-bench: $virtual virtual servers, not $n" >&2; exit 1; }
"$build/test/bench/api_change_bench" "$dir/guest/admin.kubeconfig" bench "$n" "$rounds" | tee "$work/changes" >&2
kill -TERM "$pid"
wait "$pid" || true
"$proxy" --cleanup 2>/dev/null || true
read -r median p99 <<<"$(sed -n 's/^change latency: median \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$work/changes")"
echo "result $n $(echo "scale=2; ($synced - $start) / 1000000000" | bc) $(echo "scale=2; $list_ms / 1000" | bc) $hwm $cpu $median $p99"
