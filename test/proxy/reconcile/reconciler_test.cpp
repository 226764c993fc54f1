/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reconciler against a recording in-memory kernel: cold and repeat
 * syncs, incremental changes, graceful termination, ownership, restarts,
 * tampering and partial failures.
 */
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fake_kernel.h"
#include "proxy/reconcile/reconciler.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::test::FakeKernel;

namespace {

IpAddress ip(const char *text)
{
	return *IpAddress::parse(text);
}

Service service(const char *name, const char *clusterIP, uint16_t port,
		Protocol protocol = Protocol::Tcp)
{
	Service s;
	s.name = { "default", name };
	s.clusterIPs = { ip(clusterIP) };
	s.ports = { { "p", protocol, port, 0 } };
	return s;
}

EndpointSlice slice(const char *serviceName, std::vector<const char *> addresses,
		    Protocol protocol = Protocol::Tcp)
{
	EndpointSlice s;
	s.name = { "default", std::string(serviceName) + "-1" };
	s.service = { "default", serviceName };
	s.ports = { { "p", protocol, 8080 } };
	for (const char *address : addresses) {
		Endpoint e;
		e.address = ip(address);
		e.nodeName = "node-b";
		s.endpoints.push_back(e);
	}
	return s;
}

NodeContext node()
{
	NodeContext n;
	n.nodeName = "node-a";
	n.nodePortAddresses = { ip("192.168.0.10") };
	n.localAddresses = { ip("192.168.0.10") };
	n.otherNodeAddresses = { ip("192.168.0.11") };
	return n;
}

ReconcilerConfig config(const std::string &stateFile = {})
{
	ReconcilerConfig c;
	c.desired.families = { AF_INET };
	c.stateFile = stateFile;
	return c;
}

struct Fixture {
	ServiceCache cache{ "node-a" };
	FakeKernel kernel;
	std::vector<std::string> errors;

	Reconciler make(const ReconcilerConfig &c = config())
	{
		return Reconciler(cache, kernel.tables(), c, [this](LogLevel level, const std::string &text) {
			if (level == LogLevel::Error || level == LogLevel::Warning)
				errors.push_back(text);
		});
	}
};

bool logged(const FakeKernel &kernel, const std::string &text)
{
	return std::find(kernel.log.begin(), kernel.log.end(), text) != kernel.log.end();
}

std::string tempStateFile()
{
	auto path = std::filesystem::temp_directory_path() /
		    ("kipvs-state-" + std::to_string(getpid()) + "-" +
		     std::to_string(rand()));
	return path.string();
}

} /* namespace */

TEST_CASE("a cold sync programs everything, a repeat changes nothing", "[reconciler]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.2.6" }));
	Reconciler reconciler = f.make();

	SyncCounts first = reconciler.syncAll(node());
	/* 1 virtual server + 2 real servers + 1 address + 2 set entries, and the rules. */
	CHECK(first.added == 6);
	CHECK(first.updated == 1);
	CHECK(first.deleted == 0);
	CHECK(first.failed == 0);
	CHECK(f.kernel.linkExists);
	CHECK(f.kernel.addresses == std::set<IpAddress>{ ip("10.96.0.10") });
	CHECK(f.kernel.sets["KUBE-CLUSTER-IP"] ==
	      std::set{ ipset::Entry::ipPort(ip("10.96.0.10"), Protocol::Tcp, 80) });
	CHECK(f.kernel.rules[AF_INET].find("KUBE-CLUSTER-IP") != std::string::npos);
	REQUIRE(f.kernel.servers.size() == 1);
	CHECK(f.kernel.servers.begin()->second.destinations.size() == 2);

	f.kernel.clearLog();
	SyncCounts second = reconciler.syncAll(node());
	CHECK(second.added + second.updated + second.deleted == 0);
	CHECK(f.kernel.log.empty());
}

