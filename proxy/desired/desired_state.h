/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What one Service should look like in the kernel: virtual servers with
 * their real servers, addresses on kube-ipvs0, and ipset entries. Pure
 * functions of the cached objects, the node and the configuration.
 */
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ipset/entry.h"
#include "ipvs/virtual_server.h"
#include "base/address.h"
#include "proxy/model/objects.h"

namespace kipvs::proxy {

/* The configuration that shapes desired state. */
struct DesiredConfig {
	std::string scheduler = "rr";
	/* The address families this proxy programs (dual-stack: both). */
	std::vector<int> families{ AF_INET, AF_INET6 };
};

/* What the desired state needs to know of the node kipvs runs on. */
struct NodeContext {
	std::string nodeName;
	/* The node's topology.kubernetes.io/zone label, empty if unknown. */
	std::string zone;
	/* Addresses NodePorts listen on (after --nodeport-addresses). */
	std::vector<IpAddress> nodePortAddresses;
	/* Every address on this node's interfaces except kube-ipvs0. */
	std::set<IpAddress> localAddresses;
	/* Addresses of every other Node object (status.addresses). */
	std::set<IpAddress> otherNodeAddresses;
	/* Does a host process listen on address:port? (the hijack guard) */
	std::function<bool(const IpAddress &, Protocol, uint16_t)> hostListens;
};

struct WantedVirtualServer {
	ipvs::VirtualServer server;
	std::vector<ipvs::RealServer> destinations;
};

/* One member of one of kipvs's sets. */
struct SetEntry {
	std::string set;
	ipset::Entry entry;

	auto operator<=>(const SetEntry &) const = default;
};

/* An address kipvs refused to program, and why (logged once, counted). */
struct Refusal {
	IpAddress address;
	std::string reason;

	bool operator==(const Refusal &) const = default;
};

struct ServiceState {
	std::vector<WantedVirtualServer> virtualServers;
	std::set<IpAddress> addresses;
	std::set<SetEntry> setEntries;
	/* Load balancers this node may not reach (see RulesInput::closedToNode). */
	std::set<ipvs::ServiceKey> closedToNode;
	std::vector<Refusal> refusals;

	bool empty() const
	{
		return virtualServers.empty() && addresses.empty() && setEntries.empty() &&
		       closedToNode.empty();
	}
};

/* kube-proxy's set names (IPv4; see ipset::setName for IPv6). */
namespace sets {
constexpr const char *LoopBack = "KUBE-LOOP-BACK";
constexpr const char *ClusterIP = "KUBE-CLUSTER-IP";
constexpr const char *ExternalIP = "KUBE-EXTERNAL-IP";
constexpr const char *ExternalIPLocal = "KUBE-EXTERNAL-IP-LOCAL";
constexpr const char *LoadBalancer = "KUBE-LOAD-BALANCER";
constexpr const char *LoadBalancerLocal = "KUBE-LOAD-BALANCER-LOCAL";
constexpr const char *LoadBalancerFirewall = "KUBE-LOAD-BALANCER-FW";
constexpr const char *LoadBalancerSourceCidr = "KUBE-LOAD-BALANCER-SOURCE-CIDR";
constexpr const char *LoadBalancerSourceIP = "KUBE-LOAD-BALANCER-SOURCE-IP";
constexpr const char *NodePortTcp = "KUBE-NODE-PORT-TCP";
constexpr const char *NodePortLocalTcp = "KUBE-NODE-PORT-LOCAL-TCP";
constexpr const char *NodePortUdp = "KUBE-NODE-PORT-UDP";
constexpr const char *NodePortLocalUdp = "KUBE-NODE-PORT-LOCAL-UDP";
constexpr const char *NodePortSctp = "KUBE-NODE-PORT-SCTP-HASH";
constexpr const char *NodePortLocalSctp = "KUBE-NODE-PORT-LOCAL-SCTP-HASH";
constexpr const char *HealthCheckNodePort = "KUBE-HEALTH-CHECK-NODE-PORT";
constexpr const char *IpvsIPs = "KUBE-IPVS-IPS";
} /* namespace sets */

/*
 * The kernel state one Service wants. slices are the EndpointSlices whose
 * kubernetes.io/service-name names this Service. A Service kube-proxy
 * skips (ExternalName, headless, no cluster IP) wants nothing.
 */
ServiceState computeServiceState(const Service &service,
				 const std::vector<const EndpointSlice *> &slices,
				 const NodeContext &node, const DesiredConfig &config);

} /* namespace kipvs::proxy */
