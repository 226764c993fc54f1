/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Set names: the IPv6 prefix and the kernel's length limit.
 */
#include "ipset/set_name.h"

#include <sys/socket.h>

namespace kipvs::ipset {

std::string setName(std::string_view base, int family)
{
	std::string name(base);
	if (family == AF_INET6) {
		constexpr std::string_view prefix = "KUBE-";
		if (name.starts_with(prefix))
			name = "KUBE-6-" + name.substr(prefix.size());
		else
			name = "KUBE-6-" + name;
	}
	if (name.size() > kMaxSetNameLength)
		name.resize(kMaxSetNameLength);
	return name;
}

} /* namespace kipvs::ipset */
