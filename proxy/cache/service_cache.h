/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cache between a source and the reconciler: the latest valid
 * Services, EndpointSlices and Nodes, indexed by service, and which
 * services changed since the reconciler last looked.
 */
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proxy/model/objects.h"

namespace kipvs::proxy {

class ServiceCache : public EventHandler
{
public:
	explicit ServiceCache(std::string nodeName);

	void serviceUpdated(std::shared_ptr<const Service> service) override;
	void serviceDeleted(const ObjectName &name) override;
	void endpointSliceUpdated(std::shared_ptr<const EndpointSlice> slice) override;
	void endpointSliceDeleted(const ObjectName &name) override;
	void nodeUpdated(std::shared_ptr<const Node> node) override;
	void nodeDeleted(const ObjectName &name) override;
	void synced() override { synced_ = true; }

	/* The same with a copy of the object (tests). */
	void serviceUpdated(const Service &service);
	void endpointSliceUpdated(const EndpointSlice &slice);
	void nodeUpdated(const Node &node);

	/* Both Services and EndpointSlices have been listed once. */
	bool isSynced() const { return synced_; }

	const std::map<ObjectName, std::shared_ptr<const Service>> &services() const
	{
		return services_;
	}
	const Service *service(const ObjectName &name) const;
	std::vector<const EndpointSlice *> slicesOf(const ObjectName &service) const;

	const std::string &nodeName() const { return nodeName_; }
	/* This node's Node object, if the source has one. */
	const Node *thisNode() const;
	/* Addresses of every Node but this one. */
	std::set<IpAddress> otherNodeAddresses() const;

	/* Services whose objects changed since the last call. */
	std::set<ObjectName> takeChanged();
	/* Whether any Node changed since the last call. */
	bool takeNodesChanged();

private:
	std::string nodeName_;
	bool synced_ = false;
	std::map<ObjectName, std::shared_ptr<const Service>> services_;
	std::map<ObjectName, std::shared_ptr<const EndpointSlice>> slices_;
	std::map<ObjectName, std::set<ObjectName>> slicesByService_;
	std::map<ObjectName, std::shared_ptr<const Node>> nodes_;
	std::set<ObjectName> changed_;
	bool nodesChanged_ = false;
};

} /* namespace kipvs::proxy */
