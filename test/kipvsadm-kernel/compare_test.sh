#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvsadm against ipvsadm 1.31 on the same kernel state: program a varied
# IPVS table with ipvsadm -R, send real traffic through it, then run every
# listing mode (and the error cases) with both tools and compare stdout,
# stderr and the exit code byte for byte.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../kernel/lib.sh"

require_root
# A network namespace (IPVS is per netns) and a mount namespace, so that a
# test /etc/hosts can give addresses names without touching the machine.
if [ -z "${KIPVS_ISOLATED:-}" ]; then
	KIPVS_ISOLATED=1 exec unshare --net --mount -- "$BASH" "$0" "$@"
fi
ip link set lo up
require "IPVS (ip_vs)" has_ipvs
# A copy of the report that can be followed while the (slow, emulated) VM runs.
# (Through a FIFO: the test VM's /dev has no /dev/fd for >(...).)
if [ -n "${KIPVS_BUILD_DIR:-}" ] && [ -d "$KIPVS_BUILD_DIR/meson-logs" ]; then
	fifo=$(mktemp -u /tmp/kipvsadm-log.XXXXXX)
	mkfifo "$fifo"
	tee "$KIPVS_BUILD_DIR/meson-logs/kipvsadm-compare.log" <"$fifo" &
	exec >"$fifo" 2>&1
	rm -f "$fifo"
fi

kipvsadm=${KIPVSADM:-$KIPVS_BUILD_DIR/ipvs/kipvsadm/kipvsadm}
ipvsadm=$(command -v ipvsadm)
work=$(mktemp -d)
pids=
trap 'kill $pids 2>/dev/null; ip netns del kipvsadm-pod 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/hosts" <<'HOSTS'
127.0.0.1	localhost
10.0.0.1	web.example
192.168.1.10	a-very-long-host-name-cut-at-the-column.example.internal
10.1.0.5	this-name-is-far-too-long-for-the-sixty-byte-buffer-ipvsadm-uses.example
fd00::1	v6svc.example
fd00::100	v6real.example
HOSTS
mount --bind "$work/hosts" /etc/hosts
# Reverse lookups of the many addresses below must fail fast, not wait for
# a name server this namespace cannot reach; and not on 127.0.0.1:53, which
# is a virtual service below (the lookups would move its counters).
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf

# Both tools run with argv[0] "ipvsadm" (it appears in the messages), at
# the same moment, so counters and timers that move give them the same
# view; a listing that moved between the two reads is retried.
run_pair() {
	local a b
	( (exec -a ipvsadm "$ipvsadm" "$@") >"$work/a.out" 2>"$work/a.err"; echo $? >"$work/a.rc" ) </dev/null &
	a=$!
	( (exec -a ipvsadm "$kipvsadm" "$@") >"$work/b.out" 2>"$work/b.err"; echo $? >"$work/b.rc" ) </dev/null &
	b=$!
	# Only these two: a bare `wait` would also wait for the log's tee.
	wait "$a" "$b"
}
same_pair() {
	cmp -s "$work/a.out" "$work/b.out" && cmp -s "$work/a.err" "$work/b.err" &&
		cmp -s "$work/a.rc" "$work/b.rc"
}
# Connection entries (-c) carry a countdown the kernel computes at each
# read: with many entries one of them nearly always ticks between the two
# tools' reads. Same bytes, except expiry times at most a second apart.
same_but_timers() {
	cmp -s "$work/a.err" "$work/b.err" && cmp -s "$work/a.rc" "$work/b.rc" &&
		python3 - "$work/a.out" "$work/b.out" <<'PY'
import re, sys
a, b = (open(f).read().split("\n") for f in sys.argv[1:3])
# Rows may differ only in an mm:ss timer (wherever its column is) by a second.
timer = re.compile(r"^(\d\d):(\d\d)$")
if len(a) != len(b):
    sys.exit(1)
for x, y in zip(a, b):
    if x == y:
        continue
    # Split keeping the blanks, so that the layout must match too.
    tx, ty = re.split(r"(\s+)", x), re.split(r"(\s+)", y)
    if len(tx) != len(ty):
        sys.exit(1)
    for u, v in zip(tx, ty):
        if u == v:
            continue
        mu, mv = timer.match(u), timer.match(v)
        if not (mu and mv):
            sys.exit(1)
        seconds = lambda m: int(m.group(1)) * 60 + int(m.group(2))
        if abs(seconds(mu) - seconds(mv)) > 1:
            sys.exit(1)
PY
}
compared=0
compare() {
	local tries=${TRIES:-1} i
	for ((i = 0; i < tries; i++)); do
		run_pair "$@"
		same_pair && break
		sleep 0.3
	done
	compared=$((compared + 1))
	if same_pair; then
		echo "ok - same output: ipvsadm $* (exit $(cat "$work/a.rc"), $(wc -l <"$work/a.out") lines)"
	elif [ -n "${TIMERS:-}" ] && same_but_timers; then
		echo "ok - same output but for timers that ticked between the reads: ipvsadm $* ($(wc -l <"$work/a.out") lines)"
	else
		echo "not ok - differs: ipvsadm $*" >&2
		echo "  exit: ipvsadm $(cat "$work/a.rc"), kipvsadm $(cat "$work/b.rc")" >&2
		diff -u "$work/a.out" "$work/b.out" | head -40 | sed 's/^/  out: /' >&2
		diff -u "$work/a.err" "$work/b.err" | head -20 | sed 's/^/  err: /' >&2
		failures=$((failures + 1))
	fi
}

