/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diffs of sets: one hash table over the current entries.
 */
#include "ipset/diff.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

namespace kipvs::ipset {

namespace {

/*
 * An open-addressing table over the entries of both inputs, numbered
 * current first, then desired. A slot is 8 bytes (entry number and 32 bits
 * of its hash), so the table of a 50,000-entry diff stays around 1 MiB:
 * at that size the time goes to cache misses, not to hashing, and
 * std::unordered_map would add an allocation per entry on top.
 */
class EntryTable
{
public:
	static constexpr uint32_t kEmpty = UINT32_MAX;

	EntryTable(const std::vector<Entry> &current, const std::vector<Entry> &desired)
		: current_(current), desired_(desired)
	{
		/* Never fuller than 80%, whatever the inputs. */
		size_t most = current.size() + desired.size();
		size_t capacity = 16;
		while (capacity < most + most / 4 + 1)
			capacity *= 2;
		slots_.assign(capacity, Slot{ kEmpty, 0 });
		mask_ = capacity - 1;
	}

	/*
	 * The number of the entry equal to entry `number` (whose hash is
	 * `hash`) already in the table, or `number` itself after inserting it.
	 */
	uint32_t insert(uint32_t number, size_t hash)
	{
		const Entry &entry = at(number);
		uint32_t tag = static_cast<uint32_t>(hash >> 32);
		size_t index = hash & mask_;
		while (slots_[index].number != kEmpty) {
			if (slots_[index].tag == tag && at(slots_[index].number) == entry)
				return slots_[index].number;
			index = (index + 1) & mask_;
		}
		slots_[index] = { number, tag };
		return number;
	}

	/*
	 * Misses are the cost, on the table and on the entries it points to:
	 * ask for a slot well ahead of use, and for the entry in it (the one
	 * a match will be compared with) once the slot is likely there.
	 */
	void prefetchSlot(size_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
	void prefetchEntry(size_t hash) const
	{
		uint32_t number = slots_[hash & mask_].number;
		if (number != kEmpty)
			__builtin_prefetch(&at(number));
	}

private:
	struct Slot {
		uint32_t number;
		uint32_t tag;
	};

	const Entry &at(uint32_t number) const
	{
		return number < current_.size() ? current_[number] : desired_[number - current_.size()];
	}

	const std::vector<Entry> &current_;
	const std::vector<Entry> &desired_;
	std::vector<Slot> slots_;
	size_t mask_ = 0;
};

} /* namespace */

SetDiff diffSet(const std::string &set, SetType type, const std::vector<Entry> &desired,
		const std::vector<Entry> &current)
{
	SetDiff diff;
	diff.set = set;
	diff.type = type;

	/*
	 * Current entries go in first; a desired entry that finds one marks it
	 * wanted, one that finds none (nor an earlier duplicate) is to add.
	 * Current entries left unwanted are to delete, duplicates once.
	 */
	EntryTable table(current, desired);
	const uint32_t count = static_cast<uint32_t>(current.size());
	const uint32_t total = count + static_cast<uint32_t>(desired.size());
	std::vector<size_t> hashes(total);
	for (uint32_t i = 0; i < count; i++)
		hashes[i] = std::hash<Entry>()(current[i]);
	for (uint32_t i = count; i < total; i++)
		hashes[i] = std::hash<Entry>()(desired[i - count]);

	constexpr uint32_t kSlotAhead = 16, kEntryAhead = 8;
	for (uint32_t i = 0; i < std::min(kSlotAhead, total); i++)
		table.prefetchSlot(hashes[i]);
	auto insert = [&](uint32_t number) {
		if (number + kSlotAhead < total)
			table.prefetchSlot(hashes[number + kSlotAhead]);
		if (number + kEntryAhead < total)
			table.prefetchEntry(hashes[number + kEntryAhead]);
		return table.insert(number, hashes[number]);
	};

	std::vector<uint32_t> firstOf(count);
	std::vector<bool> wanted(count, false);
	for (uint32_t i = 0; i < count; i++)
		firstOf[i] = insert(i);

	for (uint32_t i = 0; i < desired.size(); i++) {
		uint32_t found = insert(count + i);
		if (found == count + i)
			diff.toAdd.push_back(desired[i]);
		else if (found < count)
			wanted[found] = true;
	}

	for (uint32_t i = 0; i < count; i++) {
		if (!wanted[firstOf[i]]) {
			diff.toDelete.push_back(current[i]);
			wanted[firstOf[i]] = true;
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
