/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One endpoint change among many services, from the file to the kernel:
 * with kipvs-proxy running as a daemon on the manifests of
 * test/bench/proxy_manifests.py, each round replaces the first endpoint
 * of one service's EndpointSlice (a new svc-NNNNN.json renamed over the
 * old one, as an atomic writer would) and polls that virtual server's real
 * servers over netlink until the kernel shows the change: the new address
 * at weight 1, the old one at weight 0 (draining) or gone. Prints each
 * round's latency, then the median and the 99th percentile (nearest rank).
 * A program, not a test: test/bench/proxy-bench.sh runs it in the VM, in
 * the daemon's network namespace.
 *
 *   proxy_change_bench MANIFESTS_DIR SERVICES ROUNDS [FIRST_ROUND]
 */
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ipvs/client.h"
#include "test/bench/change_latency.h"

using namespace kipvs;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void fail(const std::string &message)
{
	std::fprintf(stderr, "proxy_change_bench: %s\n", message.c_str());
	std::exit(1);
}

/* The string value after `"key":"` (the generator writes compact JSON). */
std::string valueAfter(const std::string &text, const std::string &key, size_t &at)
{
	std::string marker = "\"" + key + "\":";
	size_t start = text.find(marker);
	if (start == std::string::npos)
		return {};
	start += marker.size();
	if (text.compare(start, 2, "[\"") == 0)
		start += 2;
	else if (text.compare(start, 1, "\"") == 0)
		start += 1;
	else
		return {};
	size_t end = text.find('"', start);
	if (end == std::string::npos)
		return {};
	at = start;
	return text.substr(start, end - start);
}


} /* namespace */

int main(int argc, char *argv[])
{
	if (argc < 4 || argc > 5)
		fail("usage: proxy_change_bench MANIFESTS_DIR SERVICES ROUNDS [FIRST_ROUND]");
	std::string directory = argv[1];
	int services = std::atoi(argv[2]);
	int rounds = std::atoi(argv[3]);
	int first = argc > 4 ? std::atoi(argv[4]) : 0;
	if (services <= 0 || rounds <= 0 || first < 0 || first + rounds > 65000)
		fail("SERVICES and ROUNDS must be positive, FIRST_ROUND + ROUNDS at most 65000");

	auto opened = ipvs::Client::open();
	if (!opened)
		fail(opened.error().message());
	ipvs::Client client = std::move(opened).value();

	std::vector<double> latencies;
	for (int round = first; round < first + rounds; round++) {
		/* Spread over the services; a prime stride visits different ones. */
		int index = static_cast<int>((static_cast<long>(round) * 7919 + 13) % services);
		char name[32];
		std::snprintf(name, sizeof(name), "svc-%05d.json", index);
		std::string path = directory + "/" + name;
		std::string temporary = directory + "/." + name + ".tmp";

		std::ifstream in(path);
		if (!in)
			fail("cannot read " + path);
		std::stringstream buffer;
		buffer << in.rdbuf();
		std::string text = buffer.str();

		size_t at = 0;
		std::string vip = valueAfter(text, "clusterIP", at);
		std::string old = valueAfter(text, "addresses", at);
		auto vipAddress = IpAddress::parse(vip);
		auto oldAddress = IpAddress::parse(old);
		if (!vipAddress || !oldAddress)
			fail(path + ": no clusterIP or endpoint address found");
		int n = round + 1;
		std::string fresh = "10.250." + std::to_string(n / 256) + "." + std::to_string(n % 256);
		auto freshAddress = IpAddress::parse(fresh);
		text.replace(at, old.size(), fresh);
		ipvs::ServiceKey key{ AF_INET, Protocol::Tcp, *vipAddress, 80, 0 };

		auto start = Clock::now();
		{
			std::ofstream out(temporary, std::ios::trunc);
			out << text;
			if (!out.flush())
				fail("cannot write " + temporary);
		}
		if (std::rename(temporary.c_str(), path.c_str()) != 0)
			fail("cannot rename " + temporary + " to " + path);

		double ms = bench::waitForChange(client, key, *freshAddress, *oldAddress, start, "proxy_change_bench");
		latencies.push_back(ms);
		std::printf("round %d: %s endpoint %s -> %s in %.1f ms\n", round, key.toString().c_str(),
			    old.c_str(), fresh.c_str(), ms);
		std::fflush(stdout);
		/* Let the daemon go idle again before the next change. */
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
	}

	bench::printLatencies(latencies);
	return 0;
}
