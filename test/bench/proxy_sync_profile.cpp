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
 * Then, with --changes K, K changes one at a time as the daemon sees them:
 * a service's file rewritten with its first endpoint replaced, the inotify
 * events processed, that service synced.
 *
 *   proxy_sync_profile DIR [--no-sync | --changes K]
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "proxy/source/manifests/manifest_source.h"
#include "proxy/desired/node_context.h"
#include "proxy/reconcile/reconciler_config.h"
#include "proxy/reconcile/reconciler.h"
#include "proxy/cache/service_cache.h"
#include "test/proxy/reconcile/fake_kernel.h"

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
		std::fprintf(stderr, "usage: %s DIR [--no-sync | --changes K]\n", argv[0]);
		return 2;
	}
	bool sync = !(argc > 2 && std::strcmp(argv[2], "--no-sync") == 0);
	int changes = argc > 3 && std::strcmp(argv[2], "--changes") == 0 ? std::atoi(argv[3]) : 0;

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
		/* As the daemon does: a full sync covers what changed before it. */
		cache.takeChanged();
		cache.takeNodesChanged();
		start = Clock::now();
		SyncCounts counts = reconciler.syncAll(node);
		std::printf("%s sync: added=%zu updated=%zu deleted=%zu, %.1f ms, peak RSS%s\n", what,
			    counts.added, counts.updated, counts.deleted, since(start),
			    peakRss().c_str());
	}

	std::vector<std::filesystem::path> files;
	for (const auto &entry : std::filesystem::directory_iterator(argv[1]))
		if (entry.path().extension() == ".json")
			files.push_back(entry.path());
	std::sort(files.begin(), files.end());
	double total = 0;
	for (int i = 0; i < changes && !files.empty(); i++) {
		const auto &path = files[static_cast<size_t>(i * 7919) % files.size()];
		std::stringstream text;
		text << std::ifstream(path).rdbuf();
		std::string json = text.str();
		const std::string marker = "\"addresses\":[\"";
		size_t at = json.find(marker);
		if (at == std::string::npos)
			return 1;
		at += marker.size();
		json.replace(at, json.find('"', at) - at,
			     "10.250." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
		auto temporary = path.parent_path() / ("." + path.filename().string());
		std::ofstream(temporary) << json;
		start = Clock::now();
		std::filesystem::rename(temporary, path);
		if (auto processed = source.processEvents(); !processed)
			return 1;
		SyncCounts counts = reconciler.syncServices(node, cache.takeChanged());
		total += since(start);
		if (counts.added + counts.updated + counts.deleted == 0)
			std::printf("change %d changed nothing\n", i);
	}
	if (changes)
		std::printf("%d changes: %.3f ms each on average\n", changes, total / changes);
	return 0;
}
