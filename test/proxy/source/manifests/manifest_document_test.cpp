/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest documents: the JSON reader, the YAML tree builder, List items
 * kept as text, and the arena the trees live in.
 */
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "proxy/source/manifests/manifest_document.h"

using namespace kipvs::proxy;

namespace {

/* A tree in one line: quoted scalars in quotes, null as ~, List items kept as text in <>. */
std::string dump(const ManifestValue &value)
{
	std::string out;
	switch (value.type()) {
	case ManifestValue::Type::Null:
		return "~";
	case ManifestValue::Type::Scalar:
		return value.plain() ? std::string(value.text()) : "\"" + std::string(value.text()) + "\"";
	case ManifestValue::Type::Json:
		return "<" + std::string(value.text()) + ">";
	case ManifestValue::Type::Sequence:
		for (const ManifestValue &item : value.items())
			out += (out.empty() ? "" : ",") + dump(item);
		return "[" + out + "]";
	case ManifestValue::Type::Map:
		for (const ManifestMember &member : value.members())
			out += (out.empty() ? "" : ",") + std::string(member.key) + ":" + dump(member.value);
		return "{" + out + "}";
	}
	return "?";
}

struct Read {
	std::optional<std::string> error;
	std::vector<std::string> documents;
	/* Whether every scalar of each document points into the text: the JSON reader's doing. */
	std::vector<bool> inText;
};

bool scalarsIn(const ManifestValue &value, std::string_view text)
{
	auto inside = [&](std::string_view part) {
		return part.empty() ||
		       (part.data() >= text.data() && part.data() + part.size() <= text.data() + text.size());
	};
	if (value.type() == ManifestValue::Type::Scalar)
		return inside(value.text());
	for (const ManifestValue &item : value.items())
		if (!scalarsIn(item, text))
			return false;
	for (const ManifestMember &member : value.members())
		if (!inside(member.key) || !scalarsIn(member.value, text))
			return false;
	return true;
}

Read read(std::string_view text)
{
	Read out;
	ManifestArena arena;
	out.error = readManifestDocuments(text, arena, [&](const ManifestValue &document) {
		out.documents.push_back(dump(document));
		out.inText.push_back(scalarsIn(document, text));
	});
	return out;
}

/* A top-level List of count items {"i":N}, with extra text after the items. */
std::string jsonList(size_t count, const std::string &last = "")
{
	std::string text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n";
	for (size_t i = 0; i < count; i++)
		text += (i ? ",\n" : "") + std::string("  {\"i\": ") + std::to_string(i) + "}";
	return text + last + "\n]}\n";
}

} /* namespace */

TEST_CASE("JSON: plain and quoted scalars, empty and nested containers", "[manifest]")
{
	Read r = read(R"( { "a": "x", "b": [ 1, -2.5e3, 0.5E+2, true, false, null ],
			    "c": {}, "d": [], "e": { "f": [ [ "" ] ] } } )");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{
				     R"({a:"x",b:[1,-2.5e3,0.5E+2,true,false,~],c:{},d:[],e:{f:[[""]]}})" });
	CHECK(r.inText == std::vector<bool>{ true });

	r = read("[ \"a\", { \"k\": null } ]");
	CHECK(r.documents == std::vector<std::string>{ R"(["a",{k:~}])" });
	CHECK(r.inText == std::vector<bool>{ true });
}

TEST_CASE("JSON escapes are unescaped, in values and keys", "[manifest]")
{
	Read r = read(R"({ "k\u0065y": "q\"b\\s\/ \b\f\n\r\t", "u": "caf\u00e9 \ud83d\ude00 \u0041" })");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{
				     "{key:\"q\"b\\s/ \b\f\n\r\t\",u:\"caf\xc3\xa9 \xf0\x9f\x98\x80 A\"}" });
	/* The unescaped ones are copies. */
	CHECK(r.inText == std::vector<bool>{ false });

	/* Escapes after a long run, and a run after an escape. */
	r = read(R"({ "long": "abcdefghijklmnopqrstuvwxyz\nABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" })");
	CHECK(r.documents ==
	      std::vector<std::string>{ "{long:\"abcdefghijklmnopqrstuvwxyz\nABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\"}" });
}

