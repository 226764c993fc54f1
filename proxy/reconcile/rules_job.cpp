/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The iptables part of a sync: planned from what the rules depend on, and
 * run on the rules thread.
 */
#include "proxy/reconcile/rules_job.h"

#include <algorithm>

namespace kipvs::proxy {

RulesJob RulesJob::plan(RulesInput input, const std::vector<int> &families,
			const RuleConfig &config, const PersistentState &persistent,
			const std::optional<RulesInput> &written, bool full)
{
	RulesJob work;
	work.input = std::move(input);
	if (!full && written && *written == work.input)
		return work;
	for (int family : families) {
		Family item;
		item.family = family;
		item.ruleset = buildRuleset(family, config, work.input);
		item.hash = stableHash(item.ruleset);
		auto hash = persistent.rulesetHash.find(family);
		item.rewrite = hash == persistent.rulesetHash.end() || hash->second != item.hash;
		auto fingerprint = persistent.ruleFingerprint.find(family);
		if (fingerprint != persistent.ruleFingerprint.end())
			item.knownFingerprint = fingerprint->second;
		if (item.rewrite || full)
			work.families.push_back(std::move(item));
	}
	if (work.families.empty())
		work.done = true;
	return work;
}

bool RulesJob::grows(const std::optional<RulesInput> &written) const
{
	bool rewrite = std::any_of(families.begin(), families.end(),
				   [](const Family &family) { return family.rewrite; });
	if (!rewrite)
		return false;
	if (!written)
		return true;
	auto within = [](const auto &some, const auto &all) {
		return std::includes(all.begin(), all.end(), some.begin(), some.end());
	};
	return !within(input.nonEmptySets, written->nonEmptySets) ||
	       !within(input.closedToNode, written->closedToNode);
}

/*
 * The kernel part, touching nothing of the reconciler's: on whichever
 * thread. An unchanged ruleset is rewritten when the kernel's fingerprint
 * no longer matches (someone changed kipvs's chains or jumps).
 */
void RulesJob::run(RuleTable &table)
{
	for (Family &item : families) {
		if (!item.rewrite) {
			auto fingerprint = table.fingerprint(item.family);
			if (!fingerprint) {
				item.error = fingerprint.error().withContext("reading iptables rules");
				continue;
			}
			item.rewrite = *fingerprint != item.knownFingerprint;
			if (!item.rewrite)
				continue;
		}
		if (auto restored = table.restore(item.family, item.ruleset); !restored) {
			item.error = restored.error().withContext("writing iptables rules");
			continue;
		}
		item.written = true;
		auto fingerprint = table.fingerprint(item.family);
		item.fingerprint = fingerprint ? *fingerprint : std::string();
	}
	done = true;
}

} /* namespace kipvs::proxy */
