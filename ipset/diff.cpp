/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diffs of sets: one hash table over the current entries.
 */
#include "ipset/diff.h"

#include <unordered_map>

namespace kipvs::ipset {

SetDiff diffSet(const std::string &set, SetType type, const std::vector<Entry> &desired,
		const std::vector<Entry> &current)
{
	SetDiff diff;
	diff.set = set;
	diff.type = type;

	/*
	 * One table holds both sides: whether a current entry is wanted, and
	 * which desired entries were already taken (so duplicates add once).
	 */
	enum class Mark : uint8_t { Unwanted, Wanted, Added };
	std::unordered_map<Entry, Mark> seen;
	seen.reserve(current.size() + 16);
	for (const Entry &entry : current)
		seen.emplace(entry, Mark::Unwanted);

	for (const Entry &entry : desired) {
		auto [it, inserted] = seen.try_emplace(entry, Mark::Added);
		if (inserted)
			diff.toAdd.push_back(entry);
		else if (it->second == Mark::Unwanted)
			it->second = Mark::Wanted;
	}

	for (const Entry &entry : current) {
		auto it = seen.find(entry);
		if (it->second == Mark::Unwanted) {
			diff.toDelete.push_back(entry);
			/* A duplicate in `current` is deleted once. */
			it->second = Mark::Wanted;
		}
	}
	return diff;
}

std::vector<SetDiff> diffSets(const std::map<std::string, SetEntries> &desired,
			      const std::map<std::string, SetEntries> &current)
{
	const std::vector<Entry> none;
	std::vector<SetDiff> diffs;
	for (const auto &[name, wanted] : desired) {
		auto found = current.find(name);
		const std::vector<Entry> &present =
			found == current.end() ? none : found->second.entries;
		SetDiff diff = diffSet(name, wanted.type, wanted.entries, present);
		if (!diff.empty())
			diffs.push_back(std::move(diff));
	}
	return diffs;
}

} /* namespace kipvs::ipset */
