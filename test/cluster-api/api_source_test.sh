#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kipvs's API source (kipvs-api-events prints what it hands on) against the
# real kube-apiserver v1.35 of a control plane of this test's own, reached
# as system:kube-proxy through a relay that cuts and stalls connections:
# the initial list and the order of changes; kube-proxy's selectors; watch
# timeouts, bookmarks and resumes without a relist; cut and stalled
# connections; an API server restart; a 410 after etcd's compaction, with
# the deletes it hid; a rotated token (401, then the new file); 403, TLS and
# refused-connection errors; [::1]; a list of 2,000 Services through a slow
# link.
set -u
. "$KIPVS_SOURCE_DIR/test/kernel/lib.sh"

here=$KIPVS_SOURCE_DIR/test/cluster
bin=$KIPVS_BUILD_DIR/cluster/bin
events_tool=$KIPVS_BUILD_DIR/test/cluster-api/kipvs-api-events
relay_tool=$KIPVS_SOURCE_DIR/test/cluster-api/fault_relay.py
[ -x "$bin/kube-apiserver" ] ||
	unavailable "$bin/kube-apiserver is missing: test/cluster/build $KIPVS_BUILD_DIR"

export KIPVS_APISERVER_PORT=17443 KIPVS_ETCD_PORT=17379
relay_port=17500 token_relay_port=17501 slow_port=17502
work=$(mktemp -d)
dir=$work/cluster
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	# The logs of a failed run stay, for reading.
	if [ "$failures" -gt 0 ]; then
		keep=$KIPVS_BUILD_DIR/meson-logs/cluster-api-source
		rm -rf "$keep" && mkdir -p "$keep" && cp "$work"/*.log "$dir"/*.log "$keep/" 2>/dev/null
		echo "the logs are in $keep" >&2
	fi
	"$here/down" "$dir" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

"$here/up" "$dir" --bin "$bin" >"$work/up.log" 2>&1 ||
	{ cat "$work/up.log" >&2; echo "FAIL: test/cluster/up did not start the control plane" >&2; exit 1; }
kubectl() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" "$@"; }

# relay NAME PORT [--rate N]: a fault relay on 127.0.0.1:PORT to the API server.
relay() {
	local name=$1 port=$2
	shift 2
	python3 "$relay_tool" --listen "127.0.0.1:$port" --to "127.0.0.1:$KIPVS_APISERVER_PORT" \
		--pidfile "$work/$name.pid" "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	until_ok 10 test -s "$work/$name.pid"
}
relay_signal() { kill "-$2" "$(cat "$work/$1.pid")"; }

# events NAME ARGS...: kipvs-api-events in the background, its lines in NAME.log.
events() {
	local name=$1
	shift
	"$events_tool" "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
}
# seen NAME REGEX: a line of NAME.log matches (after its mark, see mark).
declare -A marks
mark() { marks[$1]=$(wc -l <"$work/$1.log"); }
seen() { tail -n +"$((${marks[$1]:-0} + 1))" "$work/$1.log" | grep -Eq -- "$2"; }
unseen() { ! seen "$@"; }
wait_seen() { until_ok "$3" seen "$1" "$2"; }
# line_of NAME REGEX: the number of the first line matching, after the mark.
line_of() {
	tail -n +"$((${marks[$1]:-0} + 1))" "$work/$1.log" | grep -En -- "$2" | head -1 | cut -d: -f1
}
in_order() {
	local name=$1 last=0 n
	shift
	for regex in "$@"; do
		n=$(line_of "$name" "$regex")
		[ -n "$n" ] && [ "$n" -gt "$last" ] || return 1
		last=$n
	done
}
count() { tail -n +"$((${marks[$1]:-0} + 1))" "$work/$1.log" | grep -Ec -- "$2"; }

# A kubeconfig as kube-proxy's identity at another server URL.
proxy_kubeconfig() { sed "s#server: .*#server: $1#" "$dir/kube-proxy.kubeconfig"; }

service() { # NAME PORT [extra metadata labels json]
	kubectl apply -f - >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Service",
 "metadata": {"name": "$1", "namespace": "api", "labels": {${3:-}}},
 "spec": {"ports": [{"port": $2, "protocol": "TCP"}]}}
EOF
}
slice() { # NAME SERVICE ADDRESS...
	local name=$1 svc=$2 addresses=
	shift 2
	for a in "$@"; do addresses+="${addresses:+, }{\"addresses\": [\"$a\"]}"; done
	kubectl apply -f - >/dev/null <<EOF
{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
 "metadata": {"name": "$name", "namespace": "api", "labels": {"kubernetes.io/service-name": "$svc"}},
 "addressType": "IPv4", "ports": [{"port": 8080, "protocol": "TCP"}],
 "endpoints": [$addresses]}
EOF
}
node() { # NAME ADDRESS
	kubectl apply -f - >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "$1"},
 "status": {"addresses": [{"type": "InternalIP", "address": "$2"}]}}
EOF
}

kubectl create namespace api >/dev/null
service web 80
slice web-1 web 10.1.0.1 10.1.0.2
node node-a 192.0.2.1
# Not kipvs's: headless, and another proxy's.
kubectl apply -f - >/dev/null <<'EOF'
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless", "namespace": "api"},
 "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}
EOF
service other 81 '"service.kubernetes.io/service-proxy-name": "other-proxy"'
slice other-1 other 10.1.9.1
kubectl label endpointslice -n api other-1 service.kubernetes.io/service-proxy-name=other-proxy >/dev/null

relay relay $relay_port
proxy_kubeconfig "https://127.0.0.1:$relay_port" >"$work/proxy.kubeconfig"
# Watches of 8-12 s: the server ends them with a bookmark 2 s before, so
# that no watch is silent for 15 s unless the link stalls.
events main --kubeconfig "$work/proxy.kubeconfig" --watch-timeout 8:12 --stall-seconds 15

# --- The initial list.
check "the initial state is delivered, then synced" wait_seen main '^synced$' 30
check "the Service, its slice and the Node come before synced" \
	in_order main '^Service api/web clusterIPs=10\.[0-9.]+ ports=80/TCP$' '^synced$'
check "the EndpointSlice's endpoints" seen main '^EndpointSlice api/web-1 service=api/web endpoints=10.1.0.1,10.1.0.2$'
check "the Node's address" seen main '^Node node-a addresses=192.0.2.1$'
check "the kubernetes Service" seen main '^Service default/kubernetes '
check "a headless Service is not listed (field selector)" unseen main 'api/headless'
check "another proxy's Service and slice are not listed (label selector)" unseen main 'api/other'
check "the lists asked the watch cache (resourceVersion \"0\")" \
	test "$(count main 'trace: list (services|endpointslices|nodes) at resourceVersion "0"')" = 3
check "no report while all is well" unseen main '^report: '
check "each kind's first list is said once" test "$(count main '^info: listed ')" = 3

# --- Changes, in order, for each kind.
mark main
service web2 82
slice web2-1 web2 10.2.0.1
kubectl patch service -n api web2 --type=json -p '[{"op": "replace", "path": "/spec/ports/0/port", "value": 83}]' >/dev/null
slice web2-1 web2 10.2.0.1 10.2.0.2
node node-b 192.0.2.2
kubectl patch node node-b --subresource=status --type=merge \
	-p '{"status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.3"}]}}' >/dev/null
kubectl delete endpointslice -n api web2-1 >/dev/null
kubectl delete service -n api web2 >/dev/null
kubectl delete node node-b >/dev/null
wait_seen main '^deleted Node node-b$' 20
check "create, update and delete of each kind arrive in order" in_order main \
	'^Service api/web2 .*ports=82/TCP$' '^EndpointSlice api/web2-1 .*endpoints=10.2.0.1$' \
	'^Service api/web2 .*ports=83/TCP$' '^EndpointSlice api/web2-1 .*endpoints=10.2.0.1,10.2.0.2$' \
	'^Node node-b addresses=192.0.2.2$' '^Node node-b addresses=192.0.2.3$' \
	'^deleted EndpointSlice api/web2-1$' '^deleted Service api/web2$' '^deleted Node node-b$'
# A change kipvs does not read (an annotation, a label of a Service) is not handed on.
mark main
kubectl annotate service -n api web note=1 >/dev/null
node node-a 192.0.2.1
kubectl label node node-a example.com/rack=r1 >/dev/null
wait_seen main '^Node node-a ' 10
check "a Node's new label is handed on (topology reads labels)" seen main '^Node node-a addresses=192.0.2.1$'
check "an annotation of a Service is not" unseen main '^Service api/web '

# --- Watch timeouts: bookmarks, and resumes without a relist.
mark main
check "each watch ends with a bookmark and resumes" wait_seen main 'trace: watch services ended \(by the server\)' 20
wait_seen main 'trace: watch endpointslices ended \(by the server\)' 15
check "bookmarks arrive before the server ends a watch" \
	seen main 'trace: watch services: bookmark at [0-9]+'
check "the watch resumes from the bookmark's version" \
	seen main 'trace: watch services from resourceVersion [0-9]+ for ([89]|1[01]) s'
check "nothing was listed again" unseen main 'trace: list '
service web3 84
check "a change after the resume arrives" wait_seen main '^Service api/web3 ' 10

# --- Connections cut (all three watches share one HTTP/2 connection).
# A watch that breaks under a second after it started, with no event, is
# a "very short watch" and lists again (after a backoff), as client-go's
# does; the services watch has just had an event, so it resumes.
service web3a 84
wait_seen main '^Service api/web3a ' 10
mark main
relay_signal relay USR1
sleep 1
service web4 85
check "after a cut, the watches resume and the change arrives" wait_seen main '^Service api/web4 ' 20
# (Unless its watch had just been renewed by a timeout: then it is a very short one.)
resumed() { unseen main 'trace: list services' || seen main '^report: watch services: very short watch'; }
check "a cut is no reason to list again" resumed
check "a cut is seen (a trace: the watches resume; a report where one was under a second old)" seen main '^(report|trace): watch .*(reset|closed|HTTP/2|stream|Recv|receiv)'

# --- A stalled connection: no byte for --stall-seconds, then a new one.
mark main
relay_signal relay USR2
service web5 86
check "a stall is detected (no byte for 15 s), the watch given up" \
	wait_seen main '^(trace|report): watch .*Operation too slow. Less than 1 bytes/sec transferred the last 15 seconds' 40
relay_signal relay USR2
check "once the link moves again, the change arrives" wait_seen main '^Service api/web5 ' 40

# --- The API server restarted mid-watch.
mark main
"$here/restart-apiserver" "$dir" >"$work/restart.log" 2>&1 || { cat "$work/restart.log" >&2; exit 1; }
service web6 87
check "after an API server restart, a change arrives" wait_seen main '^Service api/web6 ' 60
check "no object was lost: web is still there (not deleted)" unseen main '^deleted Service api/web$'

# --- 410 Gone: watches straight from etcd (no watch cache), etcd compacted meanwhile.
"$here/restart-apiserver" "$dir" --watch-cache=false >"$work/restart.log" 2>&1 ||
	{ cat "$work/restart.log" >&2; exit 1; }
# A source of its own with long watches: cut, they resume (a watch cut
# under a second after it started would list again instead).
events gone --kubeconfig "$work/proxy.kubeconfig" --watch-timeout 300:600
wait_seen gone '^synced$' 60
service web7 88
wait_seen gone '^Service api/web7 ' 60
sleep 2
mark gone
relay_signal relay HUP             # new connections are refused
relay_signal relay USR1            # and the current ones are cut
kubectl delete service -n api web3 >/dev/null
service web8 89
etcd=http://127.0.0.1:$KIPVS_ETCD_PORT
revision=$(curl -fsS -X POST "$etcd/v3/kv/range" -d '{"key": "AA=="}' |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["header"]["revision"])')
curl -fsS -X POST "$etcd/v3/kv/compaction" -d "{\"revision\": \"$revision\", \"physical\": true}" >/dev/null
check "etcd was compacted" test -n "$revision"
relay_signal relay HUP
check "the watch from a compacted version gets 410 Gone" wait_seen gone '^report: watch services.*410' 60
# (after a backoff, as client-go's reflector waits between two list-and-watch rounds)
check "it lists again" wait_seen gone 'trace: list services at resourceVersion' 70
check "the relist delivers the delete it hid" wait_seen gone '^deleted Service api/web3$' 20
check "and the new Service" seen gone '^Service api/web8 '
check "and nothing else is deleted" test "$(count gone '^deleted ')" = 1
check "unchanged objects are not handed on again" unseen gone '^Service api/web '
"$here/restart-apiserver" "$dir" --watch-cache=true >"$work/restart.log" 2>&1 ||
	{ cat "$work/restart.log" >&2; exit 1; }

# --- A ServiceAccount token from a file: rotated, rejected (401), re-read.
token_file=$work/token
kubectl create token kipvs -n kube-system --duration=1h >"$token_file"
relay token-relay $token_relay_port
cat >"$work/token.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:$token_relay_port", certificate-authority: "$dir/pki/ca.crt"}
users:
- name: sa
  user: {tokenFile: "$token_file"}
contexts:
- name: c
  context: {cluster: c, user: sa}
current-context: c
EOF
events token --kubeconfig "$work/token.kubeconfig" --watch-timeout 300:600
check "a ServiceAccount token with kube-proxy's role lists everything" wait_seen token '^synced$' 30
# The ServiceAccount recreated: its old tokens are rejected.
kubectl delete serviceaccount -n kube-system kipvs >/dev/null
kubectl create serviceaccount -n kube-system kipvs >/dev/null
# The API server caches a token's good verdict for 10 s.
sleep 11
mark token
relay_signal token-relay USR1
check "the old token is rejected with 401, naming the token file" \
	wait_seen token "^report: .*401 Unauthorized.*token in $token_file" 30
kubectl create token kipvs -n kube-system --duration=1h >"$token_file.new"
mv "$token_file.new" "$token_file"
service web9 90
check "the new token in the file is used, and the change arrives" wait_seen token '^Service api/web9 ' 60

# --- Errors a user can act on.
# 403: a ServiceAccount without kube-proxy's role.
kubectl create serviceaccount -n api nobody >/dev/null
kubectl create token nobody -n api --duration=1h >"$work/nobody.token"
sed "s#$token_file#$work/nobody.token#; s#$token_relay_port#$KIPVS_APISERVER_PORT#" \
	"$work/token.kubeconfig" >"$work/nobody.kubeconfig"
events nobody --kubeconfig "$work/nobody.kubeconfig"
check "403 names the verb and the resource" \
	wait_seen nobody '^report: list services .*403 Forbidden: .*cannot list resource "services"' 20
check "and nothing is synced" unseen nobody '^synced$'
# TLS: a server name the certificate does not cover.
sed 's#\(certificate-authority: .*\)}#\1, tls-server-name: wrong.example}#' "$work/token.kubeconfig" \
	>"$work/tls.kubeconfig"
events tls --kubeconfig "$work/tls.kubeconfig"
check "a TLS failure names the name checked" wait_seen tls '^report: .*TLS with wrong.example failed' 20
# tls-server-name that the certificate covers: the name checked (and sent
# as SNI) is it, the connection goes to the server's address.
sed 's#\(certificate-authority: .*\)}#\1, tls-server-name: localhost}#' "$work/token.kubeconfig" \
	>"$work/tls-name.kubeconfig"
events tls-name --kubeconfig "$work/tls-name.kubeconfig"
check "tls-server-name: the certificate is checked for that name, and all is listed" \
	wait_seen tls-name '^synced$' 30
check "with no report" unseen tls-name '^report: '
# The same through [::1], an IPv6 literal to connect to.
sed "s#127.0.0.1:$token_relay_port#[::1]:$KIPVS_APISERVER_PORT#" "$work/tls-name.kubeconfig" \
	>"$work/tls-name6.kubeconfig"
events tls-name6 --kubeconfig "$work/tls-name6.kubeconfig"
check "tls-server-name with an IPv6 server" wait_seen tls-name6 '^synced$' 30
# Refused: nothing listens there.
proxy_kubeconfig "https://127.0.0.1:1" >"$work/refused.kubeconfig"
events refused --kubeconfig "$work/refused.kubeconfig"
check "a refused connection names the URL" \
	wait_seen refused '^report: list services: GET https://127.0.0.1:1/api/v1/services.*(refused|Couldn.t connect)' 20
check "the backoff retries it" wait_seen refused '^report: list services: GET .*' 10

# --- An IPv6 server: [::1] (--master overrides the kubeconfig's server).
events ipv6 --kubeconfig "$dir/kube-proxy.kubeconfig" --master "https://[::1]:$KIPVS_APISERVER_PORT"
check "the API server at [::1] lists everything" wait_seen ipv6 '^synced$' 30
check "with the objects" seen ipv6 '^Service api/web '

# --- A list of 2,000 Services through a slow link, in uneven small pieces.
python3 "$here/load.py" --cluster "$dir" --services 2000 --endpoints 2 --namespace bulk >"$work/load.log" 2>&1 ||
	{ cat "$work/load.log" >&2; exit 1; }
relay slow $slow_port --rate 40000
proxy_kubeconfig "https://127.0.0.1:$slow_port" >"$work/slow.kubeconfig"
start=$SECONDS
events slow --kubeconfig "$work/slow.kubeconfig"
check "the slow list completes" wait_seen slow '^synced$' 240
echo "# 2,000 Services and slices listed (gzip) through a 40 kB/s link in $((SECONDS - start)) s"
check "every Service of the list" test "$(count slow '^Service bulk/')" = 2000
check "every EndpointSlice of the list" test "$(count slow '^EndpointSlice bulk/')" = 2000
check "the slow list reported nothing" unseen slow '^report: '

for name in main gone token nobody tls tls-name tls-name6 refused ipv6 slow; do
	if [ -e "$work/$name.log" ] && seen "$name" 'error|Assertion|terminate'; then
		echo "--- $name.log" >&2
		tail -n 20 "$work/$name.log" >&2
	fi
done
finish