TEST_CASE("set entries and growing rules go in before the virtual servers, removals after",
	  "[reconciler][order]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	auto at = [&](const std::string &text) {
		auto it = std::find(f.kernel.log.begin(), f.kernel.log.end(), text);
		REQUIRE(it != f.kernel.log.end());
		return it - f.kernel.log.begin();
	};
	/* Cold start: the entries and the rules, then IPVS, then the address. */
	CHECK(at("set add KUBE-CLUSTER-IP 10.96.0.10,tcp:80") < at("restore rules 4"));
	CHECK(at("restore rules 4") < at("add virtual server TCP 10.96.0.10:80 (rr)"));
	CHECK(at("add virtual server TCP 10.96.0.10:80 (rr)") < at("bind 10.96.0.10"));
	f.cache.takeChanged();

	/* A second service: its entry first; the rules do not change. */
	f.kernel.clearLog();
	f.cache.serviceUpdated(service("api", "10.96.0.11", 443));
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(at("set add KUBE-CLUSTER-IP 10.96.0.11,tcp:443") <
	      at("add virtual server TCP 10.96.0.11:443 (rr)"));
	CHECK_FALSE(logged(f.kernel, "restore rules 4"));

	/* Gone: the virtual server, then the address, then the entries. */
	f.kernel.clearLog();
	f.cache.serviceDeleted({ "default", "api" });
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(at("delete virtual server TCP 10.96.0.11:443") < at("unbind 10.96.0.11"));
	CHECK(at("unbind 10.96.0.11") < at("set del KUBE-CLUSTER-IP 10.96.0.11,tcp:443"));

	/* The last ClusterIP gone: the rules shrink after the virtual server went. */
	f.kernel.clearLog();
	f.cache.serviceDeleted({ "default", "web" });
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(at("delete virtual server TCP 10.96.0.10:80") < at("restore rules 4"));
}

TEST_CASE("an incremental sync touches only the changed service", "[reconciler]")
{
	Fixture f;
	for (int i = 0; i < 50; i++) {
		std::string name = "svc" + std::to_string(i);
		std::string address = "10.96.1." + std::to_string(i);
		f.cache.serviceUpdated(service(name.c_str(), address.c_str(), 80));
		f.cache.endpointSliceUpdated(slice(name.c_str(), { "10.244.1.5" }));
	}
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();
	f.kernel.clearLog();

	f.cache.endpointSliceUpdated(slice("svc7", { "10.244.1.5", "10.244.1.6" }));
	SyncCounts counts = reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(counts.added == 1);
	CHECK(counts.updated + counts.deleted == 0);
	CHECK(f.kernel.log == std::vector<std::string>{
				      "add real server 10.244.1.6:8080 (weight 1) of TCP 10.96.1.7:80" });
}

TEST_CASE("removed TCP endpoints drain; UDP endpoints go at once", "[reconciler][graceful]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.2.6" }));
	f.cache.serviceUpdated(service("dns", "10.96.0.53", 53, Protocol::Udp));
	f.cache.endpointSliceUpdated(slice("dns", { "10.244.1.5", "10.244.2.6" }, Protocol::Udp));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();

	f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->activeConnections = 2;
	/* The fake keeps counters; the reconciler sees them on its next read. */
	reconciler.syncAll(node());
	f.kernel.clearLog();

	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	f.cache.endpointSliceUpdated(slice("dns", { "10.244.1.5" }, Protocol::Udp));
	SyncCounts counts = reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(counts.updated == 1);
	CHECK(counts.deleted == 1);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->weight == 0);
	CHECK(f.kernel.destination("UDP 10.96.0.53:53", "10.244.2.6:8080") == nullptr);
	CHECK(reconciler.drainingCount() == 1);

	/* Still connected: stays. */
	CHECK(reconciler.syncDraining().deleted == 0);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080") != nullptr);

	/* Connections ended: deleted. */
	f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->activeConnections = 0;
	CHECK(reconciler.syncDraining().deleted == 1);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080") == nullptr);
	CHECK(reconciler.drainingCount() == 0);
}

