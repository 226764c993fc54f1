/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IpvsSource over the kipvs netlink client (ipvs::Client), and the
 * provider that opens it and loads ip_vs the way ipvsadm does.
 */
#pragma once

#include "ipvs/client.h"
#include "ipvs/kipvsadm/application.h"

namespace kipvs::ipvsadm {

class ClientSource : public IpvsSource
{
public:
	explicit ClientSource(ipvs::Client &&client) : client_(std::move(client)) {}

	Result<ipvs::Info> getInfo() override;
	Result<ipvs::Timeouts> getTimeouts() override;
	Result<std::vector<ipvs::SyncDaemon>> getSyncDaemons() override;
	Result<std::vector<ipvs::VirtualServer>> listVirtualServers() override;
	Result<std::vector<ipvs::RealServer>> listRealServers(const ipvs::ServiceKey &key) override;
	Result<ipvs::VirtualServer> getVirtualServer(const ipvs::ServiceKey &key) override;
	Result<std::vector<ServiceWithRealServers>> listAll() override;

private:
	ipvs::Client client_;
};

class ClientSourceProvider : public SourceProvider
{
public:
	Result<std::unique_ptr<IpvsSource>> open() override;
	void loadModule() override;
};

} /* namespace kipvs::ipvsadm */
