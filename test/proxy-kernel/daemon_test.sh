#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy running as a daemon against the real kernel: it watches its
# manifests directory and turns a changed file into an incremental sync of
# that service alone; an invalid file is reported and skipped; a removed TCP
# real server drains (weight 0 while it has connections, deleted once they
# are gone, back to weight 1 if it returns) while a UDP one goes at once; a
# removed file removes its service; SIGHUP is ignored; an idle daemon does
# not wake up; SIGTERM exits 0 and leaves the rules.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"

daemon_workspace
pids=
daemon=
trap 'kill $pids $daemon 2>/dev/null; ip netns del kp-pod 2>/dev/null; rm -rf "$work"' EXIT
# One real server line of `ipvsadm -Ln -t|-u SVC`: "ADDRESS WEIGHT ACTIVE INACTIVE".
real_server() { # PROTO-FLAG SVC RS
	ipvsadm -Ln "$1" "$2" | awk -v rs="$3" '$1 == "->" && $2 == rs { print $2, $4, $5, $6 }'
}
has_real_server() { [ -n "$(real_server "$@")" ]; }
# Weight and active connections (inactive ones linger in the kernel's
# TIME_WAIT for two minutes after an ordinary close, so they are not compared).
real_server_is() { # PROTO-FLAG SVC RS "WEIGHT ACTIVE"
	local seen
	seen=$(real_server "$1" "$2" "$3" | cut -d' ' -f1-3)
	[ "$seen" = "$3 $4" ] && return 0
	echo "  $2 $3: seen '$seen', want '$3 $4'" >&2
	return 1
}

# --- the node and one pod -----------------------------------------------------
ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up
pod_netns kp-pod 10.244.9.2

pod_server kp-pod 8080 pod-1
pids="$pids $!"

# --- the manifests ------------------------------------------------------------
put nodes.yaml <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status:
  addresses: [ { type: InternalIP, address: 192.168.50.1 } ]
EOF
echo_slice() { # the TCP service's slice with the given endpoint addresses
	local addresses=$1
	cat <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: test
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
ports: [ { name: http, protocol: TCP, port: 8080 } ]
endpoints:
EOF
	for address in $addresses; do
		printf '  - { addresses: ["%s"], conditions: { ready: true }, nodeName: node-a }\n' "$address"
	done
}
put echo.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: test }
spec:
  clusterIP: 10.96.1.10
  ports: [ { name: http, protocol: TCP, port: 80, targetPort: 8080 } ]
EOF
echo_slice 10.244.9.2 | put echo-slice.yaml
put dns.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: dns, namespace: test }
spec:
  clusterIP: 10.96.1.53
  ports: [ { name: dns, protocol: UDP, port: 53, targetPort: 5353 } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: dns-1
  namespace: test
  labels: { kubernetes.io/service-name: dns }
addressType: IPv4
ports: [ { name: dns, protocol: UDP, port: 5353 } ]
endpoints:
  - { addresses: ["10.244.9.2"], conditions: { ready: true }, nodeName: node-a }
  - { addresses: ["10.244.9.7"], conditions: { ready: true }, nodeName: node-a }
EOF

# --- start ----------------------------------------------------------------------
# A long full-sync period: everything below must come from the watcher.
"$proxy" --manifests "$manifests" --hostname-override node-a --ipvs-sync-period 10m -v 2 \
	>"$work/proxy.out" 2>"$log" &
daemon=$!

check "the daemon programs the services" until_ok 300 has_real_server -t 10.96.1.10:80 10.244.9.2:8080
check "and the UDP service" until_ok 60 has_real_server -u 10.96.1.53:53 10.244.9.7:5353
check "the ClusterIP is on kube-ipvs0" sh -c "ip -o addr show dev kube-ipvs0 | grep -q ' 10.96.1.10/32 '"
check "a request through the ClusterIP reaches the pod" \
	until_ok 30 sh -c "python3 -c \"
import socket, struct; s = socket.create_connection(('10.96.1.10', 80), timeout=3); s.sendall(b'x\n')
assert s.recv(100) == b'pod-1\n'
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\""
full_syncs() { grep -c 'full sync' "$log"; }
check "the first full sync is logged" until_ok 120 grep -q 'full sync' "$log"
fulls=$(full_syncs)

# --- an incremental change --------------------------------------------------------
echo_slice "10.244.9.2 10.244.9.3" | put echo-slice.yaml
check "an added endpoint reaches the kernel" until_ok 20 has_real_server -t 10.96.1.10:80 10.244.9.3:8080
# The real server and its KUBE-LOOP-BACK entry (pod,tcp:port,pod).
check "through an incremental sync of one service" \
	until_ok 5 grep -q 'sync of 1 service(s): added=2 updated=0 deleted=0' "$log"
check "without a full sync" test "$(full_syncs)" = "$fulls"

# --- invalid input ------------------------------------------------------------------
put broken.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: broken, namespace: test }
spec:
  clusterIP: 10.96.1.999
  ports: [ { protocol: TCP, port: 80 } ]
