/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cleanup(): rules first (they hold references to the sets), then sets,
 * virtual servers, the link and the state file.
 */
#include "proxy/kernel/cleanup.h"

#include <cerrno>
#include <set>
#include <unistd.h>

#include "ipset/session.h"
#include "ipvs/client.h"
#include "netlink/dummy_link.h"
#include "proxy/kernel/command.h"
#include "proxy/desired/iptables_rules.h"
#include "proxy/desired/owned_sets.h"
#include "proxy/reconcile/state_file.h"

namespace kipvs::proxy {

namespace {

void removeRules(int family, std::vector<Error> &errors)
{
	const char *iptables = family == AF_INET ? "iptables" : "ip6tables";
	const char *restore = family == AF_INET ? "iptables-restore" : "ip6tables-restore";
	/* Missing tools or tables on this family: nothing of kipvs's is there. */
	if (!runCommand({ iptables, "-w", "5", "-t", "filter", "-S", "INPUT" }))
		return;
	for (const JumpRule &jump : jumpRules()) {
		/* Delete every copy: a node may carry duplicates from earlier proxies. */
		while (runCommand({ iptables, "-w", "5", "-t", jump.table, "-D", jump.from, "-m",
				    "comment", "--comment", jump.comment, "-j", jump.to })) {
		}
	}
	std::string script;
	for (const char *table : { "nat", "filter" }) {
		std::vector<std::string> present;
		auto listed = runCommand({ iptables, "-w", "5", "-t", table, "-S" });
		for (const auto &[chainTable, chain] : ownChains())
			if (chainTable == table && listed && listed->find("-N " + chain + "\n") != std::string::npos)
				present.push_back(chain);
		if (present.empty())
			continue;
		script += std::string("*") + table + "\n";
		for (const std::string &chain : present)
			script += ":" + chain + " - [0:0]\n";
		for (const std::string &chain : present)
			script += "-X " + chain + "\n";
		script += "COMMIT\n";
	}
	if (!script.empty())
		if (auto removed = runCommand({ restore, "--noflush", "-w", "5" }, script); !removed)
			errors.push_back(removed.error().withContext("remove kipvs's chains"));
}

} /* namespace */

std::vector<Error> cleanup(const std::string &stateFile)
{
	std::vector<Error> errors;
	removeRules(AF_INET, errors);
	removeRules(AF_INET6, errors);

	if (auto session = ipset::Session::open()) {
		for (int family : { AF_INET, AF_INET6 })
			for (const ipset::SetSpec &spec : ownedSets(family))
				if (auto destroyed = session->destroy(spec.name); !destroyed)
					errors.push_back(destroyed.error());
	} else {
		errors.push_back(session.error());
	}

	std::set<IpAddress> bound;
	if (auto link = netlink::DummyLink::find("kube-ipvs0")) {
		if (auto addresses = link->addresses())
			bound.insert(addresses->begin(), addresses->end());
	}
	PersistentState state;
	if (auto loaded = loadState(stateFile))
		state = *loaded;
	else
		errors.push_back(loaded.error());

	if (auto client = ipvs::Client::open()) {
		if (auto servers = client->listVirtualServers()) {
			for (const ipvs::VirtualServer &server : *servers) {
				const ipvs::ServiceKey &key = server.key;
				if (!state.ownedServers.count(key) && !bound.count(key.address))
					continue;
				if (auto deleted = client->deleteVirtualServer(key); !deleted)
					errors.push_back(deleted.error());
			}
		} else {
			errors.push_back(servers.error());
		}
	} else if (client.error().code() != EOPNOTSUPP) {
		errors.push_back(client.error());
	}

	if (auto removed = netlink::DummyLink::remove("kube-ipvs0");
	    !removed && removed.error().code() != ENODEV)
		errors.push_back(removed.error());
	if (unlink(stateFile.c_str()) != 0 && errno != ENOENT)
		errors.push_back(Error(errno, "remove state file", stateFile));
	return errors;
}

} /* namespace kipvs::proxy */
