#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A change the kernel refuses is retried by kipvs-proxy, backing off (1 s,
# 2 s, 4 s, ... up to the full-sync period), and goes in as soon as the
# kernel takes it, long before the next full sync: here the bind of an IPv6
# ClusterIP to kube-ipvs0 while IPv6 is disabled on that link (EACCES).
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"

daemon_workspace
daemon=
trap 'kill $daemon 2>/dev/null; rm -rf "$work"' EXIT

# A dual-stack node.
ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip -6 addr add fd00:50::1/64 dev eth-node nodad
ip link set eth-node up

put nodes.yaml <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status:
  addresses:
    - { type: InternalIP, address: 192.168.50.1 }
    - { type: InternalIP, address: "fd00:50::1" }
EOF
put web.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: web, namespace: test }
spec:
  clusterIP: 10.96.2.10
  ports: [ { protocol: TCP, port: 80, targetPort: 8080 } ]
EOF

# A long full-sync period: the retries must not wait for it.
"$proxy" --manifests "$manifests" --hostname-override node-a --ipvs-sync-period 10m -v 2 \
	>"$work/proxy.out" 2>"$log" &
daemon=$!
bound() { ip -o addr show dev kube-ipvs0 | grep -q " $1/"; }
check "the daemon binds the IPv4 ClusterIP" until_ok 300 bound 10.96.2.10
full_syncs() { grep -c 'full sync' "$log"; }
check "the first full sync is logged" until_ok 60 grep -q 'full sync' "$log"
fulls=$(full_syncs)

sysctl -qw net.ipv6.conf.kube-ipvs0.disable_ipv6=1
put web6.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: web6, namespace: test }
spec:
  ipFamilies: [ IPv6 ]
  clusterIP: "fd00:10:96::20"
  clusterIPs: [ "fd00:10:96::20" ]
  ports: [ { protocol: TCP, port: 80, targetPort: 8080 } ]
EOF
refusals() { grep -c 'bind fd00:10:96::20 to kube-ipvs0:.*Permission denied' "$log"; }
check "the IPv6 virtual server is added" until_ok 20 ipvsadm -Ln -t "[fd00:10:96::20]:80"
check "the refused bind is reported, naming the address and the cause" \
	until_ok 20 grep -q 'bind fd00:10:96::20 to kube-ipvs0:.*Permission denied' "$log"
sleep 8
tries=$(refusals)
# The first try and the retries 1, 3 and 7 s after it: 4 (a fixed 1 s retry would make 9).
check "retried, backing off: $tries tries in 8 s" test "$tries" -ge 3 -a "$tries" -le 5
check "each retry is counted as a failure in its sync's log" grep -q 'failed=1' "$log"

sysctl -qw net.ipv6.conf.kube-ipvs0.disable_ipv6=0
# The next retry is at most 8 s away.
check "once the kernel takes it, the retry binds the address" until_ok 20 bound fd00:10:96::20
check "and its set entry is in" sh -c "ipset list KUBE-6-CLUSTER-IP | grep -q 'fd00:10:96::20,tcp:80'"
check "without a full sync" test "$(full_syncs)" = "$fulls"
after=$(refusals)
sleep 3
check "and no more tries once it went in" test "$(refusals)" = "$after"
check "the daemon still runs" kill -0 "$daemon"

kill -TERM "$daemon"
wait "$daemon"
daemon=
if [ "$failures" -ne 0 ]; then
	echo "--- kipvs-proxy's log" >&2
	cat "$log" >&2
fi
finish
