/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ListSplitter: a List body split into items whatever the chunks, and the
 * ways a body is not a List.
 */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "proxy/source/api/list_splitter.h"

using namespace kipvs::proxy;

namespace {

struct Split {
	std::vector<std::string> items;
	std::string metadata;
	std::optional<std::string> failure;
};

/* body fed in pieces of chunk bytes (0: whole). */
Split split(const std::string &body, size_t chunk = 0)
{
	Split out;
	ListSplitter splitter([&](std::string_view item) {
		out.items.emplace_back(item);
		return true;
	});
	if (chunk == 0)
		chunk = body.size();
	for (size_t at = 0; at < body.size() && !out.failure; at += chunk)
		out.failure = splitter.feed(std::string_view(body).substr(at, chunk));
	if (!out.failure)
		out.failure = splitter.finish();
	out.metadata = splitter.metadata();
	return out;
}

const std::string kList =
	"{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"42\"},"
	"\"items\":[{\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"}]{[\\\"\\\\\"}}},"
	" {\"metadata\":{\"name\":\"b\"},\"spec\":{\"ports\":[{\"port\":80}]}}\n ]}";

} /* namespace */

TEST_CASE("a List's items and metadata, whatever the chunks", "[list-splitter]")
{
	const std::vector<std::string> items = {
		"{\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"}]{[\\\"\\\\\"}}}",
		"{\"metadata\":{\"name\":\"b\"},\"spec\":{\"ports\":[{\"port\":80}]}}",
	};
	for (size_t chunk = 0; chunk <= kList.size(); chunk++) {
		INFO("chunks of " << chunk << " bytes");
		Split got = split(kList, chunk);
		CHECK_FALSE(got.failure);
		CHECK(got.items == items);
		CHECK(got.metadata == "{\"resourceVersion\":\"42\"}");
	}
}

TEST_CASE("members in another order, and an empty list", "[list-splitter]")
{
	Split got = split("{\"items\":[],\"metadata\":{\"resourceVersion\":\"7\"},\"kind\":\"NodeList\"}", 3);
	CHECK_FALSE(got.failure);
	CHECK(got.items.empty());
	CHECK(got.metadata == "{\"resourceVersion\":\"7\"}");

	got = split("{\"items\":null}");
	REQUIRE(got.failure);
	CHECK(*got.failure == "at byte 9: \"items\" is not an array");
}

TEST_CASE("bodies that are not a List", "[list-splitter]")
{
	CHECK(*split("[1,2]").failure == "at byte 0: not a JSON object");
	CHECK(*split("{\"items\":[1]}").failure == "at byte 10: item 0 is not an object");
	CHECK(*split("{\"items\":[{} {}]}").failure == "at byte 13: ',' or ']' expected after item 1");
	CHECK(*split("{\"a\" 1}").failure == "at byte 5: ':' expected after \"a\"");
	CHECK(*split("{\"items\":[]} x").failure == "at byte 13: bytes after the end of the list");
	/* Cut off: how far it got. */
	Split cut = split(kList.substr(0, 150), 16);
	REQUIRE(cut.failure);
	CHECK(*cut.failure == "the list ends early, at byte 150 (after 1 items)");
	CHECK(cut.items.size() == 1);
}

TEST_CASE("the item handler stops the splitting", "[list-splitter]")
{
	int calls = 0;
	ListSplitter splitter([&](std::string_view) { return ++calls < 1; });
	auto failure = splitter.feed(kList);
	REQUIRE(failure);
	CHECK(failure->ends_with(": stopped"));
	CHECK(calls == 1);
	CHECK(splitter.feed("}") == std::optional<std::string>("the list could not be read"));
}
