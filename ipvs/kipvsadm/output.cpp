/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Buffered text output for kipvsadm.
 */
#include "ipvs/kipvsadm/output.h"

#include <cstdarg>

namespace kipvs::ipvsadm {

void Output::printf(const char *format, ...)
{
	char small[256];
	va_list args;

	va_start(args, format);
	int length = std::vsnprintf(small, sizeof(small), format, args);
	va_end(args);
	if (length < 0)
		return;

	if (static_cast<size_t>(length) < sizeof(small)) {
		append(std::string_view(small, static_cast<size_t>(length)));
		return;
	}

	/* Rare: a resolved name longer than the scratch buffer. */
	std::string large(static_cast<size_t>(length) + 1, '\0');
	va_start(args, format);
	std::vsnprintf(large.data(), large.size(), format, args);
	va_end(args);
	large.pop_back();
	append(large);
}

void Output::flush()
{
	if (!stream_ || buffer_.empty())
		return;
	std::fwrite(buffer_.data(), 1, buffer_.size(), stream_);
	std::fflush(stream_);
	buffer_.clear();
}

} /* namespace kipvs::ipvsadm */
