/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifests source in a temporary directory: each file operation gives
 * exactly the matching events.
 */
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/source/manifests/manifest_source.h"

using namespace kipvs;
using namespace kipvs::proxy;
namespace fs = std::filesystem;

namespace {

/* Every call, in order, as "Service updated default/web"; and the last objects. */
class RecordingHandler : public EventHandler
{
public:
	void serviceUpdated(std::shared_ptr<const Service> service) override
	{
		events.push_back("Service updated " + service->name.toString());
		services[service->name] = *service;
	}
	void serviceDeleted(const ObjectName &name) override
	{
		events.push_back("Service deleted " + name.toString());
		services.erase(name);
	}
	void endpointSliceUpdated(std::shared_ptr<const EndpointSlice> slice) override
	{
		events.push_back("EndpointSlice updated " + slice->name.toString());
		slices[slice->name] = *slice;
	}
	void endpointSliceDeleted(const ObjectName &name) override
	{
		events.push_back("EndpointSlice deleted " + name.toString());
		slices.erase(name);
	}
	void nodeUpdated(std::shared_ptr<const Node> node) override
	{
		events.push_back("Node updated " + node->name.toString());
		nodes[node->name] = *node;
	}
	void nodeDeleted(const ObjectName &name) override
	{
		events.push_back("Node deleted " + name.toString());
		nodes.erase(name);
	}
	void synced() override { events.push_back("synced"); }

	std::vector<std::string> take() { return std::exchange(events, {}); }

	std::vector<std::string> events;
	std::map<ObjectName, Service> services;
	std::map<ObjectName, EndpointSlice> slices;
	std::map<ObjectName, Node> nodes;
};

class TempDir
{
public:
	TempDir()
	{
		char pattern[] = "/tmp/kipvs-manifests-XXXXXX";
		path_ = ::mkdtemp(pattern);
	}
	~TempDir() { fs::remove_all(path_); }

	const std::string &path() const { return path_; }
	std::string operator/(const std::string &name) const { return path_ + "/" + name; }

	/* A plain open-write-close: IN_CREATE, IN_CLOSE_WRITE. */
	void write(const std::string &name, const std::string &text) const
	{
		std::ofstream(*this / name, std::ios::trunc) << text;
	}

private:
	std::string path_;
};

std::string service(const std::string &name, int port)
{
	return "---\napiVersion: v1\nkind: Service\nmetadata: { name: " + name +
	       " }\nspec: { clusterIP: 10.96.0.1, ports: [ { port: " + std::to_string(port) + " } ] }\n";
}

std::string slice(const std::string &name, const std::string &serviceName)
{
	return "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: " + name +
	       ", labels: { kubernetes.io/service-name: " + serviceName +
	       " } }\naddressType: IPv4\nendpoints: [ { addresses: [ 10.244.0.1 ] } ]\n";
}

std::string node(const std::string &name)
{
	return "---\napiVersion: v1\nkind: Node\nmetadata: { name: " + name + " }\n";
}

/*
 * Hand the queued inotify events to the source. The kernel queues them
 * before the file operation returns, so a readable fd is immediate; the
 * timeout only bounds a failure.
 */
void pump(ManifestSource &source)
{
	struct pollfd poller = { source.fd(), POLLIN, 0 };
	if (::poll(&poller, 1, 1000) > 0)
		REQUIRE(source.processEvents());
}

struct Fixture {
	Fixture()
		: source(dir.path(), handler,
			 [this](const std::string &message) { reports.push_back(message); })
	{
		source.setRemovalGrace(std::chrono::milliseconds(20));
	}

	std::vector<std::string> takeReports() { return std::exchange(reports, {}); }

	TempDir dir;
	RecordingHandler handler;
	std::vector<std::string> reports;
	ManifestSource source;
};

} /* namespace */

