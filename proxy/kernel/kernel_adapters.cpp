/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Adapters from the reconciler's tables to ipvs/, netlink/, ipset/ and iptables.
 */
#include "proxy/kernel/kernel_adapters.h"

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "proxy/kernel/command.h"
#include "proxy/desired/iptables_rules.h"
#include "proxy/reconcile/state_file.h"

namespace kipvs::proxy {

/* ---- IPVS ---------------------------------------------------------------- */

Result<void> KernelIpvsTable::readServers(const std::function<void(IpvsEntry &&)> &visit)
{
	return client_.forEachService([&](ipvs::Client::ServiceWithDestinations &&item) {
		visit({ std::move(item.service), std::move(item.destinations) });
	});
}

Result<std::vector<ipvs::RealServer>> KernelIpvsTable::readDestinations(const ipvs::ServiceKey &key)
{
	return client_.listRealServers(key);
}

std::vector<Result<void>> KernelIpvsTable::apply(const std::vector<ipvs::Change> &changes)
{
	/*
	 * No ACK per change: the kernel answers failures only (attributed to
	 * their change all the same), so a cold sync's 55,000 changes do not
	 * come back as 55,000 messages to read.
	 */
	ipvs::ApplyOptions options;
	options.ackEach = false;
	return client_.applyBatch(changes, options);
}

/* ---- kube-ipvs0 ------------------------------------------------------------ */

Result<void> KernelAddressTable::ensureLink()
{
	auto link = netlink::DummyLink::ensure(linkName_);
	if (!link)
		return link.error();
	link_.emplace(std::move(*link));
	return {};
}

Result<std::set<IpAddress>> KernelAddressTable::readAddresses()
{
	if (!link_) {
		auto link = netlink::DummyLink::find(linkName_);
		if (!link) {
			/* No link yet: nothing bound. */
			if (link.error().code() == ENODEV)
				return std::set<IpAddress>{};
			return link.error();
		}
		link_.emplace(std::move(*link));
	}
	auto addresses = link_->addresses();
	if (!addresses)
		return addresses.error();
	return std::set<IpAddress>(addresses->begin(), addresses->end());
}

std::vector<Result<void>> KernelAddressTable::apply(const std::vector<IpAddress> &add,
						    const std::vector<IpAddress> &remove)
{
	std::vector<Result<void>> results;
	if (!link_) {
		if (auto linked = ensureLink(); !linked) {
			results.assign(add.size() + remove.size(), linked.error());
			return results;
		}
	}
	results = link_->addAddresses(add);
	/* Already there, or already gone: the state asked for is reached. */
	for (auto &result : results)
		if (!result && result.error().code() == EEXIST)
			result = {};
	auto removed = link_->deleteAddresses(remove);
	for (auto &result : removed) {
		if (!result && result.error().code() == EADDRNOTAVAIL)
			result = {};
		results.push_back(std::move(result));
	}
	return results;
}

/* ---- ipsets -------------------------------------------------------------- */

std::vector<Result<void>> KernelSetTable::ensureSets(const std::vector<ipset::SetSpec> &specs)
{
	std::vector<Result<void>> results;
	for (const ipset::SetSpec &spec : specs) {
		Result<void> created = session_.create(spec);
		if (!created && created.error().code() == EEXIST) {
			/* Left with another type or options (another version, another tool): made anew. */
			if (auto destroyed = session_.destroy(spec.name); destroyed)
				created = session_.create(spec);
			else
				created = Error(destroyed.error().code(), "recreate set", spec.name,
						created.error().kernelMessage() +
							"; it cannot be destroyed (" +
							destroyed.error().kernelMessage() + ")");
		}
		if (created)
			types_[spec.name] = spec.type;
		results.push_back(std::move(created));
	}
	return results;
}

Result<SetMembers> KernelSetTable::readSets(const std::vector<std::string> &names)
{
	auto present = session_.listSetNames();
	if (!present)
		return present.error();
	std::set<std::string> existing(present->begin(), present->end());

	SetMembers result;
	for (const std::string &name : names) {
		if (!existing.count(name))
			continue;
		auto entries = session_.listEntries(name);
		if (!entries)
			return entries.error();
		types_[name] = entries->type;
		std::set<ipset::Entry> &members = result[name];
		for (ipset::Entry &entry : entries->entries)
			members.insert(std::move(entry));
	}
	return result;
}

std::vector<Result<void>> KernelSetTable::apply(const std::vector<SetChange> &changes)
{
	std::map<std::string, ipset::SetDiff> diffs;
	std::vector<Result<void>> results(changes.size());
	for (size_t i = 0; i < changes.size(); i++) {
		const SetChange &change = changes[i];
		auto type = types_.find(change.set);
		if (type == types_.end()) {
			results[i] = Error(ENOENT, "change set", change.set);
			continue;
		}
		if (change.entry.type() != type->second) {
			results[i] = Error(EINVAL, "change set",
					   change.set + " (entry " + change.entry.toString() +
						   " is of another set type)");
			continue;
		}
		ipset::SetDiff &diff = diffs[change.set];
		diff.set = change.set;
		diff.type = type->second;
		(change.add ? diff.toAdd : diff.toDelete).push_back(change.entry);
	}

	std::vector<ipset::SetDiff> batch;
	for (auto &[name, diff] : diffs)
		batch.push_back(std::move(diff));
	auto applied = session_.apply(batch);
	if (applied)
		return results;

	/*
	 * The batch stopped at an entry the kernel refused; what came before it
	 * is applied. Read the sets back to tell each change's fate.
	 */
	std::vector<std::string> names;
	for (const auto &[name, diff] : diffs)
		names.push_back(name);
	auto now = readSets(names);
	for (size_t i = 0; i < changes.size(); i++) {
		if (!results[i])
			continue;
		const SetChange &change = changes[i];
		bool present = now && (*now)[change.set].count(change.entry);
		if (!now || present != change.add)
			results[i] = applied.error();
	}
	return results;
}

/* ---- iptables ------------------------------------------------------------ */

namespace {

const char *tool(int family, const char *name)
{
	static const std::map<std::string, std::pair<const char *, const char *>> tools = {
		{ "restore", { "iptables-restore", "ip6tables-restore" } },
		{ "save", { "iptables-save", "ip6tables-save" } },
	};
	const auto &pair = tools.at(name);
	return family == AF_INET6 ? pair.second : pair.first;
}

/*
 * The lines of the nat and filter tables that mention a KUBE- chain, from
 * one iptables-save run (a table not loaded has none).
 */
Result<std::map<std::string, std::vector<std::string>>> kubeLines(int family)
{
	auto saved = runCommand({ tool(family, "save") });
	if (!saved)
		return saved.error();
	std::map<std::string, std::vector<std::string>> lines = { { "nat", {} }, { "filter", {} } };
	std::vector<std::string> *table = nullptr;
	std::istringstream in(*saved);
	std::string line;
	while (std::getline(in, line)) {
		if (!line.empty() && line[0] == '*') {
			auto it = lines.find(line.substr(1));
			table = it == lines.end() ? nullptr : &it->second;
			continue;
		}
		if (table && line.find("KUBE-") != std::string::npos)
			table->push_back(line);
	}
	return lines;
}

/* The jump as iptables-save prints it. */
std::string jumpLine(const JumpRule &jump)
{
	return std::string("-A ") + jump.from + " -m comment --comment \"" + jump.comment +
	       "\" -j " + jump.to;
}

} /* namespace */

Result<std::string> KernelRuleTable::fingerprint(int family)
{
	auto tables = kubeLines(family);
	if (!tables)
		return tables.error();
	std::string lines;
	for (const char *table : { "nat", "filter" }) {
		for (std::string line : (*tables)[table]) {
			/* Counters change with traffic; the rules do not. */
			if (line[0] == ':')
				line = line.substr(0, line.find(' '));
			lines += std::string(table) + " " + line + "\n";
		}
	}
	return stableHash(lines);
}

/*
 * One iptables-save to see which jumps are missing, then one
 * iptables-restore that rewrites kipvs's chains and inserts those jumps
 * (each at position 1, in order, as separate inserts would).
 */
Result<void> KernelRuleTable::restore(int family, const std::string &ruleset)
{
	auto present = kubeLines(family);
	if (!present)
		return present.error().withContext("read the jumps into kipvs's chains");
	std::map<std::string, std::string> inserts;
	for (const JumpRule &jump : jumpRules()) {
		const std::vector<std::string> &lines = (*present)[jump.table];
		if (std::find(lines.begin(), lines.end(), jumpLine(jump)) != lines.end())
			continue;
		inserts[jump.table] += std::string("-I ") + jump.from + " 1 -m comment --comment \"" +
				       jump.comment + "\" -j " + jump.to + "\n";
	}

	std::string input;
	std::istringstream in(ruleset);
	std::string line, table;
	while (std::getline(in, line)) {
		if (!line.empty() && line[0] == '*')
			table = line.substr(1);
		if (line == "COMMIT") {
			input += inserts[table];
			inserts.erase(table);
		}
		input += line + "\n";
	}
	for (const auto &[name, lines] : inserts)
		if (!lines.empty())
			input += "*" + name + "\n" + lines + "COMMIT\n";

	auto restored = runCommand({ tool(family, "restore"), "--noflush", "-w", "5" }, input);
	if (!restored)
		return restored.error().withContext("write kipvs's chains and their jumps");
	return {};
}

/* ---- all of them ----------------------------------------------------------- */

Result<KernelBackend> KernelBackend::open()
{
	auto client = ipvs::Client::open();
	if (!client)
		return client.error();
	auto session = ipset::Session::open();
	if (!session)
		return session.error();
	KernelBackend backend;
	backend.ipvs = std::make_unique<KernelIpvsTable>(std::move(*client));
	backend.addresses = std::make_unique<KernelAddressTable>();
	backend.sets = std::make_unique<KernelSetTable>(std::move(*session));
	backend.rules = std::make_unique<KernelRuleTable>();
	return backend;
}

} /* namespace kipvs::proxy */
