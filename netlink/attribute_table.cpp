/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribute tables: validation of received attributes and typed access.
 */
#include "netlink/attribute_table.h"

#include <cerrno>
#include <cstring>

#include <linux/netlink.h>

namespace kipvs::netlink {

const char *attributeTypeName(AttributeType type)
{
	switch (type) {
	case AttributeType::Unspec:
		return "unspec";
	case AttributeType::Flag:
		return "flag";
	case AttributeType::U8:
		return "u8";
	case AttributeType::U16:
		return "u16";
	case AttributeType::U32:
		return "u32";
	case AttributeType::U64:
		return "u64";
	case AttributeType::String:
		return "string";
	case AttributeType::Nested:
		return "nested";
	case AttributeType::Binary:
		return "binary";
	}
	return "?";
}

AttributeTable::AttributeTable(std::string name, std::initializer_list<AttributeSpec> specs)
	: name_(std::move(name))
{
	uint16_t max = 0;
	for (const AttributeSpec &spec : specs)
		max = std::max(max, spec.id);
	specs_.assign(max + 1u, AttributeSpec{ 0, nullptr, AttributeType::Unspec });
	for (const AttributeSpec &spec : specs)
		specs_[spec.id] = spec;
}

const AttributeSpec *AttributeTable::spec(uint16_t id) const
{
	if (id >= specs_.size() || !specs_[id].name)
		return nullptr;
	return &specs_[id];
}

std::optional<std::string> AttributeTable::validate(const AttributeSpec &spec,
						    const uint8_t *data, size_t length) const
{
	auto fixed = [&](size_t size) -> std::optional<std::string> {
		if (length == size)
			return std::nullopt;
		return name_ + "." + spec.name + ": " + std::to_string(length) +
		       " bytes for a " + attributeTypeName(spec.type);
	};

	switch (spec.type) {
	case AttributeType::Unspec:
	case AttributeType::Nested:
		return std::nullopt;
	case AttributeType::Flag:
		return fixed(0);
	case AttributeType::U8:
		return fixed(1);
	case AttributeType::U16:
		return fixed(2);
	case AttributeType::U32:
		return fixed(4);
	case AttributeType::U64:
		return fixed(8);
	case AttributeType::String:
		if (length == 0 || data[length - 1] != '\0')
			return name_ + "." + spec.name + ": string not NUL-terminated";
		if (spec.maxLength && length > spec.maxLength)
			return name_ + "." + spec.name + ": string longer than " +
			       std::to_string(spec.maxLength - 1);
		return std::nullopt;
	case AttributeType::Binary:
		if (length < spec.minLength || (spec.maxLength && length > spec.maxLength))
			return name_ + "." + spec.name + ": " + std::to_string(length) +
			       " bytes, expected " + std::to_string(spec.minLength) + ".." +
			       std::to_string(spec.maxLength);
		return std::nullopt;
	}
	return std::nullopt;
}

Result<Attributes> Attributes::parse(const AttributeTable &table, const void *data,
				     size_t length)
{
	Attributes result;
	result.table_ = &table;
	result.attributes_.assign(table.maxId() + 1u, nullptr);

	const uint8_t *cursor = static_cast<const uint8_t *>(data);
	size_t remaining = length;
	while (remaining >= NLA_HDRLEN) {
		const struct nlattr *attribute = reinterpret_cast<const struct nlattr *>(cursor);
		if (attribute->nla_len < NLA_HDRLEN || attribute->nla_len > remaining)
			return Error(EPROTO, "parse " + table.name() +
					     " attributes (an attribute overruns the message)");

		uint16_t id = attribute->nla_type & NLA_TYPE_MASK;
		const AttributeSpec *spec = table.spec(id);
		if (spec) {
			const uint8_t *payload = cursor + NLA_HDRLEN;
			size_t payloadLength = attribute->nla_len - NLA_HDRLEN;
			if (auto problem = table.validate(*spec, payload, payloadLength))
				return Error(EPROTO, "parse " + table.name() + " attributes (" +
						     *problem + ")");
			result.attributes_[id] = attribute;
		}

		size_t step = NLA_ALIGN(attribute->nla_len);
		if (step >= remaining)
			break;
		cursor += step;
		remaining -= step;
	}
	return result;
}

bool Attributes::has(uint16_t id) const
{
	return id < attributes_.size() && attributes_[id];
}

const struct nlattr *Attributes::typed(uint16_t id, AttributeType type) const
{
	if (!has(id) || table_->spec(id)->type != type)
		return nullptr;
	return attributes_[id];
}

namespace {

const uint8_t *payload(const struct nlattr *attribute)
{
	return reinterpret_cast<const uint8_t *>(attribute) + NLA_HDRLEN;
}

template<typename T>
std::optional<T> scalar(const struct nlattr *attribute)
{
	if (!attribute)
		return std::nullopt;
	T value;
	std::memcpy(&value, payload(attribute), sizeof(value));
	return value;
}

} /* namespace */

std::optional<uint8_t> Attributes::u8(uint16_t id) const
{
	return scalar<uint8_t>(typed(id, AttributeType::U8));
}

std::optional<uint16_t> Attributes::u16(uint16_t id) const
{
	return scalar<uint16_t>(typed(id, AttributeType::U16));
}

std::optional<uint32_t> Attributes::u32(uint16_t id) const
{
	return scalar<uint32_t>(typed(id, AttributeType::U32));
}

std::optional<uint64_t> Attributes::u64(uint16_t id) const
{
	return scalar<uint64_t>(typed(id, AttributeType::U64));
}

std::optional<std::string> Attributes::string(uint16_t id) const
{
	const struct nlattr *attribute = typed(id, AttributeType::String);
	if (!attribute)
		return std::nullopt;
	return std::string(reinterpret_cast<const char *>(payload(attribute)));
}

std::optional<std::span<const uint8_t>> Attributes::binary(uint16_t id) const
{
	const struct nlattr *attribute = typed(id, AttributeType::Binary);
	if (!attribute)
		return std::nullopt;
	return std::span<const uint8_t>(payload(attribute), attribute->nla_len - NLA_HDRLEN);
}

Result<Attributes> Attributes::nested(uint16_t id) const
{
	const struct nlattr *attribute = typed(id, AttributeType::Nested);
	if (!attribute) {
		const AttributeSpec *spec = table_ ? table_->spec(id) : nullptr;
		return Error(ENOENT, "parse " + (table_ ? table_->name() : std::string("?")) +
					     " attributes (no " + (spec ? spec->name : "such nest") +
					     ")");
	}
	return parse(*table_->spec(id)->nested, payload(attribute),
		     attribute->nla_len - NLA_HDRLEN);
}

} /* namespace kipvs::netlink */
