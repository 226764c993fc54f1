/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon: setup, the event loop's callbacks, --sync-once, --dry-run, --cleanup.
 */
#include "proxy/daemon/daemon.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "proxy/kernel/cleanup.h"
#include "proxy/kernel/dry_run.h"
#include "proxy/kernel/kernel_adapters.h"
#include "base/log.h"
#include "proxy/source/api/api_source.h"
#include "proxy/source/api/client_config.h"
#include "proxy/source/api/curl_transport.h"
#include "proxy/source/manifests/manifest_source.h"
#include "proxy/desired/node_context.h"
#include "proxy/reconcile/reconciler_config.h"
#include "proxy/reconcile/reconciler.h"
#include "proxy/cache/service_cache.h"
#include "proxy/kernel/sysctls.h"

namespace kipvs::proxy {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *kStateFile = "/run/kipvs/state";
/* How often draining real servers are checked (kube-proxy: every minute). */
constexpr auto kDrainInterval = std::chrono::seconds(2);
/* A change the kernel refused is tried again after 1 s, 2 s, 4 s, ... up to the full-sync period. */
constexpr auto kFirstRetry = std::chrono::seconds(1);

std::string nodeName(const Config &config)
{
	if (!config.hostnameOverride.empty())
		return config.hostnameOverride;
	char name[256] = {};
	gethostname(name, sizeof(name) - 1);
	std::string text = name;
	for (char &c : text)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return text;
}

std::string kernelRelease()
{
	struct utsname names;
	return uname(&names) == 0 ? names.release : "";
}

/*
 * Tells when this node's addresses may have changed, so they are not
 * re-read on every incremental sync: the read is a dump of every address,
 * and kube-ipvs0 holds one per service (20,000 services, 20,000 messages
 * for one endpoint change). Listens to rtnetlink's address and link
 * notifications and ignores kube-ipvs0's own.
 */
class AddressWatch
{
public:
	AddressWatch()
		: fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE))
	{
		if (!fd_.valid())
			return;
		struct sockaddr_nl local = {};
		local.nl_family = AF_NETLINK;
		local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
		if (bind(fd_.get(), reinterpret_cast<struct sockaddr *>(&local), sizeof(local)) != 0)
			fd_.reset();
	}

	/*
	 * Does this notification concern an address or link other than
	 * kube-ipvs0 (index own, 0 if it is missing)? A truncated one might.
	 */
	static bool aboutOthers(const struct nlmsghdr *message, unsigned int own)
	{
		unsigned int index;
		switch (message->nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
			if (message->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
				return true;
			index = static_cast<const struct ifaddrmsg *>(NLMSG_DATA(message))->ifa_index;
			break;
		case RTM_NEWLINK:
		case RTM_DELLINK:
			if (message->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				return true;
			index = static_cast<unsigned int>(
				static_cast<const struct ifinfomsg *>(NLMSG_DATA(message))->ifi_index);
			break;
		default:
			return false;
		}
		return own == 0 || index != own;
	}

	/* -1 when notifications are unavailable: then every read is needed. */
	int fd() const { return fd_.get(); }

	/*
	 * Drain the notifications; true when one concerns an interface other
	 * than kube-ipvs0, or some were lost (the queue overflowed, as it
	 * does while a full sync binds thousands of addresses).
	 */
	bool changed()
	{
		if (!fd_.valid())
			return true;
		bool changed = false;
		alignas(struct nlmsghdr) char buffer[65536];
		for (;;) {
			ssize_t count = recv(fd_.get(), buffer, sizeof(buffer), 0);
			if (count < 0 && errno == EINTR)
				continue;
			if (count < 0 && errno == EAGAIN)
				return changed;
			if (count < 0)
				return true; /* ENOBUFS: some were lost */
			/* Looked up when there is news only: an incremental sync asks every time. */
			unsigned int own = if_nametoindex("kube-ipvs0");
			int length = static_cast<int>(count);
			for (auto *message = reinterpret_cast<struct nlmsghdr *>(buffer);
			     NLMSG_OK(message, length); message = NLMSG_NEXT(message, length))
				changed = changed || aboutOthers(message, own);
		}
	}

private:
	UniqueFD fd_;
};

/*
 * The signals the loop handles (SIGTERM and SIGINT end the daemon, SIGHUP
 * is ignored). They are blocked from the start, before the manifests load
 * and before any thread starts, so that one arriving before the loop runs
 * waits for it instead of killing the daemon.
 */
sigset_t daemonSignals()
{
	sigset_t set;
	sigemptyset(&set);
	for (int signal : { SIGTERM, SIGINT, SIGHUP })
		sigaddset(&set, signal);
	return set;
}

/* A SIGTERM or SIGINT is waiting (blocked): the daemon has been told to exit. */
bool stopPending()
{
	sigset_t pending;
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

/* Take a waiting SIGTERM or SIGINT: its number, or 0 if none waits. */
int takeStop()
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	struct timespec now = {};
	int signal = sigtimedwait(&stop, nullptr, &now);
	return signal > 0 ? signal : 0;
}

std::string summary(const SyncCounts &counts)
{
	return "added=" + std::to_string(counts.added) + " updated=" +
	       std::to_string(counts.updated) + " deleted=" + std::to_string(counts.deleted);
}

void logFullSync(const Log &log, const SyncCounts &counts, Clock::duration took)
{
	log.info("full sync: " + summary(counts) + " failed=" + std::to_string(counts.failed) +
		 " in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
		 " ms");
}

class Daemon
{
public:
	/* makeSource: the source, given the cache it is to feed. */
	Daemon(const Config &config, const Log &log, KernelTables tables,
	       const std::set<IpAddress> &addresses,
	       const std::function<std::unique_ptr<Source>(EventHandler &)> &makeSource)
		: config_(config), log_(log), cache_(nodeName(config)), source_(makeSource(cache_)),
		  reconciler_(cache_, tables,
			      makeReconcilerConfig(config, addresses, kStateFile),
			      log.sink())
	{
	}

	int run();

private:
	/* This node's context; its addresses re-read when reread or when they may have changed. */
	std::optional<NodeContext> node(bool reread);
	SyncCounts syncAll();

	/* The loop's callbacks. */
	void sourceReadable();
	void addressesChanged();
	/* rescan: ask the source first for the changes inotify missed (not at start). */
	void fullSync(bool rescan);
	void syncPending();
	void drain();
	void retry();
	/* Arm the incremental sync, the retry and the drain check when there is work for them. */
	void schedule();

	const Config &config_;
	const Log &log_;
	ServiceCache cache_;
	std::unique_ptr<Source> source_;
	Reconciler reconciler_;
	AddressWatch addressWatch_;
	std::optional<std::set<IpAddress>> addresses_;

	EventLoop loop_;
	std::set<ObjectName> pending_;
	bool nodesPending_ = false;
	Clock::time_point lastSync_;
	std::optional<EventLoop::TimerId> syncTimer_;
	std::optional<EventLoop::TimerId> drainTimer_;
	std::optional<EventLoop::TimerId> retryTimer_;
	Clock::duration retryDelay_ = kFirstRetry;
};

std::optional<NodeContext> Daemon::node(bool reread)
{
	bool changed = addressWatch_.changed();
	if (changed || reread || !addresses_) {
		auto addresses = nodeAddresses();
		if (!addresses) {
			log_.error("reading this node's addresses: " + addresses.error().message());
			addresses_.reset();
			return std::nullopt;
		}
		addresses_ = std::move(*addresses);
	}
	return makeNodeContext(config_, cache_, *addresses_);
}

SyncCounts Daemon::syncAll()
{
	auto context = node(true);
	if (!context) {
		SyncCounts failed;
		failed.failed = 1;
		return failed;
	}
	cache_.takeChanged();
	cache_.takeNodesChanged();
	return reconciler_.syncAll(*context);
}

void Daemon::sourceReadable()
{
	if (auto processed = source_->processEvents(); !processed)
		log_.error(source_->describe() + ": " + processed.error().message());
	for (const ObjectName &name : cache_.takeChanged())
		pending_.insert(name);
	nodesPending_ = cache_.takeNodesChanged() || nodesPending_;
	schedule();
}

/* An address of this node came or went: NodePorts and the guard follow. */
void Daemon::addressesChanged()
{
	if (!addressWatch_.changed())
		return;
	addresses_.reset();
	nodesPending_ = true;
	schedule();
}

void Daemon::fullSync(bool rescan)
{
	auto start = Clock::now();
	if (rescan) {
		if (auto rescanned = source_->rescan(); !rescanned)
			log_.error(source_->describe() + ": " + rescanned.error().message());
	}
	SyncCounts counts = syncAll();
	pending_.clear();
	nodesPending_ = false;
	if (syncTimer_) {
		loop_.cancel(*syncTimer_);
		syncTimer_.reset();
	}
	lastSync_ = Clock::now();
	logFullSync(log_, counts, lastSync_ - start);
	/* From the end of this one: a sync longer than the period does not run back to back. */
	loop_.after(config_.ipvsSyncPeriod, [this]() { fullSync(true); });
	schedule();
}

void Daemon::syncPending()
{
	syncTimer_.reset();
	if (auto context = node(false)) {
		SyncCounts counts = reconciler_.syncServices(*context, pending_);
		if (counts.added + counts.updated + counts.deleted + counts.failed)
			log_.info("sync of " + std::to_string(pending_.size()) + " service(s): " +
				  summary(counts) + " failed=" + std::to_string(counts.failed));
		pending_.clear();
		nodesPending_ = false;
	}
	lastSync_ = Clock::now();
	schedule();
}

/* Changes the kernel refused, again (a sync that names no service retries them). */
void Daemon::retry()
{
	retryTimer_.reset();
	retryDelay_ = std::min<Clock::duration>(retryDelay_ * 2, config_.ipvsSyncPeriod);
	syncPending();
}

void Daemon::drain()
{
	drainTimer_.reset();
	reconciler_.syncDraining();
	schedule();
}

void Daemon::schedule()
{
	/* Changes wait for --ipvs-min-sync-period after the last sync, no longer. */
	if ((!pending_.empty() || nodesPending_) && !syncTimer_)
		syncTimer_ = loop_.at(std::max(Clock::now(), lastSync_ + config_.ipvsMinSyncPeriod),
				      [this]() { syncPending(); });
	/* Refused changes are retried, backing off while they keep failing. */
	if (!reconciler_.retryPending()) {
		retryDelay_ = kFirstRetry;
		if (retryTimer_) {
			loop_.cancel(*retryTimer_);
			retryTimer_.reset();
		}
	} else if (!retryTimer_ && !syncTimer_) {
		retryTimer_ = loop_.after(retryDelay_, [this]() { retry(); });
	}
	/* Draining real servers are checked while there are any. */
	if (reconciler_.drainingCount() > 0 && !drainTimer_)
		drainTimer_ = loop_.after(kDrainInterval, [this]() { drain(); });
}

int Daemon::run()
{
	if (!loop_.valid()) {
		log_.error(loop_.error().message());
		return 1;
	}
	auto start = Clock::now();
	/*
	 * The first full sync's kernel read (dumps: kernel time) while the
	 * source loads (CPU); a jthread, joined also if the load throws.
	 */
	std::jthread kernelReader([this]() { reconciler_.readKernelAhead(); });
	auto started = source_->start(stopPending);
	auto loaded = Clock::now();
	kernelReader.join();
	/*
	 * Told to exit while loading (the load stops between files, the API
	 * source's wait between deliveries): nothing is synced.
	 */
	if (int signal = takeStop()) {
		log_.info(std::string("received ") + strsignal(signal) + " while " + source_->describe() +
			  " loaded: exiting before the first sync, the kernel as it was");
		return 0;
	}
	if (!started) {
		log_.error(source_->describe() + ": " + started.error().message());
		return 1;
	}
	log_.info(source_->describe() + ": " + std::to_string(cache_.services().size()) +
		  " services read in " +
		  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
					 loaded - start).count()) + " ms");

	if (config_.syncOnce) {
		/* One sync, then exit: the signals end it as they end any command. */
		sigset_t signals = daemonSignals();
		sigprocmask(SIG_UNBLOCK, &signals, nullptr);
		start = Clock::now();
		SyncCounts counts = syncAll();
		logFullSync(log_, counts, Clock::now() - start);
		std::printf("sync summary: %s\n", summary(counts).c_str());
		/*
		 * Everything is in the kernel and the state file: exit without
		 * freeing the cache and both views object by object, which
		 * takes longer than the rest of a repeat sync's bookkeeping.
		 */
		std::fflush(nullptr);
		std::_Exit(counts.failed ? 1 : 0);
	}

	/*
	 * SIGTERM and SIGINT arrive through the loop, so a kernel batch in
	 * flight (the first full sync included) always completes before the
	 * daemon exits; SIGHUP is logged and ignored.
	 */
	auto handled = loop_.handleSignals({ SIGTERM, SIGINT, SIGHUP }, [this](int signal) {
		/* A closed terminal or a supervisor's reload request is no reason to stop serving. */
		if (signal == SIGHUP) {
			log_.info("received SIGHUP: ignored, kipvs-proxy reads its configuration at start only");
			return;
		}
		log_.info(std::string("received ") + strsignal(signal) + ": exiting, rules stay in place");
		loop_.exit(0);
	});
	if (!handled) {
		log_.error(handled.error().message());
		return 1;
	}
	fullSync(false);
	auto watched = loop_.watch(source_->fd(), [this]() { sourceReadable(); });
	if (watched && addressWatch_.fd() >= 0)
		watched = loop_.watch(addressWatch_.fd(), [this]() { addressesChanged(); });
	if (!watched) {
		log_.error(watched.error().message());
		return 1;
	}
	int status = loop_.run();
	if (status != 0)
		log_.error(loop_.error().message());
	return status;
}

} /* namespace */

