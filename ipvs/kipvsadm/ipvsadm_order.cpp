/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's listing order, wrap-around quirk included.
 */
#include "ipvs/kipvsadm/ipvsadm_order.h"

#include <cstring>

#include "ipvs/kipvsadm/merge_sort.h"

namespace kipvs::ipvsadm {

namespace {

/*
 * ipvsadm subtracts unsigned 32-bit values and returns the difference as
 * an int: 10.0.0.1 - 200.0.0.1 wraps to a positive number, so 10.0.0.1
 * sorts after 200.0.0.1. C++20 defines the conversion as modular.
 */
int wrappingDifference(uint32_t a, uint32_t b)
{
	return static_cast<int>(a - b);
}

/* Word i (0-3) of an address in host order, as ipvsadm reads its union. */
uint32_t addressWord(const IpAddress &address, unsigned int i)
{
	uint8_t bytes[16] = {};
	if (address.valid())
		std::memcpy(bytes, address.data(), address.size());
	const uint8_t *w = bytes + 4 * i;
	return (uint32_t{ w[0] } << 24) | (uint32_t{ w[1] } << 16) |
	       (uint32_t{ w[2] } << 8) | uint32_t{ w[3] };
}

int compareAddresses(int family, const IpAddress &a, const IpAddress &b)
{
	if (family != AF_INET6)
		return wrappingDifference(addressWord(a, 0), addressWord(b, 0));

	int r = 0;
	for (unsigned int i = 0; r == 0 && i < 4; i++)
		r = wrappingDifference(addressWord(a, i), addressWord(b, i));
	return r;
}

} /* namespace */

int compareServices(const ipvs::VirtualServer &a, const ipvs::VirtualServer &b)
{
	const ipvs::ServiceKey &ka = a.key;
	const ipvs::ServiceKey &kb = b.key;

	int r = wrappingDifference(ka.fwmark, kb.fwmark);
	if (r != 0)
		return r;
	/* af and protocol are 16-bit in ipvsadm: promoted, they cannot wrap. */
	r = ka.family - kb.family;
	if (r != 0)
		return r;
	/* The kernel sends no protocol for fwmark services: ipvsadm sees 0. */
	int pa = ka.isFwmark() ? 0 : static_cast<int>(ka.protocol);
	int pb = kb.isFwmark() ? 0 : static_cast<int>(kb.protocol);
	r = pa - pb;
	if (r != 0)
		return r;
	r = compareAddresses(ka.family, ka.address, kb.address);
	if (r != 0)
		return r;
	return static_cast<int>(ka.port) - static_cast<int>(kb.port);
}

int compareRealServers(const ipvs::RealServer &a, const ipvs::RealServer &b)
{
	int r = compareAddresses(a.family, a.address, b.address);
	if (r != 0)
		return r;
	return static_cast<int>(a.port) - static_cast<int>(b.port);
}

void sortServices(std::vector<ipvs::VirtualServer> &services)
{
	glibcMergeSort(services, compareServices);
}

void sortServices(std::vector<ServiceWithRealServers> &services)
{
	glibcMergeSort(services, [](const ServiceWithRealServers &a, const ServiceWithRealServers &b) {
		return compareServices(a.service, b.service);
	});
}

void sortRealServers(std::vector<ipvs::RealServer> &realServers)
{
	glibcMergeSort(realServers, compareRealServers);
}

} /* namespace kipvs::ipvsadm */
