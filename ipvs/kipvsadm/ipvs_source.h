/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What kipvsadm reads from IPVS, as an interface, so every listing can be
 * tested with fabricated tables and no kernel.
 */
#pragma once

#include <vector>

#include "ipvs/virtual_server.h"
#include "base/error.h"

namespace kipvs::ipvsadm {

struct ServiceWithRealServers {
	ipvs::VirtualServer service;
	std::vector<ipvs::RealServer> realServers;
};

class IpvsSource
{
public:
	virtual ~IpvsSource() = default;

	virtual Result<ipvs::Info> getInfo() = 0;
	virtual Result<ipvs::Timeouts> getTimeouts() = 0;
	virtual Result<std::vector<ipvs::SyncDaemon>> getSyncDaemons() = 0;
	/* Kernel order. */
	virtual Result<std::vector<ipvs::VirtualServer>> listVirtualServers() = 0;
	virtual Result<std::vector<ipvs::RealServer>> listRealServers(const ipvs::ServiceKey &key) = 0;
	/* ESRCH or ENOENT when there is no such service. */
	virtual Result<ipvs::VirtualServer> getVirtualServer(const ipvs::ServiceKey &key) = 0;
	/* Every service with its real servers, kernel order. */
	virtual Result<std::vector<ServiceWithRealServers>> listAll() = 0;
};

} /* namespace kipvs::ipvsadm */
