/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The object metadata the parser reads besides names: creationTimestamp.
 */
#include <catch2/catch.hpp>

#include <string>

#include "proxy/source/manifests/manifest_parser.h"

using namespace kipvs;
using namespace kipvs::proxy;

namespace {

ManifestFile serviceWithTimestamp(const std::string &value)
{
	return parseManifest("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
			     "  creationTimestamp: " + value +
				     "\nspec: { clusterIP: 10.96.0.1, ports: [ { port: 80 } ] }\n",
			     "web.yaml");
}

} /* namespace */

TEST_CASE("creationTimestamp is read as seconds since the epoch", "[manifest]")
{
	struct Case {
		const char *text;
		int64_t seconds;
	};
	const Case cases[] = {
		/* As the API server writes it. */
		{ "\"2026-12-04T01:02:03Z\"", 1796346123 },
		/* Unquoted, as kubectl get -o yaml prints it. */
		{ "2026-12-04T01:02:03Z", 1796346123 },
		{ "1970-01-01T00:00:00Z", 0 },
		/* A leap day, fractions, an offset: RFC 3339 allows them. */
		{ "2024-02-29T23:59:59.999999Z", 1709251199 },
		{ "2026-12-04T03:02:03+02:00", 1796346123 },
		{ "2026-12-03T20:02:03-05:00", 1796346123 },
		/* Absent and null (kubectl create --dry-run writes null) read as 0. */
		{ "null", 0 },
	};
	for (const Case &c : cases) {
		INFO(c.text);
		ManifestFile file = serviceWithTimestamp(c.text);
		CHECK(file.errors.empty());
		REQUIRE(file.services.size() == 1);
		CHECK(file.services[0].created == c.seconds);
	}
}

TEST_CASE("a creationTimestamp that is not an RFC 3339 time is reported", "[manifest]")
{
	for (const char *text : { "yesterday", "\"2026-12-04\"", "\"2026-12-04 01:02:03Z\"",
				  "\"2026-02-30T00:00:00Z\"", "\"2026-12-04T25:00:00Z\"",
				  "\"2026-12-04T01:02:03\"", "\"2026-12-04T01:02:03.Z\"",
				  "\"2026-12-04T01:02:03Z junk\"", "[ 1 ]" }) {
		INFO(text);
		ManifestFile file = serviceWithTimestamp(text);
		CHECK(file.services.empty());
		REQUIRE(file.errors.size() == 1);
		CHECK_THAT(file.errors[0].message(),
			   Catch::StartsWith("web.yaml: Service default/web: metadata.creationTimestamp"));
	}
}
