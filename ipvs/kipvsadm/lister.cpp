/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listing commands, in ipvsadm's order of output and failure.
 */
#include "ipvs/kipvsadm/lister.h"

#include <cerrno>
#include <cstring>

#include "ipvs/kipvsadm/connection_table.h"
#include "ipvs/kipvsadm/ipvsadm_order.h"
#include "ipvs/kipvsadm/listing_formatter.h"

namespace kipvs::ipvsadm {

std::string Lister::errorText(const Error &error)
{
	switch (error.code()) {
	case ESRCH:
	case ENOENT:
		return "No such service";
	case EPERM:
		return "Permission denied (you must be root)";
	case ENOMEM:
		return "Memory allocation problem";
	default:
		return std::strerror(error.code());
	}
}

int Lister::run(const Command &command)
{
	if (command.kind == Command::Kind::Save)
		return listAll(command.format);
	if (command.connections) {
		ConnectionTable table(command.format, resolver_);
		return table.list(connectionPath_, out_, err_);
	}
	if (command.service)
		return listService(*command.service, command.format);
	if (command.timeouts)
		return listTimeouts();
	if (command.daemons)
		return listDaemons();
	return listAll(command.format);
}

int Lister::listAll(const ListFormat &format)
{
	if (!format.rule)
		ListingFormatter::versionLine(out_, info_.version, info_.connectionTableSize);

	auto all = source_.listAll();
	if (!all) {
		err_.append(errorText(all.error()) + "\n");
		return 1;
	}
	std::vector<ServiceWithRealServers> &services = all.value();
	if (!format.noSort)
		sortServices(services);

	ListingFormatter formatter(format, resolver_);
	formatter.title(out_);
	for (ServiceWithRealServers &entry : services) {
		if (!format.noSort)
			sortRealServers(entry.realServers);
		formatter.service(out_, entry.service, entry.realServers);
	}
	return 0;
}

int Lister::listService(const ipvs::ServiceKey &key, const ListFormat &format)
{
	auto service = source_.getVirtualServer(key);
	if (!service) {
		err_.append(errorText(service.error()) + "\n");
		return 1;
	}

	ListingFormatter formatter(format, resolver_);
	formatter.title(out_);

	auto realServers = source_.listRealServers(service->key);
	if (!realServers) {
		err_.append(errorText(realServers.error()) + "\n");
		return 1;
	}
	if (!format.noSort)
		sortRealServers(realServers.value());
	formatter.service(out_, service.value(), realServers.value());
	return 0;
}

int Lister::listTimeouts()
{
	/* ipvsadm exits 1 without a word when this read fails. */
	auto timeouts = source_.getTimeouts();
	if (!timeouts)
		return 1;
	out_.printf("Timeout (tcp tcpfin udp): %d %d %d\n", static_cast<int>(timeouts->tcp),
		    static_cast<int>(timeouts->tcpFin), static_cast<int>(timeouts->udp));
	return 0;
}

int Lister::listDaemons()
{
	auto daemons = source_.getSyncDaemons();
	if (!daemons)
		return 1;

	/* ipvsadm keeps the master in slot 0 and the backup in slot 1. */
	for (auto role : { ipvs::SyncDaemon::Role::Master, ipvs::SyncDaemon::Role::Backup }) {
		for (const ipvs::SyncDaemon &d : daemons.value()) {
			if (d.role != role)
				continue;
			out_.printf("%s sync daemon (mcast=%s, syncid=%d",
				    role == ipvs::SyncDaemon::Role::Master ? "master" : "backup",
				    d.multicastInterface.c_str(), static_cast<int>(d.syncId));
			if (d.syncMaxLength)
				out_.printf(", maxlen=%u", static_cast<unsigned int>(d.syncMaxLength));
			if (d.multicastGroup.valid())
				out_.printf(", group=%s", d.multicastGroup.toString().c_str());
			if (d.multicastPort)
				out_.printf(", port=%u", static_cast<unsigned int>(d.multicastPort));
			if (d.multicastTtl)
				out_.printf(", ttl=%u", static_cast<unsigned int>(d.multicastTtl));
			out_.append(")\n");
			break;
		}
	}
	return 0;
}

} /* namespace kipvs::ipvsadm */
