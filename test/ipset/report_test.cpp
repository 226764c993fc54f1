/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset report texts: line numbers and errnos, with no kernel.
 */
#include <cerrno>

#include <catch2/catch.hpp>

#include "ipset/report.h"

using kipvs::ipset::errnoFromReport;
using kipvs::ipset::parseReport;

TEST_CASE("the blamed line is split off the report", "[ipset]")
{
	auto report = parseReport("Error in line 7: The set with the given name does not exist\n");
	CHECK(report.line == 7);
	CHECK(report.text == "The set with the given name does not exist");

	auto plain = parseReport("Set cannot be destroyed: it is in use by a kernel component\n");
	CHECK(plain.line == 0);
	CHECK(plain.text == "Set cannot be destroyed: it is in use by a kernel component");

	CHECK(parseReport("Error in line x: y").line == 0);
	CHECK(parseReport("").text.empty());
}

TEST_CASE("libipset's reasons map to errnos", "[ipset]")
{
	CHECK(errnoFromReport("The set with the given name does not exist") == ENOENT);
	CHECK(errnoFromReport("Element cannot be deleted from the set: it's not added") == ENOENT);
	CHECK(errnoFromReport("Element cannot be added to the set: it's already added") == EEXIST);
	CHECK(errnoFromReport("Set cannot be created: set with the same name already exists") == EEXIST);
	CHECK(errnoFromReport("Set cannot be destroyed: it is in use by a kernel component") == EBUSY);
	CHECK(errnoFromReport("Hash is full, cannot add more elements") == ENOSPC);
	CHECK(errnoFromReport("The sets cannot be swapped: their type does not match") == EINVAL);
	CHECK(errnoFromReport("Kernel error received: Operation not permitted") == EPERM);
	CHECK(errnoFromReport("Kernel error received: Invalid argument") == EINVAL);
	CHECK(errnoFromReport("Kernel error received: set type not supported") == EOPNOTSUPP);
	CHECK(errnoFromReport("An IPv4 address is expected, but not received") == EINVAL);
	CHECK(errnoFromReport("Element is out of the range of the set") == ERANGE);
	CHECK(errnoFromReport("Something new") == EIO);
}
