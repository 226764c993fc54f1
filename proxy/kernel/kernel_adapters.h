/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reconciler's tables over the real kernel: IPVS through ipvs::Client,
 * kube-ipvs0 through netlink::DummyLink, sets through ipset::Session, and
 * rules through iptables-restore.
 */
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "ipset/session.h"
#include "ipvs/client.h"
#include "netlink/dummy_link.h"
#include "proxy/reconcile/kernel_tables.h"

namespace kipvs::proxy {

class KernelIpvsTable : public IpvsTable
{
public:
	explicit KernelIpvsTable(ipvs::Client client) : client_(std::move(client)) {}

	Result<void> readServers(const std::function<void(IpvsEntry &&)> &visit) override;
	Result<std::vector<ipvs::RealServer>> readDestinations(const ipvs::ServiceKey &key) override;
	std::vector<Result<void>> apply(const std::vector<ipvs::Change> &changes) override;

private:
	ipvs::Client client_;
};

class KernelAddressTable : public AddressTable
{
public:
	explicit KernelAddressTable(std::string linkName = "kube-ipvs0")
		: linkName_(std::move(linkName))
	{
	}

	Result<void> ensureLink() override;
	Result<std::set<IpAddress>> readAddresses() override;
	std::vector<Result<void>> apply(const std::vector<IpAddress> &add,
					const std::vector<IpAddress> &remove) override;

private:
	std::string linkName_;
	std::optional<netlink::DummyLink> link_;
};

class KernelSetTable : public SetTable
{
public:
	explicit KernelSetTable(ipset::Session session) : session_(std::move(session)) {}

	std::vector<Result<void>> ensureSets(const std::vector<ipset::SetSpec> &specs) override;
	Result<SetMembers> readSets(const std::vector<std::string> &names) override;
	std::vector<Result<void>> apply(const std::vector<SetChange> &changes) override;

private:
	ipset::Session session_;
	std::map<std::string, ipset::SetType> types_;
};

class KernelRuleTable : public RuleTable
{
public:
	Result<std::string> fingerprint(int family) override;
	Result<void> restore(int family, const std::string &ruleset) override;
};

/* A table of each kind over the real kernel; the error names what is missing. */
struct KernelBackend {
	std::unique_ptr<KernelIpvsTable> ipvs;
	std::unique_ptr<KernelAddressTable> addresses;
	std::unique_ptr<KernelSetTable> sets;
	std::unique_ptr<KernelRuleTable> rules;

	static Result<KernelBackend> open();
	KernelTables tables() { return { *ipvs, *addresses, *sets, *rules }; }
};

} /* namespace kipvs::proxy */
