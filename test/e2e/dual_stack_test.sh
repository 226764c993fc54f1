#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End to end, IPv6 and dual-stack: kipvs-proxy as a daemon on a node with an
# IPv4 and an IPv6 address programs IPv6-only and dual-stack Services
# (ClusterIP, NodePort, UDP, externalIPs, ClientIP affinity, a load balancer
# with externalTrafficPolicy Local and source ranges), and real traffic of
# both families goes through: from the node, from a pod (hairpin), from an
# external client, and from a client the source ranges refuse.
#
#   client  192.168.60.100  fd00:60::100 ─┐
#   client2 192.168.60.200  fd00:60::200 ─┼── switch (a bridge)
#   node-a  192.168.60.1    fd00:60::1   ─┘   (this namespace; kipvs-proxy)
#   pod-d1  10.244.1.21     fd00:244::21      on node-a, routed veth
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

e2e_test "$@"
require "ip6tables" ip6tables-save

here=$KIPVS_SOURCE_DIR/test/e2e
proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
work=$(mktemp -d)
manifests=$work/manifests
log=$work/proxy.log
mkdir "$manifests"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	rm -rf "$work"
}
trap cleanup EXIT

# --- the network ------------------------------------------------------------------
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns add switch
ip -n switch link add br0 type bridge
ip -n switch link set br0 up
# plug NS ADDRESS4 ADDRESS6: NS (or node-a, this one) on the switch as eth0.
plug() {
	local ns=$1 where=()
	[ "$ns" = node-a ] || { ip netns add "$ns"; ip -n "$ns" link set lo up; where=(netns "$ns"); }
	ip link add "sw-$ns" netns switch type veth peer name eth0 "${where[@]}"
	ip -n switch link set "sw-$ns" master br0 up
	at "$ns" ip addr add "$2/24" dev eth0
	at "$ns" ip -6 addr add "$3/64" dev eth0 nodad
	at "$ns" ip link set eth0 up
}
at() {
	local ns=$1
	shift
	if [ "$ns" = node-a ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}
plug node-a 192.168.60.1 fd00:60::1
for c in client:100 client2:200; do
	plug "${c%%:*}" "192.168.60.${c#*:}" "fd00:60::${c#*:}"
	ip -n "${c%%:*}" route add default via 192.168.60.1
	ip -n "${c%%:*}" -6 route add default via fd00:60::1
done
# The pod: a routed veth, a link-local gateway for each family (here on the
# host side of the veth: this node has no default route for proxy ARP to use).
ip netns add pod-d1
ip -n pod-d1 link set lo up
ip link add cali-d1 type veth peer name eth0 netns pod-d1
sysctl -qw net.ipv4.conf.cali-d1.proxy_arp=1 net.ipv4.neigh.cali-d1.proxy_delay=0
ip link set cali-d1 up
ip addr add 169.254.1.1/32 dev cali-d1
ip -6 addr add fe80::1/64 dev cali-d1 nodad
ip route add 10.244.1.21/32 dev cali-d1
ip -6 route add fd00:244::21/128 dev cali-d1
ip -n pod-d1 addr add 10.244.1.21/32 dev eth0
ip -n pod-d1 -6 addr add fd00:244::21/128 dev eth0 nodad
ip -n pod-d1 link set eth0 up
ip -n pod-d1 route add 169.254.1.1 dev eth0
ip -n pod-d1 route add default via 169.254.1.1 dev eth0
ip -n pod-d1 -6 route add default via fe80::1 dev eth0
for address in 10.244.1.21 fd00:244::21; do
	ip netns exec pod-d1 python3 "$here/server.py" pod-d1 "$address" tcp:8080 udp:5353 </dev/null &
	pids+=($!)
done

ask() { local ns=$1; shift; at "$ns" python3 "$here/client.py" "$@"; }
# The answer's first word: who answered ("FAIL" for a failed request).
who() { ask "$@" | awk '{ print $1 }' | tr '\n' ' ' | sed 's/ $//'; }
serves() { test "$(who "$@")" = pod-d1; }
check "the network works without kipvs: the pod from the node, IPv4" \
	until_ok 120 serves node-a tcp 10.244.1.21 8080 1
check "and IPv6" until_ok 60 serves node-a tcp fd00:244::21 8080 1

# --- the objects ----------------------------------------------------------------------
put() { write_atomically "$manifests/$1.yaml"; }
put nodes <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status:
  addresses: [ { type: InternalIP, address: 192.168.60.1 }, { type: InternalIP, address: "fd00:60::1" } ]
EOF
# slices NAME SERVICE: the pod as the Service's endpoint, one slice per family.
slices() {
	local family address
	for family in IPv4:10.244.1.21 IPv6:fd00:244::21; do
		address=${family#*:}
		cat <<EOF
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: $1-$(tr 'A-Z' 'a-z' <<<"${family%%:*}"), namespace: e2e, labels: { kubernetes.io/service-name: $1 } }
addressType: ${family%%:*}
ports: [ { name: http, protocol: TCP, port: 8080 }, { name: dns, protocol: UDP, port: 5353 } ]
endpoints: [ { addresses: ["$address"], nodeName: node-a, conditions: { ready: true } } ]
EOF
	done
}
{ cat <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: web6, namespace: e2e }
spec:
  type: NodePort
  ipFamilies: [ IPv6 ]
  clusterIP: "fd00:10:96::10"
  clusterIPs: [ "fd00:10:96::10" ]
  ports:
    - { name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30610 }
    - { name: dns, protocol: UDP, port: 53, targetPort: 5353, nodePort: 30611 }
EOF
slices web6; } | put web6
{ cat <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: dual, namespace: e2e }
spec:
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [ IPv4, IPv6 ]
  clusterIP: 10.96.6.20
  clusterIPs: [ 10.96.6.20, "fd00:10:96::20" ]
  externalIPs: [ 203.0.113.60, "2001:db8:60::60" ]
  sessionAffinity: ClientIP
  ports: [ { name: http, protocol: TCP, port: 80, targetPort: 8080 } ]
