#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The demo's node, run as root on a kernel with IPVS (the test VM, or a host
# that has it), in a network namespace of its own so the machine's own
# network is untouched. Pods are namespaces with routed veths (/32 routes,
# as Calico does) running a tiny HTTP server that answers with its name.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KIPVS_BUILD_DIR:-$top/build}

if [ -z "${KIPVS_DEMO_ISOLATED:-}" ]; then
	KIPVS_DEMO_ISOLATED=1 exec unshare --net --mount -- "$0" "$@"
fi
mount -t tmpfs tmpfs /run
ip link set lo up

# The node's own address (node-a's InternalIP in examples/manifests/nodes.yaml).
ip link add eth0 type dummy
ip addr add 192.168.50.1/24 dev eth0
ip link set eth0 up

pod() {
	local name=$1 address=$2
	ip netns add "$name"
	ip link add "veth-$name" type veth peer name eth0 netns "$name"
	ip link set "veth-$name" up
	sysctl -qw "net.ipv4.conf.veth-$name.proxy_arp=1"
	ip route add "$address/32" dev "veth-$name"
	ip -n "$name" link set lo up
	ip -n "$name" addr add "$address/32" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" route add 169.254.1.1 dev eth0
	ip -n "$name" route add default via 169.254.1.1 dev eth0
	ip netns exec "$name" python3 - "$name" <<'PY' &
import http.server, sys
name = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{name} answered (client {self.client_address[0]})\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
PY
}
pod web-1 10.244.1.11
pod web-2 10.244.1.12
pod web-3 10.244.1.13
for i in $(seq 50); do
	ip netns exec web-3 python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break
	sleep 0.2
done

echo "== kipvs-proxy --sync-once on examples/manifests"
"$build/proxy/kipvs-proxy" --manifests "$top/examples/manifests" --hostname-override node-a --sync-once

get() {
	python3 - "$1" <<'PY'
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(), end="")
PY
}
echo
echo "== 6 requests to the ClusterIP http://10.96.0.10:80 (round robin over three pods)"
for i in $(seq 6); do get http://10.96.0.10:80/; done
echo
echo "== 3 requests to the NodePort http://192.168.50.1:30080"
for i in $(seq 3); do get http://192.168.50.1:30080/; done
echo
echo "== kipvsadm -Ln"
"$build/ipvs/kipvsadm/kipvsadm" -Ln
echo
echo "== the externalIP that is node-b's address was refused, not bound:"
ip -o addr show dev kube-ipvs0 | awk '{print "   kube-ipvs0", $4}'
kill $(jobs -p) 2>/dev/null || true
