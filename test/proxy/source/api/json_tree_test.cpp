/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simdjson values into the manifests' tree: scalars as written, what each
 * kind's filter keeps and never builds, and text that is not JSON.
 */
#include <catch2/catch.hpp>

#include <string>

#include "proxy/source/api/json_tree.h"

using namespace kipvs::proxy;

namespace {

/* The tree of text through filter, printed back compactly (keys in order). */
std::string print(const ManifestValue &value)
{
	switch (value.type()) {
	case ManifestValue::Type::Null:
		return "null";
	case ManifestValue::Type::Scalar:
		return value.plain() ? std::string(value.text()) : "\"" + std::string(value.text()) + "\"";
	case ManifestValue::Type::Sequence: {
		std::string out = "[";
		for (const ManifestValue &item : value.items())
			out += (out.size() > 1 ? "," : "") + print(item);
		return out + "]";
	}
	case ManifestValue::Type::Map: {
		std::string out = "{";
		for (const ManifestMember &member : value.members())
			out += (out.size() > 1 ? "," : "") + std::string(member.key) + ":" + print(member.value);
		return out + "}";
	}
	case ManifestValue::Type::Json:
		return "json";
	}
	return "?";
}

std::string tree(std::string text, const TreeFilter *filter)
{
	simdjson::ondemand::parser parser;
	simdjson::padded_string padded(text);
	simdjson::ondemand::document document;
	simdjson::ondemand::value value;
	ManifestArena arena;
	ManifestValue out;
	if (auto error = parser.iterate(padded).get(document))
		return simdjson::error_message(error);
	if (auto error = document.get_value().get(value))
		return simdjson::error_message(error);
	if (auto error = buildTree(value, filter, arena, out))
		return simdjson::error_message(error);
	return print(out);
}

} /* namespace */

TEST_CASE("scalars as written: numbers and booleans plain, strings unescaped", "[json-tree]")
{
	CHECK(tree(R"({"a": 80 , "b": -1.5e3, "c": true, "d": null, "e": "x\"\u00e9", "f": [1, "2"]})", nullptr) ==
	      "{a:80,b:-1.5e3,c:true,d:null,e:\"x\"\xc3\xa9\",f:[1,\"2\"]}");
}

TEST_CASE("a Service: no managedFields, no annotations", "[json-tree]")
{
	CHECK(tree(R"({"metadata": {"name": "a", "managedFields": [{"manager": "m"}],
		      "annotations": {"k": "v"}, "labels": {"l": "1"}}, "spec": {"ports": [{"port": 80}]}})",
		   &serviceFilter()) == "{metadata:{name:\"a\",labels:{l:\"1\"}},spec:{ports:[{port:80}]}}");
}

TEST_CASE("an EndpointSlice keeps its annotations (the trigger time)", "[json-tree]")
{
	CHECK(tree(R"({"metadata": {"name": "a", "managedFields": [], "annotations": {"t": "1"}}, "endpoints": []})",
		   &endpointSliceFilter()) == "{metadata:{name:\"a\",annotations:{t:\"1\"}},endpoints:[]}");
}

TEST_CASE("a Node: its metadata, taints and addresses only", "[json-tree]")
{
	CHECK(tree(R"({"kind": "Node", "apiVersion": "v1",
		      "metadata": {"name": "n", "labels": {"z": "a"}, "annotations": {"x": "y"}},
		      "spec": {"podCIDR": "10.0.0.0/24", "taints": [{"key": "k", "effect": "NoSchedule"}]},
		      "status": {"capacity": {"cpu": "2"}, "conditions": [{"type": "Ready"}],
				 "addresses": [{"type": "InternalIP", "address": "192.0.2.1"}],
				 "images": [{"names": ["a"], "sizeBytes": 1}]}})",
		   &nodeFilter()) ==
	      "{kind:\"Node\",apiVersion:\"v1\",metadata:{name:\"n\",labels:{z:\"a\"}},"
	      "spec:{taints:[{key:\"k\",effect:\"NoSchedule\"}]},"
	      "status:{addresses:[{type:\"InternalIP\",address:\"192.0.2.1\"}]}}");
}

TEST_CASE("text that is not JSON, and JSON too deep", "[json-tree]")
{
	CHECK(tree(R"({"a": tru})", nullptr) != "{a:true}");
	CHECK(tree(R"({"a": 1x})", nullptr) != "{a:1x}");
	std::string deep(100, '[');
	deep += std::string(100, ']');
	CHECK(tree(deep, nullptr) == simdjson::error_message(simdjson::DEPTH_ERROR));
}
