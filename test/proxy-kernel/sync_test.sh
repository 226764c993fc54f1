#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy against the real kernel: manifests in, --sync-once, and the
# kernel read back with ipvsadm, ipset, ip and iptables-save as oracles; a
# repeat changes nothing; a foreign virtual server survives; tampering is
# repaired; --cleanup removes what is kipvs's and only that.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"

proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
manifests=$KIPVS_SOURCE_DIR/examples/manifests
state=/run/kipvs/state
rm -f "$state"

# This node's address, as node-a's Node object says.
ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up

sync_once() {
	timeout 400 "$proxy" --manifests "$manifests" --hostname-override node-a --sync-once "$@" 2>"$log"
}
log=$(mktemp)
summary() { sync_once "$@" | tail -n 1; }

# A virtual server that is not kipvs's (keepalived's, say).
ipvsadm -A -t 192.168.50.1:8443 -s wlc

first=$(summary)
check "the first sync exits 0" test $? -eq 0
check "the first sync adds objects ($first)" sh -c "echo '$first' | grep -Eq '^sync summary: added=[1-9][0-9]* updated=[0-9]+ deleted=0$'"

expected_ipvs='-A -t 10.96.0.10:80 -s rr
-a -t 10.96.0.10:80 -r 10.244.1.11:8080 -m -w 1
-a -t 10.96.0.10:80 -r 10.244.1.12:8080 -m -w 1
-a -t 10.96.0.10:80 -r 10.244.1.13:8080 -m -w 1
-A -t 10.96.0.53:53 -s rr -p 10800
-a -t 10.96.0.53:53 -r 10.244.1.21:5353 -m -w 1
-a -t 10.96.0.53:53 -r 10.244.1.22:5353 -m -w 1
-A -t 10.96.0.80:80 -s rr
-a -t 10.96.0.80:80 -r 10.244.1.11:8080 -m -w 1
-A -t 192.168.50.1:8443 -s wlc
-A -t 192.168.50.1:30080 -s rr
-a -t 192.168.50.1:30080 -r 10.244.1.11:8080 -m -w 1
-a -t 192.168.50.1:30080 -r 10.244.1.12:8080 -m -w 1
-a -t 192.168.50.1:30080 -r 10.244.1.13:8080 -m -w 1
-A -t 203.0.113.10:80 -s rr
-a -t 203.0.113.10:80 -r 10.244.1.11:8080 -m -w 1
-A -u 10.96.0.53:53 -s rr -p 10800
-a -u 10.96.0.53:53 -r 10.244.1.21:5353 -m -w 1
-a -u 10.96.0.53:53 -r 10.244.1.22:5353 -m -w 1'
# ipvsadm orders services with its wrap-around comparator: compare as sets of lines.
ipvs_lines() { ipvsadm -Sn | sort; }
expected_ipvs=$(sort <<<"$expected_ipvs")
check "ipvsadm -Sn shows the services (and the foreign one)" \
	test "$(ipvs_lines)" = "$expected_ipvs"

bound=$(ip -o addr show dev kube-ipvs0 | awk '{print $4}' | sort | tr '\n' ' ')
check "kube-ipvs0 holds the service IPs, not node-b's ($bound)" \
	test "$bound" = "10.96.0.10/32 10.96.0.53/32 10.96.0.80/32 203.0.113.10/32 "
check "kube-ipvs0 is a dummy link, down" \
	sh -c "ip -d link show kube-ipvs0 | grep -qw dummy && ! ip link show kube-ipvs0 | grep -q ',UP'"
check "the refusal of node-b's address is logged" \
	grep -q "externalIP 192.168.50.2 is the address of another node" "$log"

