/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names of the sets kipvs owns, per address family.
 */
#pragma once

#include <string>
#include <string_view>

namespace kipvs::ipset {

/* The kernel's limit on a set name, without the terminating NUL. */
constexpr size_t kMaxSetNameLength = 31;

/*
 * The family's name of a set: "KUBE-CLUSTER-IP" stays as it is for IPv4 and
 * becomes "KUBE-6-CLUSTER-IP" for IPv6, cut to kMaxSetNameLength.
 */
std::string setName(std::string_view base, int family);

} /* namespace kipvs::ipset */
