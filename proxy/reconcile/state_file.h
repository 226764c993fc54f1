/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What kipvs remembers across restarts: which virtual servers it created
 * (so it deletes only its own) and the fingerprints of the iptables rules
 * it wrote (so a restart over unchanged rules rewrites nothing).
 */
#pragma once

#include <map>
#include <set>
#include <string>

#include "ipvs/virtual_server.h"
#include "base/error.h"

namespace kipvs::proxy {

struct PersistentState {
	std::set<ipvs::ServiceKey> ownedServers;
	/* Per family: a hash of the ruleset text last restored. */
	std::map<int, std::string> rulesetHash;
	/* Per family: the kernel's fingerprint of kipvs's rules right after. */
	std::map<int, std::string> ruleFingerprint;

	bool operator==(const PersistentState &) const = default;
};

/* A missing file is an empty state; a malformed one is an error. */
Result<PersistentState> loadState(const std::string &path);
/* Written to a temporary file and renamed, so a crash leaves the old or the new. */
Result<void> saveState(const std::string &path, const PersistentState &state);

/* A stable 64-bit FNV-1a hash, as 16 hex digits. */
std::string stableHash(const std::string &text);

} /* namespace kipvs::proxy */
