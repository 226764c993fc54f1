/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipset::Session against the real kernel, in a network namespace of its
 * own, with the ipset tool's `ipset save` as the oracle.
 */
#define CATCH_CONFIG_RUNNER
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include <catch2/catch.hpp>

#include "ipset/session.h"
#include "ipset/set_name.h"
#include "test/kernel/kernel_test.h"

using kipvs::IpAddress;
using kipvs::IpPrefix;
using kipvs::ipset::Entry;
using kipvs::ipset::Protocol;
using kipvs::ipset::Session;
using kipvs::ipset::SetDiff;
using kipvs::ipset::SetSpec;
using kipvs::ipset::SetType;
using kipvs::test::capture;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

IpPrefix net(const char *text)
{
	return *IpPrefix::parse(text);
}

/* Every test starts from no rules and no sets. */
void clean()
{
	REQUIRE(std::system("iptables -F 2>/dev/null; ipset destroy 2>/dev/null; true") == 0);
}

Session openSession()
{
	auto session = Session::open();
	if (!session)
		FAIL(session.error().message());
	return std::move(session).value();
}

std::vector<std::string> lines(const std::string &text, const std::string &prefix)
{
	std::vector<std::string> out;
	std::istringstream stream(text);
	std::string line;
	while (std::getline(stream, line))
		if (line.starts_with(prefix))
			out.push_back(line.substr(prefix.size()));
	std::sort(out.begin(), out.end());
	return out;
}

/* The members of a set as the ipset tool prints them, sorted. */
std::vector<std::string> saved(const std::string &set)
{
	return lines(capture("ipset save " + set), "add " + set + " ");
}

/* The create line as the ipset tool prints it, without the random parts. */
std::string savedHeader(const std::string &set)
{
	auto header = lines(capture("ipset save " + set), "create ");
	if (header.empty())
		return {};
	std::string text = "create " + header[0];
	return text.substr(0, text.find(" bucketsize"));
}

std::vector<std::string> sorted(std::vector<std::string> texts)
{
	std::sort(texts.begin(), texts.end());
	return texts;
}

std::vector<std::string> texts(const std::vector<Entry> &entries)
{
	std::vector<std::string> out;
	for (const Entry &entry : entries)
		out.push_back(entry.toString());
	return sorted(out);
}

void require(const kipvs::Result<void> &result)
{
	if (!result)
		FAIL(result.error().message());
}

struct Fixture {
	SetSpec spec;
	std::vector<Entry> entries;
};

