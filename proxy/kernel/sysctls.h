/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sysctls IPVS mode needs (kube-proxy-ipvs.md §7).
 */
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace kipvs::proxy {

struct Sysctl {
	std::string name; /* "net/ipv4/vs/conntrack" */
	std::string value;
};

/*
 * The settings for this kernel: conn_reuse_mode=0 only on 4.1 to 5.8 (it
 * causes 1-second SYN delays there and is fixed since 5.9).
 */
std::vector<Sysctl> requiredSysctls(const std::string &kernelRelease, bool strictARP);

/* Write each one under procRoot/sys; one result per setting. */
std::vector<Result<void>> applySysctls(const std::vector<Sysctl> &settings,
				       const std::string &procRoot = "/proc");

} /* namespace kipvs::proxy */
