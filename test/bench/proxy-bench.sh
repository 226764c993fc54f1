#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy at scale, in one boot of the test VM: for each N, N ClusterIP
# services x M endpoints (test/bench/proxy_manifests.py) and
#  - cold sync: `kipvs-proxy --sync-once` into an empty kernel (virtual and
#    real servers, the N addresses on kube-ipvs0, the sets, iptables), against
#    `ipvsadm -R` of the same IPVS rules alone, each in a fresh network
#    namespace (after a flush the kernel keeps deleted real servers in a
#    trash it scans on every add, which would penalise whoever came second);
#  - repeat sync over that state (it must change nothing);
#  - peak RSS of kipvs-proxy (the cold --sync-once, and the daemon);
#  - with kipvs-proxy running as a daemon (-v=4, periodic full sync moved
#    out of the way), ROUNDS changes of one endpoint, each timed from the
#    file write to the kernel showing it (test/bench/proxy_change_bench.cpp),
#    median and p99, and what one change costs: the objects the daemon
#    changed (its log) and its netlink system calls (strace -c, one change).
# Prints a table at the end. Build first:
#
#   ninja -C BUILD proxy/kipvs-proxy test/bench/proxy_change_bench
#   test/bench/proxy-bench.sh [BUILD_DIR] [SERVICES,...] [ENDPOINTS] [ROUNDS]
#
# Defaults: build, 1000,5000,20000, 10, 20. A quick run: ... build 200.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --guest ] && [ "${1:-}" != --phase ]; then
	build=$(cd "${1:-$top/build}" && pwd)
	counts=${2:-1000,5000,20000}
	endpoints=${3:-10}
	rounds=${4:-20}
	for program in proxy/kipvs-proxy test/bench/proxy_change_bench; do
		[ -x "$build/$program" ] || {
			echo "proxy-bench: $build/$program is missing: ninja -C $build $program" >&2
			exit 1
		}
	done
	data=$build/proxy-bench
	for n in ${counts//,/ }; do
		python3 "$here/proxy_manifests.py" "$data/$n" "$n" "$endpoints" files
		# One file for the guest to read over 9p, not thousands.
		tar -C "$data/$n" -cf "$data/$n/manifests.tar" manifests
	done
	cd "$top"
	exec test/vm/run --timeout "${PROXY_BENCH_TIMEOUT:-7200}" --cache "$build/vm" -- \
		"$here/proxy-bench.sh" --guest "$build" "$counts" "$endpoints" "$rounds"
fi

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

if [ "$1" = --phase ]; then
	# Inside a fresh network namespace (unshare --net).
	phase=$2 build=$3 dir=$4 out=$5
	ip link set lo up
	case $phase in
	ipvsadm)
		t0=$(now)
		ipvsadm -R <"$dir/rules.ipvsadm"
		t1=$(now)
		echo "ipvsadm $(elapsed "$t0" "$t1")" >>"$out"
		;;
	kipvs)
		n=$6 rounds=$7 check=$8 logs=$9
		proxy=$build/proxy/kipvs-proxy
		manifests=$dir/manifests
		# This node (node-a) with an address of its own; the endpoints are on node-b.
		ip link add eth-node type dummy
		ip addr add 192.168.50.1/24 dev eth-node
		ip link set eth-node up
		rm -f /run/kipvs/state
		sync_once() {
			local t0 t1 line
			t0=$(now)
			/usr/bin/time -f %M -o "$dir/rss" "$proxy" --manifests "$manifests" \
				--hostname-override node-a --sync-once >"$dir/sync.out" 2>"$dir/sync.log" ||
				{ cat "$dir/sync.log" >&2; echo "proxy-bench: kipvs-proxy --sync-once failed" >&2; exit 1; }
			t1=$(now)
			line=$(tail -n 1 "$dir/sync.out")
			echo "  $1: $line ($(elapsed "$t0" "$t1") s)" >&2
			sed -n 's/^[^ ]* I \(manifests .*\|full sync.*\)/    \1/p' "$dir/sync.log" >&2
			cp "$dir/sync.log" "$logs/$1.log"
			echo "$1 $(elapsed "$t0" "$t1") $(cat "$dir/rss")" >>"$out"
			echo "$1-summary ${line#sync summary: }" >>"$out"
		}
		sync_once cold
		sync_once repeat
		grep -q '^repeat-summary added=0 updated=0 deleted=0$' "$out" ||
			{ echo "proxy-bench: the repeat sync changed the kernel" >&2; exit 1; }
		if [ "$check" = 1 ]; then
			# A fast wrong answer is no answer: the same IPVS rules as ipvsadm -R's.
			# (No process substitution: the guest has no /dev/fd.)
			sort "$dir/rules.ipvsadm" >"$dir/want"
			ipvsadm -Sn | sort >"$dir/have"
			if ! cmp -s "$dir/want" "$dir/have"; then
				echo "proxy-bench: kipvs-proxy's IPVS table differs from the rules" >&2
				exit 1
			fi
			echo "  ipvsadm -Sn after kipvs-proxy: the same rules as ipvsadm -R's" >&2
		fi
		jumps=$(iptables-save -t nat | grep -c -- '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' || true)
		[ "$jumps" -eq 1 ] ||
			{ echo "proxy-bench: $jumps jumps from nat OUTPUT to KUBE-SERVICES, not 1" >&2; exit 1; }
		addresses=$(ip -o addr show dev kube-ipvs0 | wc -l)
		[ "$addresses" -eq "$n" ] ||
			{ echo "proxy-bench: kube-ipvs0 holds $addresses addresses, not $n" >&2; exit 1; }

		# The daemon: no periodic full sync during the changes.
		"$proxy" --manifests "$manifests" --hostname-override node-a \
			--ipvs-sync-period=1h -v=4 2>"$dir/daemon.log" &
		pid=$!
		for ((i = 0; i < 6000; i++)); do
			grep -q 'full sync:' "$dir/daemon.log" && break
			kill -0 "$pid" 2>/dev/null || { cat "$dir/daemon.log" >&2; exit 1; }
			sleep 0.1
		done
		grep -q 'full sync: added=0 updated=0 deleted=0 failed=0' "$dir/daemon.log" ||
			{ echo "proxy-bench: the daemon's start changed the kernel:" >&2; grep 'full sync' "$dir/daemon.log" >&2; exit 1; }
		start_lines=$(wc -l <"$dir/daemon.log")
		"$build/test/bench/proxy_change_bench" "$manifests" "$n" "$rounds" | tee "$dir/changes" >&2
		sleep 2.5 # the drain tick deletes the old endpoints
		# What each change did, as the daemon logs it.
		tail -n +"$((start_lines + 1))" "$dir/daemon.log" | sed -n 's/.* I sync of \([0-9]*\) service(s): /\1 service(s): /p' |
			sort | uniq -c | sed 's/^ */  /' >&2
		# One more change under strace: the daemon's netlink system calls for it.
		strace -f -c -o "$dir/strace" -e trace=sendmsg,sendto,recvmsg,recvfrom -p "$pid" 2>/dev/null &
		tracer=$!
		sleep 1
		"$build/test/bench/proxy_change_bench" "$manifests" "$n" 1 "$rounds" >/dev/null
		sleep 0.2
		kill -INT "$tracer"
		wait "$tracer" || true
		calls=$(awk '$NF ~ /^(sendmsg|sendto)$/ { s += $4 }
			     $NF ~ /^(recvmsg|recvfrom)$/ { r += $4 } END { print s + 0, r + 0 }' "$dir/strace")
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
		kill -TERM "$pid"
		wait "$pid" || { echo "proxy-bench: the daemon did not exit 0" >&2; exit 1; }
		echo "change $(sed -n 's/^change latency: median \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$dir/changes")" >>"$out"
		echo "daemon-rss $hwm" >>"$out"
		echo "syscalls $calls" >>"$out"
		cat "$dir/strace" >&2
		cp "$dir/daemon.log" "$dir/changes" "$dir/strace" "$logs/"
		;;
	esac
	exit 0
