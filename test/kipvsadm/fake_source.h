/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fabricated IPVS table for kipvsadm's unit tests, and a provider that
 * hands it out (or fails the way a kernel without IPVS, or a user without
 * CAP_NET_ADMIN, makes ipvsadm fail).
 */
#pragma once

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "ipvs/kipvsadm/application.h"
#include "ipvs/kipvsadm/ipvs_source.h"

namespace kipvs::ipvsadm::test {

struct FakeTable {
	ipvs::Info info{ 0x010201, 4096 };
	ipvs::Timeouts timeouts{ 900, 120, 300 };
	std::vector<ipvs::SyncDaemon> daemons;
	std::vector<ServiceWithRealServers> services; /* "kernel" order */
};

class FakeSource : public IpvsSource
{
public:
	explicit FakeSource(const FakeTable &table) : table_(table) {}

	Result<ipvs::Info> getInfo() override { return table_.info; }
	Result<ipvs::Timeouts> getTimeouts() override { return table_.timeouts; }
	Result<std::vector<ipvs::SyncDaemon>> getSyncDaemons() override { return table_.daemons; }
	Result<std::vector<ipvs::VirtualServer>> listVirtualServers() override
	{
		std::vector<ipvs::VirtualServer> services;
		for (const auto &entry : table_.services)
			services.push_back(entry.service);
		return services;
	}
	Result<std::vector<ipvs::RealServer>> listRealServers(const ipvs::ServiceKey &key) override
	{
		for (const auto &entry : table_.services)
			if (sameService(entry.service.key, key))
				return entry.realServers;
		return Error(ESRCH, "list real servers");
	}
	Result<ipvs::VirtualServer> getVirtualServer(const ipvs::ServiceKey &key) override
	{
		for (const auto &entry : table_.services)
			if (sameService(entry.service.key, key))
				return entry.service;
		return Error(ESRCH, "get virtual server");
	}
	Result<std::vector<ServiceWithRealServers>> listAll() override { return table_.services; }

private:
	static bool sameService(const ipvs::ServiceKey &a, const ipvs::ServiceKey &b)
	{
		if (a.fwmark || b.fwmark)
			return a.fwmark == b.fwmark && a.family == b.family;
		return a.family == b.family && a.protocol == b.protocol && a.address == b.address &&
		       a.port == b.port;
	}

	FakeTable table_;
};

class FakeProvider : public SourceProvider
{
public:
	explicit FakeProvider(FakeTable table) : table_(std::move(table)) {}

	/* 0: works; otherwise open() (EOPNOTSUPP) or getInfo() (EPERM) fails. */
	int openError = 0;
	int modprobeCalls = 0;

	Result<std::unique_ptr<IpvsSource>> open() override
	{
		if (openError == EOPNOTSUPP)
			return Error(EOPNOTSUPP, "resolve generic netlink family", "IPVS");
		if (openError == EPERM)
			return std::unique_ptr<IpvsSource>(std::make_unique<DeniedSource>());
		return std::unique_ptr<IpvsSource>(std::make_unique<FakeSource>(table_));
	}
	void loadModule() override { modprobeCalls++; }

private:
	/* What an unprivileged user meets: every command is refused. */
	class DeniedSource : public IpvsSource
	{
	public:
		Result<ipvs::Info> getInfo() override { return Error(EPERM, "get info"); }
		Result<ipvs::Timeouts> getTimeouts() override { return Error(EPERM, "get"); }
		Result<std::vector<ipvs::SyncDaemon>> getSyncDaemons() override { return Error(EPERM, "get"); }
		Result<std::vector<ipvs::VirtualServer>> listVirtualServers() override { return Error(EPERM, "get"); }
		Result<std::vector<ipvs::RealServer>> listRealServers(const ipvs::ServiceKey &) override
		{
			return Error(EPERM, "get");
		}
		Result<ipvs::VirtualServer> getVirtualServer(const ipvs::ServiceKey &) override
		{
			return Error(EPERM, "get");
		}
		Result<std::vector<ServiceWithRealServers>> listAll() override { return Error(EPERM, "get"); }
	};

	FakeTable table_;
};

/* The outcome of one kipvsadm run. */
struct RunResult {
	int code;
	std::string out;
	std::string err;
};

inline RunResult runKipvsadm(FakeProvider &provider, std::vector<std::string> args,
			     const std::string &connectionPath = {})
{
	Output out;
	Output err;
	Application application(provider, out, err);
	if (!connectionPath.empty())
		application.setConnectionPath(connectionPath);
	args.insert(args.begin(), "ipvsadm");
	int code = application.run(args);
	return { code, out.text(), err.text() };
}

} /* namespace kipvs::ipvsadm::test */
