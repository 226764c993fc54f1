/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service shapes as data: every directory under test/proxy/reconcile/cases/ holds
 * manifests and a `case` file (node, flags, the kernel before, the steps,
 * the kernel expected after each). Each case runs through kipvs's own
 * manifest parser, the ServiceCache, desired state and the reconciler over
 * the recording fake kernel; a mismatch prints a diff naming the case.
 * test/proxy/reconcile/cases/README.md describes the format.
 */
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fake_kernel.h"
#include "proxy/config/config.h"
#include "proxy/source/manifests/manifest_parser.h"
#include "proxy/desired/node_context.h"
#include "proxy/desired/owned_sets.h"
#include "proxy/reconcile/reconciler_config.h"
#include "proxy/reconcile/reconciler.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::test::FakeKernel;

namespace fs = std::filesystem;

namespace {

/* One directive of a case file, with the indented block that follows it. */
struct Directive {
	std::string keyword;
	std::string argument;
	std::vector<std::string> block;
	int line = 0;
};

std::string trim(const std::string &text)
{
	size_t begin = text.find_first_not_of(" \t");
	if (begin == std::string::npos)
		return {};
	size_t end = text.find_last_not_of(" \t");
	return text.substr(begin, end - begin + 1);
}

std::vector<std::string> words(const std::string &text)
{
	std::istringstream in(text);
	std::vector<std::string> out;
	for (std::string word; in >> word;)
		out.push_back(word);
	return out;
}

uint32_t toU32(const std::string &text)
{
	return static_cast<uint32_t>(std::stoul(text));
}

std::string readText(const fs::path &path)
{
	std::ifstream in(path);
	REQUIRE(in);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

/*
 * Directives start in column 0 ("keyword argument" or "keyword:"); a block
 * is the indented lines after a "keyword:" line, two spaces of indent
 * removed. Lines starting with # and blank lines are ignored.
 */
std::vector<Directive> parseCase(const std::string &text)
{
	std::vector<Directive> directives;
	std::istringstream in(text);
	int number = 0;
	for (std::string line; std::getline(in, line);) {
		number++;
		if (trim(line).empty() || trim(line)[0] == '#')
			continue;
		if (line[0] == ' ') {
			INFO("line " << number << ": an indented line outside a block");
			REQUIRE(!directives.empty());
			REQUIRE(line.compare(0, 2, "  ") == 0);
			directives.back().block.push_back(line.substr(2));
			continue;
		}
		Directive directive;
		directive.line = number;
		size_t space = line.find(' ');
		directive.keyword = line.substr(0, space);
		if (space != std::string::npos)
			directive.argument = trim(line.substr(space + 1));
		directives.push_back(directive);
	}
	return directives;
}

IpAddress address(const std::string &text)
{
	auto parsed = IpAddress::parse(text);
	INFO("address " << text);
	REQUIRE(parsed);
	return *parsed;
}

/* "10.0.0.1:80" or "[fd00::1]:80" */
std::pair<IpAddress, uint16_t> hostPort(const std::string &text)
{
	size_t colon = text.rfind(':');
	INFO("address:port " << text);
	REQUIRE(colon != std::string::npos);
	std::string host = text.substr(0, colon);
	if (host.size() > 2 && host.front() == '[')
		host = host.substr(1, host.size() - 2);
	return { address(host), static_cast<uint16_t>(std::stoi(text.substr(colon + 1))) };
}

Protocol protocol(const std::string &name)
{
	if (name == "TCP")
		return Protocol::Tcp;
	if (name == "UDP")
		return Protocol::Udp;
	INFO("protocol " << name);
	REQUIRE(name == "SCTP");
	return Protocol::Sctp;
}

const std::vector<std::pair<uint32_t, const char *>> kFlagNames = {
	{ ipvs::ServiceFlag::OnePacket, "one-packet" },
	{ ipvs::ServiceFlag::Sched1, "sched1" },
	{ ipvs::ServiceFlag::Sched2, "sched2" },
	{ ipvs::ServiceFlag::Sched3, "sched3" },
};

/* "TCP 10.0.0.1:80 rr [persistent 10800] [sched2] [netmask N]" */
std::string describe(const ipvs::VirtualServer &server)
{
	std::string text = server.key.toString() + " " + server.scheduler;
	if (server.flags & ipvs::ServiceFlag::Persistent)
		text += " persistent " + std::to_string(server.timeout);
	for (const auto &[flag, name] : kFlagNames)
		if (server.flags & flag)
			text += std::string(" ") + name;
	uint32_t host = server.key.family == AF_INET ? 0xffffffff : 128;
	if (server.netmask != host)
		text += " netmask " + std::to_string(server.netmask);
	return text;
}

/* "-> 10.244.1.5:8080 weight 1" (a forwarding method other than masq is named) */
std::string describe(const ipvs::RealServer &server)
{
	std::string text = "-> " + server.toString() + " weight " + std::to_string(server.weight);
	if (server.method != ipvs::ForwardMethod::Masq)
		text += " method " + std::to_string(static_cast<uint32_t>(server.method));
	return text;
}

/* The type of one of kipvs's sets, by name. */
ipset::SetType setType(const std::string &name)
{
	for (int family : { AF_INET, AF_INET6 })
		for (const ipset::SetSpec &spec : ownedSets(family))
			if (spec.name == name)
				return spec.type;
	FAIL("no set " << name << " among kipvs's sets");
	return {};
}

/*
 * The kernel before kipvs starts, in the dump's own syntax:
 * a virtual-server line, its "-> addr:port weight W [active A] [inactive I]"
 * lines, "address IP", "set NAME ENTRY".
 */
void loadKernel(FakeKernel &kernel, const std::vector<std::string> &block)
{
	ipvs::ServiceKey current;
	bool haveServer = false;
	for (const std::string &line : block) {
		std::vector<std::string> w = words(line);
		INFO("kernel line: " << line);
		REQUIRE(!w.empty());
		if (w[0] == "->") {
			REQUIRE(haveServer);
			REQUIRE(w.size() >= 4);
			ipvs::RealServer server;
			std::tie(server.address, server.port) = hostPort(w[1]);
			server.family = server.address.family();
			server.weight = std::stoi(w[3]);
			for (size_t i = 4; i + 1 < w.size(); i += 2) {
				if (w[i] == "active")
					server.activeConnections = toU32(w[i + 1]);
				else if (w[i] == "inactive")
					server.inactiveConnections = toU32(w[i + 1]);
				else
					FAIL("unknown real server attribute " << w[i]);
			}
			kernel.servers[current].destinations.push_back(server);
		} else if (w[0] == "address") {
			REQUIRE(w.size() == 2);
			kernel.addresses.insert(address(w[1]));
			kernel.linkExists = true;
		} else if (w[0] == "set") {
			REQUIRE(w.size() == 3);
			auto entry = ipset::Entry::parse(setType(w[1]), w[2]);
			INFO((entry ? "" : entry.error().message()));
			REQUIRE(entry);
			kernel.sets[w[1]].insert(*entry);
		} else {
			REQUIRE(w.size() >= 3);
			ipvs::VirtualServer server;
			auto [host, port] = hostPort(w[1]);
			server.key = { host.family(), protocol(w[0]), host, port, 0 };
			server.netmask = host.family() == AF_INET ? 0xffffffff : 128;
			server.scheduler = w[2];
			server.flags = ipvs::ServiceFlag::Hashed;
			for (size_t i = 3; i < w.size(); i++) {
				if (w[i] == "persistent") {
					REQUIRE(i + 1 < w.size());
					server.flags |= ipvs::ServiceFlag::Persistent;
					server.timeout = toU32(w[++i]);
				} else {
					auto flag = std::find_if(kFlagNames.begin(), kFlagNames.end(),
								 [&](const auto &f) { return w[i] == f.second; });
					REQUIRE(flag != kFlagNames.end());
					server.flags |= flag->first;
				}
			}
			kernel.servers[server.key].server = server;
			current = server.key;
			haveServer = true;
		}
	}
}

/*
 * A dump as entries: a virtual server with its real servers is one entry
 * (real servers sorted), every other line is one; entries sorted, so the
 * order the case file lists them in does not matter.
 */
std::vector<std::string> canonical(const std::vector<std::string> &lines)
{
	std::vector<std::vector<std::string>> entries;
	for (const std::string &raw : lines) {
		std::string line = trim(raw);
		if (line.compare(0, 2, "->") == 0 && !entries.empty())
			entries.back().push_back("  " + line);
		else
			entries.push_back({ line });
	}
	for (auto &entry : entries)
		std::sort(entry.begin() + 1, entry.end());
	std::sort(entries.begin(), entries.end());
	std::vector<std::string> out;
	for (const auto &entry : entries)
		out.insert(out.end(), entry.begin(), entry.end());
	return out;
}

/* A line diff (longest common subsequence): "  same", "- expected only", "+ actual only". */
std::string diff(const std::vector<std::string> &expected, const std::vector<std::string> &actual)
{
	size_t n = expected.size(), m = actual.size();
	std::vector<std::vector<size_t>> common(n + 1, std::vector<size_t>(m + 1, 0));
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			common[i][j] = expected[i] == actual[j]
					       ? common[i + 1][j + 1] + 1
					       : std::max(common[i + 1][j], common[i][j + 1]);
	std::string out;
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && expected[i] == actual[j]) {
			out += "    " + expected[i++] + "\n";
			j++;
		} else if (j < m && (i == n || common[i][j + 1] >= common[i + 1][j])) {
			out += "  + " + actual[j++] + "\n";
		} else {
			out += "  - " + expected[i++] + "\n";
		}
	}
	return out;
}