TEST_CASE("JSON strings: quotes, escapes and control characters wherever they fall", "[manifest]")
{
	/* Strings are scanned many bytes at a time: try every position in and past a block. */
	for (size_t at = 0; at < 40; at++) {
		CAPTURE(at);
		const std::string before(at, 'a'), after(40 - at, 'b');
		Read r = read("{ \"k\": \"" + before + "\\\"" + after + "\" }");
		CHECK(r.documents == std::vector<std::string>{ "{k:\"" + before + "\"" + after + "\"}" });
		CHECK(r.inText == std::vector<bool>{ false });

		r = read("{ \"k\": \"" + before + "\", \"l\": 1 }");
		CHECK(r.documents == std::vector<std::string>{ "{k:\"" + before + "\",l:1}" });
		CHECK(r.inText == std::vector<bool>{ true });

		/* A raw control character: not JSON (nor YAML, for most). */
		r = read("{ \"k\": \"" + before + "\x01" + after + "\" }");
		CHECK_FALSE((!r.error && r.inText == std::vector<bool>{ true }));
	}

	/* Bytes of UTF-8 are not control characters. */
	const std::string utf8 = "café ünïcödé ✓ 😀";
	Read r = read("{ \"\xc3\xa9\": \"" + utf8 + "\", \"s\": \"\xc3\xa9\" }");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{ "{\xc3\xa9:\"" + utf8 + "\",s:\"\xc3\xa9\"}" });
	CHECK(r.inText == std::vector<bool>{ true });
}

TEST_CASE("JSON the strict reader refuses goes to the YAML reader", "[manifest]")
{
	/* Single quotes, and a raw tab in a string: YAML, not JSON. */
	Read r = read("{ \"a\": 'x', \"b\": \"1\t2\" }");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{ "{a:\"x\",b:\"1\t2\"}" });
	CHECK(r.inText == std::vector<bool>{ false });

	/* Neither: libyaml's line and column. */
	r = read("{ \"a\": [ 1, 2 }\n");
	REQUIRE(r.error);
	CHECK_THAT(*r.error, Catch::StartsWith("line 1, column "));
	CHECK(r.documents.empty());

	/* Unterminated strings and escapes, a bad \u, a lone low surrogate. */
	for (const char *text : { "{ \"a\": \"x", "{ \"a\": \"x\\", "{ \"a\": \"\\u12g4\" }",
				  "{ \"a\": \"\\udc00\" }", "{ \"a\": \"\\ud800x\" }", "{ \"a\": 01. }",
				  "{ \"a\": - }", "{ \"a\": 1e }", "{ \"a\": nul }", "{ \"a\" 1 }",
				  "{ \"a\": 1 \"b\": 2 }", "[ 1 2 ]", "{ \"a\": 1 } x" }) {
		CAPTURE(text);
		Read refused = read(text);
		bool strict = !refused.error && refused.inText == std::vector<bool>{ true };
		CHECK_FALSE(strict);
	}
}

TEST_CASE("JSON nested 200 deep is read as JSON, deeper as YAML", "[manifest]")
{
	auto nested = [](int depth) {
		return std::string(static_cast<size_t>(depth), '[') + "\"x\"" +
		       std::string(static_cast<size_t>(depth), ']');
	};
	Read r = read(nested(200));
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{ nested(200) });
	CHECK(r.inText == std::vector<bool>{ true });

	/* The same tree, but libyaml's: its scalars are copies. */
	r = read(nested(201));
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{ nested(201) });
	CHECK(r.inText == std::vector<bool>{ false });

	/* In maps too: depth counts containers, whatever their kind. */
	std::string maps;
	for (int i = 0; i < 200; i++)
		maps += "{\"k\":";
	maps += "1" + std::string(200, '}');
	r = read(maps);
	REQUIRE_FALSE(r.error);
	CHECK(r.inText == std::vector<bool>{ true });
}

TEST_CASE("a key given twice: both kept, find() gives the first", "[manifest]")
{
	ManifestArena arena;
	std::string found;
	size_t members = 0;
	readManifestDocuments(R"({ "a": 1, "b": 2, "a": 3 })", arena, [&](const ManifestValue &document) {
		found = dump(*document.find("a"));
		members = document.members().size();
		CHECK(document.find("c") == nullptr);
		CHECK(document.find("a")->find("x") == nullptr);
	});
	CHECK(found == "1");
	CHECK(members == 3);
}

