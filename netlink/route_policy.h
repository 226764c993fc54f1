/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route netlink attribute tables kipvs uses (links and addresses),
 * declared once for building requests and parsing replies.
 */
#pragma once

#include "netlink/attribute_table.h"

namespace kipvs::netlink::route_policy {

/* IFLA_*, after struct ifinfomsg */
const AttributeTable &link();
/* IFLA_INFO_* inside IFLA_LINKINFO */
const AttributeTable &linkInfo();
/* IFA_*, after struct ifaddrmsg */
const AttributeTable &address();

} /* namespace kipvs::netlink::route_policy */
