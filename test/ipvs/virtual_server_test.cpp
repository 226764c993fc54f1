/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual server identities and how errors name them.
 */
#include <catch2/catch.hpp>

#include "ipvs/virtual_server.h"

using namespace kipvs;
using namespace kipvs::ipvs;

TEST_CASE("a service key names itself as ipvsadm would", "[ipvs]")
{
	ServiceKey tcp{ AF_INET, Protocol::Tcp, *IpAddress::parse("10.96.0.1"), 443, 0 };
	CHECK(tcp.toString() == "TCP 10.96.0.1:443");

	ServiceKey udp6{ AF_INET6, Protocol::Udp, *IpAddress::parse("fd00::a"), 53, 0 };
	CHECK(udp6.toString() == "UDP [fd00::a]:53");

	ServiceKey mark{ AF_INET6, Protocol::None, {}, 0, 7 };
	CHECK(mark.toString() == "FWM 7 IPv6");
	CHECK(std::string(protocolName(Protocol::Sctp)) == "SCTP");
}
