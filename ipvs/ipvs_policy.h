/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPVS generic netlink family's attribute tables (include/uapi/linux/
 * ip_vs.h), declared once: requests are built and replies parsed with them.
 */
#pragma once

#include "netlink/attribute_table.h"

namespace kipvs::ipvs::policy {

/* "IPVS", version 1 */
extern const char *const kFamilyName;
constexpr uint8_t kFamilyVersion = 1;

/* IPVS_CMD_ATTR_*: the top level of every request and most replies. */
const netlink::AttributeTable &command();
/* IPVS_SVC_ATTR_* */
const netlink::AttributeTable &service();
/* IPVS_DEST_ATTR_* */
const netlink::AttributeTable &destination();
/* IPVS_DAEMON_ATTR_* */
const netlink::AttributeTable &daemon();
/* IPVS_STATS_ATTR_* in *_ATTR_STATS: 32-bit counters, 64-bit bytes. */
const netlink::AttributeTable &stats();
/* IPVS_STATS_ATTR_* in *_ATTR_STATS64: all 64-bit. */
const netlink::AttributeTable &stats64();
/* IPVS_INFO_ATTR_*: the top level of a GET_INFO reply. */
const netlink::AttributeTable &info();

} /* namespace kipvs::ipvs::policy */
