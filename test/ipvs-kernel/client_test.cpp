/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs::Client against the real kernel, in a network namespace of its own,
 * with `ipvsadm -Sn` as the oracle in both directions: what kipvs writes
 * ipvsadm reads, and what `ipvsadm -R` writes kipvs reads.
 */
#define CATCH_CONFIG_RUNNER
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include "ipvs/client.h"
#include "test/ipvs-kernel/save_format.h"
#include "test/kernel/kernel_test.h"

using namespace kipvs;
using namespace kipvs::ipvs;
using kipvs::test::capture;
using kipvs::test::saveLine;
using kipvs::test::sortedLines;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

Client openClient()
{
	auto client = Client::open();
	if (!client)
		FAIL(client.error().message());
	return std::move(client).value();
}

void clean()
{
	REQUIRE(std::system("ipvsadm -C") == 0);
}

struct Entry {
	VirtualServer service;
	std::vector<RealServer> destinations;
};

VirtualServer service(ServiceKey key, const char *scheduler, uint32_t flags = 0,
		      uint32_t timeout = 0, uint32_t netmask = 0xffffffff, const char *pe = "")
{
	VirtualServer s;
	s.key = key;
	s.scheduler = scheduler;
	s.flags = flags;
	s.timeout = timeout;
	s.netmask = netmask;
	s.persistenceEngine = pe;
	return s;
}

RealServer destination(const char *address, uint16_t port, ForwardMethod method, int32_t weight,
		       TunnelType tunnel = TunnelType::Ipip, uint16_t tunnelPort = 0,
		       uint16_t tunnelFlags = 0)
{
	RealServer d;
	d.address = ip(address);
	d.family = d.address.family();
	d.port = port;
	d.method = method;
	d.weight = weight;
	d.tunnelType = tunnel;
	d.tunnelPort = tunnelPort;
	d.tunnelFlags = tunnelFlags;
	return d;
}

/* Every kind of service and real server ipvsadm can save. */
std::vector<Entry> catalogue()
{
	using enum ForwardMethod;
	ServiceKey tcp{ AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	ServiceKey udp6{ AF_INET6, Protocol::Udp, ip("fd00::1"), 53, 0 };
	ServiceKey sctp{ AF_INET, Protocol::Sctp, ip("10.0.0.9"), 9, 0 };
	ServiceKey mark{ AF_INET, Protocol::None, {}, 0, 7 };
	ServiceKey mark6{ AF_INET6, Protocol::None, {}, 0, 8 };
	ServiceKey persistent6{ AF_INET6, Protocol::Tcp, ip("fd00::2"), 443, 0 };

	return {
		{ service(tcp, "rr"),
		  {
			  destination("10.1.0.1", 8080, Masq, 3),
			  destination("10.1.0.2", 80, Tunnel, 1, TunnelType::Ipip),
			  destination("10.1.0.3", 80, Tunnel, 1, TunnelType::Gue, 6080,
				      TunnelFlag::Checksum),
			  destination("10.1.0.4", 80, Tunnel, 1, TunnelType::Gre, 0,
				      TunnelFlag::Checksum),
			  destination("10.1.0.9", 80, Tunnel, 1, TunnelType::Gre, 0,
				      TunnelFlag::NoChecksum),
			  destination("10.1.0.6", 80, Tunnel, 2, TunnelType::Gue, 5555,
				      TunnelFlag::RemoteChecksum),
			  destination("10.1.0.10", 80, Tunnel, 2, TunnelType::Gue, 5556,
				      TunnelFlag::NoChecksum),
			  destination("10.1.0.5", 80, Route, 0),
			  destination("fd00::9", 80, Tunnel, 1, TunnelType::Ipip),
		  } },
		{ service(udp6, "sh",
			  ServiceFlag::Sched1 | ServiceFlag::Sched2 | ServiceFlag::Persistent |
				  ServiceFlag::OnePacket,
			  300, 64),
		  { destination("fd00::2", 53, Masq, 1), destination("fd00::3", 53, Route, 5) } },
		{ service(sctp, "mh", ServiceFlag::Sched1), { destination("10.1.0.7", 9, Masq, 1) } },
		{ service(mark, "wlc", ServiceFlag::Persistent, 60, htonl(0xffffff00), "sip"),
		  { destination("10.1.0.8", 0, Route, 1) } },
		{ service(mark6, "lc"), {} },
		{ service(persistent6, "wrr", ServiceFlag::Persistent, 3600, 128), {} },
	};
}

std::vector<std::string> expectedSave(const std::vector<Entry> &entries)
{
	std::string text;
	for (const Entry &entry : entries) {
		text += saveLine(entry.service) + "\n";
		for (const RealServer &d : entry.destinations)
			text += saveLine(entry.service.key, d) + "\n";
	}
	return sortedLines(text);
}

std::vector<Change> changesFor(const std::vector<Entry> &entries)
{
	std::vector<Change> changes;
	for (const Entry &entry : entries) {
		changes.push_back(Change::addVirtualServer(entry.service));
		for (const RealServer &d : entry.destinations)
			changes.push_back(Change::addRealServer(entry.service.key, d));
	}
	return changes;
}

void requireAllOk(const std::vector<Result<void>> &results)
{
	for (const auto &result : results)
		if (!result)
			FAIL(result.error().message());
}

/* A normalised view of a kernel service for comparison with the wanted one. */
bool matches(const VirtualServer &got, const VirtualServer &want)
{
	VirtualServer normal = want;
	if (normal.key.family == AF_INET6 && normal.netmask == 0xffffffff)
		normal.netmask = 128;
	return got.sameConfig(normal);
}

} /* namespace */