echo "# programming the table"
# --- the table ------------------------------------------------------------
ip link add kipvsadm0 type dummy
ip link set kipvsadm0 up multicast on
ip addr add 10.96.0.10/32 dev kipvsadm0
ip addr add 10.96.0.11/32 dev kipvsadm0
ip -6 addr add fd96::10/128 dev kipvsadm0 nodad

# Sync daemons first: the kernel refuses them while a virtual server has a
# real server of the other family (state.rules has tunnelled ones), and
# refuses such real servers while a daemon runs. So they are listed, then
# stopped, before the table is loaded.
check "a master sync daemon starts" "$ipvsadm" --start-daemon master --mcast-interface kipvsadm0 --syncid 7
check "a backup sync daemon starts" "$ipvsadm" --start-daemon backup --mcast-interface kipvsadm0 \
	--syncid 9 --mcast-group 239.1.2.3 --mcast-port 9999 --mcast-ttl 3 --sync-maxlen 1200
for mode in "-Ln --daemon" "-L --daemon" "--list --daemon --numeric"; do
	# shellcheck disable=SC2086
	compare $mode
done
check "the sync daemons stop" sh -c "'$ipvsadm' --stop-daemon master && '$ipvsadm' --stop-daemon backup"

check "the fixed rules load" sh -c "'$ipvsadm' -R <'$here/state.rules'"
check "the generated rules load" sh -c "python3 '$here/gen_state.py' 120 5 | '$ipvsadm' -R 2>/dev/null; true"
check "timeouts are set" "$ipvsadm" --set 901 121 301

# --- static listings --------------------------------------------------------
static_modes=(
	# every listing mode first, so a partial run still says the most
	"-Ln" "" "-L" "-Ln --nosort" "-Sn" "-S" "-Ln --stats" "-Ln --rate" "-Ln --thresholds"
	"-Ln --persistent-conn" "-Ln --tun-info" "-L --tun-info" "-Ln --stats --exact" "-Ln --rate -X"
	"-Ln --timeout" "-Ln --daemon" "-Lnc" "-l" "--list --numeric" "-L -n" "--save --numeric"
	"-Ln --stats --rate" "-Ln --thresholds --persistent-conn" "-Ln --persistent-conn --tun-info"
	"-Ln --exact --nosort" "-Ln --sort" "-L --stats" "-L --persistent-conn"
	"-Ln -t 10.0.0.1:80" "-L -t 10.0.0.1:80" "-L -t web.example:http" "-Ln -u 10.0.0.53:domain"
	"-Ln --sctp-service 10.0.0.4:9999" "-L --sctp-service 10.0.0.25:36412"
	"-Ln -t [fd00::1]:80" "-L -t [fd00::1]:80" "-Ln -u [2001:db8::53]:53"
	"-Ln -f 1" "-L -f 1" "-Ln -f 7 -6" "-Ln -f 4294967295" "-Ln -f 2 --thresholds"
	"-Ln -t 10.0.0.11:80 --tun-info" "-Ln -t 10.0.0.20:443 --persistent-conn"
	"-Ln -u 10.0.0.24:5060" "-Lnt10.0.0.1:80" "-Ln --fwmark-service=7 --ipv6"
	# errors: no such service, the wrong first option, conflicts, bad values
	"-Ln -t 10.0.0.9:80" "-Ln -t 10.0.0.1" "-Ln -t fd00::1" "-Ln -f 7"
	"-nL" "-V" "--foo" "-t 10.0.0.1:80" "foo"
	"-Ln -t 10.0.0.1:80 -c" "-Ln -c --timeout" "-Ln --timeout --daemon" "-Ln -c --stats"
	"-Ln --daemon --persistent-conn" "-Ln -n" "-L -L" "-L -h" "-Ln -s rr" "-Ln -w x" "-Ln -b sh-port"
	"-Ln --tun-type gue" "-S --stats" "-S -t 10.0.0.1:80" "-Ln foo" "-Ln -- foo" "-L -t" "-L -f"
	"-L -t 10.0.0.1:99999" "-L -t 10.0.0.1:nosuchservice" "-L -t [fd00::1]" "-Ln -f 0"
	"-Ln -f 4294967296" "-Ln -6" "-Lq" "-L --foo" "-L --numeric=3" "-Lnx" "-Ln -t=10.0.0.1:80"
	"-Ln --syncid 1" "-Ln --timeout --tun-info"
)
for mode in "${static_modes[@]}"; do
	# shellcheck disable=SC2086
	compare $mode
