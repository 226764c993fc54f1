/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's address and port naming.
 */
#include "ipvs/kipvsadm/name_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

namespace kipvs::ipvsadm {

namespace {

/* ipvsadm's addrport_to_anyname() writes into malloc(60) with snprintf. */
constexpr size_t kNameBuffer = 60;

std::string numericAddress(int family, const IpAddress &address)
{
	char text[INET6_ADDRSTRLEN] = {};
	uint8_t bytes[16] = {};
	if (address.valid())
		for (size_t i = 0; i < address.size(); i++)
			bytes[i] = address.data()[i];
	if (!inet_ntop(family, bytes, text, sizeof(text)))
		return {};
	return text;
}

} /* namespace */

std::string NameResolver::addressPort(int family, const IpAddress &address, uint16_t port,
				      unsigned int protocol)
{
	std::string host;
	std::string service;

	if (numeric_) {
		host = numericAddress(family, address);
		service = std::to_string(port);
	} else {
		/* Lookups are slow and a table repeats addresses: ask once. */
		auto key = std::make_pair(family, address);
		auto h = hosts_.find(key);
		if (h == hosts_.end())
			h = hosts_.emplace(key, hostName(family, address)).first;
		host = h->second;

		auto skey = std::make_pair(port, protocol);
		auto s = services_.find(skey);
		if (s == services_.end())
			s = services_.emplace(skey, serviceName(port, protocol)).first;
		service = s->second;
	}

	std::string text;
	if (family == AF_INET)
		text = host + ":" + service;
	else
		text = "[" + host + "]:" + service;
	if (text.size() > kNameBuffer - 1)
		text.resize(kNameBuffer - 1);
	return text;
}

std::string NameResolver::hostName(int family, const IpAddress &address)
{
	uint8_t bytes[16] = {};
	if (address.valid())
		for (size_t i = 0; i < address.size(); i++)
			bytes[i] = address.data()[i];
	socklen_t length = family == AF_INET6 ? 16 : 4;

	const hostent *entry = gethostbyaddr(bytes, length, family);
	if (entry && entry->h_name)
		return entry->h_name;
	return numericAddress(family, address);
}

std::string NameResolver::serviceName(uint16_t port, unsigned int protocol)
{
	const char *name = nullptr;
	switch (protocol) {
	case IPPROTO_TCP:
		name = "tcp";
		break;
	case IPPROTO_UDP:
		name = "udp";
		break;
	case IPPROTO_SCTP:
		name = "sctp";
		break;
	default:
		break;
	}
	if (name) {
		const servent *entry = getservbyport(htons(port), name);
		if (entry && entry->s_name)
			return entry->s_name;
	}
	return std::to_string(port);
}

} /* namespace kipvs::ipvsadm */
