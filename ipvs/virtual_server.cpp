/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual and real server values: names in messages, configuration equality.
 */
#include "ipvs/virtual_server.h"

namespace kipvs::ipvs {

namespace {

std::string hostPort(const IpAddress &address, uint16_t port)
{
	std::string host = address.toString();
	if (address.isV6())
		host = "[" + host + "]";
	return host + ":" + std::to_string(port);
}

} /* namespace */

std::string ServiceKey::toString() const
{
	if (isFwmark())
		return "FWM " + std::to_string(fwmark) + (family == AF_INET6 ? " IPv6" : "");
	return std::string(protocolName(protocol)) + " " + hostPort(address, port);
}

bool VirtualServer::sameConfig(const VirtualServer &other) const
{
	return key == other.key && scheduler == other.scheduler &&
	       (flags & ~ServiceFlag::Hashed) == (other.flags & ~ServiceFlag::Hashed) &&
	       timeout == other.timeout && netmask == other.netmask &&
	       persistenceEngine == other.persistenceEngine;
}

std::string RealServer::toString() const
{
	return hostPort(address, port);
}

bool RealServer::sameConfig(const RealServer &other) const
{
	return address == other.address && port == other.port && family == other.family &&
	       method == other.method && weight == other.weight &&
	       upperThreshold == other.upperThreshold &&
	       lowerThreshold == other.lowerThreshold && tunnelType == other.tunnelType &&
	       tunnelPort == other.tunnelPort && tunnelFlags == other.tunnelFlags;
}

} /* namespace kipvs::ipvs */
