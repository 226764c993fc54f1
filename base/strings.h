/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small string helpers shared by the flag, config and manifest readers.
 */
#pragma once

#include <string_view>

namespace kipvs {

/* text without the blanks at either end. */
inline std::string_view trim(std::string_view text, std::string_view blanks = " \t\r\n")
{
	size_t begin = text.find_first_not_of(blanks);
	if (begin == std::string_view::npos)
		return {};
	return text.substr(begin, text.find_last_not_of(blanks) - begin + 1);
}

} /* namespace kipvs */
