/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reconciler: aggregate desired state, diff it against the kernel view,
 * apply the difference, keep the view and the ownership record current.
 */
#include "proxy/reconcile/reconciler.h"

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

#include "proxy/desired/owned_sets.h"

namespace kipvs::proxy {

SyncCounts &SyncCounts::operator+=(const SyncCounts &other)
{
	added += other.added;
	updated += other.updated;
	deleted += other.deleted;
	failed += other.failed;
	return *this;
}

namespace {

bool sameNode(const NodeContext &a, const NodeContext &b)
{
	return a.nodeName == b.nodeName && a.zone == b.zone &&
	       a.nodePortAddresses == b.nodePortAddresses &&
	       a.localAddresses == b.localAddresses && a.otherNodeAddresses == b.otherNodeAddresses;
}

/*
 * At most this many IPVS changes are built before they are applied: a cold
 * sync makes one change per real server, and holding them all with their
 * netlink messages costs megabytes; a chunk this size still fills several
 * sendmsg calls (docs/benchmarks.md).
 */
constexpr size_t kIpvsChunk = 512;
/* Likewise for set entries. */
constexpr size_t kSetChunk = 1024;

/*
 * Walk two sorted ranges side by side, calling onlyLeft or onlyRight with
 * what one side has and the other lacks. Each iterator has moved past an
 * element before it is handed out, so the callback may erase it.
 */
template<typename Left, typename Right, typename LeftKey, typename RightKey, typename OnlyLeft,
	 typename OnlyRight>
void walkTogether(Left left, Left leftEnd, Right right, Right rightEnd, LeftKey leftKey,
		  RightKey rightKey, OnlyLeft onlyLeft, OnlyRight onlyRight)
{
	while (left != leftEnd || right != rightEnd) {
		if (right == rightEnd || (left != leftEnd && leftKey(*left) < rightKey(*right))) {
			onlyLeft(*left++);
		} else if (left == leftEnd || rightKey(*right) < leftKey(*left)) {
			onlyRight(*right++);
		} else {
			++left;
			++right;
		}
	}
}

template<typename T>
const T &itself(const T &value)
{
	return value;
}

} /* namespace */

Reconciler::Reconciler(const ServiceCache &cache, KernelTables tables, ReconcilerConfig config,
		       LogSink log)
	: cache_(cache), tables_(tables), config_(std::move(config)), log_(std::move(log))
{
	if (!log_)
		log_ = [](LogLevel, const std::string &) {};
}

/* ---- desired state ---------------------------------------------------- */

void Reconciler::recompute(const ObjectName &name, const NodeContext &node, Affected &affected)
{
	const Service *service = cache_.service(name);
	if (!service) {
		aggregates_.forget(name, affected);
		return;
	}
	ServiceState state = computeServiceState(*service, cache_.slicesOf(name), node, config_.desired);
	logRefusals(name, state);
	aggregates_.put(name, ServiceEntry::of(state, service->created), affected,
			[this](const ObjectName &claimant, const ObjectName &owner,
			       const ipvs::ServiceKey &key) {
				std::string text = claimant.toString() + ": virtual server " +
						   key.toString() + " is already served by " +
						   owner.toString();
				if (loggedRefusals_.insert(text).second)
					log_(LogLevel::Warning, "refused " + text);
			});
}

void Reconciler::logRefusals(const ObjectName &name, const ServiceState &state)
{
	for (const Refusal &refusal : state.refusals) {
		std::string text = name.toString() + ": " + refusal.reason;
		if (loggedRefusals_.insert(text).second)
			log_(LogLevel::Warning, "refused service " + text);
	}
}

/*
 * kipvs deletes only its own virtual servers: those it recorded creating,
 * and those on an address bound to kube-ipvs0 (its own interface; this also
 * adopts what kube-proxy left when a node moves to kipvs). Anything else
 * (keepalived's, kube-vip's, an operator's) is left alone.
 */
bool Reconciler::mayDelete(const ipvs::ServiceKey &key) const
{
	for (const IpPrefix &excluded : config_.excludeCIDRs)
		if (excluded.contains(key.address))
			return false;
	return persistent_.ownedServers.count(key) || kernelAddresses_.count(key.address);
}

bool Reconciler::retryPending() const
{
	/* Rules that failed to go in leave rulesWritten_ unset (see finishRules()). */
	return !retry_.servers.empty() || !retry_.addresses.empty() || !retry_.entries.empty() ||
	       (kernelRead_ && !rulesWritten_);
}

/* ---- syncs ------------------------------------------------------------- */

void Reconciler::lap(const char *what)
{
	auto now = std::chrono::steady_clock::now();
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - lapStart_).count();
	laps_ += std::string(laps_.empty() ? "" : ", ") + what + " " + std::to_string(ms) + " ms";
	lapStart_ = now;
}

