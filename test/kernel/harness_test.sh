#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Proves the kernel test harness: a dummy kube-ipvs0, an IPVS virtual
# server read back through ipvsadm, and an ipset, in a namespace of its own.
set -u
. "$(dirname "$0")/lib.sh"

require_root
isolate "$@"
require "IPVS (ip_vs)" has_ipvs
require "dummy links" has_dummy
require "ipset" has_ipset

check "kube-ipvs0 is created as a dummy link" \
	ip link add kube-ipvs0 type dummy
check "kube-ipvs0 is a dummy" \
	sh -c 'ip -d link show kube-ipvs0 | grep -qw dummy'
check "an address binds to kube-ipvs0" \
	ip addr add 10.96.0.1/32 dev kube-ipvs0
check "the address reads back" \
	sh -c 'ip -o addr show dev kube-ipvs0 | grep -q "inet 10.96.0.1/32"'

check "a virtual server is added" ipvsadm -A -t 10.96.0.1:443 -s rr
check "a real server is added" ipvsadm -a -t 10.96.0.1:443 -r 10.244.1.5:6443 -m -w 1
saved=$(ipvsadm -Sn)
expected="-A -t 10.96.0.1:443 -s rr
-a -t 10.96.0.1:443 -r 10.244.1.5:6443 -m -w 1"
check "ipvsadm -Sn reads back what was added" test "$saved" = "$expected"

check "an ipset is created" ipset create KUBE-CLUSTER-IP hash:ip,port
check "an entry is added" ipset add KUBE-CLUSTER-IP 10.96.0.1,tcp:443
check "the entry tests present" ipset test KUBE-CLUSTER-IP 10.96.0.1,tcp:443
ipset destroy KUBE-CLUSTER-IP

finish
