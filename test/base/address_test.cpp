/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IpAddress and IpPrefix parsing, printing and matching.
 */
#include <catch2/catch.hpp>

#include "base/address.h"

using kipvs::IpAddress;
using kipvs::IpPrefix;

TEST_CASE("IPv4 and IPv6 addresses parse and print canonically", "[address]")
{
	auto v4 = IpAddress::parse("10.96.0.10");
	REQUIRE(v4);
	CHECK(v4->isV4());
	CHECK(v4->toString() == "10.96.0.10");

	auto v6 = IpAddress::parse("fd00:0:0:0::0001");
	REQUIRE(v6);
	CHECK(v6->isV6());
	CHECK(v6->toString() == "fd00::1");
	CHECK(IpAddress::v4(0x0a000001) == *IpAddress::parse("10.0.0.1"));
}

TEST_CASE("malformed addresses are rejected", "[address]")
{
	for (const char *text : { "", "10.0.0", "10.0.0.256", " 10.0.0.1", "10.0.0.1 ",
				  "fd00::1::2", "hello", "10.0.0.1/32" })
		CHECK_FALSE(IpAddress::parse(text));
}

TEST_CASE("special ranges are recognised", "[address]")
{
	CHECK(IpAddress::parse("127.0.0.53")->isLoopback());
	CHECK(IpAddress::parse("::1")->isLoopback());
	CHECK(IpAddress::parse("169.254.1.1")->isLinkLocal());
	CHECK(IpAddress::parse("fe80::1")->isLinkLocal());
	CHECK_FALSE(IpAddress::parse("fd00::1")->isLinkLocal());
	CHECK(IpAddress::parse("0.0.0.0")->isUnspecified());
}

TEST_CASE("addresses order by family then bytes", "[address]")
{
	CHECK(*IpAddress::parse("10.0.0.1") < *IpAddress::parse("10.0.0.2"));
	CHECK(*IpAddress::parse("200.0.0.1") < *IpAddress::parse("::1"));
	CHECK(std::hash<IpAddress>{}(*IpAddress::parse("10.0.0.1")) ==
	      std::hash<IpAddress>{}(*IpAddress::parse("10.0.0.1")));
}

TEST_CASE("prefixes parse and match", "[prefix]")
{
	auto net = IpPrefix::parse("10.244.0.0/16");
	REQUIRE(net);
	CHECK(net->contains(*IpAddress::parse("10.244.3.7")));
	CHECK_FALSE(net->contains(*IpAddress::parse("10.245.0.1")));
	CHECK_FALSE(net->contains(*IpAddress::parse("fd00::1")));

	auto odd = IpPrefix::parse("192.168.1.128/25");
	REQUIRE(odd);
	CHECK(odd->contains(*IpAddress::parse("192.168.1.200")));
	CHECK_FALSE(odd->contains(*IpAddress::parse("192.168.1.100")));

	CHECK(IpPrefix::parse("fd00::1")->length() == 128);
	CHECK(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("1.2.3.4")));
	CHECK(IpPrefix::parse("fd00::/8")->toString() == "fd00::/8");

	for (const char *text : { "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "fd00::/129",
				  "/8", "10.0.0.0/8/8" })
		CHECK_FALSE(IpPrefix::parse(text));
}