TEST_CASE("the initial load delivers every file's objects in order, then synced", "[manifest-source]")
{
	Fixture f;
	f.dir.write("b.yaml", service("web", 80) + slice("web-1", "web"));
	f.dir.write("a.json", R"({ "apiVersion": "v1", "kind": "Node", "metadata": { "name": "n1" } })");
	f.dir.write("c.yaml", service("broken", 70000) + service("ok", 81));
	f.dir.write("notes.txt", "not a manifest");
	f.dir.write(".hidden.yaml", service("hidden", 80));
	f.dir.write("d.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n");
	fs::create_directory(f.dir / "sub.yaml");

	REQUIRE(f.source.start());
	CHECK(f.source.fd() >= 0);
	CHECK(f.handler.take() == std::vector<std::string>{
					  "Node updated n1",
					  "Service updated default/ok",
					  "Service updated default/web",
					  "EndpointSlice updated default/web-1",
					  "synced",
				  });
	CHECK(f.takeReports() ==
	      std::vector<std::string>{ f.dir / "c.yaml" + ": Service default/broken: spec.ports[0].port: "
							   "70000 is out of range 1-65535" });

	/* Nothing queued: returns at once, sends nothing. */
	REQUIRE(f.source.processEvents());
	CHECK(f.handler.take().empty());
}

TEST_CASE("a missing directory is an error and sends nothing", "[manifest-source]")
{
	RecordingHandler handler;
	ManifestSource source("/nonexistent/kipvs-manifests", handler, [](const std::string &) {});
	Result<void> result = source.start();
	REQUIRE_FALSE(result);
	CHECK(result.error().code() == ENOENT);
	CHECK(result.error().message() ==
	      "watch manifests directory /nonexistent/kipvs-manifests: No such file or directory");
	CHECK(handler.events.empty());
}

TEST_CASE("file changes become exactly the matching events", "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web") + node("n1"));
	REQUIRE(f.source.start());
	f.handler.take();

	SECTION("a new file")
	{
		f.dir.write("b.yaml", service("api", 443));
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/api" });
	}

	SECTION("one object modified, the others untouched")
	{
		f.dir.write("a.yaml", service("web", 8080) + slice("web-1", "web") + node("n1"));
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
		CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 8080);
	}

	SECTION("the same content again sends nothing")
	{
		f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web") + node("n1"));
		pump(f.source);
		CHECK(f.handler.take().empty());
	}

	SECTION("an object removed from a file")
	{
		f.dir.write("a.yaml", service("web", 80) + node("n1"));
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "EndpointSlice deleted default/web-1" });
	}

	SECTION("a deleted file")
	{
		fs::remove(f.dir / "a.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{
						  "Node deleted n1",
						  "Service deleted default/web",
						  "EndpointSlice deleted default/web-1",
					  });
	}

	SECTION("a file moved out of and back into the directory")
	{
		TempDir elsewhere;
		fs::rename(f.dir / "a.yaml", elsewhere / "a.yaml");
		pump(f.source);
		CHECK(f.handler.take().size() == 3);
		fs::rename(elsewhere / "a.yaml", f.dir / "a.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{
						  "Node updated n1",
						  "Service updated default/web",
						  "EndpointSlice updated default/web-1",
					  });
	}

	SECTION("write to a temporary name, then rename over the file")
	{
		f.dir.write(".a.yaml.swp", service("web", 9090) + slice("web-1", "web") + node("n1"));
		fs::rename(f.dir / ".a.yaml.swp", f.dir / "a.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
		CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 9090);
	}

	SECTION("move the file away, then write it anew (vim's backupcopy=no)")
	{
		fs::rename(f.dir / "a.yaml", f.dir / "a.yaml~");
		f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web") + node("n2"));
		pump(f.source);
		/* One batch: nothing was deleted and added back. */
		CHECK(f.handler.take() == std::vector<std::string>{
						  "Node deleted n1",
						  "Node updated n2",
					  });
	}

	SECTION("a file rewritten a little after it was moved away: the grace covers it")
	{
		f.source.setRemovalGrace(std::chrono::milliseconds(2000));
		fs::rename(f.dir / "a.yaml", f.dir / "a.yaml~");
		/* The writer comes back while processEvents() waits; the wait ends then. */
		std::thread writer([&]() {
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
			f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web") + node("n1"));
		});
		auto start = std::chrono::steady_clock::now();
		pump(f.source);
		writer.join();
		CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
		pump(f.source);
		CHECK(f.handler.take().empty());
	}

	SECTION("a new file still being written is read once it is closed")
	{
		{
			std::ofstream partial(f.dir / "b.yaml");
			partial << service("api", 443) << std::flush;
			pump(f.source);
			CHECK(f.handler.take().empty());
			partial << service("api2", 444);
		}
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/api",
								    "Service updated default/api2" });
	}

	SECTION("a symbolic link to a manifest elsewhere")
	{
		TempDir elsewhere;
		elsewhere.write("x.yaml", service("linked", 80));
		fs::create_symlink(elsewhere / "x.yaml", f.dir / "x.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/linked" });
	}

	SECTION("a file that stops parsing keeps its objects until it is fixed")
	{
		f.dir.write("a.yaml", "spec: [ unclosed\n");
		pump(f.source);
		CHECK(f.handler.take().empty());
		std::vector<std::string> reports = f.takeReports();
		REQUIRE(reports.size() == 1);
		CHECK_THAT(reports[0], Catch::StartsWith(f.dir / "a.yaml" + ": line "));
		CHECK_THAT(reports[0], Catch::EndsWith("; keeping what it served before"));

		/* Fixed with one change: only that change is sent. */
		f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web"));
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Node deleted n1" });
		CHECK(f.takeReports().empty());
	}

	SECTION("an invalid object is reported and dropped, the rest of its file stays")
	{
		f.dir.write("a.yaml", service("web", 0) + slice("web-1", "web") + node("n1"));
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service deleted default/web" });
		CHECK(f.takeReports() ==
		      std::vector<std::string>{ f.dir / "a.yaml" +
						": Service default/web: spec.ports[0].port: 0 is out of range 1-65535" });
	}
}

