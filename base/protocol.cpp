/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names of the transport protocols.
 */
#include "base/protocol.h"

namespace kipvs {

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

const char *protocolKeyword(Protocol protocol)
{
	switch (protocol) {
	case Protocol::Tcp:
		return "tcp";
	case Protocol::Udp:
		return "udp";
	case Protocol::Sctp:
		return "sctp";
	case Protocol::None:
		break;
	}
	return "none";
}

} /* namespace kipvs */
