/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the manifest parser's tests: an address from text, and the
 * problems of a file as their messages.
 */
#pragma once

#include <string>
#include <vector>

#include "proxy/source/manifests/manifest_parser.h"

namespace kipvs::proxy::test {

inline IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

inline std::vector<std::string> messages(const std::vector<ManifestProblem> &problems)
{
	std::vector<std::string> out;
	for (const ManifestProblem &problem : problems)
		out.push_back(problem.message());
	return out;
}

} /* namespace kipvs::proxy::test */
