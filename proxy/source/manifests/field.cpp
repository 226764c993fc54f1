/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed field readers.
 */
#include "proxy/source/manifests/field.h"

#include <algorithm>
#include <charconv>
#include <chrono>

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

Problem readTimestamp(const Field &field, int64_t &out)
{
	std::string_view text;
	if (auto problem = readText(field, text); problem || !field.present())
		return problem;
	/* Digits at [at, at + count) as a number, or -1. */
	auto number = [&](size_t at, size_t count) {
		int value = 0;
		if (at + count > text.size())
			return -1;
		for (size_t i = at; i < at + count; i++) {
			if (text[i] < '0' || text[i] > '9')
				return -1;
			value = value * 10 + (text[i] - '0');
		}
		return value;
	};
	auto at = [&](size_t i, std::string_view chars) {
		return i < text.size() && chars.find(text[i]) != std::string_view::npos;
	};
	int year = number(0, 4), month = number(5, 2), day = number(8, 2);
	int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
	bool valid = year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
		     hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 &&
		     second <= 60 && at(4, "-") && at(7, "-") && at(10, "Tt") && at(13, ":") &&
		     at(16, ":");
	size_t next = 19;
	if (valid && at(next, ".")) {
		do
			next++;
		while (at(next, "0123456789"));
		valid = next > 20;
	}
	int offset = 0;
	if (valid && at(next, "Zz")) {
		next++;
	} else if (valid && at(next, "+-")) {
		int hours = number(next + 1, 2), minutes = number(next + 4, 2);
		valid = hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59 && at(next + 3, ":");
		offset = (text[next] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
		next += 6;
	} else {
		valid = false;
	}
	if (!valid || next != text.size())
		return field.path() + ": " + quote(text) + " is not an RFC 3339 time";
	const std::chrono::year_month_day date{ std::chrono::year(year),
						std::chrono::month(static_cast<unsigned>(month)),
						std::chrono::day(static_cast<unsigned>(day)) };
	if (!date.ok())
		return field.path() + ": " + quote(text) + " is not a date";
	int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
	out = days * 86400 + hour * 3600 + minute * 60 + second - offset;
	return std::nullopt;
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
