/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IpAddress and IpPrefix: parsing, printing, prefix matching.
 */
#include "base/address.h"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

namespace kipvs {

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
	/* inet_pton needs a terminated string, and tolerates no blanks either. */
	if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
		return std::nullopt;
	char buffer[INET6_ADDRSTRLEN];
	std::memcpy(buffer, text.data(), text.size());
	buffer[text.size()] = '\0';

	IpAddress address;
	if (inet_pton(AF_INET, buffer, address.bytes_.data()) == 1) {
		address.family_ = AF_INET;
		return address;
	}
	if (inet_pton(AF_INET6, buffer, address.bytes_.data()) == 1) {
		address.family_ = AF_INET6;
		return address;
	}
	return std::nullopt;
}

std::optional<IpAddress> IpAddress::fromBytes(const void *data, size_t len)
{
	if (len != 4 && len != 16)
		return std::nullopt;
	IpAddress address;
	address.family_ = len == 4 ? AF_INET : AF_INET6;
	std::memcpy(address.bytes_.data(), data, len);
	return address;
}

IpAddress IpAddress::v4(uint32_t hostOrder)
{
	uint32_t network = htonl(hostOrder);
	return *fromBytes(&network, 4);
}

bool IpAddress::isLoopback() const
{
	if (isV4())
		return bytes_[0] == 127;
	static const std::array<uint8_t, 16> loopback6{ 0, 0, 0, 0, 0, 0, 0, 0,
							 0, 0, 0, 0, 0, 0, 0, 1 };
	return isV6() && bytes_ == loopback6;
}

bool IpAddress::isLinkLocal() const
{
	if (isV4())
		return bytes_[0] == 169 && bytes_[1] == 254;
	return isV6() && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::isUnspecified() const
{
	for (size_t i = 0; i < size(); i++)
		if (bytes_[i])
			return false;
	return true;
}

std::string IpAddress::toString() const
{
	if (!valid())
		return "<none>";
	char buffer[INET6_ADDRSTRLEN];
	inet_ntop(family_, bytes_.data(), buffer, sizeof(buffer));
	return buffer;
}

IpPrefix::IpPrefix(IpAddress address, unsigned int length)
	: address_(address), length_(length)
{
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text)
{
	size_t slash = text.find('/');
	auto address = IpAddress::parse(text.substr(0, slash));
	if (!address)
		return std::nullopt;
	unsigned int max = static_cast<unsigned int>(address->size() * 8);
	if (slash == std::string_view::npos)
		return IpPrefix(*address, max);

	std::string_view digits = text.substr(slash + 1);
	unsigned int length = 0;
	auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
	if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
	    length > max)
		return std::nullopt;
	return IpPrefix(*address, length);
}

bool IpPrefix::contains(const IpAddress &address) const
{
	if (address.family() != address_.family())
		return false;
	unsigned int whole = length_ / 8, rest = length_ % 8;
	if (std::memcmp(address.data(), address_.data(), whole))
		return false;
	if (!rest)
		return true;
	uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
	return (address.data()[whole] & mask) == (address_.data()[whole] & mask);
}

std::string IpPrefix::toString() const
{
	return address_.toString() + "/" + std::to_string(length_);
}

} /* namespace kipvs */

size_t std::hash<kipvs::IpAddress>::operator()(const kipvs::IpAddress &address) const noexcept
{
	/* FNV-1a over the family and the bytes in use. */
	size_t value = 1469598103934665603ull ^ static_cast<size_t>(address.family());
	for (size_t i = 0; i < address.size(); i++)
		value = (value ^ address.data()[i]) * 1099511628211ull;
	return value;
}
