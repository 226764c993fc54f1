/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPVS attribute encoding and decoding.
 */
#include "ipvs/codec.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "ipvs/ipvs_policy.h"

namespace kipvs::ipvs::codec {

using netlink::Attributes;
using netlink::Message;

namespace {

/* union nf_inet_addr: what the kernel copies addresses into. */
void putAddress(Message &message, uint16_t id, const IpAddress &address)
{
	uint8_t bytes[16] = {};
	if (address.valid())
		std::memcpy(bytes, address.data(), address.size());
	message.putBinary(id, bytes, sizeof(bytes));
}

std::optional<IpAddress> address(const Attributes &attributes, uint16_t id, int family)
{
	auto bytes = attributes.binary(id);
	if (!bytes)
		return std::nullopt;
	size_t wanted = family == AF_INET6 ? 16 : 4;
	if (bytes->size() < wanted)
		return std::nullopt;
	return IpAddress::fromBytes(bytes->data(), wanted);
}

Error malformed(const std::string &what)
{
	return Error(EPROTO, "parse IPVS reply (" + what + ")");
}

} /* namespace */

Message request(uint16_t familyId, uint8_t command, uint16_t flags)
{
	return Message::generic(familyId, command, policy::kFamilyVersion, flags,
				policy::command());
}

namespace {

/* Inside an open IPVS_CMD_ATTR_SERVICE nest. */
void putKeyFields(Message &message, const ServiceKey &key)
{
	message.putU16(IPVS_SVC_ATTR_AF, static_cast<uint16_t>(key.family));
	if (key.isFwmark()) {
		message.putU32(IPVS_SVC_ATTR_FWMARK, key.fwmark);
	} else {
		message.putU16(IPVS_SVC_ATTR_PROTOCOL, static_cast<uint16_t>(key.protocol));
		putAddress(message, IPVS_SVC_ATTR_ADDR, key.address);
		message.putU16(IPVS_SVC_ATTR_PORT, htons(key.port));
	}
}

} /* namespace */

void putServiceKey(Message &message, const ServiceKey &key)
{
	auto nest = message.nest(IPVS_CMD_ATTR_SERVICE);
	putKeyFields(message, key);
}

void putService(Message &message, const VirtualServer &service, bool asReply)
{
	const ServiceKey &key = service.key;
	auto nest = message.nest(IPVS_CMD_ATTR_SERVICE);
	putKeyFields(message, key);
	message.putString(IPVS_SVC_ATTR_SCHED_NAME, service.scheduler);
	if (!service.persistenceEngine.empty())
		message.putString(IPVS_SVC_ATTR_PE_NAME, service.persistenceEngine);

	/* Hashed belongs to the kernel; sending it would confuse its hashing. */
	struct ip_vs_flags flags = { service.flags & ~ServiceFlag::Hashed, ~0u };
	message.putBinary(IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
	message.putU32(IPVS_SVC_ATTR_TIMEOUT, service.timeout);

	/* The default host mask means "a host" for IPv6 too, which counts in bits. */
	uint32_t netmask = service.netmask;
	if (key.family == AF_INET6 && netmask == 0xffffffff)
		netmask = 128;
	message.putU32(IPVS_SVC_ATTR_NETMASK, netmask);

	if (asReply) {
		putStats(message, IPVS_SVC_ATTR_STATS, service.stats, false);
		putStats(message, IPVS_SVC_ATTR_STATS64, service.stats64, true);
	}
}

void putDestination(Message &message, const RealServer &destination, bool full, bool asReply)
{
	auto nest = message.nest(IPVS_CMD_ATTR_DEST);
	putAddress(message, IPVS_DEST_ATTR_ADDR, destination.address);
	message.putU16(IPVS_DEST_ATTR_PORT, htons(destination.port));
	int family = destination.address.valid() ? destination.address.family()
						 : destination.family;
	message.putU16(IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<uint16_t>(family));
	if (!full)
		return;
	message.putU32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<uint32_t>(destination.method));
	message.putU32(IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(destination.weight));
	message.putU32(IPVS_DEST_ATTR_U_THRESH, destination.upperThreshold);
	message.putU32(IPVS_DEST_ATTR_L_THRESH, destination.lowerThreshold);
	message.putU8(IPVS_DEST_ATTR_TUN_TYPE, static_cast<uint8_t>(destination.tunnelType));
	message.putU16(IPVS_DEST_ATTR_TUN_PORT, htons(destination.tunnelPort));
	message.putU16(IPVS_DEST_ATTR_TUN_FLAGS, destination.tunnelFlags);

	if (asReply) {
		message.putU32(IPVS_DEST_ATTR_ACTIVE_CONNS, destination.activeConnections);
		message.putU32(IPVS_DEST_ATTR_INACT_CONNS, destination.inactiveConnections);
		message.putU32(IPVS_DEST_ATTR_PERSIST_CONNS, destination.persistentConnections);
		putStats(message, IPVS_DEST_ATTR_STATS, destination.stats, false);
		putStats(message, IPVS_DEST_ATTR_STATS64, destination.stats64, true);
	}
}

void putDaemon(Message &message, const SyncDaemon &daemon)
{
	auto nest = message.nest(IPVS_CMD_ATTR_DAEMON);
	message.putU32(IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(daemon.role));
	message.putString(IPVS_DAEMON_ATTR_MCAST_IFN, daemon.multicastInterface);
	message.putU32(IPVS_DAEMON_ATTR_SYNC_ID, daemon.syncId);
	message.putU16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, daemon.syncMaxLength);
	if (daemon.multicastGroup.isV4())
		message.putBinary(IPVS_DAEMON_ATTR_MCAST_GROUP, daemon.multicastGroup.data(), 4);
	else if (daemon.multicastGroup.isV6())
		message.putBinary(IPVS_DAEMON_ATTR_MCAST_GROUP6, daemon.multicastGroup.data(), 16);
	/* Host order: the kernel applies htons() itself when it opens the socket. */
	message.putU16(IPVS_DAEMON_ATTR_MCAST_PORT, daemon.multicastPort);
	message.putU8(IPVS_DAEMON_ATTR_MCAST_TTL, daemon.multicastTtl);
}