TEST_CASE("a leaving TCP endpoint is judged by the kernel's counts of now", "[reconciler][graceful]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.2.6", "10.244.3.7" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();

	/* Connections arrive after kipvs last read the kernel. */
	f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->activeConnections = 1;
	f.kernel.destinationReads = 0;
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	SyncCounts counts = reconciler.syncServices(node(), f.cache.takeChanged());
	/* As kube-proxy: one without connections goes now, one with drains. */
	CHECK(counts.deleted == 1);
	CHECK(counts.updated == 1);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.3.7:8080") == nullptr);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->weight == 0);
	CHECK(reconciler.drainingCount() == 1);
	CHECK(f.kernel.destinationReads == 1);

	/* A change that removes no real server reads nothing. */
	f.kernel.destinationReads = 0;
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.4.8" }));
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.destinationReads == 0);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.4.8:8080") != nullptr);
}

TEST_CASE("a draining endpoint that comes back returns to weight 1", "[reconciler][graceful]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.2.6" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->inactiveConnections = 1;
	reconciler.syncAll(node());
	f.cache.takeChanged();

	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->weight == 0);

	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5", "10.244.2.6" }));
	SyncCounts counts = reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(counts.updated == 1);
	CHECK(f.kernel.destination("TCP 10.96.0.10:80", "10.244.2.6:8080")->weight == 1);
}

TEST_CASE("a deleted service loses its virtual server, address and entries", "[reconciler]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();

	f.cache.serviceDeleted({ "default", "web" });
	SyncCounts counts = reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.servers.empty());
	CHECK(f.kernel.addresses.empty());
	CHECK(f.kernel.sets["KUBE-CLUSTER-IP"].empty());
	CHECK(f.kernel.sets["KUBE-IPVS-IPS"].empty());
	/* The virtual server, the address, two set entries; the rules drop the set matches. */
	CHECK(counts.deleted == 4);
	CHECK(counts.updated == 1);
}

TEST_CASE("foreign virtual servers survive; kipvs's own stale ones do not", "[reconciler][ownership]")
{
	Fixture f;
	std::string stateFile = tempStateFile();
	ipvs::VirtualServer foreign;
	foreign.key = { AF_INET, Protocol::Tcp, ip("192.168.0.100"), 443, 0 };
	f.kernel.servers[foreign.key].server = foreign;

	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.serviceUpdated(service("old", "10.96.0.20", 80));
	{
		Reconciler first = f.make(config(stateFile));
		first.syncAll(node());
	}
	CHECK(f.kernel.servers.size() == 3);

	/* kipvs is down while "old" is deleted; its address is unbound by hand too. */
	f.cache.serviceDeleted({ "default", "old" });
	f.kernel.addresses.erase(ip("10.96.0.20"));

	Reconciler second = f.make(config(stateFile));
	SyncCounts counts = second.syncAll(node());
	CHECK(counts.failed == 0);
	std::vector<std::string> left;
	for (const auto &[key, server] : f.kernel.servers)
		left.push_back(key.toString());
	CHECK(left == std::vector<std::string>{ "TCP 10.96.0.10:80", "TCP 192.168.0.100:443" });
	std::filesystem::remove(stateFile);
}

