#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End to end: real traffic through kipvs-proxy and the kernel, modelled on
# Kubernetes' Services conformance tests (test/e2e/network/service.go).
#
# A small cluster made of network namespaces:
#
#   client 192.168.50.100 ─┐
#   node-a 192.168.50.1  ──┼── switch (a bridge; 192.168.50.254, the routers' router)
#   node-b 192.168.50.2  ──┘
#
# node-a is this test's own namespace: kipvs-proxy runs here as a daemon on
# the manifests in $manifests. Pods are namespaces with routed veths (a /32
# route to each pod, proxy ARP for the pods' gateway 169.254.1.1, as Calico
# does): pod-a1..a4 on node-a (10.244.1.0/24), pod-b1 on node-b
# (10.244.2.0/24, routed through node-b's address). Each pod runs
# server.py, which answers "NAME PORT CLIENT" on TCP 8080, 8081, 5353
# and UDP 5353. node-b also runs a host service on 192.168.50.2:8000, and
# node-a one on 192.168.50.1:9000.
#
# Every behaviour is one check line; a failing one shows what was seen.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

e2e_test "$@"

here=$KIPVS_SOURCE_DIR/test/e2e
proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
work=$(mktemp -d)
manifests=$work/manifests
mkdir "$manifests"
sync_period=20
proxy_pid=
proxy_log=
servers=()

cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	rm -rf "$work"
}
trap cleanup EXIT

step() { echo "# $*"; }

# ---------------------------------------------------------------- the cluster
step "building the cluster (namespaces, veths, servers)"
sysctl -qw net.ipv4.ip_forward=1

ip netns add switch
ip -n switch link set lo up
ip -n switch link add br0 type bridge
ip -n switch addr add 192.168.50.254/24 dev br0
ip -n switch link set br0 up
ip netns exec switch sysctl -qw net.ipv4.ip_forward=1

