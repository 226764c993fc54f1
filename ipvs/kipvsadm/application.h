/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm from argv to exit code: open IPVS the way ipvsadm does (and
 * fail the way it does), parse the command line, run the listing.
 */
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ipvs/kipvsadm/ipvs_source.h"
#include "ipvs/kipvsadm/name_resolver.h"
#include "ipvs/kipvsadm/output.h"

namespace kipvs::ipvsadm {

/* Where the IPVS reads come from; the program uses the netlink client. */
class SourceProvider
{
public:
	virtual ~SourceProvider() = default;
	virtual Result<std::unique_ptr<IpvsSource>> open() = 0;
	/* ipvsadm runs "/sbin/modprobe -- ip_vs" when IPVS cannot be opened. */
	virtual void loadModule() = 0;
};

class Application
{
public:
	using ResolverFactory = std::function<std::unique_ptr<NameResolver>(bool numeric)>;

	Application(SourceProvider &provider, Output &out, Output &err);

	/* Tests swap in resolvers that need no DNS and a fixture for -c. */
	void setResolverFactory(ResolverFactory factory) { resolverFactory_ = std::move(factory); }
	void setConnectionPath(std::string path) { connectionPath_ = std::move(path); }

	/* args[0] is the program name; returns the exit code. */
	int run(const std::vector<std::string> &args);


private:
	SourceProvider &provider_;
	Output &out_;
	Output &err_;
	ResolverFactory resolverFactory_;
	std::string connectionPath_ = "/proc/net/ip_vs_conn";
};

} /* namespace kipvs::ipvsadm */
