/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ipvsadm -Sn` lines for kipvs values, so that the kernel tests can hold
 * what kipvs reads and what ipvsadm reads side by side, line for line.
 */
#pragma once

#include <algorithm>
#include <arpa/inet.h>
#include <sstream>
#include <string>
#include <vector>

#include "ipvs/virtual_server.h"

namespace kipvs::test {

inline std::string saveServiceName(const ipvs::ServiceKey &key)
{
	if (key.isFwmark())
		return "-f " + std::to_string(static_cast<int32_t>(key.fwmark)) +
		       (key.family == AF_INET6 ? " -6" : "");
	std::string address = key.address.toString();
	if (key.address.isV6())
		address = "[" + address + "]";
	address += ":" + std::to_string(key.port);
	switch (key.protocol) {
	case ipvs::Protocol::Tcp:
		return "-t " + address;
	case ipvs::Protocol::Udp:
		return "-u " + address;
	case ipvs::Protocol::Sctp:
		return "--sctp-service " + address;
	case ipvs::Protocol::None:
		break;
	}
	return "? " + address;
}

inline std::string saveSchedulerFlags(const ipvs::VirtualServer &service)
{
	std::vector<std::string> names;
	bool sh = service.scheduler == "sh", mh = service.scheduler == "mh";
	if (service.flags & ipvs::ServiceFlag::Sched1)
		names.push_back(sh ? "sh-fallback" : mh ? "mh-fallback" : "flag-1");
	if (service.flags & ipvs::ServiceFlag::Sched2)
		names.push_back(sh ? "sh-port" : mh ? "mh-port" : "flag-2");
	if (service.flags & ipvs::ServiceFlag::Sched3 && !sh && !mh)
		names.push_back("flag-3");
	std::string joined;
	for (const std::string &name : names)
		joined += (joined.empty() ? "" : ",") + name;
	return joined;
}

inline std::string saveLine(const ipvs::VirtualServer &service)
{
	std::string line = "-A " + saveServiceName(service.key) + " -s " + service.scheduler;
	if (service.flags & ipvs::ServiceFlag::Persistent) {
		line += " -p " + std::to_string(service.timeout);
		if (service.key.family == AF_INET && service.netmask != 0xffffffff) {
			struct in_addr mask = { service.netmask };
			line += std::string(" -M ") + inet_ntoa(mask);
		} else if (service.key.family == AF_INET6 && service.netmask != 128) {
			line += " -M " + std::to_string(service.netmask);
		}
	}
	if (!service.persistenceEngine.empty())
		line += " --pe " + service.persistenceEngine;
	if (service.flags & ipvs::ServiceFlag::OnePacket)
		line += " -o";
	if (service.flags & (ipvs::ServiceFlag::Sched1 | ipvs::ServiceFlag::Sched2 |
			     ipvs::ServiceFlag::Sched3))
		line += " -b " + saveSchedulerFlags(service);
	return line;
}

inline std::string saveLine(const ipvs::ServiceKey &key, const ipvs::RealServer &destination)
{
	std::string address = destination.address.toString();
	if (destination.address.isV6())
		address = "[" + address + "]";
	address += ":" + std::to_string(destination.port);
	const char *method = destination.method == ipvs::ForwardMethod::Masq	 ? "-m"
			     : destination.method == ipvs::ForwardMethod::Tunnel ? "-i"
										 : "-g";
	std::string line = "-a " + saveServiceName(key) + " -r " + address + " " + method +
			   " -w " + std::to_string(destination.weight);
	if (destination.method == ipvs::ForwardMethod::Tunnel) {
		switch (destination.tunnelType) {
		case ipvs::TunnelType::Ipip:
			line += " --tun-type ipip";
			break;
		case ipvs::TunnelType::Gue:
			line += " --tun-type gue --tun-port " + std::to_string(destination.tunnelPort);
			break;
		case ipvs::TunnelType::Gre:
			line += " --tun-type gre";
			break;
		}
		if (destination.tunnelType != ipvs::TunnelType::Ipip) {
			if (destination.tunnelFlags & ipvs::TunnelFlag::RemoteChecksum)
				line += " --tun-remcsum";
			else if (destination.tunnelFlags & ipvs::TunnelFlag::Checksum)
				line += " --tun-csum";
			else
				line += " --tun-nocsum";
		}
	}
	return line;
}

/* The lines of a text, sorted: ipvsadm sorts its own way, the kernel another. */
inline std::vector<std::string> sortedLines(const std::string &text)
{
	std::vector<std::string> lines;
	std::istringstream stream(text);
	std::string line;
	while (std::getline(stream, line))
		if (!line.empty())
			lines.push_back(line);
	std::sort(lines.begin(), lines.end());
	return lines;
}

} /* namespace kipvs::test */
