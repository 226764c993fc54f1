/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed field readers.
 */
#include "proxy/source/manifests/field.h"

#include <algorithm>
#include <charconv>

namespace kipvs::proxy::fields {

std::string quote(std::string_view text)
{
	return "\"" + std::string(text) + "\"";
}

Problem checkMap(const Field &field)
{
	if (field.present() && !field.isMap())
		return field.path() + ": must be an object";
	return std::nullopt;
}

Problem checkSequence(const Field &field)
{
	if (field.present() && !field.isSequence())
		return field.path() + ": must be a list";
	return std::nullopt;
}

Problem readText(const Field &field, std::string_view &out)
{
	if (!field.present())
		return std::nullopt;
	if (!field.isScalar())
		return field.path() + ": must be a string";
	out = field.text();
	return std::nullopt;
}

Problem readString(const Field &field, std::string &out)
{
	if (!field.present())
		return std::nullopt;
	std::string_view text;
	if (auto problem = readText(field, text))
		return problem;
	out = text;
	return std::nullopt;
}

Problem readInteger(const Field &field, int64_t min, int64_t max, int64_t &out)
{
	if (!field.present())
		return std::nullopt;
	const std::string_view text = field.isScalar() ? field.text() : std::string_view();
	int64_t value = 0;
	const char *begin = text.data(), *end = text.data() + text.size();
	auto [last, ec] = std::from_chars(begin, end, value);
	if (!field.isPlainScalar() || text.empty() ||
	    ec == std::errc::invalid_argument || last != end)
		return field.path() + ": " +
		       (field.isScalar() ? quote(text) + " is not an integer"
					      : std::string("must be an integer"));
	if (ec == std::errc::result_out_of_range || value < min || value > max)
		return field.path() + ": " + std::string(text) + " is out of range " +
		       std::to_string(min) + "-" + std::to_string(max);
	out = value;
	return std::nullopt;
}

Problem readPort(const Field &field, uint16_t &out)
{
	int64_t value = 0;
	if (auto problem = readInteger(field, 1, 65535, value))
		return problem;
	out = static_cast<uint16_t>(value);
	return std::nullopt;
}

Problem readOptionalPort(const Field &field, uint16_t &out)
{
	if (field.isPlainScalar() && field.text() == "0") {
		out = 0;
		return std::nullopt;
	}
	return readPort(field, out);
}

Problem readBool(const Field &field, bool &out)
{
	if (!field.present())
		return std::nullopt;
	const std::string_view text = field.isScalar() ? field.text() : std::string_view();
	const bool plain = field.isPlainScalar();
	if (plain && (text == "true" || text == "True" || text == "TRUE")) {
		out = true;
		return std::nullopt;
	}
	if (plain && (text == "false" || text == "False" || text == "FALSE")) {
		out = false;
		return std::nullopt;
	}
	return field.path() + ": " + (field.isScalar() ? quote(text) : std::string("value")) +
	       " is not true or false";
}

/* family: AF_UNSPEC for either. */
bool isLinkLocalMulticast(const IpAddress &address)
{
	const uint8_t *bytes = address.data();
	if (address.isV4())
		return bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0;
	return bytes[0] == 0xff && bytes[1] == 0x02;
}

Problem readAddress(const Field &field, int family, IpAddress &out)
{
	std::string_view text;
	if (auto problem = readText(field, text))
		return problem;
	auto address = IpAddress::parse(text);
	if (!address)
		return field.path() + ": " + quote(text) + " is not an IP address";
	if (family != AF_UNSPEC && address->family() != family)
		return field.path() + ": " + quote(text) + " is not an " +
		       (family == AF_INET ? "IPv4" : "IPv6") + " address";
	out = *address;
	return std::nullopt;
}

Problem readProtocol(const Field &field, Protocol &out)
{
	static constexpr std::pair<std::string_view, Protocol> protocols[] = {
		{ "TCP", Protocol::Tcp },
		{ "UDP", Protocol::Udp },
		{ "SCTP", Protocol::Sctp },
	};
	return readEnum<Protocol>(field, protocols, out);
}

Problem readTrafficPolicy(const Field &field, TrafficPolicy &out)
{
	static constexpr std::pair<std::string_view, TrafficPolicy> policies[] = {
		{ "Cluster", TrafficPolicy::Cluster },
		{ "Local", TrafficPolicy::Local },
	};
	return readEnum<TrafficPolicy>(field, policies, out);
}

Problem readStringMap(const Field &field, std::map<std::string, std::string> &out)
{
	return readStrings(field, [&](std::string_view key, std::string_view value) {
		out.insert_or_assign(std::string(key), std::string(value));
	});
}

bool validName(std::string_view name)
{
	if (name.empty() || name.size() > 253)
		return false;
	return std::all_of(name.begin(), name.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
	});
}

} /* namespace kipvs::proxy::fields */
