/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kipvsadm adapter over ipvs::Client.
 */
#include "ipvs/kipvsadm/client_source.h"

#include <cerrno>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

namespace kipvs::ipvsadm {

Result<ipvs::Info> ClientSource::getInfo()
{
	return client_.getInfo();
}

Result<ipvs::Timeouts> ClientSource::getTimeouts()
{
	return client_.getTimeouts();
}

Result<std::vector<ipvs::SyncDaemon>> ClientSource::getSyncDaemons()
{
	return client_.getSyncDaemons();
}

Result<std::vector<ipvs::VirtualServer>> ClientSource::listVirtualServers()
{
	return client_.listVirtualServers();
}

Result<std::vector<ipvs::RealServer>> ClientSource::listRealServers(const ipvs::ServiceKey &key)
{
	return client_.listRealServers(key);
}

Result<ipvs::VirtualServer> ClientSource::getVirtualServer(const ipvs::ServiceKey &key)
{
	return client_.getVirtualServer(key);
}

Result<std::vector<ServiceWithRealServers>> ClientSource::listAll()
{
	auto all = client_.listAll();
	if (!all)
		return all.error();

	std::vector<ServiceWithRealServers> services;
	services.reserve(all->size());
	for (auto &entry : all.value())
		services.push_back({ std::move(entry.service), std::move(entry.destinations) });
	return services;
}

Result<std::unique_ptr<IpvsSource>> ClientSourceProvider::open()
{
	auto client = ipvs::Client::open();
	if (!client) {
		if (client.error().code() != EOPNOTSUPP)
			return client.error();
		/*
		 * Without the genl family ipvsadm falls back to the raw-socket
		 * sockopt interface: a user who may not open a raw socket is
		 * told "Permission denied", anyone else "Protocol not available".
		 */
		int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0)
			return Error(errno, "open raw socket for IPVS sockopts");
		close(fd);
		return Error(ENOPROTOOPT, "get IPVS info");
	}
	return std::unique_ptr<IpvsSource>(std::make_unique<ClientSource>(std::move(client.value())));
}

void ClientSourceProvider::loadModule()
{
	/* As ipvsadm: modprobe's own complaints go to our stderr. */
	char program[] = "/sbin/modprobe";
	char separator[] = "--";
	char module[] = "ip_vs";
	char *argv[] = { program, separator, module, nullptr };

	pid_t pid;
	if (posix_spawn(&pid, program, nullptr, nullptr, argv, environ) != 0)
		return;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
}

} /* namespace kipvs::ipvsadm */
