/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A netlink request built as a value: attributes are checked against the
 * family's table as they are added, and nests close with their scope.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "netlink/attribute_table.h"
#include "base/error.h"
#include "netlink/handles.h"

struct nlmsghdr;

namespace kipvs::netlink {

class Message
{
public:
	/* nlmsghdr + genlmsghdr for a generic netlink family. */
	static Message generic(uint16_t familyId, uint8_t command, uint8_t version,
			       uint16_t flags, const AttributeTable &attributes,
			       size_t capacity = 512);
	/* nlmsghdr + a family header (ifinfomsg, ifaddrmsg, ...) copied as is. */
	static Message withHeader(uint16_t type, uint16_t flags, const void *header,
				  size_t headerLength, const AttributeTable &attributes,
				  size_t capacity = 512);

	Message(Message &&) noexcept = default;
	Message &operator=(Message &&) noexcept = default;
	Message(const Message &) = delete;
	Message &operator=(const Message &) = delete;

	void putFlag(uint16_t id);
	void putU8(uint16_t id, uint8_t value);
	void putU16(uint16_t id, uint16_t value);
	void putU32(uint16_t id, uint32_t value);
	void putU64(uint16_t id, uint64_t value);
	void putString(uint16_t id, std::string_view value);
	void putBinary(uint16_t id, const void *data, size_t length);

	/* Closes the nest it opened when it goes out of scope. */
	class [[nodiscard]] Nest
	{
	public:
		explicit Nest(Message *message) : message_(message) {}
		Nest(Nest &&other) noexcept : message_(other.message_) { other.message_ = nullptr; }
		Nest(const Nest &) = delete;
		Nest &operator=(const Nest &) = delete;
		Nest &operator=(Nest &&) = delete;
		~Nest();

	private:
		Message *message_;
	};

	/* Attributes put until the Nest dies go inside, checked against its table. */
	Nest nest(uint16_t id);

	/*
	 * The first problem met while building: EINVAL for an attribute the
	 * table lacks or types otherwise, EMSGSIZE when the message is full.
	 */
	Result<void> status() const;

	struct nlmsghdr *header();
	const struct nlmsghdr *header() const;
	size_t size() const;

private:
	Message(UniqueNlMessage message, const AttributeTable &attributes);

	const AttributeTable &currentTable() const;
	bool check(uint16_t id, AttributeType type);
	void put(uint16_t id, AttributeType type, const void *data, size_t length);
	void fail(int errnum, std::string what);
	void closeNest();

	UniqueNlMessage message_;
	struct Open {
		struct nlattr *start;
		const AttributeTable *table;
	};
	std::vector<Open> nests_;
	const AttributeTable *top_;
	std::optional<Error> error_;
};

} /* namespace kipvs::netlink */
