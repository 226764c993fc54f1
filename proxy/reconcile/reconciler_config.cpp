/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From flags to the reconciler's configuration.
 */
#include "proxy/reconcile/reconciler_config.h"

namespace kipvs::proxy {

ReconcilerConfig makeReconcilerConfig(const Config &config,
				      const std::set<IpAddress> &localAddresses,
				      std::string stateFile)
{
	ReconcilerConfig rc;
	rc.desired.scheduler = config.ipvsScheduler;
	rc.desired.families = { AF_INET };
	for (const IpAddress &address : localAddresses)
		if (address.isV6()) {
			rc.desired.families.push_back(AF_INET6);
			break;
		}
	rc.rules.masqueradeAll = config.masqueradeAll;
	rc.rules.masqueradeBit = config.masqueradeBit;
	rc.rules.clusterCIDRs = config.clusterCIDRs;
	rc.excludeCIDRs = config.ipvsExcludeCIDRs;
	rc.stateFile = std::move(stateFile);
	rc.writeState = !config.dryRun;
	rc.logChanges = config.verbosity >= 4;
	/* --dry-run prints the changes in the order a sync makes them. */
	rc.rulesInParallel = !config.dryRun;
	return rc;
}

} /* namespace kipvs::proxy */
