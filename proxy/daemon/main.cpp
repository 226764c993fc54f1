/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-proxy: a drop-in for kube-proxy --proxy-mode=ipvs.
 */
#include <csignal>
#include <cstdio>

#include "proxy/config/config.h"
#include "proxy/daemon/daemon.h"

int main(int argc, char **argv)
{
	/*
	 * A helper program (iptables-restore) that exits before reading all
	 * its input makes the write fail with EPIPE instead of ending kipvs.
	 */
	std::signal(SIGPIPE, SIG_IGN);
	auto config = kipvs::proxy::parseFlags(argc, argv);
	if (!config) {
		/* A flag error's operation is the whole sentence ("unknown flag: --foo"). */
		std::fprintf(stderr, "kipvs-proxy: %s\n", config.error().operation().c_str());
		std::fprintf(stderr, "Run 'kipvs-proxy --help' for the flags.\n");
		return 2;
	}
	if (config->help) {
		std::fputs(kipvs::proxy::flagsHelp("kipvs-proxy").c_str(), stdout);
		return 0;
	}
	if (config->version) {
		std::printf("kipvs-proxy %s\n", KIPVS_VERSION);
		return 0;
	}
	return kipvs::proxy::runDaemon(*config);
}