/* An iptables rule without its `-m comment --comment ...`, as cases name rules. */
std::string withoutComment(const std::string &rule)
{
	static const std::regex comment(" -m comment --comment (\"[^\"]*\"|[^ ]+)");
	return std::regex_replace(rule, comment, "");
}

std::string tempStateFile(const std::string &caseName)
{
	return (fs::temp_directory_path() /
		("kipvs-case-" + caseName + "-" + std::to_string(getpid())))
		.string();
}

class CaseRun
{
public:
	CaseRun(const fs::path &dir) : dir_(dir), name_(dir.filename().string()) {}
	~CaseRun() { std::error_code ignored; fs::remove(stateFile_, ignored); }

	void run();

private:
	void configure(const std::vector<Directive> &directives);
	void apply(const std::string &file);
	void remove(const std::string &argument);
	void startReconciler();
	NodeContext node() const;
	std::vector<std::string> dump(const std::vector<std::string> &expected);
	void check(const Directive &expect);
	void checkChanges(const Directive &changes);

	fs::path dir_;
	std::string name_;
	std::string stateFile_;
	Config config_;
	std::set<IpAddress> addresses_;
	ListeningSockets listening_;
	std::unique_ptr<ServiceCache> cache_;
	FakeKernel kernel_;
	std::unique_ptr<Reconciler> reconciler_;
	std::vector<std::string> messages_;
	std::vector<std::string> lastChanges_;
	bool sawFrom_ = false;
	/* A `bug` line: the case shows a known bug and must still fail. */
	std::string bug_;
	int checks_ = 0;
	std::vector<std::string> mismatches_;
};

