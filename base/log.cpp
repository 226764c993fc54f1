/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log lines: "2026-11-22T03:04:05.678Z E message".
 */
#include "base/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace kipvs {

void Log::operator()(LogLevel level, const std::string &text) const
{
	if (level == LogLevel::Debug && verbosity_ < 4)
		return;
	static const char letters[] = { 'E', 'W', 'I', 'D' };
	auto now = std::chrono::system_clock::now();
	std::time_t seconds = std::chrono::system_clock::to_time_t(now);
	auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
	struct tm utc;
	gmtime_r(&seconds, &utc);
	char stamp[32];
	std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
	std::fprintf(stderr, "%s.%03dZ %c %s\n", stamp, static_cast<int>(millis.count()),
		     letters[static_cast<int>(level)], text.c_str());
}

} /* namespace kipvs */
