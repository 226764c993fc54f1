/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPVS state as the reconciler keeps it, wanted or as the kernel holds it:
 * compact virtual and real servers (without keys and counters) and the
 * sorted list of a virtual server's real servers.
 */
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/address.h"
#include "ipvs/virtual_server.h"

namespace kipvs::proxy {

/* A real server's address and port. */
using RealServerKey = std::pair<IpAddress, uint16_t>;

/*
 * A real server less its key and its statistics: an ipvs::RealServer is
 * 224 bytes, 160 of them counters kipvs never looks at, and there is one
 * per endpoint on each side.
 */
struct RealServerState {
	int32_t weight = 1;
	uint32_t upperThreshold = 0;
	uint32_t lowerThreshold = 0;
	uint32_t activeConnections = 0;
	uint32_t inactiveConnections = 0;
	uint16_t tunnelPort = 0;
	uint16_t tunnelFlags = 0;
	uint8_t family = AF_INET;
	uint8_t method = 0; /* ipvs::ForwardMethod */
	ipvs::TunnelType tunnelType = ipvs::TunnelType::Ipip;

	static RealServerState of(const ipvs::RealServer &realServer);
	ipvs::RealServer realServer(const RealServerKey &key) const;
	bool operator==(const RealServerState &) const = default;
};

using KeyedRealServer = std::pair<RealServerKey, RealServerState>;

/* Real servers in key order, wanted or in the kernel view. */
inline bool byKey(const KeyedRealServer &item, const RealServerKey &key)
{
	return item.first < key;
}

/* A virtual server less its key and statistics, likewise. */
struct VirtualServerState {
	std::string scheduler;
	uint32_t flags = 0;
	uint32_t timeout = 0;
	uint32_t netmask = 0;
	std::string persistenceEngine;

	static VirtualServerState of(const ipvs::VirtualServer &server);
	ipvs::VirtualServer virtualServer(const ipvs::ServiceKey &key) const;
	bool operator==(const VirtualServerState &) const = default;
};

/*
 * A virtual server's real servers as the kernel holds them, sorted by key:
 * a vector, not a tree (a tree node per real server would cost more than
 * the real server).
 * Changes come in key order (wanted real servers are kept sorted), so an
 * insert is mostly an append.
 */
class RealServerList
{
public:
	std::vector<KeyedRealServer>::const_iterator begin() const { return items_.begin(); }
	std::vector<KeyedRealServer>::const_iterator end() const { return items_.end(); }
	bool contains(const RealServerKey &key) const;
	/* Add or replace one. */
	void set(const RealServerKey &key, const RealServerState &realServer);
	void erase(const RealServerKey &key);
	/* As the kernel lists them, in any order (a key given twice: the last one). */
	void assign(const std::vector<ipvs::RealServer> &realServers);
	size_t size() const { return items_.size(); }
	void reserve(size_t count) { items_.reserve(count); }

private:
	/* Where key is or would go. */
	size_t position(const RealServerKey &key) const;

	std::vector<KeyedRealServer> items_;
};

/* One virtual server of the kernel view (destinations: IPVS's word for real servers). */
struct KernelVirtualServer {
	VirtualServerState server;
	RealServerList destinations;
};

} /* namespace kipvs::proxy */