# plug NS IFNAME ADDRESS: a veth from namespace NS (or "node-a", this one) to the switch.
plug() {
	local ns=$1 ifname=$2 address=$3 port="sw-$1" where=()
	[ "$ns" = node-a ] || where=(netns "$ns")
	ip link add "$port" netns switch type veth peer name "$ifname" "${where[@]}"
	ip -n switch link set "$port" master br0 up
	at "$ns" ip addr add "$address/24" dev "$ifname"
	at "$ns" ip link set "$ifname" up
}
# at NS COMMAND...: run a command in a namespace ("node-a" is this one).
at() {
	local ns=$1
	shift
	if [ "$ns" = node-a ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

ip netns add node-b
ip -n node-b link set lo up
ip netns exec node-b sysctl -qw net.ipv4.ip_forward=1
ip netns add client
ip -n client link set lo up
plug node-a eth0 192.168.50.1
plug node-b eth0 192.168.50.2
plug client eth0 192.168.50.100
ip route add default via 192.168.50.254
ip -n node-b route add default via 192.168.50.254
ip -n client route add default via 192.168.50.1
# The pod networks: each node's pod CIDR is routed through that node.
ip route add 10.244.2.0/24 via 192.168.50.2
ip -n node-b route add 10.244.1.0/24 via 192.168.50.1

# spawn NS COMMAND...: start a command in a namespace in the background, as
# process $spawned itself (not a subshell), so that it can be killed.
spawned=
spawn() {
	local ns=$1
	shift
	if [ "$ns" = node-a ]; then
		"$@" </dev/null &
	else
		ip netns exec "$ns" "$@" </dev/null &
	fi
	spawned=$!
}
# serve NS NAME ADDRESS PORTS...: start server.py in a namespace.
serve() {
	local ns=$1
	shift
	spawn "$ns" python3 "$here/server.py" "$@"
	servers+=("$spawned")
}

# pod NODE NAME ADDRESS: a pod on a node, with a routed veth.
pod() {
	local node=$1 name=$2 address=$3 veth="cali-$2" where=()
	ip netns add "$name"
	ip -n "$name" link set lo up
	[ "$node" = node-a ] || where=(netns "$node")
	ip link add "$veth" "${where[@]}" type veth peer name eth0 netns "$name"
	at "$node" sysctl -qw "net.ipv4.conf.$veth.proxy_arp=1" "net.ipv4.neigh.$veth.proxy_delay=0"
	at "$node" ip link set "$veth" up
	at "$node" ip route add "$address/32" dev "$veth"
	ip -n "$name" addr add "$address/32" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" route add 169.254.1.1 dev eth0
	ip -n "$name" route add default via 169.254.1.1 dev eth0
	serve "$name" "$name" "$address" tcp:8080 tcp:8081 tcp:5353 udp:5353
}
pod node-a pod-a1 10.244.1.11
pod node-a pod-a2 10.244.1.12
pod node-a pod-a3 10.244.1.13
pod node-a pod-a4 10.244.1.14
pod node-b pod-b1 10.244.2.11
serve node-b node-b-host 192.168.50.2 tcp:8000
serve node-a node-a-host 192.168.50.1 tcp:9000

# ask NS MODE ARGS...: client.py in a namespace; prints one answer per line.
ask() {
	local ns=$1
	shift
	at "$ns" python3 "$here/client.py" "$@"
}
# The answering names, on one line (FAIL for a failed request).
names() { awk '{print $1}' | tr '\n' ' ' | sed 's/ $//'; }
# The distinct answering names, sorted, on one line.
distinct() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# How often each name answered, as distinct counts ("2" when all equal).
counts() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# Every server answers before anything is measured (python under emulation starts slowly).
ready() {
	local ns=$1 host=$2 port=$3
	[ "$(ask "$ns" tcp "$host" "$port" 1 | names)" != FAIL ]
}
for p in a1:10.244.1.11 a2:10.244.1.12 a3:10.244.1.13 a4:10.244.1.14; do
	until_ok 120 ready "pod-${p%%:*}" "${p#*:}" 5353 || echo "pod-${p%%:*} never served" >&2
done
until_ok 120 ready pod-b1 10.244.2.11 5353 || echo "pod-b1 never served" >&2
until_ok 120 ready node-b 192.168.50.2 8000 || echo "node-b's host service never served" >&2
until_ok 120 ready node-a 192.168.50.1 9000 || echo "node-a's host service never served" >&2
seen=$(ask node-a tcp 10.244.2.11 8080 1; ask pod-a1 tcp 10.244.2.11 8080 1; ask client tcp 192.168.50.2 8000 1)
check "the cluster network works without kipvs (pod-b1 from node-a and pod-a1, node-b from the client: $(names <<<"$seen"))" \
	test "$(names <<<"$seen")" = "pod-b1 pod-b1 node-b-host"

# ---------------------------------------------------------------- manifests
# put NAME: the manifest on stdin becomes NAME.yaml, atomically (a rename).
put() { write_atomically "$manifests/$1.yaml"; }
# slice NAME SERVICE PORTS ENDPOINTS: an EndpointSlice with the given YAML flow lists.
slice() {
	put "$1-slice" <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: $1, namespace: e2e, labels: { kubernetes.io/service-name: $2 } }
addressType: IPv4
ports: $3
endpoints: $4
EOF
}
# Endpoint shorthands: ready on node-a / node-b.
a1='{ addresses: [10.244.1.11], nodeName: node-a, conditions: { ready: true } }'
a2='{ addresses: [10.244.1.12], nodeName: node-a, conditions: { ready: true } }'
a3='{ addresses: [10.244.1.13], nodeName: node-a, conditions: { ready: true } }'
a4='{ addresses: [10.244.1.14], nodeName: node-a, conditions: { ready: true } }'
b1='{ addresses: [10.244.2.11], nodeName: node-b, conditions: { ready: true } }'
http='[{ name: http, protocol: TCP, port: 8080 }]'

put nodes <<'EOF'
apiVersion: v1
kind: Node
metadata: { name: node-a }
status: { addresses: [{ type: InternalIP, address: 192.168.50.1 }] }
---
apiVersion: v1
kind: Node
metadata: { name: node-b }
status: { addresses: [{ type: InternalIP, address: 192.168.50.2 }] }
EOF

# web: ClusterIP + NodePort + externalIP + load-balancer IP, two ports.
put web <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: web, namespace: e2e }
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  externalIPs: [203.0.113.10]
  ports:
    - { name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080 }
    - { name: alt, protocol: TCP, port: 81, targetPort: 8081, nodePort: 30081 }