TEST_CASE("an adopted virtual server is owned and goes with its Service", "[reconciler][ownership]")
{
	/* kube-proxy's NodePort on the node's address: not on kube-ipvs0, not in any record. */
	Fixture f;
	std::string stateFile = tempStateFile();
	Service s = service("web", "10.96.0.10", 80);
	s.type = ServiceType::NodePort;
	s.ports[0].nodePort = 30080;
	ipvs::VirtualServer left;
	left.key = { AF_INET, Protocol::Tcp, ip("192.168.0.10"), 30080, 0 };
	left.scheduler = "rr";
	left.netmask = 0xffffffff;
	left.flags = ipvs::ServiceFlag::Hashed;
	f.kernel.servers[left.key].server = left;
	f.cache.serviceUpdated(s);
	{
		Reconciler first = f.make(config(stateFile));
		first.syncAll(node());
		CHECK(f.kernel.servers.count(left.key));
	}
	/* Deleted while kipvs was down: the restarted one knows it only from the record. */
	f.cache.serviceDeleted({ "default", "web" });
	Reconciler second = f.make(config(stateFile));
	SyncCounts counts = second.syncAll(node());
	CHECK(counts.failed == 0);
	CHECK(f.kernel.servers.empty());
	std::filesystem::remove(stateFile);
}

TEST_CASE("a dry run reads the ownership record, never writes it, and predicts the sync",
	  "[reconciler][ownership]")
{
	Fixture f;
	std::string stateFile = tempStateFile();
	Service s = service("web", "10.96.0.10", 80);
	s.type = ServiceType::NodePort;
	s.ports[0].nodePort = 30080;
	f.cache.serviceUpdated(s);
	f.cache.serviceUpdated(service("db", "10.96.0.20", 5432));
	{
		Reconciler first = f.make(config(stateFile));
		first.syncAll(node());
	}
	auto record = [&]() {
		std::ifstream in(stateFile);
		return std::string(std::istreambuf_iterator<char>(in), {});
	};
	const std::string saved = record();
	REQUIRE(!saved.empty());

	/* Over an unchanged kernel a dry run would do nothing, the rules included. */
	ReconcilerConfig dry = config(stateFile);
	dry.writeState = false;
	f.kernel.clearLog();
	{
		Reconciler reconciler = f.make(dry);
		SyncCounts counts = reconciler.syncAll(node());
		CHECK(counts.added + counts.updated + counts.deleted == 0);
		CHECK(f.kernel.log.empty());
	}

	/* web goes while kipvs is down; what the dry run does is what the sync does. */
	f.cache.serviceDeleted({ "default", "web" });
	FakeKernel before = f.kernel;
	f.kernel.clearLog();
	{
		Reconciler reconciler = f.make(dry);
		reconciler.syncAll(node());
	}
	std::vector<std::string> predicted = f.kernel.log;
	CHECK(logged(f.kernel, "delete virtual server TCP 192.168.0.10:30080"));
	CHECK(record() == saved);

	f.kernel = before;
	f.kernel.clearLog();
	{
		Reconciler reconciler = f.make(config(stateFile));
		reconciler.syncAll(node());
	}
	CHECK(f.kernel.log == predicted);
	CHECK(record() != saved);
	std::filesystem::remove(stateFile);
}

TEST_CASE("virtual servers inside excludeCIDRs are never deleted", "[reconciler][ownership]")
{
	Fixture f;
	ReconcilerConfig c = config();
	c.excludeCIDRs = { *IpPrefix::parse("10.96.9.0/24") };
	ipvs::VirtualServer kept;
	kept.key = { AF_INET, Protocol::Tcp, ip("10.96.9.1"), 80, 0 };
	f.kernel.servers[kept.key].server = kept;
	f.kernel.addresses.insert(ip("10.96.9.1"));
	Reconciler reconciler = f.make(c);
	reconciler.syncAll(node());
	CHECK(f.kernel.servers.count(kept.key));
}

TEST_CASE("a restart over an unchanged kernel changes nothing", "[reconciler][ownership]")
{
	/* kipvs-proxy reads the kernel ahead while the manifests load. */
	bool ahead = GENERATE(false, true);
	Fixture f;
	std::string stateFile = tempStateFile();
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	{
		Reconciler first = f.make(config(stateFile));
		if (ahead)
			first.readKernelAhead();
		first.syncAll(node());
	}
	f.kernel.clearLog();
	Reconciler second = f.make(config(stateFile));
	if (ahead)
		second.readKernelAhead();
	/* The ownership record and the rules' fingerprint come from the state file. */
	SyncCounts counts = second.syncAll(node());
	CHECK(counts.added + counts.updated + counts.deleted == 0);
	CHECK(f.kernel.log.empty());
	std::filesystem::remove(stateFile);
}