set_lines() { ipset save | grep '^add' | sort; }
entries=$(set_lines)
expected_entries='add KUBE-CLUSTER-IP 10.96.0.10,tcp:80
add KUBE-CLUSTER-IP 10.96.0.53,tcp:53
add KUBE-CLUSTER-IP 10.96.0.53,udp:53
add KUBE-CLUSTER-IP 10.96.0.80,tcp:80
add KUBE-EXTERNAL-IP 203.0.113.10,tcp:80
add KUBE-IPVS-IPS 10.96.0.10
add KUBE-IPVS-IPS 10.96.0.53
add KUBE-IPVS-IPS 10.96.0.80
add KUBE-IPVS-IPS 203.0.113.10
add KUBE-LOOP-BACK 10.244.1.11,tcp:8080,10.244.1.11
add KUBE-LOOP-BACK 10.244.1.12,tcp:8080,10.244.1.12
add KUBE-LOOP-BACK 10.244.1.13,tcp:8080,10.244.1.13
add KUBE-LOOP-BACK 10.244.1.21,tcp:5353,10.244.1.21
add KUBE-LOOP-BACK 10.244.1.21,udp:5353,10.244.1.21
add KUBE-LOOP-BACK 10.244.1.22,tcp:5353,10.244.1.22
add KUBE-LOOP-BACK 10.244.1.22,udp:5353,10.244.1.22
add KUBE-NODE-PORT-TCP 30080'
expected_entries=$(sort <<<"$expected_entries")
check "ipset save shows the entries" test "$entries" = "$expected_entries"

rules=$(iptables-save)
for rule in \
	'-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' \
	'-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' \
	'-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING' \
	'-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER' \
	'-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000' \
	'-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ' \
	'-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ' \
	'-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable'; do
	check "iptables-save has: $rule" grep -qF -- "$rule" <<<"$rules"
done
check "the ownership record exists" test -s "$state"

check "a repeat sync changes nothing" test "$(summary)" = "sync summary: added=0 updated=0 deleted=0"

# Tampering: each is repaired by the next full sync.
ipvsadm -D -t 10.96.0.10:80
ipset flush KUBE-CLUSTER-IP
ip addr del 10.96.0.80/32 dev kube-ipvs0
iptables -t nat -D OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
repaired=$(summary)
check "the tampering is repaired ($repaired)" \
	sh -c "echo '$repaired' | grep -Eq '^sync summary: added=[1-9]'"
check "ipvsadm -Sn is as before" test "$(ipvs_lines)" = "$expected_ipvs"
check "ipset save is as before" test "$(set_lines)" = "$expected_entries"
check "the jump rule is back" \
	sh -c "iptables-save -t nat | grep -qF -- '-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES'"
check "and then nothing more changes" test "$(summary)" = "sync summary: added=0 updated=0 deleted=0"