/* One set of each type kipvs uses, both families, with entries of each kind. */
std::vector<Fixture> everySetType()
{
	auto hash = [](const std::string &base, SetType type, int family) {
		SetSpec spec;
		spec.name = kipvs::ipset::setName(base, family);
		spec.type = type;
		spec.family = family;
		return spec;
	};
	SetSpec ports;
	ports.name = "KUBE-NODE-PORT-TCP";
	ports.type = SetType::BitmapPort;

	return {
		{ hash("KUBE-LOOP-BACK", SetType::HashIpPortIp, AF_INET),
		  { Entry::ipPortIp(ip("10.244.1.5"), Protocol::Tcp, 8080, ip("10.244.1.5")),
		    Entry::ipPortIp(ip("10.244.1.6"), Protocol::Udp, 53, ip("10.244.1.6")),
		    Entry::ipPortIp(ip("10.244.1.7"), Protocol::Sctp, 9, ip("10.244.1.7")) } },
		{ hash("KUBE-LOOP-BACK", SetType::HashIpPortIp, AF_INET6),
		  { Entry::ipPortIp(ip("fd00:244::5"), Protocol::Tcp, 8080, ip("fd00:244::5")) } },
		{ hash("KUBE-CLUSTER-IP", SetType::HashIpPort, AF_INET),
		  { Entry::ipPort(ip("10.96.0.10"), Protocol::Tcp, 53),
		    Entry::ipPort(ip("10.96.0.10"), Protocol::Udp, 53),
		    Entry::ipPort(ip("10.96.0.1"), Protocol::Tcp, 443) } },
		{ hash("KUBE-CLUSTER-IP", SetType::HashIpPort, AF_INET6),
		  { Entry::ipPort(ip("fd00:96::a"), Protocol::Tcp, 53),
		    Entry::ipPort(ip("2001:db8::1:0:0:1"), Protocol::Sctp, 9) } },
		{ hash("KUBE-LOAD-BALANCER-SOURCE-CIDR", SetType::HashIpPortNet, AF_INET),
		  { Entry::ipPortNet(ip("192.0.2.10"), Protocol::Tcp, 80, net("10.244.1.5/16")),
		    Entry::ipPortNet(ip("192.0.2.10"), Protocol::Tcp, 80, net("203.0.113.7/32")),
		    Entry::ipPortNet(ip("192.0.2.10"), Protocol::Udp, 80, net("0.0.0.0/1")) } },
		{ hash("KUBE-LOAD-BALANCER-SOURCE-CIDR", SetType::HashIpPortNet, AF_INET6),
		  { Entry::ipPortNet(ip("2001:db8::10"), Protocol::Tcp, 80, net("fd00:1::/64")),
		    Entry::ipPortNet(ip("2001:db8::10"), Protocol::Tcp, 80, net("fd00:1::5/128")) } },
		{ hash("KUBE-IPVS-IPS", SetType::HashIp, AF_INET),
		  { Entry::ip(ip("10.96.0.1")), Entry::ip(ip("10.96.0.10")) } },
		{ hash("KUBE-IPVS-IPS", SetType::HashIp, AF_INET6),
		  { Entry::ip(ip("fd00:96::1")), Entry::ip(ip("::ffff:1.2.3.4")) } },
		{ hash("KUBE-TEST-NETS", SetType::HashNet, AF_INET),
		  { Entry::net(net("10.0.0.0/8")), Entry::net(net("10.1.1.1/32")) } },
		{ hash("KUBE-TEST-NETS", SetType::HashNet, AF_INET6),
		  { Entry::net(net("fd00::/8")), Entry::net(net("fd01::1/128")) } },
		{ ports, { Entry::port(30080), Entry::port(0), Entry::port(65535) } },
	};
}

std::string expectedHeader(const SetSpec &spec)
{
	return spec.toString();
}

} /* namespace */

TEST_CASE("every set type is created as kube-proxy creates it", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	for (const Fixture &fixture : everySetType()) {
		INFO(fixture.spec.toString());
		require(session.create(fixture.spec));
		CHECK(savedHeader(fixture.spec.name) == expectedHeader(fixture.spec));
	}

	SetSpec withComment;
	withComment.name = "KUBE-COMMENTED";
	withComment.type = SetType::HashIpPort;
	withComment.comment = true;
	require(session.create(withComment));
	CHECK(savedHeader("KUBE-COMMENTED") ==
	      "create KUBE-COMMENTED hash:ip,port family inet hashsize 1024 maxelem 65536 comment");

	SetSpec range;
	range.name = "KUBE-RANGE";
	range.type = SetType::BitmapPort;
	range.portFrom = 30000;
	range.portTo = 32767;
	require(session.create(range));
	CHECK(savedHeader("KUBE-RANGE") == "create KUBE-RANGE bitmap:port range 30000-32767");

	auto names = session.listSetNames();
	REQUIRE(names.ok());
	CHECK(sorted(*names) == sorted(lines(capture("ipset list -n"), "")));
	CHECK(names->size() == everySetType().size() + 2);
}

TEST_CASE("creating an existing set: same spec succeeds, another type is EEXIST", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	SetSpec spec{ "KUBE-CLUSTER-IP", SetType::HashIpPort };
	require(session.create(spec));
	require(session.create(spec));

	SetSpec other = spec;
	other.type = SetType::HashIp;
	auto clash = session.create(other);
	REQUIRE_FALSE(clash.ok());
	CHECK(clash.error().code() == EEXIST);
	CHECK_THAT(clash.error().message(), Catch::Contains("KUBE-CLUSTER-IP"));
}