Result<void> Reconciler::readKernel()
{
	/*
	 * Each virtual server is made compact as it arrives (a RealServer's
	 * counters are dropped at once); the view replaces kernelServers_
	 * only when the whole read succeeded.
	 */
	std::map<ipvs::ServiceKey, KernelVirtualServer> servers;
	auto read = tables_.ipvs.readServers([&](IpvsEntry &&entry) {
		KernelVirtualServer &server = servers[entry.server.key];
		server.server = VirtualServerState::of(entry.server);
		server.destinations.assign(entry.destinations);
	});
	if (!read)
		return read.error();
	lap("read IPVS");
	auto addresses = tables_.addresses.readAddresses();
	if (!addresses)
		return addresses.error();
	lap("read addresses");
	std::vector<std::string> names;
	for (int family : config_.desired.families)
		for (const ipset::SetSpec &spec : ownedSets(family))
			names.push_back(spec.name);
	auto sets = tables_.sets.readSets(names);
	if (!sets)
		return sets.error();
	lap("read sets");

	kernelServers_ = std::move(servers);
	kernelAddresses_ = std::move(*addresses);
	kernelSets_ = std::move(*sets);
	kernelRead_ = true;
	return {};
}

/**
 * \brief Read the kernel now for the next full sync, which then reads it no more
 *
 * kipvs-proxy calls this on a second thread while the source loads the
 * objects (the IPVS dumps wait on the kernel, the manifests on the CPU);
 * nothing else may use the reconciler meanwhile. Reading before kube-ipvs0
 * and the sets exist is fine: what is missing reads as empty.
 */
void Reconciler::readKernelAhead()
{
	lapStart_ = std::chrono::steady_clock::now();
	laps_.clear();
	readAhead_ = readKernel();
	readAheadLaps_ = std::exchange(laps_, {});
}

SyncCounts Reconciler::syncAll(const NodeContext &node)
{
	SyncCounts counts;
	auto fail = [&](const Error &error, const char *what) {
		log_(LogLevel::Error, std::string(what) + ": " + error.message());
		counts.failed++;
	};
	lapStart_ = std::chrono::steady_clock::now();
	laps_.clear();

	if (!stateLoaded_ && !config_.stateFile.empty()) {
		stateLoaded_ = true;
		auto loaded = loadState(config_.stateFile);
		if (loaded) {
			persistent_ = *loaded;
			stateChanged_ = false;
		} else {
			fail(loaded.error(), "starting without ownership records");
		}
	}

	if (auto linked = tables_.addresses.ensureLink(); !linked)
		fail(linked.error(), "kube-ipvs0");
	std::vector<ipset::SetSpec> specs;
	for (int family : config_.desired.families)
		for (ipset::SetSpec &spec : ownedSets(family))
			specs.push_back(std::move(spec));
	/*
	 * Every set that can be made is; one that cannot (another type, in use
	 * by rules not kipvs's) is reported by name, gets no entries, and the
	 * rules leave it out (a reference would fail the whole restore).
	 */
	std::vector<Result<void>> created = tables_.sets.ensureSets(specs);
	unavailableSets_.clear();
	for (size_t i = 0; i < specs.size(); i++) {
		if (i < created.size() && created[i])
			continue;
		fail(i < created.size() ? created[i].error() : Error(EIO, "create set", specs[i].name),
		     "ipsets");
		unavailableSets_.insert(specs[i].name);
	}
	lap("link and sets");
	/* Read ahead (readKernelAhead()) unless that failed. */
	std::optional<Result<void>> ahead = std::exchange(readAhead_, std::nullopt);
	if (ahead && *ahead) {
		laps_ += ", kernel read ahead (" + std::exchange(readAheadLaps_, {}) + ")";
	} else if (auto read = readKernel(); !read) {
		fail(read.error(), "reading the kernel state");
		return counts;
	}

	/* Recompute everything: the node, the cache or the guard may have changed. */
	Affected affected;
	std::vector<ObjectName> gone;
	for (const auto &[name, entry] : aggregates_.services())
		if (!cache_.service(name))
			gone.push_back(name);
	for (const ObjectName &name : gone)
		aggregates_.forget(name, affected);
	for (const auto &[name, service] : cache_.services())
		recompute(name, node, affected);
	lastNode_ = node;
	haveNode_ = true;
	lap("desired state");

	/* Then look at every virtual server on either side (apply() walks the addresses and entries). */
	Affected all;
	for (const auto &[key, claim] : aggregates_.claimants())
		all.servers.insert(key);
	for (const auto &[key, server] : kernelServers_)
		all.servers.insert(key);
	retry_ = {};

	counts += apply(all, true);
	log_(LogLevel::Info, "full sync phases: " + laps_);
	laps_.clear();
	return counts;
}

