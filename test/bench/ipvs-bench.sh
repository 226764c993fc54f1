#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The IPVS client against ipvsadm (apply with the batch API vs ipvsadm -R,
# list with listAll vs ipvsadm -Ln), 5,000 services x 10 real servers, in
# one boot of the test VM. Prints both times and the ratios.
#
#   test/bench/ipvs-bench.sh [BUILD_DIR] [SERVICES] [REALS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build-ipvs}" && pwd)
services=${2:-5000}
reals=${3:-10}

ninja -C "$build" test/bench/ipvs_bench >/dev/null
cd "$top"
exec test/vm/run --cache "$build/vm" -- "$build/test/bench/ipvs_bench" "$services" "$reals"
