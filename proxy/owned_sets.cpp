/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table of kipvs's ipsets (kube-proxy's names, types and purposes).
 */
#include "proxy/owned_sets.h"

#include "ipset/set_name.h"
#include "proxy/desired_state.h"

namespace kipvs::proxy {

std::vector<SetSpec> ownedSets(int family)
{
	struct Row {
		const char *name, *type, *comment;
	};
	static const Row rows[] = {
		{ sets::LoopBack, "hash:ip,port,ip",
		  "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" },
		{ sets::ClusterIP, "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose" },
		{ sets::ExternalIP, "hash:ip,port", "Kubernetes service external ip + port for masquerade and filter purpose" },
		{ sets::ExternalIPLocal, "hash:ip,port", "Kubernetes service external ip + port with externalTrafficPolicy=local" },
		{ sets::LoadBalancer, "hash:ip,port", "Kubernetes service lb portal" },
		{ sets::LoadBalancerLocal, "hash:ip,port", "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" },
		{ sets::LoadBalancerFirewall, "hash:ip,port", "Kubernetes service load balancer ip + port for load balancer with sourceRange" },
		{ sets::LoadBalancerSourceCidr, "hash:ip,port,net", "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" },
		{ sets::LoadBalancerSourceIP, "hash:ip,port,ip", "Kubernetes service load balancer source ip for packet filter purpose" },
		{ sets::NodePortTcp, "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose" },
		{ sets::NodePortLocalTcp, "bitmap:port", "Kubernetes nodeport TCP port with externalTrafficPolicy=local" },
		{ sets::NodePortUdp, "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose" },
		{ sets::NodePortLocalUdp, "bitmap:port", "Kubernetes nodeport UDP port with externalTrafficPolicy=local" },
		{ sets::NodePortSctp, "hash:ip,port", "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
		{ sets::NodePortLocalSctp, "hash:ip,port", "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
		{ sets::HealthCheckNodePort, "bitmap:port", "Kubernetes health check node port" },
		{ sets::IpvsIPs, "hash:ip", "Kubernetes service IPs bound to kube-ipvs0" },
	};
	std::vector<SetSpec> specs;
	for (const Row &row : rows)
		specs.push_back({ ipset::setName(row.name, family), row.type, family, row.comment });
	return specs;
}

} /* namespace kipvs::proxy */
