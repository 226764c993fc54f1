/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The desired state of every service, aggregated: which service claims
 * each virtual server (the first in name order serves it), how many
 * services want each kube-ipvs0 address and set entry, how full each set
 * is. The diff compares these with the kernel view.
 */
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/address.h"
#include "ipvs/virtual_server.h"
#include "proxy/desired/desired_state.h"
#include "proxy/model/objects.h"
#include "proxy/reconcile/kernel_view.h"

namespace kipvs::proxy {

/* What a service wants of one virtual server; its real servers in key order. */
struct WantedServer {
	VirtualServerState server;
	std::vector<KeyedRealServer> destinations;

	bool operator==(const WantedServer &) const = default;
};

/* One service's desired state, as much of it as the diff needs. */
struct ServiceEntry {
	/* The Service's creationTimestamp: who keeps a virtual server two claim. */
	int64_t created = 0;
	std::map<ipvs::ServiceKey, WantedServer> servers;
	std::vector<IpAddress> addresses;
	std::vector<SetEntry> setEntries;
	std::vector<ipvs::ServiceKey> closedToNode;

	/* The compact form of what computeServiceState() made for a Service created then. */
	static ServiceEntry of(const ServiceState &state, int64_t created);
	bool operator==(const ServiceEntry &) const = default;
};

/* What a change touched: the diff looks at these only. */
struct Affected {
	std::set<ipvs::ServiceKey> servers;
	std::set<IpAddress> addresses;
	std::set<SetEntry> entries;
};

/* A service that wants a virtual server; the first in this order serves it. */
struct Claimant {
	int64_t created = 0;
	ObjectName name;

	auto operator<=>(const Claimant &) const = default;
};

class Aggregates
{
public:
	/*
	 * Another service claims a virtual server that `owner` serves: the
	 * older (creationTimestamp, then name) keeps it, whichever came first.
	 */
	using Conflict = std::function<void(const ObjectName &name, const ObjectName &owner,
					    const ipvs::ServiceKey &key)>;

	/*
	 * Put name's entry in place of what it wanted before, noting in
	 * affected what the diff must look at. An entry equal to the previous
	 * one touches nothing; one with the same keys (an endpoint change)
	 * leaves the counts as they are.
	 */
	void put(const ObjectName &name, ServiceEntry &&entry, Affected &affected,
		 const Conflict &conflict);
	/* name wants nothing any more. */
	void forget(const ObjectName &name, Affected &affected);

	/* What the serving service wants of key; nullptr when none claims it. */
	const WantedServer *wanted(const ipvs::ServiceKey &key) const;

	const std::map<ObjectName, ServiceEntry> &services() const { return services_; }
	const std::map<ipvs::ServiceKey, std::set<Claimant>> &claimants() const { return claimants_; }
	const std::map<IpAddress, unsigned int> &addresses() const { return wantedAddresses_; }
	const std::map<SetEntry, unsigned int> &entries() const { return wantedEntries_; }
	/* Entries per set that has any. */
	const std::map<std::string, unsigned int> &setSizes() const { return setSizes_; }
	/* Load balancers closed to this node, by how many services want that. */
	const std::map<ipvs::ServiceKey, unsigned int> &closedToNode() const { return closedToNode_; }

private:
	std::map<ObjectName, ServiceEntry> services_;
	std::map<ipvs::ServiceKey, std::set<Claimant>> claimants_;
	std::map<IpAddress, unsigned int> wantedAddresses_;
	std::map<SetEntry, unsigned int> wantedEntries_;
	std::map<std::string, unsigned int> setSizes_;
	std::map<ipvs::ServiceKey, unsigned int> closedToNode_;
};

} /* namespace kipvs::proxy */