EOF
slices dual; } | put dual
{ cat <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: lb, namespace: e2e }
spec:
  type: LoadBalancer
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [ IPv4, IPv6 ]
  clusterIP: 10.96.6.30
  clusterIPs: [ 10.96.6.30, "fd00:10:96::30" ]
  externalTrafficPolicy: Local
  healthCheckNodePort: 30632
  loadBalancerSourceRanges: [ 192.168.60.100/32, "fd00:60::100/128" ]
  ports: [ { name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30630 } ]
status:
  loadBalancer: { ingress: [ { ip: 203.0.113.70 }, { ip: "2001:db8:60::70" } ] }
EOF
slices lb; } | put lb

"$proxy" --manifests "$manifests" --hostname-override node-a --ipvs-sync-period 10m -v 2 \
	>"$work/proxy.out" 2>"$log" &
pids+=($!)
daemon=${pids[-1]}
check "the IPv6 ClusterIP is programmed" \
	until_ok 300 sh -c "ipvsadm -Ln -t '[fd00:10:96::10]:80' | grep -q 'fd00:244::21\]:8080'"
until_ok 60 sh -c "ipvsadm -Ln -t '[2001:db8:60::70]:80' | grep -q 'fd00:244::21'"

# --- the kernel ----------------------------------------------------------------------
ipvs=$(ipvsadm -Sn)
for line in "-A -t [fd00:10:96::10]:80 -s rr" "-A -u [fd00:10:96::10]:53 -s rr" \
	"-A -t [fd00:60::1]:30610 -s rr" "-A -t 10.96.6.20:80 -s rr -p 10800" \
	"-A -t [fd00:10:96::20]:80 -s rr -p 10800" "-A -t [2001:db8:60::60]:80 -s rr -p 10800" \
	"-a -t [fd00:10:96::20]:80 -r [fd00:244::21]:8080 -m -w 1" \
	"-a -t 10.96.6.20:80 -r 10.244.1.21:8080 -m -w 1" "-A -t [2001:db8:60::70]:80 -s rr"; do
	check "IPVS has: $line" grep -qxF -- "$line" <<<"$ipvs"
