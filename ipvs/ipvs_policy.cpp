/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPVS attribute tables. Sizes follow the kernel's ip_vs_*_policy tables;
 * function-local statics so that nested tables exist before their users.
 */
#include "ipvs/ipvs_policy.h"

#include <linux/ip_vs.h>

namespace kipvs::ipvs::policy {

using netlink::AttributeTable;
using netlink::AttributeType;

const char *const kFamilyName = IPVS_GENL_NAME;

const AttributeTable &stats()
{
	static const AttributeTable table("ipvs stats", {
		{ IPVS_STATS_ATTR_CONNS, "conns", AttributeType::U32 },
		{ IPVS_STATS_ATTR_INPKTS, "inpkts", AttributeType::U32 },
		{ IPVS_STATS_ATTR_OUTPKTS, "outpkts", AttributeType::U32 },
		{ IPVS_STATS_ATTR_INBYTES, "inbytes", AttributeType::U64 },
		{ IPVS_STATS_ATTR_OUTBYTES, "outbytes", AttributeType::U64 },
		{ IPVS_STATS_ATTR_CPS, "cps", AttributeType::U32 },
		{ IPVS_STATS_ATTR_INPPS, "inpps", AttributeType::U32 },
		{ IPVS_STATS_ATTR_OUTPPS, "outpps", AttributeType::U32 },
		{ IPVS_STATS_ATTR_INBPS, "inbps", AttributeType::U32 },
		{ IPVS_STATS_ATTR_OUTBPS, "outbps", AttributeType::U32 },
		{ IPVS_STATS_ATTR_PAD, "pad", AttributeType::Unspec },
	});
	return table;
}

const AttributeTable &stats64()
{
	static const AttributeTable table("ipvs stats64", {
		{ IPVS_STATS_ATTR_CONNS, "conns", AttributeType::U64 },
		{ IPVS_STATS_ATTR_INPKTS, "inpkts", AttributeType::U64 },
		{ IPVS_STATS_ATTR_OUTPKTS, "outpkts", AttributeType::U64 },
		{ IPVS_STATS_ATTR_INBYTES, "inbytes", AttributeType::U64 },
		{ IPVS_STATS_ATTR_OUTBYTES, "outbytes", AttributeType::U64 },
		{ IPVS_STATS_ATTR_CPS, "cps", AttributeType::U64 },
		{ IPVS_STATS_ATTR_INPPS, "inpps", AttributeType::U64 },
		{ IPVS_STATS_ATTR_OUTPPS, "outpps", AttributeType::U64 },
		{ IPVS_STATS_ATTR_INBPS, "inbps", AttributeType::U64 },
		{ IPVS_STATS_ATTR_OUTBPS, "outbps", AttributeType::U64 },
		{ IPVS_STATS_ATTR_PAD, "pad", AttributeType::Unspec },
	});
	return table;
}

const AttributeTable &service()
{
	static const AttributeTable table("ipvs service", {
		{ IPVS_SVC_ATTR_AF, "af", AttributeType::U16 },
		{ IPVS_SVC_ATTR_PROTOCOL, "protocol", AttributeType::U16 },
		/* union nf_inet_addr: the kernel always sends 16 bytes. */
		{ IPVS_SVC_ATTR_ADDR, "addr", AttributeType::Binary, 4, 16 },
		{ IPVS_SVC_ATTR_PORT, "port", AttributeType::U16 },
		{ IPVS_SVC_ATTR_FWMARK, "fwmark", AttributeType::U32 },
		{ IPVS_SVC_ATTR_SCHED_NAME, "sched_name", AttributeType::String, 0,
		  IP_VS_SCHEDNAME_MAXLEN },
		/* struct ip_vs_flags { flags, mask } */
		{ IPVS_SVC_ATTR_FLAGS, "flags", AttributeType::Binary, 8, 8 },
		{ IPVS_SVC_ATTR_TIMEOUT, "timeout", AttributeType::U32 },
		{ IPVS_SVC_ATTR_NETMASK, "netmask", AttributeType::U32 },
		{ IPVS_SVC_ATTR_STATS, "stats", AttributeType::Nested, 0, 0, &stats() },
		{ IPVS_SVC_ATTR_PE_NAME, "pe_name", AttributeType::String, 0,
		  IP_VS_PENAME_MAXLEN },
		{ IPVS_SVC_ATTR_STATS64, "stats64", AttributeType::Nested, 0, 0, &stats64() },
	});
	return table;
}

const AttributeTable &destination()
{
	static const AttributeTable table("ipvs dest", {
		{ IPVS_DEST_ATTR_ADDR, "addr", AttributeType::Binary, 4, 16 },
		{ IPVS_DEST_ATTR_PORT, "port", AttributeType::U16 },
		{ IPVS_DEST_ATTR_FWD_METHOD, "fwd_method", AttributeType::U32 },
		{ IPVS_DEST_ATTR_WEIGHT, "weight", AttributeType::U32 },
		{ IPVS_DEST_ATTR_U_THRESH, "u_thresh", AttributeType::U32 },
		{ IPVS_DEST_ATTR_L_THRESH, "l_thresh", AttributeType::U32 },
		{ IPVS_DEST_ATTR_ACTIVE_CONNS, "active_conns", AttributeType::U32 },
		{ IPVS_DEST_ATTR_INACT_CONNS, "inact_conns", AttributeType::U32 },
		{ IPVS_DEST_ATTR_PERSIST_CONNS, "persist_conns", AttributeType::U32 },
		{ IPVS_DEST_ATTR_STATS, "stats", AttributeType::Nested, 0, 0, &stats() },
		{ IPVS_DEST_ATTR_ADDR_FAMILY, "addr_family", AttributeType::U16 },
		{ IPVS_DEST_ATTR_STATS64, "stats64", AttributeType::Nested, 0, 0, &stats64() },
		{ IPVS_DEST_ATTR_TUN_TYPE, "tun_type", AttributeType::U8 },
		{ IPVS_DEST_ATTR_TUN_PORT, "tun_port", AttributeType::U16 },
		{ IPVS_DEST_ATTR_TUN_FLAGS, "tun_flags", AttributeType::U16 },
	});
	return table;
}

const AttributeTable &daemon()
{
	static const AttributeTable table("ipvs daemon", {
		{ IPVS_DAEMON_ATTR_STATE, "state", AttributeType::U32 },
		{ IPVS_DAEMON_ATTR_MCAST_IFN, "mcast_ifn", AttributeType::String, 0,
		  IP_VS_IFNAME_MAXLEN },
		{ IPVS_DAEMON_ATTR_SYNC_ID, "sync_id", AttributeType::U32 },
		{ IPVS_DAEMON_ATTR_SYNC_MAXLEN, "sync_maxlen", AttributeType::U16 },
		{ IPVS_DAEMON_ATTR_MCAST_GROUP, "mcast_group", AttributeType::Binary, 4, 4 },
		{ IPVS_DAEMON_ATTR_MCAST_GROUP6, "mcast_group6", AttributeType::Binary, 16, 16 },
		{ IPVS_DAEMON_ATTR_MCAST_PORT, "mcast_port", AttributeType::U16 },
		{ IPVS_DAEMON_ATTR_MCAST_TTL, "mcast_ttl", AttributeType::U8 },
	});
	return table;
}

const AttributeTable &command()
{
	static const AttributeTable table("ipvs", {
		{ IPVS_CMD_ATTR_SERVICE, "service", AttributeType::Nested, 0, 0, &service() },
		{ IPVS_CMD_ATTR_DEST, "dest", AttributeType::Nested, 0, 0, &destination() },
		{ IPVS_CMD_ATTR_DAEMON, "daemon", AttributeType::Nested, 0, 0, &daemon() },
		{ IPVS_CMD_ATTR_TIMEOUT_TCP, "timeout_tcp", AttributeType::U32 },
		{ IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, "timeout_tcp_fin", AttributeType::U32 },
		{ IPVS_CMD_ATTR_TIMEOUT_UDP, "timeout_udp", AttributeType::U32 },
	});
	return table;
}

const AttributeTable &info()
{
	static const AttributeTable table("ipvs info", {
		{ IPVS_INFO_ATTR_VERSION, "version", AttributeType::U32 },
		{ IPVS_INFO_ATTR_CONN_TAB_SIZE, "conn_tab_size", AttributeType::U32 },
	});
	return table;
}

} /* namespace kipvs::ipvs::policy */