done
compare -L -t ""
compare -Ln ""

echo "# static listings done; starting traffic"
# --- traffic ------------------------------------------------------------------
# A "pod" behind a veth: TCP and UDP listeners reached through -m (NAT)
# services on local virtual addresses, so counters, rates and connection
# entries are all non-zero.
ip netns add kipvsadm-pod
ip link add kv-host type veth peer name kv-pod
ip link set kv-pod netns kipvsadm-pod
ip addr add 192.168.100.1/24 dev kv-host
ip -6 addr add fd01::1/64 dev kv-host nodad
ip link set kv-host up
ip -n kipvsadm-pod link set lo up
ip -n kipvsadm-pod addr add 192.168.100.2/24 dev kv-pod
ip -n kipvsadm-pod -6 addr add fd01::2/64 dev kv-pod nodad
ip -n kipvsadm-pod link set kv-pod up
ip -n kipvsadm-pod route add default via 192.168.100.1
ip -n kipvsadm-pod -6 route add default via fd01::1

"$ipvsadm" -R <<'RULES'
-A -t 10.96.0.10:80 -s rr
-a -t 10.96.0.10:80 -r 192.168.100.2:8080 -m -w 1
-A -u 10.96.0.10:53 -s rr
-a -u 10.96.0.10:53 -r 192.168.100.2:5353 -m -w 1
-A -t 10.96.0.11:80 -s rr -p 600
-a -t 10.96.0.11:80 -r 192.168.100.2:8080 -m -w 1
-a -t 10.96.0.11:80 -r 192.168.100.3:8080 -m -w 0
-A -t [fd96::10]:80 -s rr
-a -t [fd96::10]:80 -r [fd01::2]:8080 -m -w 1
-A -t 10.96.0.12:80 -s rr
-a -t 10.96.0.12:80 -r 192.168.100.9:8080 -m -w 1
RULES

cat >"$work/pod.py" <<'PY'
import socket, threading
def tcp(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        # Beside the IPv4 listener on the same port.
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((address, 8080)); s.listen(64)
    while True:
        c, _ = s.accept()
        def serve(c=c):
            while True:
                data = c.recv(65536)
                if not data:
                    break
                if data.endswith(b"\n"):
                    c.sendall(b"ok\n" * 1000)
            c.close()
        threading.Thread(target=serve, daemon=True).start()
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 5353))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)
threading.Thread(target=tcp, args=(socket.AF_INET, "0.0.0.0"), daemon=True).start()
threading.Thread(target=tcp, args=(socket.AF_INET6, "::"), daemon=True).start()
udp()
PY
ip netns exec kipvsadm-pod python3 "$work/pod.py" >"$work/pod.log" 2>&1 &
pids="$pids $!"
sleep 3

cat >"$work/traffic.py" <<'PY'
import socket, sys, time
ok = True
def tcp(family, address, payload, keep=None):
    global ok
    try:
        s = socket.create_connection((address, 80), timeout=5)
        s.settimeout(300)
        s.sendall(payload + b"\n")
        got = s.recv(65536)
        if not got:
            ok = False
        if keep is None:
            s.close()
        else:
            keep.append(s)
    except OSError as e:
        print("tcp", address, e, file=sys.stderr); ok = False
def step(text):
    print(time.strftime("%H:%M:%S"), text, file=sys.stderr, flush=True)
# Over 100,000,000 bytes in, so the byte counters scale to K.
tcp(socket.AF_INET, "10.96.0.10", b"x" * 101_000_000)
step("sent 101 MB over TCP")
kept = []
for i in range(20):
    tcp(socket.AF_INET, "10.96.0.10", b"y" * 1000)
    tcp(socket.AF_INET, "10.96.0.11", b"z" * 1000, kept if i < 3 else None)
step("short TCP connections done")
for i in range(5):
    tcp(socket.AF_INET6, "fd96::10", b"w" * 5000)
