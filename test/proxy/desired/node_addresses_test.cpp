/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which of the node's interface addresses serve NodePorts, against
 * kube-proxy's TestGetNodeIPs and TestIpIsValidForSet (proxier_test.go).
 */
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "proxy/desired/node_context.h"

using namespace kipvs;
using namespace kipvs::proxy;

namespace {

/* Interfaces and their addresses, as the upstream cases give them. */
std::set<IpAddress> nodeIPs(const std::map<std::string, std::vector<std::string>> &devices)
{
	std::vector<netlink::InterfaceAddress> addresses;
	for (const auto &[device, texts] : devices)
		for (const std::string &text : texts) {
			IpAddress address = *IpAddress::parse(text);
			addresses.push_back({ device, 1, IpPrefix(address, address.isV4() ? 32 : 128) });
		}
	return nodeAddressesOf(addresses);
}

std::set<IpAddress> ips(std::vector<std::string> texts)
{
	std::set<IpAddress> out;
	for (const std::string &text : texts)
		out.insert(*IpAddress::parse(text));
	return out;
}

} /* namespace */

TEST_CASE("node IPs: every interface's but kube-ipvs0's, loopback and link-local (TestGetNodeIPs)",
	  "[node]")
{
	/* Upstream asks per family; kipvs's one set holds both. */
	CHECK(nodeIPs({ { "eth0", { "1.2.3.4" } }, { "lo", { "127.0.0.1" } } }) == ips({ "1.2.3.4" }));
	CHECK(nodeIPs({ { "lo", { "127.0.0.1" } } }).empty());
	CHECK(nodeIPs({}).empty());
	CHECK(nodeIPs({ { "encap0", { "10.20.30.40", "fe80::200:ff:fe01:1" } },
			{ "lo", { "127.0.0.1", "::1" } },
			{ "docker0", { "172.17.0.1" } } }) == ips({ "10.20.30.40", "172.17.0.1" }));
	CHECK(nodeIPs({ { "encaps9", { "10.20.30.40" } }, { "lo", { "127.0.0.1", "::1" } },
			{ "encap7", { "1000::", "10.20.30.31" } } }) ==
	      ips({ "10.20.30.40", "10.20.30.31", "1000::" }));
	CHECK(nodeIPs({ { "kube-ipvs0", { "2000::", "1.2.3.4" } }, { "lo", { "127.0.0.1", "::1" } },
			{ "encap7", { "1000::", "10.20.30.31" } } }) == ips({ "10.20.30.31", "1000::" }));
	CHECK(nodeIPs({ { "kube-ipvs0", { "1.2.3.4", "2.3.4.5" } }, { "lo", { "127.0.0.1", "::1" } } })
		      .empty());
	CHECK(nodeIPs({ { "kube-ipvs0", { "1.2.3.4", "2.3.4.5" } } }).empty());
	CHECK(nodeIPs({ { "kube-ipvs0", { "1.2.3.4", "2.3.4.5" } }, { "eth5", { "3.4.5.6" } },
			{ "lo", { "127.0.0.1", "::1" } } }) == ips({ "3.4.5.6" }));
	/* Only kube-ipvs0 itself is left out, not a link named like it. */
	CHECK(nodeIPs({ { "ipvs0", { "1.2.3.4" } }, { "lo", { "127.0.0.1", "::1" } },
			{ "encap7", { "10.20.30.31" } } }) == ips({ "10.20.30.31", "1.2.3.4" }));
	CHECK(nodeIPs({ { "ipvs0", { "1.2.3.4", "1000::" } }, { "lo", { "127.0.0.1", "::1" } },
			{ "encap7", { "10.20.30.31", "2000::", "fe80::200:ff:fe01:1" } } }) ==
	      ips({ "1.2.3.4", "10.20.30.31", "1000::", "2000::" }));
}

TEST_CASE("node IPs fit for a set: no loopback, no IPv6 link-local (TestIpIsValidForSet)", "[node]")
{
	for (const char *text : { "127.0.0.1", "127.0.0.0", "127.6.7.8", "::1", "fe80::200:ff:fe01:1" }) {
		INFO(text);
		CHECK(nodeIPs({ { "eth0", { text } } }).empty());
	}
	for (const char *text : { "8.8.8.8", "192.168.0.1", "1000::" }) {
		INFO(text);
		CHECK(nodeIPs({ { "eth0", { text } } }) == ips({ text }));
	}
	/*
	 * Differs: kube-proxy keeps IPv4 link-local (169.254.0.0); kipvs leaves
	 * it out, as CNI plugins put the pods' gateway 169.254.1.1 on every
	 * host-side veth (a NodePort there would serve nobody).
	 */
	CHECK(nodeIPs({ { "eth0", { "169.254.0.0" } } }).empty());
}