TEST_CASE("a diff across every set type is applied and reads back exactly", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	std::vector<SetDiff> diffs;
	auto fixtures = everySetType();
	for (const Fixture &fixture : fixtures) {
		require(session.create(fixture.spec));
		diffs.push_back({ fixture.spec.name, fixture.spec.type, fixture.entries, {} });
	}
	require(session.apply(diffs));

	for (const Fixture &fixture : fixtures) {
		INFO(fixture.spec.name);
		CHECK(saved(fixture.spec.name) == texts(fixture.entries));
		auto listed = session.listEntries(fixture.spec.name);
		REQUIRE(listed.ok());
		CHECK(listed->type == fixture.spec.type);
		CHECK(texts(listed->entries) == texts(fixture.entries));
		/* Read back, nothing is left to change. */
		CHECK(kipvs::ipset::diffSet(fixture.spec.name, fixture.spec.type, fixture.entries,
					    listed->entries)
			      .empty());
	}

	/* Applying the same diff again changes nothing and is no error. */
	require(session.apply(diffs));

	/* Delete the first entry of every set, add one back elsewhere. */
	std::vector<SetDiff> removals;
	for (const Fixture &fixture : fixtures)
		removals.push_back({ fixture.spec.name, fixture.spec.type, {}, { fixture.entries[0] } });
	removals.push_back({ "KUBE-NODE-PORT-TCP", SetType::BitmapPort, { Entry::port(31000) }, {} });
	require(session.apply(removals));
	for (const Fixture &fixture : fixtures) {
		INFO(fixture.spec.name);
		std::vector<Entry> left(fixture.entries.begin() + 1, fixture.entries.end());
		if (fixture.spec.name == "KUBE-NODE-PORT-TCP")
			left.push_back(Entry::port(31000));
		CHECK(saved(fixture.spec.name) == texts(left));
	}
	/* Deleting what is gone is no error either. */
	require(session.apply(removals));
}

/*
 * Hundreds, not thousands: enough for several netlink messages per set, and
 * short enough for the test VM, where Debian 6.1 under TCG takes seconds
 * per hundred entries even for the ipset tool (the benchmark does 50,000).
 */
TEST_CASE("hundreds of entries in many sets go in one apply", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	std::vector<SetDiff> diffs;
	std::vector<std::string> expected[3];
	for (int s = 0; s < 3; s++) {
		SetSpec spec{ "KUBE-BULK-" + std::to_string(s), SetType::HashIpPort };
		require(session.create(spec));
		SetDiff diff{ spec.name, spec.type, {}, {} };
		for (uint32_t i = 0; i < 400; i++) {
			Entry entry = Entry::ipPort(IpAddress::v4(0x0a000000 + i), Protocol::Udp,
						    static_cast<uint16_t>(1000 + s));
			diff.toAdd.push_back(entry);
			expected[s].push_back(entry.toString());
		}
		diffs.push_back(std::move(diff));
	}
	require(session.apply(diffs));
	for (int s = 0; s < 3; s++)
		CHECK(saved("KUBE-BULK-" + std::to_string(s)) == sorted(expected[s]));
}

TEST_CASE("single-entry add, del and test", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	SetSpec spec{ "KUBE-6-CLUSTER-IP", SetType::HashIpPort, AF_INET6 };
	require(session.create(spec));
	Entry entry = Entry::ipPort(ip("fd00::10"), Protocol::Udp, 53);

	auto absent = session.test(spec.name, entry);
	REQUIRE(absent.ok());
	CHECK_FALSE(*absent);

	require(session.add(spec.name, entry));
	CHECK(saved(spec.name) == std::vector<std::string>{ "fd00::10,udp:53" });
	auto present = session.test(spec.name, entry);
	REQUIRE(present.ok());
	CHECK(*present);
	CHECK(std::system("ipset test KUBE-6-CLUSTER-IP fd00::10,udp:53 2>/dev/null") == 0);

	require(session.del(spec.name, entry));
	CHECK(saved(spec.name).empty());
	CHECK_FALSE(*session.test(spec.name, entry));
}

TEST_CASE("flush, swap and destroy", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	SetSpec a{ "KUBE-A", SetType::HashIp }, b{ "KUBE-B", SetType::HashIp };
	require(session.create(a));
	require(session.create(b));
	require(session.add("KUBE-A", Entry::ip(ip("10.0.0.1"))));
	require(session.add("KUBE-B", Entry::ip(ip("10.0.0.2"))));

	require(session.swap("KUBE-A", "KUBE-B"));
	CHECK(saved("KUBE-A") == std::vector<std::string>{ "10.0.0.2" });
	CHECK(saved("KUBE-B") == std::vector<std::string>{ "10.0.0.1" });

	require(session.flush("KUBE-A"));
	CHECK(saved("KUBE-A").empty());
	CHECK(saved("KUBE-B").size() == 1);

	require(session.destroy("KUBE-A"));
	require(session.destroy("KUBE-B"));
	CHECK(capture("ipset list -n").empty());
}

