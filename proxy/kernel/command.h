/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a helper program (iptables-restore, iptables-save) with input
 * and capturing its output, without a shell.
 */
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"

namespace kipvs::proxy {

/*
 * Run argv[0] (looked up in PATH) with `input` on its standard input.
 * Returns its standard output; a non-zero exit is an error whose kernel
 * message holds what the program printed on standard error.
 *
 * The program starts with no signal blocked and SIGPIPE, SIGTERM, SIGINT
 * and SIGHUP at their default actions, whatever the daemon blocks or
 * ignores. One still running after `timeout` is killed (ETIMEDOUT). A
 * program that exits without reading all its input is not a SIGPIPE for
 * the caller as long as the process ignores SIGPIPE (kipvs-proxy does).
 */
Result<std::string> runCommand(const std::vector<std::string> &argv, const std::string &input = {},
			       std::chrono::milliseconds timeout = std::chrono::seconds(60));

} /* namespace kipvs::proxy */
