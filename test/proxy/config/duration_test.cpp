/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go-style durations, as used by --ipvs-sync-period and the config file.
 */
#include <catch2/catch.hpp>

#include "proxy/config/duration.h"

using namespace std::chrono_literals;
using kipvs::proxy::formatDuration;
using kipvs::proxy::parseDuration;

TEST_CASE("durations parse as Go parses them", "[duration]")
{
	CHECK(parseDuration("30s") == 30s);
	CHECK(parseDuration("1m30s") == 90s);
	CHECK(parseDuration("15m") == 15min);
	CHECK(parseDuration("500ms") == 500ms);
	CHECK(parseDuration("1.5h") == 90min);
	CHECK(parseDuration("0") == 0s);
	CHECK(parseDuration("2us") == 2us);
}

TEST_CASE("malformed durations are rejected", "[duration]")
{
	for (const char *text : { "", "30", "s", "-5s", "5x", "1..5s", "3 s", "s30" })
		CHECK_FALSE(parseDuration(text));
}

TEST_CASE("durations print as Go prints them", "[duration]")
{
	CHECK(formatDuration(30s) == "30s");
	CHECK(formatDuration(90s) == "1m30s");
	CHECK(formatDuration(15min) == "15m0s");
	CHECK(formatDuration(0s) == "0s");
	CHECK(formatDuration(1500ms) == "1.5s");
	CHECK(formatDuration(250ms) == "250ms");
}
