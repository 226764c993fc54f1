/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conversion between the ipvs value types and IPVS netlink attributes, in
 * both directions, through the tables of ipvs_policy.h.
 */
#pragma once

#include <cstdint>

#include "ipvs/virtual_server.h"
#include "netlink/attribute_table.h"
#include "base/error.h"
#include "netlink/message.h"

struct nlmsghdr;

namespace kipvs::ipvs::codec {

/* A request of the IPVS family (id from the controller) with the command table. */
netlink::Message request(uint16_t familyId, uint8_t command, uint16_t flags = 0);

/* IPVS_CMD_ATTR_SERVICE with the key alone (lookups, deletes, dest commands). */
void putServiceKey(netlink::Message &message, const ServiceKey &key);
/*
 * IPVS_CMD_ATTR_SERVICE with everything NEW_SERVICE/SET_SERVICE need;
 * asReply adds the counters as the kernel's replies carry them (for tests
 * and fakes: the kernel ignores them in requests).
 */
void putService(netlink::Message &message, const VirtualServer &service, bool asReply = false);
/*
 * IPVS_CMD_ATTR_DEST; with full = false only the address and port
 * (DEL_DEST); asReply adds connection counts and counters.
 */
void putDestination(netlink::Message &message, const RealServer &destination, bool full,
		    bool asReply = false);
/* IPVS_CMD_ATTR_DAEMON as GET_DAEMON replies carry it (tests and fakes). */
void putDaemon(netlink::Message &message, const SyncDaemon &daemon);
void putTimeouts(netlink::Message &message, const Timeouts &timeouts);

/*
 * Counters the way the kernel sends them. Only kernel replies carry them;
 * tests and fakes build such replies with this.
 */
void putStats(netlink::Message &message, uint16_t id, const Stats &stats, bool wide);

/* The attributes after the genl header of a reply, parsed with table. */
Result<netlink::Attributes> parseReply(const struct nlmsghdr *reply,
				       const netlink::AttributeTable &table);

/* From a reply's top-level attributes (IPVS_CMD_ATTR_SERVICE inside). */
Result<VirtualServer> parseService(const netlink::Attributes &top);
/* serviceFamily stands in when the kernel is too old to send ADDR_FAMILY. */
Result<RealServer> parseDestination(const netlink::Attributes &top, int serviceFamily);
Result<SyncDaemon> parseDaemon(const netlink::Attributes &top);
Result<Info> parseInfo(const netlink::Attributes &info);
Result<Timeouts> parseTimeouts(const netlink::Attributes &top);
Result<Stats> parseStats(const netlink::Attributes &stats, bool wide);

} /* namespace kipvs::ipvs::codec */