void putTimeouts(Message &message, const Timeouts &timeouts)
{
	message.putU32(IPVS_CMD_ATTR_TIMEOUT_TCP, timeouts.tcp);
	message.putU32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, timeouts.tcpFin);
	message.putU32(IPVS_CMD_ATTR_TIMEOUT_UDP, timeouts.udp);
}

void putStats(Message &message, uint16_t id, const Stats &stats, bool wide)
{
	auto nest = message.nest(id);
	auto put = [&](uint16_t attribute, uint64_t value, bool alwaysWide) {
		if (wide || alwaysWide)
			message.putU64(attribute, value);
		else
			message.putU32(attribute, static_cast<uint32_t>(value));
	};
	put(IPVS_STATS_ATTR_CONNS, stats.connections, false);
	put(IPVS_STATS_ATTR_INPKTS, stats.inPackets, false);
	put(IPVS_STATS_ATTR_OUTPKTS, stats.outPackets, false);
	put(IPVS_STATS_ATTR_INBYTES, stats.inBytes, true);
	put(IPVS_STATS_ATTR_OUTBYTES, stats.outBytes, true);
	put(IPVS_STATS_ATTR_CPS, stats.cps, false);
	put(IPVS_STATS_ATTR_INPPS, stats.inPps, false);
	put(IPVS_STATS_ATTR_OUTPPS, stats.outPps, false);
	put(IPVS_STATS_ATTR_INBPS, stats.inBps, false);
	put(IPVS_STATS_ATTR_OUTBPS, stats.outBps, false);
}

Result<Attributes> parseReply(const struct nlmsghdr *reply, const netlink::AttributeTable &table)
{
	size_t header = NLMSG_HDRLEN + GENL_HDRLEN;
	if (reply->nlmsg_len < header)
		return malformed("shorter than its headers");
	return Attributes::parse(table, reinterpret_cast<const uint8_t *>(reply) + header,
				 reply->nlmsg_len - header);
}

