/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An in-memory kernel implementing the reconciler's four tables, recording
 * every operation, for unit tests of the reconciler's logic.
 */
#pragma once

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proxy/reconcile/kernel_tables.h"
#include "proxy/reconcile/state_file.h"

namespace kipvs::test {

using namespace kipvs::proxy;

class FakeKernel : public IpvsTable, public AddressTable, public SetTable, public RuleTable
{
public:
	struct Server {
		ipvs::VirtualServer server;
		std::vector<ipvs::RealServer> destinations;
	};

	std::map<ipvs::ServiceKey, Server> servers;
	std::set<IpAddress> addresses;
	bool linkExists = false;
	SetMembers sets;
	std::map<int, std::string> rules;
	std::map<int, int> ruleTampering;
	/* Every change applied, described, in order. */
	std::vector<std::string> log;
	/* How often one service's real servers were dumped. */
	size_t destinationReads = 0;
	/*
	 * Changes whose description contains this text fail with EINVAL (IPVS
	 * as ipvs::Change describes them, "bind 10.96.0.10", "unbind ...",
	 * "set add KUBE-CLUSTER-IP 10.96.0.10,tcp:80", "set del ...",
	 * "restore rules 4", "create set KUBE-LOOP-BACK": not logged).
	 */
	std::string failMatching;
	/* readServers fails (EIO) after handing out this many virtual servers. */
	std::optional<size_t> failReadAfter;

	KernelTables tables() { return { *this, *this, *this, *this }; }

	void clearLog() { log.clear(); }

	/* Log a change, or fail it if it matches failMatching. */
	Result<void> record(const std::string &text)
	{
		if (!failMatching.empty() && text.find(failMatching) != std::string::npos)
			return Error(EINVAL, text);
		log.push_back(text);
		return {};
	}

	ipvs::RealServer *destination(const std::string &service, const std::string &name)
	{
		for (auto &[key, entry] : servers)
			if (key.toString() == service)
				for (auto &destination : entry.destinations)
					if (destination.toString() == name)
						return &destination;
		return nullptr;
	}

	/* IpvsTable */
	Result<void> readServers(const std::function<void(IpvsEntry &&)> &visit) override
	{
		size_t visited = 0;
		for (const auto &[key, entry] : servers) {
			if (failReadAfter && visited == *failReadAfter)
				return Error(EIO, "list real servers of", key.toString());
			visit({ entry.server, entry.destinations });
			visited++;
		}
		return {};
	}

	Result<std::vector<ipvs::RealServer>> readDestinations(const ipvs::ServiceKey &key) override
	{
		destinationReads++;
		auto it = servers.find(key);
		if (it == servers.end())
			return Error(ESRCH, "list real servers", key.toString());
		return it->second.destinations;
	}

	std::vector<Result<void>> apply(const std::vector<ipvs::Change> &changes) override
	{
		using Kind = ipvs::Change::Kind;
		std::vector<Result<void>> results;
		for (const ipvs::Change &change : changes) {
			results.push_back(record(change.describe()));
			if (!results.back())
				continue;
			const auto &key = change.service.key;
			auto findDestination = [&](Server &s) {
				return std::find_if(s.destinations.begin(), s.destinations.end(),
						    [&](const ipvs::RealServer &d) {
							    return d.address == change.destination.address &&
								   d.port == change.destination.port;
						    });
			};
			switch (change.kind) {
			case Kind::AddVirtualServer:
				servers[key].server = change.service;
				servers[key].server.flags |= ipvs::ServiceFlag::Hashed;
				break;
			case Kind::UpdateVirtualServer:
				servers[key].server = change.service;
				break;
			case Kind::DeleteVirtualServer:
				servers.erase(key);
				break;
			case Kind::AddRealServer:
				servers[key].destinations.push_back(change.destination);
				break;
			case Kind::UpdateRealServer: {
				auto it = findDestination(servers[key]);
				if (it != servers[key].destinations.end()) {
					it->weight = change.destination.weight;
				}
				break;
			}
			case Kind::DeleteRealServer: {
				auto &list = servers[key].destinations;
				auto it = findDestination(servers[key]);
				if (it != list.end())
					list.erase(it);
				break;
			}
			}
		}
		return results;
	}

	/* AddressTable */
	Result<void> ensureLink() override
	{
		linkExists = true;
		return {};
	}

	Result<std::set<IpAddress>> readAddresses() override { return addresses; }

	std::vector<Result<void>> apply(const std::vector<IpAddress> &add,
					const std::vector<IpAddress> &remove) override
	{
		std::vector<Result<void>> results;
		for (const IpAddress &address : add) {
			results.push_back(record("bind " + address.toString()));
			if (results.back())
				addresses.insert(address);
		}
		for (const IpAddress &address : remove) {
			results.push_back(record("unbind " + address.toString()));
			if (results.back())
				addresses.erase(address);
		}
		return results;
	}

	/* SetTable */
	std::vector<Result<void>> ensureSets(const std::vector<ipset::SetSpec> &specs) override
	{
		std::vector<Result<void>> results;
		for (const ipset::SetSpec &spec : specs) {
			bool failing = !failMatching.empty() &&
				       ("create set " + spec.name).find(failMatching) != std::string::npos;
			results.push_back(failing ? Result<void>(Error(EEXIST, "create set", spec.name))
						  : Result<void>());
			if (!failing)
				sets[spec.name];
		}
		return results;
	}

	Result<SetMembers> readSets(const std::vector<std::string> &names) override
	{
		SetMembers result;
		for (const std::string &name : names)
			if (sets.count(name))
				result[name] = sets[name];
		return result;
	}

	std::vector<Result<void>> apply(const std::vector<SetChange> &changes) override
	{
		std::vector<Result<void>> results;
		for (const SetChange &change : changes) {
			results.push_back(record(std::string(change.add ? "set add " : "set del ") +
						 change.set + " " + change.entry.toString()));
			if (!results.back())
				continue;
			if (change.add)
				sets[change.set].insert(change.entry);
			else
				sets[change.set].erase(change.entry);
		}
		return results;
	}

	/* RuleTable */
	Result<std::string> fingerprint(int family) override
	{
		return stableHash(rules[family]) + "/" + std::to_string(ruleTampering[family]);
	}

	Result<void> restore(int family, const std::string &ruleset) override
	{
		if (auto logged = record(std::string("restore rules ") + (family == AF_INET ? "4" : "6"));
		    !logged)
			return logged;
		rules[family] = ruleset;
		ruleTampering[family] = 0;
		return {};
	}

};

} /* namespace kipvs::test */
