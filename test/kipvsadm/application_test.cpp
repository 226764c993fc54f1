/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm end to end over a fake table: start-up failures, the listings
 * ipvsadm 1.31 printed in the test VM for the same table (data/), single
 * services, timeouts and daemons.
 */
#include <catch2/catch.hpp>

#include "fake_source.h"
#include "listing_fixture.h"

using namespace kipvs;
using namespace kipvs::ipvsadm;
using namespace kipvs::ipvsadm::test;

namespace {

const std::string dataDir = KIPVSADM_TEST_DATA;

FakeTable recordedTable()
{
	return parseListing(readFile(dataDir + "/list-nosort.txt"));
}

} /* namespace */

TEST_CASE("the recorded table is listed in ipvsadm's order, wrap-around included", "[kipvsadm]")
{
	FakeProvider provider(recordedTable());

	RunResult sorted = runKipvsadm(provider, { "-Ln" });
	CHECK(sorted.code == 0);
	CHECK(sorted.err.empty());
	CHECK(sorted.out == readFile(dataDir + "/list-sorted.txt"));

	RunResult unsorted = runKipvsadm(provider, { "-Ln", "--nosort" });
	CHECK(unsorted.out == readFile(dataDir + "/list-nosort.txt"));
}

TEST_CASE("IPVS missing, or not root: ipvsadm's message and exit 2", "[kipvsadm]")
{
	FakeProvider missing({});
	missing.openError = EOPNOTSUPP;
	RunResult r = runKipvsadm(missing, { "-Ln" });
	CHECK(r.code == 2);
	CHECK(r.out.empty());
	CHECK(r.err == "Can't initialize ipvs: Protocol not available\n"
		       "Are you sure that IP Virtual Server is built in the kernel or as module?\n");
	/* Like ipvsadm, it tried to load the module once. */
	CHECK(missing.modprobeCalls == 1);

	FakeProvider denied({});
	denied.openError = EPERM;
	r = runKipvsadm(denied, { "-h" });
	CHECK(r.code == 2);
	CHECK(r.err == "Can't initialize ipvs: Permission denied (you must be root)\n"
		       "Are you sure that IP Virtual Server is built in the kernel or as module?\n");
}

TEST_CASE("one service, or no such service", "[kipvsadm]")
{
	FakeProvider provider(recordedTable());

	RunResult r = runKipvsadm(provider, { "-Ln", "-t", "10.0.0.1:80" });
	CHECK(r.code == 0);
	CHECK(r.out == "Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		       "TCP  10.0.0.1:80 rr\n"
		       "  -> 127.0.0.1:22                 Masq    7      0          0         \n"
		       "  -> 192.168.1.10:8080            Masq    1      0          0         \n"
		       "  -> 200.1.0.5:8080               Masq    0      0          0         \n"
		       "  -> 10.1.0.5:8080                Masq    65535  0          0         \n");

	r = runKipvsadm(provider, { "-Ln", "-t", "10.0.0.9:80" });
	CHECK(r.code == 1);
	CHECK(r.out.empty());
	CHECK(r.err == "No such service\n");

	r = runKipvsadm(provider, { "-Ln", "-f", "4294967295" });
	CHECK(r.code == 0);
	CHECK(r.out.find("FWM  -1 rr\n") != std::string::npos);
}

TEST_CASE("timeouts and sync daemons", "[kipvsadm]")
{
	FakeTable table;
	ipvs::SyncDaemon backup;
	backup.role = ipvs::SyncDaemon::Role::Backup;
	backup.multicastInterface = "eth1";
	backup.syncId = 9;
	ipvs::SyncDaemon master;
	master.role = ipvs::SyncDaemon::Role::Master;
	master.multicastInterface = "eth0";
	master.syncId = 255;
	master.syncMaxLength = 1472;
	master.multicastGroup = *IpAddress::parse("224.0.0.81");
	master.multicastPort = 8848;
	master.multicastTtl = 1;
	table.daemons = { backup, master };
	FakeProvider provider(table);

	CHECK(runKipvsadm(provider, { "-L", "--timeout" }).out ==
	      "Timeout (tcp tcpfin udp): 900 120 300\n");
	CHECK(runKipvsadm(provider, { "-L", "--daemon" }).out ==
	      "master sync daemon (mcast=eth0, syncid=255, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n"
	      "backup sync daemon (mcast=eth1, syncid=9)\n");
}

TEST_CASE("modifying commands are left to ipvsadm", "[kipvsadm]")
{
	FakeProvider provider({});
	RunResult r = runKipvsadm(provider, { "-A", "-t", "10.0.0.1:80" });
	CHECK(r.code == 2);
	CHECK(r.out.empty());
	CHECK(r.err.find("ipvsadm") != std::string::npos);
	CHECK(r.err.find("add-service") != std::string::npos);
}
