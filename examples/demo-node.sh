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
# This namespace's own /run: the pods' names, kipvs's ownership record.
mount -t tmpfs tmpfs /run
ip link set lo up

work=$(mktemp -d)
children=()
cleanup() {
	kill "${children[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	for pod in $(ip netns list | awk '{print $1}'); do ip netns del "$pod"; done
	rm -rf "$work"
}
trap cleanup EXIT

# The node's own address (node-a's InternalIP in examples/manifests/nodes.yaml)
# and a default route (proxy ARP answers the pods' gateway only when the
# node has a route to it).
ip link add eth0 type dummy
ip addr add 192.168.50.1/24 dev eth0
ip link set eth0 up
ip route add default dev eth0

pod() {
	local name=$1 address=$2
	ip netns add "$name"
	ip link add "veth-$name" type veth peer name eth0 netns "$name"
	ip link set "veth-$name" up
	sysctl -qw "net.ipv4.conf.veth-$name.proxy_arp=1" "net.ipv4.neigh.veth-$name.proxy_delay=0"
	ip route add "$address/32" dev "veth-$name"
	ip -n "$name" link set lo up
	ip -n "$name" addr add "$address/32" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" route add 169.254.1.1 dev eth0
	ip -n "$name" route add default via 169.254.1.1 dev eth0
	ip netns exec "$name" python3 -c '
import http.server, sys
name = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{name} answered (it saw the client as {self.client_address[0]})\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
' "$name" </dev/null &
	children+=($!)
	echo "   pod $name at $address, serving HTTP on port 8080"
}

echo "== a node (192.168.50.1) with three web pods, each in its own network namespace"
pod web-1 10.244.1.11
pod web-2 10.244.1.12
pod web-3 10.244.1.13
for name in web-1 web-2 web-3; do
	for _ in $(seq 100); do
		ip netns exec "$name" python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' \
			2>/dev/null && break
		sleep 0.3
	done
done

echo
echo "== kipvs-proxy --manifests examples/manifests --hostname-override node-a (a daemon; its log:)"
"$build/proxy/kipvs-proxy" --manifests "$top/examples/manifests" --hostname-override node-a \
	2>"$work/proxy.log" &
proxy=$!
children+=("$proxy")
for _ in $(seq 600); do
	grep -q "full sync:" "$work/proxy.log" && break
	kill -0 "$proxy" 2>/dev/null || break
	sleep 0.5
done
sed 's/^/   /' "$work/proxy.log"
grep -q "full sync: .* failed=0" "$work/proxy.log" || { echo "kipvs-proxy's first sync failed" >&2; exit 1; }

get() {
	python3 - "$1" <<'PY'
import sys, urllib.request
try:
    print("   " + urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(), end="")
except Exception as error:
    sys.exit(f"   {sys.argv[1]} failed: {error}")
PY
}
echo
echo "== 6 requests to the ClusterIP http://10.96.0.10:80 (scheduler rr: each pod in turn)"
for _ in $(seq 6); do get http://10.96.0.10:80/; done
echo
echo "== 3 requests to the NodePort http://192.168.50.1:30080"
for _ in $(seq 3); do get http://192.168.50.1:30080/; done
echo
echo "== kipvsadm -Ln (what kipvs-proxy programmed into IPVS)"
"$build/ipvs/kipvsadm/kipvsadm" -Ln
echo
echo "== kube-ipvs0 holds the service IPs; 192.168.50.2 (node-b's address) was refused:"
ip -o addr show dev kube-ipvs0 | awk '{print "   kube-ipvs0", $4}'
echo
kill "$proxy"
wait "$proxy" || true
echo "== kipvs-proxy stopped: $(tail -n 1 "$work/proxy.log" | cut -d' ' -f3-)"
