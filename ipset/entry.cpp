/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entries: construction, validation, and the text of `ipset save`.
 */
#include "ipset/entry.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace kipvs::ipset {

namespace {

/* The kernel keeps only the network part of a net; so must we, to compare. */
IpAddress masked(const IpAddress &address, unsigned int length)
{
	if (!address.valid())
		return address;
	std::array<uint8_t, 16> bytes{};
	std::memcpy(bytes.data(), address.data(), address.size());
	unsigned int bits = static_cast<unsigned int>(address.size() * 8);
	for (unsigned int bit = length; bit < bits; bit++)
		bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
	return *IpAddress::fromBytes(bytes.data(), address.size());
}

unsigned int fullLength(const IpAddress &address)
{
	return static_cast<unsigned int>(address.size() * 8);
}

Error malformed(std::string_view text, const std::string &reason)
{
	return Error(EINVAL, "parse ipset entry", "'" + std::string(text) + "' (" + reason + ")");
}

std::optional<Protocol> parseProtocol(std::string_view text)
{
	if (text == "tcp")
		return Protocol::Tcp;
	if (text == "udp")
		return Protocol::Udp;
	if (text == "sctp")
		return Protocol::Sctp;
	return std::nullopt;
}

std::optional<uint16_t> parsePort(std::string_view text)
{
	uint16_t port = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size())
		return std::nullopt;
	return port;
}

struct ProtocolPort {
	Protocol protocol;
	uint16_t port;
};

/* "tcp:53", or "53" meaning TCP as ipset reads it. */
Result<ProtocolPort> parseProtocolPort(std::string_view entry, std::string_view text)
{
	Protocol protocol = Protocol::Tcp;
	std::string_view portText = text;
	size_t colon = text.find(':');
	if (colon != std::string_view::npos) {
		auto parsed = parseProtocol(text.substr(0, colon));
		if (!parsed)
			return malformed(entry, "protocol '" + std::string(text.substr(0, colon)) +
						"' is not tcp, udp or sctp");
		protocol = *parsed;
		portText = text.substr(colon + 1);
	}
	auto port = parsePort(portText);
	if (!port)
		return malformed(entry, "'" + std::string(portText) + "' is not a port number");
	return ProtocolPort{ protocol, *port };
}

Result<IpAddress> parseAddress(std::string_view entry, std::string_view text)
{
	auto address = IpAddress::parse(text);
	if (!address)
		return malformed(entry, "'" + std::string(text) + "' is not an IP address");
	return *address;
}

Result<IpPrefix> parseNet(std::string_view entry, std::string_view text)
{
	auto prefix = IpPrefix::parse(text);
	if (!prefix)
		return malformed(entry, "'" + std::string(text) + "' is not an IP network");
	return *prefix;
}

/* Splits "a,b,c" into exactly `count` parts. */
bool split(std::string_view text, size_t count, std::array<std::string_view, 3> &parts)
{
	size_t n = 0;
	while (n < count) {
		size_t comma = text.find(',');
		parts[n++] = text.substr(0, comma);
		if (comma == std::string_view::npos)
			break;
		text.remove_prefix(comma + 1);
		if (n == count)
			return false;
	}
	return n == count;
}

size_t partsOf(SetType type)
{
	switch (type) {
	case SetType::HashIpPort:
		return 2;
	case SetType::HashIpPortIp:
	case SetType::HashIpPortNet:
		return 3;
	default:
		return 1;
	}
}

void appendPortPart(std::string &text, Protocol protocol, uint16_t port)
{
	text += ',';
	text += protocolKeyword(protocol);
	text += ':';
	text += std::to_string(port);
}

} /* namespace */

Entry Entry::ip(const IpAddress &address)
{
	Entry entry;
	entry.type_ = SetType::HashIp;
	entry.address_ = address;
	return entry;
}

Entry Entry::ipPort(const IpAddress &address, Protocol protocol, uint16_t port)
{
	Entry entry;
	entry.type_ = SetType::HashIpPort;
	entry.address_ = address;
	entry.protocol_ = protocol;
	entry.port_ = port;
	return entry;
}

Entry Entry::ipPortIp(const IpAddress &address, Protocol protocol, uint16_t port,
		      const IpAddress &address2)
{
	Entry entry = ipPort(address, protocol, port);
	entry.type_ = SetType::HashIpPortIp;
	entry.address2_ = address2;
	return entry;
}

Entry Entry::ipPortNet(const IpAddress &address, Protocol protocol, uint16_t port,
		       const IpPrefix &net)
{
	Entry entry = ipPort(address, protocol, port);
	entry.type_ = SetType::HashIpPortNet;
	entry.address2_ = masked(net.address(), net.length());
	entry.cidr_ = static_cast<uint8_t>(net.length());
	return entry;
}

Entry Entry::net(const IpPrefix &net)
{
	Entry entry;
	entry.type_ = SetType::HashNet;
	entry.address_ = masked(net.address(), net.length());
	entry.cidr_ = static_cast<uint8_t>(net.length());
	return entry;
}

Entry Entry::port(uint16_t port)
{
	Entry entry;
	entry.type_ = SetType::BitmapPort;
	entry.port_ = port;
	return entry;
}

