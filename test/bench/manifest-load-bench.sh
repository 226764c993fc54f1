#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# YAML against JSON manifests, natively: SERVICES x ENDPOINTS written by
# test/bench/proxy_manifests.py as FILES multi-document YAML files and as
# FILES JSON Lists of the same objects, then both loaded in one run of
# test/bench/manifest_load_bench (fastest of ROUNDS), which prints the two
# times and their ratio. Build first:
#
#   ninja -C BUILD test/bench/manifest_load_bench
#   test/bench/manifest-load-bench.sh [BUILD_DIR] [SERVICES] [ENDPOINTS] [FILES] [ROUNDS]
#
# Defaults: build, 5000, 10, 10, 5.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
services=${2:-5000}
endpoints=${3:-10}
files=${4:-10}
rounds=${5:-5}

bench=$build/test/bench/manifest_load_bench
[ -x "$bench" ] || {
	echo "manifest-load-bench: $bench is missing: ninja -C $build test/bench/manifest_load_bench" >&2
	exit 1
}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 "$here/proxy_manifests.py" "$data/yaml" "$services" "$endpoints" "yaml:$files"
python3 "$here/proxy_manifests.py" "$data/json" "$services" "$endpoints" "json:$files"
echo "$services services x $endpoints endpoints in $files files:" \
	"YAML $(du -sb "$data/yaml/manifests" | cut -f1) bytes," \
	"JSON $(du -sb "$data/json/manifests" | cut -f1) bytes"
"$bench" "$data/yaml/manifests" "$data/json/manifests" "$rounds"
