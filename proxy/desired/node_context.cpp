/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node addresses over rtnetlink, listening sockets from /proc/net.
 */
#include "proxy/desired/node_context.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include <arpa/inet.h>

#include "netlink/interface_address.h"

namespace kipvs::proxy {

namespace {

/* "0100007F:1F90" (IPv4) or 32 hex digits (IPv6), host-endian words, ":port". */
std::optional<std::pair<IpAddress, uint16_t>> parseProcAddress(const std::string &text)
{
	size_t colon = text.find(':');
	if (colon == std::string::npos)
		return std::nullopt;
	std::string hex = text.substr(0, colon);
	unsigned long port = std::strtoul(text.c_str() + colon + 1, nullptr, 16);
	if (hex.size() != 8 && hex.size() != 32)
		return std::nullopt;
	uint32_t words[4];
	size_t count = hex.size() / 8;
	for (size_t i = 0; i < count; i++)
		words[i] = static_cast<uint32_t>(std::strtoul(hex.substr(i * 8, 8).c_str(), nullptr, 16));
	/* The kernel prints each 32-bit word as it lies in memory on this host. */
	auto address = IpAddress::fromBytes(words, count * 4);
	if (!address)
		return std::nullopt;
	return std::make_pair(*address, static_cast<uint16_t>(port));
}

} /* namespace */

void ListeningSockets::parse(const std::string &text, Protocol protocol, bool listenOnly)
{
	std::istringstream lines(text);
	std::string line;
	std::getline(lines, line); /* the title */
	while (std::getline(lines, line)) {
		std::istringstream fields(line);
		std::string slot, local, remote, state;
		if (!(fields >> slot >> local >> remote >> state))
			continue;
		if (listenOnly && state != "0A")
			continue;
		if (auto parsed = parseProcAddress(local))
			sockets_.insert({ parsed->first, protocol, parsed->second });
	}
}

ListeningSockets ListeningSockets::read(const std::string &procRoot)
{
	ListeningSockets sockets;
	struct Table {
		const char *file;
		Protocol protocol;
		bool listenOnly;
	};
	for (const Table &table : { Table{ "tcp", Protocol::Tcp, true },
				    Table{ "tcp6", Protocol::Tcp, true },
				    Table{ "udp", Protocol::Udp, false },
				    Table{ "udp6", Protocol::Udp, false } }) {
		std::ifstream file(procRoot + "/net/" + table.file);
		if (!file)
			continue;
		std::stringstream text;
		text << file.rdbuf();
		sockets.parse(text.str(), table.protocol, table.listenOnly);
	}
	return sockets;
}

bool ListeningSockets::listens(const IpAddress &address, Protocol protocol,
			       uint16_t port) const
{
	if (sockets_.count({ address, protocol, port }))
		return true;
	IpAddress wildcard = *IpAddress::parse(address.isV4() ? "0.0.0.0" : "::");
	return sockets_.count({ wildcard, protocol, port }) > 0;
}

std::set<IpAddress> nodeAddressesOf(const std::vector<netlink::InterfaceAddress> &addresses)
{
	std::set<IpAddress> result;
	for (const netlink::InterfaceAddress &address : addresses) {
		const IpAddress &ip = address.prefix.address();
		if (address.interface == "kube-ipvs0" || ip.isLoopback() || ip.isLinkLocal())
			continue;
		result.insert(ip);
	}
	return result;
}

Result<std::set<IpAddress>> nodeAddresses()
{
	auto addresses = netlink::listInterfaceAddresses();
	if (!addresses)
		return addresses.error();
	return nodeAddressesOf(*addresses);
}

namespace {

NodeContext nodeContext(const Config &config, const ServiceCache &cache,
			const std::set<IpAddress> &localAddresses,
			std::function<bool(const IpAddress &, Protocol, uint16_t)> hostListens)
{
	NodeContext node;
	node.nodeName = cache.nodeName();
	node.localAddresses = localAddresses;
	node.otherNodeAddresses = cache.otherNodeAddresses();
	/* This node's own addresses are never "another node's". */
	for (const IpAddress &address : localAddresses)
		node.otherNodeAddresses.erase(address);

	const Node *self = cache.thisNode();
	if (self) {
		auto zone = self->labels.find(kZoneLabel);
		if (zone != self->labels.end())
			node.zone = zone->second;
	}

	for (const IpAddress &address : localAddresses) {
		bool listed = config.nodePortAddresses.empty() && !config.nodePortAddressesPrimary;
		for (const IpPrefix &prefix : config.nodePortAddresses)
			listed = listed || prefix.contains(address);
		if (config.nodePortAddressesPrimary && self)
			for (const IpAddress &primary : self->addresses)
				listed = listed || primary == address;
		if (listed)
			node.nodePortAddresses.push_back(address);
	}

	node.hostListens = std::move(hostListens);
	return node;
}

} /* namespace */

NodeContext makeNodeContext(const Config &config, const ServiceCache &cache,
			    const std::set<IpAddress> &localAddresses,
			    const ListeningSockets &listening)
{
	auto sockets = std::make_shared<ListeningSockets>(listening);
	return nodeContext(config, cache, localAddresses,
			   [sockets](const IpAddress &address, Protocol protocol, uint16_t port) {
				   return sockets->listens(address, protocol, port);
			   });
}

NodeContext makeNodeContext(const Config &config, const ServiceCache &cache,
			    const std::set<IpAddress> &localAddresses)
{
	auto sockets = std::make_shared<std::optional<ListeningSockets>>();
	return nodeContext(config, cache, localAddresses,
			   [sockets](const IpAddress &address, Protocol protocol, uint16_t port) {
				   if (!*sockets)
					   *sockets = ListeningSockets::read();
				   return (*sockets)->listens(address, protocol, port);
			   });
}

} /* namespace kipvs::proxy */
