/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Desired state per service shape: objects in, virtual servers, real
 * servers, addresses and set entries out (cases after kube-proxy's own
 * IPVS proxier tests), plus the node-IP guard.
 */
#include <algorithm>

#include <catch2/catch.hpp>

#include "proxy/desired/desired_state.h"

using namespace kipvs;
using namespace kipvs::proxy;

namespace {

IpAddress ip(const char *text)
{
	auto address = IpAddress::parse(text);
	REQUIRE(address);
	return *address;
}

Service clusterIPService(const char *clusterIP, uint16_t port, Protocol protocol = Protocol::Tcp)
{
	Service service;
	service.name = { "default", "web" };
	service.clusterIPs = { ip(clusterIP) };
	service.ports = { { "http", protocol, port, 0 } };
	return service;
}

Endpoint endpoint(const char *address, const char *node = "node-a", bool ready = true)
{
	Endpoint e;
	e.address = ip(address);
	e.nodeName = node;
	e.ready = ready;
	e.serving = ready;
	return e;
}

EndpointSlice slice(std::vector<Endpoint> endpoints, uint16_t port = 8080,
		    Protocol protocol = Protocol::Tcp, int family = AF_INET)
{
	EndpointSlice s;
	s.name = { "default", "web-abc" };
	s.service = { "default", "web" };
	s.family = family;
	s.ports = { { "http", protocol, port } };
	s.endpoints = std::move(endpoints);
	return s;
}

NodeContext thisNode()
{
	NodeContext node;
	node.nodeName = "node-a";
	node.nodePortAddresses = { ip("192.168.0.10") };
	node.localAddresses = { ip("192.168.0.10"), ip("fd00:1::10") };
	node.otherNodeAddresses = { ip("192.168.0.11") };
	return node;
}

/* "10.244.1.5:8080" for every real server of the virtual server on `key`. */
std::vector<std::string> destinationsOf(const ServiceState &state, const std::string &key)
{
	for (const auto &wanted : state.virtualServers) {
		if (wanted.server.key.toString() != key)
			continue;
		std::vector<std::string> names;
		for (const auto &server : wanted.destinations)
			names.push_back(server.toString());
		return names;
	}
	FAIL("no virtual server " << key);
	return {};
}

/* entry as `ipset save` prints it */
bool hasEntry(const ServiceState &state, const std::string &set, const std::string &entry)
{
	return std::any_of(state.setEntries.begin(), state.setEntries.end(), [&](const SetEntry &e) {
		return e.set == set && e.entry.toString() == entry;
	});
}

std::vector<std::string> keys(const ServiceState &state)
{
	std::vector<std::string> names;
	for (const auto &wanted : state.virtualServers)
		names.push_back(wanted.server.key.toString());
	std::sort(names.begin(), names.end());
	return names;
}

} /* namespace */