TEST_CASE("info and timeouts agree with ipvsadm", "[ipvs]")
{
	clean();
	Client client = openClient();
	auto info = client.getInfo();
	REQUIRE(info.ok());
	CHECK(info->version == 0x010201u);
	std::string header = capture("ipvsadm -Ln | head -1");
	CHECK(header == "IP Virtual Server version 1.2.1 (size=" +
				std::to_string(info->connectionTableSize) + ")\n");

	REQUIRE(client.setTimeouts({ 901, 121, 301 }).ok());
	CHECK(capture("ipvsadm -Ln --timeout") == "Timeout (tcp tcpfin udp): 901 121 301\n");
	REQUIRE(std::system("ipvsadm --set 900 120 300") == 0);
	auto timeouts = client.getTimeouts();
	REQUIRE(timeouts.ok());
	CHECK(timeouts->tcp == 900u);
	CHECK(timeouts->tcpFin == 120u);
	CHECK(timeouts->udp == 300u);

	auto daemons = client.getSyncDaemons();
	REQUIRE(daemons.ok());
	CHECK(daemons->empty());
}

TEST_CASE("what kipvs programs, ipvsadm -Sn reads", "[ipvs]")
{
	clean();
	Client client = openClient();
	auto entries = catalogue();
	requireAllOk(client.applyBatch(changesFor(entries)));
	CHECK(sortedLines(capture("ipvsadm -Sn")) == expectedSave(entries));
}