SyncCounts Reconciler::syncServices(const NodeContext &node, const std::set<ObjectName> &names)
{
	if (!kernelRead_)
		return syncAll(node);

	Affected affected;
	if (!haveNode_ || !sameNode(node, lastNode_)) {
		/* Node addresses feed NodePorts and the guard of every service. */
		std::set<ObjectName> everything;
		for (const auto &[name, entry] : aggregates_.services())
			everything.insert(name);
		for (const auto &[name, service] : cache_.services())
			everything.insert(name);
		for (const ObjectName &name : everything)
			recompute(name, node, affected);
		lastNode_ = node;
		haveNode_ = true;
	} else {
		for (const ObjectName &name : names)
			recompute(name, node, affected);
	}
	affected.servers.merge(retry_.servers);
	affected.addresses.merge(retry_.addresses);
	affected.entries.merge(retry_.entries);
	retry_ = {};
	return apply(affected, false);
}

SyncCounts Reconciler::syncDraining()
{
	SyncCounts counts;
	std::set<ipvs::ServiceKey> keys = std::exchange(draining_, {});
	std::vector<ipvs::Change> changes;
	for (const ipvs::ServiceKey &key : keys) {
		if (auto read = refreshDestinations(key); !read) {
			log_(LogLevel::Error, "checking draining real servers: " + read.error().message());
			draining_.insert(key);
			counts.failed++;
			continue;
		}
		if (kernelServers_.count(key))
			diffServer(key, true, changes);
	}
	counts += applyIpvs(changes);
	failedChanges_ += counts.failed;
	saveState();
	return counts;
}

/*
 * Re-read the real servers of one virtual server kipvs knows, for their
 * connection counts (which only the kernel keeps current). A virtual server
 * that is gone is forgotten.
 */
Result<void> Reconciler::refreshDestinations(const ipvs::ServiceKey &key)
{
	auto server = kernelServers_.find(key);
	if (server == kernelServers_.end())
		return {};
	auto destinations = tables_.ipvs.readDestinations(key);
	if (!destinations) {
		if (destinations.error().code() == ESRCH || destinations.error().code() == ENOENT) {
			kernelServers_.erase(server);
			return {};
		}
		return destinations.error();
	}
	server->second.destinations.assign(*destinations);
	return {};
}

/* Is this real server among those wanted for a virtual server (none when null)? */
bool Reconciler::wants(const WantedServer *want, const RealServerKey &destination)
{
	if (!want)
		return false;
	/* Kept in key order (recompute()). */
	auto it = std::lower_bound(want->destinations.begin(), want->destinations.end(), destination,
				   byKey);
	return it != want->destinations.end() && it->first == destination;
}

/*
 * Does a TCP real server start leaving this (still wanted) virtual server?
 * Those already at weight 0 are the draining pass's.
 */