TEST_CASE("a small List's items are read with the rest; a large List's kept as text", "[manifest]")
{
	Read r = read(jsonList(2));
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{ R"({apiVersion:"v1",kind:"List",items:[{i:0},{i:1}]})" });

	/* Over 256 KiB: each item is text until expandJson() reads it. */
	const std::string large = jsonList(20000);
	REQUIRE(large.size() > 256 * 1024);
	ManifestArena arena;
	size_t items = 0;
	bool allJson = true, allRead = true;
	auto error = readManifestDocuments(large, arena, [&](const ManifestValue &document) {
		const ManifestValue *list = document.find("items");
		REQUIRE(list);
		items = list->items().size();
		for (size_t i = 0; i < items; i++) {
			const ManifestValue &item = list->items()[i];
			allJson = allJson && item.type() == ManifestValue::Type::Json;
			const ManifestArena::Mark mark = arena.mark();
			auto tree = expandJson(item.text(), arena);
			allRead = allRead && tree && dump(*tree) == "{i:" + std::to_string(i) + "}";
			arena.rewind(mark);
		}
	});
	CHECK_FALSE(error);
	CHECK(items == 20000);
	CHECK(allJson);
	CHECK(allRead);

	/* Only the top level's "items" are kept as text. */
	r = read(jsonList(20000, R"(, { "items": [ { "deep": true } ] })"));
	REQUIRE(r.documents.size() == 1);
	CHECK_THAT(r.documents[0], Catch::EndsWith(R"(<{"i": 19999}>,<{ "items": [ { "deep": true } ] }>]})"));

	/* An empty List, large only by its padding. */
	r = read("{ \"kind\": \"List\", \"items\": [ ], \"pad\": \"" + std::string(300 * 1024, 'x') +
		 "\" }");
	REQUIRE(r.documents.size() == 1);
	CHECK_THAT(r.documents[0], Catch::StartsWith("{kind:\"List\",items:[],pad:\"xxx"));
}

TEST_CASE("a malformed item of a large List breaks the whole text", "[manifest]")
{
	Read r = read(jsonList(20000, ",\n  {\"i\": [ }"));
	REQUIRE(r.error);
	CHECK_THAT(*r.error, Catch::StartsWith("line 2000"));
	CHECK(r.documents.empty());

	/*
	 * An item nested deeper than the JSON reader goes, counting from the
	 * top of the text, is not JSON to it even though the item alone
	 * would be: the whole text goes to libyaml, as a small one does.
	 */
	const std::string deep = ",\n  " + std::string(199, '[') + "\"x\"" + std::string(199, ']');
	for (size_t count : { 2, 20000 }) {
		CAPTURE(count);
		r = read(jsonList(count, deep));
		REQUIRE_FALSE(r.error);
		REQUIRE(r.documents.size() == 1);
		CHECK(r.inText == std::vector<bool>{ false });
	}
}

TEST_CASE("YAML: documents, plain and quoted scalars, anchors shared by aliases", "[manifest]")
{
	Read r = read(R"(
a: &x { b: [ 1, "2", '3' ], c: ~ }
d: *x
? [ not, a, scalar ]
: e
---
---
- 'only'
)");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents == std::vector<std::string>{
				     R"({a:{b:[1,"2","3"],c:~},d:{b:[1,"2","3"],c:~},:e})",
				     "~",
				     R"(["only"])",
			     });

	/* Documents before an error are passed on; the error names line and column. */
	r = read("a: 1\n---\nb: [ 2\n");
	REQUIRE(r.error);
	CHECK_THAT(*r.error, Catch::StartsWith("line "));
	CHECK(r.documents == std::vector<std::string>{ "{a:1}" });
}

TEST_CASE("YAML scalars: every style, the spellings of null, tags", "[manifest]")
{
	Read r = read(R"(
plain: a b
  c
single: 'it''s'
double: "tab\there \u00e9 \x41"
literal: |
  line 1
   line 2
folded: >-
  one
  two

  three
nulls: [ ~, null, Null, NULL, "null", 'null' ]
empty:
tagged: !!str 80
port: 80
bools: [ true, "true" ]
)");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents ==
	      std::vector<std::string>{ "{plain:a b c,single:\"it's\",double:\"tab\there \xc3\xa9 A\","
					"literal:\"line 1\n line 2\n\",folded:\"one two\nthree\","
					"nulls:[~,~,~,~,\"null\",\"null\"],empty:~,tagged:\"80\","
					"port:80,bools:[true,\"true\"]}" });
}