TEST_CASE("an object in two files: the last file in sort order wins", "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80) + slice("web-1", "web"));
	REQUIRE(f.source.start());
	f.handler.take();

	f.dir.write("b.yaml", service("web", 8080));
	pump(f.source);
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 8080);
	CHECK(f.takeReports() ==
	      std::vector<std::string>{ f.dir / "b.yaml" + ": Service default/web: also defined in " +
					f.dir / "a.yaml" +
					"; this definition is used (the last file in sort order wins)" });

	SECTION("the winner goes: the other definition is served again")
	{
		fs::remove(f.dir / "b.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
		CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 80);
	}

	SECTION("the loser goes: the Service is unchanged")
	{
		fs::remove(f.dir / "a.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "EndpointSlice deleted default/web-1" });
		fs::remove(f.dir / "b.yaml");
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service deleted default/web" });
	}

	SECTION("an object moving between files is one update, not a delete and an add")
	{
		f.dir.write("c.yaml", slice("web-1", "web"));
		f.dir.write("a.yaml", service("web", 80));
		pump(f.source);
		CHECK(f.handler.take().empty());
	}
}

namespace {

/* The queue's length: more events than this and the rest are lost, with IN_Q_OVERFLOW. */
int maxQueuedEvents()
{
	int events = 16384;
	std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> events;
	return events;
}

} /* namespace */

TEST_CASE("an inotify queue overflow rescans: what changed is applied, the rest not read again",
	  "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80));
	f.dir.write("b.yaml", service("broken", 0) + service("ok", 81));
	REQUIRE(f.source.start());
	f.handler.take();
	CHECK(f.takeReports().size() == 1);

	/* Two events per rename, none merged: the queue fills, a.yaml's events are lost. */
	f.dir.write("noise", "");
	for (int i = 0; i <= maxQueuedEvents() / 2; ++i)
		fs::rename(f.dir / (i % 2 ? "noise.old" : "noise"), f.dir / (i % 2 ? "noise" : "noise.old"));
	f.dir.write("a.yaml", service("web", 8080));

	pump(f.source);
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 8080);
	/* b.yaml is unchanged: not parsed again, its problem not reported again. */
	CHECK(f.takeReports().empty());
}

