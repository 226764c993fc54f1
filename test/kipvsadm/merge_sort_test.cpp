/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The merge sort and ipvsadm's wrapping comparators: same order as glibc's
 * own qsort() (this host runs glibc 2.36) for comparators that are not a
 * strict weak order.
 */
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "ipvs/kipvsadm/ipvsadm_order.h"
#include "ipvs/kipvsadm/merge_sort.h"

using namespace kipvs;
using namespace kipvs::ipvsadm;

namespace {

struct Item {
	uint32_t value;
	int index;
};

int wrapping(const Item &a, const Item &b)
{
	return static_cast<int>(a.value - b.value);
}

extern "C" int wrappingC(const void *a, const void *b)
{
	return wrapping(*static_cast<const Item *>(a), *static_cast<const Item *>(b));
}

ipvs::VirtualServer tcp(const char *address, uint16_t port)
{
	ipvs::VirtualServer service;
	service.key.address = *IpAddress::parse(address);
	service.key.family = service.key.address.family();
	service.key.port = port;
	return service;
}

} /* namespace */

TEST_CASE("the merge sort gives glibc qsort's order for a wrapping comparator", "[kipvsadm]")
{
	std::mt19937 random(5);
	for (size_t n : { 0, 1, 2, 3, 7, 16, 33, 100, 1000, 5001 }) {
		std::vector<Item> items(n);
		for (size_t i = 0; i < n; i++)
			items[i] = { static_cast<uint32_t>(random()), static_cast<int>(i) };
		/* Duplicates, so ties are exercised too. */
		for (size_t i = 0; i + 1 < n; i += 5)
			items[i + 1].value = items[i].value;

		std::vector<Item> expected = items;
		std::qsort(expected.data(), expected.size(), sizeof(Item), wrappingC);
		glibcMergeSort(items, wrapping);

		REQUIRE(items.size() == expected.size());
		for (size_t i = 0; i < n; i++)
			REQUIRE(items[i].index == expected[i].index);
	}
}

TEST_CASE("ipvsadm's comparator wraps: 10.0.0.1 sorts after 200.0.0.1", "[kipvsadm]")
{
	CHECK(compareServices(tcp("10.0.0.1", 80), tcp("200.0.0.1", 80)) > 0);
	CHECK(compareServices(tcp("10.0.0.1", 80), tcp("10.0.0.2", 80)) < 0);
	CHECK(compareServices(tcp("10.0.0.1", 80), tcp("10.0.0.1", 443)) < 0);

	std::vector<ipvs::VirtualServer> services = { tcp("10.0.0.1", 80), tcp("200.0.0.1", 80),
						      tcp("1.0.0.1", 80) };
	sortServices(services);
	CHECK(services[0].key.address.toString() == "200.0.0.1");
	CHECK(services[1].key.address.toString() == "1.0.0.1");
	CHECK(services[2].key.address.toString() == "10.0.0.1");
}

TEST_CASE("fwmarks compare first, and wrap", "[kipvsadm]")
{
	ipvs::VirtualServer one;
	one.key = { AF_INET, ipvs::Protocol::None, {}, 0, 1 };
	ipvs::VirtualServer big = one;
	big.key.fwmark = 4294967295u;
	/* 1 - 4294967295 wraps to 2: the biggest mark sorts first. */
	CHECK(compareServices(one, big) > 0);
	CHECK(compareServices(one, tcp("10.0.0.1", 80)) > 0);
}
