/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runCommand(): output and errors, the child's signal state, the timeout,
 * and a child that does not read its input.
 */
#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>

#include <catch2/catch.hpp>

#include "proxy/kernel/command.h"

using kipvs::proxy::runCommand;
using namespace std::chrono_literals;

TEST_CASE("a command's output, and its error output on failure", "[command]")
{
	auto echoed = runCommand({ "cat" }, "hello\n");
	REQUIRE(echoed);
	CHECK(*echoed == "hello\n");

	auto failed = runCommand({ "sh", "-c", "echo broken >&2; exit 3" });
	REQUIRE(!failed);
	CHECK(failed.error().code() == EIO);
	CHECK(failed.error().kernelMessage() == "broken");

	auto missing = runCommand({ "kipvs-no-such-program" });
	REQUIRE(!missing);
}

TEST_CASE("the child starts with no signal blocked, whatever the caller blocks", "[command]")
{
	sigset_t blocked, before;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGHUP);
	REQUIRE(sigprocmask(SIG_BLOCK, &blocked, &before) == 0);
	auto mask = runCommand({ "grep", "^SigBlk:", "/proc/self/status" });
	sigprocmask(SIG_SETMASK, &before, nullptr);
	REQUIRE(mask);
	CHECK(*mask == "SigBlk:\t0000000000000000\n");
}

TEST_CASE("a command still running at its timeout is killed", "[command]")
{
	auto start = std::chrono::steady_clock::now();
	auto hung = runCommand({ "sleep", "10" }, {}, 200ms);
	auto took = std::chrono::steady_clock::now() - start;
	REQUIRE(!hung);
	CHECK(hung.error().code() == ETIMEDOUT);
	CHECK(hung.error().message().find("sleep 10") != std::string::npos);
	CHECK(took < 5s);
}

TEST_CASE("a child that exits without reading its input is its result, not a SIGPIPE", "[command]")
{
	/* As kipvs-proxy's main() does. */
	auto previous = std::signal(SIGPIPE, SIG_IGN);
	std::string input(1 << 20, 'x');
	auto done = runCommand({ "true" }, input);
	std::signal(SIGPIPE, previous);
	CHECK(done);
}
