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

namespace kipvs::proxy {

struct RuleConfig {
	bool masqueradeAll = false;
	unsigned int masqueradeBit = 14;
	/* --cluster-cidr of this family; unset when not given. */
	std::vector<IpPrefix> clusterCIDRs;
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
 * entries: nonEmptySets holds the family's set names that do.
 */
std::string buildRuleset(int family, const RuleConfig &config,
			 const std::set<std::string> &nonEmptySets);

} /* namespace kipvs::proxy */