status:
  loadBalancer: { ingress: [{ ip: 203.0.113.20 }] }
EOF
slice web web '[{ name: http, protocol: TCP, port: 8080 }, { name: alt, protocol: TCP, port: 8081 }]' "[$a1, $a2, $a3]"

# dns: UDP and TCP on port 53 (DNS-like).
put dns <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: dns, namespace: e2e }
spec:
  clusterIP: 10.96.0.53
  ports:
    - { name: dns, protocol: UDP, port: 53, targetPort: 5353 }
    - { name: dns-tcp, protocol: TCP, port: 53, targetPort: 5353 }
EOF
slice dns dns '[{ name: dns, protocol: UDP, port: 5353 }, { name: dns-tcp, protocol: TCP, port: 5353 }]' "[$a1, $a2]"

# self: one endpoint, pod-a1, which calls it (hairpin).
put self <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: self, namespace: e2e }
spec:
  clusterIP: 10.96.0.20
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
slice self self "$http" "[$a1]"

# sticky: session affinity ClientIP (switched off and on again below).
sticky() {
	put sticky <<EOF
apiVersion: v1
kind: Service
metadata: { name: sticky, namespace: e2e }
spec:
  clusterIP: 10.96.0.30
  sessionAffinity: $1
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
}
sticky ClientIP
slice sticky sticky "$http" "[$a1, $a2, $a3]"

# etp-local: externalTrafficPolicy Local, a local and a remote endpoint.
# etp-remote: externalTrafficPolicy Local, only a remote endpoint.
for s in etp-local:10.96.0.40:30090 etp-remote:10.96.0.41:30091; do
	IFS=: read -r name ip nodeport <<<"$s"
	put "$name" <<EOF
apiVersion: v1
kind: Service
metadata: { name: $name, namespace: e2e }
spec:
  type: NodePort
  clusterIP: $ip
  externalTrafficPolicy: Local
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: $nodeport }]
EOF
done
slice etp-local etp-local "$http" "[$a1, $b1]"
slice etp-remote etp-remote "$http" "[$b1]"

# itp-local / itp-remote: internalTrafficPolicy Local, alike.
for s in itp-local:10.96.0.50 itp-remote:10.96.0.51; do
	IFS=: read -r name ip <<<"$s"
	put "$name" <<EOF
apiVersion: v1
kind: Service
metadata: { name: $name, namespace: e2e }
spec:
  clusterIP: $ip
  internalTrafficPolicy: Local
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
done
slice itp-local itp-local "$http" "[$a1, $b1]"
slice itp-remote itp-remote "$http" "[$b1]"

# terminating: a ready endpoint, a serving terminating one, a terminating
# one that no longer serves.
put terminating <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: terminating, namespace: e2e }
spec:
  clusterIP: 10.96.0.60
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
a2_terminating='{ addresses: [10.244.1.12], nodeName: node-a, conditions: { ready: false, serving: true, terminating: true } }'
a3_gone='{ addresses: [10.244.1.13], nodeName: node-a, conditions: { ready: false, serving: false, terminating: true } }'
slice terminating terminating "$http" "[$a1, $a2_terminating, $a3_gone]"

