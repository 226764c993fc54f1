/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generic netlink family resolution through the controller (nlctrl), cached
 * per socket, misses included.
 */
#include <cerrno>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "netlink/netlink_socket.h"

namespace kipvs::netlink {

namespace {

const AttributeTable &controllerAttributes()
{
	static const AttributeTable table("nlctrl", {
		{ CTRL_ATTR_FAMILY_ID, "family_id", AttributeType::U16 },
		{ CTRL_ATTR_FAMILY_NAME, "family_name", AttributeType::String, 0, GENL_NAMSIZ },
		{ CTRL_ATTR_VERSION, "version", AttributeType::U32 },
		{ CTRL_ATTR_HDRSIZE, "hdrsize", AttributeType::U32 },
		{ CTRL_ATTR_MAXATTR, "maxattr", AttributeType::U32 },
		{ CTRL_ATTR_OPS, "ops", AttributeType::Unspec },
		{ CTRL_ATTR_MCAST_GROUPS, "mcast_groups", AttributeType::Unspec },
	});
	return table;
}

} /* namespace */

Result<uint16_t> NetlinkSocket::genericFamily(const std::string &name)
{
	if (auto cached = families_.find(name); cached != families_.end())
		return cached->second;

	const AttributeTable &table = controllerAttributes();
	Message request = Message::generic(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, table);
	request.putString(CTRL_ATTR_FAMILY_NAME, name);

	uint16_t id = 0;
	auto result = this->request(request, [&](size_t, const struct nlmsghdr *nlh) -> Result<void> {
		size_t header = NLMSG_HDRLEN + GENL_HDRLEN;
		if (nlh->nlmsg_len < header)
			return Error(EPROTO, "parse nlctrl reply (truncated)");
		auto attributes = Attributes::parse(table, reinterpret_cast<const uint8_t *>(nlh) + header,
						    nlh->nlmsg_len - header);
		if (!attributes)
			return attributes.error();
		auto familyId = attributes->u16(CTRL_ATTR_FAMILY_ID);
		if (!familyId)
			return Error(EPROTO, "parse nlctrl reply (no family id)");
		id = *familyId;
		return {};
	});

	if (!result) {
		const Error &error = result.error();
		/* A family the kernel lacks: cached, so later calls do not ask again. */
		if (error.code() == ENOENT) {
			Error missing(EOPNOTSUPP, "resolve generic netlink family", name,
				      error.kernelMessage());
			families_.emplace(name, missing);
			return missing;
		}
		/* Anything else (EPERM, ENOBUFS) may pass: not cached. */
		return Error(error.code(), "resolve generic netlink family", name,
			     error.kernelMessage());
	}
	if (!id)
		return Error(EPROTO, "resolve generic netlink family", name);
	families_.emplace(name, id);
	return id;
}

} /* namespace kipvs::netlink */
