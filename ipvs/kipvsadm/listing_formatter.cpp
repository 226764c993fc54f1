/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm 1.31's list and save layouts.
 */
#include "ipvs/kipvsadm/listing_formatter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace kipvs::ipvsadm {

using ipvs::ForwardMethod;
using ipvs::RealServer;
namespace ServiceFlag = ipvs::ServiceFlag;
using ipvs::Stats;
using ipvs::TunnelType;
using ipvs::VirtualServer;

namespace {

constexpr uint32_t kSchedulerFlags = ServiceFlag::Sched1 | ServiceFlag::Sched2 | ServiceFlag::Sched3;

const char *forwardName(ForwardMethod method)
{
	switch (method) {
	case ForwardMethod::Masq:
		return "Masq";
	case ForwardMethod::Local:
		return "Local";
	case ForwardMethod::Tunnel:
		return "Tunnel";
	case ForwardMethod::Route:
		return "Route";
	}
	return "";
}

const char *forwardSwitch(ForwardMethod method)
{
	switch (method) {
	case ForwardMethod::Masq:
		return "-m";
	case ForwardMethod::Tunnel:
		return "-i";
	case ForwardMethod::Local:
	case ForwardMethod::Route:
		return "-g";
	}
	return "";
}

const char *tunnelName(TunnelType type)
{
	switch (type) {
	case TunnelType::Ipip:
		return "ipip";
	case TunnelType::Gue:
		return "gue";
	case TunnelType::Gre:
		return "gre";
	}
	return "";
}

/* ipvsadm indexes its tables by the flag value: 0 none, 1 csum, 2 remcsum. */
const char *tunnelChecksumShort(uint16_t flags)
{
	if (flags & ipvs::TunnelFlag::RemoteChecksum)
		return "r+c";
	if (flags & ipvs::TunnelFlag::Checksum)
		return "+c";
	return "-c";
}

const char *tunnelChecksumOption(uint16_t flags)
{
	if (flags & ipvs::TunnelFlag::RemoteChecksum)
		return "--tun-remcsum";
	if (flags & ipvs::TunnelFlag::Checksum)
		return "--tun-csum";
	return "--tun-nocsum";
}

/* The persistence granularity: IPv4 as a dotted mask, IPv6 as a length. */
void appendMask(Output &out, const VirtualServer &service, const char *prefix)
{
	if (service.key.family == AF_INET6) {
		if (service.netmask != 128)
			out.printf("%s%i", prefix, static_cast<int>(service.netmask));
		return;
	}
	if (service.netmask != 0xffffffff) {
		/* netmask holds the mask in network byte order, as the kernel does. */
		in_addr mask{};
		mask.s_addr = service.netmask;
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &mask, text, sizeof(text));
		out.printf("%s%s", prefix, text);
	}
}

unsigned int protocolNumber(const VirtualServer &service)
{
	/* The kernel sends no protocol for fwmark services: names stay numeric. */
	if (service.key.isFwmark())
		return 0;
	return static_cast<unsigned int>(service.key.protocol);
}

} /* namespace */

std::string schedulerFlagNames(const std::string &scheduler, uint32_t flags)
{
	std::string names;
	auto add = [&names](const char *name) {
		if (!names.empty())
			names += ",";
		names += name;
	};

	if (scheduler == "sh" || scheduler == "mh") {
		if (flags & ServiceFlag::Sched1)
			add(scheduler == "sh" ? "sh-fallback" : "mh-fallback");
		if (flags & ServiceFlag::Sched2)
			add(scheduler == "sh" ? "sh-port" : "mh-port");
	} else {
		if (flags & ServiceFlag::Sched1)
			add("flag-1");
		if (flags & ServiceFlag::Sched2)
			add("flag-2");
		if (flags & ServiceFlag::Sched3)
			add("flag-3");
	}
	return names;
}

void ListingFormatter::largeNumber(Output &out, uint64_t value, bool exact)
{
	unsigned long long i = value;

	if (exact) {
		int digits = std::snprintf(nullptr, 0, "%llu", i);
		out.printf("%*llu", digits <= 8 ? 9 : digits + 1, i);
		return;
	}

	if (i < 100000000ULL)
		out.printf("%9llu", i);
	else if (i < 1000000000ULL)
		out.printf("%8lluK", i / 1000ULL);
	else if (i < 100000000000ULL)
		out.printf("%8lluM", i / 1000000ULL);
	else if (i < 100000000000000ULL)
		out.printf("%8lluG", i / 1000000000ULL);
	else
		out.printf("%8lluT", i / 1000000000000ULL);
}

