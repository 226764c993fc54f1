/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPVS messages round-trip: values encoded with the policy tables, parsed
 * back with the same tables, field for field; malformed replies refused.
 */
#include <cerrno>
#include <cstring>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "ipvs/codec.h"
#include "ipvs/ipvs_policy.h"

using namespace kipvs;
using namespace kipvs::ipvs;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

Stats counters(uint64_t base)
{
	Stats stats;
	stats.connections = base + 1;
	stats.inPackets = base + 2;
	stats.outPackets = base + 3;
	stats.inBytes = base + 4 + (1ull << 40);
	stats.outBytes = base + 5 + (1ull << 41);
	stats.cps = base + 6;
	stats.inPps = base + 7;
	stats.outPps = base + 8;
	stats.inBps = base + 9;
	stats.outBps = base + 10;
	return stats;
}

Stats wide(uint64_t base)
{
	Stats stats = counters(base);
	stats.connections += 1ull << 33; /* beyond 32 bits: only STATS64 holds it */
	return stats;
}

netlink::Attributes top(const netlink::Message &message,
			const netlink::AttributeTable &table = policy::command())
{
	REQUIRE(message.status().ok());
	auto attributes = codec::parseReply(message.header(), table);
	REQUIRE(attributes.ok());
	return *attributes;
}

void checkService(const VirtualServer &service)
{
	netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
	codec::putService(message, service, true);
	auto parsed = codec::parseService(top(message));
	REQUIRE(parsed.ok());
	CHECK(parsed->key == service.key);
	CHECK(parsed->sameConfig(service));
	CHECK(parsed->flags == service.flags);
	CHECK(parsed->stats == service.stats);
	CHECK(parsed->stats64 == service.stats64);
}

} /* namespace */

