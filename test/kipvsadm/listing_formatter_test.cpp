/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's number scaling and row layouts.
 */
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include "ipvs/kipvsadm/listing_formatter.h"

using namespace kipvs;
using namespace kipvs::ipvsadm;

namespace {

std::string largeNumber(uint64_t value, bool exact = false)
{
	Output out;
	ListingFormatter::largeNumber(out, value, exact);
	return out.text();
}

/* Names without DNS: numeric, whatever the format says. */
class NumericResolver : public NameResolver
{
public:
	NumericResolver() : NameResolver(true) {}
};

std::string render(const ListFormat &format, const ipvs::VirtualServer &service,
		   const std::vector<ipvs::RealServer> &reals)
{
	NumericResolver resolver;
	ListingFormatter formatter(format, resolver);
	Output out;
	formatter.service(out, service, reals);
	return out.text();
}

ipvs::RealServer real(const char *address, uint16_t port, ipvs::ForwardMethod method)
{
	ipvs::RealServer r;
	r.address = *IpAddress::parse(address);
	r.family = r.address.family();
	r.port = port;
	r.method = method;
	return r;
}

} /* namespace */

TEST_CASE("largenum scales by thousands and truncates", "[kipvsadm]")
{
	CHECK(largeNumber(0) == "        0");
	CHECK(largeNumber(99999999) == " 99999999");
	CHECK(largeNumber(100000000) == "  100000K");
	CHECK(largeNumber(999999999) == "  999999K");
	CHECK(largeNumber(1000000000) == "    1000M");
	CHECK(largeNumber(99999999999ULL) == "   99999M");
	CHECK(largeNumber(100000000000ULL) == "     100G");
	CHECK(largeNumber(99999999999999ULL) == "   99999G");
	CHECK(largeNumber(100000000000000ULL) == "     100T");
	CHECK(largeNumber(18446744073709551615ULL) == "18446744T");
}

TEST_CASE("--exact widens the column to the number", "[kipvsadm]")
{
	CHECK(largeNumber(0, true) == "        0");
	CHECK(largeNumber(12345678, true) == " 12345678");
	CHECK(largeNumber(123456789, true) == " 123456789");
	CHECK(largeNumber(18446744073709551615ULL, true) == " 18446744073709551615");
}

TEST_CASE("the version line", "[kipvsadm]")
{
	Output out;
	ListingFormatter::versionLine(out, 0x010201, 4096);
	CHECK(out.text() == "IP Virtual Server version 1.2.1 (size=4096)\n");
}

TEST_CASE("scheduler flags are named per scheduler", "[kipvsadm]")
{
	CHECK(schedulerFlagNames("sh", 0x18) == "sh-fallback,sh-port");
	CHECK(schedulerFlagNames("mh", 0x10) == "mh-port");
	CHECK(schedulerFlagNames("sh", 0x20) == "");
	CHECK(schedulerFlagNames("rr", 0x38) == "flag-1,flag-2,flag-3");
}

TEST_CASE("tunnel information and tunnel rules", "[kipvsadm]")
{
	ipvs::VirtualServer service;
	service.key = { AF_INET, ipvs::Protocol::Tcp, *IpAddress::parse("10.0.0.11"), 80, 0 };
	service.scheduler = "dh";

	ipvs::RealServer gue = real("10.6.0.5", 80, ipvs::ForwardMethod::Tunnel);
	gue.tunnelType = ipvs::TunnelType::Gue;
	gue.tunnelPort = 65535;
	gue.tunnelFlags = ipvs::TunnelFlag::RemoteChecksum;
	ipvs::RealServer gre = real("10.6.0.6", 80, ipvs::ForwardMethod::Tunnel);
	gre.tunnelType = ipvs::TunnelType::Gre;
	gre.tunnelFlags = ipvs::TunnelFlag::Checksum;
	ipvs::RealServer masq = real("10.6.0.9", 8080, ipvs::ForwardMethod::Masq);

	ListFormat tunInfo;
	tunInfo.tunInfo = true;
	CHECK(render(tunInfo, service, { gue, gre, masq }) ==
	      "TCP  10.0.0.11:80 dh\n"
	      "  -> 10.6.0.5:80                  Tunnel  gue:65535:r+c 1      0          0         \n"
	      "  -> 10.6.0.6:80                  Tunnel  gre:+c        1      0          0         \n"
	      "  -> 10.6.0.9:8080                Masq    n/a           1      0          0         \n");

	ListFormat rule;
	rule.rule = true;
	CHECK(render(rule, service, { gue, gre, masq }) ==
	      "-A -t 10.0.0.11:80 -s dh\n"
	      "-a -t 10.0.0.11:80 -r 10.6.0.5:80 -i -w 1 --tun-type gue --tun-port 65535 --tun-remcsum\n"
	      "-a -t 10.0.0.11:80 -r 10.6.0.6:80 -i -w 1 --tun-type gre --tun-csum\n"
	      "-a -t 10.0.0.11:80 -r 10.6.0.9:8080 -m -w 1\n");
}

