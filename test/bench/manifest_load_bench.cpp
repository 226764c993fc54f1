/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The same objects read from a directory of YAML manifests and one of JSON
 * manifests, in one run: each load's time and the ratio of the two.
 *
 *   manifest_load_bench YAML_DIR JSON_DIR [ROUNDS]
 *
 * Each round loads each directory once, in turn, through ManifestSource
 * into a fresh ServiceCache (reading the files, the documents and the
 * objects, as kipvs-proxy does at start); the fastest round of each counts,
 * the other rounds being disturbed by whatever else the machine runs. The
 * process's CPU time is printed beside the wall time: the load runs on one
 * thread, so on a busy machine the CPU time is the steadier figure.
 * test/bench/manifest-load-bench.sh writes the two directories and runs it.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ctime>
#include <string>

#include "proxy/cache/service_cache.h"
#include "proxy/source/manifests/manifest_source.h"

using namespace kipvs::proxy;
using Clock = std::chrono::steady_clock;

namespace {

double cpuSeconds()
{
	timespec now{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Load {
	double seconds = 0;
	double cpu = 0;
	size_t services = 0;
	size_t problems = 0;
	bool ok = false;
};

Load load(const char *directory)
{
	Load out;
	ServiceCache cache("node-a");
	ManifestSource source(directory, cache, [&](const std::string &problem) {
		if (out.problems++ == 0)
			std::fprintf(stderr, "%s\n", problem.c_str());
	});
	const auto start = Clock::now();
	const double cpuStart = cpuSeconds();
	auto started = source.start();
	out.cpu = cpuSeconds() - cpuStart;
	out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
	if (!started) {
		std::fprintf(stderr, "%s: %s\n", directory, started.error().message().c_str());
		return out;
	}
	out.services = cache.services().size();
	out.ok = true;
	return out;
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		std::fprintf(stderr, "usage: %s YAML_DIR JSON_DIR [ROUNDS]\n", argv[0]);
		return 2;
	}
	const int rounds = argc == 4 ? std::max(1, std::atoi(argv[3])) : 5;
	double yaml = std::numeric_limits<double>::max(), json = yaml, yamlCpu = yaml,
	       jsonCpu = yaml;
	size_t yamlServices = 0, jsonServices = 0;
	for (int round = 0; round < rounds; round++) {
		Load y = load(argv[1]), j = load(argv[2]);
		if (!y.ok || !j.ok || y.problems || j.problems)
			return 1;
		yaml = std::min(yaml, y.seconds);
		json = std::min(json, j.seconds);
		yamlCpu = std::min(yamlCpu, y.cpu);
		jsonCpu = std::min(jsonCpu, j.cpu);
		yamlServices = y.services;
		jsonServices = j.services;
	}
	if (yamlServices != jsonServices) {
		std::fprintf(stderr, "the YAML has %zu services, the JSON %zu\n", yamlServices,
			     jsonServices);
		return 1;
	}
	std::printf("%zu services, best of %d rounds\n", yamlServices, rounds);
	std::printf("  wall: YAML %.3f s, JSON %.3f s, YAML/JSON %.2f\n", yaml, json, yaml / json);
	std::printf("  CPU:  YAML %.3f s, JSON %.3f s, YAML/JSON %.2f\n", yamlCpu, jsonCpu,
		    yamlCpu / jsonCpu);
	return 0;
}
