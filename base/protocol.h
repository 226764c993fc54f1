/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport protocols of services, shared by IPVS keys, set entries and
 * Kubernetes ports; the values are the kernel's IPPROTO_* numbers.
 */
#pragma once

#include <cstdint>

namespace kipvs {

enum class Protocol : uint8_t {
	None = 0, /* an IPVS firewall-mark service; a set entry without a port */
	Tcp = 6,
	Udp = 17,
	Sctp = 132,
};

/* "TCP", "UDP", "SCTP", as ipvsadm and Kubernetes write them; "?" for None. */
const char *protocolName(Protocol protocol);
/* "tcp", "udp", "sctp": ipset entries and the state file; "none" for None. */
const char *protocolKeyword(Protocol protocol);

} /* namespace kipvs */