int runDaemon(const Config &config)
{
	Log log(config.verbosity);

	if (config.cleanup) {
		std::vector<Error> errors = cleanup(kStateFile);
		for (const Error &error : errors)
			log.error("cleanup: " + error.message());
		return errors.empty() ? 0 : 1;
	}
	/*
	 * The source: a manifests directory, or the API server of --kubeconfig,
	 * --master or the in-cluster configuration; a configuration that
	 * cannot be used ends kipvs-proxy before it touches the kernel.
	 */
	std::unique_ptr<HttpTransport> transport;
	if (!config.manifests.empty() && (!config.kubeconfig.empty() || !config.master.empty()))
		log.warning("--manifests " + config.manifests + " is the source: --kubeconfig and --master are not used");
	if (config.manifests.empty()) {
		auto client = loadClientConfig(config.kubeconfig, config.master,
					       InClusterEnvironment::fromProcess());
		if (!client) {
			log.error("the Kubernetes API client: " + client.error().message());
			return 1;
		}
		auto made = CurlTransport::create(*client, userAgent(), CurlTransport::Options{});
		if (!made) {
			log.error("the Kubernetes API client: " + made.error().message());
			return 1;
		}
		transport = std::move(*made);
		log.info("the API server: " + client->server + " (" + client->origin + ")");
	}
	auto makeSource = [&](EventHandler &handler) -> std::unique_ptr<Source> {
		auto report = [&log](const std::string &message) { log.warning(message); };
		if (!transport)
			return std::make_unique<ManifestSource>(config.manifests, handler, report);
		auto source = std::make_unique<ApiSource>(std::move(transport), handler, report);
		source->setInfo([&log](const std::string &message) { log.info(message); });
		if (config.verbosity >= 4)
			source->setTrace([&log](const std::string &message) { log.info(message); });
		return source;
	};
	sigset_t signals = daemonSignals();
	if (sigprocmask(SIG_BLOCK, &signals, nullptr) < 0) {
		log.error(Error(errno, "block signals").message());
		return 1;
	}

	auto backend = KernelBackend::open();
	if (!backend) {
		const Error &error = backend.error();
		if (error.code() == EOPNOTSUPP)
			log.error("IPVS is not available in this kernel (is the ip_vs module loaded?): " +
				  error.message());
		else
			log.error("cannot reach the kernel: " + error.message());
		return 1;
	}
	auto addresses = nodeAddresses();
	if (!addresses) {
		log.error("reading this node's addresses: " + addresses.error().message());
		return 1;
	}

	std::optional<DryRunTables> dryRun;
	if (config.dryRun) {
		dryRun.emplace(backend->tables(), stdout);
	} else {
		for (const Result<void> &set : applySysctls(requiredSysctls(kernelRelease(),
									       config.ipvsStrictARP)))
			if (!set)
				log.warning(set.error().message());
		auto seconds = [](std::chrono::nanoseconds d) {
			return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
		};
		ipvs::Timeouts timeouts{ seconds(config.ipvsTcpTimeout), seconds(config.ipvsTcpFinTimeout),
					 seconds(config.ipvsUdpTimeout) };
		if (timeouts.tcp || timeouts.tcpFin || timeouts.udp) {
			if (auto client = ipvs::Client::open()) {
				if (auto set = client->setTimeouts(timeouts); !set)
					log.warning(set.error().message());
			}
		}
	}

	KernelTables tables = dryRun ? dryRun->tables() : backend->tables();
	Daemon daemon(config, log, tables, *addresses, makeSource);
	return daemon.run();
}

} /* namespace kipvs::proxy */
