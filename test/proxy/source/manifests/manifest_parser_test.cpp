/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest parser: every field, every container form, every rejection.
 */
#include <catch2/catch.hpp>

#include <string>

#include "manifest_test.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::proxy::test::ip;
using kipvs::proxy::test::messages;

namespace {


/* A valid Service to sit next to an invalid object in the same file. */
const char *kGoodService = R"(---
apiVersion: v1
kind: Service
metadata: { name: good }
spec: { clusterIP: 10.96.0.1, ports: [ { port: 443 } ] }
)";

} /* namespace */

TEST_CASE("a Service with every field", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels: { app: web, tier: front }
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  clusterIPs: [ 10.96.0.10, "fd00::10" ]
  ports:
  - { name: http, port: 80, targetPort: 8080, nodePort: 30080 }
  - { name: dns, protocol: UDP, port: 53, targetPort: dns }
  - { name: sig, protocol: SCTP, port: 3868 }
  externalIPs: [ 192.0.2.1, "2001:db8::1" ]
  loadBalancerSourceRanges: [ "203.0.113.0/24", " 198.51.100.0/25 " ]
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }
  externalTrafficPolicy: Local
  internalTrafficPolicy: Local
  healthCheckNodePort: 32000
status:
  loadBalancer:
    ingress:
    - ip: 192.0.2.10
    - ip: 192.0.2.11
      ipMode: VIP
    - ip: 192.0.2.12
      ipMode: Proxy
    - hostname: lb.example.com
)",
					  "svc.yaml");
	REQUIRE(file.parsed());
	CHECK(messages(file.errors).empty());
	CHECK(file.notes.empty());
	REQUIRE(file.services.size() == 1);

	const Service &service = file.services[0];
	CHECK(service.name == ObjectName{ "shop", "web" });
	CHECK(service.type == ServiceType::LoadBalancer);
	CHECK(service.clusterIPs == std::vector<IpAddress>{ ip("10.96.0.10"), ip("fd00::10") });
	CHECK(service.ports == std::vector<ServicePort>{
				       { "http", Protocol::Tcp, 80, 30080 },
				       { "dns", Protocol::Udp, 53, 0 },
				       { "sig", Protocol::Sctp, 3868, 0 },
			       });
	CHECK(service.externalIPs == std::vector<IpAddress>{ ip("192.0.2.1"), ip("2001:db8::1") });
	CHECK(service.loadBalancerIPs == std::vector<IpAddress>{ ip("192.0.2.10"), ip("192.0.2.11") });
	CHECK(service.loadBalancerSourceRanges ==
	      std::vector<IpPrefix>{ *IpPrefix::parse("203.0.113.0/24"), *IpPrefix::parse("198.51.100.0/25") });
	CHECK(service.sessionAffinityClientIP);
	CHECK(service.sessionAffinityTimeout == 600);
	CHECK(service.externalTrafficPolicy == TrafficPolicy::Local);
	CHECK(service.internalTrafficPolicy == TrafficPolicy::Local);
	CHECK(service.healthCheckNodePort == 32000);
}

TEST_CASE("Service defaults", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Service
metadata: { name: dns }
spec:
  clusterIP: 10.96.0.10
  ports: [ { port: 53 } ]
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: data }
spec: { clusterIP: None, ports: [ { port: 5432 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: ext }
spec: { type: ExternalName, externalName: example.com }
)",
					  "defaults.yaml");
	REQUIRE(file.services.size() == 3);
	const Service &dns = file.services[0];
	CHECK(dns.name == ObjectName{ "default", "dns" });
	CHECK(dns.type == ServiceType::ClusterIP);
	CHECK(dns.clusterIPs == std::vector<IpAddress>{ ip("10.96.0.10") });
	CHECK(dns.ports == std::vector<ServicePort>{ { "", Protocol::Tcp, 53, 0 } });
	CHECK_FALSE(dns.sessionAffinityClientIP);
	CHECK(dns.sessionAffinityTimeout == 10800);
	CHECK(dns.externalTrafficPolicy == TrafficPolicy::Cluster);
	CHECK(dns.internalTrafficPolicy == TrafficPolicy::Cluster);
	CHECK(dns.healthCheckNodePort == 0);

	/* Headless: no virtual IP, still a Service for the desired-state code to drop. */
	CHECK(file.services[1].name == ObjectName{ "data", "db" });
	CHECK(file.services[1].clusterIPs.empty());
	CHECK(file.services[2].type == ServiceType::ExternalName);
	CHECK(file.services[2].clusterIPs.empty());
}

