/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address listing over route netlink: one link dump for the names, one
 * address dump.
 */
#include "netlink/interface_address.h"

#include <cerrno>
#include <map>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink/route_policy.h"

namespace kipvs::netlink {

Result<InterfaceAddress> parseAddressMessage(const struct nlmsghdr *message)
{
	size_t header = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifaddrmsg));
	if (message->nlmsg_len < header)
		return Error(EPROTO, "parse address message (truncated)");
	const auto *ifa = static_cast<const struct ifaddrmsg *>(NLMSG_DATA(message));
	auto attributes = Attributes::parse(route_policy::address(),
					    reinterpret_cast<const uint8_t *>(message) + header,
					    message->nlmsg_len - header);
	if (!attributes)
		return attributes.error();

	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer on point-to-point links. */
	auto bytes = attributes->binary(IFA_LOCAL);
	if (!bytes)
		bytes = attributes->binary(IFA_ADDRESS);
	size_t wanted = ifa->ifa_family == AF_INET6 ? 16 : 4;
	if (!bytes || bytes->size() != wanted)
		return Error(EPROTO, "parse address message (no address of its family)");
	auto address = IpAddress::fromBytes(bytes->data(), wanted);
	if (!address)
		return Error(EPROTO, "parse address message (bad address)");

	InterfaceAddress result;
	result.index = static_cast<int>(ifa->ifa_index);
	result.prefix = IpPrefix(*address, ifa->ifa_prefixlen);
	return result;
}

Result<std::vector<InterfaceAddress>> listInterfaceAddresses(NetlinkSocket &route, int index)
{
	std::map<int, std::string> names;
	struct ifinfomsg ifi = {};
	Message links = Message::withHeader(RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi),
					    route_policy::link());
	auto listed = route.dump(links, [&](const struct nlmsghdr *nlh) -> Result<void> {
		if (nlh->nlmsg_type != RTM_NEWLINK)
			return {};
		size_t header = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg));
		if (nlh->nlmsg_len < header)
			return Error(EPROTO, "parse link message (truncated)");
		const auto *info = static_cast<const struct ifinfomsg *>(NLMSG_DATA(nlh));
		auto attributes = Attributes::parse(route_policy::link(),
						    reinterpret_cast<const uint8_t *>(nlh) + header,
						    nlh->nlmsg_len - header);
		if (!attributes)
			return attributes.error();
		names[info->ifi_index] = attributes->string(IFLA_IFNAME).value_or("");
		return {};
	});
	if (!listed)
		return Error(listed.error().code(), "list interfaces", {},
			     listed.error().kernelMessage());

	std::vector<InterfaceAddress> addresses;
	struct ifaddrmsg ifa = {};
	ifa.ifa_index = static_cast<uint32_t>(index);
	Message dump = Message::withHeader(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa),
					   route_policy::address());
	auto dumped = route.dump(dump, [&](const struct nlmsghdr *nlh) -> Result<void> {
		if (nlh->nlmsg_type != RTM_NEWADDR)
			return {};
		auto address = parseAddressMessage(nlh);
		if (!address)
			return address.error();
		/* The dump ignores the index filter without strict checking. */
		if (index && address->index != index)
			return {};
		address->interface = names[address->index];
		addresses.push_back(std::move(*address));
		return {};
	});
	if (!dumped)
		return Error(dumped.error().code(), "list addresses", {},
			     dumped.error().kernelMessage());
	return addresses;
}

Result<std::vector<InterfaceAddress>> listInterfaceAddresses()
{
	auto route = NetlinkSocket::open(NETLINK_ROUTE);
	if (!route)
		return route.error();
	return listInterfaceAddresses(*route);
}

} /* namespace kipvs::netlink */
