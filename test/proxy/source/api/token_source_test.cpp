/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TokenSource: a real token file rewritten, removed and restored while the
 * caller's clock steps.
 */
#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/source/api/token_source.h"
#include "temp_dir.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::proxy::test::ScratchDir;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("an inline token alone is served as it is", "[token-source]")
{
	TokenSource source(" inline ", "");
	CHECK(source.current(Clock::now()) == " inline ");
	source.invalidate();
	CHECK(source.current(Clock::now() + 1h) == " inline ");
	CHECK(source.lastError().empty());
	CHECK(TokenSource("", "").current(Clock::now()).empty());
}

namespace {

/* A token file in a scratch directory, a source of it, and a start time to step from. */
struct TokenFile {
	explicit TokenFile(const std::string &text, std::string inlineToken = "")
		: file(dir.write("token", text)), source(std::move(inlineToken), file)
	{
	}
	void write(const std::string &text) const { dir.write("token", text); }
	/* The token at start + offset. */
	std::string at(std::chrono::seconds offset) { return source.current(start + offset); }

	ScratchDir dir;
	const std::string file;
	TokenSource source;
	const Clock::time_point start = Clock::now();
};

} /* namespace */

TEST_CASE("the token file is read trimmed, then again once a minute", "[token-source]")
{
	TokenFile f("\n  first\t\n");
	CHECK(f.at(0s) == "first");

	f.write("second\n");
	CHECK(f.at(0s) == "first");
	CHECK(f.at(59s) == "first");
	CHECK(f.at(60s) == "second");

	f.write("third\n");
	CHECK(f.at(119s) == "second");
	CHECK(f.at(120s) == "third");
	/* A clock another thread read a moment earlier is no reason to read. */
	CHECK(f.at(100s) == "third");
	CHECK(f.source.lastError().empty());
}

TEST_CASE("setInterval changes how often the file is read", "[token-source]")
{
	TokenFile f("first");
	f.source.setInterval(5s);
	CHECK(f.at(0s) == "first");
	f.write("second");
	CHECK(f.at(4s) == "first");
	CHECK(f.at(5s) == "second");
	CHECK(TokenSource::kDefaultInterval == 60s);
}

TEST_CASE("invalidate() after a 401 reads the file at the next call", "[token-source]")
{
	TokenFile f("old");
	CHECK(f.at(0s) == "old");
	f.write("rotated");
	CHECK(f.at(1s) == "old");
	f.source.invalidate();
	CHECK(f.at(1s) == "rotated");
	/* And the interval counts from that read. */
	f.write("later");
	CHECK(f.at(60s) == "rotated");
	CHECK(f.at(61s) == "later");
}

TEST_CASE("a file that vanishes or empties keeps the last good token", "[token-source]")
{
	TokenFile f("good");
	CHECK(f.at(0s) == "good");

	std::filesystem::remove(f.file);
	f.source.invalidate();
	CHECK(f.at(0s) == "good");
	const std::string missing = "token file: read " + f.file + ": No such file or directory";
	CHECK(f.source.lastError() == missing);

	/* A failed read counts as one: the next is an interval later. */
	f.write("   \n");
	CHECK(f.at(30s) == "good");
	CHECK(f.source.lastError() == missing);
	CHECK(f.at(60s) == "good");
	CHECK(f.source.lastError() == "token file " + f.file + " is empty: No data available");

	f.write("back");
	CHECK(f.at(120s) == "back");
	CHECK(f.source.lastError().empty());
}

TEST_CASE("the inline token serves until the file is first read", "[token-source]")
{
	TokenFile f("", "inline");
	std::filesystem::remove(f.file);
	CHECK(f.at(0s) == "inline");
	CHECK(f.source.lastError() == "token file: read " + f.file + ": No such file or directory");
	f.write("from-file");
	CHECK(f.at(60s) == "from-file");
	/* Once read, the file's token is the last good one, not the inline token. */
	std::filesystem::remove(f.file);
	CHECK(f.at(120s) == "from-file");
}

TEST_CASE("threads share one source", "[token-source]")
{
	TokenFile f("a");
	TokenSource &source = f.source;
	source.setInterval(0s);
	REQUIRE(f.at(0s) == "a");
	std::atomic<int> odd{ 0 };
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&] {
			for (int i = 0; i < 500; i++) {
				std::string token = source.current(Clock::now());
				if (token != "a" && token != "b")
					odd++;
				source.invalidate();
				(void)source.lastError();
			}
		});
	for (int i = 0; i < 200; i++)
		f.write(i % 2 ? "a" : "b");
	for (std::thread &thread : threads)
		thread.join();
	/* A reader may see the file between truncation and write: empty keeps the last good one. */
	CHECK(odd == 0);
}

TEST_CASE("readTokenFile trims and refuses an empty file", "[token-source]")
{
	ScratchDir dir;
	CHECK(*readTokenFile(dir.write("t", " abc \r\n")) == "abc");
	Result<std::string> empty = readTokenFile(dir.write("e", "\n"));
	REQUIRE_FALSE(empty.ok());
	CHECK(empty.error().code() == ENODATA);
	CHECK(readTokenFile(dir / "none").error().code() == ENOENT);
}