step("IPv6 connections done")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
for i in range(30):
    u.sendto(b"q" * 512, ("10.96.0.10", 53))
    try:
        u.recvfrom(65536)
    except OSError:
        ok = False
# A SYN to a real server that is not there: a SYN_SENT-like entry.
t = socket.socket(); t.setblocking(False)
try:
    t.connect(("10.96.0.12", 80))
except OSError:
    pass
time.sleep(1)
print("established" if ok else "traffic failed", flush=True)
# Keep the persistent connections open while the listings run.
time.sleep(3600)
PY
python3 "$work/traffic.py" >"$work/traffic.log" 2>&1 &
pids="$pids $!"
# The 101 MB take a while under emulation (a minute or more when the
# machine is busy).
for _ in $(seq 900); do
	grep -q -e established -e failed "$work/traffic.log" && break
	sleep 1
done
check "traffic flowed through IPVS (TCP, UDP, IPv6)" grep -q established "$work/traffic.log"
[ -s "$work/traffic.log" ] && sed 's/^/  traffic: /' "$work/traffic.log"
# Let the rate estimator see the traffic (it runs every 2 s).
sleep 4

echo "# traffic done; live listings"
live_modes=(
	"-Ln --stats" "-Ln --stats --exact" "-L --stats" "-Ln --rate" "-Ln --rate --exact"
	"-Ln" "-L" "-Ln --persistent-conn" "-Ln --thresholds" "-Ln -t 10.96.0.10:80 --stats"
	"-Ln -t 10.96.0.11:80 --persistent-conn" "-Ln -u 10.96.0.10:53 --rate"
	"-Lnc" "-Lc" "-L -n -c" "-Lnc --persistent-conn" "-Lc --persistent-conn" "-Sn"
)
for mode in "${live_modes[@]}"; do
	timers=
	case " $mode " in *c\ *) timers=1 ;; esac
	# shellcheck disable=SC2086
	TRIES=5 TIMERS=$timers compare $mode
done

# kipvsadm's own --stats64: the same as --stats while counters fit 32 bits.
"$kipvsadm" -Ln --stats64 -t 10.96.0.10:80 >"$work/s64.out" 2>&1
"$ipvsadm" -Ln --stats -t 10.96.0.10:80 >"$work/s32.out" 2>&1
check "--stats64 matches --stats below 2^32" cmp -s "$work/s64.out" "$work/s32.out"
check "--stats64 shows the byte counters scaled" grep -q "K " "$work/s64.out"

# Without CAP_NET_ADMIN both tools refuse the same way.
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody "$ipvsadm" -Ln >"$work/a.out" 2>"$work/a.err"; echo $? >"$work/a.rc"
nobody bash -c 'exec -a ipvsadm "$0" -Ln' "$kipvsadm" >"$work/b.out" 2>"$work/b.err"; echo $? >"$work/b.rc"
compared=$((compared + 1))
if same_pair; then
	echo "ok - same output as a user without CAP_NET_ADMIN (exit $(cat "$work/a.rc"))"
else
	echo "not ok - differs for a user without CAP_NET_ADMIN" >&2
	diff "$work/a.err" "$work/b.err" >&2
	failures=$((failures + 1))
fi

# kipvsadm's own behaviour: help, version, modifying commands refused.
"$kipvsadm" -h >"$work/help" 2>&1
check "-h prints kipvsadm's help, exit 0" grep -q "^kipvsadm v1.31" "$work/help"
check "-v keeps ipvsadm's layout" sh -c "'$kipvsadm' -v | grep -Eq '^kipvsadm v1\.31 2019/12/24 \(compiled with .* and IPVS v1\.2\.1\)$'"
for cmd in "-A -t 10.0.0.99:80" "-a -t 10.0.0.1:80 -r 10.9.9.9" "-E -t 10.0.0.1:80 -s wlc" \
	"-e -t 10.0.0.1:80 -r 127.0.0.1:22 -w 3" "-D -t 10.0.0.1:80" "-d -t 10.0.0.1:80 -r 127.0.0.1:22" \
	"-R" "-C" "-Z" "--set 1 2 3" "--start-daemon master" "--stop-daemon master"; do
	# shellcheck disable=SC2086
	"$kipvsadm" $cmd </dev/null >"$work/m.out" 2>"$work/m.err"
	rc=$?
	check "kipvsadm $cmd is refused (exit 2, names ipvsadm)" \
		sh -c "[ $rc = 2 ] && [ ! -s '$work/m.out' ] && grep -q ipvsadm '$work/m.err'"
done
check "refused commands changed nothing" sh -c "'$ipvsadm' -Ln -t 10.0.0.1:80 | grep -q 127.0.0.1:22"

echo "$compared listings compared"
finish
