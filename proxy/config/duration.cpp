/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go-style duration parsing and printing for flags and KubeProxyConfiguration.
 */
#include "proxy/config/duration.h"

#include <cmath>
#include <cstdint>

namespace kipvs::proxy {

namespace {

struct Unit {
	std::string_view name;
	double nanoseconds;
};

/* Longest names first, so "ms" is not read as "m". */
constexpr Unit kUnits[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
	{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
};

} /* namespace */

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text)
{
	if (text == "0")
		return std::chrono::nanoseconds(0);
	if (text.empty())
		return std::nullopt;

	double total = 0;
	while (!text.empty()) {
		size_t digits = 0;
		bool dot = false, any = false;
		while (digits < text.size()) {
			char c = text[digits];
			if (c >= '0' && c <= '9')
				any = true;
			else if (c == '.' && !dot)
				dot = true;
			else
				break;
			digits++;
		}
		if (!any)
			return std::nullopt;
		double number = std::stod(std::string(text.substr(0, digits)));
		text.remove_prefix(digits);

		const Unit *unit = nullptr;
		for (const Unit &candidate : kUnits) {
			if (text.starts_with(candidate.name) &&
			    (!unit || candidate.name.size() > unit->name.size()))
				unit = &candidate;
		}
		if (!unit)
			return std::nullopt;
		total += number * unit->nanoseconds;
		text.remove_prefix(unit->name.size());
	}
	if (total > static_cast<double>(INT64_MAX))
		return std::nullopt;
	return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

std::string formatDuration(std::chrono::nanoseconds duration)
{
	int64_t ns = duration.count();
	if (ns == 0)
		return "0s";
	std::string text;
	if (ns < 1000000000) {
		if (ns % 1000000 == 0)
			return std::to_string(ns / 1000000) + "ms";
		if (ns % 1000 == 0)
			return std::to_string(ns / 1000) + "us";
		return std::to_string(ns) + "ns";
	}
	int64_t hours = ns / 3600000000000;
	ns %= 3600000000000;
	int64_t minutes = ns / 60000000000;
	ns %= 60000000000;
	if (hours)
		text += std::to_string(hours) + "h";
	if (hours || minutes)
		text += std::to_string(minutes) + "m";
	text += std::to_string(ns / 1000000000);
	if (int64_t fraction = ns % 1000000000) {
		std::string digits = std::to_string(fraction + 1000000000).substr(1);
		while (digits.back() == '0')
			digits.pop_back();
		text += "." + digits;
	}
	return text + "s";
}

} /* namespace kipvs::proxy */
