/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route netlink attribute tables (include/uapi/linux/if_link.h, if_addr.h).
 * Attributes kipvs does not read are left out and skipped when parsing.
 */
#include "netlink/route_policy.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>

namespace kipvs::netlink::route_policy {

const AttributeTable &linkInfo()
{
	static const AttributeTable table("linkinfo", {
		{ IFLA_INFO_KIND, "kind", AttributeType::String },
		{ IFLA_INFO_DATA, "data", AttributeType::Unspec },
	});
	return table;
}

const AttributeTable &link()
{
	static const AttributeTable table("link", {
		{ IFLA_IFNAME, "ifname", AttributeType::String, 0, IFNAMSIZ },
		{ IFLA_MTU, "mtu", AttributeType::U32 },
		{ IFLA_LINKINFO, "linkinfo", AttributeType::Nested, 0, 0, &linkInfo() },
	});
	return table;
}

const AttributeTable &address()
{
	static const AttributeTable table("address", {
		{ IFA_ADDRESS, "address", AttributeType::Binary, 4, 16 },
		{ IFA_LOCAL, "local", AttributeType::Binary, 4, 16 },
		{ IFA_LABEL, "label", AttributeType::String, 0, IFNAMSIZ },
		{ IFA_FLAGS, "flags", AttributeType::U32 },
	});
	return table;
}

} /* namespace kipvs::netlink::route_policy */
