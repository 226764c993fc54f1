/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-proxy's configuration: kube-proxy's IPVS-mode flags and kipvs's own.
 */
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/error.h"

namespace kipvs::proxy {

/* Every field holds kube-proxy's default until a flag says otherwise. */
struct Config {
	/* --proxy-mode: only "ipvs" is accepted. */
	std::string proxyMode = "ipvs";
	/* --hostname-override, trimmed and lower-cased; empty: the hostname. */
	std::string hostnameOverride;

	/* --ipvs-scheduler: a kernel scheduler name. */
	std::string ipvsScheduler = "rr";
	/* --ipvs-sync-period (> 0) and --ipvs-min-sync-period (<= sync period). */
	std::chrono::nanoseconds ipvsSyncPeriod = std::chrono::seconds(30);
	std::chrono::nanoseconds ipvsMinSyncPeriod{ 0 };
	/* --ipvs-exclude-cidrs: virtual servers in these are never deleted. */
	std::vector<IpPrefix> ipvsExcludeCIDRs;
	/* --ipvs-strict-arp: arp_ignore=1, arp_announce=2. */
	bool ipvsStrictARP = false;
	/* --ipvs-tcp-timeout, --ipvs-tcpfin-timeout, --ipvs-udp-timeout; 0: leave the kernel's. */
	std::chrono::nanoseconds ipvsTcpTimeout{ 0 };
	std::chrono::nanoseconds ipvsTcpFinTimeout{ 0 };
	std::chrono::nanoseconds ipvsUdpTimeout{ 0 };

	/* --masquerade-all */
	bool masqueradeAll = false;
	/* --iptables-masquerade-bit, 0-31: the mark is 1 << bit. */
	unsigned int masqueradeBit = 14;
	/* --cluster-cidr: none, one, or an IPv4 and an IPv6 prefix. */
	std::vector<IpPrefix> clusterCIDRs;
	/* --nodeport-addresses: CIDRs, or "primary" (the node's primary addresses). */
	std::vector<IpPrefix> nodePortAddresses;
	bool nodePortAddressesPrimary = false;

	/* --kubeconfig FILE and --master URL: the API server; neither: in-cluster. */
	std::string kubeconfig;
	std::string master;

	/* -v / --v, 0-10 */
	unsigned int verbosity = 0;

	/* kipvs's own: --manifests DIR (instead of the API server), --sync-once, --dry-run, --cleanup. */
	std::string manifests;
	bool syncOnce = false;
	bool dryRun = false;
	bool cleanup = false;
	/* --help / -h and --version: the caller prints flagsHelp() or the version and exits 0. */
	bool help = false;
	bool version = false;
};

/*
 * Parse the command line the way kube-proxy's (pflag) does. Errors are
 * EINVAL and name the flag; their operation() is the whole sentence to show.
 */
Result<Config> parseFlags(int argc, const char *const *argv);

/* The --help text: usage line and one entry per flag with its default. */
std::string flagsHelp(const std::string &programName);

/* The schedulers --ipvs-scheduler accepts, as the kernel names them. */
const std::vector<std::string> &ipvsSchedulers();

} /* namespace kipvs::proxy */
