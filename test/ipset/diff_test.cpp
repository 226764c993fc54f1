/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diffs of desired against current set entries.
 */
#include <algorithm>

#include <catch2/catch.hpp>

#include "ipset/diff.h"

using kipvs::IpAddress;
using kipvs::ipset::diffSet;
using kipvs::ipset::diffSets;
using kipvs::ipset::Entry;
using kipvs::ipset::Protocol;
using kipvs::ipset::SetEntries;
using kipvs::ipset::SetType;

namespace {

Entry clusterIp(uint32_t host, uint16_t port)
{
	return Entry::ipPort(IpAddress::v4(0x0a600000 + host), Protocol::Tcp, port);
}

std::vector<std::string> texts(const std::vector<Entry> &entries)
{
	std::vector<std::string> out;
	for (const Entry &entry : entries)
		out.push_back(entry.toString());
	return out;
}

} /* namespace */

TEST_CASE("equal sets have an empty diff", "[ipset]")
{
	std::vector<Entry> entries{ clusterIp(1, 53), clusterIp(2, 80) };
	std::vector<Entry> shuffled{ clusterIp(2, 80), clusterIp(1, 53) };
	auto diff = diffSet("KUBE-CLUSTER-IP", SetType::HashIpPort, entries, shuffled);
	CHECK(diff.empty());
	CHECK(diff.size() == 0);
	CHECK(diff.set == "KUBE-CLUSTER-IP");
	CHECK(diff.type == SetType::HashIpPort);
}

TEST_CASE("missing entries are added, extra ones deleted, in input order", "[ipset]")
{
	std::vector<Entry> desired{ clusterIp(1, 53), clusterIp(3, 443), clusterIp(2, 80) };
	std::vector<Entry> current{ clusterIp(4, 1), clusterIp(2, 80), clusterIp(5, 2) };
	auto diff = diffSet("S", SetType::HashIpPort, desired, current);
	CHECK(texts(diff.toAdd) == std::vector<std::string>{ "10.96.0.1,tcp:53", "10.96.0.3,tcp:443" });
	CHECK(texts(diff.toDelete) == std::vector<std::string>{ "10.96.0.4,tcp:1", "10.96.0.5,tcp:2" });
	CHECK(diff.size() == 4);
}

TEST_CASE("from and to empty", "[ipset]")
{
	std::vector<Entry> some{ Entry::port(30080), Entry::port(30081) };
	auto fill = diffSet("P", SetType::BitmapPort, some, {});
	CHECK(fill.toAdd.size() == 2);
	CHECK(fill.toDelete.empty());
	auto clear = diffSet("P", SetType::BitmapPort, {}, some);
	CHECK(clear.toAdd.empty());
	CHECK(clear.toDelete.size() == 2);
	CHECK(diffSet("P", SetType::BitmapPort, {}, {}).empty());
}

TEST_CASE("duplicates count once on either side", "[ipset]")
{
	std::vector<Entry> desired{ clusterIp(1, 53), clusterIp(1, 53), clusterIp(2, 80) };
	std::vector<Entry> current{ clusterIp(2, 80), clusterIp(9, 9), clusterIp(9, 9) };
	auto diff = diffSet("S", SetType::HashIpPort, desired, current);
	CHECK(texts(diff.toAdd) == std::vector<std::string>{ "10.96.0.1,tcp:53" });
	CHECK(texts(diff.toDelete) == std::vector<std::string>{ "10.96.0.9,tcp:9" });
}

TEST_CASE("entries differing only in protocol or family are different", "[ipset]")
{
	std::vector<Entry> desired{ Entry::ipPort(*IpAddress::parse("10.0.0.1"), Protocol::Udp, 53),
				    Entry::ipPort(*IpAddress::parse("fd00::1"), Protocol::Tcp, 53) };
	std::vector<Entry> current{ Entry::ipPort(*IpAddress::parse("10.0.0.1"), Protocol::Tcp, 53) };
	auto diff = diffSet("S", SetType::HashIpPort, desired, current);
	CHECK(diff.toAdd.size() == 2);
	CHECK(diff.toDelete.size() == 1);
}

TEST_CASE("a kernel listing parsed back compares equal to what was built", "[ipset]")
{
	/* What `ipset save` printed for entries built from typed values. */
	std::vector<Entry> current;
	for (const char *text : { "10.0.0.1,tcp:80,10.244.0.0/16", "10.0.0.1,tcp:80,10.1.1.1" })
		current.push_back(*Entry::parse(SetType::HashIpPortNet, text));
	std::vector<Entry> desired{
		Entry::ipPortNet(*IpAddress::parse("10.0.0.1"), Protocol::Tcp, 80,
				 *kipvs::IpPrefix::parse("10.244.7.7/16")),
		Entry::ipPortNet(*IpAddress::parse("10.0.0.1"), Protocol::Tcp, 80,
				 *kipvs::IpPrefix::parse("10.1.1.1")),
	};
	CHECK(diffSet("S", SetType::HashIpPortNet, desired, current).empty());
}

TEST_CASE("diffSets covers every desired set and skips the unchanged", "[ipset]")
{
	std::map<std::string, SetEntries> desired{
		{ "A", { SetType::BitmapPort, { Entry::port(1) } } },
		{ "B", { SetType::BitmapPort, { Entry::port(2) } } },
		{ "C", { SetType::BitmapPort, {} } },
	};
	std::map<std::string, SetEntries> current{
		{ "A", { SetType::BitmapPort, { Entry::port(1) } } },
		{ "C", { SetType::BitmapPort, { Entry::port(3) } } },
		{ "D", { SetType::BitmapPort, { Entry::port(4) } } },
	};
	auto diffs = diffSets(desired, current);
	REQUIRE(diffs.size() == 2);
	CHECK(diffs[0].set == "B");
	CHECK(texts(diffs[0].toAdd) == std::vector<std::string>{ "2" });
	CHECK(diffs[1].set == "C");
	CHECK(texts(diffs[1].toDelete) == std::vector<std::string>{ "3" });
}

TEST_CASE("a diff of 10 against 50,000 is exact", "[ipset]")
{
	std::vector<Entry> current, desired;
	for (uint32_t i = 0; i < 50000; i++)
		current.push_back(clusterIp(i, static_cast<uint16_t>(1 + i % 1000)));
	desired = current;
	for (uint32_t i = 0; i < 5; i++)
		desired[i * 1000] = clusterIp(100000 + i, 7);
	for (uint32_t i = 0; i < 5; i++)
		desired.push_back(clusterIp(200000 + i, 8));
	auto diff = diffSet("S", SetType::HashIpPort, desired, current);
	CHECK(diff.toAdd.size() == 10);
	CHECK(diff.toDelete.size() == 5);
	CHECK(diff.toDelete[0] == clusterIp(0, 1));
}