---
apiVersion: v1
kind: Service
metadata: { name: fine, namespace: test }
spec:
  clusterIP: 10.96.1.20
  ports: [ { protocol: TCP, port: 80 } ]
EOF
check "a valid object next to an invalid one is served" \
	until_ok 20 sh -c "ipvsadm -Ln -t 10.96.1.20:80"
check "the invalid object is reported with file, object and reason" \
	grep -q 'broken.yaml.*test/broken.*10.96.1.999' "$log"
check "the daemon keeps running" kill -0 "$daemon"

# --- graceful termination -------------------------------------------------------
# Hold one connection to the pod, then remove the pod from the slice.
echo_slice 10.244.9.2 | put echo-slice.yaml
check "the removed endpoint without connections is deleted" \
	until_ok 20 sh -c "! ipvsadm -Ln -t 10.96.1.10:80 | grep -q 10.244.9.3:8080"
cat >"$work/client.py" <<'PY'
import os, socket, struct, sys, time
work = sys.argv[1]
s = socket.create_connection(("10.96.1.10", 80), timeout=10)
s.sendall(b"hello\n")
assert s.recv(100) == b"pod-1\n"
open(work + "/connected", "w").close()
while not os.path.exists(work + "/reset"):
    time.sleep(0.1)
# A reset, not a FIN: IPVS keeps a closed connection for 10 s, not 2 min.
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
python3 "$work/client.py" "$work" &
pids="$pids $!"
check "a client holds a connection to the pod" until_ok 20 test -e "$work/connected"
check "it shows as one active connection" until_ok 10 real_server_is -t 10.96.1.10:80 10.244.9.2:8080 "1 1"

echo_slice 10.244.9.3 | put echo-slice.yaml
check "the removed endpoint with a connection goes to weight 0" \
	until_ok 20 real_server_is -t 10.96.1.10:80 10.244.9.2:8080 "0 1"
check "its replacement is added" real_server_is -t 10.96.1.10:80 10.244.9.3:8080 "1 0"
sleep 5 # more than two drain checks
check "it stays while the connection lives" real_server_is -t 10.96.1.10:80 10.244.9.2:8080 "0 1"

echo_slice "10.244.9.2 10.244.9.3" | put echo-slice.yaml
check "an endpoint that returns goes back to weight 1" \
	until_ok 20 real_server_is -t 10.96.1.10:80 10.244.9.2:8080 "1 1"
echo_slice 10.244.9.3 | put echo-slice.yaml
check "and drains again when removed again" \
	until_ok 20 real_server_is -t 10.96.1.10:80 10.244.9.2:8080 "0 1"

touch "$work/reset"
check "once its connections are gone it is deleted" \
	until_ok 60 sh -c "! ipvsadm -Ln -t 10.96.1.10:80 | grep -q 10.244.9.2:8080"

# UDP real servers go at once (no connection state to drain).
sed -i.bak '/10.244.9.7/d' "$manifests/dns.yaml" && rm -f "$manifests/dns.yaml.bak"
check "a removed UDP endpoint is deleted at once" \
	until_ok 20 sh -c "! ipvsadm -Ln -u 10.96.1.53:53 | grep -q 10.244.9.7:5353"

# --- a removed file ---------------------------------------------------------------
rm "$manifests/dns.yaml"
check "a removed file removes its service" until_ok 20 sh -c "! ipvsadm -Ln -u 10.96.1.53:53"
check "and its address leaves kube-ipvs0" \
	until_ok 20 sh -c "! ip -o addr show dev kube-ipvs0 | grep -q ' 10.96.1.53/32 '"
check "still without a full sync" test "$(full_syncs)" = "$fulls"

# --- SIGHUP -------------------------------------------------------------------------
kill -HUP "$daemon"
check "SIGHUP is logged and ignored" until_ok 10 grep -q 'received SIGHUP: ignored' "$log"
check "the daemon still runs after SIGHUP" kill -0 "$daemon"

# --- idle -------------------------------------------------------------------------
# Nothing drains and the next full sync is minutes away: the event loop sleeps.
switches() { cat /proc/"$daemon"/task/*/status | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'; }
before=$(switches)
sleep 10
idle=$(($(switches) - before))
echo "  voluntary context switches over 10 s idle: $idle"
check "an idle daemon does not wake up (10 s)" test "$idle" -le 1

# --- SIGTERM ------------------------------------------------------------------------
kill -TERM "$daemon"
wait "$daemon"
status=$?
daemon=
check "SIGTERM exits 0 (exit $status)" test "$status" = 0
check "and says so" grep -q 'received Terminated: exiting, rules stay in place' "$log"
check "the rules stay in place" has_real_server -t 10.96.1.10:80 10.244.9.3:8080
check "the addresses stay in place" sh -c "ip -o addr show dev kube-ipvs0 | grep -q ' 10.96.1.10/32 '"

if [ "$failures" -ne 0 ]; then
	echo "--- kipvs-proxy's log" >&2
	cat "$log" >&2
fi
finish
