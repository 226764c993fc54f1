/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs::Error messages and Result's two states.
 */
#include <cerrno>

#include <catch2/catch.hpp>

#include "base/error.h"

using kipvs::Error;
using kipvs::Result;

TEST_CASE("an error names the operation, the object and the kernel's reason", "[error]")
{
	Error error(EEXIST, "add virtual server", "TCP 10.0.0.1:80", "service exists");
	CHECK(error.code() == EEXIST);
	CHECK(error.message() ==
	      "add virtual server TCP 10.0.0.1:80: File exists (kernel: service exists)");

	CHECK(Error(ENOENT, "list sets").message() == "list sets: No such file or directory");
	CHECK(error.withContext("sync").message().starts_with("sync: add virtual server"));
	CHECK(error.withObject("UDP 10.0.0.2:53").object() == "UDP 10.0.0.2:53");
}

TEST_CASE("Result holds a value or an error", "[error]")
{
	Result<int> good = 42;
	REQUIRE(good.ok());
	CHECK(*good == 42);

	Result<int> bad = Error(EPERM, "open socket");
	REQUIRE_FALSE(bad);
	CHECK(bad.error().code() == EPERM);

	Result<void> done;
	CHECK(done.ok());
	Result<void> failed = Error(ENOBUFS, "send batch");
	CHECK_FALSE(failed.ok());
	CHECK(failed.error().code() == ENOBUFS);
}
