/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The iptables part of a sync: the reconciler plans it (which families,
 * which ruleset), run() does the kernel part on any thread (iptables-save
 * and -restore are processes: it runs beside the IPVS, address and set
 * changes), and the reconciler finishes it (ownership record, log, counts).
 */
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/socket.h>

#include "base/error.h"
#include "proxy/desired/iptables_rules.h"
#include "proxy/reconcile/kernel_tables.h"
#include "proxy/reconcile/state_file.h"

namespace kipvs::proxy {

struct RulesJob {
	struct Family {
		int family = AF_INET;
		std::string ruleset;
		std::string hash;
		/* The ruleset differs from the one last written (else: check the fingerprint). */
		bool rewrite = false;
		std::string knownFingerprint;
		/* What run() did. */
		bool written = false;
		std::string fingerprint;
		std::optional<Error> error;
	};
	std::vector<Family> families;
	/* What the ruleset was built from. */
	RulesInput input;
	/* Planned and run (false: nothing to look at this sync). */
	bool done = false;

	/*
	 * Which families' rules to look at (a full sync checks each for
	 * tampering) and what to write, for rules built from input: nothing
	 * when input is what was last written (written) and the sync is not
	 * full; a family whose ruleset hash differs from the record's is
	 * rewritten.
	 */
	static RulesJob plan(RulesInput input, const std::vector<int> &families,
			     const RuleConfig &config, const PersistentState &persistent,
			     const std::optional<RulesInput> &written, bool full);
	/*
	 * Rules to be written that match more than the ones the kernel holds
	 * (a set's first member, a load balancer newly closed to the node, or
	 * none known): they go in before the virtual servers that need them.
	 */
	bool grows(const std::optional<RulesInput> &written) const;
	/* Check or write each family's rules; touches nothing but the table and this job. */
	void run(RuleTable &table);
};

} /* namespace kipvs::proxy */