TEST_CASE("a rescan applies the changes inotify did not report", "[manifest-source]")
{
	Fixture f;
	TempDir elsewhere;
	/* A change to a link's target is not reported to the directory's watch. */
	elsewhere.write("x.yaml", service("linked", 80) + slice("linked-1", "linked"));
	fs::create_symlink(elsewhere / "x.yaml", f.dir / "x.yaml");
	f.dir.write("b.yaml", service("broken", 0) + service("ok", 81));
	REQUIRE(f.source.start());
	f.handler.take();
	f.takeReports();

	SECTION("nothing changed: nothing sent, nothing reported again")
	{
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take().empty());
		CHECK(f.takeReports().empty());
	}

	SECTION("a file changed under the same name (sed -i through the link)")
	{
		elsewhere.write(".x.yaml.tmp", service("linked", 80));
		fs::rename(elsewhere / ".x.yaml.tmp", elsewhere / "x.yaml");
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take() == std::vector<std::string>{ "EndpointSlice deleted default/linked-1" });
	}

	SECTION("a file rewritten in place, same size, same times")
	{
		struct stat before;
		REQUIRE(::stat((elsewhere / "x.yaml").c_str(), &before) == 0);
		elsewhere.write("x.yaml", service("linkes", 80) + slice("linked-1", "linked"));
		/* As if within one timestamp tick: only the content tells. */
		struct timespec times[2] = { before.st_atim, before.st_mtim };
		REQUIRE(::utimensat(AT_FDCWD, (elsewhere / "x.yaml").c_str(), times, 0) == 0);
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take() == std::vector<std::string>{ "Service deleted default/linked",
								    "Service updated default/linkes" });
	}

	SECTION("the same content written again: not parsed again")
	{
		elsewhere.write("x.yaml", service("linked", 80) + slice("linked-1", "linked"));
		f.dir.write("b.yaml", service("broken", 0) + service("ok", 81));
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take().empty());
		CHECK(f.takeReports().empty());
	}

	SECTION("a link's target removed")
	{
		fs::remove(elsewhere / "x.yaml");
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take() == std::vector<std::string>{ "Service deleted default/linked",
								    "EndpointSlice deleted default/linked-1" });
	}
}

/*
 * A ConfigMap volume: the files are links through "..data" to a
 * timestamped directory; an update writes a new one, renames a new
 * "..data_tmp" link over "..data" and removes the old directory.
 */
namespace {

struct ConfigMapVolume {
	explicit ConfigMapVolume(const TempDir &directory) : dir(directory) {}

	void update(const std::map<std::string, std::string> &files)
	{
		std::string stamp = "..2026_12_04_01_02_0" + std::to_string(++version) + ".123";
		fs::create_directory(dir / stamp);
		for (const auto &[name, text] : files)
			std::ofstream(dir / stamp + "/" + name) << text;
		fs::create_directory_symlink(stamp, dir / "..data_tmp");
		fs::rename(dir / "..data_tmp", dir / "..data");
		for (const auto &[name, text] : files)
			if (!fs::is_symlink(dir / name))
				fs::create_symlink("..data/" + name, dir / name);
		if (!previous.empty())
			fs::remove_all(dir / previous);
		previous = stamp;
	}

	const TempDir &dir;
	int version = 0;
	std::string previous;
};

} /* namespace */

TEST_CASE("a ConfigMap volume's ..data swap is followed", "[manifest-source]")
{
	Fixture f;
	ConfigMapVolume volume(f.dir);
	volume.update({ { "a.yaml", service("web", 80) }, { "b.yaml", service("api", 443) } });
	REQUIRE(f.source.start());
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/api",
							    "Service updated default/web", "synced" });
	CHECK(f.takeReports().empty());

	volume.update({ { "a.yaml", service("web", 8080) }, { "b.yaml", service("api", 443) } });
	SECTION("as inotify reports it")
	{
		pump(f.source);
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	}
	SECTION("on a rescan, unreported")
	{
		REQUIRE(f.source.rescan());
		CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	}
	CHECK(f.handler.services.at({ "default", "web" }).ports[0].port == 8080);
	CHECK(f.takeReports().empty());
}

