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

TEST_CASE("configuration equality ignores the hashed flag and counters", "[ipvs]")
{
	VirtualServer wanted;
	wanted.key = { AF_INET, Protocol::Tcp, *IpAddress::parse("10.96.0.1"), 443, 0 };
	VirtualServer kernel = wanted;
	kernel.flags |= ServiceFlag::Hashed;
	kernel.stats.connections = 12;
	CHECK(wanted.sameConfig(kernel));
	kernel.scheduler = "wrr";
	CHECK_FALSE(wanted.sameConfig(kernel));

	RealServer endpoint;
	endpoint.address = *IpAddress::parse("10.244.1.5");
	endpoint.port = 8080;
	RealServer draining = endpoint;
	draining.activeConnections = 3;
	CHECK(endpoint.sameConfig(draining));
	draining.weight = 0;
	CHECK_FALSE(endpoint.sameConfig(draining));
	CHECK(endpoint.toString() == "10.244.1.5:8080");
}