TEST_CASE("a moved session keeps working", "[ipset][kernel]")
{
	clean();
	Session first = openSession();
	Session second = std::move(first);
	require(second.create({ "KUBE-MOVED", SetType::BitmapPort }));
	Session third = openSession();
	third = std::move(second);
	require(third.add("KUBE-MOVED", Entry::port(8080)));
	auto listed = third.listEntries("KUBE-MOVED");
	REQUIRE(listed.ok());
	CHECK(texts(listed->entries) == std::vector<std::string>{ "8080" });
	/* Errors after a move are still captured, not printed or fatal. */
	CHECK(third.flush("KUBE-NOT-THERE").error().code() == ENOENT);
}

TEST_CASE("a missing set is ENOENT naming the set", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	Entry entry = Entry::ipPort(ip("10.96.0.10"), Protocol::Tcp, 53);

	auto applied = session.apply({ { "KUBE-MISSING", SetType::HashIpPort, { entry }, {} } });
	REQUIRE_FALSE(applied.ok());
	CHECK(applied.error().code() == ENOENT);
	CHECK_THAT(applied.error().message(), Catch::Contains("KUBE-MISSING"));
	CHECK_THAT(applied.error().message(), Catch::Contains("does not exist"));

	for (auto result : { session.flush("KUBE-MISSING"), session.add("KUBE-MISSING", entry),
			     session.del("KUBE-MISSING", entry) }) {
		REQUIRE_FALSE(result.ok());
		CHECK(result.error().code() == ENOENT);
		CHECK_THAT(result.error().message(), Catch::Contains("KUBE-MISSING"));
	}
	CHECK(session.test("KUBE-MISSING", entry).error().code() == ENOENT);
	CHECK(session.listEntries("KUBE-MISSING").error().code() == ENOENT);
	/* A failed dump does not leave the session reading stale replies. */
	CHECK(session.save("KUBE-MISSING").error().code() == ENOENT);
	/* Destroying what is gone is done (the idempotency policy). */
	require(session.destroy("KUBE-MISSING"));

	require(session.create({ "KUBE-PRESENT", SetType::HashIp }));
	auto swapped = session.swap("KUBE-PRESENT", "KUBE-MISSING");
	REQUIRE_FALSE(swapped.ok());
	CHECK(swapped.error().code() == ENOENT);
}

TEST_CASE("a set of another type, or family, is refused before anything is sent", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	require(session.create({ "KUBE-IPS", SetType::HashIp }));
	require(session.create({ "KUBE-PORTS", SetType::HashIpPort }));

	Entry good = Entry::ip(ip("10.0.0.1"));
	auto wrongType = session.apply({
		{ "KUBE-IPS", SetType::HashIp, { good }, {} },
		{ "KUBE-PORTS", SetType::HashIp, { Entry::ip(ip("10.0.0.2")) }, {} },
	});
	REQUIRE_FALSE(wrongType.ok());
	CHECK(wrongType.error().code() == EINVAL);
	CHECK_THAT(wrongType.error().message(), Catch::Contains("KUBE-PORTS"));
	CHECK_THAT(wrongType.error().message(), Catch::Contains("hash:ip,port"));
	/* The valid first set was not touched either. */
	CHECK(saved("KUBE-IPS").empty());

	auto wrongEntry = session.add("KUBE-PORTS", good);
	REQUIRE_FALSE(wrongEntry.ok());
	CHECK(wrongEntry.error().code() == EINVAL);

	auto wrongFamily = session.apply({ { "KUBE-IPS", SetType::HashIp, { Entry::ip(ip("fd00::1")) }, {} } });
	REQUIRE_FALSE(wrongFamily.ok());
	CHECK(wrongFamily.error().code() == EINVAL);
	CHECK_THAT(wrongFamily.error().message(), Catch::Contains("fd00::1"));
	CHECK_THAT(wrongFamily.error().message(), Catch::Contains("inet"));
	auto testedFamily = session.test("KUBE-IPS", Entry::ip(ip("fd00::1")));
	REQUIRE_FALSE(testedFamily.ok());
	CHECK(testedFamily.error().code() == EINVAL);
	CHECK(session.test("KUBE-PORTS", good).error().code() == EINVAL);

	auto malformed = session.apply({ { "KUBE-PORTS", SetType::HashIpPort,
					   { Entry::ipPort(ip("10.0.0.1"), Protocol::Tcp, 1),
					     Entry::ipPort(ip("10.0.0.1"), Protocol::None, 2) },
					   {} } });
	REQUIRE_FALSE(malformed.ok());
	CHECK(malformed.error().code() == EINVAL);
	CHECK_THAT(malformed.error().message(), Catch::Contains("no protocol"));
	CHECK(saved("KUBE-PORTS").empty());

	auto tooLong = session.create({ "KUBE-A-NAME-LONGER-THAN-31-CHARS", SetType::HashIp });
	REQUIRE_FALSE(tooLong.ok());
	CHECK(tooLong.error().code() == EINVAL);
}

