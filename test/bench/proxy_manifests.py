#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write N ClusterIP services x M endpoints for test/bench/proxy-bench.sh.

    proxy_manifests.py DIR SERVICES ENDPOINTS [files|list|yaml:K|json:K]

DIR/manifests/ gets the Services and EndpointSlices as JSON: with "files"
(the default) one kind: List per service in svc-NNNNN.json, with "list" all
of them in one services.json. With "yaml:K" the services are spread over K
files services-NN.yaml, each object a document of its own in the block style
kubectl prints; "json:K" writes the same K files as JSON, each a kind: List
(test/bench/manifest-load-bench.sh compares the two).
DIR/rules.ipvsadm gets the same IPVS rules as `ipvsadm -R` input. Service i
(from 0) has clusterIP 10.96.0.0/12 + i + 1, port TCP 80; its endpoint j is
10.(128+j).0.0/16 + i + 1, port 8080.
"""
import json
import os
import re
import sys


def vip(i):
    n = i + 1
    return "10.%d.%d.%d" % (96 + n // 65536, (n // 256) % 256, n % 256)


def endpoint(i, j):
    n = i + 1
    return "10.%d.%d.%d" % (128 + j, n // 256, n % 256)


def objects(i, endpoints):
    name = "svc-%05d" % i
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": vip(i),
            "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        },
    }
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name + "-1",
            "namespace": "bench",
            "labels": {"kubernetes.io/service-name": name},
        },
        "addressType": "IPv4",
        "ports": [{"name": "http", "protocol": "TCP", "port": 8080}],
        "endpoints": [
            {"addresses": [endpoint(i, j)], "conditions": {"ready": True}, "nodeName": "node-b"}
            for j in range(endpoints)
        ],
    }
    return name, [service, slice_]


def yaml_scalar(value):
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # Quoted where YAML would read it as something other than a string.
    if (not re.fullmatch(r"[A-Za-z0-9][-A-Za-z0-9./]*", value)
            or re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", value)
            or value.lower() in ("true", "false", "yes", "no", "on", "off", "null", "y", "n")):
        return "'" + value.replace("'", "''") + "'"
    return value


def yaml_lines(value, indent):
    """value (a dict or list) as block YAML lines; lists not indented under
    their key, as kubectl prints them."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append("%s%s:" % (pad, yaml_scalar(key)))
                lines.extend(yaml_lines(item, indent + (0 if isinstance(item, list) else 2)))
            else:
                lines.append("%s%s: %s" % (pad, yaml_scalar(key), yaml_scalar(item)))
        return lines
    for item in value:
        if isinstance(item, (dict, list)):
            inner = yaml_lines(item, indent + 2)
            lines.append(pad + "- " + inner[0][indent + 2:])
            lines.extend(inner[1:])
        else:
            lines.append(pad + "- " + yaml_scalar(item))
    return lines


def write_split(manifests, groups, form):
    """groups[k] (a list of objects) into the file services-KK.yaml or .json."""
    for k, objects_ in enumerate(groups):
        path = os.path.join(manifests, "services-%02d.%s" % (k, form))
        with open(path, "w") as out:
            if form == "json":
                json.dump({"apiVersion": "v1", "kind": "List", "items": objects_}, out,
                          separators=(",", ":"))
                continue
            for object_ in objects_:
                out.write("---\n" + "\n".join(yaml_lines(object_, 0)) + "\n")


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    top, services, endpoints = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    layout = sys.argv[4] if len(sys.argv) == 5 else "files"
    form, _, count = layout.partition(":")
    split = form in ("yaml", "json") and count.isdigit() and 0 < int(count) <= 99
    if not 0 < services < 65535 or not 0 < endpoints <= 100 or not (
            layout in ("files", "list") or split):
        sys.exit("proxy_manifests.py: need 0 < SERVICES < 65535, 0 < ENDPOINTS <= 100, "
                 "layout files, list, yaml:K or json:K (0 < K < 100)")
    groups = [[] for _ in range(int(count))] if split else []
    manifests = os.path.join(top, "manifests")
    os.makedirs(manifests, exist_ok=True)
    for name in os.listdir(manifests):
        os.unlink(os.path.join(manifests, name))

    everything = []
    with open(os.path.join(top, "rules.ipvsadm"), "w") as rules:
        for i in range(services):
            name, items = objects(i, endpoints)
            rules.write("-A -t %s:80 -s rr\n" % vip(i))
            for j in range(endpoints):
                rules.write("-a -t %s:80 -r %s:8080 -m -w 1\n" % (vip(i), endpoint(i, j)))
            if layout == "list":
                everything.extend(items)
                continue
            if split:
                groups[i * len(groups) // services].extend(items)
                continue
            with open(os.path.join(manifests, name + ".json"), "w") as out:
                json.dump({"apiVersion": "v1", "kind": "List", "items": items}, out,
                          separators=(",", ":"))
    if split:
        write_split(manifests, groups, form)
    if layout == "list":
        with open(os.path.join(manifests, "services.json"), "w") as out:
            json.dump({"apiVersion": "v1", "kind": "List", "items": everything}, out,
                      separators=(",", ":"))


if __name__ == "__main__":
    main()