void CaseRun::configure(const std::vector<Directive> &directives)
{
	std::string nodeName = "test-node";
	std::vector<std::string> args{ "kipvs-proxy" };
	std::string listeningText[2];
	for (const Directive &d : directives) {
		if (d.keyword == "from" || d.keyword == "covers") {
			sawFrom_ = !d.argument.empty();
		} else if (d.keyword == "bug") {
			bug_ = d.argument;
		} else if (d.keyword == "node") {
			nodeName = d.argument;
		} else if (d.keyword == "addresses") {
			for (const std::string &w : words(d.argument))
				addresses_.insert(address(w));
		} else if (d.keyword == "flags") {
			for (const std::string &w : words(d.argument))
				args.push_back(w);
		} else if (d.keyword == "listening") {
			/* "tcp 10.0.0.1:80": a host socket the guard must respect */
			std::vector<std::string> w = words(d.argument);
			REQUIRE(w.size() == 2);
			auto [host, port] = hostPort(w[1]);
			REQUIRE(host.isV4());
			char line[160];
			uint32_t raw = 0;
			memcpy(&raw, host.data(), 4);
			snprintf(line, sizeof(line),
				 "  0: %08X:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
				 raw, port);
			listeningText[w[0] == "udp"] += line;
		} else if (d.keyword == "kernel:") {
			loadKernel(kernel_, d.block);
		}
	}
	const char *header = "  sl  local_address rem_address   st\n";
	listening_.parse(header + listeningText[0], Protocol::Tcp, true);
	listening_.parse(header + listeningText[1], Protocol::Udp, false);

	std::vector<const char *> argv;
	for (const std::string &a : args)
		argv.push_back(a.c_str());
	auto parsed = parseFlags(static_cast<int>(argv.size()), argv.data());
	INFO("flags: " << (parsed ? "" : parsed.error().message()));
	REQUIRE(parsed);
	config_ = *parsed;
	cache_ = std::make_unique<ServiceCache>(nodeName);
	stateFile_ = tempStateFile(name_);
	std::error_code ignored;
	fs::remove(stateFile_, ignored);
}

