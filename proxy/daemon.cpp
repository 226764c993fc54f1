/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon: setup, the poll loop, --sync-once, --dry-run, --cleanup.
 */
#include "proxy/daemon.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "proxy/cleanup.h"
#include "proxy/dry_run.h"
#include "proxy/kernel_adapters.h"
#include "proxy/log.h"
#include "proxy/manifest_source.h"
#include "proxy/node_context.h"
#include "proxy/reconciler.h"
#include "proxy/service_cache.h"
#include "proxy/sysctls.h"

namespace kipvs::proxy {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *kStateFile = "/run/kipvs/state";
/* How often draining real servers are checked (kube-proxy: every minute). */
constexpr auto kDrainInterval = std::chrono::seconds(2);

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

std::string summary(const SyncCounts &counts)
{
	return "added=" + std::to_string(counts.added) + " updated=" +
	       std::to_string(counts.updated) + " deleted=" + std::to_string(counts.deleted);
}

class Daemon
{
public:
	Daemon(const Config &config, const Log &log, KernelTables tables,
	       const std::set<IpAddress> &addresses)
		: config_(config), log_(log), cache_(nodeName(config)),
		  source_(config.manifests, cache_,
			  [this](const std::string &message) { log_.warning(message); }),
		  reconciler_(cache_, tables,
			      makeReconcilerConfig(config, addresses, config.dryRun ? "" : kStateFile),
			      log.sink())
	{
	}

	int run();

private:
	std::optional<NodeContext> node();
	SyncCounts syncAll();

	const Config &config_;
	const Log &log_;
	ServiceCache cache_;
	ManifestSource source_;
	Reconciler reconciler_;
};

std::optional<NodeContext> Daemon::node()
{
	auto addresses = nodeAddresses();
	if (!addresses) {
		log_.error("reading this node's addresses: " + addresses.error().message());
		return std::nullopt;
	}
	return makeNodeContext(config_, cache_, *addresses, ListeningSockets::read());
}

SyncCounts Daemon::syncAll()
{
	auto context = node();
	if (!context) {
		SyncCounts failed;
		failed.failed = 1;
		return failed;
	}
	cache_.takeChanged();
	cache_.takeNodesChanged();
	return reconciler_.syncAll(*context);
}

int Daemon::run()
{
	if (auto started = source_.start(); !started) {
		log_.error("manifests " + config_.manifests + ": " + started.error().message());
		return 1;
	}

	/*
	 * SIGTERM and SIGINT arrive through a descriptor the loop polls, so a
	 * kernel batch in flight (the first full sync included) always
	 * completes before the daemon exits.
	 */
	int signalFd = -1;
	if (!config_.syncOnce) {
		sigset_t signals;
		sigemptyset(&signals);
		sigaddset(&signals, SIGTERM);
		sigaddset(&signals, SIGINT);
		sigprocmask(SIG_BLOCK, &signals, nullptr);
		signalFd = signalfd(-1, &signals, SFD_CLOEXEC);
		if (signalFd < 0) {
			log_.error(std::string("signalfd: ") + std::strerror(errno));
			return 1;
		}
	}

	auto start = Clock::now();
	SyncCounts counts = syncAll();
	auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
	log_.info("full sync: " + summary(counts) + " failed=" + std::to_string(counts.failed) +
		  " in " + std::to_string(elapsed.count()) + " ms");
	if (config_.syncOnce) {
		std::printf("sync summary: %s\n", summary(counts).c_str());
		return counts.failed ? 1 : 0;
	}

	auto nextFull = Clock::now() + config_.ipvsSyncPeriod;
	auto nextDrain = Clock::now() + kDrainInterval;
	auto lastSync = Clock::now();
	std::set<ObjectName> pending;
	bool nodesPending = false;

	for (;;) {
		auto now = Clock::now();
		auto wake = std::min(nextFull, nextDrain);
		if (!pending.empty() || nodesPending)
			wake = std::min(wake, lastSync + config_.ipvsMinSyncPeriod);
		auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
		/* The source may hold back a removed file for a short grace. */
		timeout = std::clamp<long long>(timeout, 0, 100);

		struct pollfd fds[2] = { { signalFd, POLLIN, 0 }, { source_.fd(), POLLIN, 0 } };
		if (poll(fds, 2, static_cast<int>(timeout)) < 0 && errno != EINTR) {
			log_.error(std::string("poll: ") + std::strerror(errno));
			return 1;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo info;
			ssize_t n = read(signalFd, &info, sizeof(info));
			(void)n;
			log_.info(std::string("received ") + strsignal(static_cast<int>(info.ssi_signo)) +
				  ": exiting, rules stay in place");
			close(signalFd);
			return 0;
		}
		if (auto processed = source_.processEvents(); !processed)
			log_.error("manifests " + config_.manifests + ": " + processed.error().message());
		for (const ObjectName &name : cache_.takeChanged())
			pending.insert(name);
		nodesPending = cache_.takeNodesChanged() || nodesPending;

		now = Clock::now();
		if (now >= nextFull) {
			start = now;
			counts = syncAll();
			pending.clear();
			nodesPending = false;
			lastSync = nextFull = Clock::now();
			nextFull += config_.ipvsSyncPeriod;
			log_.info("full sync: " + summary(counts) + " failed=" +
				  std::to_string(counts.failed) + " in " +
				  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
							 lastSync - start).count()) + " ms");
			continue;
		}
		if ((!pending.empty() || nodesPending) && now >= lastSync + config_.ipvsMinSyncPeriod) {
			auto context = node();
			if (context) {
				counts = reconciler_.syncServices(*context, pending);
				if (counts.added + counts.updated + counts.deleted + counts.failed)
					log_.info("sync of " + std::to_string(pending.size()) +
						  " service(s): " + summary(counts) +
						  " failed=" + std::to_string(counts.failed));
				pending.clear();
				nodesPending = false;
			}
			lastSync = Clock::now();
		}
		if (now >= nextDrain) {
			reconciler_.syncDraining();
			nextDrain = Clock::now() + kDrainInterval;
		}
	}
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
	if (config.manifests.empty()) {
		log.error("no source given: --manifests DIR is required (the Kubernetes API "
			  "source is not available yet)");
		return 2;
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
	Daemon daemon(config, log, tables, *addresses);
	return daemon.run();
}

} /* namespace kipvs::proxy */
