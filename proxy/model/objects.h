/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes objects kipvs reads, reduced to what a service proxy needs
 * and validated: Services, EndpointSlices and Nodes.
 *
 * A source (the API server or a manifests directory) produces these; only
 * valid objects get this far, so the rest of proxy/ never re-checks input.
 * What kube-proxy does not look at is checked by the source and dropped
 * (labels, once the source has applied kube-proxy's selector; an
 * endpoint's zone): a cluster's worth of them would cost memory for nothing.
 */
#pragma once

#include <compare>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/protocol.h"
#include "base/address.h"

namespace kipvs::proxy {

/* namespace/name of a namespaced object; Nodes leave the namespace empty. */
struct ObjectName {
	std::string nameSpace;
	std::string name;

	std::string toString() const
	{
		return nameSpace.empty() ? name : nameSpace + "/" + name;
	}
	auto operator<=>(const ObjectName &) const = default;
};

/* For unordered containers of names. */
struct ObjectNameHash {
	size_t operator()(const ObjectName &name) const noexcept
	{
		std::hash<std::string> hash;
		return hash(name.nameSpace) * 31 + hash(name.name);
	}
};

using Labels = std::map<std::string, std::string>;

enum class ServiceType { ClusterIP, NodePort, LoadBalancer, ExternalName };
enum class TrafficPolicy { Cluster, Local };

struct ServicePort {
	std::string name;
	Protocol protocol = Protocol::Tcp;
	uint16_t port = 0;
	uint16_t nodePort = 0; /* 0: none */

	auto operator<=>(const ServicePort &) const = default;
};

struct Service {
	ObjectName name;
	/*
	 * metadata.creationTimestamp, seconds since the epoch (0 when absent):
	 * of two Services claiming one virtual server the older keeps it.
	 */
	int64_t created = 0;
	ServiceType type = ServiceType::ClusterIP;
	/* spec.clusterIPs (or spec.clusterIP); empty for "None" (headless). */
	std::vector<IpAddress> clusterIPs;
	std::vector<ServicePort> ports;
	std::vector<IpAddress> externalIPs;
	/* status.loadBalancer.ingress[].ip whose ipMode is VIP or unset. */
	std::vector<IpAddress> loadBalancerIPs;
	std::vector<IpPrefix> loadBalancerSourceRanges;
	bool sessionAffinityClientIP = false;
	uint32_t sessionAffinityTimeout = 10800; /* seconds */
	TrafficPolicy externalTrafficPolicy = TrafficPolicy::Cluster;
	TrafficPolicy internalTrafficPolicy = TrafficPolicy::Cluster;
	uint16_t healthCheckNodePort = 0;

	bool operator==(const Service &) const = default;
};

struct EndpointPort {
	std::string name;
	Protocol protocol = Protocol::Tcp;
	uint16_t port = 0;

	bool operator==(const EndpointPort &) const = default;
};

struct Endpoint {
	/* kube-proxy uses the first address only. */
	IpAddress address;
	/* conditions; ready unset counts as ready, serving unset as ready */
	bool ready = true;
	bool serving = true;
	bool terminating = false;
	std::string nodeName;
	/* hints.forZones[].name (kube-proxy routes by the hints, not by zone) */
	std::vector<std::string> zoneHints;
	/* hints.forNodes[].name (trafficDistribution PreferSameNode) */
	std::vector<std::string> nodeHints;

	bool operator==(const Endpoint &) const = default;
};

struct EndpointSlice {
	ObjectName name;
	/* The owning Service, from the kubernetes.io/service-name label. */
	ObjectName service;
	int family = AF_INET; /* addressType IPv4 or IPv6 (FQDN slices are dropped) */
	std::vector<EndpointPort> ports;
	std::vector<Endpoint> endpoints;
	/* endpoints.kubernetes.io/last-change-trigger-time, if given */
	std::string lastChangeTriggerTime;

	bool operator==(const EndpointSlice &) const = default;
};

struct Node {
	ObjectName name;
	Labels labels;
	/* status.addresses of type InternalIP and ExternalIP */
	std::vector<IpAddress> addresses;
	bool deleting = false; /* metadata.deletionTimestamp set */

	bool operator==(const Node &) const = default;
};

/* The label that names the Service an EndpointSlice belongs to. */
constexpr const char *kServiceNameLabel = "kubernetes.io/service-name";
/* Services carrying either label are not kipvs's (kube-proxy's selector). */
constexpr const char *kServiceProxyNameLabel = "service.kubernetes.io/service-proxy-name";
constexpr const char *kHeadlessLabel = "service.kubernetes.io/headless";
constexpr const char *kZoneLabel = "topology.kubernetes.io/zone";

/*
 * Receives what a source sees. The source calls these from one thread;
 * an update carries the whole new object, shared and immutable: the source
 * keeps it too (to tell what changed), so a handler that stores it holds no
 * second copy.
 */
class EventHandler
{
public:
	virtual ~EventHandler() = default;

	virtual void serviceUpdated(std::shared_ptr<const Service> service) = 0;
	virtual void serviceDeleted(const ObjectName &name) = 0;
	virtual void endpointSliceUpdated(std::shared_ptr<const EndpointSlice> slice) = 0;
	virtual void endpointSliceDeleted(const ObjectName &name) = 0;
	virtual void nodeUpdated(std::shared_ptr<const Node> node) = 0;
	virtual void nodeDeleted(const ObjectName &name) = 0;
	/* Everything the source had at start has been delivered. */
	virtual void synced() = 0;
};

} /* namespace kipvs::proxy */
