#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs-proxy over sets it did not make: one of kipvs's names left with
# another type (by another version or tool) is destroyed and made anew; one
# that cannot be (another type, in use by a rule that is not kipvs's) is
# reported by name, and every other set, the virtual servers and the
# iptables rules still go in (the rules leave the missing set out).
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

proxy_kernel_test "$@"

proxy=$KIPVS_BUILD_DIR/proxy/kipvs-proxy
manifests=$KIPVS_SOURCE_DIR/examples/manifests
log=$(mktemp)
rm -f /run/kipvs/state
trap 'rm -f "$log"' EXIT

ip link add eth-node type dummy
ip addr add 192.168.50.1/24 dev eth-node
ip link set eth-node up

# KUBE-CLUSTER-IP as hash:ip (kipvs's is hash:ip,port), in nobody's use.
ipset create KUBE-CLUSTER-IP hash:ip
ipset add KUBE-CLUSTER-IP 10.1.1.1
# KUBE-LOOP-BACK as hash:ip, held by a rule of somebody else's.
ipset create KUBE-LOOP-BACK hash:ip
iptables -A INPUT -m set --match-set KUBE-LOOP-BACK src -j ACCEPT

summary=$(timeout 400 "$proxy" --manifests "$manifests" --hostname-override node-a --sync-once 2>"$log" | tail -n 1)
check "the sync ends and says what failed ($summary)" \
	sh -c "echo '$summary' | grep -Eq '^sync summary: added=[1-9][0-9]* '"
type_of() { ipset list -t "$1" | awk -F': ' '$1 == "Type" { print $2 }'; }
check "the unused set of another type is made anew ($(type_of KUBE-CLUSTER-IP))" \
	test "$(type_of KUBE-CLUSTER-IP)" = "hash:ip,port"
check "and filled" sh -c "ipset list KUBE-CLUSTER-IP | grep -q '^10.96.0.10,tcp:80$'"
check "the set in use is reported by name, with the reason" \
	grep -q 'ipsets: recreate set KUBE-LOOP-BACK: .*another type.*cannot be destroyed.*in use' "$log"
check "it is left as it was" test "$(type_of KUBE-LOOP-BACK)" = "hash:ip"
check "the other sets exist" sh -c "ipset list -n | grep -qx KUBE-NODE-PORT-TCP && ipset list -n | grep -qx KUBE-EXTERNAL-IP"
check "the virtual servers are in" sh -c "ipvsadm -Sn | grep -q -- '-A -t 10.96.0.10:80'"
rules=$(iptables-save)
check "the rules are in" grep -q -- '-A KUBE-SERVICES .*--match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ' <<<"$rules"
check "without the set kipvs could not make" \
	bash -c '! grep -q -- "-A KUBE-POSTROUTING .*KUBE-LOOP-BACK" <<<"$1"' _ "$rules"

# Once the other rule is gone, the next sync makes the set and uses it.
iptables -D INPUT -m set --match-set KUBE-LOOP-BACK src -j ACCEPT
timeout 400 "$proxy" --manifests "$manifests" --hostname-override node-a --sync-once >/dev/null 2>"$log"
check "then the set is made anew ($(type_of KUBE-LOOP-BACK))" \
	test "$(type_of KUBE-LOOP-BACK)" = "hash:ip,port,ip"
check "and its rule written" sh -c "iptables-save | grep -q -- '-A KUBE-POSTROUTING .*KUBE-LOOP-BACK dst,dst,src -j MASQUERADE'"
check "with nothing reported" sh -c "! grep -q 'ipsets:' '$log'"

timeout 400 "$proxy" --cleanup 2>"$log"
[ "$failures" -ne 0 ] && cat "$log" >&2
finish
