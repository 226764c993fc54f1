#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An SCTP Service through kipvs-proxy with real SCTP traffic: a ClusterIP
# and a NodePort (SCTP NodePorts go by node IP and port, in
# KUBE-NODE-PORT-SCTP-HASH), answered by an SCTP server in a pod.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"
require "SCTP sockets (sctp)" python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()'

proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
work=$(mktemp -d)
manifests=$work/manifests
mkdir "$manifests"
rm -f /run/kipvs/state
pids=
trap 'kill $pids 2>/dev/null; ip netns del sc-pod 2>/dev/null; rm -rf "$work"' EXIT

ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up
pod_netns sc-pod 10.244.9.2

cat >"$work/sctp.py" <<'PY'
import socket, sys
mode = sys.argv[1]
if mode == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 3868)); s.listen(16)
    while True:
        c, peer = s.accept()
        if c.recv(100):
            c.sendall(b"sctp-pod " + peer[0].encode() + b"\n")
        c.close()
else:
    host, port = sys.argv[2], int(sys.argv[3])
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    c.settimeout(3)
    c.connect((host, port))
    c.sendall(b"hello")
    print(c.recv(100).decode().strip())
PY
ip netns exec sc-pod python3 "$work/sctp.py" serve &
pids="$pids $!"
reach() { python3 "$work/sctp.py" ask "$1" "$2" 2>/dev/null | grep -q '^sctp-pod '; }
check "the pod answers SCTP directly" until_ok 60 reach 10.244.9.2 3868

write_atomically "$manifests/sctp.yaml" <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status:
  addresses: [ { type: InternalIP, address: 192.168.50.1 } ]
---
apiVersion: v1
kind: Service
metadata: { name: diameter, namespace: test }
spec:
  type: NodePort
  clusterIP: 10.96.4.10
  ports: [ { name: diameter, protocol: SCTP, port: 3868, targetPort: 3868, nodePort: 30868 } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: diameter-1
  namespace: test
  labels: { kubernetes.io/service-name: diameter }
addressType: IPv4
ports: [ { name: diameter, protocol: SCTP, port: 3868 } ]
endpoints:
  - { addresses: ["10.244.9.2"], conditions: { ready: true }, nodeName: node-a }
EOF
timeout 400 "$proxy" --manifests "$manifests" --hostname-override node-a --sync-once >/dev/null 2>"$work/log"
check "the sync exits 0" test $? -eq 0
ipvs=$(ipvsadm -Sn)
check "IPVS has the SCTP ClusterIP" grep -qxF -- "-A --sctp-service 10.96.4.10:3868 -s rr" <<<"$ipvs"
check "and its real server" grep -qxF -- "-a --sctp-service 10.96.4.10:3868 -r 10.244.9.2:3868 -m -w 1" <<<"$ipvs"
check "IPVS has the SCTP NodePort" grep -qxF -- "-A --sctp-service 192.168.50.1:30868 -s rr" <<<"$ipvs"
check "the NodePort's set entry is by node IP" \
	sh -c "ipset list KUBE-NODE-PORT-SCTP-HASH | grep -qx '192.168.50.1,sctp:30868'"
check "an SCTP association through the ClusterIP reaches the pod" until_ok 30 reach 10.96.4.10 3868
check "and through the NodePort" until_ok 30 reach 192.168.50.1 30868

timeout 400 "$proxy" --cleanup 2>>"$work/log"
[ "$failures" -ne 0 ] && cat "$work/log" >&2
finish
