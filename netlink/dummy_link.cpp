/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dummy links and their addresses over route netlink.
 */
#include "netlink/dummy_link.h"

#include <algorithm>
#include <cerrno>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink/interface_address.h"
#include "netlink/route_policy.h"

namespace kipvs::netlink {

DummyLink::DummyLink(NetlinkSocket socket, std::string name, int index)
	: socket_(std::move(socket)), name_(std::move(name)), index_(index)
{
}

Result<int> DummyLink::lookup(NetlinkSocket &route, const std::string &name)
{
	struct ifinfomsg ifi = {};
	Message request = Message::withHeader(RTM_GETLINK, 0, &ifi, sizeof(ifi),
					      route_policy::link());
	request.putString(IFLA_IFNAME, name);
	int index = 0;
	auto result = route.request(request, [&](size_t, const struct nlmsghdr *nlh) -> Result<void> {
		if (nlh->nlmsg_type != RTM_NEWLINK ||
		    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg))
			return Error(EPROTO, "parse link message (unexpected reply)");
		index = static_cast<const struct ifinfomsg *>(NLMSG_DATA(nlh))->ifi_index;
		return {};
	});
	if (!result)
		return Error(result.error().code(), "find link", name, result.error().kernelMessage());
	if (!index)
		return Error(EPROTO, "find link (no index in the reply)", name);
	return index;
}

Result<DummyLink> DummyLink::find(const std::string &name)
{
	auto route = NetlinkSocket::open(NETLINK_ROUTE);
	if (!route)
		return route.error();
	auto index = lookup(*route, name);
	if (!index)
		return index.error();
	return DummyLink(std::move(*route), name, *index);
}

Result<DummyLink> DummyLink::ensure(const std::string &name)
{
	auto route = NetlinkSocket::open(NETLINK_ROUTE);
	if (!route)
		return route.error();
	if (auto index = lookup(*route, name))
		return DummyLink(std::move(*route), name, *index);
	else if (index.error().code() != ENODEV)
		return index.error();

	/* Down and NOARP: the addresses are there for local delivery, not for ARP. */
	struct ifinfomsg ifi = {};
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_flags = IFF_NOARP;
	ifi.ifi_change = IFF_NOARP | IFF_UP;
	Message request = Message::withHeader(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi,
					      sizeof(ifi), route_policy::link());
	request.putString(IFLA_IFNAME, name);
	{
		auto linkInfo = request.nest(IFLA_LINKINFO);
		request.putString(IFLA_INFO_KIND, "dummy");
	}
	auto created = route->request(request);
	/* EEXIST: someone else made it meanwhile, which is as good. */
	if (!created && created.error().code() != EEXIST)
		return Error(created.error().code(), "create dummy link", name,
			     created.error().kernelMessage());

	auto index = lookup(*route, name);
	if (!index)
		return index.error();
	return DummyLink(std::move(*route), name, *index);
}

Result<void> DummyLink::remove(const std::string &name)
{
	auto route = NetlinkSocket::open(NETLINK_ROUTE);
	if (!route)
		return route.error();
	struct ifinfomsg ifi = {};
	Message request = Message::withHeader(RTM_DELLINK, 0, &ifi, sizeof(ifi),
					      route_policy::link());
	request.putString(IFLA_IFNAME, name);
	auto result = route->request(request);
	if (!result)
		return Error(result.error().code(), "delete link", name,
			     result.error().kernelMessage());
	return {};
}

Result<std::vector<IpAddress>> DummyLink::addresses()
{
	auto listed = listInterfaceAddresses(socket_, index_);
	if (!listed)
		return Error(listed.error().code(), "list addresses of", name_,
			     listed.error().kernelMessage());
	std::vector<IpAddress> result;
	result.reserve(listed->size());
	for (const InterfaceAddress &address : *listed)
		result.push_back(address.prefix.address());
	return result;
}

std::vector<Result<void>> DummyLink::changeAddresses(uint16_t type, uint16_t flags,
						     const std::vector<IpAddress> &addresses,
						     const char *operation)
{
	/*
	 * The requests are built and sent this many at a time: a cold start
	 * binds one address per service, and building them all at once held
	 * megabytes for nothing (docs/benchmarks.md).
	 */
	constexpr size_t kChunk = 256;
	/* The header, ifaddrmsg and two addresses of at most 16 bytes. */
	constexpr size_t kCapacity = 128;

	std::vector<Result<void>> results;
	results.reserve(addresses.size());
	std::vector<Message> requests;
	for (size_t first = 0; first < addresses.size(); first += kChunk) {
		size_t last = std::min(addresses.size(), first + kChunk);
		requests.clear();
		for (size_t i = first; i < last; i++) {
			const IpAddress &address = addresses[i];
			struct ifaddrmsg ifa = {};
			ifa.ifa_family = static_cast<uint8_t>(address.family());
			ifa.ifa_prefixlen = static_cast<uint8_t>(address.size() * 8);
			ifa.ifa_scope = RT_SCOPE_UNIVERSE;
			ifa.ifa_index = static_cast<uint32_t>(index_);
			Message request = Message::withHeader(type, flags, &ifa, sizeof(ifa),
							      route_policy::address(), kCapacity);
			request.putBinary(IFA_LOCAL, address.data(), address.size());
			request.putBinary(IFA_ADDRESS, address.data(), address.size());
			requests.push_back(std::move(request));
		}
		for (Result<void> &result : socket_.transact(requests))
			results.push_back(std::move(result));
	}

	for (size_t i = 0; i < results.size(); i++) {
		if (results[i])
			continue;
		const Error &error = results[i].error();
		results[i] = Error(error.code(), operation,
				   addresses[i].toString() + " on " + name_, error.kernelMessage());
	}
	return results;
}

std::vector<Result<void>> DummyLink::addAddresses(const std::vector<IpAddress> &addresses)
{
	return changeAddresses(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, addresses, "add address");
}

std::vector<Result<void>> DummyLink::deleteAddresses(const std::vector<IpAddress> &addresses)
{
	return changeAddresses(RTM_DELADDR, 0, addresses, "delete address");
}

} /* namespace kipvs::netlink */