# churn: endpoints added and removed under traffic.
put churn <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: churn, namespace: e2e }
spec:
  clusterIP: 10.96.0.70
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
slice churn churn "$http" "[$a1, $a2]"

# The node-IP guard: an externalIP that is node-b's address, and one that is
# node-a's own address on a port a host process listens on (9000) and on one
# it does not (9001).
put guard <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: guard, namespace: e2e }
spec:
  clusterIP: 10.96.0.90
  externalIPs: [192.168.50.2, 192.168.50.1]
  ports:
    - { name: other-node, protocol: TCP, port: 8000, targetPort: 8080 }
    - { name: host-port, protocol: TCP, port: 9000, targetPort: 8080 }
    - { name: free-port, protocol: TCP, port: 9001, targetPort: 8080 }
EOF
# (endpoint ports are matched to service ports by name)
slice guard guard '[{ name: other-node, protocol: TCP, port: 8080 }, { name: host-port, protocol: TCP, port: 8080 }, { name: free-port, protocol: TCP, port: 8080 }]' "[$a1]"

# doomed: deleted while kipvs runs.
put doomed <<'EOF'
apiVersion: v1
kind: Service
metadata: { name: doomed, namespace: e2e }
spec:
  clusterIP: 10.96.0.99
  ports: [{ name: http, protocol: TCP, port: 80, targetPort: 8080 }]
EOF
slice doomed doomed "$http" "[$a1]"

# ---------------------------------------------------------------- kipvs-proxy
# start_proxy: run the daemon and wait for its first full sync.
runs=0
start_proxy() {
	runs=$((runs + 1))
	proxy_log=$work/proxy.$runs.log
	"$proxy" --manifests "$manifests" --hostname-override node-a \
		--ipvs-sync-period "${sync_period}s" 2>"$proxy_log" &
	proxy_pid=$!
	until_ok 300 grep -q "full sync:" "$proxy_log"
}
stop_proxy() {
	kill "$proxy_pid"
	wait "$proxy_pid"
	local status=$?
	proxy_pid=
	return $status
}
# The kernel has caught up when a condition holds (incremental syncs).
settled() { until_ok 60 "$@"; }
has_vs() { ipvsadm -Ln -t "$1" >/dev/null 2>&1; }
persistent() { ipvsadm -Ln -t "$1" | grep -q persistent; }
not() { ! "$@"; }
bound() { ip -o addr show dev kube-ipvs0 | grep -qw "$1/32"; }
# weight VS RS: the weight of a real server ("" when it is not there).
weight() { ipvsadm -Ln -t "$1" | awk -v rs="$2" '$2 == rs {print $4}'; }
weight_is() { [ "$(weight "$1" "$2")" = "$3" ]; }
# lines_from FILE N: FILE has at least N lines.
lines_from() { [ "$(wc -l <"$1")" -ge "$2" ]; }

step "starting kipvs-proxy"
start_proxy
check "kipvs-proxy's first full sync succeeds ($(grep "full sync:" "$proxy_log"))" \
	grep -q "full sync: .* failed=0" "$proxy_log"

# ---------------------------------------------------------------- ClusterIP
step "ClusterIP"
seen=$(ask node-a tcp 10.96.0.10 80 6 | names)
check "ClusterIP from the node: round robin over every ready endpoint ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-a2 pod-a3/2"
seen=$(ask pod-a4 tcp 10.96.0.10 80 6 | names)
check "ClusterIP from a pod (pod-a4): round robin over every ready endpoint ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-a2 pod-a3/2"
out=$(ask pod-a1 tcp 10.96.0.20 80 3)
check "hairpin: pod-a1 reaches itself through its service, masqueraded ($(echo $out))" \
	test "$(awk '$1 == "pod-a1" && $3 != "10.244.1.11"' <<<"$out" | wc -l)" = 3