void ListingFormatter::versionLine(Output &out, uint32_t version, uint32_t connectionTableSize)
{
	out.printf("IP Virtual Server version %d.%d.%d (size=%d)\n",
		   static_cast<int>((version >> 16) & 0xff), static_cast<int>((version >> 8) & 0xff),
		   static_cast<int>(version & 0xff), static_cast<int>(connectionTableSize));
}

void ListingFormatter::title(Output &out) const
{
	if (format_.stats)
		out.printf("%-33s %8s %8s %8s %8s %8s\n"
			   "  -> RemoteAddress:Port\n",
			   "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
			   "OutBytes");
	else if (format_.rate)
		out.printf("%-33s %8s %8s %8s %8s %8s\n"
			   "  -> RemoteAddress:Port\n",
			   "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	else if (format_.thresholds)
		out.printf("%-33s %-10s %-10s %-10s %-10s\n"
			   "  -> RemoteAddress:Port\n",
			   "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
			   "InActConn");
	else if (format_.persistentConn)
		out.printf("%-33s %-9s %-11s %-10s %-10s\n"
			   "  -> RemoteAddress:Port\n",
			   "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn",
			   "InActConn");
	else if (format_.tunInfo)
		out.append("Prot LocalAddress:Port Scheduler Flags\n"
			   "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
	else if (!format_.rule)
		out.append("Prot LocalAddress:Port Scheduler Flags\n"
			   "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

std::string ListingFormatter::serviceName(const VirtualServer &service)
{
	const ipvs::ServiceKey &key = service.key;
	char text[64];

	if (key.isFwmark()) {
		/* ipvsadm prints the mark with %d: 4294967295 is -1. */
		int mark = static_cast<int>(key.fwmark);
		if (format_.rule)
			std::snprintf(text, sizeof(text), key.family == AF_INET6 ? "-f %d -6" : "-f %d",
				      mark);
		else
			std::snprintf(text, sizeof(text),
				      key.family == AF_INET6 ? "FWM  %d IPv6" : "FWM  %d", mark);
		return text;
	}

	std::string address = resolver_.addressPort(key.family, key.address, key.port,
						    protocolNumber(service));
	std::string name;
	if (format_.rule) {
		switch (key.protocol) {
		case ipvs::Protocol::Tcp:
			name = "-t ";
			break;
		case ipvs::Protocol::Udp:
			name = "-u ";
			break;
		case ipvs::Protocol::Sctp:
			name = "--sctp-service ";
			break;
		case ipvs::Protocol::None:
			name = "? ";
			break;
		}
		return name + address;
	}

	std::snprintf(text, sizeof(text), "%-4s ", ipvs::protocolName(key.protocol));
	name = text + address;
	/* The name column is 33 wide and IPv4 names are cut to fit. */
	if (key.family != AF_INET6 && name.size() > 33)
		name.resize(33);
	return name;
}

void ListingFormatter::service(Output &out, const VirtualServer &service,
			       const std::vector<RealServer> &realServers)
{
	std::string name = serviceName(service);
	serviceRow(out, name, service);
	for (const RealServer &real : realServers)
		realServerRow(out, name, service, real);
}

void ListingFormatter::serviceRow(Output &out, const std::string &name, const VirtualServer &service)
{
	const uint32_t flags = service.flags;

	if (format_.rule) {
		out.printf("-A %s -s %s", name.c_str(), service.scheduler.c_str());
		if (flags & ServiceFlag::Persistent) {
			out.printf(" -p %u", service.timeout);
			appendMask(out, service, " -M ");
		}
		if (!service.persistenceEngine.empty())
			out.printf(" --pe %s", service.persistenceEngine.c_str());
		if (flags & ServiceFlag::OnePacket)
			out.append(" -o");
		if (flags & kSchedulerFlags)
			out.printf(" -b %s", schedulerFlagNames(service.scheduler, flags).c_str());
	} else if (format_.stats || format_.rate) {
		const Stats &s = service.stats64;
		out.printf("%-33s", name.c_str());
		if (format_.stats) {
			largeNumber(out, s.connections, format_.exact);
			largeNumber(out, s.inPackets, format_.exact);
			largeNumber(out, s.outPackets, format_.exact);
			largeNumber(out, s.inBytes, format_.exact);
			largeNumber(out, s.outBytes, format_.exact);
		} else {
			largeNumber(out, s.cps, format_.exact);
			largeNumber(out, s.inPps, format_.exact);
			largeNumber(out, s.outPps, format_.exact);
			largeNumber(out, s.inBps, format_.exact);
			largeNumber(out, s.outBps, format_.exact);
		}
	} else {
		out.printf("%s %s", name.c_str(), service.scheduler.c_str());
		if (flags & kSchedulerFlags)
			out.printf(" (%s)", schedulerFlagNames(service.scheduler, flags).c_str());
		/* Unlike -S, the listing names the engine only for persistent services. */
		if (flags & ServiceFlag::Persistent) {
			out.printf(" persistent %u", service.timeout);
			appendMask(out, service, " mask ");
			if (!service.persistenceEngine.empty())
				out.printf(" pe %s", service.persistenceEngine.c_str());
		}
		if (flags & ServiceFlag::OnePacket)
			out.append(" ops");
	}
	out.append('\n');
}

void ListingFormatter::realServerRow(Output &out, const std::string &serviceName,
				     const VirtualServer &service, const RealServer &real)
{
	std::string dname = resolver_.addressPort(real.family, real.address, real.port,
						  protocolNumber(service));
	/*
	 * IPv4 real-server names are cut to their 28-wide column; IPv6 ones are
	 * not, also under an IPv4 service (a tunnelled mixed-family real server).
	 */
	if (!format_.rule && real.family != AF_INET6 && dname.size() > 28)
		dname.resize(28);
	const char *d = dname.c_str();

	if (format_.rule) {
		const char *fwd = forwardSwitch(real.method);
		if (real.method != ForwardMethod::Tunnel) {
			out.printf("-a %s -r %s %s -w %d\n", serviceName.c_str(), d, fwd, real.weight);
			return;
		}
		switch (real.tunnelType) {
		case TunnelType::Gue:
			out.printf("-a %s -r %s %s -w %d --tun-type %s --tun-port %d %s\n",
				   serviceName.c_str(), d, fwd, real.weight, tunnelName(real.tunnelType),
				   static_cast<int>(real.tunnelPort), tunnelChecksumOption(real.tunnelFlags));
			break;
		case TunnelType::Gre:
			out.printf("-a %s -r %s %s -w %d --tun-type %s %s\n", serviceName.c_str(), d,
				   fwd, real.weight, tunnelName(real.tunnelType),
				   tunnelChecksumOption(real.tunnelFlags));
			break;
		case TunnelType::Ipip:
			out.printf("-a %s -r %s %s -w %d --tun-type %s\n", serviceName.c_str(), d, fwd,
				   real.weight, tunnelName(real.tunnelType));
			break;
		}
		return;
	}

	const Stats &s = format_.stats64 ? real.stats64 : real.stats;
	if (format_.stats) {
		out.printf("  -> %-28s", d);
		largeNumber(out, s.connections, format_.exact);
		largeNumber(out, s.inPackets, format_.exact);
		largeNumber(out, s.outPackets, format_.exact);
		largeNumber(out, s.inBytes, format_.exact);
		largeNumber(out, s.outBytes, format_.exact);
		out.append('\n');
	} else if (format_.rate) {
		out.printf("  -> %-28s %8llu %8llu %8llu", d,
			   static_cast<unsigned long long>(s.cps),
			   static_cast<unsigned long long>(s.inPps),
			   static_cast<unsigned long long>(s.outPps));
		largeNumber(out, s.inBps, format_.exact);
		largeNumber(out, s.outBps, format_.exact);
		out.append('\n');
	} else if (format_.thresholds) {
		out.printf("  -> %-28s %-10u %-10u %-10u %-10u\n", d, real.upperThreshold,
			   real.lowerThreshold, real.activeConnections, real.inactiveConnections);
	} else if (format_.persistentConn) {
		out.printf("  -> %-28s %-9u %-11u %-10u %-10u\n", d,
			   static_cast<unsigned int>(real.weight), real.persistentConnections,
			   real.activeConnections, real.inactiveConnections);
	} else if (format_.tunInfo) {
		char info[16] = "n/a";
		if (real.method == ForwardMethod::Tunnel) {
			switch (real.tunnelType) {
			case TunnelType::Ipip:
				std::snprintf(info, sizeof(info), "ipip");
				break;
			case TunnelType::Gue:
				std::snprintf(info, sizeof(info), "gue:%d:%s",
					      static_cast<int>(real.tunnelPort),
					      tunnelChecksumShort(real.tunnelFlags));
				break;
			case TunnelType::Gre:
				std::snprintf(info, sizeof(info), "gre:%s",
					      tunnelChecksumShort(real.tunnelFlags));
				break;
			}
		}
		out.printf("  -> %-28s %-7s %-13s %-6d %-10u %-10u\n", d, forwardName(real.method),
			   info, real.weight, real.activeConnections, real.inactiveConnections);
	} else {
		out.printf("  -> %-28s %-7s %-6d %-10u %-10u\n", d, forwardName(real.method),
			   real.weight, real.activeConnections, real.inactiveConnections);
	}
}

} /* namespace kipvs::ipvsadm */
