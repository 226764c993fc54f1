/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DryRunTables: print the changes, apply none.
 */
#include "proxy/kernel/dry_run.h"

namespace kipvs::proxy {

std::vector<Result<void>> DryRunTables::apply(const std::vector<ipvs::Change> &changes)
{
	for (const ipvs::Change &change : changes)
		std::fprintf(out_, "would %s\n", change.describe().c_str());
	return std::vector<Result<void>>(changes.size());
}

Result<void> DryRunTables::ensureLink()
{
	/* Reading tells whether it is there; creating it is a change. */
	std::fprintf(out_, "would ensure the dummy link kube-ipvs0 exists\n");
	return {};
}

std::vector<Result<void>> DryRunTables::apply(const std::vector<IpAddress> &add,
					      const std::vector<IpAddress> &remove)
{
	for (const IpAddress &address : add)
		std::fprintf(out_, "would bind %s to kube-ipvs0\n", address.toString().c_str());
	for (const IpAddress &address : remove)
		std::fprintf(out_, "would unbind %s from kube-ipvs0\n", address.toString().c_str());
	return std::vector<Result<void>>(add.size() + remove.size());
}

std::vector<Result<void>> DryRunTables::ensureSets(const std::vector<ipset::SetSpec> &specs)
{
	std::fprintf(out_, "would ensure %zu ipsets exist\n", specs.size());
	return std::vector<Result<void>>(specs.size());
}

std::vector<Result<void>> DryRunTables::apply(const std::vector<SetChange> &changes)
{
	for (const SetChange &change : changes)
		std::fprintf(out_, "would %s %s %s\n", change.add ? "add to set" : "delete from set",
			     change.set.c_str(), change.entry.toString().c_str());
	return std::vector<Result<void>>(changes.size());
}

Result<void> DryRunTables::restore(int family, const std::string &ruleset)
{
	std::fprintf(out_, "would write the %s iptables rules:\n%s",
		     family == AF_INET ? "IPv4" : "IPv6", ruleset.c_str());
	return {};
}

} /* namespace kipvs::proxy */