TEST_CASE("an EndpointSlice with every field", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc12
  namespace: shop
  labels: { kubernetes.io/service-name: web }
  annotations: { endpoints.kubernetes.io/last-change-trigger-time: "2024-05-01T10:00:00Z" }
addressType: IPv4
ports:
- { name: http, port: 8080 }
- { name: dns, protocol: UDP, port: 53 }
- { name: all }
endpoints:
- addresses: [ 10.244.1.5, 10.244.1.6 ]
  conditions: { ready: true, serving: true, terminating: false }
  nodeName: node-a
  zone: zone-1
  hints: { forZones: [ { name: zone-1 }, { name: zone-2 } ] }
- addresses: [ 10.244.2.7 ]
  conditions: { ready: false, serving: true, terminating: true }
- addresses: [ 10.244.3.8 ]
)",
					  "slice.yaml");
	REQUIRE(file.parsed());
	CHECK(messages(file.errors).empty());
	/* kube-proxy ignores a port without a number ("all ports"); so does kipvs, with a note. */
	CHECK(messages(file.notes) ==
	      std::vector<std::string>{ "slice.yaml: EndpointSlice shop/web-abc12: ports[2].port is "
					"missing; that port is ignored" });
	REQUIRE(file.endpointSlices.size() == 1);

	const EndpointSlice &slice = file.endpointSlices[0];
	CHECK(slice.name == ObjectName{ "shop", "web-abc12" });
	CHECK(slice.service == ObjectName{ "shop", "web" });
	CHECK(slice.family == AF_INET);
	CHECK(slice.lastChangeTriggerTime == "2024-05-01T10:00:00Z");
	CHECK(slice.ports == std::vector<EndpointPort>{ { "http", Protocol::Tcp, 8080 },
							{ "dns", Protocol::Udp, 53 } });
	REQUIRE(slice.endpoints.size() == 3);

	const Endpoint &first = slice.endpoints[0];
	CHECK(first.address == ip("10.244.1.5"));
	CHECK(first.ready);
	CHECK(first.serving);
	CHECK_FALSE(first.terminating);
	CHECK(first.nodeName == "node-a");
	CHECK(first.zoneHints == std::vector<std::string>{ "zone-1", "zone-2" });

	const Endpoint &terminating = slice.endpoints[1];
	CHECK_FALSE(terminating.ready);
	CHECK(terminating.serving);
	CHECK(terminating.terminating);

	/* No conditions: ready and serving unset mean true, terminating false. */
	const Endpoint &unknown = slice.endpoints[2];
	CHECK(unknown.ready);
	CHECK(unknown.serving);
	CHECK_FALSE(unknown.terminating);
	CHECK(unknown.nodeName.empty());
	CHECK(unknown.zoneHints.empty());
}

TEST_CASE("an IPv6 EndpointSlice", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-v6, labels: { kubernetes.io/service-name: web } }
addressType: IPv6
ports: [ { port: 80 } ]
endpoints: [ { addresses: [ "fd00::5" ] } ]
)",
					  "v6.yaml");
	REQUIRE(file.endpointSlices.size() == 1);
	CHECK(file.endpointSlices[0].family == AF_INET6);
	CHECK(file.endpointSlices[0].service == ObjectName{ "default", "web" });
	CHECK(file.endpointSlices[0].endpoints[0].address == ip("fd00::5"));
	CHECK(file.endpointSlices[0].ports == std::vector<EndpointPort>{ { "", Protocol::Tcp, 80 } });
}