TEST_CASE("virtual servers round-trip with every attribute", "[codec]")
{
	VirtualServer tcp;
	tcp.key = { AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	tcp.scheduler = "wlc";
	tcp.flags = ServiceFlag::Persistent | ServiceFlag::OnePacket;
	tcp.timeout = 300;
	tcp.netmask = htonl(0xffffff00);
	tcp.stats = counters(100);
	tcp.stats.connections &= 0xffffffff;
	tcp.stats64 = wide(200);
	checkService(tcp);

	VirtualServer udp6;
	udp6.key = { AF_INET6, Protocol::Udp, ip("fd00::1"), 53, 0 };
	udp6.scheduler = "sh";
	udp6.flags = ServiceFlag::Sched1 | ServiceFlag::Sched2 | ServiceFlag::Sched3;
	udp6.netmask = 64;
	checkService(udp6);

	VirtualServer sctp;
	sctp.key = { AF_INET, Protocol::Sctp, ip("10.0.0.9"), 9, 0 };
	sctp.scheduler = "mh";
	checkService(sctp);

	VirtualServer fwmark;
	fwmark.key = { AF_INET6, Protocol::None, IpAddress(), 0, 0xffffffff };
	fwmark.scheduler = "lc";
	fwmark.flags = ServiceFlag::Persistent;
	fwmark.timeout = 60;
	fwmark.netmask = 128;
	fwmark.persistenceEngine = "sip";
	checkService(fwmark);
}

TEST_CASE("the kernel-owned Hashed flag is never sent", "[codec]")
{
	VirtualServer service;
	service.key = { AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	service.flags = ServiceFlag::Hashed | ServiceFlag::OnePacket;
	netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
	codec::putService(message, service);
	auto parsed = codec::parseService(top(message));
	REQUIRE(parsed.ok());
	CHECK(parsed->flags == ServiceFlag::OnePacket);
}

TEST_CASE("an IPv6 service's default host mask goes out as 128 bits", "[codec]")
{
	VirtualServer service;
	service.key = { AF_INET6, Protocol::Tcp, ip("fd00::1"), 80, 0 };
	netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
	codec::putService(message, service);
	CHECK(codec::parseService(top(message))->netmask == 128u);
}

TEST_CASE("real servers round-trip with every attribute", "[codec]")
{
	RealServer gue;
	gue.address = ip("10.1.0.3");
	gue.port = 8080;
	gue.family = AF_INET;
	gue.method = ForwardMethod::Tunnel;
	gue.weight = 7;
	gue.upperThreshold = 100;
	gue.lowerThreshold = 10;
	gue.tunnelType = TunnelType::Gue;
	gue.tunnelPort = 6080;
	gue.tunnelFlags = TunnelFlag::Checksum | TunnelFlag::RemoteChecksum;
	gue.activeConnections = 3;
	gue.inactiveConnections = 4;
	gue.persistentConnections = 5;
	gue.stats = counters(10);
	gue.stats64 = wide(20);

	RealServer mixed; /* an IPv6 tunnel endpoint behind an IPv4 service */
	mixed.address = ip("fd00::9");
	mixed.port = 80;
	mixed.family = AF_INET6;
	mixed.method = ForwardMethod::Tunnel;
	mixed.tunnelType = TunnelType::Gre;
	mixed.weight = 0;

	RealServer route;
	route.address = ip("10.1.0.5");
	route.port = 80;
	route.method = ForwardMethod::Route;
	route.weight = -1; /* the kernel stores an int */

	for (const RealServer &destination : { gue, mixed, route }) {
		netlink::Message message = codec::request(42, IPVS_CMD_NEW_DEST);
		codec::putServiceKey(message, { AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 });
		codec::putDestination(message, destination, true, true);
		auto parsed = codec::parseDestination(top(message), AF_INET);
		REQUIRE(parsed.ok());
		CHECK(parsed->sameConfig(destination));
		CHECK(parsed->activeConnections == destination.activeConnections);
		CHECK(parsed->inactiveConnections == destination.inactiveConnections);
		CHECK(parsed->persistentConnections == destination.persistentConnections);
		CHECK(parsed->stats == destination.stats);
		CHECK(parsed->stats64 == destination.stats64);
	}
}

TEST_CASE("a delete names the real server by address and port alone", "[codec]")
{
	RealServer destination;
	destination.address = ip("10.1.0.1");
	destination.port = 80;
	netlink::Message message = codec::request(42, IPVS_CMD_DEL_DEST);
	codec::putDestination(message, destination, false);
	auto attributes = top(message).nested(IPVS_CMD_ATTR_DEST);
	REQUIRE(attributes.ok());
	CHECK(attributes->has(IPVS_DEST_ATTR_ADDR));
	CHECK(attributes->has(IPVS_DEST_ATTR_PORT));
	CHECK_FALSE(attributes->has(IPVS_DEST_ATTR_FWD_METHOD));
	CHECK_FALSE(attributes->has(IPVS_DEST_ATTR_WEIGHT));
}

TEST_CASE("sync daemons, info and timeouts round-trip", "[codec]")
{
	SyncDaemon daemon;
	daemon.role = SyncDaemon::Role::Backup;
	daemon.multicastInterface = "eth0";
	daemon.syncId = 9;
	daemon.syncMaxLength = 1472;
	daemon.multicastGroup = ip("224.0.0.81");
	daemon.multicastPort = 8848;
	daemon.multicastTtl = 2;
	netlink::Message message = codec::request(42, IPVS_CMD_NEW_DAEMON);
	codec::putDaemon(message, daemon);
	auto parsed = codec::parseDaemon(top(message));
	REQUIRE(parsed.ok());
	CHECK(parsed->role == daemon.role);
	CHECK(parsed->multicastInterface == "eth0");
	CHECK(parsed->syncId == 9u);
	CHECK(parsed->syncMaxLength == 1472);
	CHECK(parsed->multicastGroup == daemon.multicastGroup);
	CHECK(parsed->multicastPort == 8848);
	CHECK(parsed->multicastTtl == 2);

	netlink::Message info = netlink::Message::generic(42, IPVS_CMD_GET_INFO, 1, 0, policy::info());
	info.putU32(IPVS_INFO_ATTR_VERSION, 0x010201);
	info.putU32(IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
	auto parsedInfo = codec::parseInfo(top(info, policy::info()));
	REQUIRE(parsedInfo.ok());
	CHECK(parsedInfo->version == 0x010201u);
	CHECK(parsedInfo->connectionTableSize == 4096u);

	netlink::Message config = codec::request(42, IPVS_CMD_SET_CONFIG);
	codec::putTimeouts(config, { 900, 120, 300 });
	auto timeouts = codec::parseTimeouts(top(config));
	REQUIRE(timeouts.ok());
	CHECK(timeouts->tcp == 900u);
	CHECK(timeouts->tcpFin == 120u);
	CHECK(timeouts->udp == 300u);
}

TEST_CASE("malformed IPVS replies are refused", "[codec]")
{
	SECTION("a service without its family")
	{
		netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
		{
			auto nest = message.nest(IPVS_CMD_ATTR_SERVICE);
			message.putU32(IPVS_SVC_ATTR_FWMARK, 1);
		}
		CHECK(codec::parseService(top(message)).error().code() == EPROTO);
	}
	SECTION("a service without a scheduler")
	{
		netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
		codec::putServiceKey(message, { AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 });
		CHECK(codec::parseService(top(message)).error().code() == EPROTO);
	}
	SECTION("no service at all")
	{
		netlink::Message message = codec::request(42, IPVS_CMD_NEW_SERVICE);
		CHECK(codec::parseService(top(message)).error().code() == ENOENT);
	}
	SECTION("a destination without a weight")
	{
		RealServer destination;
		destination.address = ip("10.1.0.1");
		netlink::Message message = codec::request(42, IPVS_CMD_DEL_DEST);
		codec::putDestination(message, destination, false);
		CHECK(codec::parseDestination(top(message), AF_INET).error().code() == EPROTO);
	}
	SECTION("a port of the wrong width")
	{
		/* Built by hand: the table would refuse to build it. */
		struct {
			struct nlmsghdr nlh;
			struct genlmsghdr genl;
			struct nlattr service;
			struct nlattr port;
			uint32_t value;
		} raw = {};
		raw.nlh.nlmsg_len = sizeof(raw);
		raw.service = { static_cast<uint16_t>(sizeof(raw) - offsetof(decltype(raw), service)),
				IPVS_CMD_ATTR_SERVICE };
		raw.port = { NLA_HDRLEN + 4, IPVS_SVC_ATTR_PORT };
		auto attributes = codec::parseReply(&raw.nlh, policy::command());
		REQUIRE(attributes.ok());
		CHECK(codec::parseService(*attributes).error().code() == EPROTO);
	}
}