TEST_CASE("what ipvsadm -R programs, kipvs reads", "[ipvs]")
{
	clean();
	auto entries = catalogue();
	std::string rules;
	for (const Entry &entry : entries) {
		rules += saveLine(entry.service) + "\n";
		for (const RealServer &d : entry.destinations)
			rules += saveLine(entry.service.key, d) + "\n";
	}
	{
		std::ofstream file("ipvs-kernel-rules.txt");
		file << rules;
	}
	REQUIRE(std::system("ipvsadm -R < ipvs-kernel-rules.txt") == 0);
	std::remove("ipvs-kernel-rules.txt");

	Client client = openClient();
	auto all = client.listAll();
	REQUIRE(all.ok());
	REQUIRE(all->size() == entries.size());

	std::string readBack;
	for (const auto &[service, destinations] : *all) {
		readBack += saveLine(service) + "\n";
		for (const RealServer &d : destinations)
			readBack += saveLine(service.key, d) + "\n";

		auto wanted = std::find_if(entries.begin(), entries.end(), [&](const Entry &e) {
			return e.service.key == service.key;
		});
		REQUIRE(wanted != entries.end());
		CHECK(matches(service, wanted->service));
		CHECK(service.flags & ServiceFlag::Hashed);
		REQUIRE(destinations.size() == wanted->destinations.size());
		for (const RealServer &d : destinations) {
			bool found = false;
			for (const RealServer &w : wanted->destinations)
				found = found || d.sameConfig(w);
			INFO(service.key.toString() << " -> " << d.toString());
			CHECK(found);
		}

		/* listRealServers and getVirtualServer agree with listAll. */
		auto listed = client.listRealServers(service.key);
		REQUIRE(listed.ok());
		CHECK(listed->size() == destinations.size());
		auto one = client.getVirtualServer(service.key);
		REQUIRE(one.ok());
		CHECK(one->sameConfig(service));
	}
	CHECK(sortedLines(readBack) == sortedLines(capture("ipvsadm -Sn")));

	auto services = client.listVirtualServers();
	REQUIRE(services.ok());
	CHECK(services->size() == entries.size());

	/* forEachService hands out exactly what listAll returns, in the same order. */
	size_t visited = 0;
	auto read = client.forEachService([&](Client::ServiceWithDestinations &&item) {
		REQUIRE(visited < all->size());
		const auto &listed = (*all)[visited++];
		INFO(item.service.key.toString());
		CHECK(item.service.sameConfig(listed.service));
		CHECK(item.service.flags == listed.service.flags);
		CHECK(item.service.stats == listed.service.stats);
		CHECK(item.service.key == (*services)[visited - 1].key);
		REQUIRE(item.destinations.size() == listed.destinations.size());
		for (size_t i = 0; i < item.destinations.size(); i++) {
			const RealServer &d = item.destinations[i];
			const RealServer &l = listed.destinations[i];
			CHECK(d.sameConfig(l));
			CHECK(d.activeConnections == l.activeConnections);
			CHECK(d.inactiveConnections == l.inactiveConnections);
			CHECK(d.stats == l.stats);
		}
	});
	REQUIRE(read.ok());
	CHECK(visited == all->size());
}