TEST_CASE("a Node", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: { topology.kubernetes.io/zone: zone-1 }
  deletionTimestamp: "2024-05-01T10:00:00Z"
status:
  addresses:
  - { type: InternalIP, address: 192.168.1.10 }
  - { type: ExternalIP, address: "2001:db8::10" }
  - { type: Hostname, address: node-a }
  - { type: InternalDNS, address: node-a.cluster.local }
---
apiVersion: v1
kind: Node
metadata: { name: node-b }
)",
					  "nodes.yaml");
	REQUIRE(file.nodes.size() == 2);
	const Node &node = file.nodes[0];
	CHECK(node.name == ObjectName{ "", "node-a" });
	CHECK(node.labels == Labels{ { kZoneLabel, "zone-1" } });
	CHECK(node.addresses == std::vector<IpAddress>{ ip("192.168.1.10"), ip("2001:db8::10") });
	CHECK(node.deleting);
	CHECK(file.nodes[1].name == ObjectName{ "", "node-b" });
	CHECK(file.nodes[1].addresses.empty());
	CHECK_FALSE(file.nodes[1].deleting);
}

TEST_CASE("documents, Lists and typed Lists", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { a: b }
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: { name: a }
  spec: { clusterIP: 10.96.0.1, ports: [ { port: 80 } ] }
- apiVersion: apps/v1
  kind: Deployment
  metadata: { name: ignored }
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: { name: a-1, labels: { kubernetes.io/service-name: a } }
  addressType: IPv4
---
apiVersion: v1
kind: ServiceList
items:
- metadata: { name: b }
  spec: { clusterIP: 10.96.0.2, ports: [ { port: 80 } ] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSliceList
items:
- metadata: { name: b-1, labels: { kubernetes.io/service-name: b } }
  addressType: IPv4
---
apiVersion: v1
kind: NodeList
items: [ { metadata: { name: node-a } } ]
---
apiVersion: v1
kind: Service
metadata: { name: c }
spec: { clusterIP: 10.96.0.3 }
...
)",
					  "all.yaml");
	REQUIRE(file.parsed());
	CHECK(messages(file.errors).empty());
	REQUIRE(file.services.size() == 3);
	CHECK(file.services[0].name.name == "a");
	CHECK(file.services[1].name.name == "b");
	CHECK(file.services[2].name.name == "c");
	REQUIRE(file.endpointSlices.size() == 2);
	CHECK(file.endpointSlices[0].name.name == "a-1");
	CHECK(file.endpointSlices[1].name.name == "b-1");
	REQUIRE(file.nodes.size() == 1);
	CHECK(file.nodes[0].name.name == "node-a");
}

TEST_CASE("JSON, as kubectl get -o json prints it", "[manifest]")
{
	ManifestFile file = parseManifest(R"({
	"apiVersion": "v1",
	"kind": "List",
	"items": [
		{
			"apiVersion": "v1",
			"kind": "Service",
			"metadata": { "name": "web", "namespace": "shop" },
			"spec": {
				"clusterIP": "10.96.0.10",
				"ports": [ { "name": "http", "protocol": "TCP", "port": 80, "nodePort": 30080 } ],
				"sessionAffinity": "None",
				"type": "NodePort"
			},
			"status": { "loadBalancer": {} }
		},
		{
			"apiVersion": "discovery.k8s.io/v1",
			"kind": "EndpointSlice",
			"metadata": { "name": "web-x", "namespace": "shop",
				      "labels": { "kubernetes.io/service-name": "web" } },
			"addressType": "IPv4",
			"ports": [ { "name": "http", "port": 8080, "protocol": "TCP" } ],
			"endpoints": [ { "addresses": [ "10.244.0.5" ],
					 "conditions": { "ready": true, "serving": true, "terminating": false },
					 "nodeName": null } ]
		}
	]
}
)",
					  "all.json");
	REQUIRE(file.parsed());
	CHECK(messages(file.errors).empty());
	REQUIRE(file.services.size() == 1);
	CHECK(file.services[0].type == ServiceType::NodePort);
	CHECK(file.services[0].ports == std::vector<ServicePort>{ { "http", Protocol::Tcp, 80, 30080 } });
	REQUIRE(file.endpointSlices.size() == 1);
	CHECK(file.endpointSlices[0].endpoints[0].address == ip("10.244.0.5"));
	CHECK(file.endpointSlices[0].endpoints[0].nodeName.empty());
}

