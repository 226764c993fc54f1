/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-proxy's work without a kernel, for profiling on any machine
 * (callgrind, heaptrack, perf): a manifests directory read into the cache,
 * then a cold and a repeat full sync against the in-memory kernel of the
 * unit tests. Prints each step's time and the process's peak RSS.
 *
 * Not a measure of the targets (test/bench/proxy-bench.sh is, in the VM):
 * the in-memory kernel costs nothing like the real one, and its own storage
 * is in the RSS.
 *
 *   proxy_sync_profile DIR [--no-sync]
 */
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "proxy/manifest_source.h"
#include "proxy/node_context.h"
#include "proxy/reconciler.h"
#include "proxy/service_cache.h"
#include "test/proxy/fake_kernel.h"

using namespace kipvs;
using namespace kipvs::proxy;
using Clock = std::chrono::steady_clock;

namespace {

std::string peakRss()
{
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line))
		if (line.rfind("VmHWM:", 0) == 0)
			return line.substr(6);
	return "?";
}

double since(Clock::time_point start)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: %s DIR [--no-sync]\n", argv[0]);
		return 2;
	}
	bool sync = !(argc > 2 && std::strcmp(argv[2], "--no-sync") == 0);

	ServiceCache cache("node-a");
	size_t problems = 0;
	ManifestSource source(argv[1], cache, [&](const std::string &) { problems++; });
	auto start = Clock::now();
	if (auto started = source.start(); !started) {
		std::fprintf(stderr, "%s\n", started.error().message().c_str());
		return 1;
	}
	std::printf("manifests: %zu services, %zu problems, %.1f ms, peak RSS%s\n",
		    cache.services().size(), problems, since(start), peakRss().c_str());
	if (!sync)
		return 0;

	test::FakeKernel kernel;
	Config config;
	config.hostnameOverride = "node-a";
	std::set<IpAddress> addresses = { *IpAddress::parse("192.168.50.1") };
	Reconciler reconciler(cache, kernel.tables(), makeReconcilerConfig(config, addresses, ""),
			      [](LogLevel level, const std::string &message) {
				      if (level <= LogLevel::Info)
					      std::printf("  %s\n", message.c_str());
			      });
	NodeContext node = makeNodeContext(config, cache, addresses, ListeningSockets());
	for (const char *what : { "cold", "repeat" }) {
		start = Clock::now();
		SyncCounts counts = reconciler.syncAll(node);
		std::printf("%s sync: added=%zu updated=%zu deleted=%zu, %.1f ms, peak RSS%s\n", what,
			    counts.added, counts.updated, counts.deleted, since(start),
			    peakRss().c_str());
	}
	return 0;
}