TEST_CASE("service rows: persistence, masks, engines, ops, flags", "[kipvsadm]")
{
	ipvs::VirtualServer service;
	service.key = { AF_INET, ipvs::Protocol::Udp, *IpAddress::parse("10.0.0.10"), 5060, 0 };
	service.scheduler = "sh";
	service.flags = ipvs::ServiceFlag::Persistent | ipvs::ServiceFlag::OnePacket | 0x18;
	service.timeout = 60;
	service.netmask = htonl(0xffffff00);
	service.persistenceEngine = "sip";

	CHECK(render({}, service, {}) ==
	      "UDP  10.0.0.10:5060 sh (sh-fallback,sh-port) persistent 60 mask 255.255.255.0 pe sip ops\n");
	/* Without persistence the listing hides the engine; -S still saves it. */
	ipvs::VirtualServer plain = service;
	plain.flags = ipvs::ServiceFlag::OnePacket;
	CHECK(render({}, plain, {}) == "UDP  10.0.0.10:5060 sh ops\n");
	ListFormat rule;
	rule.rule = true;
	CHECK(render(rule, service, {}) ==
	      "-A -u 10.0.0.10:5060 -s sh -p 60 -M 255.255.255.0 --pe sip -o -b sh-fallback,sh-port\n");

	ipvs::VirtualServer mark;
	mark.key = { AF_INET6, ipvs::Protocol::None, {}, 0, 4294967295u };
	mark.flags = ipvs::ServiceFlag::Persistent;
	mark.timeout = 120;
	mark.netmask = 48;
	CHECK(render({}, mark, {}) == "FWM  -1 IPv6 rr persistent 120 mask 48\n");
	CHECK(render(rule, mark, {}) == "-A -f -1 -6 -s rr -p 120 -M 48\n");
}

TEST_CASE("stats rows: 64-bit services, 32-bit real servers unless --stats64", "[kipvsadm]")
{
	ipvs::VirtualServer service;
	service.key = { AF_INET, ipvs::Protocol::Tcp, *IpAddress::parse("10.0.0.1"), 80, 0 };
	service.stats64.connections = 5000000000ULL;
	service.stats64.inBytes = 123456789012ULL;

	ipvs::RealServer r = real("10.1.0.1", 80, ipvs::ForwardMethod::Masq);
	r.stats.connections = 705032704; /* 5000000000 mod 2^32 */
	r.stats64.connections = 5000000000ULL;
	r.stats.inPps = 7;

	ListFormat stats;
	stats.stats = true;
	CHECK(render(stats, service, { r }) ==
	      "TCP  10.0.0.1:80                     5000M        0        0     123G        0\n"
	      "  -> 10.1.0.1:80                   705032K        0        0        0        0\n");
	stats.stats64 = true;
	CHECK(render(stats, service, { r }) ==
	      "TCP  10.0.0.1:80                     5000M        0        0     123G        0\n"
	      "  -> 10.1.0.1:80                     5000M        0        0        0        0\n");

	ListFormat rate;
	rate.rate = true;
	CHECK(render(rate, service, { r }) ==
	      "TCP  10.0.0.1:80                         0        0        0        0        0\n"
	      "  -> 10.1.0.1:80                         0        7        0        0        0\n");
}

TEST_CASE("IPv4 names are cut to their columns, IPv6 ones are not", "[kipvsadm]")
{
	ipvs::VirtualServer service;
	service.key = { AF_INET, ipvs::Protocol::Tcp, *IpAddress::parse("10.0.0.1"), 80, 0 };
	ipvs::RealServer v6 = real("fd00:1234:5678:9abc:def0:1234:5678:9abc", 65535,
				   ipvs::ForwardMethod::Tunnel);
	/* Under an IPv4 service too: ipvsadm 1.31 cuts by the real server's family. */
	CHECK(render({}, service, { v6 }) ==
	      "TCP  10.0.0.1:80 rr\n"
	      "  -> [fd00:1234:5678:9abc:def0:1234:5678:9abc]:65535 Tunnel  1      0          0         \n");
}
