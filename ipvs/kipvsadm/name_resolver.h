/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses and ports as ipvsadm prints them: numeric with -n, otherwise
 * reverse DNS (gethostbyaddr) and the services database (getservbyport),
 * falling back to numbers.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "base/address.h"

namespace kipvs::ipvsadm {

class NameResolver
{
public:
	explicit NameResolver(bool numeric) : numeric_(numeric) {}
	virtual ~NameResolver() = default;

	/*
	 * "10.0.0.1:80", "[fd00::1]:80", "localhost:http"; protocol is an IP
	 * protocol number (0: ports stay numeric). Cut to 59 characters, as
	 * ipvsadm formats into a 60-byte buffer.
	 */
	std::string addressPort(int family, const IpAddress &address, uint16_t port,
				unsigned int protocol);

protected:
	/* Seams for tests; the defaults ask the C library. */
	virtual std::string hostName(int family, const IpAddress &address);
	virtual std::string serviceName(uint16_t port, unsigned int protocol);

private:
	bool numeric_;
	std::map<std::pair<int, IpAddress>, std::string> hosts_;
	std::map<std::pair<uint16_t, unsigned int>, std::string> services_;
};

} /* namespace kipvs::ipvsadm */