TEST_CASE("an entry the kernel rejects mid-batch is named", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	require(session.create({ "KUBE-IPS", SetType::HashIp }));
	std::vector<Entry> entries;
	for (uint32_t i = 1; i <= 300; i++)
		entries.push_back(Entry::ip(IpAddress::v4(0x0a000000 + i)));
	entries.insert(entries.begin() + 150, Entry::ip(ip("0.0.0.0")));

	auto result = session.apply({ { "KUBE-IPS", SetType::HashIp, entries, {} } });
	REQUIRE_FALSE(result.ok());
	CHECK(result.error().code() == EINVAL);
	CHECK(result.error().operation() == "add to set KUBE-IPS");
	CHECK(result.error().object() == "0.0.0.0");
	CHECK_THAT(result.error().message(), Catch::Contains("Null-valued element"));

	SetSpec small{ "KUBE-SMALL", SetType::HashIp };
	small.maxElements = 2;
	require(session.create(small));
	auto full = session.apply({ { "KUBE-SMALL", SetType::HashIp,
				      { Entry::ip(ip("10.0.0.1")), Entry::ip(ip("10.0.0.2")),
					Entry::ip(ip("10.0.0.3")) },
				      {} } });
	REQUIRE_FALSE(full.ok());
	CHECK(full.error().code() == ENOSPC);
	CHECK(full.error().object() == "10.0.0.3");

	SetSpec range{ "KUBE-RANGE", SetType::BitmapPort };
	range.portFrom = 30000;
	range.portTo = 32767;
	require(session.create(range));
	auto outside = session.add("KUBE-RANGE", Entry::port(80));
	REQUIRE_FALSE(outside.ok());
	CHECK(outside.error().code() == ERANGE);
	CHECK_THAT(outside.error().message(), Catch::Contains("KUBE-RANGE"));

	/* The session is still usable after the errors. */
	require(session.add("KUBE-RANGE", Entry::port(30080)));
	CHECK(saved("KUBE-RANGE") == std::vector<std::string>{ "30080" });
}

TEST_CASE("a set in use by iptables cannot be destroyed: EBUSY", "[ipset][kernel]")
{
	clean();
	Session session = openSession();
	require(session.create({ "KUBE-CLUSTER-IP", SetType::HashIpPort }));
	bool iptables = std::system("iptables -A INPUT -m set --match-set KUBE-CLUSTER-IP dst,dst "
				    "-j ACCEPT 2>/dev/null") == 0;
	kipvs::test::requireFeature(iptables, "iptables with the set match");

	auto busy = session.destroy("KUBE-CLUSTER-IP");
	REQUIRE_FALSE(busy.ok());
	CHECK(busy.error().code() == EBUSY);
	CHECK_THAT(busy.error().message(), Catch::Contains("KUBE-CLUSTER-IP"));
	CHECK_THAT(busy.error().message(), Catch::Contains("in use"));

	REQUIRE(std::system("iptables -F") == 0);
	require(session.destroy("KUBE-CLUSTER-IP"));
}

int main(int argc, char *argv[])
{
	kipvs::test::isolateNetwork();
	kipvs::test::requireFeature(std::system("ipset list -n >/dev/null 2>&1") == 0, "ipset");
	return Catch::Session().run(argc, argv);
}
