/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every address on every interface, with the interface's name: how a node
 * finds its own addresses.
 */
#pragma once

#include <string>
#include <vector>

#include "base/address.h"
#include "base/error.h"
#include "netlink/netlink_socket.h"

namespace kipvs::netlink {

struct InterfaceAddress {
	std::string interface;
	int index = 0;
	/* The local address and its prefix length ("10.0.0.5/24"). */
	IpPrefix prefix;
};

/* All interfaces (index 0) or one; in the kernel's order. */
Result<std::vector<InterfaceAddress>> listInterfaceAddresses(NetlinkSocket &route,
							     int index = 0);
/* The same over a route socket of its own. */
Result<std::vector<InterfaceAddress>> listInterfaceAddresses();

/* The parts of an RTM_NEWADDR message; EPROTO when malformed. */
Result<InterfaceAddress> parseAddressMessage(const struct nlmsghdr *message);

} /* namespace kipvs::netlink */