TEST_CASE("what kube-proxy never sees is dropped, with a note where it helps", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Service
metadata: { name: mine, labels: { service.kubernetes.io/service-proxy-name: other } }
spec: { clusterIP: 10.96.0.1, ports: [ { port: 99999 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: hl, labels: { service.kubernetes.io/headless: "" } }
spec: { clusterIP: 10.96.0.2, ports: [ { port: 80 } ] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: mine-1
  labels: { kubernetes.io/service-name: mine, service.kubernetes.io/service-proxy-name: other }
addressType: IPv4
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: hl-1, labels: { kubernetes.io/service-name: hl, service.kubernetes.io/headless: "" } }
addressType: IPv4
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: names, labels: { kubernetes.io/service-name: web } }
addressType: FQDN
endpoints: [ { addresses: [ example.com ] } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: orphan }
addressType: IPv4
)",
					  "skip.yaml");
	REQUIRE(file.parsed());
	CHECK(file.services.empty());
	CHECK(file.endpointSlices.empty());
	CHECK(file.errors.empty());
	CHECK(messages(file.notes) ==
	      std::vector<std::string>{
		      "skip.yaml: EndpointSlice default/names: skipped: addressType FQDN is not proxied",
		      "skip.yaml: EndpointSlice default/orphan: skipped: no kubernetes.io/service-name label",
	      });
}

TEST_CASE("an object defined twice in a file: the later one wins", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { clusterIP: 10.96.0.1, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { clusterIP: 10.96.0.1, ports: [ { port: 8080 } ] }
)",
					  "twice.yaml");
	REQUIRE(file.services.size() == 1);
	CHECK(file.services[0].ports[0].port == 8080);
	CHECK(messages(file.notes) ==
	      std::vector<std::string>{ "twice.yaml: Service default/web: defined again in document 2; "
					"the later definition is used" });
}

TEST_CASE("a file that is not YAML gives its line and column, and nothing else", "[manifest]")
{
	ManifestFile file = parseManifest(std::string(kGoodService) + "---\nspec: [ a, b\nother: {\n",
					  "broken.yaml");
	REQUIRE_FALSE(file.parsed());
	CHECK(file.syntaxError->file == "broken.yaml");
	CHECK(file.syntaxError->object.empty());
	CHECK_THAT(file.syntaxError->reason, Catch::StartsWith("line "));
	CHECK_THAT(file.syntaxError->message(), Catch::StartsWith("broken.yaml: line 8, column "));
	/* And the cause, with where the collection it breaks started. */
	CHECK(file.syntaxError->message() ==
	      "broken.yaml: line 8, column 6: did not find expected ',' or ']' "
	      "(while parsing a flow sequence at line 7, column 7)");
	CHECK(file.services.empty());

	ManifestFile tab = parseManifest("{ \"kind\": \"Service\", ", "open.json");
	CHECK_FALSE(tab.parsed());
}