TEST_CASE("a ClusterIP service gets one virtual server over its ready endpoints", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	EndpointSlice s = slice({ endpoint("10.244.1.5"), endpoint("10.244.2.6", "node-b"),
				  endpoint("10.244.3.7", "node-b", false) });
	ServiceState state = computeServiceState(service, { &s }, thisNode(), {});

	REQUIRE(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:80" });
	const auto &server = state.virtualServers[0].server;
	CHECK(server.scheduler == "rr");
	CHECK(server.flags == 0);
	CHECK(server.netmask == 0xffffffff);
	CHECK(destinationsOf(state, "TCP 10.96.0.10:80") ==
	      std::vector<std::string>{ "10.244.1.5:8080", "10.244.2.6:8080" });
	for (const auto &rs : state.virtualServers[0].destinations) {
		CHECK(rs.weight == 1);
		CHECK(rs.method == ipvs::ForwardMethod::Masq);
	}
	CHECK(state.addresses == std::set<IpAddress>{ ip("10.96.0.10") });
	CHECK(hasEntry(state, "KUBE-CLUSTER-IP", "10.96.0.10,tcp:80"));
	CHECK(hasEntry(state, "KUBE-IPVS-IPS", "10.96.0.10"));
	/* Hairpin for the endpoint on this node only. */
	CHECK(hasEntry(state, "KUBE-LOOP-BACK", "10.244.1.5,tcp:8080,10.244.1.5"));
	CHECK_FALSE(hasEntry(state, "KUBE-LOOP-BACK", "10.244.2.6,tcp:8080,10.244.2.6"));
	CHECK(state.refusals.empty());
}

TEST_CASE("with no ready endpoint, serving terminating ones are used", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	Endpoint terminating = endpoint("10.244.1.5", "node-a", false);
	terminating.serving = true;
	terminating.terminating = true;
	Endpoint gone = endpoint("10.244.1.6", "node-a", false);
	gone.terminating = true;
	EndpointSlice s = slice({ terminating, gone });
	ServiceState state = computeServiceState(service, { &s }, thisNode(), {});
	CHECK(destinationsOf(state, "TCP 10.96.0.10:80") ==
	      std::vector<std::string>{ "10.244.1.5:8080" });
}

TEST_CASE("a service without endpoints still gets its virtual server", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 53, Protocol::Udp);
	ServiceState state = computeServiceState(service, {}, thisNode(), {});
	CHECK(keys(state) == std::vector<std::string>{ "UDP 10.96.0.10:53" });
	CHECK(state.virtualServers[0].destinations.empty());
	CHECK(hasEntry(state, "KUBE-CLUSTER-IP", "10.96.0.10,udp:53"));
}

TEST_CASE("session affinity makes the virtual server persistent", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.sessionAffinityClientIP = true;
	service.sessionAffinityTimeout = 600;
	ServiceState state = computeServiceState(service, {}, thisNode(), {});
	const auto &server = state.virtualServers.at(0).server;
	CHECK(server.flags == ipvs::ServiceFlag::Persistent);
	CHECK(server.timeout == 600);
}

TEST_CASE("the mh scheduler hashes ports too", "[desired]")
{
	DesiredConfig config;
	config.scheduler = "mh";
	ServiceState state = computeServiceState(clusterIPService("10.96.0.10", 80), {},
						 thisNode(), config);
	CHECK(state.virtualServers.at(0).server.scheduler == "mh");
	CHECK(state.virtualServers.at(0).server.flags == ipvs::ServiceFlag::Sched2);
}

TEST_CASE("a NodePort service listens on every node address", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.type = ServiceType::NodePort;
	service.ports[0].nodePort = 30080;
	NodeContext node = thisNode();
	node.nodePortAddresses.push_back(ip("172.16.0.10"));
	EndpointSlice s = slice({ endpoint("10.244.1.5"), endpoint("10.244.2.6", "node-b") });
	ServiceState state = computeServiceState(service, { &s }, node, {});

	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:80", "TCP 172.16.0.10:30080",
						       "TCP 192.168.0.10:30080" });
	CHECK(destinationsOf(state, "TCP 192.168.0.10:30080").size() == 2);
	CHECK(hasEntry(state, "KUBE-NODE-PORT-TCP", "30080"));
	CHECK_FALSE(hasEntry(state, "KUBE-NODE-PORT-LOCAL-TCP", "30080"));
	/* Node addresses are never bound to kube-ipvs0. */
	CHECK(state.addresses == std::set<IpAddress>{ ip("10.96.0.10") });
}

