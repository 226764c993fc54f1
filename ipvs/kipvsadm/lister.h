/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs one reading command of ipvsadm's against an IpvsSource: the whole
 * table, one service, timeouts, sync daemons, connections or -S rules.
 */
#pragma once

#include <string>

#include "ipvs/kipvsadm/command_line.h"
#include "ipvs/kipvsadm/ipvs_source.h"
#include "ipvs/kipvsadm/name_resolver.h"
#include "ipvs/kipvsadm/output.h"

namespace kipvs::ipvsadm {

class Lister
{
public:
	Lister(IpvsSource &source, const ipvs::Info &info, NameResolver &resolver, Output &out,
	       Output &err)
		: source_(source), info_(info), resolver_(resolver), out_(out), err_(err)
	{
	}

	/* Where -c reads from; tests point it at a fixture. */
	void setConnectionPath(std::string path) { connectionPath_ = std::move(path); }

	/* Prints what ipvsadm prints for command; returns its exit code. */
	int run(const Command &command);

	/* ipvsadm's text for a failed read (ipvs_strerror). */
	static std::string errorText(const Error &error);

private:
	int listAll(const ListFormat &format);
	int listService(const ipvs::ServiceKey &key, const ListFormat &format);
	int listTimeouts();
	int listDaemons();

	IpvsSource &source_;
	ipvs::Info info_;
	NameResolver &resolver_;
	Output &out_;
	Output &err_;
	std::string connectionPath_ = "/proc/net/ip_vs_conn";
};

} /* namespace kipvs::ipvsadm */
