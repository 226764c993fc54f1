/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What to change in sets to go from what the kernel has to what is wanted.
 */
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ipset/entry.h"
#include "ipset/set_spec.h"

namespace kipvs::ipset {

/* The changes to one set. Session::apply() deletes, then adds. */
struct SetDiff {
	std::string set;
	SetType type = SetType::HashIp;
	std::vector<Entry> toAdd;
	std::vector<Entry> toDelete;

	bool empty() const { return toAdd.empty() && toDelete.empty(); }
	size_t size() const { return toAdd.size() + toDelete.size(); }
};

/* The entries of one set, wanted or found. */
struct SetEntries {
	SetType type = SetType::HashIp;
	std::vector<Entry> entries;
};

/*
 * Entries in `desired` but not in `current` are to add; entries in
 * `current` but not in `desired` are to delete. Duplicates count once. The
 * order of toAdd follows `desired`, of toDelete follows `current`. Linear in
 * the sizes of both (one hash table over `current`).
 */
SetDiff diffSet(const std::string &set, SetType type, const std::vector<Entry> &desired,
		const std::vector<Entry> &current);

/*
 * diffSet() for every set named in `desired`; a set missing from `current`
 * counts as empty. Sets only in `current` are left alone: whether to flush
 * or destroy them is the caller's decision. Empty diffs are left out.
 */
std::vector<SetDiff> diffSets(const std::map<std::string, SetEntries> &desired,
			      const std::map<std::string, SetEntries> &current);

} /* namespace kipvs::ipset */
