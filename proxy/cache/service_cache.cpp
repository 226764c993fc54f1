/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ServiceCache: object storage and change tracking.
 */
#include "proxy/cache/service_cache.h"

#include <utility>

namespace kipvs::proxy {

ServiceCache::ServiceCache(std::string nodeName) : nodeName_(std::move(nodeName))
{
}

namespace {

/* Store object under its name; false when an equal one is there already. */
template<typename T>
bool store(std::map<ObjectName, std::shared_ptr<const T>> &objects, std::shared_ptr<const T> &&object)
{
	auto [it, inserted] = objects.try_emplace(object->name, object);
	if (inserted)
		return true;
	if (it->second == object || *it->second == *object)
		return false;
	it->second = std::move(object);
	return true;
}

} /* namespace */

void ServiceCache::serviceUpdated(std::shared_ptr<const Service> service)
{
	ObjectName name = service->name;
	if (store(services_, std::move(service)))
		changed_.insert(name);
}

void ServiceCache::serviceUpdated(const Service &service)
{
	serviceUpdated(std::make_shared<const Service>(service));
}

void ServiceCache::serviceDeleted(const ObjectName &name)
{
	if (services_.erase(name))
		changed_.insert(name);
}

void ServiceCache::endpointSliceUpdated(std::shared_ptr<const EndpointSlice> slice)
{
	auto [it, inserted] = slices_.try_emplace(slice->name);
	if (!inserted) {
		if (it->second == slice || *it->second == *slice)
			return;
		/* A slice may be relabelled to another service. */
		if (it->second->service != slice->service) {
			slicesByService_[it->second->service].erase(slice->name);
			changed_.insert(it->second->service);
		}
	}
	slicesByService_[slice->service].insert(it->first);
	changed_.insert(slice->service);
	it->second = std::move(slice);
}

void ServiceCache::endpointSliceUpdated(const EndpointSlice &slice)
{
	endpointSliceUpdated(std::make_shared<const EndpointSlice>(slice));
}

void ServiceCache::endpointSliceDeleted(const ObjectName &name)
{
	auto it = slices_.find(name);
	if (it == slices_.end())
		return;
	const ObjectName &service = it->second->service;
	auto owner = slicesByService_.find(service);
	if (owner != slicesByService_.end()) {
		owner->second.erase(name);
		if (owner->second.empty())
			slicesByService_.erase(owner);
	}
	changed_.insert(service);
	slices_.erase(it);
}

void ServiceCache::nodeUpdated(std::shared_ptr<const Node> node)
{
	if (store(nodes_, std::move(node)))
		nodesChanged_ = true;
}

void ServiceCache::nodeUpdated(const Node &node)
{
	nodeUpdated(std::make_shared<const Node>(node));
}

void ServiceCache::nodeDeleted(const ObjectName &name)
{
	if (nodes_.erase(name))
		nodesChanged_ = true;
}

const Service *ServiceCache::service(const ObjectName &name) const
{
	auto it = services_.find(name);
	return it == services_.end() ? nullptr : it->second.get();
}

std::vector<const EndpointSlice *> ServiceCache::slicesOf(const ObjectName &service) const
{
	std::vector<const EndpointSlice *> result;
	auto it = slicesByService_.find(service);
	if (it == slicesByService_.end())
		return result;
	for (const ObjectName &name : it->second)
		result.push_back(slices_.at(name).get());
	return result;
}

const Node *ServiceCache::thisNode() const
{
	auto it = nodes_.find({ "", nodeName_ });
	return it == nodes_.end() ? nullptr : it->second.get();
}

std::set<IpAddress> ServiceCache::otherNodeAddresses() const
{
	std::set<IpAddress> addresses;
	for (const auto &[name, node] : nodes_)
		if (name.name != nodeName_)
			addresses.insert(node->addresses.begin(), node->addresses.end());
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
