/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Services' desired state, aggregated over services, with reference counts.
 */
#include "proxy/reconcile/aggregates.h"

#include <algorithm>

namespace kipvs::proxy {

ServiceEntry ServiceEntry::of(const ServiceState &state, int64_t created)
{
	ServiceEntry computed;
	computed.created = created;
	for (const WantedVirtualServer &wanted : state.virtualServers) {
		WantedServer kept;
		kept.destinations.reserve(wanted.destinations.size());
		for (const ipvs::RealServer &destination : wanted.destinations)
			kept.destinations.push_back({ { destination.address, destination.port },
						      RealServerState::of(destination) });
		/* In key order: the diff then adds to the kernel view in order. */
		std::stable_sort(kept.destinations.begin(), kept.destinations.end(),
				 [](const auto &a, const auto &b) { return byKey(a, b.first); });
		kept.server = VirtualServerState::of(wanted.server);
		computed.servers.insert_or_assign(wanted.server.key, std::move(kept));
	}
	computed.addresses.assign(state.addresses.begin(), state.addresses.end());
	computed.setEntries.assign(state.setEntries.begin(), state.setEntries.end());
	computed.closedToNode.assign(state.closedToNode.begin(), state.closedToNode.end());
	return computed;
}

void Aggregates::put(const ObjectName &name, ServiceEntry &&entry, Affected &affected,
		     const Conflict &conflict)
{
	auto previous = services_.find(name);
	if (previous != services_.end()) {
		ServiceEntry &before = previous->second;
		/* The same as before (a full sync recomputes every service): nothing to count again. */
		if (before == entry)
			return;
		/*
		 * The same virtual servers, addresses and set entries, other real
		 * servers or settings (an endpoint change): the aggregates stay.
		 */
		auto sameKey = [](const auto &a, const auto &b) { return a.first == b.first; };
		if (before.created == entry.created && before.addresses == entry.addresses &&
		    before.setEntries == entry.setEntries && before.closedToNode == entry.closedToNode &&
		    std::equal(before.servers.begin(), before.servers.end(), entry.servers.begin(),
			       entry.servers.end(), sameKey)) {
			for (const auto &[key, wanted] : entry.servers)
				affected.servers.insert(key);
			before.servers = std::move(entry.servers);
			return;
		}
	}

	forget(name, affected);
	const ServiceEntry &kept = services_[name] = std::move(entry);
	for (const auto &[key, wanted] : kept.servers) {
		std::set<Claimant> &claim = claimants_[key];
		auto inserted = claim.insert({ kept.created, name }).first;
		if (claim.size() > 1) {
			if (inserted != claim.begin())
				conflict(name, claim.begin()->name, key);
			else
				conflict(std::next(claim.begin())->name, name, key);
		}
		affected.servers.insert(key);
	}
	for (const IpAddress &address : kept.addresses) {
		wantedAddresses_[address]++;
		affected.addresses.insert(address);
	}
	for (const SetEntry &setEntry : kept.setEntries) {
		if (wantedEntries_[setEntry]++ == 0)
			setSizes_[setEntry.set]++;
		affected.entries.insert(setEntry);
	}
	for (const ipvs::ServiceKey &key : kept.closedToNode)
		closedToNode_[key]++;
}

void Aggregates::forget(const ObjectName &name, Affected &affected)
{
	auto it = services_.find(name);
	if (it == services_.end())
		return;
	const ServiceEntry &state = it->second;
	for (const auto &[key, wanted] : state.servers) {
		auto claim = claimants_.find(key);
		claim->second.erase({ state.created, name });
		if (claim->second.empty())
			claimants_.erase(claim);
		affected.servers.insert(key);
	}
	for (const IpAddress &address : state.addresses) {
		if (--wantedAddresses_[address] == 0)
			wantedAddresses_.erase(address);
		affected.addresses.insert(address);
	}
	for (const SetEntry &entry : state.setEntries) {
		if (--wantedEntries_[entry] == 0) {
			wantedEntries_.erase(entry);
			if (--setSizes_[entry.set] == 0)
				setSizes_.erase(entry.set);
		}
		affected.entries.insert(entry);
	}
	for (const ipvs::ServiceKey &key : state.closedToNode)
		if (--closedToNode_[key] == 0)
			closedToNode_.erase(key);
	services_.erase(it);
}

const WantedServer *Aggregates::wanted(const ipvs::ServiceKey &key) const
{
	auto claim = claimants_.find(key);
	if (claim == claimants_.end())
		return nullptr;
	return &services_.at(claim->second.begin()->name).servers.at(key);
}

} /* namespace kipvs::proxy */
