/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ServiceCache: object storage and change tracking.
 */
#include "proxy/service_cache.h"

#include <utility>

namespace kipvs::proxy {

ServiceCache::ServiceCache(std::string nodeName) : nodeName_(std::move(nodeName))
{
}

void ServiceCache::serviceUpdated(const Service &service)
{
	auto [it, inserted] = services_.try_emplace(service.name, service);
	if (!inserted) {
		if (it->second == service)
			return;
		it->second = service;
	}
	changed_.insert(service.name);
}

void ServiceCache::serviceDeleted(const ObjectName &name)
{
	if (services_.erase(name))
		changed_.insert(name);
}

void ServiceCache::endpointSliceUpdated(const EndpointSlice &slice)
{
	auto it = slices_.find(slice.name);
	if (it != slices_.end()) {
		if (it->second == slice)
			return;
		/* A slice may be relabelled to another service. */
		if (it->second.service != slice.service) {
			slicesByService_[it->second.service].erase(slice.name);
			changed_.insert(it->second.service);
		}
		it->second = slice;
	} else {
		slices_.emplace(slice.name, slice);
	}
	slicesByService_[slice.service].insert(slice.name);
	changed_.insert(slice.service);
}

void ServiceCache::endpointSliceDeleted(const ObjectName &name)
{
	auto it = slices_.find(name);
	if (it == slices_.end())
		return;
	auto owner = slicesByService_.find(it->second.service);
	if (owner != slicesByService_.end()) {
		owner->second.erase(name);
		if (owner->second.empty())
			slicesByService_.erase(owner);
	}
	changed_.insert(it->second.service);
	slices_.erase(it);
}

void ServiceCache::nodeUpdated(const Node &node)
{
	auto [it, inserted] = nodes_.try_emplace(node.name, node);
	if (!inserted) {
		if (it->second == node)
			return;
		it->second = node;
	}
	nodesChanged_ = true;
}

void ServiceCache::nodeDeleted(const ObjectName &name)
{
	if (nodes_.erase(name))
		nodesChanged_ = true;
}

const Service *ServiceCache::service(const ObjectName &name) const
{
	auto it = services_.find(name);
	return it == services_.end() ? nullptr : &it->second;
}

std::vector<const EndpointSlice *> ServiceCache::slicesOf(const ObjectName &service) const
{
	std::vector<const EndpointSlice *> result;
	auto it = slicesByService_.find(service);
	if (it == slicesByService_.end())
		return result;
	for (const ObjectName &name : it->second)
		result.push_back(&slices_.at(name));
	return result;
}

const Node *ServiceCache::thisNode() const
{
	auto it = nodes_.find({ "", nodeName_ });
	return it == nodes_.end() ? nullptr : &it->second;
}

std::set<IpAddress> ServiceCache::otherNodeAddresses() const
{
	std::set<IpAddress> addresses;
	for (const auto &[name, node] : nodes_)
		if (name.name != nodeName_)
			addresses.insert(node.addresses.begin(), node.addresses.end());
	return addresses;
}

std::set<ObjectName> ServiceCache::takeChanged()
{
	return std::exchange(changed_, {});
}

bool ServiceCache::takeNodesChanged()
{
	return std::exchange(nodesChanged_, false);
}

} /* namespace kipvs::proxy */
