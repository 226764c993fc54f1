/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset report texts: line numbers and errnos, with no kernel.
 */
#include <cerrno>
#include <memory>

#include <libipset/errcode.h>
#include <libipset/linux_ip_set.h>
#include <libipset/session.h>

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
	/* As libipset 7.17 words them. */
	CHECK(errnoFromReport("The set with the given name does not exist") == ENOENT);
	CHECK(errnoFromReport("Element cannot be deleted from the set: it's not added") == ENOENT);
	CHECK(errnoFromReport("Element cannot be added to the set: it's already added") == EEXIST);
	CHECK(errnoFromReport("Set cannot be created: set with the same name already exists") == EEXIST);
	CHECK(errnoFromReport("Set cannot be destroyed: it is in use by a kernel component") == EBUSY);
	CHECK(errnoFromReport("The sets cannot be swapped: their type does not match") == EINVAL);
	CHECK(errnoFromReport("Sets cannot be swapped: the second set does not exist") == ENOENT);
	CHECK(errnoFromReport("Kernel error received: Operation not permitted") == EPERM);
	CHECK(errnoFromReport("Kernel error received: Invalid argument") == EINVAL);
	CHECK(errnoFromReport("Something new") == EIO);
}

TEST_CASE("the errno comes from libipset's own wording of each code, not from phrases", "[ipset]")
{
	/* Whatever this libipset says for a code maps back to that code's errno. */
	std::unique_ptr<struct ipset_session, int (*)(struct ipset_session *)> session(
		ipset_session_init(nullptr, nullptr), ipset_session_fini);
	REQUIRE(session);
	auto worded = [&](enum ipset_cmd command, int code) {
		ipset_session_report_reset(session.get());
		ipset_errcode(session.get(), command, code);
		return parseReport(ipset_session_report_msg(session.get())).text;
	};
	CHECK(errnoFromReport(worded(IPSET_CMD_ADD, IPSET_ERR_EXIST)) == EEXIST);
	CHECK(errnoFromReport(worded(IPSET_CMD_DEL, IPSET_ERR_EXIST)) == ENOENT);
	CHECK(errnoFromReport(worded(IPSET_CMD_CREATE, EEXIST)) == EEXIST);
	CHECK(errnoFromReport(worded(IPSET_CMD_DESTROY, ENOENT)) == ENOENT);
	CHECK(errnoFromReport(worded(IPSET_CMD_DESTROY, IPSET_ERR_BUSY)) == EBUSY);
	CHECK(errnoFromReport(worded(IPSET_CMD_CREATE, IPSET_ERR_FIND_TYPE)) == EOPNOTSUPP);
	CHECK(errnoFromReport(worded(IPSET_CMD_ADD, EPERM)) == EPERM);
	CHECK(errnoFromReport(worded(IPSET_CMD_SWAP, IPSET_ERR_TYPE_MISMATCH)) == EINVAL);
	CHECK(errnoFromReport(worded(IPSET_CMD_SWAP, IPSET_ERR_EXIST_SETNAME2)) == ENOENT);

	/* A wording libipset does not use is not guessed at, however close. */
	CHECK(errnoFromReport("Element cannot be added to the set: it is already there") == EIO);
	CHECK(errnoFromReport("set does not exist") == EIO);
	/* A set type's own codes need the session that worked with that type. */
	CHECK(errnoFromReport("Hash is full, cannot add more elements") == EIO);
}
