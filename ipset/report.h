/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset's error reports, turned into an errno and the text to keep.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
 * libipset hands out the kernel's reason only as text (its errno stays
 * inside libipset), so the errno is recovered from that text: ENOENT for a
 * missing set or entry, EEXIST, EBUSY for a set in use, ENOSPC for a full
 * set, EINVAL for what the kernel or libipset rejects as malformed, the
 * errno itself for "Kernel error received: <strerror>", EIO otherwise.
 */
int errnoFromReport(std::string_view text);

} /* namespace kipvs::ipset */
