/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Desired state of one Service, as kube-proxy's IPVS mode computes it,
 * plus the node-IP guard kube-proxy lacks.
 */
#include "proxy/desired/desired_state.h"

#include <algorithm>
#include <map>

#include "ipset/entry.h"
#include "ipset/set_name.h"

namespace kipvs::proxy {

namespace {

/* One endpoint of one service port. */
struct PortEndpoint {
	IpAddress address;
	uint16_t port;
	const Endpoint *endpoint;
	bool local;
};

/* The endpoints of a service port in one family, deduplicated by address:port. */
std::vector<PortEndpoint> endpointsOf(const ServicePort &servicePort, int family,
				      const std::vector<const EndpointSlice *> &slices,
				      const std::string &nodeName)
{
	std::vector<PortEndpoint> found;
	for (const EndpointSlice *slice : slices) {
		if (slice->family != family)
			continue;
		auto port = std::find_if(slice->ports.begin(), slice->ports.end(),
					 [&](const EndpointPort &p) {
						 return p.name == servicePort.name &&
							p.protocol == servicePort.protocol;
					 });
		if (port == slice->ports.end() || port->port == 0)
			continue;
		for (const Endpoint &endpoint : slice->endpoints) {
			if (endpoint.address.family() != family)
				continue;
			PortEndpoint candidate{ endpoint.address, port->port, &endpoint,
						!nodeName.empty() && endpoint.nodeName == nodeName };
			auto same = std::find_if(found.begin(), found.end(), [&](const PortEndpoint &e) {
				return e.address == candidate.address && e.port == candidate.port;
			});
			/* The same endpoint in two slices (mid-migration): prefer a ready copy. */
			if (same == found.end())
				found.push_back(candidate);
			else if (!same->endpoint->ready && endpoint.ready)
				*same = candidate;
		}
	}
	std::sort(found.begin(), found.end(), [](const PortEndpoint &a, const PortEndpoint &b) {
		return std::tie(a.address, a.port) < std::tie(b.address, b.port);
	});
	return found;
}

/* How topology hints narrow the cluster endpoints (kube-proxy's topology modes). */
enum class Topology { None, SameNode, SameZone };

bool hinted(const std::vector<std::string> &hints, const std::string &name)
{
	return std::find(hints.begin(), hints.end(), name) != hints.end();
}

/*
 * Node hints first, then zone hints (kube-proxy's rule, PreferSameNode GA
 * in v1.35): a kind of hint is used only when every ready endpoint has
 * one and some endpoint's names this node (its zone).
 */
Topology topology(const std::vector<PortEndpoint> &endpoints, const std::string &nodeName,
		  const std::string &zone)
{
	bool allNode = true, forNode = false, allZone = true, forZone = false, anyReady = false;
	for (const PortEndpoint &e : endpoints) {
		if (!e.endpoint->ready)
			continue;
		anyReady = true;
		const Endpoint &endpoint = *e.endpoint;
		if (endpoint.nodeHints.empty())
			allNode = false;
		else
			forNode = forNode || hinted(endpoint.nodeHints, nodeName);
		if (endpoint.zoneHints.empty())
			allZone = false;
		else
			forZone = forZone || (!zone.empty() && hinted(endpoint.zoneHints, zone));
	}
	if (!anyReady)
		return Topology::None;
	if (allNode && forNode)
		return Topology::SameNode;
	if (allZone && forZone)
		return Topology::SameZone;
	return Topology::None;
}

/* Ready endpoints (topology-filtered); if none, the serving terminating ones. */
std::vector<PortEndpoint> clusterEndpoints(const std::vector<PortEndpoint> &endpoints,
					   const std::string &nodeName, const std::string &zone)
{
	Topology mode = topology(endpoints, nodeName, zone);
	auto available = [&](const Endpoint &endpoint) {
		switch (mode) {
		case Topology::SameNode:
			return hinted(endpoint.nodeHints, nodeName);
		case Topology::SameZone:
			return hinted(endpoint.zoneHints, zone);
		case Topology::None:
			break;
		}
		return true;
	};
	std::vector<PortEndpoint> chosen;
	for (const PortEndpoint &e : endpoints)
		if (e.endpoint->ready && available(*e.endpoint))
			chosen.push_back(e);
	if (chosen.empty())
		for (const PortEndpoint &e : endpoints)
			if (e.endpoint->serving && e.endpoint->terminating)
				chosen.push_back(e);
	return chosen;
}

/* Local ready endpoints; if none, the local serving terminating ones. */
std::vector<PortEndpoint> localEndpoints(const std::vector<PortEndpoint> &endpoints)
{
	std::vector<PortEndpoint> chosen;
	for (const PortEndpoint &e : endpoints)
		if (e.local && e.endpoint->ready)
			chosen.push_back(e);
	if (chosen.empty())
		for (const PortEndpoint &e : endpoints)
			if (e.local && e.endpoint->serving && e.endpoint->terminating)
				chosen.push_back(e);
	return chosen;
}

std::vector<ipvs::RealServer> realServers(const std::vector<PortEndpoint> &endpoints)
{
	std::vector<ipvs::RealServer> servers;
	servers.reserve(endpoints.size());
	for (const PortEndpoint &e : endpoints) {
		ipvs::RealServer server;
		server.address = e.address;
		server.port = e.port;
		server.family = e.address.family();
		server.method = ipvs::ForwardMethod::Masq;
		server.weight = 1;
		servers.push_back(server);
	}
	return servers;
}

class Builder
{
public:
	Builder(const Service &service, const NodeContext &node, const DesiredConfig &config,
		int family)
		: service_(service), node_(node), config_(config), family_(family)
	{
	}

