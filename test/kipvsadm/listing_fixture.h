/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Turns an "ipvsadm -Ln --nosort" listing recorded in the test VM back into
 * a fake table in the kernel's order, so the sorted listings ipvsadm gave
 * for the same state can be checked byte for byte without a kernel.
 */
#pragma once

#include <arpa/inet.h>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "fake_source.h"

namespace kipvs::ipvsadm::test {

inline std::string readFile(const std::string &path)
{
	std::ifstream file(path);
	std::stringstream text;
	text << file.rdbuf();
	return text.str();
}

inline void parseAddressPort(const std::string &text, IpAddress &address, uint16_t &port)
{
	size_t colon = text.rfind(':');
	std::string host = text.substr(0, colon);
	if (!host.empty() && host[0] == '[')
		host = host.substr(1, host.size() - 2);
	address = *IpAddress::parse(host);
	port = static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
}

inline FakeTable parseListing(const std::string &text)
{
	static const std::regex serviceLine(R"(^(TCP|UDP|SCTP) +(\S+) (\S+)(.*)$)");
	static const std::regex markLine(R"(^FWM  (-?\d+)( IPv6)? (\S+)(.*)$)");
	static const std::regex realLine(R"(^  -> (\S+) +(Masq|Local|Tunnel|Route) +(\d+) +(\d+) +(\d+) +$)");
	static const std::regex flagsPart(R"( \(([^)]*)\))");
	static const std::regex persistentPart(R"( persistent (\d+))");
	static const std::regex maskPart(R"( mask (\S+))");
	static const std::regex pePart(R"( pe (\S+))");

	FakeTable table;
	std::istringstream lines(text);
	std::string line;
	std::smatch m;
	while (std::getline(lines, line)) {
		std::string rest;
		ipvs::VirtualServer service;
		if (std::regex_match(line, m, serviceLine)) {
			std::string proto = m[1];
			service.key.protocol = proto == "TCP"   ? ipvs::Protocol::Tcp
					       : proto == "UDP" ? ipvs::Protocol::Udp
								: ipvs::Protocol::Sctp;
			parseAddressPort(m[2], service.key.address, service.key.port);
			service.key.family = service.key.address.family();
			service.scheduler = m[3];
			rest = m[4];
		} else if (std::regex_match(line, m, markLine)) {
			service.key.protocol = ipvs::Protocol::None;
			service.key.fwmark = static_cast<uint32_t>(std::stol(m[1]));
			service.key.family = m[2].matched ? AF_INET6 : AF_INET;
			service.scheduler = m[3];
			rest = m[4];
		} else if (std::regex_match(line, m, realLine)) {
			ipvs::RealServer real;
			parseAddressPort(m[1], real.address, real.port);
			real.family = real.address.family();
			std::string method = m[2];
			real.method = method == "Masq"    ? ipvs::ForwardMethod::Masq
				      : method == "Local" ? ipvs::ForwardMethod::Local
				      : method == "Tunnel" ? ipvs::ForwardMethod::Tunnel
							   : ipvs::ForwardMethod::Route;
			real.weight = std::stoi(m[3]);
			real.activeConnections = static_cast<uint32_t>(std::stoul(m[4]));
			real.inactiveConnections = static_cast<uint32_t>(std::stoul(m[5]));
			table.services.back().realServers.push_back(real);
			continue;
		} else {
			continue;
		}

		service.netmask = service.key.family == AF_INET6 ? 128 : 0xffffffff;
		if (std::regex_search(rest, m, flagsPart)) {
			std::string names = m[1];
			if (names.empty())
				service.flags |= ipvs::ServiceFlag::Sched3;
			std::stringstream list(names);
			std::string name;
			while (std::getline(list, name, ',')) {
				if (name.find("fallback") != std::string::npos || name == "flag-1")
					service.flags |= ipvs::ServiceFlag::Sched1;
				else if (name.find("port") != std::string::npos || name == "flag-2")
					service.flags |= ipvs::ServiceFlag::Sched2;
				else if (name == "flag-3")
					service.flags |= ipvs::ServiceFlag::Sched3;
			}
		}
		if (std::regex_search(rest, m, persistentPart)) {
			service.flags |= ipvs::ServiceFlag::Persistent;
			service.timeout = static_cast<uint32_t>(std::stoul(m[1]));
		}
		if (std::regex_search(rest, m, maskPart)) {
			std::string mask = m[1];
			if (service.key.family == AF_INET6) {
				service.netmask = static_cast<uint32_t>(std::stoul(mask));
			} else {
				in_addr a;
				inet_pton(AF_INET, mask.c_str(), &a);
				service.netmask = a.s_addr;
			}
		}
		if (std::regex_search(rest, m, pePart))
			service.persistenceEngine = m[1];
		if (rest.size() >= 4 && rest.compare(rest.size() - 4, 4, " ops") == 0)
			service.flags |= ipvs::ServiceFlag::OnePacket;
		table.services.push_back({ service, {} });
	}
	return table;
}

} /* namespace kipvs::ipvsadm::test */