fi

# In the guest.
build=$2 counts=$3 endpoints=$4 rounds=$5
results=/tmp/proxy-bench.results
: >"$results"
check=1
for n in ${counts//,/ }; do
	dir=/tmp/proxy-bench/$n
	mkdir -p "$dir"
	tar -C "$dir" -xf "$build/proxy-bench/$n/manifests.tar"
	cp "$build/proxy-bench/$n/rules.ipvsadm" "$dir/"
	out=$dir/results
	: >"$out"
	echo "== $n services x $endpoints endpoints" >&2
	unshare --net -- "$BASH" "$0" --phase ipvsadm "$build" "$dir" "$out"
	echo "  ipvsadm -R: $(awk '$1 == "ipvsadm" { print $2 }' "$out") s" >&2
	# The logs stay in the build directory for a look afterwards.
	unshare --net -- "$BASH" "$0" --phase kipvs "$build" "$dir" "$out" "$n" "$rounds" "$check" \
		"$build/proxy-bench/$n"
	check=0
	sed "s/^/$n /" "$out" >>"$results"
	rm -rf "$dir"
done

# The table.
awk -v m="$endpoints" '
	{ n = $1; if (!(n in seen)) { seen[n] = 1; order[++count] = n } }
	$2 == "ipvsadm" { ipvsadm[n] = $3 }
	$2 == "cold" { cold[n] = $3; rss[n] = $4 }
	$2 == "repeat" { repeat[n] = $3 }
	$2 == "change" { median[n] = $3; p99[n] = $4 }
	$2 == "daemon-rss" { drss[n] = $3 }
	$2 == "syscalls" { sends[n] = $3; receives[n] = $4 }
	END {
		printf "\n| services x endpoints | ipvsadm -R | cold sync | ratio | repeat sync | ratio | peak RSS (sync-once / daemon) | one change: median, p99 | netlink sends, receives per change |\n"
		printf "|---|---|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= count; i++) {
			n = order[i]
			printf "| %d x %d | %.2f s | %.2f s | %.3fx | %.2f s | %.3fx | %.1f / %.1f MB | %s ms, %s ms | %s, %s |\n",
				n, m, ipvsadm[n], cold[n], cold[n] / ipvsadm[n], repeat[n], repeat[n] / ipvsadm[n],
				rss[n] / 1024, drss[n] / 1024, median[n], p99[n], sends[n], receives[n]
		}
	}' "$results"