TEST_CASE("a removed or renamed directory: what was read stays served until it is back",
	  "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80));
	f.dir.write("b.yaml", service("api", 443));
	REQUIRE(f.source.start());
	f.handler.take();
	const std::string gone = "manifests directory " + f.dir.path() +
				 ": the directory was removed or renamed; serving what was read from "
				 "it until it is back";

	SECTION("removed")
	{
		fs::remove_all(f.dir.path());
	}
	SECTION("renamed")
	{
		fs::rename(f.dir.path(), f.dir.path() + ".old");
		/* Its files change where it went: not the manifests directory's concern. */
		std::ofstream(f.dir.path() + ".old/a.yaml") << service("web", 9999);
		fs::remove_all(f.dir.path() + ".old");
	}
	SECTION("renamed while the inotify queue overflowed: its own event lost")
	{
		f.dir.write("noise", "");
		for (int i = 0; i <= maxQueuedEvents() / 2; ++i)
			fs::rename(f.dir / (i % 2 ? "noise.old" : "noise"),
				   f.dir / (i % 2 ? "noise" : "noise.old"));
		fs::rename(f.dir.path(), f.dir.path() + ".old");
		fs::remove_all(f.dir.path() + ".old");
	}
	pump(f.source);
	CHECK(f.handler.take().empty());
	CHECK(f.takeReports() == std::vector<std::string>{ gone });
	CHECK(f.source.directoryGone());

	/* Still gone: a rescan says nothing more. */
	REQUIRE(f.source.rescan());
	CHECK(f.handler.take().empty());
	CHECK(f.takeReports().empty());

	/* Back, with other contents: the rescan serves them, the watch follows them. */
	fs::create_directory(f.dir.path());
	f.dir.write("b.yaml", service("api", 443));
	f.dir.write("c.yaml", service("db", 5432));
	REQUIRE(f.source.rescan());
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/db",
							    "Service deleted default/web" });
	CHECK(f.takeReports() == std::vector<std::string>{
					 "manifests directory " + f.dir.path() +
					 ": the directory is back; reading it again" });
	CHECK_FALSE(f.source.directoryGone());
	f.dir.write("c.yaml", service("db", 5433));
	pump(f.source);
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/db" });
}

TEST_CASE("a directory replaced by a rename is read at once", "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80));
	REQUIRE(f.source.start());
	f.handler.take();

	const std::string next = f.dir.path() + ".next";
	fs::create_directory(next);
	std::ofstream(next + "/a.yaml") << service("web", 8080);
	fs::remove_all(f.dir.path());
	fs::rename(next, f.dir.path());
	pump(f.source);
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	CHECK_FALSE(f.source.directoryGone());
}

TEST_CASE("an unreported change of the directory itself is found by a rescan", "[manifest-source]")
{
	Fixture f;
	TempDir first, second;
	first.write("a.yaml", service("web", 80));
	second.write("a.yaml", service("web", 8080));
	/* The manifests path is a link: swapping it is no event in either directory. */
	const std::string link = f.dir / "current";
	fs::create_directory_symlink(first.path(), link);
	ManifestSource source(link, f.handler,
			      [&](const std::string &message) { f.reports.push_back(message); });
	REQUIRE(source.start());
	f.handler.take();

	fs::create_directory_symlink(second.path(), f.dir / "next");
	fs::rename(f.dir / "next", link);
	REQUIRE(source.rescan());
	CHECK(f.handler.take() == std::vector<std::string>{ "Service updated default/web" });
	CHECK(f.takeReports() == std::vector<std::string>{ "manifests directory " + link +
							   ": the path names another directory now; reading it" });
}

TEST_CASE("a load told to stop sends nothing", "[manifest-source]")
{
	Fixture f;
	f.dir.write("a.yaml", service("web", 80));
	f.dir.write("b.yaml", service("api", 443));
	int asked = 0;
	Result<void> result = f.source.start([&]() { return ++asked == 2; });
	REQUIRE_FALSE(result);
	CHECK(result.error().code() == ECANCELED);
	CHECK(f.handler.take().empty());
	CHECK(f.source.fd() < 0);
	/* And it can start again, from nothing. */
	REQUIRE(f.source.start());
	CHECK(f.handler.take().size() == 3);
}
