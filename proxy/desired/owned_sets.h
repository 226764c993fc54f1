/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ipsets kipvs creates, with their types, per address family.
 */
#pragma once

#include <vector>

#include "ipset/set_spec.h"

namespace kipvs::proxy {

/* Every set kube-proxy's IPVS mode uses, named for the family. */
std::vector<ipset::SetSpec> ownedSets(int family);

} /* namespace kipvs::proxy */