TEST_CASE("externalTrafficPolicy Local sends external traffic to local endpoints", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 53, Protocol::Udp);
	service.type = ServiceType::LoadBalancer;
	service.ports[0].nodePort = 30053;
	service.externalTrafficPolicy = TrafficPolicy::Local;
	service.externalIPs = { ip("203.0.113.7") };
	service.loadBalancerIPs = { ip("198.51.100.7") };
	service.healthCheckNodePort = 32000;
	EndpointSlice s = slice({ endpoint("10.244.1.5"), endpoint("10.244.2.6", "node-b") }, 5353,
				Protocol::Udp);
	ServiceState state = computeServiceState(service, { &s }, thisNode(), {});

	CHECK(destinationsOf(state, "UDP 10.96.0.10:53").size() == 2);
	for (const char *key : { "UDP 203.0.113.7:53", "UDP 198.51.100.7:53",
				 "UDP 192.168.0.10:30053" })
		CHECK(destinationsOf(state, key) == std::vector<std::string>{ "10.244.1.5:5353" });
	CHECK(hasEntry(state, "KUBE-EXTERNAL-IP-LOCAL", "203.0.113.7,udp:53"));
	CHECK_FALSE(hasEntry(state, "KUBE-EXTERNAL-IP", "203.0.113.7,udp:53"));
	CHECK(hasEntry(state, "KUBE-LOAD-BALANCER", "198.51.100.7,udp:53"));
	CHECK(hasEntry(state, "KUBE-LOAD-BALANCER-LOCAL", "198.51.100.7,udp:53"));
	CHECK(hasEntry(state, "KUBE-NODE-PORT-UDP", "30053"));
	CHECK(hasEntry(state, "KUBE-NODE-PORT-LOCAL-UDP", "30053"));
	CHECK(hasEntry(state, "KUBE-HEALTH-CHECK-NODE-PORT", "32000"));
	CHECK(state.addresses ==
	      std::set<IpAddress>{ ip("10.96.0.10"), ip("203.0.113.7"), ip("198.51.100.7") });
}

TEST_CASE("internalTrafficPolicy Local limits the cluster IP to local endpoints", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.internalTrafficPolicy = TrafficPolicy::Local;
	EndpointSlice s = slice({ endpoint("10.244.1.5"), endpoint("10.244.2.6", "node-b") });
	ServiceState state = computeServiceState(service, { &s }, thisNode(), {});
	CHECK(destinationsOf(state, "TCP 10.96.0.10:80") ==
	      std::vector<std::string>{ "10.244.1.5:8080" });
}

TEST_CASE("zone hints filter endpoints only when every ready endpoint has them", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	Endpoint a = endpoint("10.244.1.5"), b = endpoint("10.244.2.6", "node-b");
	a.zoneHints = { "zone-a" };
	b.zoneHints = { "zone-b" };
	NodeContext node = thisNode();
	node.zone = "zone-a";

	EndpointSlice hinted = slice({ a, b });
	CHECK(destinationsOf(computeServiceState(service, { &hinted }, node, {}),
			     "TCP 10.96.0.10:80") == std::vector<std::string>{ "10.244.1.5:8080" });

	b.zoneHints.clear();
	EndpointSlice partly = slice({ a, b });
	CHECK(destinationsOf(computeServiceState(service, { &partly }, node, {}),
			     "TCP 10.96.0.10:80")
		      .size() == 2);
}

TEST_CASE("loadBalancerSourceRanges fill the firewall sets", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 443);
	service.type = ServiceType::LoadBalancer;
	service.loadBalancerIPs = { ip("198.51.100.7") };
	service.loadBalancerSourceRanges = { *IpPrefix::parse("203.0.113.0/24"),
					     *IpPrefix::parse("192.168.0.0/16") };
	ServiceState state = computeServiceState(service, {}, thisNode(), {});
	CHECK(hasEntry(state, "KUBE-LOAD-BALANCER-FW", "198.51.100.7,tcp:443"));
	CHECK(hasEntry(state, "KUBE-LOAD-BALANCER-SOURCE-CIDR",
		       "198.51.100.7,tcp:443,203.0.113.0/24"));
	/* 192.168.0.0/16 holds this node's address: the node itself may connect. */
	CHECK(hasEntry(state, "KUBE-LOAD-BALANCER-SOURCE-IP",
		       "198.51.100.7,tcp:443,198.51.100.7"));
}

TEST_CASE("IPv6 and dual-stack services use the KUBE-6- sets", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.clusterIPs.push_back(ip("fd00:96::10"));
	EndpointSlice v4 = slice({ endpoint("10.244.1.5") });
	EndpointSlice v6 = slice({ endpoint("fd00:244::5") }, 8080, Protocol::Tcp, AF_INET6);
	ServiceState state = computeServiceState(service, { &v4, &v6 }, thisNode(), {});

	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:80", "TCP [fd00:96::10]:80" });
	CHECK(destinationsOf(state, "TCP [fd00:96::10]:80") ==
	      std::vector<std::string>{ "[fd00:244::5]:8080" });
	CHECK(hasEntry(state, "KUBE-6-CLUSTER-IP", "fd00:96::10,tcp:80"));
	CHECK(hasEntry(state, "KUBE-6-LOOP-BACK", "fd00:244::5,tcp:8080,fd00:244::5"));
	const auto *server6 = &state.virtualServers[1].server;
	CHECK(server6->netmask == 128);
	CHECK(server6->key.family == AF_INET6);
}