TEST_CASE("a full sync repairs tampering", "[reconciler]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());

	f.kernel.servers.clear();                    /* ipvsadm -C */
	f.kernel.sets["KUBE-CLUSTER-IP"].clear();    /* ipset flush */
	f.kernel.addresses.clear();                  /* ip addr del */
	f.kernel.ruleTampering[AF_INET]++;           /* iptables -D */
	SyncCounts counts = reconciler.syncAll(node());
	CHECK(counts.added == 4);
	CHECK(counts.updated == 1);
	CHECK(f.kernel.servers.size() == 1);
	CHECK(f.kernel.addresses.size() == 1);
	CHECK(f.kernel.sets["KUBE-CLUSTER-IP"].size() == 1);
	CHECK(logged(f.kernel, "restore rules 4"));
}

TEST_CASE("a failed read of IPVS is reported and leaves the kept view as it was", "[reconciler]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.endpointSliceUpdated(slice("web", { "10.244.1.5" }));
	f.cache.serviceUpdated(service("api", "10.96.0.11", 443));
	f.cache.endpointSliceUpdated(slice("api", { "10.244.1.6", "10.244.1.7" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	REQUIRE(f.kernel.servers.size() == 2);
	f.cache.takeChanged();
	f.kernel.clearLog();

	/* The first virtual server is handed out, then the read fails. */
	f.kernel.failReadAfter = 1;
	SyncCounts counts = reconciler.syncAll(node());
	CHECK(counts.failed == 1);
	CHECK(counts.added + counts.updated + counts.deleted == 0);
	REQUIRE_FALSE(f.errors.empty());
	CHECK_THAT(f.errors.back(), Catch::Contains("reading the kernel state"));
	CHECK_THAT(f.errors.back(), Catch::Contains("TCP 10.96.0.11:443"));
	CHECK(f.kernel.log.empty());

	/* Had the half read replaced the view, one virtual server would be missing from it. */
	f.kernel.failReadAfter.reset();
	counts = reconciler.syncServices(node(), { { "default", "web" }, { "default", "api" } });
	CHECK(counts.added + counts.updated + counts.deleted + counts.failed == 0);
	CHECK(f.kernel.log.empty());

	counts = reconciler.syncAll(node());
	CHECK(counts.added + counts.updated + counts.deleted + counts.failed == 0);
	CHECK(f.kernel.log.empty());
}

TEST_CASE("a failed change is reported, the rest applied, and retried", "[reconciler]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.serviceUpdated(service("api", "10.96.0.11", 443));
	f.kernel.failMatching = "TCP 10.96.0.11:443";
	Reconciler reconciler = f.make();
	SyncCounts counts = reconciler.syncAll(node());
	CHECK(counts.failed == 1);
	CHECK(f.kernel.servers.size() == 1);
	REQUIRE_FALSE(f.errors.empty());
	CHECK_THAT(f.errors.back(), Catch::Contains("add virtual server TCP 10.96.0.11:443"));

	CHECK(reconciler.retryPending());

	f.kernel.failMatching.clear();
	counts = reconciler.syncServices(node(), {});
	CHECK(counts.added == 1);
	CHECK(f.kernel.servers.size() == 2);
	CHECK_FALSE(reconciler.retryPending());
}

TEST_CASE("a failed address, set or rules change is retried by the next sync and counted",
	  "[reconciler][retry]")
{
	const char *failing = GENERATE("bind 10.96.0.11", "set add KUBE-CLUSTER-IP 10.96.0.11,tcp:443",
				       "restore rules 4");
	INFO("failing: " << failing);
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	f.cache.serviceUpdated(service("api", "10.96.0.11", 443));
	f.kernel.failMatching = failing;
	Reconciler reconciler = f.make();
	SyncCounts counts = reconciler.syncAll(node());
	CHECK(counts.failed == 1);
	CHECK(reconciler.failedChanges() == 1);
	CHECK(reconciler.retryPending());
	REQUIRE_FALSE(f.errors.empty());

	/* Still failing: counted again, still pending. */
	counts = reconciler.syncServices(node(), {});
	CHECK(counts.failed == 1);
	CHECK(reconciler.failedChanges() == 2);
	CHECK(reconciler.retryPending());

	/* The kernel takes it now: a sync that names no service retries it. */
	f.kernel.failMatching.clear();
	f.kernel.clearLog();
	counts = reconciler.syncServices(node(), {});
	CHECK(counts.failed == 0);
	CHECK_FALSE(reconciler.retryPending());
	CHECK(f.kernel.log == std::vector<std::string>{ failing });
	CHECK(f.kernel.addresses.count(ip("10.96.0.11")));
	CHECK(f.kernel.sets["KUBE-CLUSTER-IP"].size() == 2);
	CHECK(f.kernel.rules[AF_INET].find("KUBE-CLUSTER-IP") != std::string::npos);

	/* And nothing more. */
	f.kernel.clearLog();
	reconciler.syncServices(node(), {});
	CHECK(f.kernel.log.empty());
}

TEST_CASE("a set that cannot be created is reported by name and left out; the rest goes in",
	  "[reconciler][sets]")
{
	Fixture f;
	f.cache.serviceUpdated(service("web", "10.96.0.10", 80));
	EndpointSlice local = slice("web", { "10.244.1.5" });
	local.endpoints[0].nodeName = "node-a";
	f.cache.endpointSliceUpdated(local);
	f.kernel.failMatching = "create set KUBE-LOOP-BACK";
	Reconciler reconciler = f.make();
	SyncCounts counts = reconciler.syncAll(node());
	CHECK(counts.failed == 1);
	REQUIRE(f.errors.size() == 1);
	CHECK_THAT(f.errors[0], Catch::Contains("KUBE-LOOP-BACK"));
	/* Everything else: the virtual server, the other sets, rules without the missing set. */
	CHECK(f.kernel.servers.size() == 1);
	CHECK(f.kernel.sets["KUBE-CLUSTER-IP"].size() == 1);
	CHECK_FALSE(f.kernel.sets.count("KUBE-LOOP-BACK"));
	CHECK(f.kernel.rules[AF_INET].find("KUBE-CLUSTER-IP") != std::string::npos);
	CHECK(f.kernel.rules[AF_INET].find("KUBE-LOOP-BACK") == std::string::npos);
	CHECK_FALSE(reconciler.retryPending());

	/* Once it can be made, the next full sync makes it, fills it and matches it. */
	f.kernel.failMatching.clear();
	counts = reconciler.syncAll(node());
	CHECK(counts.failed == 0);
	CHECK(f.kernel.sets["KUBE-LOOP-BACK"].size() == 1);
	CHECK(f.kernel.rules[AF_INET].find("KUBE-LOOP-BACK") != std::string::npos);
}

TEST_CASE("an externalIP of another node is refused once and counted", "[reconciler][guard]")
{
	Fixture f;
	Service s = service("web", "10.96.0.10", 80);
	s.externalIPs = { ip("192.168.0.11") };
	f.cache.serviceUpdated(s);
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	reconciler.syncAll(node());
	CHECK(reconciler.refusalCount() == 1);
	CHECK(f.errors.size() == 1);
	CHECK_FALSE(f.kernel.addresses.count(ip("192.168.0.11")));
}

TEST_CASE("two services claiming one virtual server: the first keeps it", "[reconciler]")
{
	Fixture f;
	Service a = service("a", "10.96.0.10", 80);
	a.externalIPs = { ip("203.0.113.5") };
	Service b = service("b", "10.96.0.11", 80);
	b.externalIPs = { ip("203.0.113.5") };
	f.cache.serviceUpdated(a);
	f.cache.serviceUpdated(b);
	f.cache.endpointSliceUpdated(slice("a", { "10.244.1.5" }));
	f.cache.endpointSliceUpdated(slice("b", { "10.244.9.9" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.1.5:8080"));
	CHECK(reconciler.refusalCount() == 1);

	/* When a goes, b takes over. */
	f.cache.takeChanged();
	f.cache.serviceDeleted({ "default", "a" });
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.9.9:8080"));
	/* a's endpoint had no connections: deleted at once. */
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.1.5:8080") == nullptr);
	CHECK(f.kernel.addresses.count(ip("203.0.113.5")));
}

TEST_CASE("of two services claiming one virtual server the older keeps it, whatever its name",
	  "[reconciler]")
{
	Fixture f;
	Service older = service("zeta", "10.96.0.10", 80);
	older.externalIPs = { ip("203.0.113.5") };
	older.created = 1764806400; /* 2025-12-04 */
	f.cache.serviceUpdated(older);
	f.cache.endpointSliceUpdated(slice("zeta", { "10.244.1.5" }));
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();

	/* A newer Service whose name sorts first asks for the same externalIP and port. */
	Service newer = service("alpha", "10.96.0.11", 80);
	newer.externalIPs = { ip("203.0.113.5") };
	newer.created = older.created + 3600;
	f.cache.serviceUpdated(newer);
	f.cache.endpointSliceUpdated(slice("alpha", { "10.244.9.9" }));
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.1.5:8080"));
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.9.9:8080") == nullptr);
	REQUIRE(f.errors.size() == 1);
	CHECK(f.errors[0] == "refused default/alpha: virtual server TCP 203.0.113.5:80 is already "
			     "served by default/zeta");
	CHECK(reconciler.refusalCount() == 1);

	/* Logged once: a full sync recomputes both and says nothing new. */
	reconciler.syncAll(node());
	CHECK(f.errors.size() == 1);
	CHECK(reconciler.refusalCount() == 1);

	/* An even older one (restored from a backup, say) takes it, and the loser is named. */
	Service oldest = service("mid", "10.96.0.12", 80);
	oldest.externalIPs = { ip("203.0.113.5") };
	oldest.created = older.created - 3600;
	f.cache.serviceUpdated(oldest);
	f.cache.endpointSliceUpdated(slice("mid", { "10.244.7.7" }));
	reconciler.syncServices(node(), f.cache.takeChanged());
	CHECK(f.kernel.destination("TCP 203.0.113.5:80", "10.244.7.7:8080"));
	REQUIRE(f.errors.size() == 2);
	CHECK(f.errors[1] == "refused default/zeta: virtual server TCP 203.0.113.5:80 is already "
			     "served by default/mid");
}

TEST_CASE("a node address change reprograms NodePorts", "[reconciler]")
{
	Fixture f;
	Service s = service("web", "10.96.0.10", 80);
	s.type = ServiceType::NodePort;
	s.ports[0].nodePort = 30080;
	f.cache.serviceUpdated(s);
	Reconciler reconciler = f.make();
	reconciler.syncAll(node());
	f.cache.takeChanged();

	NodeContext moved = node();
	moved.nodePortAddresses = { ip("192.168.0.20") };
	moved.localAddresses = { ip("192.168.0.20") };
	reconciler.syncServices(moved, {});
	std::vector<std::string> keys;
	for (const auto &[key, server] : f.kernel.servers)
		keys.push_back(key.toString());
	CHECK(keys == std::vector<std::string>{ "TCP 10.96.0.10:80", "TCP 192.168.0.20:30080" });
}