TEST_CASE("updates, deletes, zero and flush show in ipvsadm", "[ipvs]")
{
	clean();
	Client client = openClient();
	ServiceKey key{ AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	RealServer backend = destination("10.1.0.1", 8080, ForwardMethod::Masq, 1);
	REQUIRE(client.addVirtualServer(service(key, "rr")).ok());
	REQUIRE(client.addRealServer(key, backend).ok());

	REQUIRE(client.updateVirtualServer(service(key, "wlc", ServiceFlag::Persistent, 120)).ok());
	backend.weight = 9;
	backend.upperThreshold = 50;
	backend.lowerThreshold = 5;
	REQUIRE(client.updateRealServer(key, backend).ok());
	CHECK(capture("ipvsadm -Sn") == "-A -t 10.0.0.1:80 -s wlc -p 120\n"
					"-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 9\n");
	auto listed = client.listRealServers(key);
	REQUIRE(listed.ok());
	REQUIRE(listed->size() == 1);
	CHECK(listed->front().upperThreshold == 50u);
	CHECK(listed->front().lowerThreshold == 5u);

	REQUIRE(client.zero(key).ok());
	REQUIRE(client.zero().ok());

	REQUIRE(client.deleteRealServer(key, backend).ok());
	CHECK(capture("ipvsadm -Sn") == "-A -t 10.0.0.1:80 -s wlc -p 120\n");
	REQUIRE(client.deleteVirtualServer(key).ok());
	CHECK(capture("ipvsadm -Sn").empty());

	/* Local has no ipvsadm switch of its own: it saves as -g. */
	REQUIRE(client.addVirtualServer(service(key, "rr")).ok());
	REQUIRE(client.addRealServer(key, destination("10.1.0.2", 80, ForwardMethod::Local, 1)).ok());
	CHECK(capture("ipvsadm -Sn | grep -- -a") == "-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g -w 1\n");
	auto local = client.listRealServers(key);
	REQUIRE(local.ok());
	CHECK(local->front().method == ForwardMethod::Local);

	requireAllOk(client.applyBatch(changesFor(catalogue())));
	REQUIRE(client.flush().ok());
	CHECK(capture("ipvsadm -Sn").empty());
}

TEST_CASE("kernel errors carry the right errno and name the object", "[ipvs]")
{
	clean();
	Client client = openClient();
	ServiceKey key{ AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	ServiceKey missing{ AF_INET, Protocol::Udp, ip("10.0.0.2"), 53, 0 };
	RealServer backend = destination("10.1.0.1", 8080, ForwardMethod::Masq, 1);

	auto unknown = client.addVirtualServer(service(key, "nosuch"));
	REQUIRE_FALSE(unknown.ok());
	CHECK(unknown.error().code() == ENOENT);
	CHECK(unknown.error().message().find("add virtual server TCP 10.0.0.1:80: ") == 0);
	/* Longer than the kernel's IP_VS_SCHEDNAME_MAXLEN: refused before sending. */
	auto tooLong = client.addVirtualServer(service(key, "no-such-scheduler"));
	CHECK(tooLong.error().code() == EINVAL);
	CHECK(tooLong.error().object() == "TCP 10.0.0.1:80");

	REQUIRE(client.addVirtualServer(service(key, "rr")).ok());
	auto duplicate = client.addVirtualServer(service(key, "rr"));
	REQUIRE_FALSE(duplicate.ok());
	CHECK(duplicate.error().code() == EEXIST);
	CHECK(duplicate.error().object() == "TCP 10.0.0.1:80");

	REQUIRE(client.addRealServer(key, backend).ok());
	auto duplicateDestination = client.addRealServer(key, backend);
	CHECK(duplicateDestination.error().code() == EEXIST);
	CHECK(duplicateDestination.error().object() == "TCP 10.0.0.1:80 -> 10.1.0.1:8080");

	auto noService = client.deleteVirtualServer(missing);
	CHECK(noService.error().code() == ESRCH);
	CHECK(noService.error().object() == "UDP 10.0.0.2:53");
	auto noDestination = client.deleteRealServer(key, destination("10.9.9.9", 80,
								       ForwardMethod::Masq, 1));
	CHECK(noDestination.error().code() == ENOENT);
	CHECK(noDestination.error().object() == "TCP 10.0.0.1:80 -> 10.9.9.9:80");
	CHECK(client.addRealServer(missing, backend).error().code() == ESRCH);

	/* Not unicast: the kernel refuses a multicast real server. */
	auto multicast = client.addRealServer(key, destination("224.0.0.1", 80,
								ForwardMethod::Masq, 1));
	CHECK(multicast.error().code() == EINVAL);
	CHECK(multicast.error().object() == "TCP 10.0.0.1:80 -> 224.0.0.1:80");
	/* An IPv6 mask beyond 128 bits. */
	ServiceKey key6{ AF_INET6, Protocol::Tcp, ip("fd00::1"), 80, 0 };
	auto badMask = client.addVirtualServer(service(key6, "rr", ServiceFlag::Persistent, 60, 129));
	CHECK(badMask.error().code() == EINVAL);

	auto absent = client.getVirtualServer(missing);
	REQUIRE_FALSE(absent.ok());
	CHECK((absent.error().code() == ESRCH || absent.error().code() == ENOENT));
	CHECK(client.listRealServers(missing).error().code() == ESRCH);
}

TEST_CASE("a batch attributes each error to its change; idempotency is one policy",
	  "[ipvs][batch]")
{
	clean();
	Client client = openClient();
	ServiceKey a{ AF_INET, Protocol::Tcp, ip("10.0.0.1"), 80, 0 };
	ServiceKey b{ AF_INET, Protocol::Tcp, ip("10.0.0.2"), 80, 0 };
	ServiceKey gone{ AF_INET, Protocol::Tcp, ip("10.0.0.3"), 80, 0 };
	RealServer backend = destination("10.1.0.1", 80, ForwardMethod::Masq, 1);

	std::vector<Change> changes = {
		Change::addVirtualServer(service(a, "rr")),
		Change::addVirtualServer(service(b, "nosuch")),
		Change::addRealServer(a, backend),
		Change::addVirtualServer(service(a, "rr")), /* again */
		Change::deleteVirtualServer(gone),
		Change::deleteRealServer(a, destination("10.9.9.9", 80, ForwardMethod::Masq, 1)),
		Change::addRealServer(b, backend), /* its service failed above */
	};

	ApplyOptions strict;
	strict.idempotent = false;
	auto results = client.applyBatch(changes, strict);
	REQUIRE(results.size() == changes.size());
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == ENOENT);
	CHECK(results[1].error().object() == "TCP 10.0.0.2:80");
	CHECK(results[2].ok());
	CHECK(results[3].error().code() == EEXIST);
	CHECK(results[4].error().code() == ESRCH);
	CHECK(results[5].error().code() == ENOENT);
	CHECK(results[6].error().code() == ESRCH);
	CHECK(results[6].error().object() == "TCP 10.0.0.2:80 -> 10.1.0.1:80");

	/* The same again, idempotent: only the real failures remain. */
	results = client.applyBatch(changes);
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == ENOENT);
	CHECK(results[2].ok());
	CHECK(results[3].ok());
	CHECK(results[4].ok());
	CHECK(results[5].ok());
	CHECK(results[6].error().code() == ESRCH);

	/* Without an ACK per change: the kernel answers failures only, same attribution. */
	clean();
	ApplyOptions quiet;
	quiet.idempotent = false;
	quiet.ackEach = false;
	results = client.applyBatch(changes, quiet);
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == ENOENT);
	CHECK(results[1].error().object() == "TCP 10.0.0.2:80");
	CHECK(results[2].ok());
	CHECK(results[3].error().code() == EEXIST);
	CHECK(results[4].error().code() == ESRCH);
	CHECK(results[5].error().code() == ENOENT);
	CHECK(results[6].error().code() == ESRCH);

	/* stopOnError with one change per sendmsg: nothing after the failure is sent. */
	clean();
	ApplyOptions stop;
	stop.stopOnError = true;
	stop.maxChangesPerSend = 1;
	results = client.applyBatch(changes, stop);
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == ENOENT);
	CHECK(results[2].error().code() == ECANCELED);
	CHECK(capture("ipvsadm -Sn") == "-A -t 10.0.0.1:80 -s rr\n");
}

