/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a helper program (iptables-restore, iptables-save) with input
 * and capturing its output, without a shell.
 */
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace kipvs::proxy {

/*
 * Run argv[0] (looked up in PATH) with `input` on its standard input.
 * Returns its standard output; a non-zero exit is an error whose kernel
 * message holds what the program printed on standard error.
 */
Result<std::string> runCommand(const std::vector<std::string> &argv, const std::string &input = {});

} /* namespace kipvs::proxy */
