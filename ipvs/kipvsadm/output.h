/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A text sink: appends to a string and, when given a stream, writes it out
 * in large blocks, because a listing of 50,000 rows is mostly formatting.
 */
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace kipvs::ipvsadm {

class Output
{
public:
	/* Collects everything (tests). */
	Output() = default;
	/* Writes to stream in blocks; flush() or destruction writes the rest. */
	explicit Output(FILE *stream) : stream_(stream) {}
	~Output() { flush(); }

	Output(const Output &) = delete;
	Output &operator=(const Output &) = delete;

	void append(std::string_view text)
	{
		buffer_.append(text);
		if (stream_ && buffer_.size() >= kBlockSize)
			flush();
	}
	void append(char c) { buffer_.push_back(c); }
	/* printf-style; the format strings are ipvsadm's own. */
	[[gnu::format(printf, 2, 3)]] void printf(const char *format, ...);

	void flush();
	/* What was collected (only meaningful without a stream). */
	const std::string &text() const { return buffer_; }

private:
	static constexpr size_t kBlockSize = 1 << 16;

	FILE *stream_ = nullptr;
	std::string buffer_;
};

} /* namespace kipvs::ipvsadm */