TEST_CASE("each invalid object is reported with file, object and reason, and skipped",
	  "[manifest]")
{
	struct Case {
		const char *yaml;
		const char *message;
	};
	const Case cases[] = {
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIP: 10.96.0.1, ports: [ { name: a, port: 80 }, { name: b, port: 70000 } ] }",
		  "bad.yaml: Service default/web: spec.ports[1].port: 70000 is out of range 1-65535" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [ { port: 0 } ] }",
		  "bad.yaml: Service default/web: spec.ports[0].port: 0 is out of range 1-65535" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [ { port: \"80\" } ] }",
		  "bad.yaml: Service default/web: spec.ports[0].port: \"80\" is not an integer" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [ { name: x } ] }",
		  "bad.yaml: Service default/web: spec.ports[0].port is missing" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { ports: [ { port: 80, protocol: ICMP } ] }",
		  "bad.yaml: Service default/web: spec.ports[0].protocol: \"ICMP\" is not TCP, UDP or SCTP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { ports: [ { port: 80, nodePort: 65536 } ] }",
		  "bad.yaml: Service default/web: spec.ports[0].nodePort: 65536 is out of range 1-65535" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { ports: [ { name: a, port: 80 }, { name: a, port: 81 } ] }",
		  "bad.yaml: Service default/web: spec.ports[1].name: \"a\" is also the name of spec.ports[0]" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { ports: [ { name: a, port: 80 }, { name: b, port: 80 } ] }",
		  "bad.yaml: Service default/web: spec.ports[1]: TCP port 80 is also spec.ports[0]" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { ports: [ { name: a, port: 80 }, { port: 81 } ] }",
		  "bad.yaml: Service default/web: spec.ports[1].name is missing (required when a Service "
		  "has several ports)" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { clusterIP: 10.96.0.300 }",
		  "bad.yaml: Service default/web: spec.clusterIP: \"10.96.0.300\" is not an IP address" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIP: 10.96.0.1, clusterIPs: [ 10.96.0.2 ] }",
		  "bad.yaml: Service default/web: spec.clusterIP: \"10.96.0.1\" differs from "
		  "spec.clusterIPs[0] \"10.96.0.2\"" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIPs: [ 10.96.0.1, 10.96.0.2 ] }",
		  "bad.yaml: Service default/web: spec.clusterIPs: two addresses of the same family "
		  "(dual-stack needs one of each)" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIPs: [ None, 10.96.0.2 ] }",
		  "bad.yaml: Service default/web: spec.clusterIPs: \"None\" must be the only entry" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIPs: [ 10.96.0.1, \"fd00::1\", 10.96.0.3 ] }",
		  "bad.yaml: Service default/web: spec.clusterIPs: at most 2 addresses, one per family" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { clusterIPs: [ ~ ] }",
		  "bad.yaml: Service default/web: spec.clusterIPs[0]: \"\" is not an IP address" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { clusterIP: 10.96.0.1, clusterIPs: [ [ 10.96.0.1 ] ] }",
		  "bad.yaml: Service default/web: spec.clusterIPs[0]: must be a string" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { type: Internal }",
		  "bad.yaml: Service default/web: spec.type: \"Internal\" is not ClusterIP, NodePort, "
		  "LoadBalancer or ExternalName" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { externalIPs: [ 1.2.3 ] }",
		  "bad.yaml: Service default/web: spec.externalIPs[0]: \"1.2.3\" is not an IP address" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { externalIPs: [ 127.0.0.2 ] }",
		  "bad.yaml: Service default/web: spec.externalIPs[0]: \"127.0.0.2\" is a loopback address, "
		  "which the API server refuses as an external IP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { externalIPs: [ 10.0.0.1, \"fe80::1\" ] }",
		  "bad.yaml: Service default/web: spec.externalIPs[1]: \"fe80::1\" is a link-local address, "
		  "which the API server refuses as an external IP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { externalIPs: [ 0.0.0.0 ] }",
		  "bad.yaml: Service default/web: spec.externalIPs[0]: \"0.0.0.0\" is unspecified, "
		  "which the API server refuses as an external IP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { externalIPs: [ 224.0.0.5 ] }",
		  "bad.yaml: Service default/web: spec.externalIPs[0]: \"224.0.0.5\" is a link-local "
		  "multicast address, which the API server refuses as an external IP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { loadBalancerSourceRanges: [ 10.0.0.1 ] }",
		  "bad.yaml: Service default/web: spec.loadBalancerSourceRanges[0]: \"10.0.0.1\" is not a CIDR" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { sessionAffinity: Cookie }",
		  "bad.yaml: Service default/web: spec.sessionAffinity: \"Cookie\" is not None or ClientIP" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { sessionAffinity: ClientIP, sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }",
		  "bad.yaml: Service default/web: spec.sessionAffinityConfig.clientIP.timeoutSeconds: 86401 "
		  "is out of range 1-86400" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { externalTrafficPolicy: Global }",
		  "bad.yaml: Service default/web: spec.externalTrafficPolicy: \"Global\" is not Cluster or Local" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "spec: { internalTrafficPolicy: local }",
		  "bad.yaml: Service default/web: spec.internalTrafficPolicy: \"local\" is not Cluster or Local" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { healthCheckNodePort: -1 }",
		  "bad.yaml: Service default/web: spec.healthCheckNodePort: -1 is out of range 1-65535" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "status: { loadBalancer: { ingress: [ { ip: 192.0.2.1, ipMode: Tunnel } ] } }",
		  "bad.yaml: Service default/web: status.loadBalancer.ingress[0].ipMode: \"Tunnel\" is not VIP "
		  "or Proxy" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n"
		  "status: { loadBalancer: { ingress: [ { ip: lb.example.com } ] } }",
		  "bad.yaml: Service default/web: status.loadBalancer.ingress[0].ip: \"lb.example.com\" is not "
		  "an IP address" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: [ 1 ]",
		  "bad.yaml: Service default/web: spec: must be an object" },
		{ "apiVersion: v2\nkind: Service\nmetadata: { name: web }",
		  "bad.yaml: Service default/web: apiVersion \"v2\" is not supported (want v1)" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { namespace: shop }",
		  "bad.yaml: Service in document 2: metadata.name is missing" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: Web_1 }",
		  "bad.yaml: Service in document 2: metadata.name: \"Web_1\" is not a valid name" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: a/b }",
		  "bad.yaml: Service in document 2: metadata.namespace: \"a/b\" is not a valid name" },
		{ "apiVersion: v1\nkind: Service\nmetadata: { name: web, labels: [ a ] }",
		  "bad.yaml: Service default/web: metadata.labels: must be an object" },
		{ "apiVersion: v1\nmetadata: { name: web }", "bad.yaml: document 2: kind is missing" },
		{ "[ 1, 2 ]", "bad.yaml: document 2: not an object" },
		{ "apiVersion: v1\nkind: List\nitems: { a: 1 }",
		  "bad.yaml: List in document 2: items: must be a list" },
		{ "apiVersion: v2\nkind: List\nitems: []",
		  "bad.yaml: List in document 2: apiVersion \"v2\" is not supported (want v1)" },
		{ "apiVersion: v1\nkind: List\nitems: [ { apiVersion: v1, kind: Service, metadata: { name: x },"
		  " spec: { ports: [ { port: 0 } ] } } ]",
		  "bad.yaml: Service default/x: spec.ports[0].port: 0 is out of range 1-65535" },
		{ "apiVersion: v1\nkind: List\nitems: [ { apiVersion: v1, kind: Service } ]",
		  "bad.yaml: Service in document 2 items[0]: metadata.name is missing" },
		{ "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: { name: s }",
		  "bad.yaml: EndpointSlice default/s: apiVersion \"discovery.k8s.io/v1beta1\" is not supported "
		  "(want discovery.k8s.io/v1)" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: s }",
		  "bad.yaml: EndpointSlice default/s: addressType is missing" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: s }\naddressType: ipv4",
		  "bad.yaml: EndpointSlice default/s: addressType: \"ipv4\" is not IPv4, IPv6 or FQDN" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "endpoints: [ { addresses: [ 10.0.0.1, \"fd00::1\" ] } ]",
		  "bad.yaml: EndpointSlice default/s: endpoints[0].addresses[1]: \"fd00::1\" is not an IPv4 "
		  "address" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv6\n"
		  "endpoints: [ { addresses: [ 10.0.0.1 ] } ]",
		  "bad.yaml: EndpointSlice default/s: endpoints[0].addresses[0]: \"10.0.0.1\" is not an IPv6 "
		  "address" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "endpoints: [ { addresses: [] } ]",
		  "bad.yaml: EndpointSlice default/s: endpoints[0].addresses is missing" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "endpoints: [ { addresses: [ 10.0.0.1 ], conditions: { ready: yes } } ]",
		  "bad.yaml: EndpointSlice default/s: endpoints[0].conditions.ready: \"yes\" is not true or false" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "ports: [ { port: 65536 } ]",
		  "bad.yaml: EndpointSlice default/s: ports[0].port: 65536 is out of range 1-65535" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "ports: [ { port: 80, protocol: tcp } ]",
		  "bad.yaml: EndpointSlice default/s: ports[0].protocol: \"tcp\" is not TCP, UDP or SCTP" },
		{ "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: { name: s, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\n"
		  "endpoints: [ { addresses: [ 10.0.0.1 ], hints: { forZones: [ { } ] } } ]",
		  "bad.yaml: EndpointSlice default/s: endpoints[0].hints.forZones[0].name is missing" },
		{ "apiVersion: v1\nkind: Node\nmetadata: { name: n1 }\n"
		  "status: { addresses: [ { type: InternalIP, address: node-1 } ] }",
		  "bad.yaml: Node n1: status.addresses[0].address: \"node-1\" is not an IP address" },
		{ "apiVersion: v2\nkind: Node\nmetadata: { name: n1 }",
		  "bad.yaml: Node n1: apiVersion \"v2\" is not supported (want v1)" },
	};

	for (const Case &c : cases) {
		INFO(c.yaml);
		ManifestFile file = parseManifest(std::string(kGoodService) + "---\n" + c.yaml, "bad.yaml");
		REQUIRE(file.parsed());
		CHECK(messages(file.errors) == std::vector<std::string>{ c.message });
		/* The other object of the file is still served. */
		REQUIRE(file.services.size() == 1);
		CHECK(file.services[0].name == ObjectName{ "default", "good" });
		CHECK(file.endpointSlices.empty());
		CHECK(file.nodes.empty());
	}
}

