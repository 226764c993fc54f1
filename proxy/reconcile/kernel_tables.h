/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reconciler's view of the kernel: four narrow interfaces, one per kind
 * of state it programs. The daemon passes adapters over ipvs/, ipset/,
 * netlink/ and iptables-restore; unit tests pass recording fakes.
 */
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ipset/entry.h"
#include "ipset/set_spec.h"
#include "ipvs/change.h"
#include "ipvs/virtual_server.h"
#include "base/address.h"
#include "base/error.h"

namespace kipvs::proxy {

/* A virtual server with its real servers, as read from the kernel. */
struct IpvsEntry {
	ipvs::VirtualServer server;
	std::vector<ipvs::RealServer> destinations;
};

class IpvsTable
{
public:
	virtual ~IpvsTable() = default;

	/*
	 * Every virtual server with its real servers, each handed to visit
	 * as soon as it is read, so that the whole table is never held at
	 * once. On an error the read stops: what was visited before it is
	 * only part of the table.
	 */
	virtual Result<void> readServers(const std::function<void(IpvsEntry &&)> &visit) = 0;
	virtual Result<std::vector<ipvs::RealServer>> readDestinations(const ipvs::ServiceKey &key) = 0;
	/*
	 * Apply changes in order, in as few round trips as possible; one
	 * result per change. An add of what exists or a delete of what is
	 * gone counts as done.
	 */
	virtual std::vector<Result<void>> apply(const std::vector<ipvs::Change> &changes) = 0;
};

/* The addresses bound to kube-ipvs0. */
class AddressTable
{
public:
	virtual ~AddressTable() = default;

	/* Create kube-ipvs0 (a dummy link, left down) if it is missing. */
	virtual Result<void> ensureLink() = 0;
	virtual Result<std::set<IpAddress>> readAddresses() = 0;
	/* One result per address: first the additions, then the removals. */
	virtual std::vector<Result<void>> apply(const std::vector<IpAddress> &add,
						const std::vector<IpAddress> &remove) = 0;
};

struct SetChange {
	std::string set;
	ipset::Entry entry;
	bool add = true;
};

/* The members of each set, by set name. */
using SetMembers = std::map<std::string, std::set<ipset::Entry>>;

class SetTable
{
public:
	virtual ~SetTable() = default;

	/*
	 * Create the sets that are missing, and recreate one of another type
	 * or options; one result per spec (one set that cannot be made does
	 * not stop the others).
	 */
	virtual std::vector<Result<void>> ensureSets(const std::vector<ipset::SetSpec> &specs) = 0;
	/* The entries of each named set (a missing set reads as empty). */
	virtual Result<SetMembers> readSets(const std::vector<std::string> &names) = 0;
	/* One result per change. */
	virtual std::vector<Result<void>> apply(const std::vector<SetChange> &changes) = 0;
};

/* kipvs's iptables chains and the jump rules into them, per family. */
class RuleTable
{
public:
	virtual ~RuleTable() = default;

	/*
	 * A fingerprint of kipvs's rules as the kernel holds them now (the
	 * KUBE chains and the jumps), to notice tampering.
	 */
	virtual Result<std::string> fingerprint(int family) = 0;
	/* Replace kipvs's chains with `ruleset` (iptables-restore input) and ensure the jumps. */
	virtual Result<void> restore(int family, const std::string &ruleset) = 0;
};

/* The four tables the reconciler programs. */
struct KernelTables {
	IpvsTable &ipvs;
	AddressTable &addresses;
	SetTable &sets;
	RuleTable &rules;
};

} /* namespace kipvs::proxy */