TEST_CASE("a big batch spans several sendmsg calls and lists back whole", "[ipvs][batch]")
{
	clean();
	Client client = openClient();
	std::vector<Change> changes;
	std::vector<VirtualServer> services;
	for (uint32_t i = 0; i < 2000; i++) {
		ServiceKey key{ AF_INET, Protocol::Tcp, IpAddress::v4(0x0a000000 + i), 80, 0 };
		changes.push_back(Change::addVirtualServer(service(key, "rr")));
		for (uint32_t j = 0; j < 5; j++)
			changes.push_back(Change::addRealServer(
				key, destination(IpAddress::v4(0x0b000000 + i * 8 + j).toString().c_str(),
						 8080, ForwardMethod::Masq, 1)));
	}
	ApplyOptions quiet;
	quiet.ackEach = false;
	requireAllOk(client.applyBatch(changes, quiet));
	/* Everything again: each change fails (EEXIST) and counts as done. */
	requireAllOk(client.applyBatch(changes, quiet));
	requireAllOk(client.applyBatch(changes));

	auto all = client.listAll();
	REQUIRE(all.ok());
	CHECK(all->size() == 2000);
	size_t destinations = 0;
	for (const auto &entry : *all)
		destinations += entry.destinations.size();
	CHECK(destinations == 10000);
	CHECK(capture("ipvsadm -Sn | wc -l") == "12000\n");
}

int main(int argc, char *argv[])
{
	kipvs::test::isolateNetwork();
	/* The family must exist: the namespace has IPVS when the kernel does. */
	auto client = Client::open();
	kipvs::test::requireFeature(client.ok(), "IPVS (ip_vs)");
	return Catch::Session().run(argc, argv);
}
