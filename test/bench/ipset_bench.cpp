/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipset::Session against `ipset restore`, in one kernel: apply 50,000
 * entries across kube-proxy's sets through Session::apply() and through
 * `ipset restore`, then change 10 entries of the 50,000, and print the
 * times and the ratio. A program, not a test: it isolates itself in a new
 * network namespace (root needed); the host kernel has ipset.
 *
 *   ipset_bench [rounds]
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "ipset/diff.h"
#include "ipset/session.h"
#include "test/kernel/kernel_test.h"

using namespace kipvs;
using namespace kipvs::ipset;

namespace {

double seconds(const std::function<void()> &work)
{
	auto start = std::chrono::steady_clock::now();
	work();
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/* This thread's CPU time: on a busy machine, wall time also counts waiting. */
double cpuSeconds(const std::function<void()> &work)
{
	auto now = [] {
		timespec ts;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
	};
	double start = now();
	work();
	return now() - start;
}

std::string loadAverage()
{
	std::ifstream in("/proc/loadavg");
	std::string one, five;
	in >> one >> five;
	return one + " " + five;
}

double median(std::vector<double> values)
{
	std::sort(values.begin(), values.end());
	return values[values.size() / 2];
}

void run(const std::string &command)
{
	if (std::system(command.c_str()) != 0) {
		std::fprintf(stderr, "ipset_bench: '%s' failed\n", command.c_str());
		std::exit(1);
	}
}

template<typename T>
T check(Result<T> result)
{
	if (!result) {
		std::fprintf(stderr, "ipset_bench: %s\n", result.error().message().c_str());
		std::exit(1);
	}
	return std::move(result).value();
}

void check(const Result<void> &result)
{
	if (!result) {
		std::fprintf(stderr, "ipset_bench: %s\n", result.error().message().c_str());
		std::exit(1);
	}
}

struct Workload {
	std::vector<SetSpec> specs;
	std::vector<SetDiff> diffs;
	size_t entries = 0;
};

/* 50,000 entries shaped like a big cluster's, across four set types. */
Workload makeWorkload()
{
	Workload load;
	auto add = [&load](const std::string &name, SetType type, size_t count,
			   const std::function<Entry(uint32_t)> &make) {
		load.specs.push_back({ name, type });
		SetDiff diff{ name, type, {}, {} };
		for (uint32_t i = 0; i < count; i++)
			diff.toAdd.push_back(make(i));
		load.entries += count;
		load.diffs.push_back(std::move(diff));
	};
	auto address = [](uint32_t base, uint32_t i) { return IpAddress::v4(base + i); };

	add("KUBE-CLUSTER-IP", SetType::HashIpPort, 20000, [&](uint32_t i) {
		return Entry::ipPort(address(0x0a600000, i / 2), i % 2 ? Protocol::Udp : Protocol::Tcp, 53);
	});
	add("KUBE-LOOP-BACK", SetType::HashIpPortIp, 15000, [&](uint32_t i) {
		return Entry::ipPortIp(address(0x0af40000, i), Protocol::Tcp, 8080, address(0x0af40000, i));
	});
	add("KUBE-LOAD-BALANCER-SOURCE-CIDR", SetType::HashIpPortNet, 10000, [&](uint32_t i) {
		return Entry::ipPortNet(address(0xc0000200, i / 100), Protocol::Tcp, 443,
					IpPrefix(address(0x0b000000, (i % 100) << 8), 24));
	});
	add("KUBE-IPVS-IPS", SetType::HashIp, 5000, [&](uint32_t i) {
		return Entry::ip(address(0x0a610000, i));
	});
	return load;
}

void recreate(Session &session, const Workload &load)
{
	for (const SetSpec &spec : load.specs) {
		check(session.destroy(spec.name));
		check(session.create(spec));
	}
}

size_t countEntries(Session &session, const Workload &load)
{
	size_t total = 0;
	for (const SetSpec &spec : load.specs)
		total += check(session.listEntries(spec.name)).entries.size();
	return total;
}

} /* namespace */

int main(int argc, char *argv[])
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
	if (rounds < 1)
		rounds = 1;

	kipvs::test::isolateNetwork();
	Session session = check(Session::open());
	Workload load = makeWorkload();