Result<Stats> parseStats(const Attributes &attributes, bool wide)
{
	Stats stats;
	auto get = [&](uint16_t id, bool alwaysWide) -> uint64_t {
		if (wide || alwaysWide)
			return attributes.u64(id).value_or(0);
		return attributes.u32(id).value_or(0);
	};
	stats.connections = get(IPVS_STATS_ATTR_CONNS, false);
	stats.inPackets = get(IPVS_STATS_ATTR_INPKTS, false);
	stats.outPackets = get(IPVS_STATS_ATTR_OUTPKTS, false);
	stats.inBytes = get(IPVS_STATS_ATTR_INBYTES, true);
	stats.outBytes = get(IPVS_STATS_ATTR_OUTBYTES, true);
	stats.cps = get(IPVS_STATS_ATTR_CPS, false);
	stats.inPps = get(IPVS_STATS_ATTR_INPPS, false);
	stats.outPps = get(IPVS_STATS_ATTR_OUTPPS, false);
	stats.inBps = get(IPVS_STATS_ATTR_INBPS, false);
	stats.outBps = get(IPVS_STATS_ATTR_OUTBPS, false);
	return stats;
}

namespace {

/* Stats are optional in a reply; a malformed nest is not. */
Result<void> optionalStats(const Attributes &parent, uint16_t id, bool wide, Stats &out)
{
	if (!parent.has(id))
		return {};
	auto nested = parent.nested(id);
	if (!nested)
		return nested.error();
	auto stats = parseStats(*nested, wide);
	if (!stats)
		return stats.error();
	out = *stats;
	return {};
}

} /* namespace */

Result<VirtualServer> parseService(const Attributes &top)
{
	auto attributes = top.nested(IPVS_CMD_ATTR_SERVICE);
	if (!attributes)
		return attributes.error();
	const Attributes &svc = *attributes;

	VirtualServer service;
	ServiceKey &key = service.key;
	auto family = svc.u16(IPVS_SVC_ATTR_AF);
	if (!family || (*family != AF_INET && *family != AF_INET6))
		return malformed("service without a valid address family");
	key.family = *family;

	if (auto fwmark = svc.u32(IPVS_SVC_ATTR_FWMARK); fwmark && *fwmark) {
		key.fwmark = *fwmark;
		key.protocol = Protocol::None;
	} else {
		auto protocol = svc.u16(IPVS_SVC_ATTR_PROTOCOL);
		auto port = svc.u16(IPVS_SVC_ATTR_PORT);
		auto addr = address(svc, IPVS_SVC_ATTR_ADDR, key.family);
		if (!protocol || !port || !addr)
			return malformed("service without protocol, address or port");
		key.protocol = static_cast<Protocol>(*protocol);
		key.address = *addr;
		key.port = ntohs(*port);
	}

	auto scheduler = svc.string(IPVS_SVC_ATTR_SCHED_NAME);
	auto flags = svc.binary(IPVS_SVC_ATTR_FLAGS);
	auto timeout = svc.u32(IPVS_SVC_ATTR_TIMEOUT);
	auto netmask = svc.u32(IPVS_SVC_ATTR_NETMASK);
	if (!scheduler || !flags || !timeout || !netmask)
		return malformed("service " + key.toString() + " without scheduler, flags, "
								  "timeout or netmask");
	service.scheduler = *scheduler;
	struct ip_vs_flags raw;
	std::memcpy(&raw, flags->data(), sizeof(raw));
	service.flags = raw.flags;
	service.timeout = *timeout;
	service.netmask = *netmask;
	service.persistenceEngine = svc.string(IPVS_SVC_ATTR_PE_NAME).value_or("");

	if (auto s = optionalStats(svc, IPVS_SVC_ATTR_STATS, false, service.stats); !s)
		return s.error();
	if (auto s = optionalStats(svc, IPVS_SVC_ATTR_STATS64, true, service.stats64); !s)
		return s.error();
	return service;
}

