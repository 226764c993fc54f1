/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest parser on JSON Lists, small and large (a large one's items
 * are read one at a time): the same objects and the same checks either way.
 */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "manifest_test.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::proxy::test::ip;
using kipvs::proxy::test::messages;

TEST_CASE("a JSON List's items are read one at a time, with the same checks", "[manifest]")
{
	ManifestFile file = parseManifest(R"({
	"apiVersion": "v1",
	"items": [
		{ "metadata": { "name": "a" }, "spec": { "clusterIP": "10.96.0.1", "ports": [ { "port": 80 } ] } },
		{ "spec": { "ports": [ { "port": 80 } ] } },
		{ "metadata": { "name": "c" }, "spec": { "ports": [ { "port": 0 } ] } }
	],
	"kind": "ServiceList",
	"metadata": { "resourceVersion": "1" }
})",
					  "list.json");
	REQUIRE(file.parsed());
	REQUIRE(file.services.size() == 1);
	CHECK(file.services[0].name == ObjectName{ "default", "a" });
	CHECK(messages(file.errors) == std::vector<std::string>{
					       "list.json: Service in document 1 items[1]: metadata.name is missing",
					       "list.json: Service default/c: spec.ports[0].port: 0 is out of range 1-65535",
				       });

	/* A broken item breaks the file, as anywhere else. */
	file = parseManifest(R"({ "apiVersion": "v1", "kind": "List", "items": [ { "a": 1 ] } })", "bad.json");
	CHECK_FALSE(file.parsed());
}

namespace {

/* A JSON List of count Services svc-N, the item at bad (if any) with port 0. */
std::string serviceList(size_t count, size_t bad, const std::string &extra = "")
{
	std::string text = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n";
	for (size_t i = 0; i < count; i++) {
		const std::string n = std::to_string(i);
		text += (i ? ",\n" : "") + std::string("{\"apiVersion\":\"v1\",\"kind\":\"Service\",") +
			"\"metadata\":{\"name\":\"svc-" + n + "\",\"namespace\":\"bench\"}," +
			"\"spec\":{\"clusterIP\":\"10.96." + std::to_string(i / 250) + "." +
			std::to_string(i % 250 + 1) + "\",\"ports\":[{\"port\":" + (i == bad ? "0" : "80") +
			"}]}}";
	}
	return text + extra + "\n]}\n";
}

} /* namespace */

TEST_CASE("a large JSON List (items read one at a time) gives what a small one does", "[manifest]")
{
	for (size_t count : { 3, 3000 }) {
		CAPTURE(count);
		const std::string text = serviceList(count, 1);
		ManifestFile file = parseManifest(text, "list.json");
		REQUIRE(file.parsed());
		REQUIRE(file.services.size() == count - 1);
		CHECK(file.services[0].name == ObjectName{ "bench", "svc-0" });
		CHECK(file.services.back().name == ObjectName{ "bench", "svc-" + std::to_string(count - 1) });
		CHECK(file.services.back().clusterIPs ==
		      std::vector<IpAddress>{ ip(("10.96." + std::to_string((count - 1) / 250) + "." +
						  std::to_string((count - 1) % 250 + 1))
							 .c_str()) });
		CHECK(messages(file.errors) ==
		      std::vector<std::string>{ "list.json: Service bench/svc-1: spec.ports[0].port: 0 is out of range 1-65535" });
	}
	REQUIRE(serviceList(3000, 1).size() > 256 * 1024);
}

TEST_CASE("a malformed item breaks a large List as a small one: nothing of the file is used",
	  "[manifest]")
{
	for (size_t count : { 3, 3000 }) {
		CAPTURE(count);
		ManifestFile file = parseManifest(serviceList(count, count, ",\n{\"kind\": \"Service\", ]"),
						  "broken.json");
		REQUIRE_FALSE(file.parsed());
		CHECK_THAT(file.syntaxError->message(),
			   Catch::StartsWith("broken.json: line " + std::to_string(count + 2) + ", column "));
		CHECK(file.services.empty());
		CHECK(file.errors.empty());
	}
}

TEST_CASE("an empty List; a List in a List; an item that is not an object", "[manifest]")
{
	ManifestFile file = parseManifest(R"({ "apiVersion": "v1", "kind": "List", "items": [] })", "empty.json");
	REQUIRE(file.parsed());
	CHECK(file.services.empty());
	CHECK(file.errors.empty());
	CHECK(file.notes.empty());

	/* Large or small, the same names in the messages. */
	for (size_t padding : { 0, 300 * 1024 }) {
		CAPTURE(padding);
		file = parseManifest(R"({ "apiVersion": "v1", "kind": "List", "items": [
			"text",
			{ "apiVersion": "v1", "kind": "ServiceList", "items": [
				{ "metadata": { "name": "a" }, "spec": { "ports": [ { "port": 80 } ] } },
				{ "metadata": { "name": "b" }, "spec": { "ports": [ { "port": "x" } ] } },
				{ "metadata": { "name": "a" }, "spec": { "ports": [ { "port": 81 } ] } }
			] }
		], "pad": ")" + std::string(padding, ' ') + "\" }",
				     "nested.json");
		REQUIRE(file.parsed());
		REQUIRE(file.services.size() == 1);
		CHECK(file.services[0].ports[0].port == 81);
		CHECK(messages(file.errors) ==
		      std::vector<std::string>{
			      "nested.json: document 1 items[0]: not an object",
			      "nested.json: Service default/b: spec.ports[0].port: \"x\" is not an integer",
		      });
		CHECK(messages(file.notes) ==
		      std::vector<std::string>{ "nested.json: Service default/a: defined again in document 1 "
						"items[1] items[2]; the later definition is used" });
	}
}

TEST_CASE("an object defined again, among few objects or many", "[manifest]")
{
	/* svc-0..svc-N-1, then svc-1 and svc-N-2 again with port 81. */
	for (size_t count : { 3, 7, 8, 9, 20 }) {
		CAPTURE(count);
		std::string text = serviceList(count, count);
		text.resize(text.size() - 4); /* "\n]}\n" */
		for (size_t again : { size_t(1), count - 2 })
			text += ",\n{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-" +
				std::to_string(again) + "\",\"namespace\":\"bench\"},\"spec\":{\"ports\":[{\"port\":81}]}}";
		text += "\n]}\n";
		ManifestFile file = parseManifest(text, "again.json");
		REQUIRE(file.parsed());
		REQUIRE(file.services.size() == count);
		for (size_t i = 0; i < count; i++) {
			CAPTURE(i);
			CHECK(file.services[i].name == ObjectName{ "bench", "svc-" + std::to_string(i) });
			CHECK(file.services[i].ports[0].port == (i == 1 || i == count - 2 ? 81 : 80));
		}
		std::vector<std::string> notes;
		for (size_t again : { size_t(1), count - 2 })
			notes.push_back("again.json: Service bench/svc-" + std::to_string(again) +
					": defined again in document 1 items[" +
					std::to_string(count + (again == 1 ? 0 : 1)) + "]; the later definition is used");
		if (count == 3)
			notes[1] = "again.json: Service bench/svc-1: defined again in document 1 items[4]; "
				   "the later definition is used";
		CHECK(messages(file.notes) == notes);
	}
}
