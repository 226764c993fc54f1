/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the fields of a manifest document as the API server would check
 * them: typed readers that name the field in their message ("spec.ports[1].port:
 * 70000 is not a port"). The parser of each kind is built on these.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/address.h"
#include "base/protocol.h"
#include "proxy/model/objects.h"
#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy::fields {

/* The reason an object is invalid; nullopt when it is fine. */
using Problem = std::optional<std::string>;

std::string quote(std::string_view text);

/*
 * A node and the path that names it in messages ("spec.ports[1].port").
 * A missing key and an explicit null read the same, as in Kubernetes' JSON.
 */
struct Field {
	const ManifestValue *value; /* nullptr: absent */
	/*
	 * Where it is, kept as links so that the path string is only built
	 * for a message. A Field never outlives its parent: both live on the
	 * stack of one check.
	 */
	const Field *parent = nullptr;
	std::string_view key = {};
	size_t index = kNoIndex;

	static constexpr size_t kNoIndex = static_cast<size_t>(-1);

	bool present() const { return value && value->type() != ManifestValue::Type::Null; }
	bool isMap() const { return present() && value->type() == ManifestValue::Type::Map; }
	bool isSequence() const { return present() && value->type() == ManifestValue::Type::Sequence; }
	bool isScalar() const { return present() && value->type() == ManifestValue::Type::Scalar; }
	/* Quoted "80" is a string to the API server, not a number. */
	bool isPlainScalar() const { return isScalar() && value->plain(); }
	std::string_view text() const { return value->text(); }
	size_t size() const { return isSequence() ? value->items().size() : 0; }

	/* Keys are literals or the document's own strings: both outlive the Field. */
	Field operator[](std::string_view name) const
	{
		return { value ? value->find(name) : nullptr, this, name };
	}

	Field item(size_t i) const { return { &value->items()[i], this, {}, i }; }

	/* "spec.ports[1].port" */
	std::string path() const
	{
		std::string text = parent ? parent->path() : std::string();
		if (index != kNoIndex)
			return text + "[" + std::to_string(index) + "]";
		if (key.empty())
			return text;
		return text.empty() ? std::string(key) : text + "." + std::string(key);
	}
};

/* An optional object must be a map when it is there. */
Problem checkMap(const Field &field);

Problem checkSequence(const Field &field);

/*
 * Any scalar reads as a string: kubectl would complain of a bare number, we
 * need not. out is left alone when the field is absent.
 */
Problem readText(const Field &field, std::string_view &out);

Problem readString(const Field &field, std::string &out);

/*
 * Integers must be plain: a quoted "80" is a string to the API server,
 * and it would reject it.
 */
Problem readInteger(const Field &field, int64_t min, int64_t max, int64_t &out);

Problem readPort(const Field &field, uint16_t &out);

/* 0 is "none" for nodePort and healthCheckNodePort. */
Problem readOptionalPort(const Field &field, uint16_t &out);

/*
 * An RFC 3339 time as the API server writes metadata timestamps
 * ("2026-12-04T01:02:03Z"; fractions and offsets accepted), in seconds
 * since the epoch. out is left alone when the field is absent.
 */
Problem readTimestamp(const Field &field, int64_t &out);

/* YAML 1.2's booleans, as JSON spells them and in the capitals YAML allows. */
Problem readBool(const Field &field, bool &out);

/* 224.0.0.0/24 or ff02::/16. */
bool isLinkLocalMulticast(const IpAddress &address);

/* family: AF_UNSPEC for either. */
Problem readAddress(const Field &field, int family, IpAddress &out);

/* A string that must be one of a few words. */
template<typename T>
Problem readEnum(const Field &field, std::span<const std::pair<std::string_view, T>> words, T &out)
{
	std::string_view text;
	if (!field.present())
		return std::nullopt;
	if (auto problem = readText(field, text))
		return problem;
	for (const auto &[word, value] : words) {
		if (text == word) {
			out = value;
			return std::nullopt;
		}
	}
	std::string choices;
	for (size_t i = 0; i < words.size(); i++)
		choices += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") +
			   std::string(words[i].first);
	return field.path() + ": " + quote(text) + " is not " + choices;
}

Problem readProtocol(const Field &field, Protocol &out);

Problem readTrafficPolicy(const Field &field, TrafficPolicy &out);

/* A map of strings (labels, annotations): each member to each(key, value), in order. */
template<typename Each>
Problem readStrings(const Field &field, Each each)
{
	if (auto problem = checkMap(field))
		return problem;
	if (!field.present())
		return std::nullopt;
	for (const ManifestMember &member : field.value->members()) {
		std::string_view value;
		if (auto problem = readText({ &member.value, &field, member.key }, value))
			return problem;
		each(member.key, value);
	}
	return std::nullopt;
}

/* A map of strings, such as labels; a key given twice: the later value wins. */
Problem readStringMap(const Field &field, std::map<std::string, std::string> &out);

/* Loose DNS-name check: enough to keep "a/b" or blanks out of ObjectName. */
bool validName(std::string_view name);

} /* namespace kipvs::proxy::fields */
