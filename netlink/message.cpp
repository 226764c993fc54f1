/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Netlink requests: libnl messages filled through the attribute tables.
 */
#include "netlink/message.h"

#include <cerrno>
#include <cstring>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

namespace kipvs::netlink {

Message::Message(UniqueNlMessage message, const AttributeTable &attributes)
	: message_(std::move(message)), top_(&attributes)
{
}

Message Message::generic(uint16_t familyId, uint8_t command, uint8_t version, uint16_t flags,
			 const AttributeTable &attributes, size_t capacity)
{
	Message message(UniqueNlMessage(nlmsg_alloc_size(capacity)), attributes);
	if (!message.message_) {
		message.fail(ENOMEM, "allocate a netlink message");
		return message;
	}
	if (!genlmsg_put(message.message_.get(), NL_AUTO_PORT, NL_AUTO_SEQ, familyId, 0, flags,
			 command, version))
		message.fail(EMSGSIZE, "put the generic netlink header");
	return message;
}

Message Message::withHeader(uint16_t type, uint16_t flags, const void *header,
			    size_t headerLength, const AttributeTable &attributes,
			    size_t capacity)
{
	Message message(UniqueNlMessage(nlmsg_alloc_size(capacity)), attributes);
	if (!message.message_) {
		message.fail(ENOMEM, "allocate a netlink message");
		return message;
	}
	struct nlmsghdr *nlh = nlmsg_put(message.message_.get(), NL_AUTO_PORT, NL_AUTO_SEQ,
					 type, static_cast<int>(headerLength), flags);
	if (!nlh) {
		message.fail(EMSGSIZE, "put the netlink header");
		return message;
	}
	if (headerLength)
		std::memcpy(nlmsg_data(nlh), header, headerLength);
	return message;
}

const AttributeTable &Message::currentTable() const
{
	return nests_.empty() ? *top_ : *nests_.back().table;
}

void Message::fail(int errnum, std::string what)
{
	/* Keep the first problem: later ones usually follow from it. */
	if (!error_)
		error_.emplace(errnum, "build netlink message (" + what + ")");
}

bool Message::check(uint16_t id, AttributeType type)
{
	if (error_)
		return false;
	const AttributeTable &table = currentTable();
	const AttributeSpec *spec = table.spec(id);
	if (!spec) {
		fail(EINVAL, table.name() + " has no attribute " + std::to_string(id));
		return false;
	}
	if (spec->type != type) {
		fail(EINVAL, table.name() + "." + spec->name + " is a " +
				     attributeTypeName(spec->type) + ", not a " +
				     attributeTypeName(type));
		return false;
	}
	return true;
}

void Message::put(uint16_t id, AttributeType type, const void *data, size_t length)
{
	if (!check(id, type))
		return;
	const AttributeTable &table = currentTable();
	if (auto problem = table.validate(*table.spec(id), static_cast<const uint8_t *>(data),
					  length)) {
		fail(EINVAL, *problem);
		return;
	}
	if (nla_put(message_.get(), id, static_cast<int>(length), data) < 0)
		fail(EMSGSIZE, "message full at " + table.name() + "." + table.spec(id)->name);
}

void Message::putFlag(uint16_t id)
{
	put(id, AttributeType::Flag, nullptr, 0);
}

void Message::putU8(uint16_t id, uint8_t value)
{
	put(id, AttributeType::U8, &value, sizeof(value));
}

void Message::putU16(uint16_t id, uint16_t value)
{
	put(id, AttributeType::U16, &value, sizeof(value));
}

void Message::putU32(uint16_t id, uint32_t value)
{
	put(id, AttributeType::U32, &value, sizeof(value));
}

void Message::putU64(uint16_t id, uint64_t value)
{
	put(id, AttributeType::U64, &value, sizeof(value));
}

void Message::putString(uint16_t id, std::string_view value)
{
	/* Strings travel with their NUL, as the kernel's policies expect. */
	std::string terminated(value);
	put(id, AttributeType::String, terminated.c_str(), terminated.size() + 1);
}

void Message::putBinary(uint16_t id, const void *data, size_t length)
{
	put(id, AttributeType::Binary, data, length);
}

Message::Nest Message::nest(uint16_t id)
{
	const AttributeTable &table = currentTable();
	struct nlattr *start = nullptr;
	const AttributeTable *inner = &table;
	if (check(id, AttributeType::Nested)) {
		inner = table.spec(id)->nested;
		start = nla_nest_start(message_.get(), id);
		if (!start)
			fail(EMSGSIZE, "message full at " + table.name() + "." +
					       table.spec(id)->name);
	}
	/* Pushed even on failure so that every Nest pops exactly its own entry. */
	nests_.push_back({ start, inner ? inner : &table });
	return Nest(this);
}

void Message::closeNest()
{
	if (nests_.empty())
		return;
	Open open = nests_.back();
	nests_.pop_back();
	if (open.start && !error_)
		nla_nest_end(message_.get(), open.start);
}

Message::Nest::~Nest()
{
	if (message_)
		message_->closeNest();
}

Result<void> Message::status() const
{
	if (error_)
		return *error_;
	if (!nests_.empty())
		return Error(EINVAL, "build netlink message (a nest is still open)");
	return {};
}

struct nlmsghdr *Message::header()
{
	return message_ ? nlmsg_hdr(message_.get()) : nullptr;
}

const struct nlmsghdr *Message::header() const
{
	return message_ ? nlmsg_hdr(message_.get()) : nullptr;
}

size_t Message::size() const
{
	const struct nlmsghdr *nlh = header();
	return nlh ? nlh->nlmsg_len : 0;
}

} /* namespace kipvs::netlink */
