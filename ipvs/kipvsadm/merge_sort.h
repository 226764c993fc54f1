/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The merge sort glibc 2.36's qsort() runs (stdlib/msort.c), reproduced as
 * an algorithm: ipvsadm's comparators are not a strict weak order (their
 * subtractions wrap), so the order they give depends on the exact sequence
 * of comparisons, and only the same algorithm gives the same listing.
 */
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace kipvs::ipvsadm {

namespace detail {

/* Sorts items[0, n) using scratch (at least n long); cmp returns an int. */
template<typename T, typename Compare>
void mergeSort(T *items, size_t n, T *scratch, Compare &cmp)
{
	if (n <= 1)
		return;

	/* glibc splits at n / 2 and sorts the left half first. */
	size_t n1 = n / 2;
	size_t n2 = n - n1;
	T *left = items;
	T *right = items + n1;

	mergeSort(left, n1, scratch, cmp);
	mergeSort(right, n2, scratch, cmp);

	T *out = scratch;
	while (n1 > 0 && n2 > 0) {
		/* Ties (and "less or equal" answers) take the left element. */
		if (cmp(*left, *right) <= 0) {
			*out++ = std::move(*left++);
			--n1;
		} else {
			*out++ = std::move(*right++);
			--n2;
		}
	}
	/* What remains of the left half goes after; the right stays in place. */
	while (n1 > 0) {
		*out++ = std::move(*left++);
		--n1;
	}
	size_t merged = static_cast<size_t>(out - scratch);
	for (size_t i = 0; i < merged; i++)
		items[i] = std::move(scratch[i]);
}

} /* namespace detail */

/*
 * Sort values the way qsort(values, n, size, cmp) does in glibc 2.36 when it
 * can allocate its scratch buffer. Large elements are sorted through
 * pointers, as glibc does, which does not change the comparison sequence.
 */
template<typename T, typename Compare>
void glibcMergeSort(std::vector<T> &values, Compare cmp)
{
	size_t n = values.size();
	if (n <= 1)
		return;

	std::vector<const T *> order(n);
	for (size_t i = 0; i < n; i++)
		order[i] = &values[i];
	std::vector<const T *> scratch(n);

	auto byPointer = [&cmp](const T *a, const T *b) { return cmp(*a, *b); };
	detail::mergeSort(order.data(), n, scratch.data(), byPointer);

	std::vector<T> sorted;
	sorted.reserve(n);
	for (const T *item : order)
		sorted.push_back(std::move(*const_cast<T *>(item)));
	values = std::move(sorted);
}

} /* namespace kipvs::ipvsadm */
