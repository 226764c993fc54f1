/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What IPVS holds: virtual servers (services) and their real servers
 * (destinations), as plain values. Field meanings follow the kernel's
 * include/uapi/linux/ip_vs.h; kipvs code and kipvsadm share these types.
 */
#pragma once

#include <cstdint>
#include <string>

#include "base/address.h"
#include "base/protocol.h"

namespace kipvs::ipvs {

/* Protocol::None is a firewall-mark service. */
using kipvs::Protocol;
using kipvs::protocolName;
using kipvs::protocolKeyword;

/* IP_VS_SVC_F_*: virtual server flags. */
namespace ServiceFlag {
constexpr uint32_t Persistent = 0x0001;
constexpr uint32_t Hashed = 0x0002; /* set by the kernel; ignore when comparing */
constexpr uint32_t OnePacket = 0x0004;
constexpr uint32_t Sched1 = 0x0008; /* sh-fallback, mh-fallback */
constexpr uint32_t Sched2 = 0x0010; /* sh-port, mh-port */
constexpr uint32_t Sched3 = 0x0020;
} /* namespace ServiceFlag */

/* IP_VS_CONN_F_FWD_MASK values: how packets reach a real server. */
enum class ForwardMethod : uint32_t {
	Masq = 0,
	Local = 1,
	Tunnel = 2,
	Route = 3,
};

/* IP_VS_CONN_F_TUNNEL_TYPE_* */
enum class TunnelType : uint8_t {
	Ipip = 0,
	Gue = 1,
	Gre = 2,
};

/* IP_VS_TUNNEL_ENCAP_FLAG_*: 0 means no checksum. */
namespace TunnelFlag {
constexpr uint16_t NoChecksum = 0;
constexpr uint16_t Checksum = 1 << 0;
constexpr uint16_t RemoteChecksum = 1 << 1;
} /* namespace TunnelFlag */

/* One set of IPVS counters (IPVS_STATS_ATTR_*). */
struct Stats {
	uint64_t connections = 0;
	uint64_t inPackets = 0;
	uint64_t outPackets = 0;
	uint64_t inBytes = 0;
	uint64_t outBytes = 0;
	uint64_t cps = 0;
	uint64_t inPps = 0;
	uint64_t outPps = 0;
	uint64_t inBps = 0;
	uint64_t outBps = 0;

	bool operator==(const Stats &) const = default;
};

/* The identity the kernel keys a virtual server by. */
struct ServiceKey {
	int family = AF_INET;
	Protocol protocol = Protocol::Tcp; /* None for a fwmark service */
	IpAddress address;                 /* unset for a fwmark service */
	uint16_t port = 0;                 /* host order */
	uint32_t fwmark = 0;

	bool isFwmark() const { return fwmark != 0; }
	/* "TCP 10.0.0.1:80", "UDP [fd00::1]:53", "FWM 7": names the object in errors. */
	std::string toString() const;

	auto operator<=>(const ServiceKey &) const = default;
};

struct VirtualServer {
	ServiceKey key;
	std::string scheduler = "rr";
	uint32_t flags = 0;
	/* Persistence timeout in seconds (with ServiceFlag::Persistent). */
	uint32_t timeout = 0;
	/*
	 * As the kernel's IPVS_SVC_ATTR_NETMASK holds it: for IPv4 the mask in
	 * network byte order (0xffffffff = host), for IPv6 a prefix length.
	 */
	uint32_t netmask = 0xffffffff;
	/* Persistence engine ("sip"), empty for none. */
	std::string persistenceEngine;

	/* Read back from the kernel only; never sent. */
	Stats stats;   /* IPVS_SVC_ATTR_STATS: 32-bit counters, 64-bit bytes */
	Stats stats64; /* IPVS_SVC_ATTR_STATS64 */

	/* The configuration the kernel keeps, ignoring Hashed and counters. */
	bool sameConfig(const VirtualServer &other) const;
};

struct RealServer {
	IpAddress address;
	uint16_t port = 0; /* host order */
	/* IPVS_DEST_ATTR_ADDR_FAMILY; may differ from the service's for tunnels. */
	int family = AF_INET;
	ForwardMethod method = ForwardMethod::Masq;
	int32_t weight = 1;
	uint32_t upperThreshold = 0;
	uint32_t lowerThreshold = 0;
	TunnelType tunnelType = TunnelType::Ipip;
	uint16_t tunnelPort = 0; /* host order; GUE only */
	uint16_t tunnelFlags = TunnelFlag::NoChecksum;

	/* Read back from the kernel only; never sent. */
	uint32_t activeConnections = 0;
	uint32_t inactiveConnections = 0;
	uint32_t persistentConnections = 0;
	Stats stats;   /* IPVS_DEST_ATTR_STATS (what ipvsadm shows) */
	Stats stats64; /* IPVS_DEST_ATTR_STATS64 */

	/* "10.244.1.5:8080", "[fd00::5]:8080": names the object in errors. */
	std::string toString() const;
	/* The configuration the kernel keeps, ignoring counters. */
	bool sameConfig(const RealServer &other) const;
};

/* IPVS_CMD_GET_INFO */
struct Info {
	uint32_t version = 0; /* 0x010201 = 1.2.1 */
	uint32_t connectionTableSize = 0;
};

/* IPVS_CMD_GET_CONFIG / SET_CONFIG, in seconds; 0 = leave unchanged. */
struct Timeouts {
	uint32_t tcp = 0;
	uint32_t tcpFin = 0;
	uint32_t udp = 0;
};

/* One connection-sync daemon (IPVS_CMD_GET_DAEMON). */
struct SyncDaemon {
	enum class Role : uint32_t { Master = 1, Backup = 2 } role = Role::Master;
	std::string multicastInterface;
	uint32_t syncId = 0;
	uint16_t syncMaxLength = 0;
	IpAddress multicastGroup; /* unset when not configured */
	uint16_t multicastPort = 0;
	uint8_t multicastTtl = 0;
};

} /* namespace kipvs::ipvs */