void CaseRun::apply(const std::string &file)
{
	fs::path path = dir_ / file;
	INFO("manifest " << path.string());
	REQUIRE(fs::exists(path));
	ManifestFile manifest = parseManifest(readText(path), file);
	REQUIRE(manifest.parsed());
	for (const ManifestProblem &problem : manifest.errors)
		messages_.push_back("problem " + problem.message());
	for (const ManifestProblem &problem : manifest.notes)
		messages_.push_back("note " + problem.message());
	for (const Node &node : manifest.nodes)
		cache_->nodeUpdated(node);
	for (const Service &service : manifest.services)
		cache_->serviceUpdated(service);
	for (const EndpointSlice &slice : manifest.endpointSlices)
		cache_->endpointSliceUpdated(slice);
}

/* "Service ns/name", "EndpointSlice ns/name", "Node name" */
void CaseRun::remove(const std::string &argument)
{
	std::vector<std::string> w = words(argument);
	REQUIRE(w.size() == 2);
	ObjectName name;
	size_t slash = w[1].find('/');
	if (slash == std::string::npos)
		name.name = w[1];
	else
		name = { w[1].substr(0, slash), w[1].substr(slash + 1) };
	if (w[0] == "Service")
		cache_->serviceDeleted(name);
	else if (w[0] == "EndpointSlice")
		cache_->endpointSliceDeleted(name);
	else if (w[0] == "Node")
		cache_->nodeDeleted(name);
	else
		FAIL("cannot delete a " << w[0]);
}

/* As the daemon configures it, with a private state file. */
void CaseRun::startReconciler()
{
	ReconcilerConfig rc = makeReconcilerConfig(config_, addresses_, stateFile_);
	/* One fake kernel serves every table: keep its log in order. */
	rc.rulesInParallel = false;
	reconciler_.reset();
	reconciler_ = std::make_unique<Reconciler>(
		*cache_, kernel_.tables(), rc, [this](LogLevel level, const std::string &text) {
			if (level == LogLevel::Error)
				messages_.push_back("error " + text);
			else if (level == LogLevel::Warning)
				messages_.push_back("warning " + text);
		});
}

NodeContext CaseRun::node() const
{
	return makeNodeContext(config_, *cache_, addresses_, listening_);
}

/* The fake kernel and the messages since the last check, as lines. */
std::vector<std::string> CaseRun::dump(const std::vector<std::string> &expected)
{
	std::vector<std::string> lines;
	for (const auto &[key, entry] : kernel_.servers) {
		lines.push_back(describe(entry.server));
		for (const ipvs::RealServer &server : entry.destinations)
			lines.push_back("  " + describe(server));
	}
	for (const IpAddress &a : kernel_.addresses)
		lines.push_back("address " + a.toString());
	for (const auto &[set, entries] : kernel_.sets)
		for (const ipset::Entry &entry : entries)
			lines.push_back("set " + set + " " + entry.toString());
	lines.insert(lines.end(), messages_.begin(), messages_.end());
	/*
	 * Rules are checked by presence ("rule4 RULE") or absence ("no-rule4
	 * RULE"), comments left out: the case lists the lines it cares about.
	 */
	for (const std::string &line : expected) {
		std::string text = trim(line);
		bool absent = text.compare(0, 3, "no-") == 0;
		std::string rest = absent ? text.substr(3) : text;
		for (int family : { AF_INET, AF_INET6 }) {
			std::string prefix = family == AF_INET ? "rule4 " : "rule6 ";
			if (rest.compare(0, prefix.size(), prefix) != 0)
				continue;
			std::istringstream ruleset(kernel_.rules[family]);
			bool found = false;
			for (std::string rule; !found && std::getline(ruleset, rule);)
				found = withoutComment(rule) == rest.substr(prefix.size());
			if (found != absent)
				lines.push_back(text);
		}
	}
	return lines;
}

void CaseRun::check(const Directive &expect)
{
	checks_++;
	std::vector<std::string> want = canonical(expect.block);
	std::vector<std::string> got = canonical(dump(expect.block));
	messages_.clear();
	if (want == got)
		return;
	/* A missing rule is easier to fix with the whole ruleset at hand. */
	std::string rules;
	for (const std::string &line : want)
		if (line.compare(0, 4, "rule") == 0 &&
		    std::find(got.begin(), got.end(), line) == got.end())
			rules = "IPv4 ruleset:\n" + kernel_.rules[AF_INET] + "IPv6 ruleset:\n" +
				kernel_.rules[AF_INET6];
	mismatches_.push_back("case " + name_ + ", expect: at line " + std::to_string(expect.line) +
			      " of its case file (- expected, + kipvs):\n" + diff(want, got) + rules);
}