	const std::string file = "/tmp/ipset_bench." + std::to_string(getpid()) + ".restore";
	{
		/* `ipset save` shape: create lines first put the sets in libipset's cache. */
		std::ofstream out(file);
		for (const SetSpec &spec : load.specs)
			out << spec.toString() << "\n";
		for (const SetDiff &diff : load.diffs)
			for (const Entry &entry : diff.toAdd)
				out << "add " << diff.set << " " << entry.toString() << "\n";
	}
	const std::string restore = "ipset restore -exist -f " + file;

	std::vector<double> kipvsTimes, restoreTimes;
	for (int round = 0; round < rounds; round++) {
		recreate(session, load);
		kipvsTimes.push_back(seconds([&] { check(session.apply(load.diffs)); }));
		if (countEntries(session, load) != load.entries) {
			std::fprintf(stderr, "ipset_bench: Session::apply() left a wrong count\n");
			return 1;
		}
		recreate(session, load);
		restoreTimes.push_back(seconds([&] { run(restore); }));
		if (countEntries(session, load) != load.entries) {
			std::fprintf(stderr, "ipset_bench: ipset restore left a wrong count\n");
			return 1;
		}
	}
	std::remove(file.c_str());
	double startup = median({ seconds([] { run("ipset version >/dev/null"); }),
				  seconds([] { run("ipset version >/dev/null"); }),
				  seconds([] { run("ipset version >/dev/null"); }) });

	double kipvsTime = median(kipvsTimes), restoreTime = median(restoreTimes);
	std::printf("ipset_bench: %zu entries in %zu sets, median of %d rounds (load average %s)\n",
		    load.entries, load.specs.size(), rounds, loadAverage().c_str());
	std::printf("  Session::apply()       %8.1f ms\n", kipvsTime * 1e3);
	std::printf("  ipset restore          %8.1f ms  (of which ~%.1f ms starting ipset)\n",
		    restoreTime * 1e3, startup * 1e3);
	std::printf("  ratio apply/restore    %8.2fx  (target <= 1.0x)\n", kipvsTime / restoreTime);

	/* 10 changes against the 50,000 present: 5 deletions, 5 additions. */
	std::vector<SetEntries> current;
	std::vector<std::vector<Entry>> desired;
	double listTime = seconds([&] {
		for (const SetSpec &spec : load.specs)
			current.push_back(check(session.listEntries(spec.name)));
	});
	for (size_t s = 0; s < load.diffs.size(); s++)
		desired.push_back(load.diffs[s].toAdd);
	auto &clusterIps = desired[0];
	for (uint32_t i = 0; i < 5; i++) {
		clusterIps[i * 3000] = Entry::ipPort(IpAddress::v4(0x0a700000 + i), Protocol::Sctp, 9);
	}

	std::vector<double> diffTimes, diffCpuTimes, applyTimes;
	std::vector<SetDiff> diffs;
	for (int round = 0; round < rounds; round++) {
		auto diffAll = [&] {
			diffs.clear();
			for (size_t s = 0; s < load.specs.size(); s++) {
				SetDiff diff = diffSet(load.specs[s].name, load.specs[s].type, desired[s],
						       current[s].entries);
				if (!diff.empty())
					diffs.push_back(std::move(diff));
			}
		};
		diffCpuTimes.push_back(cpuSeconds(diffAll));
		diffTimes.push_back(seconds(diffAll));
		size_t changes = 0;
		for (const SetDiff &diff : diffs)
			changes += diff.size();
		if (changes != 10) {
			std::fprintf(stderr, "ipset_bench: the diff has %zu changes, not 10\n", changes);
			return 1;
		}
		applyTimes.push_back(seconds([&] { check(session.apply(diffs)); }));
		/* Put the kernel back for the next round. */
		std::vector<SetDiff> back;
		for (const SetDiff &diff : diffs)
			back.push_back({ diff.set, diff.type, diff.toDelete, diff.toAdd });
		check(session.apply(back));
	}
	double diffTime = median(diffTimes), applyTime = median(applyTimes);
	double diffCpuTime = median(diffCpuTimes);
	std::printf("10 changes against %zu present entries, median of %d rounds\n", load.entries,
		    rounds);
	std::printf("  diff (in memory)       %8.2f ms  (CPU time %.2f ms)\n", diffTime * 1e3,
		    diffCpuTime * 1e3);
	std::printf("  apply of the 10        %8.2f ms\n", applyTime * 1e3);
	std::printf("  diff + apply           %8.2f ms  (target <= 10 ms)\n", (diffTime + applyTime) * 1e3);
	std::printf("  reading the 50,000 back from the kernel (listEntries, once): %.1f ms\n",
		    listTime * 1e3);
	return 0;
}
