#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A cold start serves from the first connection a virtual server accepts:
# with request loops to a ClusterIP (from the node) and to a NodePort
# started before kipvs-proxy, every attempt either fails at once (nothing
# there yet: no address, no virtual server) or gets its answer; none is
# accepted and then lost because the sets and iptables rules its traffic
# needs were not in place yet (kipvs-proxy writes them before the virtual
# servers when they grow). Then a Service added to the running daemon,
# under the same loop; then a node address added and removed at runtime.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"

daemon_workspace
pids=
daemon=
trap 'kill $pids $daemon 2>/dev/null; ip netns del cs-pod 2>/dev/null; rm -rf "$work"' EXIT

ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up
pod_netns cs-pod 10.244.9.2
pod_server cs-pod 8080 pod-1
pids="$pids $!"
until_ok 20 ip netns exec cs-pod sh -c "ss -ltn | grep -q ':8080 '"

put nodes.yaml <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status:
  addresses: [ { type: InternalIP, address: 192.168.50.1 } ]
EOF
service() { # NAME CLUSTER-IP NODE-PORT
	cat <<EOF
apiVersion: v1
kind: Service
metadata: { name: $1, namespace: test }
spec:
  type: NodePort
  clusterIP: $2
  ports: [ { name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: $3 } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $1-1
  namespace: test
  labels: { kubernetes.io/service-name: $1 }
addressType: IPv4
ports: [ { name: http, protocol: TCP, port: 8080 } ]
endpoints:
  - { addresses: ["10.244.9.2"], conditions: { ready: true }, nodeName: node-a }
EOF
}
service echo 10.96.3.10 30310 | put echo.yaml

# One attempt every 20 ms, each with a 2 s budget. "fast" = refused or
# unreachable at once (nothing listens yet), "ok" = answered, "lost" = the
# connection was accepted (or hung) and then got no answer.
cat >"$work/loop.py" <<'PY'
import errno, os, socket, sys, time
host, port, out, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
counts = {"fast": 0, "ok": 0, "lost": 0}
lost = []
while not os.path.exists(stop):
    start = time.monotonic()
    s = socket.socket()
    s.settimeout(2)
    state = "connect"
    try:
        s.connect((host, port))
        state = "reply"
        s.sendall(b"x\n")
        data = s.recv(100)
        counts["ok" if data == b"pod-1\n" else "lost"] += 1
        if data != b"pod-1\n":
            lost.append("%.3f bad reply %r" % (start, data))
    except OSError as e:
        quick = time.monotonic() - start < 0.5
        if state == "connect" and quick and e.errno in (errno.ECONNREFUSED, errno.ENETUNREACH,
                                                         errno.EHOSTUNREACH):
            counts["fast"] += 1
        else:
            counts["lost"] += 1
            lost.append("%.3f %s: %s" % (start, state, e))
    finally:
        s.close()
    with open(out + ".tmp", "w") as f:
        f.write("fast=%d ok=%d lost=%d\n" % (counts["fast"], counts["ok"], counts["lost"]))
        f.write("".join(l + "\n" for l in lost))
    os.rename(out + ".tmp", out)
    time.sleep(0.02)
PY
loop() { python3 "$work/loop.py" "$1" "$2" "$work/$3" "$work/$4" & pids="$pids $!"; }
loop 10.96.3.10 80 cluster stop-cold
loop 192.168.50.1 30310 nodeport stop-cold
check "the loops run before kipvs-proxy" until_ok 20 sh -c "grep -q '^fast=[1-9]' '$work/cluster' && grep -q '^fast=[1-9]' '$work/nodeport'"

"$proxy" --manifests "$manifests" --hostname-override node-a --ipvs-sync-period 10m -v 2 \
	>"$work/proxy.out" 2>"$log" &
daemon=$!
# nothing_lost STOP WHAT: stop the loops, then no connection was accepted and lost.
nothing_lost() {
	sleep 1
	touch "$work/$1"
	sleep 0.5
	for name in cluster nodeport; do
		check "no $2$name connection was accepted and then lost: $(head -n 1 "$work/$name")" \
			grep -q ' lost=0$' "$work/$name"
	done
}
answered() { grep -Eq '^fast=[0-9]+ ok=([2-9]|[1-9][0-9]+) ' "$work/$1"; }
check "the ClusterIP answers after the cold start" until_ok 300 answered cluster
check "the NodePort answers after the cold start" until_ok 60 answered nodeport
nothing_lost stop-cold ""

# A new Service on the running daemon: the same, with loops started before it exists.
rm -f "$work/cluster" "$work/nodeport"
loop 10.96.3.20 80 cluster stop-new
loop 192.168.50.1 30320 nodeport stop-new
until_ok 20 test -s "$work/cluster"
service echo2 10.96.3.20 30320 | put echo2.yaml
check "the new ClusterIP answers" until_ok 60 answered cluster
check "the new NodePort answers" until_ok 60 answered nodeport
nothing_lost stop-new new-

# A node address added at runtime gets the NodePorts, and loses them when
# it goes, without a restart (rtnetlink tells the daemon).
fulls=$(grep -c 'full sync' "$log")
ip addr add 192.168.51.1/24 dev eth-node
check "an address added at runtime serves the NodePorts" \
	until_ok 20 sh -c "ipvsadm -Ln -t 192.168.51.1:30310 && ipvsadm -Ln -t 192.168.51.1:30320"
ip addr del 192.168.51.1/24 dev eth-node
check "and stops when the address goes" until_ok 20 sh -c "! ipvsadm -Ln -t 192.168.51.1:30310"
check "without a full sync" test "$(grep -c 'full sync' "$log")" = "$fulls"

if [ "$failures" -ne 0 ]; then
	for name in cluster nodeport; do echo "--- $name" >&2; cat "$work/$name" >&2; done
	echo "--- kipvs-proxy's log" >&2
	cat "$log" >&2
fi
kill -TERM "$daemon"
wait "$daemon"
daemon=
finish