bool Reconciler::hasLeavingTcpDestination(const ipvs::ServiceKey &key) const
{
	const WantedServer *want = aggregates_.wanted(key);
	auto kernel = kernelServers_.find(key);
	if (!want || kernel == kernelServers_.end() || key.protocol != Protocol::Tcp)
		return false;
	for (const auto &[destinationKey, present] : kernel->second.destinations) {
		if (present.weight == 0)
			continue;
		if (!wants(want, destinationKey))
			return true;
	}
	return false;
}

size_t Reconciler::drainingCount() const
{
	size_t count = 0;
	for (const ipvs::ServiceKey &key : draining_) {
		auto server = kernelServers_.find(key);
		if (server == kernelServers_.end())
			continue;
		const WantedServer *want = aggregates_.wanted(key);
		for (const auto &[destinationKey, destination] : server->second.destinations) {
			if (!wants(want, destinationKey))
				count++;
		}
	}
	return count;
}

/* ---- diff and apply ----------------------------------------------------- */

SyncCounts Reconciler::apply(const Affected &affected, bool full)
{
	/*
	 * The order keeps every virtual server usable from its first packet:
	 *  1. set entries that are new, and the iptables rules when they grow
	 *     (a set that gains its first member, a load balancer newly closed
	 *     to the node, or rules missing, as on a cold start): a connection
	 *     a new virtual server accepts is masqueraded and filtered as it
	 *     must be (else the first requests of a cold start time out);
	 *  2. IPVS: a new virtual server exists before its address is bound
	 *     (no moment where the address answers with a reset), and whether
	 *     kipvs may delete one can depend on its address being on
	 *     kube-ipvs0 (adopted from kube-proxy), which step 3 may unbind;
	 *  3. addresses;
	 *  4. set entries that go, once their virtual servers have gone, and
	 *     the rules when they only shrink or stay.
	 * The rules depend on the desired state only (RulesInput), not on the
	 * rest of the kernel: iptables-save and iptables-restore run on a
	 * thread of their own (config_.rulesInParallel) beside step 1 when
	 * they grow, else beside steps 2-4. A jthread joins if anything throws.
	 */
	SyncCounts counts;
	RulesJob rules = planRules(full);
	const bool rulesFirst = rules.grows(rulesWritten_);
	std::jthread rulesWorker;
	if (!rules.families.empty() && config_.rulesInParallel)
		rulesWorker = std::jthread([this, &rules]() { rules.run(tables_.rules); });
	auto finishRulesNow = [&]() {
		if (rulesWorker.joinable())
			rulesWorker.join();
		else
			rules.run(tables_.rules);
		counts += finishRules(std::move(rules));
		lap("iptables");
	};

	const std::set<SetEntry> *entries = full ? nullptr : &affected.entries;
	counts += applySets(entries, SetChanges::Additions);
	lap("set additions");
	if (rulesFirst)
		finishRulesNow();

	std::vector<ipvs::Change> changes;
	for (const ipvs::ServiceKey &key : affected.servers) {
		/*
		 * A full sync has just read every count. Otherwise, a TCP real
		 * server that leaves is deleted at once only if the kernel,
		 * asked now (one dump of that service), shows it without
		 * connections; else it drains.
		 */
		bool fresh = full;
		if (!full && hasLeavingTcpDestination(key)) {
			if (auto read = refreshDestinations(key); read) {
				fresh = true;
			} else {
				log_(LogLevel::Error, "reading real servers: " + read.error().message());
				counts.failed++;
				retry_.servers.insert(key);
			}
		}
		diffServer(key, fresh, changes);
		/* A server's changes stay together; the next server's see the view they left. */
		if (changes.size() >= kIpvsChunk) {
			counts += applyIpvs(changes);
			changes.clear();
		}
	}
	counts += applyIpvs(changes);
	lap("IPVS");
	counts += applyAddresses(full ? nullptr : &affected.addresses);
	lap("addresses");
	counts += applySets(entries, SetChanges::Removals);
	lap("set removals");
	if (!rulesFirst)
		finishRulesNow();
	failedChanges_ += counts.failed;
	saveState();
	lap("state file");
	if (!full)
		laps_.clear();
	return counts;
}

