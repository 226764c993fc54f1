/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4/IPv6 addresses and prefixes as the kernel stores them (network byte
 * order), with parsing and printing that match the iproute2/ipset tools.
 */
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace kipvs {

class IpAddress
{
public:
	IpAddress() = default;

	/* "10.0.0.1" or "fd00::1"; nullopt for anything else. */
	static std::optional<IpAddress> parse(std::string_view text);
	/* len is 4 or 16 bytes, in network order. */
	static std::optional<IpAddress> fromBytes(const void *data, size_t len);
	static IpAddress v4(uint32_t hostOrder);

	int family() const { return family_; }
	bool isV4() const { return family_ == AF_INET; }
	bool isV6() const { return family_ == AF_INET6; }
	bool valid() const { return family_ != AF_UNSPEC; }
	/* 4 or 16 */
	size_t size() const { return isV4() ? 4 : 16; }
	const uint8_t *data() const { return bytes_.data(); }

	bool isLoopback() const;
	bool isLinkLocal() const;
	bool isUnspecified() const;

	/* Canonical text: dotted quad, or RFC 5952 IPv6. */
	std::string toString() const;

	auto operator<=>(const IpAddress &) const = default;

private:
	int family_ = AF_UNSPEC;
	std::array<uint8_t, 16> bytes_{};
};

class IpPrefix
{
public:
	IpPrefix() = default;
	IpPrefix(IpAddress address, unsigned int length);

	/* "10.0.0.0/8"; a bare address is a host prefix. */
	static std::optional<IpPrefix> parse(std::string_view text);

	const IpAddress &address() const { return address_; }
	unsigned int length() const { return length_; }
	bool contains(const IpAddress &address) const;
	std::string toString() const;

	auto operator<=>(const IpPrefix &) const = default;

private:
	IpAddress address_;
	unsigned int length_ = 0;
};

} /* namespace kipvs */

template<>
struct std::hash<kipvs::IpAddress> {
	size_t operator()(const kipvs::IpAddress &address) const noexcept;
};
