/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table of kipvs's ipsets (kube-proxy's names, types and purposes).
 */
#include "proxy/desired/owned_sets.h"

#include "ipset/set_name.h"
#include "proxy/desired/desired_state.h"

namespace kipvs::proxy {

std::vector<ipset::SetSpec> ownedSets(int family)
{
	using ipset::SetType;
	/* kube-proxy's name, type and (in its source) purpose of each set. */
	struct Row {
		const char *name;
		SetType type;
	};
	static const Row rows[] = {
		/* Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose */
		{ sets::LoopBack, SetType::HashIpPortIp },
		/* Kubernetes service cluster ip + port for masquerade purpose */
		{ sets::ClusterIP, SetType::HashIpPort },
		/* Kubernetes service external ip + port for masquerade and filter purpose */
		{ sets::ExternalIP, SetType::HashIpPort },
		/* Kubernetes service external ip + port with externalTrafficPolicy=local */
		{ sets::ExternalIPLocal, SetType::HashIpPort },
		/* Kubernetes service lb portal */
		{ sets::LoadBalancer, SetType::HashIpPort },
		/* Kubernetes service load balancer ip + port with externalTrafficPolicy=local */
		{ sets::LoadBalancerLocal, SetType::HashIpPort },
		/* Kubernetes service load balancer ip + port for load balancer with sourceRange */
		{ sets::LoadBalancerFirewall, SetType::HashIpPort },
		/* Kubernetes service load balancer ip + port + source cidr for packet filter purpose */
		{ sets::LoadBalancerSourceCidr, SetType::HashIpPortNet },
		/* Kubernetes service load balancer source ip for packet filter purpose */
		{ sets::LoadBalancerSourceIP, SetType::HashIpPortIp },
		/* Kubernetes nodeport TCP port for masquerade purpose */
		{ sets::NodePortTcp, SetType::BitmapPort },
		/* Kubernetes nodeport TCP port with externalTrafficPolicy=local */
		{ sets::NodePortLocalTcp, SetType::BitmapPort },
		/* Kubernetes nodeport UDP port for masquerade purpose */
		{ sets::NodePortUdp, SetType::BitmapPort },
		/* Kubernetes nodeport UDP port with externalTrafficPolicy=local */
		{ sets::NodePortLocalUdp, SetType::BitmapPort },
		/* Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port' */
		{ sets::NodePortSctp, SetType::HashIpPort },
		/* Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port' */
		{ sets::NodePortLocalSctp, SetType::HashIpPort },
		/* Kubernetes health check node port */
		{ sets::HealthCheckNodePort, SetType::BitmapPort },
		/* Kubernetes service IPs bound to kube-ipvs0 */
		{ sets::IpvsIPs, SetType::HashIp },
	};
	std::vector<ipset::SetSpec> specs;
	for (const Row &row : rows) {
		ipset::SetSpec spec;
		spec.name = ipset::setName(row.name, family);
		spec.type = row.type;
		spec.family = family;
		specs.push_back(std::move(spec));
	}
	return specs;
}

} /* namespace kipvs::proxy */
