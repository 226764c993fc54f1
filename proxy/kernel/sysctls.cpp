/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sysctl values and writing them through /proc/sys.
 */
#include "proxy/kernel/sysctls.h"

#include <cerrno>
#include <cstdio>

namespace kipvs::proxy {

std::vector<Sysctl> requiredSysctls(const std::string &kernelRelease, bool strictARP)
{
	std::vector<Sysctl> settings = {
		{ "net/ipv4/vs/conntrack", "1" },
		{ "net/ipv4/vs/expire_nodest_conn", "1" },
		{ "net/ipv4/vs/expire_quiescent_template", "1" },
		{ "net/ipv4/ip_forward", "1" },
	};
	int major = 0, minor = 0;
	if (std::sscanf(kernelRelease.c_str(), "%d.%d", &major, &minor) == 2) {
		int version = major * 1000 + minor;
		if (version >= 4001 && version < 5009)
			settings.push_back({ "net/ipv4/vs/conn_reuse_mode", "0" });
	}
	if (strictARP) {
		settings.push_back({ "net/ipv4/conf/all/arp_ignore", "1" });
		settings.push_back({ "net/ipv4/conf/all/arp_announce", "2" });
	}
	return settings;
}

std::vector<Result<void>> applySysctls(const std::vector<Sysctl> &settings,
				       const std::string &procRoot)
{
	std::vector<Result<void>> results;
	for (const Sysctl &setting : settings) {
		std::string path = procRoot + "/sys/" + setting.name;
		FILE *file = std::fopen(path.c_str(), "w");
		if (!file) {
			results.push_back(Error(errno, "set sysctl", setting.name + "=" + setting.value));
			continue;
		}
		bool ok = std::fputs(setting.value.c_str(), file) >= 0;
		ok = std::fclose(file) == 0 && ok;
		if (!ok)
			results.push_back(Error(errno, "set sysctl", setting.name + "=" + setting.value));
		else
			results.push_back({});
	}
	return results;
}

} /* namespace kipvs::proxy */
