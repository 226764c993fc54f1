/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --cleanup: remove everything kipvs owns from the kernel.
 */
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace kipvs::proxy {

/*
 * Remove the jump rules and kipvs's chains (both families), its ipsets,
 * the virtual servers it owns (recorded in stateFile, or on an address of
 * kube-ipvs0), kube-ipvs0 itself and the state file. Foreign virtual
 * servers stay. Goes on after a failure; returns every failure.
 */
std::vector<Error> cleanup(const std::string &stateFile);

} /* namespace kipvs::proxy */
