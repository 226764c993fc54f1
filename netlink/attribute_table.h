/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribute policies: one table per attribute space of a netlink family,
 * declared once and used both to build requests and to validate replies.
 */
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

struct nlattr;

namespace kipvs::netlink {

enum class AttributeType : uint8_t {
	Unspec, /* anything, unchecked (padding) */
	Flag,   /* no payload */
	U8,
	U16,
	U32,
	U64,
	String, /* NUL-terminated */
	Nested,
	Binary, /* raw bytes of minLength..maxLength */
};

const char *attributeTypeName(AttributeType type);

class AttributeTable;

struct AttributeSpec {
	uint16_t id;
	const char *name;
	AttributeType type;
	/* Binary: accepted payload sizes; String: the longest (with the NUL). */
	uint16_t minLength = 0;
	uint16_t maxLength = 0;
	/* Nested: the table of the attributes inside. */
	const AttributeTable *nested = nullptr;
};

class AttributeTable
{
public:
	AttributeTable(std::string name, std::initializer_list<AttributeSpec> specs);

	AttributeTable(const AttributeTable &) = delete;
	AttributeTable &operator=(const AttributeTable &) = delete;

	const std::string &name() const { return name_; }
	uint16_t maxId() const { return static_cast<uint16_t>(specs_.size() - 1); }
	/* nullptr for an id this table does not know. */
	const AttributeSpec *spec(uint16_t id) const;

	/* Is a payload of this size valid for the attribute? (EINVAL text if not) */
	std::optional<std::string> validate(const AttributeSpec &spec, const uint8_t *data,
					    size_t length) const;

private:
	std::string name_;
	std::vector<AttributeSpec> specs_; /* indexed by id; unknown ids have no name */
};

/*
 * The attributes of one message or nest, validated against a table. It
 * points into the received buffer, which must outlive it.
 */
class Attributes
{
public:
	Attributes() = default;

	/*
	 * EPROTO when an attribute overruns the buffer or breaks its policy.
	 * Attributes the table does not know are skipped: newer kernels add
	 * them.
	 */
	static Result<Attributes> parse(const AttributeTable &table, const void *data,
					size_t length);

	const AttributeTable *table() const { return table_; }
	bool has(uint16_t id) const;

	std::optional<uint8_t> u8(uint16_t id) const;
	std::optional<uint16_t> u16(uint16_t id) const;
	std::optional<uint32_t> u32(uint16_t id) const;
	std::optional<uint64_t> u64(uint16_t id) const;
	std::optional<std::string> string(uint16_t id) const;
	std::optional<std::span<const uint8_t>> binary(uint16_t id) const;
	/* ENOENT when absent; EPROTO when malformed. */
	Result<Attributes> nested(uint16_t id) const;

private:
	const struct nlattr *typed(uint16_t id, AttributeType type) const;

	const AttributeTable *table_ = nullptr;
	std::vector<const struct nlattr *> attributes_;
};

} /* namespace kipvs::netlink */
