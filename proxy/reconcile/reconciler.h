/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reconciler: desired state per service, aggregated over services,
 * diffed against what kipvs knows the kernel holds, applied in batches.
 *
 * It reads the kernel once at start (adopting what is there, flushing
 * nothing) and keeps its view up to date from the results of its own
 * changes, so an incremental sync touches only the changed services'
 * objects. A full sync re-reads everything and repairs drift.
 */
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/log.h"
#include "proxy/desired/desired_state.h"
#include "proxy/desired/iptables_rules.h"
#include "proxy/reconcile/kernel_tables.h"
#include "proxy/cache/service_cache.h"
#include "proxy/reconcile/aggregates.h"
#include "proxy/reconcile/kernel_view.h"
#include "proxy/reconcile/rules_job.h"
#include "proxy/reconcile/state_file.h"

namespace kipvs::proxy {

struct ReconcilerConfig {
	DesiredConfig desired;
	RuleConfig rules;
	/* Virtual servers inside these are never deleted (--ipvs-exclude-cidrs). */
	std::vector<IpPrefix> excludeCIDRs;
	/* Where ownership is remembered; empty: not persisted (tests). */
	std::string stateFile;
	/*
	 * Off (--dry-run): the state file is read, so that what is printed is
	 * what a real sync would do, but never written.
	 */
	bool writeState = true;
	/*
	 * Log every kernel change at LogLevel::Debug. Off, the lines are not
	 * even formatted: a cold sync makes one change per real server.
	 */
	bool logChanges = false;
	/*
	 * Run iptables-save/-restore on a thread of their own while the other
	 * changes go in. Off: in order, after the sets (tests with one fake
	 * kernel for every table).
	 */
	bool rulesInParallel = false;
};

/* What a sync changed, counted in kernel objects. */
struct SyncCounts {
	size_t added = 0;
	size_t updated = 0;
	size_t deleted = 0;
	size_t failed = 0;

	SyncCounts &operator+=(const SyncCounts &other);
};

class Reconciler
{
public:
	Reconciler(const ServiceCache &cache, KernelTables tables, ReconcilerConfig config,
		   LogSink log);

	/*
	 * Recompute every service, re-read the kernel, and change only the
	 * difference. The first call adopts whatever the kernel holds.
	 */
	SyncCounts syncAll(const NodeContext &node);
	/*
	 * Read the kernel for the next syncAll() ahead of it, e.g. on another
	 * thread while the source loads (see reconciler.cpp).
	 */
	void readKernelAhead();
	/* Recompute the named services only, and apply their difference. */
	SyncCounts syncServices(const NodeContext &node, const std::set<ObjectName> &services);
	/* Delete draining TCP real servers whose connections have ended. */
	SyncCounts syncDraining();

	/* Real servers at weight 0 waiting for their connections to end. */
	size_t drainingCount() const;
	/*
	 * Something failed to change (a virtual or real server, an address, a
	 * set entry, the rules): a syncServices() soon, even with no service
	 * named, tries it again.
	 */
	bool retryPending() const;
	/* Kernel changes that failed, so far (each retry that fails again counts too). */
	size_t failedChanges() const { return failedChanges_; }
	/* Addresses refused by the node-IP guard or by conflicts, so far. */
	size_t refusalCount() const { return loggedRefusals_.size(); }

private:
	void recompute(const ObjectName &name, const NodeContext &node, Affected &affected);
	void logRefusals(const ObjectName &name, const ServiceState &state);

	/*
	 * Re-read IPVS, kube-ipvs0 and the sets. IPVS arrives one virtual
	 * server at a time and is made compact on arrival; the view is
	 * replaced only when every read succeeded (else it stays as it was).
	 */
	Result<void> readKernel();
	static bool wants(const WantedServer *want, const RealServerKey &destination);
	bool mayDelete(const ipvs::ServiceKey &key) const;

	SyncCounts apply(const Affected &affected, bool full);
	bool hasLeavingTcpDestination(const ipvs::ServiceKey &key) const;
	Result<void> refreshDestinations(const ipvs::ServiceKey &key);
	void diffServer(const ipvs::ServiceKey &key, bool countsFresh,
			std::vector<ipvs::Change> &changes);
	SyncCounts applyIpvs(const std::vector<ipvs::Change> &changes);
	SyncCounts applyAddresses(const std::set<IpAddress> *affected);
	/* A sync adds set entries before the IPVS changes and removes them after. */
	enum class SetChanges { Additions, Removals };
	SyncCounts applySets(const std::set<SetEntry> *affected, SetChanges which);
	SyncCounts applySetChanges(const std::vector<SetChange> &changes);
	/* The iptables part of a sync: planned and finished here, run on any thread. */
	RulesJob planRules(bool full) const;
	SyncCounts finishRules(RulesJob &&job);
	void saveState();
	/* Note the time spent since the last lap under `what` (full syncs log it). */
	void lap(const char *what);

	const ServiceCache &cache_;
	KernelTables tables_;
	ReconcilerConfig config_;
	LogSink log_;

	/* Desired: per service, then aggregated over services. */
	Aggregates aggregates_;
	NodeContext lastNode_;
	bool haveNode_ = false;

	/* The kernel as kipvs last read or changed it. */
	bool kernelRead_ = false;
	/* The state file is read once, by the first full sync. */
	bool stateLoaded_ = false;
	std::map<ipvs::ServiceKey, KernelVirtualServer> kernelServers_;
	std::set<IpAddress> kernelAddresses_;
	SetMembers kernelSets_;
	/* kipvs's sets the last full sync could not create (see syncAll()). */
	std::set<std::string> unavailableSets_;
	std::set<ipvs::ServiceKey> draining_;
	/* What failed to change: looked at again by the next syncServices(). */
	Affected retry_;
	size_t failedChanges_ = 0;

	PersistentState persistent_;
	/* persistent_ differs from what the state file holds. */
	bool stateChanged_ = true;
	/* Which sets had members when the rules were last written or checked. */
	std::optional<RulesInput> rulesWritten_;
	/* readKernelAhead()'s outcome and timings, for the next syncAll(). */
	std::optional<Result<void>> readAhead_;
	std::string readAheadLaps_;
	std::chrono::steady_clock::time_point lapStart_;
	std::string laps_;
	std::set<std::string> loggedRefusals_;
};

} /* namespace kipvs::proxy */
