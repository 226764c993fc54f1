/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What kipvs learns about the node it runs on: its addresses (for
 * NodePorts and the node-IP guard) and the sockets host processes listen
 * on (so an externalIP on this node never hijacks one).
 */
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "netlink/interface_address.h"
#include "proxy/config/config.h"
#include "proxy/desired/desired_state.h"
#include "proxy/cache/service_cache.h"

namespace kipvs::proxy {

/* Sockets in LISTEN (TCP) or bound (UDP) state, from /proc/net. */
class ListeningSockets
{
public:
	/* Read /proc/net/{tcp,tcp6,udp,udp6} (or the same files under procRoot). */
	static ListeningSockets read(const std::string &procRoot = "/proc");

	/* Does a socket listen on address:port, or on the family's wildcard? */
	bool listens(const IpAddress &address, Protocol protocol, uint16_t port) const;

	/* Parse one /proc/net/{tcp,udp}[6] table; `listenOnly` keeps state 0A. */
	void parse(const std::string &text, Protocol protocol, bool listenOnly);

private:
	std::set<std::tuple<IpAddress, Protocol, uint16_t>> sockets_;
};

/*
 * The node's own addresses (for NodePorts and the guard): every interface
 * but kube-ipvs0, no loopback or link-local (kube-proxy keeps IPv4
 * link-local ones; kipvs leaves them out, as CNI plugins put their pods'
 * gateway 169.254.1.1 on every host-side veth).
 */
std::set<IpAddress> nodeAddressesOf(const std::vector<netlink::InterfaceAddress> &addresses);
Result<std::set<IpAddress>> nodeAddresses();

/* Everything the desired state needs to know of this node right now. */
NodeContext makeNodeContext(const Config &config, const ServiceCache &cache,
			    const std::set<IpAddress> &localAddresses,
			    const ListeningSockets &listening);
/*
 * The same, reading /proc/net only if the desired state asks (an external
 * address of a service is on this node), at most once for this context.
 */
NodeContext makeNodeContext(const Config &config, const ServiceCache &cache,
			    const std::set<IpAddress> &localAddresses);

} /* namespace kipvs::proxy */
