/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's listing layouts (default, --stats, --rate, --thresholds,
 * --persistent-conn, --tun-info, -S) for given service and real-server
 * values, byte for byte.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ipvs/kipvsadm/name_resolver.h"
#include "ipvs/kipvsadm/output.h"
#include "ipvs/virtual_server.h"

namespace kipvs::ipvsadm {

/* The printing flags of a listing (ipvsadm's FMT_*), plus --stats64. */
struct ListFormat {
	bool numeric = false;
	bool rule = false; /* -S: commands that recreate the table */
	bool stats = false;
	bool rate = false;
	bool thresholds = false;
	bool persistentConn = false;
	bool tunInfo = false;
	bool noSort = false;
	bool exact = false;
	/* kipvsadm: real-server counters from STATS64, not the 32-bit STATS. */
	bool stats64 = false;
};

class ListingFormatter
{
public:
	ListingFormatter(const ListFormat &format, NameResolver &resolver)
		: format_(format), resolver_(resolver)
	{
	}

	/* "%9llu", or scaled by 1000s with a K/M/G/T suffix; --exact widens. */
	static void largeNumber(Output &out, uint64_t value, bool exact);

	/* "IP Virtual Server version 1.2.1 (size=4096)" */
	static void versionLine(Output &out, uint32_t version, uint32_t connectionTableSize);

	void title(Output &out) const;
	/* One service and its real servers, in the order given. */
	void service(Output &out, const ipvs::VirtualServer &service,
		     const std::vector<ipvs::RealServer> &realServers);

private:
	/* "TCP  10.0.0.1:80", "FWM  7 IPv6", or "-t 10.0.0.1:80" with -S. */
	std::string serviceName(const ipvs::VirtualServer &service);
	void serviceRow(Output &out, const std::string &name, const ipvs::VirtualServer &service);
	void realServerRow(Output &out, const std::string &serviceName,
			   const ipvs::VirtualServer &service, const ipvs::RealServer &real);

	ListFormat format_;
	NameResolver &resolver_;
};

/* ipvsadm's -b/sched-flags names for a scheduler: "sh-fallback,sh-port". */
std::string schedulerFlagNames(const std::string &scheduler, uint32_t flags);

} /* namespace kipvs::ipvsadm */