	void addServicePort(const ServicePort &port, const std::vector<PortEndpoint> &endpoints);
	ServiceState take() { return std::move(state_); }

private:
	void addSet(const char *base, const ipset::Entry &entry)
	{
		state_.setEntries.insert({ ipset::setName(base, family_), entry });
	}
	void bind(const IpAddress &address)
	{
		state_.addresses.insert(address);
		addSet(sets::IpvsIPs, ipset::Entry::ip(address));
	}
	void addServer(const IpAddress &address, const ServicePort &port, uint16_t listenPort,
		       std::vector<ipvs::RealServer> destinations);
	/* Empty if kipvs may program address:port; otherwise why not. */
	std::string guard(const IpAddress &address, const ServicePort &port) const;

	const Service &service_;
	const NodeContext &node_;
	const DesiredConfig &config_;
	int family_;
	ServiceState state_;
};

void Builder::addServer(const IpAddress &address, const ServicePort &port, uint16_t listenPort,
			std::vector<ipvs::RealServer> destinations)
{
	WantedVirtualServer wanted;
	ipvs::VirtualServer &server = wanted.server;
	server.key = { family_, port.protocol, address, listenPort, 0 };
	server.scheduler = config_.scheduler;
	server.netmask = family_ == AF_INET ? 0xffffffff : 128;
	if (service_.sessionAffinityClientIP) {
		server.flags |= ipvs::ServiceFlag::Persistent;
		server.timeout = service_.sessionAffinityTimeout;
	}
	/* mh hashes the port too, as kube-proxy configures it. */
	if (server.scheduler == "mh")
		server.flags |= ipvs::ServiceFlag::Sched2;
	wanted.destinations = std::move(destinations);
	state_.virtualServers.push_back(std::move(wanted));
}

std::string Builder::guard(const IpAddress &address, const ServicePort &port) const
{
	if (node_.otherNodeAddresses.count(address))
		return "is the address of another node: binding it to kube-ipvs0 would cut this "
		       "node off from that node";
	if (node_.localAddresses.count(address) && node_.hostListens &&
	    node_.hostListens(address, port.protocol, port.port))
		return "is this node's address and a host process listens on " +
		       std::string(protocolKeyword(port.protocol)) + " port " +
		       std::to_string(port.port) + ": a virtual server would hijack it";
	return {};
}

void Builder::addServicePort(const ServicePort &port, const std::vector<PortEndpoint> &endpoints)
{
	/*
	 * kube-proxy's categorisation: the cluster's endpoints exist for a
	 * Service port that uses them (internal traffic policy Cluster, or
	 * reachable from outside at all: a node port, an external or a
	 * load-balancer IP, whatever its external policy). A Local policy with no
	 * local endpoint falls back to them ("allow access from local pods even
	 * if no local endpoints exist", its IPVS proxier); without them it has
	 * no real server.
	 */
	bool internalLocal = service_.internalTrafficPolicy == TrafficPolicy::Local;
	bool externalLocal = service_.externalTrafficPolicy == TrafficPolicy::Local;
	bool externallyAccessible = port.nodePort != 0 || !service_.externalIPs.empty() ||
				    !service_.loadBalancerIPs.empty();
	bool usesCluster = !internalLocal || externallyAccessible;
	auto cluster = usesCluster ? realServers(clusterEndpoints(endpoints, node_.nodeName, node_.zone))
				   : std::vector<ipvs::RealServer>();
	auto local = realServers(localEndpoints(endpoints));
	const auto &internal = internalLocal && !local.empty() ? local : cluster;
	const auto &external = externalLocal && !local.empty() ? local : cluster;

	for (const IpAddress &clusterIP : service_.clusterIPs) {
		if (clusterIP.family() != family_)
			continue;
		addServer(clusterIP, port, port.port, internal);
		bind(clusterIP);
		addSet(sets::ClusterIP, ipset::Entry::ipPort(clusterIP, port.protocol, port.port));
	}

	/* Hairpin: a pod reaching its own service is masqueraded. */
	for (const PortEndpoint &e : endpoints)
		if (e.local)
			addSet(sets::LoopBack,
			       ipset::Entry::ipPortIp(e.address, port.protocol, e.port, e.address));

	for (const IpAddress &externalIP : service_.externalIPs) {
		if (externalIP.family() != family_)
			continue;
		if (std::string reason = guard(externalIP, port); !reason.empty()) {
			state_.refusals.push_back({ externalIP, "externalIP " + externalIP.toString() +
									" " + reason });
			continue;
		}
		addServer(externalIP, port, port.port, external);
		if (!node_.localAddresses.count(externalIP))
			bind(externalIP);
		addSet(externalLocal ? sets::ExternalIPLocal : sets::ExternalIP,
		       ipset::Entry::ipPort(externalIP, port.protocol, port.port));
	}

	for (const IpAddress &ingress : service_.loadBalancerIPs) {
		if (ingress.family() != family_)
			continue;
		if (std::string reason = guard(ingress, port); !reason.empty()) {
			state_.refusals.push_back({ ingress, "load-balancer IP " +
								     ingress.toString() + " " + reason });
			continue;
		}
		addServer(ingress, port, port.port, external);
		if (!node_.localAddresses.count(ingress))
			bind(ingress);
		ipset::Entry entry = ipset::Entry::ipPort(ingress, port.protocol, port.port);
		addSet(sets::LoadBalancer, entry);
		if (externalLocal)
			addSet(sets::LoadBalancerLocal, entry);
		bool anyRange = false, allowFromNode = false;
		for (const IpPrefix &range : service_.loadBalancerSourceRanges) {
			if (range.address().family() != family_)
				continue;
			anyRange = true;
			addSet(sets::LoadBalancerSourceCidr,
			       ipset::Entry::ipPortNet(ingress, port.protocol, port.port, range));
			for (const IpAddress &nodeAddress : node_.localAddresses)
				allowFromNode = allowFromNode || range.contains(nodeAddress);
		}
		if (anyRange)
			addSet(sets::LoadBalancerFirewall, entry);
		if (allowFromNode)
			addSet(sets::LoadBalancerSourceIP,
			       ipset::Entry::ipPortIp(ingress, port.protocol, port.port, ingress));
		else if (anyRange)
			state_.closedToNode.insert({ family_, port.protocol, ingress, port.port, 0 });
	}

	if (port.nodePort &&
	    (service_.type == ServiceType::NodePort || service_.type == ServiceType::LoadBalancer)) {
		for (const IpAddress &nodeIP : node_.nodePortAddresses) {
			if (nodeIP.family() != family_)
				continue;
			addServer(nodeIP, port, port.nodePort, external);
			if (port.protocol == Protocol::Sctp) {
				ipset::Entry entry = ipset::Entry::ipPort(nodeIP, port.protocol, port.nodePort);
				addSet(sets::NodePortSctp, entry);
				if (externalLocal)
					addSet(sets::NodePortLocalSctp, entry);
			}
		}
		if (port.protocol != Protocol::Sctp) {
			bool udp = port.protocol == Protocol::Udp;
			ipset::Entry entry = ipset::Entry::port(port.nodePort);
			addSet(udp ? sets::NodePortUdp : sets::NodePortTcp, entry);
			if (externalLocal)
				addSet(udp ? sets::NodePortLocalUdp : sets::NodePortLocalTcp, entry);
		}
	}

	if (service_.healthCheckNodePort && externalLocal &&
	    service_.type == ServiceType::LoadBalancer)
		addSet(sets::HealthCheckNodePort,
		       ipset::Entry::port(service_.healthCheckNodePort));
}

} /* namespace */

ServiceState computeServiceState(const Service &service,
				 const std::vector<const EndpointSlice *> &slices,
				 const NodeContext &node, const DesiredConfig &config)
{
	ServiceState state;
	if (service.type == ServiceType::ExternalName || service.clusterIPs.empty())
		return state;

	for (int family : config.families) {
		bool hasClusterIP = std::any_of(service.clusterIPs.begin(), service.clusterIPs.end(),
						[&](const IpAddress &a) { return a.family() == family; });
		if (!hasClusterIP)
			continue;
		Builder builder(service, node, config, family);
		for (const ServicePort &port : service.ports)
			builder.addServicePort(port, endpointsOf(port, family, slices, node.nodeName));
		ServiceState part = builder.take();
		std::move(part.virtualServers.begin(), part.virtualServers.end(),
			  std::back_inserter(state.virtualServers));
		state.addresses.merge(part.addresses);
		state.setEntries.merge(part.setEntries);
		state.closedToNode.merge(part.closedToNode);
		std::move(part.refusals.begin(), part.refusals.end(),
			  std::back_inserter(state.refusals));
	}
	return state;
}

} /* namespace kipvs::proxy */
