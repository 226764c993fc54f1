/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm -c over a /proc/net/ip_vs_conn written the way the kernel writes
 * it (8 hex digits for IPv4, full IPv6 text, expiry in seconds).
 */
#include <catch2/catch.hpp>

#include <cstdio>
#include <unistd.h>

#include "fake_source.h"

using namespace kipvs;
using namespace kipvs::ipvsadm;
using namespace kipvs::ipvsadm::test;

namespace {

std::string writeTemp(const std::string &text)
{
	char path[] = "/tmp/kipvsadm-conn-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
	close(fd);
	return path;
}

const char *procHeader =
	"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

} /* namespace */

TEST_CASE("connection entries, IPv4 and IPv6", "[kipvsadm]")
{
	std::string path = writeTemp(
		std::string(procHeader) +
		"TCP 0A000002 C350 0A000001 0050 0A010005 1F90 ESTABLISHED     899\n"
		"UDP 0A000002 D431 0A000035 0035 0A030001 14E9 UDP            3600\n"
		"TCP fd00:0000:0000:0000:0000:0000:0000:0002 C350 fd00:0000:0000:0000:0000:0000:0000:0001 0050 "
		"fd00:0000:0000:0000:0000:0000:0000:0100 1F90 SYN_RECV         59\n");
	FakeProvider provider({});

	RunResult r = runKipvsadm(provider, { "-Lnc" }, path);
	CHECK(r.code == 0);
	CHECK(r.out == "IPVS connection entries\n"
		       "pro expire state       source             virtual            destination\n"
		       "TCP 14:59  ESTABLISHED 10.0.0.2:50000     10.0.0.1:80        10.1.0.5:8080\n"
		       "UDP 60:00  UDP         10.0.0.2:54321     10.0.0.53:53       10.3.0.1:5353\n"
		       "TCP 00:59  SYN_RECV    [fd00::2]:50000    [fd00::1]:80       [fd00::100]:8080\n");

	/* Entries without a persistence engine keep the short row (as ipvsadm 1.31 prints). */
	r = runKipvsadm(provider, { "-Lnc", "--persistent-conn" }, path);
	CHECK(r.out.rfind("IPVS connection entries\n"
			  "pro expire state       source             virtual            destination        pe name          pe_data\n"
			  "TCP 14:59  ESTABLISHED 10.0.0.2:50000     10.0.0.1:80        10.1.0.5:8080\n",
			  0) == 0);
	std::remove(path.c_str());
}

TEST_CASE("connection entries of a persistence engine show its columns", "[kipvsadm]")
{
	std::string path = writeTemp(
		std::string(procHeader) +
		"UDP 0A000002 13C4 0A000001 13C4 0A010005 13C4 UDP            299 sip 6131406e\n");
	FakeProvider provider({});
	RunResult r = runKipvsadm(provider, { "-Lnc", "--persistent-conn" }, path);
	CHECK(r.out == "IPVS connection entries\n"
		       "pro expire state       source             virtual            destination        pe name          pe_data\n"
		       "UDP 04:59  UDP         10.0.0.2:5060      10.0.0.1:5060      10.1.0.5:5060      sip              6131406e\n");
	std::remove(path.c_str());
}

TEST_CASE("connection table errors", "[kipvsadm]")
{
	FakeProvider provider({});
	RunResult r = runKipvsadm(provider, { "-Lnc" }, "/nonexistent/ip_vs_conn");
	CHECK(r.code == 1);
	CHECK(r.err == "cannot open file /nonexistent/ip_vs_conn\n");

	std::string empty = writeTemp("");
	r = runKipvsadm(provider, { "-Lnc" }, empty);
	CHECK(r.code == 1);
	CHECK(r.err == "unexpected input from " + empty + "\n");
	std::remove(empty.c_str());
}