void CaseRun::checkChanges(const Directive &changes)
{
	checks_++;
	std::vector<std::string> want;
	for (const std::string &line : changes.block)
		want.push_back(trim(line));
	if (want != lastChanges_)
		mismatches_.push_back("case " + name_ + ", changes: at line " +
				      std::to_string(changes.line) +
				      " of its case file (- expected, + kipvs, in order):\n" +
				      diff(want, lastChanges_));
}

void CaseRun::run()
{
	std::vector<Directive> directives = parseCase(readText(dir_ / "case"));
	configure(directives);
	{
		INFO("case " << name_ << ": a `from` (the upstream test) or `covers` line");
		REQUIRE(sawFrom_);
	}

	if (fs::exists(dir_ / "objects.yaml"))
		apply("objects.yaml");
	startReconciler();
	kernel_.clearLog();
	reconciler_->syncAll(node());
	cache_->takeChanged();
	cache_->takeNodesChanged();
	lastChanges_ = kernel_.log;

	for (const Directive &d : directives) {
		INFO("case " << name_ << ", line " << d.line << ": " << d.keyword << " " << d.argument);
		if (d.keyword == "expect:") {
			check(d);
		} else if (d.keyword == "changes:") {
			checkChanges(d);
		} else if (d.keyword == "apply") {
			apply(d.argument);
		} else if (d.keyword == "delete") {
			remove(d.argument);
		} else if (d.keyword == "connections") {
			/* "TCP 10.0.0.1:80 10.244.1.5:80 ACTIVE INACTIVE" */
			std::vector<std::string> w = words(d.argument);
			REQUIRE(w.size() == 5);
			ipvs::RealServer *server = kernel_.destination(w[0] + " " + w[1], w[2]);
			REQUIRE(server);
			server->activeConnections = toU32(w[3]);
			server->inactiveConnections = toU32(w[4]);
		} else if (d.keyword == "sync" || d.keyword == "full-sync" || d.keyword == "drain" ||
			   d.keyword == "restart") {
			kernel_.clearLog();
			if (d.keyword == "sync") {
				bool nodes = cache_->takeNodesChanged();
				std::set<ObjectName> changed = cache_->takeChanged();
				/* As the daemon does: a Node change recomputes every service. */
				if (nodes)
					for (const auto &[name, service] : cache_->services())
						changed.insert(name);
				reconciler_->syncServices(node(), changed);
			} else if (d.keyword == "drain") {
				reconciler_->syncDraining();
			} else {
				if (d.keyword == "restart")
					startReconciler();
				cache_->takeChanged();
				cache_->takeNodesChanged();
				reconciler_->syncAll(node());
			}
			lastChanges_ = kernel_.log;
		} else if (d.keyword != "from" && d.keyword != "covers" && d.keyword != "differs" &&
			   d.keyword != "bug" &&
			   d.keyword != "node" && d.keyword != "addresses" && d.keyword != "flags" &&
			   d.keyword != "listening" && d.keyword != "kernel:") {
			FAIL("unknown directive " << d.keyword);
		}
	}
	{
		INFO("case " << name_ << " checks nothing");
		CHECK(checks_ > 0);
	}

	/*
	 * A case marked `bug` expects what kube-proxy (or kipvs's design) does
	 * and kipvs does not yet: it is reported, and must keep failing until
	 * the bug is fixed and the line removed.
	 */
	if (!bug_.empty()) {
		if (mismatches_.empty())
			FAIL_CHECK("case " << name_ << " passes now: remove its `bug` line (" << bug_
					   << ")");
		else
			WARN("known bug, case " << name_ << ": " << bug_ << "\n" << mismatches_.front());
		return;
	}
	for (const std::string &mismatch : mismatches_)
		FAIL_CHECK(mismatch);
}

std::vector<fs::path> caseDirectories()
{
	std::vector<fs::path> dirs;
	for (const auto &entry : fs::directory_iterator(KIPVS_CASES_DIR))
		if (entry.is_directory())
			dirs.push_back(entry.path());
	std::sort(dirs.begin(), dirs.end());
	return dirs;
}

} /* namespace */

TEST_CASE("every service-shape case gives the kernel state it expects", "[cases]")
{
	std::vector<fs::path> dirs = caseDirectories();
	REQUIRE(dirs.size() >= 40);
	for (const fs::path &dir : dirs) {
		DYNAMIC_SECTION(dir.filename().string())
		{
			CaseRun run(dir);
			run.run();
		}
	}
}