seen=$(ask node-a tcp 10.96.0.10 81 4 | awk '{print $1 ":" $2}' | tr '\n' ' ')
check "multi-port: port 81 reaches targetPort 8081 on the pods ($seen)" \
	sh -c "[ \$(echo '$seen' | tr ' ' '\n' | grep -c ':8081\$') = 4 ]"
seen=$(ask pod-a3 udp 10.96.0.53 53 4 | names)
check "UDP: DNS-like 10.96.0.53:53 answers over UDP from both endpoints ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-a2/2"
seen=$(ask pod-a3 tcp 10.96.0.53 53 4 | names)
check "TCP on the same port 53 answers from both endpoints ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-a2/2"
seen=$(ask node-a ping 10.96.0.10 2 | tr '\n' ' ')
check "the ClusterIP answers ping from the node ($seen)" \
	test "$(grep -o 'echo-reply' <<<"$seen" | wc -l)" = 2
seen=$(ask pod-a2 ping 10.96.0.10 2 | tr '\n' ' ')
check "the ClusterIP answers ping from a pod ($seen)" \
	test "$(grep -o 'echo-reply' <<<"$seen" | wc -l)" = 2

# ---------------------------------------------------------------- from outside
step "NodePort, externalIP and load-balancer IP from the external client"
for target in "NodePort 192.168.50.1 30080" "externalIP 203.0.113.10 80" "load-balancer-IP 203.0.113.20 80"; do
	read -r what host port <<<"$target"
	seen=$(ask client tcp "$host" "$port" 3 | names)
	check "$what $host:$port from the client reaches every pod ($seen)" \
		test "$(distinct "$seen")" = "pod-a1 pod-a2 pod-a3"
done
out=$(ask client tcp 192.168.50.1 30081 2)
check "the second NodePort 30081 reaches targetPort 8081 ($(echo $out))" \
	test "$(awk '$1 ~ /^pod-a/ && $2 == 8081' <<<"$out" | wc -l)" = 2
check "externalTrafficPolicy Cluster: the pods see the node's address, not the client's ($(echo $out))" \
	test "$(awk '$1 ~ /^pod-a/ && $3 != "192.168.50.100"' <<<"$out" | wc -l)" = 2

# ---------------------------------------------------------------- affinity
step "session affinity"
seen=$(ask node-a tcp 10.96.0.30 80 6 | names)
check "sessionAffinity ClientIP: every request goes to one pod ($seen)" \
	sh -c "[ \$(echo '$seen' | tr ' ' '\n' | sort -u | wc -l) = 1 ] && ! echo '$seen' | grep -q FAIL"
sticky None
settled not persistent 10.96.0.30:80
seen=$(ask node-a tcp 10.96.0.30 80 6 | names)
check "sessionAffinity switched off: requests spread again ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-a2 pod-a3/2"
sticky ClientIP
settled persistent 10.96.0.30:80
seen=$(ask node-a tcp 10.96.0.30 80 6 | names)
check "sessionAffinity switched on again: one pod again ($seen)" \
	sh -c "[ \$(echo '$seen' | tr ' ' '\n' | sort -u | wc -l) = 1 ] && ! echo '$seen' | grep -q FAIL"

# ---------------------------------------------------------------- traffic policies
step "externalTrafficPolicy and internalTrafficPolicy Local"
out=$(ask client tcp 192.168.50.1 30090 4)
check "externalTrafficPolicy Local: the NodePort sends only to the local endpoint ($(names <<<"$out"))" \
	test "$(names <<<"$out")" = "pod-a1 pod-a1 pod-a1 pod-a1"
check "externalTrafficPolicy Local: the pod sees the client's own address ($(awk '{print $3}' <<<"$out" | tr '\n' ' '))" \
	test "$(awk '$3 == "192.168.50.100"' <<<"$out" | wc -l)" = 4
seen=$(ask node-a tcp 10.96.0.40 80 4 | names)
check "externalTrafficPolicy Local leaves the ClusterIP to every endpoint ($seen)" \
	test "$(distinct "$seen")/$(counts "$seen")" = "pod-a1 pod-b1/2"