done
bound=$(ip -6 -o addr show dev kube-ipvs0 | awk '{ print $4 }' | sort | tr '\n' ' ')
check "kube-ipvs0 holds the IPv6 service IPs ($bound)" \
	test "$bound" = "2001:db8:60::60/128 2001:db8:60::70/128 fd00:10:96::10/128 fd00:10:96::20/128 fd00:10:96::30/128 "
sets=$(ipset save)
for entry in "KUBE-6-CLUSTER-IP fd00:10:96::10,tcp:80" "KUBE-6-CLUSTER-IP fd00:10:96::10,udp:53" \
	"KUBE-6-EXTERNAL-IP 2001:db8:60::60,tcp:80" "KUBE-6-LOAD-BALANCER-LOCAL 2001:db8:60::70,tcp:80" \
	"KUBE-6-NODE-PORT-TCP 30610" "KUBE-6-HEALTH-CHECK-NODE-PORT 30632" \
	"KUBE-LOAD-BALANCER-SOURCE-CIDR 203.0.113.70,tcp:80,192.168.60.100"; do
	check "ipset has: $entry" grep -qxF -- "add $entry" <<<"$sets"
done
# KUBE-6-LOAD-BALANCER-SOURCE-CIDR is one character over ipset's 31: cut, as kube-proxy cuts it.
check "ipset has the IPv6 source range" \
	grep -qE -- '^add KUBE-6-LOAD-BALANCER-SOURCE-CIDR? 2001:db8:60::70,tcp:80,fd00:60::100$' <<<"$sets"
rules6=$(ip6tables-save)
check "ip6tables: the ClusterIP masquerade rule" \
	grep -q -- '-A KUBE-SERVICES .*--match-set KUBE-6-CLUSTER-IP src,dst -j KUBE-MARK-MASQ' <<<"$rules6"
check "ip6tables: the jump into KUBE-SERVICES" \
	grep -q -- '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' <<<"$rules6"
check "ip6tables: the source-range firewall" \
	grep -q -- '-A KUBE-PROXY-FIREWALL .*--match-set KUBE-6-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL' <<<"$rules6"

# --- traffic -------------------------------------------------------------------------
check "IPv6 ClusterIP from the node" until_ok 30 serves node-a tcp fd00:10:96::10 80 1
check "IPv6 ClusterIP over UDP" until_ok 30 serves node-a udp fd00:10:96::10 53 1
check "IPv6 ClusterIP from the pod itself (hairpin)" until_ok 30 serves pod-d1 tcp fd00:10:96::10 80 1
check "IPv6 NodePort from the client" until_ok 30 serves client tcp fd00:60::1 30610 1
check "IPv6 NodePort over UDP from the client" until_ok 30 serves client udp fd00:60::1 30611 1
check "dual-stack ClusterIP, IPv4" until_ok 30 serves node-a tcp 10.96.6.20 80 1
check "dual-stack ClusterIP, IPv6" until_ok 30 serves node-a tcp fd00:10:96::20 80 1
check "dual-stack externalIP, IPv4, from the client" until_ok 30 serves client tcp 203.0.113.60 80 1
check "dual-stack externalIP, IPv6, from the client" until_ok 30 serves client tcp 2001:db8:60::60 80 1
check "load balancer, IPv4, from an allowed source" until_ok 30 serves client tcp 203.0.113.70 80 1
check "load balancer, IPv6, from an allowed source" until_ok 30 serves client tcp 2001:db8:60::70 80 1
seen=$(ask client tcp 2001:db8:60::70 80 1)
check "externalTrafficPolicy Local keeps the client's IPv6 address ($seen)" \
	test "$(awk '{ print $3 }' <<<"$seen")" = fd00:60::100
check "load balancer, IPv4, from a refused source: dropped" \
	test "$(who client2 tcp 203.0.113.70 80 1)" = FAIL
check "load balancer, IPv6, from a refused source: dropped" \
	test "$(who client2 tcp 2001:db8:60::70 80 1)" = FAIL
check "the refused client still reaches the IPv6 NodePort (no source range there)" \
	serves client2 tcp fd00:60::1 30610 1

kill -TERM "$daemon"
wait "$daemon"
if [ "$failures" -ne 0 ]; then
	echo "--- kipvs-proxy's log" >&2
	cat "$log" >&2
	ipvsadm -Ln >&2
fi
finish
