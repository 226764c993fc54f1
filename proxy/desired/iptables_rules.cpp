/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generation of kipvs's iptables rules (kube-proxy IPVS mode's, plus ping).
 */
#include "proxy/desired/iptables_rules.h"

#include <algorithm>
#include <cstdio>

#include "ipset/set_name.h"
#include "proxy/desired/desired_state.h"

namespace kipvs::proxy {

const std::vector<JumpRule> &jumpRules()
{
	/* kube-proxy's comments, so a node moving from kube-proxy keeps one of each. */
	static const std::vector<JumpRule> rules = {
		{ "nat", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals" },
		{ "nat", "PREROUTING", "KUBE-SERVICES", "kubernetes service portals" },
		{ "nat", "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules" },
		{ "filter", "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules" },
		{ "filter", "INPUT", "KUBE-NODE-PORT", "kubernetes health check rules" },
		{ "filter", "INPUT", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules" },
		{ "filter", "FORWARD", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules" },
		{ "filter", "INPUT", "KUBE-IPVS-FILTER", "kubernetes ipvs access filter" },
		{ "filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER", "kubernetes ipvs access filter" },
	};
	return rules;
}

const std::vector<std::pair<std::string, std::string>> &ownChains()
{
	static const std::vector<std::pair<std::string, std::string>> chains = {
		{ "nat", "KUBE-SERVICES" },
		{ "nat", "KUBE-POSTROUTING" },
		{ "nat", "KUBE-NODE-PORT" },
		{ "nat", "KUBE-LOAD-BALANCER" },
		{ "nat", "KUBE-MARK-MASQ" },
		{ "filter", "KUBE-FORWARD" },
		{ "filter", "KUBE-NODE-PORT" },
		{ "filter", "KUBE-PROXY-FIREWALL" },
		{ "filter", "KUBE-SOURCE-RANGES-FIREWALL" },
		{ "filter", "KUBE-IPVS-FILTER" },
		{ "filter", "KUBE-IPVS-OUT-FILTER" },
	};
	return chains;
}

namespace {

class Writer
{
public:
	Writer(int family, const std::set<std::string> &nonEmpty)
		: family_(family), nonEmpty_(nonEmpty)
	{
	}

	std::string set(const char *base) const { return ipset::setName(base, family_); }
	bool has(const char *base) const { return nonEmpty_.count(set(base)) > 0; }

	void line(const std::string &text) { text_ += text + "\n"; }

	/* -A CHAIN [pre] -m comment --comment "C" -m set --match-set SET FLAGS [post] -j TARGET */
	void setRule(const char *chain, const std::string &pre, const char *comment,
		     const char *setBase, const char *flags, const std::string &post,
		     const std::string &target)
	{
		if (!has(setBase))
			return;
		std::string rule = std::string("-A ") + chain;
		if (!pre.empty())
			rule += " " + pre;
		if (comment)
			rule += std::string(" -m comment --comment \"") + comment + "\"";
		rule += " -m set --match-set " + set(setBase) + " " + flags;
		if (!post.empty())
			rule += " " + post;
		line(rule + " -j " + target);
	}

	std::string take() { return std::move(text_); }

private:
	int family_;
	const std::set<std::string> &nonEmpty_;
	std::string text_;
};

void chainHeaders(Writer &w, const char *table)
{
	for (const auto &[chainTable, chain] : ownChains())
		if (chainTable == table)
			w.line(":" + chain + " - [0:0]");
}

} /* namespace */

std::string buildRuleset(int family, const RuleConfig &config, const RulesInput &input)
{
	Writer w(family, input.nonEmptySets);
	char mark[32];
	std::snprintf(mark, sizeof(mark), "0x%x", 1u << config.masqueradeBit);
	const std::string markMask = std::string(mark) + "/" + mark;
	const bool v6 = family == AF_INET6;

	w.line("*nat");
	chainHeaders(w, "nat");
	w.line(std::string("-A KUBE-SERVICES -s ") + (v6 ? "::1/128" : "127.0.0.0/8") +
	       " -j RETURN");
	w.setRule("KUBE-POSTROUTING", "",
		  "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
		  sets::LoopBack, "dst,dst,src", "", "MASQUERADE");
	w.setRule("KUBE-SERVICES", "", "Kubernetes service lb portal", sets::LoadBalancer,
		  "dst,dst", "", "KUBE-LOAD-BALANCER");
	w.setRule("KUBE-LOAD-BALANCER", "",
		  "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
		  sets::LoadBalancerLocal, "dst,dst", "", "RETURN");

	struct NodePortSets {
		const char *protocol, *name, *local, *all, *flags;
	};
	const NodePortSets nodePorts[] = {
		{ "tcp", "TCP", sets::NodePortLocalTcp, sets::NodePortTcp, "dst" },
		{ "udp", "UDP", sets::NodePortLocalUdp, sets::NodePortUdp, "dst" },
		{ "sctp", "SCTP", sets::NodePortLocalSctp, sets::NodePortSctp, "dst,dst" },
	};
	bool anyNodePort = false;
	for (const NodePortSets &n : nodePorts) {
		std::string pre = std::string("-p ") + n.protocol;
		std::string local = std::string("Kubernetes nodeport ") + n.name +
				    " port with externalTrafficPolicy=local";
		std::string masq = std::string("Kubernetes nodeport ") + n.name +
				   " port for masquerade purpose";
		w.setRule("KUBE-NODE-PORT", pre, local.c_str(), n.local, n.flags, "", "RETURN");
		w.setRule("KUBE-NODE-PORT", pre, masq.c_str(), n.all, n.flags, "", "KUBE-MARK-MASQ");
		anyNodePort = anyNodePort || w.has(n.all);
	}

	const char *clusterComment = "Kubernetes service cluster ip + port for masquerade purpose";
	/*
	 * Local traffic is told by the --cluster-cidr of this family (one per
	 * family); a family without one falls back to masquerading what leaves
	 * from a service IP, as kube-proxy's per-family local detectors do (a
	 * single-family --cluster-cidr on a dual-stack node).
	 */
	auto clusterCIDR = std::find_if(config.clusterCIDRs.begin(), config.clusterCIDRs.end(),
					[&](const IpPrefix &cidr) {
						return cidr.address().family() == family;
					});
	if (config.masqueradeAll) {
		w.setRule("KUBE-SERVICES", "", clusterComment, sets::ClusterIP, "dst,dst", "",
			  "KUBE-MARK-MASQ");
	} else if (clusterCIDR != config.clusterCIDRs.end()) {
		w.setRule("KUBE-SERVICES", "", clusterComment, sets::ClusterIP, "dst,dst",
			  "! -s " + clusterCIDR->toString(), "KUBE-MARK-MASQ");
	} else {
		/* Without a cluster CIDR, masquerade what leaves the node from a service IP. */
		w.setRule("KUBE-SERVICES", "", clusterComment, sets::ClusterIP, "src,dst", "",
			  "KUBE-MARK-MASQ");
	}

	const char *externalComment =
		"Kubernetes service external ip + port for masquerade and filter purpose";
	w.setRule("KUBE-SERVICES", "", externalComment, sets::ExternalIP, "dst,dst", "",
		  "KUBE-MARK-MASQ");
	for (const char *base : { sets::ExternalIP, sets::ExternalIPLocal }) {
		w.setRule("KUBE-SERVICES", "", externalComment, base, "dst,dst",
			  "-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL", "ACCEPT");
		w.setRule("KUBE-SERVICES", "", externalComment, base, "dst,dst",
			  "-m addrtype --dst-type LOCAL", "ACCEPT");
	}
	if (anyNodePort)
		w.line("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT");
	if (w.has(sets::LoadBalancer))
		w.line("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ");
	w.setRule("KUBE-SERVICES", "", nullptr, sets::ClusterIP, "dst,dst", "", "ACCEPT");
	w.setRule("KUBE-SERVICES", "", nullptr, sets::LoadBalancer, "dst,dst", "", "ACCEPT");
	w.line("-A KUBE-POSTROUTING -m mark ! --mark " + markMask + " -j RETURN");
	w.line(std::string("-A KUBE-POSTROUTING -j MARK --xor-mark ") + mark);
	w.line("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring "
	       "SNAT\" -j MASQUERADE --random-fully");
	w.line(std::string("-A KUBE-MARK-MASQ -j MARK --or-mark ") + mark);
	w.line("COMMIT");

	w.line("*filter");
	chainHeaders(w, "filter");
	w.setRule("KUBE-PROXY-FIREWALL", "", "Kubernetes service load balancer ip + port for "
		  "load balancer with sourceRange", sets::LoadBalancerFirewall, "dst,dst", "",
		  "KUBE-SOURCE-RANGES-FIREWALL");
	if (w.has(sets::LoadBalancerFirewall)) {
		w.setRule("KUBE-SOURCE-RANGES-FIREWALL", "", "Kubernetes service load balancer ip + "
			  "port + source cidr for packet filter purpose", sets::LoadBalancerSourceCidr,
			  "dst,dst,src", "", "RETURN");
		w.setRule("KUBE-SOURCE-RANGES-FIREWALL", "", "Kubernetes service load balancer "
			  "source ip for packet filter purpose", sets::LoadBalancerSourceIP,
			  "dst,dst,src", "", "RETURN");
		w.line("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP");
	}
	/*
	 * A load balancer whose source ranges leave this node out: the node's
	 * own connections to it (source and virtual address both the LB IP
	 * under IPVS) are dropped, as kube-proxy does.
	 */
	for (const ipvs::ServiceKey &key : input.closedToNode) {
		if (key.family != family)
			continue;
		std::string address = key.address.toString();
		w.line("-A KUBE-IPVS-OUT-FILTER -s " + address + " -m ipvs --vaddr " + address +
		       " --vproto " + std::string(protocolKeyword(key.protocol)) + " --vport " +
		       std::to_string(key.port) + " -j DROP");
	}
	w.line("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark "
	       "--mark " + markMask + " -j ACCEPT");
	w.line("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" "
	       "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
	w.setRule("KUBE-NODE-PORT", "", "Kubernetes health check node port",
		  sets::HealthCheckNodePort, "dst", "", "ACCEPT");
	for (const char *base : { sets::LoadBalancer, sets::ClusterIP, sets::ExternalIP,
				  sets::ExternalIPLocal })
		w.setRule("KUBE-IPVS-FILTER", "", nullptr, base, "dst,dst", "", "RETURN");
	w.setRule("KUBE-IPVS-FILTER", "", nullptr, sets::HealthCheckNodePort, "dst", "", "RETURN");
	/*
	 * kipvs answers ping on service IPs (kube-proxy rejects it): an echo
	 * request to a bound address is how people check a VIP is up.
	 */
	if (w.has(sets::IpvsIPs)) {
		w.line(v6 ? "-A KUBE-IPVS-FILTER -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j RETURN"
			  : "-A KUBE-IPVS-FILTER -p icmp -m icmp --icmp-type 8 -j RETURN");
		w.setRule("KUBE-IPVS-FILTER", "-m conntrack --ctstate NEW", nullptr, sets::IpvsIPs,
			  "dst", "", "REJECT");
	}
	w.line("COMMIT");
	return w.take();
}

} /* namespace kipvs::proxy */
