/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset report texts: the blamed line, and an errno for the reason.
 */
#include "ipset/report.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace kipvs::ipset {

Report parseReport(std::string_view message)
{
	Report report;
	while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
		message.remove_suffix(1);

	constexpr std::string_view prefix = "Error in line ";
	if (message.starts_with(prefix)) {
		std::string_view rest = message.substr(prefix.size());
		uint32_t line = 0;
		auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
		std::string_view after(end, static_cast<size_t>(rest.data() + rest.size() - end));
		if (ec == std::errc() && after.starts_with(": ")) {
			report.line = line;
			message = after.substr(2);
		}
	}
	report.text = std::string(message);
	return report;
}

int errnoFromReport(std::string_view text)
{
	/* The phrases of libipset's error tables (lib/errcode.c), by meaning. */
	static constexpr std::array<std::pair<std::string_view, int>, 16> phrases{ {
		{ "does not exist", ENOENT },
		{ "it's not added", ENOENT },
		{ "already added", EEXIST },
		{ "already exists", EEXIST },
		{ "in use by", EBUSY },
		{ "is full", ENOSPC },
		{ "maximal number of", ENOSPC },
		{ "type does not match", EINVAL },
		{ "not supported", EOPNOTSUPP },
		{ "is out of the range", ERANGE },
		{ "Syntax error", EINVAL },
		{ "is invalid", EINVAL },
		{ "is expected", EINVAL },
		{ "Null-valued element", EINVAL },
		{ "Invalid", EINVAL },
		{ "missing", EINVAL },
	} };

	constexpr std::string_view kernel = "Kernel error received: ";
	size_t at = text.find(kernel);
	if (at != std::string_view::npos) {
		std::string_view reason = text.substr(at + kernel.size());
		for (int errnum = 1; errnum < 134; errnum++)
			if (reason == std::strerror(errnum))
				return errnum;
	}
	for (const auto &[phrase, errnum] : phrases)
		if (text.find(phrase) != std::string_view::npos)
			return errnum;
	return EIO;
}

} /* namespace kipvs::ipset */
