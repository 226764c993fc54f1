#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bulk-load a test cluster (test/cluster/up) with Services and EndpointSlices.

    load.py [--cluster DIR] [--services N] [--endpoints M] [--namespace NS]
            [--node NAME=IP[,IP]]... [--workers K]

Creates the namespace, the Nodes given (with status.addresses: InternalIP per
IP, Hostname), then N ClusterIP Services without selectors and one
EndpointSlice of M ready endpoints for each, the same shapes as the manifests
benchmark (test/bench/proxy_manifests.py; ClusterIPs are left for the API
server to allocate). K workers each keep one HTTPS connection as the admin.
Objects that exist already are left as they are. Prints the count and the
time taken. DIR defaults to $KIPVS_CLUSTER_DIR.
"""
import argparse
import http.client
import json
import os
import queue
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from proxy_manifests import objects  # noqa: E402


class Client:
    """One keep-alive HTTPS connection to the API server as the admin."""

    def __init__(self, cluster):
        pki = os.path.join(cluster, "pki")
        self.context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        self.context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        env = dict(line.strip().split("=", 1) for line in open(os.path.join(cluster, "cluster.env")))
        self.port = int(env["KIPVS_APISERVER_PORT"])
        self.connection = None

    def create(self, path, body):
        """POST body to path: "created", "exists", or raises with the API's answer."""
        data = json.dumps(body).encode()
        for attempt in range(10):
            if self.connection is None:
                self.connection = http.client.HTTPSConnection("127.0.0.1", self.port,
                                                              context=self.context, timeout=60)
            try:
                self.connection.request("POST", path, body=data,
                                        headers={"Content-Type": "application/json"})
                response = self.connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status == 201:
                return "created"
            if response.status == 409:
                return "exists"
            if response.status in (429, 500, 503, 504):
                time.sleep(float(response.getheader("Retry-After") or 0.5))
                continue
            raise RuntimeError("POST %s: %d %s" % (path, response.status, answer[:300].decode()))
        raise RuntimeError("POST %s: no answer after 10 attempts" % path)


def node(name, addresses):
    status = [{"type": "InternalIP", "address": a} for a in addresses]
    status.append({"type": "Hostname", "address": name})
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"addresses": status}}


def service_objects(i, endpoints, namespace):
    _, (service, slice_) = objects(i, endpoints)
    del service["spec"]["clusterIP"]
    for item in (service, slice_):
        item["metadata"]["namespace"] = namespace
    slice_["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] = "kipvs-tests"
    return service, slice_


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cluster", default=os.environ.get("KIPVS_CLUSTER_DIR"))
    parser.add_argument("--services", type=int, default=0)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--namespace", default="bench")
    parser.add_argument("--node", action="append", default=[], metavar="NAME=IP[,IP]")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    if not args.cluster:
        parser.error("--cluster DIR (or KIPVS_CLUSTER_DIR) is needed")
    if not 0 <= args.services < 65535 or not 0 < args.endpoints <= 100:
        parser.error("need 0 <= --services < 65535 and 0 < --endpoints <= 100")

    first = Client(args.cluster)
    for spec in args.node:
        name, _, addresses = spec.partition("=")
        first.create("/api/v1/nodes", node(name, addresses.split(",")))
    first.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                        "metadata": {"name": args.namespace}})

    work = queue.Queue()
    for i in range(args.services):
        work.put(i)
    counts = {"created": 0, "exists": 0}
    errors = []
    lock = threading.Lock()
    ns = args.namespace

    def worker():
        client = Client(args.cluster)
        done = {"created": 0, "exists": 0}
        while not errors:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            service, slice_ = service_objects(i, args.endpoints, ns)
            try:
                done[client.create("/api/v1/namespaces/%s/services" % ns, service)] += 1
                done[client.create("/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % ns,
                                   slice_)] += 1
            except RuntimeError as error:
                with lock:
                    errors.append(str(error))
        with lock:
            for key in done:
                counts[key] += done[key]

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(max(1, args.workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if errors:
        sys.exit("load.py: %s" % errors[0])
    total = counts["created"] + counts["exists"]
    print("load.py: %d Services with %d endpoints each in namespace %s: %d objects created, "
          "%d existed, in %.1f s (%.0f objects/s)"
          % (args.services, args.endpoints, ns, counts["created"], counts["exists"], elapsed,
             total / elapsed if elapsed > 0 else 0))


if __name__ == "__main__":
    main()
