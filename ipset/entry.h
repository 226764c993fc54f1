/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One member of a set, typed, printed and parsed exactly as `ipset save`
 * prints it, so that what kipvs wants compares equal to what the kernel has.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>


#include "ipset/set_spec.h"
#include "base/address.h"
#include "base/error.h"
#include "base/protocol.h"

namespace kipvs::ipset {

/* The transport protocols kipvs puts in sets (None: an entry without a port). */
using kipvs::Protocol;

/*
 * An entry of one of the SetType types. Which fields are used depends on
 * the type; the others stay zero so that equality and hashing are exact.
 * Networks are stored masked, as the kernel stores them: 10.244.1.5/16 is
 * the entry 10.244.0.0/16, and a full-length prefix is a plain address.
 */
class Entry
{
public:
	Entry() = default;

	/* hash:ip: "10.0.0.1" */
	static Entry ip(const IpAddress &address);
	/* hash:ip,port: "10.96.0.10,tcp:53" */
	static Entry ipPort(const IpAddress &address, Protocol protocol, uint16_t port);
	/* hash:ip,port,ip: "10.244.1.5,tcp:80,10.244.1.5" */
	static Entry ipPortIp(const IpAddress &address, Protocol protocol, uint16_t port,
			      const IpAddress &address2);
	/* hash:ip,port,net: "10.0.0.1,tcp:80,10.244.0.0/16" */
	static Entry ipPortNet(const IpAddress &address, Protocol protocol, uint16_t port,
			       const IpPrefix &net);
	/* hash:net: "10.0.0.0/8" */
	static Entry net(const IpPrefix &net);
	/* bitmap:port: "30080" */
	static Entry port(uint16_t port);

	/*
	 * Parse an entry of a set of type `type` as `ipset save` prints it.
	 * Also accepted: a port without protocol (TCP, as ipset does), and
	 * "proto:port" in bitmap:port sets. Errors are EINVAL naming the text
	 * and what is wrong with it.
	 */
	static Result<Entry> parse(SetType type, std::string_view text);

	/*
	 * Check what the factories cannot: both addresses of one family, a
	 * protocol for the types that need one, a network length the kernel
	 * stores (1 to 32 or 128). EINVAL with the reason otherwise.
	 */
	Result<void> validate() const;

	SetType type() const { return type_; }
	/* AF_INET, AF_INET6, or AF_UNSPEC for bitmap:port. */
	int family() const { return address_.family(); }
	const IpAddress &address() const { return address_; }
	Protocol protocol() const { return protocol_; }
	uint16_t portNumber() const { return port_; }
	/* hash:ip,port,ip: the second address; hash:ip,port,net: the network. */
	const IpAddress &address2() const { return address2_; }
	/* The network length of hash:net and hash:ip,port,net entries. */
	uint8_t cidr() const { return cidr_; }

	/* Exactly as `ipset save` prints the entry. */
	std::string toString() const;

	/* Field by field, addresses as 16-byte blocks: diffs call it per entry. */
	bool operator==(const Entry &other) const;
	auto operator<=>(const Entry &other) const = default;

private:
	/* Why the entry cannot be stored, if it cannot. */
	std::optional<std::string> problem() const;

	SetType type_ = SetType::HashIp;
	Protocol protocol_ = Protocol::None;
	uint8_t cidr_ = 0;
	uint16_t port_ = 0;
	IpAddress address_;
	IpAddress address2_;
};

} /* namespace kipvs::ipset */

template<>
struct std::hash<kipvs::ipset::Entry> {
	size_t operator()(const kipvs::ipset::Entry &entry) const noexcept;
};
