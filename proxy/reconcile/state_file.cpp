/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state file: a small line format, written atomically.
 */
#include "proxy/reconcile/state_file.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace kipvs::proxy {

namespace {

std::optional<Protocol> parseProtocol(const std::string &word)
{
	if (word == "tcp")
		return Protocol::Tcp;
	if (word == "udp")
		return Protocol::Udp;
	if (word == "sctp")
		return Protocol::Sctp;
	return std::nullopt;
}

} /* namespace */

std::string stableHash(const std::string &text)
{
	uint64_t hash = 1469598103934665603ull;
	for (unsigned char c : text)
		hash = (hash ^ c) * 1099511628211ull;
	char buffer[17];
	std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(hash));
	return buffer;
}

Result<PersistentState> loadState(const std::string &path)
{
	PersistentState state;
	std::ifstream file(path);
	if (!file) {
		if (errno == ENOENT)
			return state;
		return Error(errno, "read state file", path);
	}
	std::string line;
	unsigned int number = 0;
	while (std::getline(file, line)) {
		number++;
		if (line.empty() || line[0] == '#')
			continue;
		std::istringstream words(line);
		std::string kind;
		words >> kind;
		auto malformed = [&] {
			return Error(EINVAL, "read state file",
				     path + ":" + std::to_string(number) + " '" + line + "'");
		};
		if (kind == "version") {
			int version = 0;
			if (!(words >> version) || version != 1)
				return malformed();
		} else if (kind == "vs") {
			int family;
			std::string protocol, address;
			unsigned int port;
			if (!(words >> family >> protocol >> address >> port) || port > 65535)
				return malformed();
			auto parsedProtocol = parseProtocol(protocol);
			auto parsedAddress = IpAddress::parse(address);
			if (!parsedProtocol || !parsedAddress || (family != 4 && family != 6))
				return malformed();
			state.ownedServers.insert({ family == 4 ? AF_INET : AF_INET6, *parsedProtocol,
						    *parsedAddress, static_cast<uint16_t>(port), 0 });
		} else if (kind == "ruleset" || kind == "rules") {
			int family;
			std::string value;
			if (!(words >> family >> value) || (family != 4 && family != 6))
				return malformed();
			auto &target = kind == "ruleset" ? state.rulesetHash : state.ruleFingerprint;
			target[family == 4 ? AF_INET : AF_INET6] = value;
		} else {
			return malformed();
		}
	}
	return state;
}

Result<void> saveState(const std::string &path, const PersistentState &state)
{
	std::error_code ec;
	std::filesystem::path target(path);
	if (target.has_parent_path())
		std::filesystem::create_directories(target.parent_path(), ec);
	if (ec)
		return Error(ec.value(), "create state directory", target.parent_path().string());

	std::string text = "# kipvs state: what kipvs-proxy programmed. Do not edit.\nversion 1\n";
	for (const ipvs::ServiceKey &key : state.ownedServers) {
		if (key.isFwmark())
			continue;
		text += "vs " + std::string(key.family == AF_INET ? "4" : "6") + " " +
			protocolKeyword(key.protocol) + " " + key.address.toString() + " " +
			std::to_string(key.port) + "\n";
	}
	for (const auto &[family, hash] : state.rulesetHash)
		text += "ruleset " + std::string(family == AF_INET ? "4" : "6") + " " + hash + "\n";
	for (const auto &[family, fingerprint] : state.ruleFingerprint)
		text += "rules " + std::string(family == AF_INET ? "4" : "6") + " " + fingerprint + "\n";

	std::string temporary = path + ".tmp";
	FILE *file = std::fopen(temporary.c_str(), "w");
	if (!file)
		return Error(errno, "write state file", temporary);
	bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
	written = std::fflush(file) == 0 && written;
	written = fsync(fileno(file)) == 0 && written;
	int error = errno;
	std::fclose(file);
	if (!written)
		return Error(error, "write state file", temporary);
	if (std::rename(temporary.c_str(), path.c_str()) != 0)
		return Error(errno, "rename state file", path);
	return {};
}

} /* namespace kipvs::proxy */