TEST_CASE("services kube-proxy skips want nothing", "[desired]")
{
	Service headless = clusterIPService("10.96.0.10", 80);
	headless.clusterIPs.clear();
	CHECK(computeServiceState(headless, {}, thisNode(), {}).empty());

	Service external = clusterIPService("10.96.0.10", 80);
	external.type = ServiceType::ExternalName;
	CHECK(computeServiceState(external, {}, thisNode(), {}).empty());
}

TEST_CASE("slice ports are matched by name and protocol", "[desired]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.ports.push_back({ "metrics", Protocol::Tcp, 9090, 0 });
	EndpointSlice s = slice({ endpoint("10.244.1.5") });
	s.ports.push_back({ "metrics", Protocol::Tcp, 19090 });
	ServiceState state = computeServiceState(service, { &s }, thisNode(), {});
	CHECK(destinationsOf(state, "TCP 10.96.0.10:80") ==
	      std::vector<std::string>{ "10.244.1.5:8080" });
	CHECK(destinationsOf(state, "TCP 10.96.0.10:9090") ==
	      std::vector<std::string>{ "10.244.1.5:19090" });
}

TEST_CASE("an externalIP that is another node's address is refused", "[desired][guard]")
{
	Service service = clusterIPService("10.96.0.10", 6443);
	service.externalIPs = { ip("192.168.0.11"), ip("203.0.113.7") };
	ServiceState state = computeServiceState(service, {}, thisNode(), {});

	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:6443",
						       "TCP 203.0.113.7:6443" });
	CHECK_FALSE(state.addresses.count(ip("192.168.0.11")));
	CHECK_FALSE(hasEntry(state, "KUBE-EXTERNAL-IP", "192.168.0.11,tcp:6443"));
	CHECK_FALSE(hasEntry(state, "KUBE-IPVS-IPS", "192.168.0.11"));
	REQUIRE(state.refusals.size() == 1);
	CHECK(state.refusals[0].address == ip("192.168.0.11"));
	CHECK_THAT(state.refusals[0].reason, Catch::Contains("another node"));
}

TEST_CASE("an externalIP that is this node's address is served but not bound", "[desired][guard]")
{
	Service service = clusterIPService("10.96.0.10", 8443);
	service.externalIPs = { ip("192.168.0.10") };
	NodeContext node = thisNode();
	ServiceState state = computeServiceState(service, {}, node, {});
	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:8443",
						       "TCP 192.168.0.10:8443" });
	CHECK_FALSE(state.addresses.count(ip("192.168.0.10")));
	CHECK(state.refusals.empty());

	/* ...unless a host process listens there: the API server must not be hijacked. */
	node.hostListens = [](const IpAddress &address, Protocol protocol, uint16_t port) {
		return address.toString() == "192.168.0.10" && protocol == Protocol::Tcp &&
		       port == 8443;
	};
	state = computeServiceState(service, {}, node, {});
	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:8443" });
	REQUIRE(state.refusals.size() == 1);
	CHECK_THAT(state.refusals[0].reason, Catch::Contains("host process listens"));
}

TEST_CASE("a load-balancer IP that is another node's address is refused", "[desired][guard]")
{
	Service service = clusterIPService("10.96.0.10", 80);
	service.type = ServiceType::LoadBalancer;
	service.loadBalancerIPs = { ip("192.168.0.11") };
	ServiceState state = computeServiceState(service, {}, thisNode(), {});
	CHECK(keys(state) == std::vector<std::string>{ "TCP 10.96.0.10:80" });
	CHECK_FALSE(hasEntry(state, "KUBE-LOAD-BALANCER", "192.168.0.11,tcp:80"));
	CHECK(state.refusals.size() == 1);
}
