/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The iptables rules of kube-proxy's IPVS mode, as iptables-restore input
 * for kipvs's own chains, and the jump rules that lead into them.
 */
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/address.h"
#include "ipvs/virtual_server.h"

namespace kipvs::proxy {

struct RuleConfig {
	bool masqueradeAll = false;
	unsigned int masqueradeBit = 14;
	/* --cluster-cidr of this family; unset when not given. */
	std::vector<IpPrefix> clusterCIDRs;
};

/* What the rules depend on besides the flags: nothing else of the desired state. */
struct RulesInput {
	/* kipvs's set names (both families) that have members. */
	std::set<std::string> nonEmptySets;
	/*
	 * Load-balancer virtual servers whose loadBalancerSourceRanges leave
	 * this node out: traffic from the node to them is dropped.
	 */
	std::set<ipvs::ServiceKey> closedToNode;

	bool operator==(const RulesInput &) const = default;
};

/* One jump from a built-in chain into a kipvs chain. */
struct JumpRule {
	const char *table;
	const char *from;
	const char *to;
	const char *comment;
};

/* The jumps, inserted at position 1 of their built-in chains once. */
const std::vector<JumpRule> &jumpRules();

/* kipvs's chains per table: "nat" and "filter". */
const std::vector<std::pair<std::string, std::string>> &ownChains();

/*
 * The iptables-restore --noflush input that (re)writes kipvs's chains for
 * one family. A rule that matches a set is written only when that set has
 * entries (input.nonEmptySets).
 */
std::string buildRuleset(int family, const RuleConfig &config, const RulesInput &input);

} /* namespace kipvs::proxy */
