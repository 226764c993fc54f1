/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages built through attribute tables and parsed back with the same
 * tables; malformed attributes are refused in both directions.
 */
#include <cerrno>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "netlink/attribute_table.h"
#include "netlink/message.h"

using namespace kipvs::netlink;

namespace {

enum : uint16_t { kInnerU32 = 1, kInnerString = 2 };
enum : uint16_t {
	kFlag = 1,
	kU8,
	kU16,
	kU32,
	kU64,
	kString,
	kBinary,
	kNested,
};

const AttributeTable &inner()
{
	static const AttributeTable table("inner", {
		{ kInnerU32, "u32", AttributeType::U32 },
		{ kInnerString, "string", AttributeType::String, 0, 8 },
	});
	return table;
}

const AttributeTable &outer()
{
	static const AttributeTable table("outer", {
		{ kFlag, "flag", AttributeType::Flag },
		{ kU8, "u8", AttributeType::U8 },
		{ kU16, "u16", AttributeType::U16 },
		{ kU32, "u32", AttributeType::U32 },
		{ kU64, "u64", AttributeType::U64 },
		{ kString, "string", AttributeType::String },
		{ kBinary, "binary", AttributeType::Binary, 4, 16 },
		{ kNested, "nested", AttributeType::Nested, 0, 0, &inner() },
	});
	return table;
}

/* The attributes of a generic message, as a receiver would see them. */
kipvs::Result<Attributes> reparse(const Message &message)
{
	const auto *nlh = message.header();
	size_t header = NLMSG_HDRLEN + GENL_HDRLEN;
	return Attributes::parse(outer(), reinterpret_cast<const uint8_t *>(nlh) + header,
				 nlh->nlmsg_len - header);
}

/* A bare attribute stream: header, payload, padding. */
void append(std::vector<uint8_t> &buffer, uint16_t type, const void *data, size_t length)
{
	struct nlattr header = { static_cast<uint16_t>(NLA_HDRLEN + length), type };
	size_t offset = buffer.size();
	buffer.resize(offset + NLA_ALIGN(NLA_HDRLEN + length));
	std::memcpy(buffer.data() + offset, &header, sizeof(header));
	if (length)
		std::memcpy(buffer.data() + offset + NLA_HDRLEN, data, length);
}

} /* namespace */

TEST_CASE("every attribute type survives build then parse", "[message]")
{
	Message message = Message::generic(0x20, 1, 1, 0, outer());
	uint8_t bytes[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	message.putFlag(kFlag);
	message.putU8(kU8, 0xab);
	message.putU16(kU16, 0xbeef);
	message.putU32(kU32, 0xdeadbeef);
	message.putU64(kU64, 0x0123456789abcdefull);
	message.putString(kString, "rr");
	message.putBinary(kBinary, bytes, sizeof(bytes));
	{
		auto nest = message.nest(kNested);
		message.putU32(kInnerU32, 7);
		message.putString(kInnerString, "eth0");
	}
	REQUIRE(message.status().ok());

	auto attributes = reparse(message);
	REQUIRE(attributes.ok());
	CHECK(attributes->has(kFlag));
	CHECK(attributes->u8(kU8) == 0xab);
	CHECK(attributes->u16(kU16) == 0xbeef);
	CHECK(attributes->u32(kU32) == 0xdeadbeef);
	CHECK(attributes->u64(kU64) == 0x0123456789abcdefull);
	CHECK(attributes->string(kString) == "rr");
	auto binary = attributes->binary(kBinary);
	REQUIRE(binary);
	CHECK(std::memcmp(binary->data(), bytes, 16) == 0);

	auto nested = attributes->nested(kNested);
	REQUIRE(nested.ok());
	CHECK(nested->u32(kInnerU32) == 7u);
	CHECK(nested->string(kInnerString) == "eth0");

	/* A getter of the wrong type finds nothing rather than misreading. */
	CHECK_FALSE(attributes->u32(kU16));
	CHECK_FALSE(attributes->u8(kNested));
}

TEST_CASE("building refuses attributes the table does not allow", "[message]")
{
	SECTION("unknown id")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer());
		message.putU32(99, 1);
		REQUIRE_FALSE(message.status().ok());
		CHECK(message.status().error().code() == EINVAL);
	}
	SECTION("wrong type")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer());
		message.putU16(kU32, 1);
		REQUIRE_FALSE(message.status().ok());
		CHECK(message.status().error().operation().find("outer.u32 is a u32") !=
		      std::string::npos);
	}
	SECTION("outer attribute inside a nest")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer());
		{
			auto nest = message.nest(kNested);
			message.putU64(kU64, 1); /* id 5 is not in the inner table */
		}
		CHECK(message.status().error().code() == EINVAL);
	}
	SECTION("string longer than the policy")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer());
		auto nest = message.nest(kNested);
		message.putString(kInnerString, "far-too-long");
		CHECK(message.status().error().code() == EINVAL);
	}
	SECTION("binary of the wrong size")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer());
		message.putBinary(kBinary, "ab", 2);
		CHECK(message.status().error().code() == EINVAL);
	}
	SECTION("message full")
	{
		Message message = Message::generic(0x20, 1, 1, 0, outer(), 64);
		for (int i = 0; i < 20; i++)
			message.putU64(kU64, 1);
		CHECK(message.status().error().code() == EMSGSIZE);
	}
}

TEST_CASE("parsing refuses malformed attributes", "[message]")
{
	std::vector<uint8_t> buffer;
	uint32_t u32 = 1;
	uint16_t u16 = 1;

	SECTION("a u32 of two bytes")
	{
		append(buffer, kU32, &u16, sizeof(u16));
	}
	SECTION("a u16 of four bytes")
	{
		append(buffer, kU16, &u32, sizeof(u32));
	}
	SECTION("a string without its NUL")
	{
		append(buffer, kString, "rr", 2);
	}
	SECTION("a binary too short")
	{
		append(buffer, kBinary, &u16, sizeof(u16));
	}
	SECTION("a flag with a payload")
	{
		append(buffer, kFlag, &u32, sizeof(u32));
	}
	SECTION("an attribute longer than the buffer")
	{
		append(buffer, kU32, &u32, sizeof(u32));
		buffer.resize(buffer.size() - 2);
	}
	SECTION("an attribute shorter than its header")
	{
		append(buffer, kU32, &u32, sizeof(u32));
		buffer[0] = 2;
	}
	auto parsed = Attributes::parse(outer(), buffer.data(), buffer.size());
	REQUIRE_FALSE(parsed.ok());
	CHECK(parsed.error().code() == EPROTO);
}

TEST_CASE("a malformed nest is refused when opened", "[message]")
{
	std::vector<uint8_t> nest;
	append(nest, kInnerString, "eth0", 4); /* no NUL */
	std::vector<uint8_t> buffer;
	append(buffer, kNested, nest.data(), nest.size());

	auto parsed = Attributes::parse(outer(), buffer.data(), buffer.size());
	REQUIRE(parsed.ok());
	auto inner = parsed->nested(kNested);
	REQUIRE_FALSE(inner.ok());
	CHECK(inner.error().code() == EPROTO);
	CHECK(parsed->nested(kU32).error().code() == ENOENT);
}

TEST_CASE("unknown attributes are skipped: newer kernels add them", "[message]")
{
	std::vector<uint8_t> buffer;
	uint32_t value = 42;
	append(buffer, 200, &value, sizeof(value));
	append(buffer, kU32, &value, sizeof(value));
	auto parsed = Attributes::parse(outer(), buffer.data(), buffer.size());
	REQUIRE(parsed.ok());
	CHECK(parsed->u32(kU32) == 42u);
}