TEST_CASE("JSON's escapes, and JSON the strict reader refuses", "[manifest]")
{
	ManifestFile file = parseManifest(
		R"({ "apiVersion": "v1", "kind": "Node",
		     "metadata": { "name": "n1", "labels": { "a": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t" } },
		     "status": { "addresses": [ { "type": "InternalIP", "address": "10.0.0.1" } ] } })",
		"escapes.json");
	REQUIRE(file.parsed());
	REQUIRE(file.nodes.size() == 1);
	CHECK(file.nodes[0].labels.at("a") == "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \t");
	CHECK(file.nodes[0].addresses == std::vector<IpAddress>{ ip("10.0.0.1") });

	/* A quoted number is a string, in JSON as in YAML. */
	file = parseManifest(R"({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" },
				  "spec": { "ports": [ { "port": "80" } ] } })",
			     "quoted.json");
	CHECK(messages(file.errors) ==
	      std::vector<std::string>{ "quoted.json: Service default/s: spec.ports[0].port: \"80\" is not an integer" });

	/* Not JSON, but YAML flow style: libyaml reads it. */
	file = parseManifest("{ apiVersion: v1, kind: Node, metadata: { name: n2 } }", "flow.json");
	REQUIRE(file.nodes.size() == 1);
	CHECK(file.nodes[0].name.name == "n2");

	/* Neither: libyaml says where. */
	file = parseManifest("{ \"kind\": \"Node\",\n  \"metadata\": { \"name\": \"n3\" }\n", "open.json");
	REQUIRE_FALSE(file.parsed());
	CHECK_THAT(file.syntaxError->message(), Catch::StartsWith("open.json: line "));
}

TEST_CASE("YAML anchors and aliases", "[manifest]")
{
	ManifestFile file = parseManifest(R"(
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: &labels { app: web }
  annotations: *labels
spec:
  clusterIP: &vip 10.96.0.1
  externalIPs: [ *vip ]
  ports:
  - &http { name: http, port: 80 }
  - { name: alt, port: 8080 }
)",
					  "anchors.yaml");
	CHECK(messages(file.errors).empty());
	REQUIRE(file.services.size() == 1);
	CHECK(file.services[0].externalIPs == std::vector<IpAddress>{ ip("10.96.0.1") });
	CHECK(file.services[0].ports.size() == 2);
}

TEST_CASE("a syntax error late in a file drops the whole file", "[manifest]")
{
	ManifestFile file = parseManifest(std::string(kGoodService) + kGoodService + "---\n: : :\n  - [\n",
					  "late.yaml");
	REQUIRE_FALSE(file.parsed());
	CHECK(file.services.empty());
	CHECK(file.errors.empty());
}
