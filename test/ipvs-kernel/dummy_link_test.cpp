/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-ipvs0 against the real kernel, in a network namespace of its own,
 * with `ip -o addr` and `ip -o link` as the oracle.
 */
#define CATCH_CONFIG_RUNNER
#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "netlink/dummy_link.h"
#include "netlink/interface_address.h"
#include "test/ipvs-kernel/save_format.h"
#include "test/kernel/kernel_test.h"

using namespace kipvs;
using namespace kipvs::netlink;
using kipvs::test::capture;
using kipvs::test::sortedLines;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

void requireAllOk(const std::vector<Result<void>> &results)
{
	for (const auto &result : results)
		if (!result)
			FAIL(result.error().message());
}

/* "10.0.0.1/32" lines of `ip -o addr show dev NAME`. */
std::vector<std::string> ipAddresses(const std::string &device)
{
	return sortedLines(capture("ip -o addr show dev " + device +
				   " | awk '{print $4}'"));
}

} /* namespace */

TEST_CASE("kube-ipvs0 is created down and NOARP, once", "[dummy]")
{
	std::system("ip link del kube-ipvs0 2>/dev/null");
	CHECK(DummyLink::find("kube-ipvs0").error().code() == ENODEV);

	auto link = DummyLink::ensure("kube-ipvs0");
	REQUIRE(link.ok());
	std::string shown = capture("ip -o -d link show kube-ipvs0");
	CHECK(shown.find("NOARP") != std::string::npos);
	CHECK(shown.find("state DOWN") != std::string::npos);
	CHECK(shown.find(" dummy ") != std::string::npos);
	CHECK(shown.find(",UP") == std::string::npos);

	auto again = DummyLink::ensure("kube-ipvs0");
	REQUIRE(again.ok());
	CHECK(again->index() == link->index());

	REQUIRE(DummyLink::remove("kube-ipvs0").ok());
	CHECK(capture("ip -o link show kube-ipvs0 2>/dev/null").empty());
	CHECK(DummyLink::remove("kube-ipvs0").error().code() == ENODEV);
}

TEST_CASE("kube-ipvs0 addresses are added, listed and deleted in batches", "[dummy]")
{
	std::system("ip link del kube-ipvs0 2>/dev/null");
	auto link = DummyLink::ensure("kube-ipvs0");
	REQUIRE(link.ok());

	std::vector<IpAddress> wanted = { ip("10.96.0.1"), ip("10.96.0.10"), ip("fd00::1"),
					  ip("fd00::a") };
	for (uint32_t i = 0; i < 500; i++)
		wanted.push_back(IpAddress::v4(0x0a600100 + i));
	requireAllOk(link->addAddresses(wanted));

	std::vector<std::string> expected;
	for (const IpAddress &address : wanted)
		expected.push_back(address.toString() + (address.isV4() ? "/32" : "/128"));
	std::sort(expected.begin(), expected.end());
	CHECK(ipAddresses("kube-ipvs0") == expected);

	auto listed = link->addresses();
	REQUIRE(listed.ok());
	std::vector<std::string> ours;
	for (const IpAddress &address : *listed)
		ours.push_back(address.toString() + (address.isV4() ? "/32" : "/128"));
	std::sort(ours.begin(), ours.end());
	CHECK(ours == expected);

	/* Added twice: the kernel's EEXIST, naming the address. */
	auto twice = link->addAddresses({ ip("10.96.0.1"), ip("10.96.0.2") });
	CHECK(twice[0].error().code() == EEXIST);
	CHECK(twice[0].error().object() == "10.96.0.1 on kube-ipvs0");
	CHECK(twice[1].ok());

	auto deleted = link->deleteAddresses({ ip("10.96.0.1"), ip("fd00::1"), ip("10.99.9.9") });
	CHECK(deleted[0].ok());
	CHECK(deleted[1].ok());
	CHECK(deleted[2].error().code() == EADDRNOTAVAIL);
	std::string after = capture("ip -o addr show dev kube-ipvs0");
	CHECK(after.find("10.96.0.1/32") == std::string::npos);
	CHECK(after.find("fd00::1/128") == std::string::npos);
	CHECK(after.find("10.96.0.2/32") != std::string::npos);

	REQUIRE(DummyLink::remove("kube-ipvs0").ok());
}

TEST_CASE("every address on every interface, with its name", "[addresses]")
{
	std::system("ip link del kube-ipvs0 2>/dev/null");
	REQUIRE(std::system("ip link add kipvs-test0 type dummy && "
			    "ip addr add 192.0.2.5/24 dev kipvs-test0 && "
			    "ip addr add 2001:db8::5/64 dev kipvs-test0") == 0);

	auto addresses = listInterfaceAddresses();
	REQUIRE(addresses.ok());
	std::vector<std::string> ours;
	for (const InterfaceAddress &address : *addresses)
		ours.push_back(address.interface + " " + address.prefix.toString());
	std::sort(ours.begin(), ours.end());

	std::vector<std::string> theirs =
		sortedLines(capture("ip -o addr | awk '{print $2, $4}'"));
	CHECK(ours == theirs);
	CHECK(std::find(ours.begin(), ours.end(), "kipvs-test0 192.0.2.5/24") != ours.end());
	CHECK(std::find(ours.begin(), ours.end(), "lo 127.0.0.1/8") != ours.end());
	std::system("ip link del kipvs-test0");
}

int main(int argc, char *argv[])
{
	kipvs::test::isolateNetwork();
	kipvs::test::requireFeature(std::system("ip link add kipvs-probe0 type dummy 2>/dev/null && "
						"ip link del kipvs-probe0") == 0,
				    "dummy links");
	return Catch::Session().run(argc, argv);
}