TEST_CASE("YAML collections: block and flow, nested, kubectl's layout, keys that are not scalars",
	  "[manifest]")
{
	Read r = read(R"(apiVersion: v1
items:
- kind: Service
  spec:
    ports:
    - { name: http, port: 80 }
    - name: https
      port: 443
  empty: { }
  none: [ ]
- [ a, [ b, { c: d } ] ]
~: null key
? { complex: key }
: value
)");
	REQUIRE_FALSE(r.error);
	CHECK(r.documents ==
	      std::vector<std::string>{ "{apiVersion:v1,items:[{kind:Service,spec:{ports:[{name:http,port:80},"
					"{name:https,port:443}]},empty:{},none:[]},[a,[b,{c:d}]]],"
					":null key,:value}" });
}

TEST_CASE("YAML anchors: scalars and collections, redefined, used in later documents", "[manifest]")
{
	Read r = read(R"(
a: &s text
b: *s
c: &s [ 1, &n 2 ]
d: *s
e: *n
f: &self [ *self ]
---
g: *s
)");
	/* An alias names an anchor earlier in its own document; inside the node it names, null. */
	REQUIRE(r.error);
	CHECK(*r.error == "line 9, column 4: the referenced anchor is not defined");
	CHECK(r.documents == std::vector<std::string>{ "{a:text,b:text,c:[1,2],d:[1,2],e:2,f:[~]}" });
}

TEST_CASE("malformed YAML: the line and column, and the cause", "[manifest]")
{
	/* libyaml's problem, and what it was reading, where that started. */
	Read r = read("a: 1\nb: [ 2\nc: 3\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 3, column 2: did not find expected ',' or ']' "
			  "(while parsing a flow sequence at line 2, column 4)");
	CHECK(r.documents.empty());

	r = read("a: 1\n b: 2\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 2, column 3: mapping values are not allowed in this context");

	r = read("a: \"open\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 2, column 1: found unexpected end of stream "
			  "(while scanning a quoted scalar at line 1, column 4)");

	/* A collection followed by one of another kind, or less indented: not further documents. */
	r = read("- a\nb: c\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 2, column 1: did not find expected '-' indicator "
			  "(while parsing a block collection at line 1, column 1)");
	r = read("  a: 1\n b: 2\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 2, column 2: did not find expected <document start>");
	CHECK(r.documents == std::vector<std::string>{ "{a:1}" });

	/* Bytes that are not UTF-8 are found by libyaml's reader, which counts bytes. */
	r = read("a: 1\nb: x\xff\n");
	REQUIRE(r.error);
	CHECK(*r.error == "line 2, column 5: invalid leading UTF-8 octet");
}

TEST_CASE("the arena: blocks reused after a rewind, large requests, copies", "[manifest]")
{
	ManifestArena arena;
	const ManifestArena::Mark start = arena.mark();
	void *first = arena.allocate(10);
	void *second = arena.allocate(1);
	CHECK(static_cast<char *>(second) - static_cast<char *>(first) == 16);

	/* Larger than any block so far, then more than fits in what is left. */
	std::string big(100 * 1024, 'b');
	std::string_view copy = arena.copy(big);
	CHECK(copy == big);
	CHECK(copy.data() != big.data());
	std::vector<std::string_view> copies;
	for (int i = 0; i < 1000; i++)
		copies.push_back(arena.copy(std::string(100, static_cast<char>('a' + i % 26))));
	bool intact = true;
	for (int i = 0; i < 1000; i++)
		intact = intact && copies[static_cast<size_t>(i)] == std::string(100, static_cast<char>('a' + i % 26));
	CHECK(intact);
	CHECK(copy == big);

	arena.rewind(start);
	CHECK(arena.allocate(10) == first);
	CHECK(arena.copy("").empty());

	/* Trimmed: the first block only, from its start. */
	arena.copy(big);
	arena.trim();
	CHECK(arena.allocate(10) == first);
	CHECK(arena.copy(big) == big);
}