Result<RealServer> parseDestination(const Attributes &top, int serviceFamily)
{
	auto attributes = top.nested(IPVS_CMD_ATTR_DEST);
	if (!attributes)
		return attributes.error();
	const Attributes &dst = *attributes;

	RealServer destination;
	destination.family = dst.u16(IPVS_DEST_ATTR_ADDR_FAMILY).value_or(
		static_cast<uint16_t>(serviceFamily));
	auto addr = address(dst, IPVS_DEST_ATTR_ADDR, destination.family);
	auto port = dst.u16(IPVS_DEST_ATTR_PORT);
	auto method = dst.u32(IPVS_DEST_ATTR_FWD_METHOD);
	auto weight = dst.u32(IPVS_DEST_ATTR_WEIGHT);
	if (!addr || !port || !method || !weight)
		return malformed("destination without address, port, method or weight");
	destination.address = *addr;
	destination.port = ntohs(*port);
	destination.method = static_cast<ForwardMethod>(*method & IP_VS_CONN_F_FWD_MASK);
	destination.weight = static_cast<int32_t>(*weight);
	destination.upperThreshold = dst.u32(IPVS_DEST_ATTR_U_THRESH).value_or(0);
	destination.lowerThreshold = dst.u32(IPVS_DEST_ATTR_L_THRESH).value_or(0);
	destination.activeConnections = dst.u32(IPVS_DEST_ATTR_ACTIVE_CONNS).value_or(0);
	destination.inactiveConnections = dst.u32(IPVS_DEST_ATTR_INACT_CONNS).value_or(0);
	destination.persistentConnections = dst.u32(IPVS_DEST_ATTR_PERSIST_CONNS).value_or(0);
	destination.tunnelType = static_cast<TunnelType>(dst.u8(IPVS_DEST_ATTR_TUN_TYPE).value_or(0));
	destination.tunnelPort = ntohs(dst.u16(IPVS_DEST_ATTR_TUN_PORT).value_or(0));
	destination.tunnelFlags = dst.u16(IPVS_DEST_ATTR_TUN_FLAGS).value_or(0);

	if (auto s = optionalStats(dst, IPVS_DEST_ATTR_STATS, false, destination.stats); !s)
		return s.error();
	if (auto s = optionalStats(dst, IPVS_DEST_ATTR_STATS64, true, destination.stats64); !s)
		return s.error();
	return destination;
}

Result<SyncDaemon> parseDaemon(const Attributes &top)
{
	auto attributes = top.nested(IPVS_CMD_ATTR_DAEMON);
	if (!attributes)
		return attributes.error();
	const Attributes &d = *attributes;

	SyncDaemon daemon;
	auto state = d.u32(IPVS_DAEMON_ATTR_STATE);
	auto interface = d.string(IPVS_DAEMON_ATTR_MCAST_IFN);
	auto syncId = d.u32(IPVS_DAEMON_ATTR_SYNC_ID);
	if (!state || !interface || !syncId)
		return malformed("sync daemon without state, interface or sync id");
	daemon.role = static_cast<SyncDaemon::Role>(*state);
	daemon.multicastInterface = *interface;
	daemon.syncId = *syncId;
	daemon.syncMaxLength = d.u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN).value_or(0);
	if (auto group = address(d, IPVS_DAEMON_ATTR_MCAST_GROUP6, AF_INET6))
		daemon.multicastGroup = *group;
	else if (auto group4 = address(d, IPVS_DAEMON_ATTR_MCAST_GROUP, AF_INET))
		daemon.multicastGroup = *group4;
	daemon.multicastPort = d.u16(IPVS_DAEMON_ATTR_MCAST_PORT).value_or(0);
	daemon.multicastTtl = d.u8(IPVS_DAEMON_ATTR_MCAST_TTL).value_or(0);
	return daemon;
}

Result<Info> parseInfo(const Attributes &attributes)
{
	auto version = attributes.u32(IPVS_INFO_ATTR_VERSION);
	auto size = attributes.u32(IPVS_INFO_ATTR_CONN_TAB_SIZE);
	if (!version || !size)
		return malformed("info without version or table size");
	return Info{ *version, *size };
}

Result<Timeouts> parseTimeouts(const Attributes &top)
{
	auto tcp = top.u32(IPVS_CMD_ATTR_TIMEOUT_TCP);
	auto tcpFin = top.u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN);
	auto udp = top.u32(IPVS_CMD_ATTR_TIMEOUT_UDP);
	if (!tcp || !tcpFin || !udp)
		return malformed("config without the three timeouts");
	return Timeouts{ *tcp, *tcpFin, *udp };
}

} /* namespace kipvs::ipvs::codec */
