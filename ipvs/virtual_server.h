/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What IPVS holds: virtual servers (services) and their real servers
 * (destinations), as values.
 */
#pragma once

#include <cstdint>
#include <string>

#include "netlink/address.h"

namespace kipvs::ipvs {

enum class Protocol : uint16_t {
	None = 0, /* a firewall-mark service */
	Tcp = 6,
	Udp = 17,
	Sctp = 132,
};

/* "TCP", "UDP", "SCTP", as ipvsadm prints them. */
const char *protocolName(Protocol protocol);

/* The identity the kernel keys a virtual server by. */
struct ServiceKey {
	int family = AF_INET;
	Protocol protocol = Protocol::Tcp;
	IpAddress address;
	uint16_t port = 0;
	uint32_t fwmark = 0;

	bool isFwmark() const { return fwmark != 0; }
	/* "TCP 10.0.0.1:80", "UDP [fd00::1]:53", "FWM 7": names the object in errors. */
	std::string toString() const;

	auto operator<=>(const ServiceKey &) const = default;
};

} /* namespace kipvs::ipvs */