/*
 * countsFresh: the kernel view's connection counts for key were read in
 * this sync; only then may a TCP real server be deleted for having none.
 */
void Reconciler::diffServer(const ipvs::ServiceKey &key, bool countsFresh,
			    std::vector<ipvs::Change> &changes)
{
	const WantedServer *want = aggregates_.wanted(key);
	auto kernel = kernelServers_.find(key);

	if (!want) {
		if (kernel != kernelServers_.end() && mayDelete(key))
			changes.push_back(ipvs::Change::deleteVirtualServer(key));
		return;
	}
	const ipvs::VirtualServer server = want->server.virtualServer(key);
	if (kernel == kernelServers_.end()) {
		changes.push_back(ipvs::Change::addVirtualServer(server));
		for (const auto &[destinationKey, destination] : want->destinations)
			changes.push_back(
				ipvs::Change::addRealServer(key, destination.realServer(destinationKey)));
		return;
	}

	/*
	 * Wanted and present: kipvs's own from now on, also when it was adopted
	 * (left by kube-proxy, or created before a crash lost the state file),
	 * so that it goes when its Service goes.
	 */
	stateChanged_ |= persistent_.ownedServers.insert(key).second;
	if (!server.sameConfig(kernel->second.server.virtualServer(key)))
		changes.push_back(ipvs::Change::updateVirtualServer(server));

	std::map<RealServerKey, ipvs::RealServer> wantedDestinations;
	for (const auto &[destinationKey, destination] : want->destinations)
		wantedDestinations.insert_or_assign(destinationKey, destination.realServer(destinationKey));

	for (const auto &[destinationKey, kept] : kernel->second.destinations) {
		ipvs::RealServer present = kept.realServer(destinationKey);
		auto match = wantedDestinations.find(destinationKey);
		if (match != wantedDestinations.end()) {
			/* Also brings a draining endpoint that came back to weight 1. */
			if (!match->second.sameConfig(present))
				changes.push_back(ipvs::Change::updateRealServer(key, match->second));
			continue;
		}
		if (key.protocol != Protocol::Tcp) {
			changes.push_back(ipvs::Change::deleteRealServer(key, present));
			continue;
		}
		/* Graceful termination: weight 0, deleted once its connections end. */
		if (countsFresh && present.activeConnections + present.inactiveConnections == 0) {
			changes.push_back(ipvs::Change::deleteRealServer(key, present));
		} else if (present.weight != 0) {
			ipvs::RealServer quiesced = present;
			quiesced.weight = 0;
			changes.push_back(ipvs::Change::updateRealServer(key, quiesced));
			draining_.insert(key);
		} else {
			draining_.insert(key);
		}
	}
	for (const auto &[destinationKey, destination] : wantedDestinations)
		if (!kernel->second.destinations.contains(destinationKey))
			changes.push_back(ipvs::Change::addRealServer(key, destination));
}

SyncCounts Reconciler::applyIpvs(const std::vector<ipvs::Change> &changes)
{
	using Kind = ipvs::Change::Kind;
	SyncCounts counts;
	if (changes.empty())
		return counts;
	std::vector<Result<void>> results = tables_.ipvs.apply(changes);
	for (size_t i = 0; i < changes.size(); i++) {
		const ipvs::Change &change = changes[i];
		const ipvs::ServiceKey &key = change.service.key;
		if (i >= results.size() || !results[i]) {
			std::string reason = i < results.size() ? results[i].error().message()
								: std::string("no result");
			log_(LogLevel::Error, change.describe() + ": " + reason);
			counts.failed++;
			retry_.servers.insert(key);
			continue;
		}
		if (config_.logChanges)
			log_(LogLevel::Debug, change.describe());
		RealServerKey destinationKey{ change.destination.address, change.destination.port };
		switch (change.kind) {
		case Kind::AddVirtualServer:
			kernelServers_[key].server = VirtualServerState::of(change.service);
			stateChanged_ |= persistent_.ownedServers.insert(key).second;
			counts.added++;
			break;
		case Kind::UpdateVirtualServer:
			kernelServers_[key].server = VirtualServerState::of(change.service);
			stateChanged_ |= persistent_.ownedServers.insert(key).second;
			counts.updated++;
			break;
		case Kind::DeleteVirtualServer:
			kernelServers_.erase(key);
			stateChanged_ |= persistent_.ownedServers.erase(key) > 0;
			draining_.erase(key);
			counts.deleted++;
			break;
		case Kind::AddRealServer: {
			RealServerList &list = kernelServers_[key].destinations;
			/* A server's adds come together: room for all of them at once. */
			if (i == 0 || changes[i - 1].kind != Kind::AddRealServer ||
			    !(changes[i - 1].service.key == key)) {
				size_t run = 1;
				while (i + run < changes.size() &&
				       changes[i + run].kind == Kind::AddRealServer &&
				       changes[i + run].service.key == key)
					run++;
				list.reserve(list.size() + run);
			}
			list.set(destinationKey, RealServerState::of(change.destination));
			counts.added++;
			break;
		}
		case Kind::UpdateRealServer:
			kernelServers_[key].destinations.set(destinationKey,
							     RealServerState::of(change.destination));
			counts.updated++;
			break;
		case Kind::DeleteRealServer:
			kernelServers_[key].destinations.erase(destinationKey);
			counts.deleted++;
			break;
		}
	}
	return counts;
}

