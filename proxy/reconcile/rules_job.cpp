/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The iptables part of a sync, as it runs on the rules thread.
 */
#include "proxy/reconcile/rules_job.h"

namespace kipvs::proxy {

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
