/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the change benchmarks: wait until the kernel shows an endpoint
 * change of one virtual server, and print the latencies' median and p99.
 */
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ipvs/client.h"

namespace kipvs::bench {

/* The new address at weight 1, the old one at weight 0 (draining) or gone. */
inline bool shows(const std::vector<ipvs::RealServer> &servers, const IpAddress &added,
		  const IpAddress &removed)
{
	bool haveAdded = false;
	for (const ipvs::RealServer &server : servers) {
		if (server.address == added && server.weight == 1)
			haveAdded = true;
		if (server.address == removed && server.weight != 0)
			return false;
	}
	return haveAdded;
}

/*
 * Poll key's real servers over netlink every 0.5 ms from start until they
 * show the change; its latency in ms. Exits the program after 60 s.
 */
inline double waitForChange(ipvs::Client &client, const ipvs::ServiceKey &key, const IpAddress &added,
			    const IpAddress &removed, std::chrono::steady_clock::time_point start,
			    const char *program)
{
	for (;;) {
		auto servers = client.listRealServers(key);
		if (servers && shows(*servers, added, removed))
			break;
		if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) {
			std::fprintf(stderr, "%s: %s: the change of %s to %s did not reach the kernel within 60 s\n",
				     program, key.toString().c_str(), removed.toString().c_str(),
				     added.toString().c_str());
			std::exit(1);
		}
		std::this_thread::sleep_for(std::chrono::microseconds(500));
	}
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/* "change latency: median M ms, p99 P ms (N changes)", p99 by nearest rank. */
inline void printLatencies(std::vector<double> latencies)
{
	std::sort(latencies.begin(), latencies.end());
	size_t count = latencies.size();
	double median = count % 2 ? latencies[count / 2]
				  : (latencies[count / 2 - 1] + latencies[count / 2]) / 2;
	size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(count)));
	double p99 = latencies[std::max<size_t>(rank, 1) - 1];
	std::printf("change latency: median %.1f ms, p99 %.1f ms (%zu changes)\n", median, p99, count);
}

} /* namespace kipvs::bench */
