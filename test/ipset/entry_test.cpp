/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entries print as `ipset save` prints them and parse back to themselves.
 */
#include <cerrno>

#include <catch2/catch.hpp>

#include "ipset/entry.h"

using kipvs::IpAddress;
using kipvs::IpPrefix;
using kipvs::ipset::Entry;
using kipvs::ipset::Protocol;
using kipvs::ipset::SetType;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

IpPrefix net(const char *text)
{
	return *IpPrefix::parse(text);
}

/* text parses, prints back identically, and equals `expected`. */
void roundTrip(SetType type, const char *text, const Entry &expected)
{
	INFO(text);
	auto parsed = Entry::parse(type, text);
	REQUIRE(parsed.ok());
	CHECK(*parsed == expected);
	CHECK(parsed->toString() == text);
	CHECK(expected.toString() == text);
	CHECK(std::hash<Entry>()(*parsed) == std::hash<Entry>()(expected));
}

} /* namespace */

TEST_CASE("hash:ip entries round-trip in both families", "[ipset]")
{
	roundTrip(SetType::HashIp, "10.96.0.10", Entry::ip(ip("10.96.0.10")));
	roundTrip(SetType::HashIp, "fd00::a", Entry::ip(ip("fd00::a")));
	roundTrip(SetType::HashIp, "::ffff:1.2.3.4", Entry::ip(ip("::ffff:1.2.3.4")));
	CHECK(Entry::parse(SetType::HashIp, "10.96.0.10")->family() == AF_INET);
	CHECK(Entry::parse(SetType::HashIp, "fd00::a")->family() == AF_INET6);
}

TEST_CASE("hash:ip,port entries round-trip for tcp, udp and sctp", "[ipset]")
{
	roundTrip(SetType::HashIpPort, "10.96.0.10,tcp:53",
		  Entry::ipPort(ip("10.96.0.10"), Protocol::Tcp, 53));
	roundTrip(SetType::HashIpPort, "10.96.0.10,udp:53",
		  Entry::ipPort(ip("10.96.0.10"), Protocol::Udp, 53));
	roundTrip(SetType::HashIpPort, "192.168.1.2,sctp:30000",
		  Entry::ipPort(ip("192.168.1.2"), Protocol::Sctp, 30000));
	roundTrip(SetType::HashIpPort, "fd00::10,tcp:53",
		  Entry::ipPort(ip("fd00::10"), Protocol::Tcp, 53));
	roundTrip(SetType::HashIpPort, "2001:db8::1:0:0:1,sctp:9",
		  Entry::ipPort(ip("2001:db8::1:0:0:1"), Protocol::Sctp, 9));
	roundTrip(SetType::HashIpPort, "10.0.0.1,udp:65535",
		  Entry::ipPort(ip("10.0.0.1"), Protocol::Udp, 65535));
	roundTrip(SetType::HashIpPort, "10.0.0.1,tcp:0", Entry::ipPort(ip("10.0.0.1"), Protocol::Tcp, 0));
}

TEST_CASE("hash:ip,port,ip entries round-trip", "[ipset]")
{
	roundTrip(SetType::HashIpPortIp, "10.244.1.5,tcp:8080,10.244.1.5",
		  Entry::ipPortIp(ip("10.244.1.5"), Protocol::Tcp, 8080, ip("10.244.1.5")));
	roundTrip(SetType::HashIpPortIp, "fd00::1,udp:80,fd00::1",
		  Entry::ipPortIp(ip("fd00::1"), Protocol::Udp, 80, ip("fd00::1")));
}

TEST_CASE("hash:ip,port,net entries round-trip, host networks without a length", "[ipset]")
{
	roundTrip(SetType::HashIpPortNet, "10.0.0.1,tcp:80,10.244.0.0/16",
		  Entry::ipPortNet(ip("10.0.0.1"), Protocol::Tcp, 80, net("10.244.0.0/16")));
	roundTrip(SetType::HashIpPortNet, "10.0.0.1,tcp:80,10.1.1.1",
		  Entry::ipPortNet(ip("10.0.0.1"), Protocol::Tcp, 80, net("10.1.1.1/32")));
	roundTrip(SetType::HashIpPortNet, "10.0.0.1,tcp:80,0.0.0.0/1",
		  Entry::ipPortNet(ip("10.0.0.1"), Protocol::Tcp, 80, net("0.0.0.0/1")));
	roundTrip(SetType::HashIpPortNet, "fd00::1,tcp:80,fd00:1::/64",
		  Entry::ipPortNet(ip("fd00::1"), Protocol::Tcp, 80, net("fd00:1::/64")));
	roundTrip(SetType::HashIpPortNet, "fd00::1,sctp:80,fd00:1::5",
		  Entry::ipPortNet(ip("fd00::1"), Protocol::Sctp, 80, net("fd00:1::5/128")));
}

TEST_CASE("hash:net entries round-trip", "[ipset]")
{
	roundTrip(SetType::HashNet, "10.0.0.0/8", Entry::net(net("10.0.0.0/8")));
	roundTrip(SetType::HashNet, "10.1.1.1", Entry::net(net("10.1.1.1/32")));
	roundTrip(SetType::HashNet, "fd00::/8", Entry::net(net("fd00::/8")));
	roundTrip(SetType::HashNet, "fd01::1", Entry::net(net("fd01::1/128")));
}

TEST_CASE("bitmap:port entries are bare port numbers", "[ipset]")
{
	roundTrip(SetType::BitmapPort, "30080", Entry::port(30080));
	roundTrip(SetType::BitmapPort, "0", Entry::port(0));
	roundTrip(SetType::BitmapPort, "65535", Entry::port(65535));
	CHECK(Entry::port(1).family() == AF_UNSPEC);
}