Result<Entry> Entry::parse(SetType type, std::string_view text)
{
	std::array<std::string_view, 3> parts;
	if (!split(text, partsOf(type), parts))
		return malformed(text, "a " + std::string(typeName(type)) + " entry has " +
					       std::to_string(partsOf(type)) +
					       " comma-separated part(s)");

	if (type == SetType::BitmapPort) {
		auto port = parseProtocolPort(text, parts[0]);
		if (!port)
			return port.error();
		return Entry::port(port->port);
	}
	if (type == SetType::HashNet) {
		auto prefix = parseNet(text, parts[0]);
		if (!prefix)
			return prefix.error();
		Entry entry = Entry::net(*prefix);
		if (auto reason = entry.problem())
			return malformed(text, *reason);
		return entry;
	}

	auto address = parseAddress(text, parts[0]);
	if (!address)
		return address.error();
	if (type == SetType::HashIp)
		return Entry::ip(*address);

	auto port = parseProtocolPort(text, parts[1]);
	if (!port)
		return port.error();

	Entry entry;
	if (type == SetType::HashIpPort) {
		entry = Entry::ipPort(*address, port->protocol, port->port);
	} else if (type == SetType::HashIpPortIp) {
		auto address2 = parseAddress(text, parts[2]);
		if (!address2)
			return address2.error();
		entry = Entry::ipPortIp(*address, port->protocol, port->port, *address2);
	} else {
		auto net = parseNet(text, parts[2]);
		if (!net)
			return net.error();
		entry = Entry::ipPortNet(*address, port->protocol, port->port, *net);
	}
	if (auto reason = entry.problem())
		return malformed(text, *reason);
	return entry;
}

Result<void> Entry::validate() const
{
	if (auto reason = problem())
		return Error(EINVAL, "check ipset entry", toString() + " (" + *reason + ")");
	return {};
}

std::optional<std::string> Entry::problem() const
{
	auto invalid = [](std::string reason) { return std::optional<std::string>(std::move(reason)); };

	if (type_ == SetType::BitmapPort)
		return std::nullopt;
	if (!address_.valid())
		return invalid("no address");

	switch (type_) {
	case SetType::HashIpPortIp:
	case SetType::HashIpPortNet:
		if (address2_.family() != address_.family())
			return invalid("the two addresses are of different families");
		[[fallthrough]];
	case SetType::HashIpPort:
		if (protocol_ == Protocol::None)
			return invalid("no protocol");
		break;
	default:
		break;
	}

	if (type_ == SetType::HashNet || type_ == SetType::HashIpPortNet) {
		if (cidr_ == 0 || cidr_ > fullLength(address_))
			return invalid("network length /" + std::to_string(cidr_) +
				       " cannot be stored (the kernel takes 1 to " +
				       std::to_string(fullLength(address_)) + ")");
	}
	return std::nullopt;
}

namespace {

bool sameAddress(const IpAddress &a, const IpAddress &b)
{
	/* IpAddress zero-fills the bytes a family does not use. */
	return a.family() == b.family() && std::memcmp(a.data(), b.data(), 16) == 0;
}

} /* namespace */

bool Entry::operator==(const Entry &other) const
{
	return type_ == other.type_ && protocol_ == other.protocol_ && cidr_ == other.cidr_ &&
	       port_ == other.port_ && sameAddress(address_, other.address_) &&
	       sameAddress(address2_, other.address2_);
}

std::string Entry::toString() const
{
	auto netText = [this](const IpAddress &address) {
		std::string text = address.toString();
		if (cidr_ != fullLength(address))
			text += "/" + std::to_string(cidr_);
		return text;
	};

	std::string text;
	switch (type_) {
	case SetType::HashIp:
		return address_.toString();
	case SetType::HashNet:
		return netText(address_);
	case SetType::BitmapPort:
		return std::to_string(port_);
	case SetType::HashIpPort:
		text = address_.toString();
		appendPortPart(text, protocol_, port_);
		return text;
	case SetType::HashIpPortIp:
		text = address_.toString();
		appendPortPart(text, protocol_, port_);
		return text + "," + address2_.toString();
	case SetType::HashIpPortNet:
		text = address_.toString();
		appendPortPart(text, protocol_, port_);
		return text + "," + netText(address2_);
	}
	return text;
}

} /* namespace kipvs::ipset */

size_t std::hash<kipvs::ipset::Entry>::operator()(const kipvs::ipset::Entry &entry) const noexcept
{
	/*
	 * Whole words through a multiply-xorshift mix: diffs hash every entry
	 * of 50,000-entry sets, so this is on the hot path. Unused address
	 * bytes are zero (IpAddress zero-fills), as equality also sees them.
	 */
	auto mix = [](uint64_t value, uint64_t word) {
		value = (value ^ word) * 0xbf58476d1ce4e5b9ull;
		return value ^ (value >> 31);
	};
	auto words = [&mix](uint64_t value, const kipvs::IpAddress &address) {
		uint64_t half[2];
		std::memcpy(half, address.data(), sizeof(half));
		return mix(mix(value, half[0]), half[1]);
	};
	uint64_t head = static_cast<uint64_t>(entry.type()) |
			static_cast<uint64_t>(entry.protocol()) << 8 |
			static_cast<uint64_t>(entry.cidr()) << 16 |
			static_cast<uint64_t>(entry.portNumber()) << 24 |
			static_cast<uint64_t>(entry.family()) << 40;
	uint64_t value = mix(0x9e3779b97f4a7c15ull, head);
	value = words(value, entry.address());
	value = words(value, entry.address2());
	/* A full finaliser: tables index by the low bits. */
	value ^= value >> 33;
	value *= 0xff51afd7ed558ccdull;
	value ^= value >> 33;
	value *= 0xc4ceb9fe1a85ec53ull;
	value ^= value >> 33;
	return static_cast<size_t>(value);
}
