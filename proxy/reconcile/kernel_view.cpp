/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compact IPVS state: conversions from and to the ipvs/ values, and the
 * sorted real-server list.
 */
#include "proxy/reconcile/kernel_view.h"

#include <algorithm>

namespace kipvs::proxy {

RealServerState RealServerState::of(const ipvs::RealServer &destination)
{
	RealServerState kept;
	kept.weight = destination.weight;
	kept.upperThreshold = destination.upperThreshold;
	kept.lowerThreshold = destination.lowerThreshold;
	kept.activeConnections = destination.activeConnections;
	kept.inactiveConnections = destination.inactiveConnections;
	kept.tunnelPort = destination.tunnelPort;
	kept.tunnelFlags = destination.tunnelFlags;
	kept.family = static_cast<uint8_t>(destination.family);
	kept.method = static_cast<uint8_t>(destination.method);
	kept.tunnelType = destination.tunnelType;
	return kept;
}

ipvs::RealServer RealServerState::realServer(const RealServerKey &key) const
{
	ipvs::RealServer destination;
	destination.address = key.first;
	destination.port = key.second;
	destination.family = family;
	destination.method = static_cast<ipvs::ForwardMethod>(method);
	destination.weight = weight;
	destination.upperThreshold = upperThreshold;
	destination.lowerThreshold = lowerThreshold;
	destination.tunnelType = tunnelType;
	destination.tunnelPort = tunnelPort;
	destination.tunnelFlags = tunnelFlags;
	destination.activeConnections = activeConnections;
	destination.inactiveConnections = inactiveConnections;
	return destination;
}

VirtualServerState VirtualServerState::of(const ipvs::VirtualServer &server)
{
	return { server.scheduler, server.flags, server.timeout, server.netmask,
		 server.persistenceEngine };
}

ipvs::VirtualServer VirtualServerState::virtualServer(const ipvs::ServiceKey &key) const
{
	ipvs::VirtualServer server;
	server.key = key;
	server.scheduler = scheduler;
	server.flags = flags;
	server.timeout = timeout;
	server.netmask = netmask;
	server.persistenceEngine = persistenceEngine;
	return server;
}

size_t RealServerList::position(const RealServerKey &key) const
{
	/* Adds come in key order: mostly at the end. */
	if (!items_.empty() && items_.back().first < key)
		return items_.size();
	return static_cast<size_t>(std::lower_bound(items_.begin(), items_.end(), key, byKey) -
				   items_.begin());
}

bool RealServerList::contains(const RealServerKey &key) const
{
	size_t at = position(key);
	return at < items_.size() && items_[at].first == key;
}

void RealServerList::set(const RealServerKey &key, const RealServerState &destination)
{
	size_t at = position(key);
	if (at < items_.size() && items_[at].first == key)
		items_[at].second = destination;
	else
		items_.insert(items_.begin() + static_cast<ptrdiff_t>(at), { key, destination });
}

void RealServerList::erase(const RealServerKey &key)
{
	size_t at = position(key);
	if (at < items_.size() && items_[at].first == key)
		items_.erase(items_.begin() + static_cast<ptrdiff_t>(at));
}

void RealServerList::assign(const std::vector<ipvs::RealServer> &realServers)
{
	std::vector<KeyedRealServer> items;
	items.reserve(realServers.size());
	for (const ipvs::RealServer &destination : realServers)
		items.push_back({ { destination.address, destination.port }, RealServerState::of(destination) });
	std::stable_sort(items.begin(), items.end(),
			 [](const KeyedRealServer &a, const KeyedRealServer &b) { return byKey(a, b.first); });
	/* Keep the last of equal keys. */
	items_.clear();
	items_.reserve(items.size());
	for (KeyedRealServer &item : items) {
		if (!items_.empty() && items_.back().first == item.first)
			items_.back() = std::move(item);
		else
			items_.push_back(std::move(item));
	}
}

} /* namespace kipvs::proxy */
