/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the C++ kernel tests: the skip policy and namespace isolation.
 *
 * A kernel test needs features the host may lack. Outside the test VM it
 * skips (exit 77); inside it (KIPVS_IN_VM=1), where every feature must be
 * present, a missing one is a failure.
 */
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sched.h>
#include <string>
#include <unistd.h>

namespace kipvs::test {

[[noreturn]] inline void missingFeature(const std::string &feature)
{
	if (std::getenv("KIPVS_IN_VM")) {
		std::fprintf(stderr, "FAIL: the test VM's kernel lacks %s\n", feature.c_str());
		std::exit(1);
	}
	std::fprintf(stderr, "SKIP: this kernel lacks %s (run the kernel suite in test/vm/run)\n",
		     feature.c_str());
	std::exit(77);
}

/* Skip (or fail in the VM) unless `available` holds. */
inline void requireFeature(bool available, const std::string &feature)
{
	if (!available)
		missingFeature(feature);
}

inline void requireRoot()
{
	requireFeature(geteuid() == 0, "root privileges (CAP_NET_ADMIN)");
}

/*
 * Move this process into a new network namespace with lo up, so nothing the
 * test creates outlives it or meets another test's objects. IPVS, links,
 * addresses, ipsets and iptables rules are all per namespace.
 */
inline void isolateNetwork()
{
	requireRoot();
	if (unshare(CLONE_NEWNET) != 0) {
		std::perror("unshare(CLONE_NEWNET)");
		std::exit(1);
	}
	if (std::system("ip link set lo up") != 0) {
		std::fprintf(stderr, "cannot bring lo up in the test namespace\n");
		std::exit(1);
	}
}

/* Run a shell command and return its standard output. */
inline std::string capture(const std::string &command)
{
	std::string output;
	FILE *pipe = popen(command.c_str(), "r");
	if (!pipe)
		return output;
	char buffer[4096];
	size_t n;
	while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
		output.append(buffer, n);
	pclose(pipe);
	return output;
}

} /* namespace kipvs::test */
