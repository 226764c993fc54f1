/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A temporary directory for the API source's tests: files written, read
 * and removed for real.
 */
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <stdlib.h>

namespace kipvs::proxy::test {

/* Made under /tmp, removed with everything in it at the end of the test. */
class ScratchDir
{
public:
	ScratchDir()
	{
		std::string pattern = "/tmp/kipvs-api-XXXXXX";
		root_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
	}
	~ScratchDir() { std::filesystem::remove_all(root_); }
	ScratchDir(const ScratchDir &) = delete;
	ScratchDir &operator=(const ScratchDir &) = delete;

	const std::string &path() const { return root_; }
	std::string operator/(const std::string &name) const { return root_ + "/" + name; }

	/* name's directories are made first; returns the file's path. */
	std::string write(const std::string &name, const std::string &text) const
	{
		const std::string file = *this / name;
		std::filesystem::create_directories(std::filesystem::path(file).parent_path());
		std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
		return file;
	}

private:
	std::string root_;
};

} /* namespace kipvs::proxy::test */