TEST_CASE("networks are stored masked, as the kernel stores them", "[ipset]")
{
	auto parsed = Entry::parse(SetType::HashIpPortNet, "10.0.0.1,tcp:80,10.244.1.5/16");
	REQUIRE(parsed.ok());
	CHECK(parsed->toString() == "10.0.0.1,tcp:80,10.244.0.0/16");
	CHECK(Entry::net(net("10.1.2.3/8")) == Entry::net(net("10.0.0.0/8")));
	CHECK(Entry::net(net("fd00:1:ffff::3/33")).toString() == "fd00:1:8000::/33");
	CHECK(Entry::net(net("10.255.255.255/9")).toString() == "10.128.0.0/9");
	CHECK(*Entry::parse(SetType::HashNet, "10.2.2.2/32") == Entry::net(net("10.2.2.2/32")));
}

TEST_CASE("lenient input normalises to what ipset prints", "[ipset]")
{
	/* ipset reads a bare port as TCP, and bitmap:port ignores the protocol. */
	CHECK(Entry::parse(SetType::HashIpPort, "10.96.0.10,80")->toString() == "10.96.0.10,tcp:80");
	CHECK(Entry::parse(SetType::BitmapPort, "tcp:30081")->toString() == "30081");
	CHECK(Entry::parse(SetType::HashIp, "fd00:0:0::1")->toString() == "fd00::1");
}

TEST_CASE("entries of different types or fields differ", "[ipset]")
{
	Entry a = Entry::ipPort(ip("10.0.0.1"), Protocol::Tcp, 80);
	CHECK(a != Entry::ipPort(ip("10.0.0.1"), Protocol::Udp, 80));
	CHECK(a != Entry::ipPort(ip("10.0.0.1"), Protocol::Tcp, 81));
	CHECK(a != Entry::ipPortIp(ip("10.0.0.1"), Protocol::Tcp, 80, ip("10.0.0.1")));
	CHECK(Entry::ip(ip("10.0.0.1")) != Entry::net(net("10.0.0.1/32")));
}

TEST_CASE("malformed entries are EINVAL errors that quote the text and the reason", "[ipset]")
{
	struct Case {
		SetType type;
		const char *text;
		const char *reason;
	};
	const Case cases[] = {
		{ SetType::HashIp, "garbage", "not an IP address" },
		{ SetType::HashIp, "10.0.0.1,tcp:80", "1 comma-separated part" },
		{ SetType::HashIp, "", "not an IP address" },
		{ SetType::HashIp, "10.0.0.0/24", "not an IP address" },
		{ SetType::HashIpPort, "10.0.0.1", "2 comma-separated part" },
		{ SetType::HashIpPort, "10.0.0.1,icmp:8", "is not tcp, udp or sctp" },
		{ SetType::HashIpPort, "10.0.0.1,tcp:http", "is not a port number" },
		{ SetType::HashIpPort, "10.0.0.1,tcp:65536", "is not a port number" },
		{ SetType::HashIpPort, "10.0.0.1,tcp:-1", "is not a port number" },
		{ SetType::HashIpPort, "10.0.0.1,tcp:", "is not a port number" },
		{ SetType::HashIpPort, "10.0.0.1 ,tcp:1", "not an IP address" },
		{ SetType::HashIpPortIp, "10.0.0.1,tcp:80,fd00::1", "different families" },
		{ SetType::HashIpPortIp, "10.0.0.1,tcp:80", "3 comma-separated part" },
		{ SetType::HashIpPortIp, "10.0.0.1,tcp:80,1.1.1.1,2", "3 comma-separated part" },
		{ SetType::HashIpPortNet, "10.0.0.1,tcp:80,0.0.0.0/0", "network length /0" },
		{ SetType::HashIpPortNet, "10.0.0.1,tcp:80,10.0.0.0/33", "not an IP network" },
		{ SetType::HashNet, "::/0", "network length /0" },
		{ SetType::HashNet, "10.0.0.0/x", "not an IP network" },
		{ SetType::BitmapPort, "http", "is not a port number" },
		{ SetType::BitmapPort, "1,2", "1 comma-separated part" },
	};
	for (const Case &c : cases) {
		INFO(c.text);
		auto parsed = Entry::parse(c.type, c.text);
		REQUIRE_FALSE(parsed.ok());
		CHECK(parsed.error().code() == EINVAL);
		CHECK_THAT(parsed.error().message(), Catch::Contains(c.reason));
		CHECK_THAT(parsed.error().message(), Catch::Contains(std::string("'") + c.text + "'"));
	}
}

TEST_CASE("validate() catches what the factories let through", "[ipset]")
{
	CHECK(Entry::ipPort(ip("10.0.0.1"), Protocol::Tcp, 80).validate().ok());
	CHECK(Entry::port(80).validate().ok());

	auto noProtocol = Entry::ipPort(ip("10.0.0.1"), Protocol::None, 80).validate();
	REQUIRE_FALSE(noProtocol.ok());
	CHECK_THAT(noProtocol.error().message(), Catch::Contains("no protocol"));

	auto mixed = Entry::ipPortNet(ip("10.0.0.1"), Protocol::Tcp, 80, net("fd00::/64")).validate();
	REQUIRE_FALSE(mixed.ok());
	CHECK(mixed.error().code() == EINVAL);

	CHECK_FALSE(Entry::ip(IpAddress()).validate().ok());
	CHECK_FALSE(Entry::net(net("10.0.0.0/0")).validate().ok());
}