# No local endpoint: kube-proxy's IPVS mode gives the NodePort's virtual
# server the cluster's endpoints ("allow access from local pods even if no
# local endpoints exist", its proxier; the test cluster's oracle shows it).
# The port is in KUBE-NODE-PORT-LOCAL-TCP, so an outside client's traffic is
# not masqueraded: the remote pod answers it directly, from its own address,
# and the client's connection fails; a pod on this node is answered.
# real_servers VS: its real servers, on one line; fails when VS does not exist.
real_servers() {
	local listing
	listing=$(ipvsadm -Ln -t "$1" 2>&1) || { echo "no virtual server $1"; return 1; }
	awk '$1 == "->" && $2 ~ /^[0-9]/ {print $2}' <<<"$listing" | tr '\n' ' '
}
seen=$(real_servers 192.168.50.1:30091)
check "externalTrafficPolicy Local, no local endpoint: the NodePort's virtual server falls back to the cluster's endpoint (${seen:-none})" \
	test "$seen" = "10.244.2.11:8080 "
seen=$(ask pod-a1 tcp 192.168.50.1 30091 2 | names)
check "externalTrafficPolicy Local, no local endpoint: a pod on this node reaches the remote endpoint through the NodePort ($seen)" \
	test "$seen" = "pod-b1 pod-b1"
seen=$(ask client tcp 192.168.50.1 30091 2 | names)
check "externalTrafficPolicy Local, no local endpoint: an outside client is not answered (the reply bypasses the node, as with kube-proxy) ($seen)" \
	test "$seen" = "FAIL FAIL"
seen=$(ask node-a tcp 10.96.0.41 80 2 | names)
check "externalTrafficPolicy Local, no local endpoint: the ClusterIP still reaches the remote one ($seen)" \
	test "$seen" = "pod-b1 pod-b1"
seen=$(ask node-a tcp 10.96.0.50 80 4 | names)
check "internalTrafficPolicy Local: the ClusterIP sends only to the local endpoint ($seen)" \
	test "$seen" = "pod-a1 pod-a1 pod-a1 pod-a1"
seen=$(ask node-a tcp 10.96.0.51 80 2 | names)
check "internalTrafficPolicy Local, no local endpoint: the ClusterIP does not send to the remote one ($seen)" \
	test "$seen" = "FAIL FAIL"

# ---------------------------------------------------------------- terminating
step "terminating endpoints"
seen=$(ask node-a tcp 10.96.0.60 80 4 | names)
check "a terminating endpoint gets no traffic while a ready one exists ($seen)" \
	test "$seen" = "pod-a1 pod-a1 pod-a1 pod-a1"
a1_gone='{ addresses: [10.244.1.11], nodeName: node-a, conditions: { ready: false, serving: false, terminating: true } }'
slice terminating terminating "$http" "[$a1_gone, $a2_terminating, $a3_gone]"
settled weight_is 10.96.0.60:80 10.244.1.12:8080 1
seen=$(ask node-a tcp 10.96.0.60 80 4 | names)
check "with no ready endpoint, the serving terminating one takes the traffic ($seen)" \
	test "$seen" = "pod-a2 pod-a2 pod-a2 pod-a2"

# ---------------------------------------------------------------- churn
step "endpoints added and removed under traffic"
stop=$work/stop-churn
spawn node-a python3 "$here/client.py" loop 10.96.0.70 80 "$stop" >"$work/churn.out"
loop=$spawned
servers+=("$loop")
until_ok 60 grep -q pod-a2 "$work/churn.out"
slice churn churn "$http" "[$a1, $a2, $a4]"
until_ok 60 grep -q pod-a4 "$work/churn.out"
check "an endpoint added under traffic gets traffic ($(names <"$work/churn.out" | tr ' ' '\n' | sort | uniq -c | tr -s ' \n' ' '))" \
	grep -q pod-a4 "$work/churn.out"