# A stale service of kipvs's (deleted while it was down) goes; the foreign one stays.
stale=$(mktemp -d)
cp "$manifests"/*.yaml "$stale"/
rm "$stale/dns.yaml"
timeout 400 "$proxy" --manifests "$stale" --hostname-override node-a --sync-once >/dev/null 2>"$log"
check "the deleted service's virtual servers are gone" \
	sh -c "! ipvsadm -Sn | grep -q 10.96.0.53"
check "the foreign virtual server survives" sh -c "ipvsadm -Sn | grep -q '192.168.50.1:8443'"

# The ownership record lost (a crash before it was written, /run wiped, a
# node moved from kube-proxy): what a sync finds and wants is kipvs's own
# again, so the NodePort on the node's address (not on kube-ipvs0, so not
# deletable by address) still goes with its Service.
rm -f "$state"
timeout 400 "$proxy" --manifests "$stale" --hostname-override node-a --sync-once >/dev/null 2>"$log"
check "a sync without the ownership record exits 0" test $? -eq 0
rm "$stale/web.yaml"
timeout 400 "$proxy" --manifests "$stale" --hostname-override node-a --sync-once >/dev/null 2>"$log"
check "an adopted NodePort virtual server goes with its Service" \
	sh -c "! ipvsadm -Sn | grep -q '192.168.50.1:30080'"
check "the foreign virtual server still survives" sh -c "ipvsadm -Sn | grep -q '192.168.50.1:8443'"

# --dry-run prints what a real sync would do and changes nothing: it reads
# the ownership record (and the rules' fingerprints) but never writes it.
dry_run() {
	timeout 400 "$proxy" --manifests "$1" --hostname-override node-a --sync-once --dry-run 2>"$log"
}
would_change() { grep '^would' | grep -v '^would ensure'; }
summary >/dev/null
cp "$state" "$state.before"
before=$(ipvsadm -Sn)
dry=$(dry_run "$manifests")
check "--dry-run over a synced kernel would change nothing ($(would_change <<<"$dry" | head -n 3))" \
	test -z "$(would_change <<<"$dry")"
dry=$(dry_run "$stale")
check "--dry-run would delete the owned NodePort virtual server" \
	grep -q "^would delete virtual server TCP 192.168.50.1:30080$" <<<"$dry"
check "--dry-run would delete the service IPs' virtual servers" \
	grep -q "^would delete virtual server TCP 10.96.0.53:53$" <<<"$dry"
check "--dry-run changes nothing" test "$(ipvsadm -Sn)" = "$before"
check "--dry-run leaves the ownership record as it was" cmp -s "$state" "$state.before"
rm -f "$state.before"

# Strict ARP and the IPVS timeouts reach the kernel (this namespace's).
timeout 400 "$proxy" --manifests "$manifests" --hostname-override node-a --sync-once \
	--ipvs-strict-arp --ipvs-tcp-timeout=901s --ipvs-tcpfin-timeout=61s --ipvs-udp-timeout=5m1s \
	>/dev/null 2>"$log"
arp="$(cat /proc/sys/net/ipv4/conf/all/arp_ignore)/$(cat /proc/sys/net/ipv4/conf/all/arp_announce)"
check "--ipvs-strict-arp sets arp_ignore=1, arp_announce=2 ($arp)" test "$arp" = "1/2"
check "the IPVS timeouts are set ($(ipvsadm -L --timeout))" \
	sh -c "ipvsadm -L --timeout | grep -qx 'Timeout (tcp tcpfin udp): 901 61 301'"

# What others keep in the same tables (kube-proxy's TestCleanupLeftovers):
# kubelet's KUBE-FIREWALL, KUBE-KUBELET-CANARY and KUBE-IPTABLES-HINT, and
# other parties' rules in the built-in chains. --cleanup leaves them.
iptables-restore --noflush <<'EOF'
*filter
:KUBE-FIREWALL - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m comment --comment "someone else's input rule" -s 1.2.3.4 -j DROP
-A FORWARD -m comment --comment "someone else's forward rule" -s 1.2.3.4 -j DROP
-A OUTPUT -j KUBE-FIREWALL
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A OUTPUT -m comment --comment "someone else's output rule" -s 1.2.3.4 -j DROP
COMMIT
*nat
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*mangle
:KUBE-IPTABLES-HINT - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
EOF
# others_rules: those lines as iptables-save prints them, without counters.
others_rules() {
	iptables-save | grep -E 'KUBE-FIREWALL|KUBE-KUBELET-CANARY|KUBE-IPTABLES-HINT|someone else' |
		sed 's/ \[[0-9]*:[0-9]*\]$//'
}
others=$(others_rules)
timeout 400 "$proxy" --cleanup 2>"$log"
check "--cleanup exits 0" test $? -eq 0
check "--cleanup leaves only the foreign virtual server" \
	test "$(ipvsadm -Sn)" = "-A -t 192.168.50.1:8443 -s wlc"
check "--cleanup removes kube-ipvs0" sh -c "! ip link show kube-ipvs0 2>/dev/null"
check "--cleanup removes the sets" sh -c "! ipset list -n | grep -q KUBE-"
kipvs_rules() { iptables-save | grep KUBE- | grep -Ev 'KUBE-FIREWALL|KUBE-KUBELET-CANARY|KUBE-IPTABLES-HINT'; }
check "--cleanup removes the chains and jumps ($(kipvs_rules | head -n 3 | tr '\n' ';'))" test -z "$(kipvs_rules)"
check "--cleanup leaves kubelet's chains and others' rules ($(echo "$others" | wc -l) lines before)" \
	test "$(others_rules)" = "$others" -a "$(echo "$others" | wc -l)" -ge 11
check "--cleanup removes the ownership record" test ! -e "$state"

rm -rf "$stale" "$log"
finish
