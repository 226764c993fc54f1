/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset's error reports, turned into an errno and the text to keep.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct ipset_session;

namespace kipvs::ipset {

/*
 * A report as libipset words it: "Error in line 7: The set with the given
 * name does not exist\n". The line is the batch line the kernel blamed (0
 * when none), the text is the rest without the trailing newline.
 */
struct Report {
	uint32_t line = 0;
	std::string text;
};

Report parseReport(std::string_view message);

/*
 * libipset hands out the kernel's reason only as text (the errno stays
 * inside libipset), so the code is recovered by matching the text against
 * libipset's own wording of every code (its error tables, read back once),
 * not against phrases of ours, and mapped to an errno: the kernel's errno
 * itself; EEXIST for an element already added or a name taken; ENOENT for
 * one not added or a missing second set of a swap; EBUSY for a set in use;
 * ENOSPC for too many sets; EOPNOTSUPP for an unknown type; EPROTO; EINVAL
 * for the other ipset codes; for the codes of a set type (a full hash,
 * an element outside a bitmap's range: ENOSPC, ERANGE, EINVAL), which
 * libipset words by the type it last worked with, session is the one the
 * report came from (its report is reset); EIO for a text libipset did not
 * word from a kernel code (kept as the error's text either way).
 */
int errnoFromReport(std::string_view text, struct ipset_session *session = nullptr);

} /* namespace kipvs::ipset */