slice churn churn "$http" "[$a2, $a4]"
settled not weight_is 10.96.0.70:80 10.244.1.11:8080 1
mark=$(wc -l <"$work/churn.out")
until_ok 60 lines_from "$work/churn.out" $((mark + 10))
touch "$stop"
wait "$loop"
after=$(tail -n +$((mark + 1)) "$work/churn.out" | names)
check "a removed endpoint gets no new requests ($(distinct "$after") after the removal)" \
	test "$(distinct "$after")" = "pod-a2 pod-a4"
total=$(wc -l <"$work/churn.out")
failed=$(grep -c FAIL "$work/churn.out")
check "no request failed while endpoints were added and removed ($failed of $total failed: $(grep FAIL "$work/churn.out" | sort | uniq -c | head -n 3 | tr -s ' \n' ' '))" \
	test "$failed" = 0 -a "$total" -gt 0

# ---------------------------------------------------------------- deletion
step "a service deleted"
seen=$(ask node-a tcp 10.96.0.99 80 1 | names)
check "the service to delete answers first ($seen)" test "$seen" = pod-a1
rm "$manifests/doomed.yaml" "$manifests/doomed-slice.yaml"
settled not bound 10.96.0.99
check "a deleted service's address leaves kube-ipvs0" not bound 10.96.0.99
check "a deleted service's virtual server is gone" not has_vs 10.96.0.99:80
seen=$(ask node-a tcp 10.96.0.99 80 1)
check "a deleted service's VIP stops answering ($seen)" sh -c "echo '$seen' | grep -q '^FAIL'"

# ---------------------------------------------------------------- node-IP guard
step "the node-IP guard"
seen=$(ask node-a tcp 192.168.50.2 8000 2 | names)
check "an externalIP equal to node-b's address does not cut node-a off from node-b's host service ($seen)" \
	test "$seen" = "node-b-host node-b-host"
seen=$(ask pod-a2 tcp 192.168.50.2 8000 2 | names)
check "... nor node-a's pods ($seen)" test "$seen" = "node-b-host node-b-host"
check "... and node-b's address is not on kube-ipvs0 ($(ip -o addr show dev kube-ipvs0 | awk '{print $4}' | tr '\n' ' '))" \
	not bound 192.168.50.2
check "... and the refusal is logged" grep -q "externalIP 192.168.50.2 is the address of another node" "$proxy_log"
seen=$(ask client tcp 192.168.50.1 9000 2 | names)
check "an externalIP equal to node-a's address does not hijack its host listener on that port ($seen)" \
	test "$seen" = "node-a-host node-a-host"
seen=$(ask client tcp 192.168.50.1 9001 2 | names)
check "an externalIP equal to node-a's address, on a port no host process holds, is served ($seen)" \
	test "$seen" = "pod-a1 pod-a1"

# ---------------------------------------------------------------- restarts
step "kipvs-proxy restarted under a steady request loop"
stop=$work/stop-restart
loops=()
for loop in client:192.168.50.1:30080 node-a:10.96.0.10:80 pod-a4:10.96.0.53:53; do
	IFS=: read -r ns host port <<<"$loop"
	spawn "$ns" python3 "$here/client.py" loop "$host" "$port" "$stop" >"$work/restart-$ns.out"
	loops+=("$spawned")
done
servers+=("${loops[@]}")
answering() { grep -q pod "$work/restart-client.out" && grep -q pod "$work/restart-node-a.out" && grep -q pod "$work/restart-pod-a4.out"; }
until_ok 60 answering
restarts=
stops=
for _ in 1 2 3; do
	stop_proxy
	stops="$stops$? "
	start_proxy
	restarts="$restarts$(grep -o 'full sync: [^ ]* [^ ]* [^ ]* [^ ]*' "$proxy_log" | head -n 1 | cut -d' ' -f3-); "
