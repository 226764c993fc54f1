/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm -c: the connection entries of /proc/net/ip_vs_conn (IPVS has no
 * netlink dump for them), re-printed in ipvsadm's columns.
 */
#pragma once

#include <string>

#include "ipvs/kipvsadm/listing_formatter.h"
#include "ipvs/kipvsadm/name_resolver.h"
#include "ipvs/kipvsadm/output.h"

namespace kipvs::ipvsadm {

class ConnectionTable
{
public:
	static constexpr const char *kProcPath = "/proc/net/ip_vs_conn";

	ConnectionTable(const ListFormat &format, NameResolver &resolver)
		: format_(format), resolver_(resolver)
	{
	}

	/* Prints the table read from path; returns the exit code (0 or 1). */
	int list(const std::string &path, Output &out, Output &err);
	/* One data line of the file, printed as ipvsadm prints it. */
	bool printEntry(const char *line, Output &out);

private:
	ListFormat format_;
	NameResolver &resolver_;
};

} /* namespace kipvs::ipvsadm */
