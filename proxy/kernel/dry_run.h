/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --dry-run: the real kernel is read, and every change kipvs would make is
 * printed instead of made.
 */
#pragma once

#include <cstdio>

#include "proxy/reconcile/kernel_tables.h"

namespace kipvs::proxy {

class DryRunTables : public IpvsTable, public AddressTable, public SetTable, public RuleTable
{
public:
	DryRunTables(KernelTables real, FILE *out) : real_(real), out_(out) {}

	KernelTables tables() { return { *this, *this, *this, *this }; }

	Result<void> readServers(const std::function<void(IpvsEntry &&)> &visit) override
	{
		return real_.ipvs.readServers(visit);
	}
	Result<std::vector<ipvs::RealServer>> readDestinations(const ipvs::ServiceKey &key) override
	{
		return real_.ipvs.readDestinations(key);
	}
	std::vector<Result<void>> apply(const std::vector<ipvs::Change> &changes) override;

	Result<void> ensureLink() override;
	Result<std::set<IpAddress>> readAddresses() override { return real_.addresses.readAddresses(); }
	std::vector<Result<void>> apply(const std::vector<IpAddress> &add,
					const std::vector<IpAddress> &remove) override;

	std::vector<Result<void>> ensureSets(const std::vector<ipset::SetSpec> &specs) override;
	Result<SetMembers> readSets(const std::vector<std::string> &names) override
	{
		return real_.sets.readSets(names);
	}
	std::vector<Result<void>> apply(const std::vector<SetChange> &changes) override;

	Result<std::string> fingerprint(int family) override { return real_.rules.fingerprint(family); }
	Result<void> restore(int family, const std::string &ruleset) override;

private:
	KernelTables real_;
	FILE *out_;
};

} /* namespace kipvs::proxy */
