/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPVS client against ipvsadm on a big table, in one kernel: apply
 * 5,000 virtual servers x 10 real servers through the batch API and with
 * `ipvsadm -R`, list them back with listAll() and with `ipvsadm -Ln`, and
 * print the times and ratios. A program, not a test: run it in the VM
 * (test/bench/ipvs-bench.sh).
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "ipvs/client.h"
#include "test/kernel/kernel_test.h"

using namespace kipvs;
using namespace kipvs::ipvs;

namespace {

double seconds(const std::function<void()> &work)
{
	auto start = std::chrono::steady_clock::now();
	work();
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run(const std::string &command)
{
	if (std::system(command.c_str()) != 0) {
		std::fprintf(stderr, "ipvs_bench: '%s' failed\n", command.c_str());
		std::exit(1);
	}
}

size_t countRealServers(Client &client, size_t &services)
{
	auto all = client.listAll();
	if (!all) {
		std::fprintf(stderr, "ipvs_bench: %s\n", all.error().message().c_str());
		std::exit(1);
	}
	services = all->size();
	size_t total = 0;
	for (const auto &entry : *all)
		total += entry.destinations.size();
	return total;
}

} /* namespace */

int main(int argc, char *argv[])
{
	unsigned int serviceCount = argc > 1 ? static_cast<unsigned int>(std::atoi(argv[1])) : 5000;
	unsigned int realCount = argc > 2 ? static_cast<unsigned int>(std::atoi(argv[2])) : 10;

	kipvs::test::isolateNetwork();
	auto opened = Client::open();
	kipvs::test::requireFeature(opened.ok(), "IPVS (ip_vs)");
	Client client = std::move(opened).value();

	/* The same rules both ways: ipvsadm -R lines and kipvs changes. */
	std::vector<Change> changes;
	std::string rulesPath = "/tmp/ipvs-bench-" + std::to_string(getpid()) + ".rules";
	{
		std::ofstream rules(rulesPath);
		for (unsigned int i = 0; i < serviceCount; i++) {
			VirtualServer service;
			service.key = { AF_INET, Protocol::Tcp, IpAddress::v4(0x0a000000 + i), 80, 0 };
			service.scheduler = "rr";
			changes.push_back(Change::addVirtualServer(service));
			std::string name = "-t " + service.key.address.toString() + ":80";
			rules << "-A " << name << " -s rr\n";
			for (unsigned int j = 0; j < realCount; j++) {
				RealServer real;
				real.address = IpAddress::v4(0xac100000 + i * 16 + j);
				real.port = 8080;
				real.method = ForwardMethod::Masq;
				real.weight = 1;
				changes.push_back(Change::addRealServer(service.key, real));
				rules << "-a " << name << " -r " << real.address.toString()
				      << ":8080 -m -w 1\n";
			}
		}
	}
	size_t expectedReals = size_t(serviceCount) * realCount;
	std::printf("ipvs_bench: %u virtual servers x %u real servers (%zu changes)\n",
		    serviceCount, realCount, changes.size());

	/* ipvsadm first: apply, then list with both tools. */
	run("ipvsadm -C");
	double ipvsadmApply = seconds([&] { run("ipvsadm -R < " + rulesPath); });
	double ipvsadmList = seconds([&] { run("ipvsadm -Ln > /dev/null"); });
	size_t services = 0;
	size_t reals = 0;
	double kipvsListOfIpvsadm = seconds([&] { reals = countRealServers(client, services); });
	if (services != serviceCount || reals != expectedReals) {
		std::fprintf(stderr, "ipvs_bench: ipvsadm -R left %zu/%zu\n", services, reals);
		return 1;
	}

	/*
	 * Then kipvs, into an empty table of a fresh namespace: after a flush
	 * the kernel keeps deleted real servers in its trash for a minute or
	 * two and scans it on every add, which would charge ipvsadm's flush
	 * to kipvs.
	 */
	auto fresh = [&] {
		kipvs::test::isolateNetwork();
		auto reopened = Client::open();
		if (!reopened) {
			std::fprintf(stderr, "ipvs_bench: %s\n", reopened.error().message().c_str());
			std::exit(1);
		}
		client = std::move(reopened).value();
	};
	fresh();
	std::vector<Result<void>> results;
	double kipvsApply = seconds([&] { results = client.applyBatch(changes); });
	for (const auto &result : results) {
		if (!result) {
			std::fprintf(stderr, "ipvs_bench: %s\n", result.error().message().c_str());
			return 1;
		}
	}
	double kipvsList = seconds([&] { reals = countRealServers(client, services); });

	/* The same batch without an ACK per change (failures answered only). */
	fresh();
	ApplyOptions quiet;
	quiet.ackEach = false;
	double kipvsApplyQuiet = seconds([&] { results = client.applyBatch(changes, quiet); });
	for (const auto &result : results) {
		if (!result) {
			std::fprintf(stderr, "ipvs_bench: %s\n", result.error().message().c_str());
			return 1;
		}
	}
	double ipvsadmList2 = seconds([&] { run("ipvsadm -Ln > /dev/null"); });
	if (services != serviceCount || reals != expectedReals) {
		std::fprintf(stderr, "ipvs_bench: the batch left %zu/%zu\n", services, reals);
		return 1;
	}
	std::string saved = kipvs::test::capture("ipvsadm -Sn | wc -l");
	run("ipvsadm -C");
	std::remove(rulesPath.c_str());

	double ipvsadmListBest = std::min(ipvsadmList, ipvsadmList2);
	double kipvsListBest = std::min(kipvsList, kipvsListOfIpvsadm);
	std::printf("ipvsadm -Sn after the batch: %s", saved.c_str());
	std::printf("apply: kipvs applyBatch %.3f s, ipvsadm -R %.3f s, ratio %.3f (target <= 0.2)\n",
		    kipvsApply, ipvsadmApply, kipvsApply / ipvsadmApply);
	std::printf("apply: kipvs applyBatch without per-change ACKs %.3f s, ratio %.3f\n",
		    kipvsApplyQuiet, kipvsApplyQuiet / ipvsadmApply);
	std::printf("list:  kipvs listAll %.3f s / %.3f s, ipvsadm -Ln %.3f s / %.3f s, "
		    "ratio of the best %.3f (target <= 1.0)\n",
		    kipvsList, kipvsListOfIpvsadm, ipvsadmList, ipvsadmList2,
		    kipvsListBest / ipvsadmListBest);
	return 0;
}