done
sleep 2
touch "$stop"
wait "${loops[@]}"
check "kipvs-proxy exits 0 on SIGTERM (exit codes: $stops)" test "$stops" = "0 0 0 "
check "a restart over an unchanged cluster changes nothing ($restarts)" \
	test "$restarts" = "added=0 updated=0 deleted=0 failed=0; added=0 updated=0 deleted=0 failed=0; added=0 updated=0 deleted=0 failed=0; "
for loop in client:"NodePort from the client" node-a:"ClusterIP from the node" pod-a4:"ClusterIP TCP 53 from a pod"; do
	out=$work/restart-${loop%%:*}.out
	total=$(wc -l <"$out")
	failed=$(grep -c FAIL "$out")
	check "zero failed requests (${loop#*:}) across 3 restarts ($failed of $total failed: $(grep FAIL "$out" | sort | uniq -c | head -n 3 | tr -s ' \n' ' '))" \
		test "$failed" = 0 -a "$total" -gt 0
done

# ---------------------------------------------------------------- tampering
step "tampering, repaired by the next full sync (sync period ${sync_period}s)"
full_syncs() { grep -c "full sync:" "$proxy_log"; }
# more_syncs N: more than N full syncs are logged.
more_syncs() { [ "$(full_syncs)" -gt "$1" ]; }
# What kipvs owns, in a comparable form (draining real servers excepted).
snapshot() {
	ipvsadm -Sn | grep -v -- '-w 0$' | sort
	ipset save | grep '^add' | sort
	iptables-save | grep '^-A' | grep KUBE | sort
	ip -o addr show dev kube-ipvs0 | awk '{print $4}' | sort
}
# Tamper right after a full sync, so the next one is a whole period away.
n=$(full_syncs)
until_ok $((sync_period + 120)) more_syncs "$n"
before=$(snapshot)
rule=$(iptables-save -t nat | grep '^-A KUBE-SERVICES' | head -n 1)
start=$SECONDS
ipvsadm -C
ipset flush
ip addr del 10.96.0.10/32 dev kube-ipvs0
eval "iptables -t nat -D ${rule#-A }"
n=$(full_syncs)
tampered() {
	[ -z "$(ipvsadm -Sn)" ] && ! ipset save | grep -q '^add' && not bound 10.96.0.10 &&
		! iptables-save -t nat | grep -qxF -- "$rule"
}
check "the tampering took effect (no virtual server, no set entry, no 10.96.0.10 on kube-ipvs0, one rule less: $rule)" \
	tampered
until_ok $((sync_period + 120)) more_syncs "$n"
elapsed=$((SECONDS - start))
line=$(grep "full sync:" "$proxy_log" | tail -n 1 | sed 's/.*full sync: //')
after=$(snapshot)
echo "$before" >"$work/before"
echo "$after" >"$work/after"
missing=$(diff "$work/before" "$work/after" | grep '^[<>]' | head -n 5 | tr '\n' ' ')
check "the first full sync after the tampering ($elapsed s later: $line) restores IPVS, the sets, kube-ipvs0 and the rules (${missing:-no difference})" \
	test "$before" = "$after"
seen=$(ask node-a tcp 10.96.0.10 80 3 | names)
check "after the repair the ClusterIP answers ($seen)" test "$(distinct "$seen")" = "pod-a1 pod-a2 pod-a3"
seen=$(ask client tcp 192.168.50.1 30080 3 | names)
check "after the repair the NodePort answers ($seen)" test "$(distinct "$seen")" = "pod-a1 pod-a2 pod-a3"

# ---------------------------------------------------------------- end
stop_proxy
check "kipvs-proxy exits 0 at the end" test $? -eq 0
errors=$(cat "$work"/proxy.*.log | grep -E '^[^ ]+ E ' | head -n 3)
check "kipvs-proxy logged no error ($errors)" test -z "$errors"
finish
