/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durations written as Kubernetes writes them ("30s", "1m30s", "500ms").
 */
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kipvs::proxy {

/*
 * Parse a Go time.Duration string (units ns, us, µs, ms, s, m, h; a number
 * may have a fraction; "0" alone is allowed). Negative durations are
 * rejected: nothing in kipvs's configuration can be negative.
 */
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text);

/* The shortest Go-style text for a duration: "30s", "1m30s", "15m0s". */
std::string formatDuration(std::chrono::nanoseconds duration);

} /* namespace kipvs::proxy */
