/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual server identities and their names in messages.
 */
#include "ipvs/virtual_server.h"

namespace kipvs::ipvs {

const char *protocolName(Protocol protocol)
{
	switch (protocol) {
	case Protocol::Tcp:
		return "TCP";
	case Protocol::Udp:
		return "UDP";
	case Protocol::Sctp:
		return "SCTP";
	case Protocol::None:
		break;
	}
	return "?";
}

std::string ServiceKey::toString() const
{
	if (isFwmark())
		return "FWM " + std::to_string(fwmark) + (family == AF_INET6 ? " IPv6" : "");
	std::string host = address.toString();
	if (address.isV6())
		host = "[" + host + "]";
	return std::string(protocolName(protocol)) + " " + host + ":" + std::to_string(port);
}

} /* namespace kipvs::ipvs */