/* affected: the addresses to look at; nullptr: every address on either side. */
SyncCounts Reconciler::applyAddresses(const std::set<IpAddress> *affected)
{
	SyncCounts counts;
	std::vector<IpAddress> add, remove;
	if (affected) {
		for (const IpAddress &address : *affected) {
			bool want = aggregates_.addresses().count(address) > 0;
			bool have = kernelAddresses_.count(address) > 0;
			if (want && !have)
				add.push_back(address);
			else if (!want && have)
				remove.push_back(address);
		}
	} else {
		walkTogether(
			aggregates_.addresses().begin(), aggregates_.addresses().end(), kernelAddresses_.begin(),
			kernelAddresses_.end(), [](const auto &wanted) { return wanted.first; },
			itself<IpAddress>, [&](const auto &wanted) { add.push_back(wanted.first); },
			[&](const IpAddress &bound) { remove.push_back(bound); });
	}
	if (add.empty() && remove.empty())
		return counts;

	std::vector<Result<void>> results = tables_.addresses.apply(add, remove);
	for (size_t i = 0; i < add.size() + remove.size(); i++) {
		bool adding = i < add.size();
		const IpAddress &address = adding ? add[i] : remove[i - add.size()];
		auto what = [&]() {
			return std::string(adding ? "bind " : "unbind ") + address.toString() +
			       (adding ? " to" : " from") + " kube-ipvs0";
		};
		if (i >= results.size() || !results[i]) {
			log_(LogLevel::Error, what() + ": " +
						      (i < results.size() ? results[i].error().message()
									  : std::string("no result")));
			counts.failed++;
			retry_.addresses.insert(address);
			continue;
		}
		if (config_.logChanges)
			log_(LogLevel::Debug, what());
		if (adding) {
			kernelAddresses_.insert(address);
			counts.added++;
		} else {
			kernelAddresses_.erase(address);
			counts.deleted++;
		}
	}
	return counts;
}

/*
 * affected: the entries to look at; nullptr: every entry on either side (a
 * full sync), found by walking the wanted entries (sorted by set, then
 * entry) alongside each set's members, without gathering them first.
 */
