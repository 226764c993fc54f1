/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/net/ip_vs_conn in ipvsadm -c's layout.
 */
#include "ipvs/kipvsadm/connection_table.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>

namespace kipvs::ipvsadm {

namespace {

/*
 * The kernel prints IPv4 addresses as 8 hex digits and IPv6 ones in full;
 * ipvsadm decides the family from the client address (for the client and
 * virtual address) and from the destination address itself.
 */
IpAddress parseAddress(int family, const char *text)
{
	if (family == AF_INET6) {
		in6_addr v6{};
		inet_pton(AF_INET6, text, &v6);
		return *IpAddress::fromBytes(&v6, 16);
	}
	in_addr v4{};
	if (inet_pton(AF_INET, text, &v4) <= 0)
		v4.s_addr = htonl(static_cast<uint32_t>(std::strtoul(text, nullptr, 16)));
	return *IpAddress::fromBytes(&v4, 4);
}

} /* namespace */

bool ConnectionTable::printEntry(const char *line, Output &out)
{
	char protocol[8] = {}, client[64] = {}, virtualAddress[64] = {}, destination[64] = {};
	char state[16] = {}, peName[32] = {}, peData[256] = {};
	unsigned short clientPort = 0, virtualPort = 0, destinationPort = 0;
	unsigned int expires = 0;

	int n = std::sscanf(line, "%7s %63s %hX %63s %hX %63s %hX %15s %u %31s %255s", protocol,
			    client, &clientPort, virtualAddress, &virtualPort, destination,
			    &destinationPort, state, &expires, peName, peData);
	if (n == EOF)
		return false;

	unsigned int proto = 0;
	if (std::strcmp(protocol, "TCP") == 0)
		proto = IPPROTO_TCP;
	else if (std::strcmp(protocol, "UDP") == 0)
		proto = IPPROTO_UDP;
	else if (std::strcmp(protocol, "SCTP") == 0)
		proto = IPPROTO_SCTP;

	in6_addr probe;
	int family = inet_pton(AF_INET6, client, &probe) > 0 ? AF_INET6 : AF_INET;
	std::string c = resolver_.addressPort(family, parseAddress(family, client), clientPort, proto);
	std::string v = resolver_.addressPort(family, parseAddress(family, virtualAddress),
					      virtualPort, proto);
	/* A tunnel can take IPv4 clients to an IPv6 real server: its own family. */
	int destinationFamily = inet_pton(AF_INET6, destination, &probe) > 0 ? AF_INET6 : AF_INET;
	std::string d = resolver_.addressPort(destinationFamily,
					      parseAddress(destinationFamily, destination),
					      destinationPort, proto);

	char expire[16];
	std::snprintf(expire, sizeof(expire), "%02u:%02u", expires / 60, expires % 60);

	/* ipvsadm adds the persistence-engine columns only to entries that have them. */
	if (format_.persistentConn && n >= 10)
		out.printf("%-3s %-6s %-11s %-18s %-18s %-18s %-16s %s\n", protocol, expire, state,
			   c.c_str(), v.c_str(), d.c_str(), peName, peData);
	else
		out.printf("%-3s %-6s %-11s %-18s %-18s %s\n", protocol, expire, state, c.c_str(),
			   v.c_str(), d.c_str());
	return true;
}

int ConnectionTable::list(const std::string &path, Output &out, Output &err)
{
	FILE *file = std::fopen(path.c_str(), "r");
	if (!file) {
		err.printf("cannot open file %s\n", path.c_str());
		return 1;
	}

	/* ipvsadm reads in 256-byte lines; the first one is the header. */
	char line[256];
	if (!std::fgets(line, sizeof(line), file)) {
		std::fclose(file);
		err.printf("unexpected input from %s\n", path.c_str());
		return 1;
	}

	out.append("IPVS connection entries\n");
	if (format_.persistentConn)
		out.printf("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source",
			   "virtual", "destination", "pe name", "pe_data");
	else
		out.printf("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
			   "destination");

	while (std::fgets(line, sizeof(line), file)) {
		if (!printEntry(line, out)) {
			std::fclose(file);
			return 1;
		}
	}
	std::fclose(file);
	return 0;
}

} /* namespace kipvs::ipvsadm */
