#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvsadm -Ln against ipvsadm -Ln on a big table: 5,000 services x 10 real
# servers loaded with ipvsadm -R, listed several times by each tool in turn
# (output to /dev/null), then the median times and their ratio. Needs IPVS,
# so run it in the test VM:
#
#   test/vm/run --cache build-adm/vm -- test/bench/kipvsadm-bench.sh [BUILD_DIR] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build-adm}" && pwd)
runs=${2:-5}
services=${KIPVSADM_BENCH_SERVICES:-5000}
reals=${KIPVSADM_BENCH_REALS:-10}
kipvsadm=$build/ipvs/kipvsadm/kipvsadm
ipvsadm=$(command -v ipvsadm)

if [ -z "${KIPVS_ISOLATED:-}" ]; then
	KIPVS_ISOLATED=1 exec unshare --net -- "$BASH" "$0" "$@"
fi
ip link set lo up

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

rules=$(mktemp)
trap 'rm -f "$rules" /tmp/kipvsadm-bench.*' EXIT
python3 - "$services" "$reals" >"$rules" <<'PY'
import sys
services, reals = int(sys.argv[1]), int(sys.argv[2])
for i in range(services):
    vip = "10.%d.%d.%d" % (100 + i // 65536, (i // 256) % 256, i % 256)
    print("-A -t %s:80 -s rr" % vip)
    for j in range(reals):
        print("-a -t %s:80 -r 172.%d.%d.%d:8080 -m -w 1" % (vip, 16 + j, (i // 256) % 256, i % 256))
PY
echo "rules: $(wc -l <"$rules") lines ($services services x $reals real servers)"
t0=$(now)
"$ipvsadm" -R <"$rules"
t1=$(now)
echo "ipvsadm -R: $(elapsed "$t0" "$t1") s"

# Same bytes first: a fast wrong answer is no answer.
"$ipvsadm" -Ln >/tmp/kipvsadm-bench.a
"$kipvsadm" -Ln >/tmp/kipvsadm-bench.b
if cmp -s /tmp/kipvsadm-bench.a /tmp/kipvsadm-bench.b; then
	echo "outputs identical ($(wc -l </tmp/kipvsadm-bench.a) lines)"
else
	echo "OUTPUTS DIFFER" >&2
	diff /tmp/kipvsadm-bench.a /tmp/kipvsadm-bench.b | head >&2
	exit 1
fi

a_times=()
b_times=()
for ((i = 1; i <= runs; i++)); do
	t0=$(now); "$ipvsadm" -Ln >/dev/null; t1=$(now)
	a_times+=("$(elapsed "$t0" "$t1")")
	t0=$(now); "$kipvsadm" -Ln >/dev/null; t1=$(now)
	b_times+=("$(elapsed "$t0" "$t1")")
	echo "run $i: ipvsadm -Ln ${a_times[-1]} s, kipvsadm -Ln ${b_times[-1]} s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(median "${a_times[@]}")
b=$(median "${b_times[@]}")
echo "median: ipvsadm -Ln $a s, kipvsadm -Ln $b s"
echo "ratio kipvsadm/ipvsadm: $(echo "scale=3; $b / $a" | bc) (target <= 1.0, goal 0.5)"
