#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy's manifests directory where inotify is not enough, against the
# real kernel: an edit another client of a 9p mount makes (unreported) is
# applied by the next full sync, and so is a ConfigMap-style "..data" swap;
# a directory that goes keeps its services served and is read again when it
# is back; an inotify queue overflow rescans at once; SIGTERM while a large
# directory loads exits 0 before the first sync.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

require_root
isolate "$@"
require "IPVS (ip_vs)" has_ipvs
require "dummy links" has_dummy
require "ipset" has_ipset

proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
work=$(mktemp -d)
# On the work tree: 9p in the test VM, where the daemon reads it through a
# second 9p mount (below).
shared=$(mktemp -d "$KIPVS_BUILD_DIR/manifests-watch.XXXXXX")
queued=$(cat /proc/sys/fs/inotify/max_queued_events)
daemon=
trap 'kill $daemon 2>/dev/null; echo "$queued" >/proc/sys/fs/inotify/max_queued_events
	rm -rf "$work" "$shared" "$shared.away"' EXIT

ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up

# A UDP Service and its slice (UDP: a removed real server goes at once).
service() { # NAME CLUSTER-IP ENDPOINT...
	local name=$1 ip=$2
	shift 2
	cat <<EOF
apiVersion: v1
kind: Service
metadata: { name: $name, namespace: test }
spec:
  clusterIP: $ip
  ports: [ { name: dns, protocol: UDP, port: 53, targetPort: 5353 } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $name-1
  namespace: test
  labels: { kubernetes.io/service-name: $name }
addressType: IPv4
ports: [ { name: dns, protocol: UDP, port: 5353 } ]
endpoints:
EOF
	for address in "$@"; do
		printf '  - { addresses: ["%s"], conditions: { ready: true }, nodeName: node-a }\n' "$address"
	done
}
has_real_server() { # VIP RS
	ipvsadm -Ln -u "$1:53" | awk -v rs="$2:5353" '$1 == "->" && $2 == rs { found = 1 } END { exit !found }'
}
lacks_real_server() { ipvsadm -Ln -u "$1:53" >/dev/null 2>&1 && ! has_real_server "$@"; }
# A ConfigMap volume's update as the kubelet makes it: the files in a new
# timestamped directory, a "..data_tmp" link renamed over "..data", the old
# directory removed. The manifests are links: NAME.yaml -> ..data/NAME.yaml.
configmap_update() { # DIR STAMP NAME (the file's text on stdin)
	local dir=$1 stamp=..2026_12_04_01_02_$2.123 name=$3 old
	old=$(readlink "$dir/..data")
	mkdir "$dir/$stamp"
	cat >"$dir/$stamp/$name.yaml"
	ln -s "$stamp" "$dir/..data_tmp"
	mv -T "$dir/..data_tmp" "$dir/..data"
	[ -e "$dir/$name.yaml" ] || ln -s "..data/$name.yaml" "$dir/$name.yaml"
	[ -z "$old" ] || rm -rf "${dir:?}/$old"
}
full_syncs() { grep -c 'full sync:' "$log"; }
full_syncs_since() { test "$(full_syncs)" -ge $(($1 + $2)); } # BEFORE HOW-MANY
# start_daemon LOG ARGS...: kipvs-proxy in the background, its stderr to LOG.
start_daemon() {
	log=$1
	shift
	shown=$failures
	"$@" >"$log.out" 2>"$log" &
	daemon=$!
}
# stop_daemon WHAT: SIGTERM must end it with 0; its log is shown when a
# check failed since it started.
stop_daemon() {
	kill -TERM "$daemon"
	wait "$daemon"
	local status=$?
	daemon=
	check "SIGTERM exits 0 (exit $status)" test "$status" = 0
	check_done "$1"
}
check_done() { # WHAT
	[ "$failures" -eq "$shown" ] && return
	echo "--- kipvs-proxy's log ($1)" >&2
	cat "$log" >&2
	shown=$failures
}

# --- a 9p mount, changed by another client ----------------------------------------
# inotify reports what is done through the watched superblock. The host's
# root share is a second 9p mount of the same files (the work tree's own
# mount hides it at this path; a non-recursive bind of / shows it again,
# in the daemon's own mount namespace): the daemon watches the directory
# through it while the test changes it through the work tree's mount, as
# another NFS or 9p client would. Nothing the test does here is reported.
view=$work/view
mkdir "$view"
seen=$view$shared
bind_view='mount --bind / "$1" && shift && exec "$@"'
in_view() { unshare --mount --propagation private -- sh -c "$bind_view" sh "$view" "$@"; }
two_mounts() {
	in_view sh -c "test -d '$seen' && test \"\$(stat -c %d '$seen')\" != \"\$(stat -c %d '$shared')\""
}
require "a second 9p mount of the work tree (the host's root share)" two_mounts

service dns 10.96.2.53 10.244.9.2 10.244.9.7 | write_atomically "$shared/dns.yaml"
service web 10.96.2.80 10.244.9.2 | configmap_update "$shared" 01 web
# Not through in_view: $! must be the daemon (unshare and sh exec it).
start_daemon "$work/shared.log" unshare --mount --propagation private -- sh -c "$bind_view" sh "$view" \
	"$proxy" --manifests "$seen" --hostname-override node-a --ipvs-sync-period 3s -v 2
check "the daemon programs the services it reads through the second mount" \
	until_ok 300 has_real_server 10.96.2.53 10.244.9.7
check "including the one in a ConfigMap-style volume" has_real_server 10.96.2.80 10.244.9.2
check "the first full sync is logged" until_ok 60 grep -q 'full sync' "$log"

# The issue's report: sed -i, and two full syncs later nothing had changed.
sed -i '/10.244.9.7/d' "$shared/dns.yaml"
check "an unreported sed -i is applied by a full sync (two periods)" \
	until_ok 20 lacks_real_server 10.96.2.53 10.244.9.7

service web 10.96.2.80 10.244.9.3 | configmap_update "$shared" 02 web
web_moved() { has_real_server 10.96.2.80 10.244.9.3 && lacks_real_server 10.96.2.80 10.244.9.2; }
check "an unreported ..data swap is followed by a full sync" until_ok 20 web_moved
check "..data and the timestamped directories are not read as manifests" \
	sh -c "! grep -q '/\.\.' '$log'"

# A directory gone (unreported: found by the full sync's rescan), then back.
mv "$shared" "$shared.away"
check "a directory gone is logged" \
	until_ok 20 grep -q "manifests directory $seen: the directory is gone; serving what was read from it until it is back" "$log"
check "two more full syncs" until_ok 30 full_syncs_since "$(full_syncs)" 2
check "its services stay programmed" has_real_server 10.96.2.53 10.244.9.2
check "all of them" has_real_server 10.96.2.80 10.244.9.3
mkdir "$shared"
service dns 10.96.2.53 10.244.9.8 | write_atomically "$shared/dns.yaml"
check "a directory back is read again" \
	until_ok 20 grep -q "manifests directory $seen: the directory is back; reading it again" "$log"
check "what it holds now is served" until_ok 5 has_real_server 10.96.2.53 10.244.9.8
check "what it no longer holds is not" until_ok 5 sh -c "! ipvsadm -Ln -u 10.96.2.80:53"
check "the daemon kept running" kill -0 "$daemon"
stop_daemon "second 9p mount"
ipvsadm -C

# --- a local directory: what inotify reports, and its overflow ---------------------
manifests=$work/manifests
mkdir "$manifests"
service dns 10.96.3.53 10.244.9.2 10.244.9.7 | write_atomically "$manifests/dns.yaml"
service web 10.96.3.80 10.244.9.2 | configmap_update "$manifests" 01 web
# A queue of 16 events (the limit is read when the daemon's inotify
# instance is made): easy to overflow while the daemon is stopped.
echo 16 >/proc/sys/fs/inotify/max_queued_events
# A long full-sync period: everything below must come from the watch.
start_daemon "$work/local.log" \
	"$proxy" --manifests "$manifests" --hostname-override node-a --ipvs-sync-period 10m -v 2
check "the daemon programs the services" until_ok 300 has_real_server 10.96.3.53 10.244.9.7
echo "$queued" >/proc/sys/fs/inotify/max_queued_events
check "the first full sync is logged" until_ok 60 grep -q 'full sync' "$log"
syncs=$(full_syncs)

kill -STOP "$daemon"
for i in $(seq 20); do : >"$manifests/noise-$i"; done # 40 events
sed -i '/10.244.9.7/d' "$manifests/dns.yaml"          # lost to the overflow
kill -CONT "$daemon"
check "an edit lost to an inotify queue overflow is applied" \
	until_ok 10 lacks_real_server 10.96.3.53 10.244.9.7
check "by the rescan the overflow makes, with an incremental sync" \
	until_ok 5 grep -q 'sync of 1 service(s): added=0 updated=0 deleted=' "$log"

service web 10.96.3.80 10.244.9.3 | configmap_update "$manifests" 02 web
check "a ..data swap inotify reports is applied at once" \
	until_ok 10 has_real_server 10.96.3.80 10.244.9.3
check "without a full sync" test "$(full_syncs)" = "$syncs"

mv "$manifests" "$manifests.away"
check "a renamed directory is logged" \
	until_ok 10 grep -q "manifests directory $manifests: the directory was removed or renamed; serving what was read from it until it is back" "$log"
rm "$manifests.away/dns.yaml"
sleep 2
check "what is done where it went changes nothing" has_real_server 10.96.3.53 10.244.9.2
check "its services stay programmed" has_real_server 10.96.3.80 10.244.9.3
check "the daemon keeps running" kill -0 "$daemon"
stop_daemon "local directory"
ipvsadm -C

# --- SIGTERM while the manifests load ------------------------------------------------
# 3,000 files: the load takes seconds in the VM (5,000 took 3.5 s), and
# the daemon looks for a signal between files.
big=$work/big
mkdir "$big"
python3 - "$big" <<'PY'
import sys
for i in range(3000):
    with open(f"{sys.argv[1]}/svc-{i:04d}.yaml", "w") as f:
        f.write(f"""apiVersion: v1
kind: Service
metadata: {{ name: svc-{i}, namespace: load }}
spec:
  clusterIP: 10.97.{i // 250}.{i % 250 + 1}
  ports: [ {{ protocol: TCP, port: 80 }} ]
""")
PY
start_daemon "$work/load.log" "$proxy" --manifests "$big" --hostname-override node-a -v 2
# Its inotify instance exists from the start of the load on.
loading() { ls -l /proc/"$daemon"/fd 2>/dev/null | grep -q inotify && ! grep -q 'services read' "$log"; }
end=$((SECONDS + 120))
until loading || [ $SECONDS -ge $end ]; do sleep 0.02; done
check "the daemon is loading the manifests" loading
stop_daemon "SIGTERM while loading"
check "SIGTERM while the manifests load is logged" grep -q "received Terminated while manifests $big loaded: exiting before the first sync" "$log"
check "without syncing" sh -c "! grep -q 'full sync' '$log' && ! ipvsadm -Ln | grep -q '10\.97\.'"
check_done "SIGTERM while loading"
finish