SyncCounts Reconciler::applySets(const std::set<SetEntry> *affected, SetChanges which)
{
	SyncCounts counts;
	std::vector<SetChange> changes;
	auto change = [&](const std::string &set, const ipset::Entry &entry, bool add) {
		if (add != (which == SetChanges::Additions) || unavailableSets_.count(set))
			return;
		changes.push_back({ set, entry, add });
		if (changes.size() >= kSetChunk) {
			counts += applySetChanges(changes);
			changes.clear();
		}
	};

	if (affected) {
		for (const SetEntry &entry : *affected) {
			bool want = aggregates_.entries().count(entry) > 0;
			auto set = kernelSets_.find(entry.set);
			bool have = set != kernelSets_.end() && set->second.count(entry.entry) > 0;
			if (want != have)
				change(entry.set, entry.entry, want);
		}
	} else {
		std::set<std::string> names;
		for (const auto &[set, members] : kernelSets_)
			names.insert(set);
		for (const auto &[set, size] : aggregates_.setSizes())
			names.insert(set);
		const std::set<ipset::Entry> none;
		for (const std::string &set : names) {
			auto kernel = kernelSets_.find(set);
			const std::set<ipset::Entry> &have =
				kernel == kernelSets_.end() ? none : kernel->second;
			/* A default Entry orders before every other: the set's first. */
			auto first = aggregates_.entries().lower_bound(SetEntry{ set, {} });
			auto last = std::find_if(first, aggregates_.entries().end(),
						 [&](const auto &wanted) { return wanted.first.set != set; });
			/* change() copies the entry before a chunk applied may erase it. */
			walkTogether(
				first, last, have.begin(), have.end(),
				[](const auto &wanted) -> const ipset::Entry & { return wanted.first.entry; },
				itself<ipset::Entry>,
				[&](const auto &wanted) { change(set, wanted.first.entry, true); },
				[&](const ipset::Entry &member) { change(set, member, false); });
		}
	}
	counts += applySetChanges(changes);
	return counts;
}

SyncCounts Reconciler::applySetChanges(const std::vector<SetChange> &changes)
{
	SyncCounts counts;
	if (changes.empty())
		return counts;
	std::vector<Result<void>> results = tables_.sets.apply(changes);
	for (size_t i = 0; i < changes.size(); i++) {
		const SetChange &change = changes[i];
		if (i >= results.size() || !results[i]) {
			log_(LogLevel::Error, std::string(change.add ? "add " : "delete ") +
						      change.entry.toString() +
						      (change.add ? " to set " : " from set ") + change.set +
						      ": " +
						      (i < results.size() ? results[i].error().message()
									  : std::string("no result")));
			counts.failed++;
			retry_.entries.insert({ change.set, change.entry });
			continue;
		}
		if (change.add) {
			kernelSets_[change.set].insert(change.entry);
			counts.added++;
		} else {
			kernelSets_[change.set].erase(change.entry);
			counts.deleted++;
		}
	}
	return counts;
}

/* See RulesJob::plan(); rulesWritten_ spares an incremental sync that changes nothing it needs. */
RulesJob Reconciler::planRules(bool full) const
{
	RulesInput input;
	for (const auto &[set, size] : aggregates_.setSizes())
		if (!unavailableSets_.count(set))
			input.nonEmptySets.insert(set);
	for (const auto &[key, count] : aggregates_.closedToNode())
		input.closedToNode.insert(key);
	return RulesJob::plan(std::move(input), config_.desired.families, config_.rules, persistent_,
			      rulesWritten_, full);
}

/* Back on the reconciler's thread: the ownership record, the log, the counts. */
SyncCounts Reconciler::finishRules(RulesJob &&work)
{
	SyncCounts counts;
	if (!work.done)
		return counts;
	for (RulesJob::Family &item : work.families) {
		if (item.error) {
			log_(LogLevel::Error, item.error->message());
			if (item.rewrite) {
				persistent_.rulesetHash.erase(item.family);
				stateChanged_ = true;
			}
			counts.failed++;
			continue;
		}
		if (!item.written)
			continue;
		persistent_.rulesetHash[item.family] = item.hash;
		persistent_.ruleFingerprint[item.family] = item.fingerprint;
		stateChanged_ = true;
		log_(LogLevel::Debug, std::string("rewrote the ") +
					      (item.family == AF_INET ? "IPv4" : "IPv6") + " iptables rules");
		counts.updated++;
	}
	if (counts.failed)
		rulesWritten_.reset();
	else
		rulesWritten_ = std::move(work.input);
	return counts;
}

void Reconciler::saveState()
{
	if (config_.stateFile.empty() || !config_.writeState || !stateChanged_)
		return;
	if (auto saved = proxy::saveState(config_.stateFile, persistent_); !saved) {
		log_(LogLevel::Warning, "ownership record not saved: " + saved.error().message());
		return;
	}
	stateChanged_ = false;
}

} /* namespace kipvs::proxy */
