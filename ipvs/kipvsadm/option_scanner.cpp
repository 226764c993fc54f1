/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm 1.31's option table, read from argv with popt's rules.
 */
#include "ipvs/kipvsadm/option_scanner.h"

#include <optional>
#include <string_view>

namespace kipvs::ipvsadm {

namespace {

/* ipvsadm 1.31's popt table, plus --stats64. */
const OptionSpec kOptions[] = {
	{ "add-service", 'A', Arg::None, 'A' },
	{ "edit-service", 'E', Arg::None, 'E' },
	{ "delete-service", 'D', Arg::None, 'D' },
	{ "clear", 'C', Arg::None, 'C' },
	{ "list", 'L', Arg::None, 'L' },
	{ "list", 'l', Arg::None, 'l' },
	{ "zero", 'Z', Arg::None, 'Z' },
	{ "add-server", 'a', Arg::None, 'a' },
	{ "edit-server", 'e', Arg::None, 'e' },
	{ "delete-server", 'd', Arg::None, 'd' },
	{ "set", '\0', Arg::None, TagSet },
	{ "help", 'h', Arg::None, 'h' },
	{ "version", 'v', Arg::None, 'v' },
	{ "restore", 'R', Arg::None, 'R' },
	{ "save", 'S', Arg::None, 'S' },
	{ "start-daemon", '\0', Arg::Required, TagStartDaemon },
	{ "stop-daemon", '\0', Arg::Required, TagStopDaemon },
	{ "tcp-service", 't', Arg::Required, 't' },
	{ "udp-service", 'u', Arg::Required, 'u' },
	{ "sctp-service", '\0', Arg::Required, TagSctpService },
	{ "fwmark-service", 'f', Arg::Required, 'f' },
	{ "scheduler", 's', Arg::Required, 's' },
	{ "persistent", 'p', Arg::Optional, 'p' },
	{ "netmask", 'M', Arg::Required, 'M' },
	{ "real-server", 'r', Arg::Required, 'r' },
	{ "masquerading", 'm', Arg::None, 'm' },
	{ "ipip", 'i', Arg::None, 'i' },
	{ "gatewaying", 'g', Arg::None, 'g' },
	{ "weight", 'w', Arg::Required, 'w' },
	{ "u-threshold", 'x', Arg::Required, 'x' },
	{ "l-threshold", 'y', Arg::Required, 'y' },
	{ "numeric", 'n', Arg::None, 'n' },
	{ "connection", 'c', Arg::None, 'c' },
	{ "mcast-interface", '\0', Arg::Required, TagMcastInterface },
	{ "syncid", '\0', Arg::Required, TagSyncId },
	{ "timeout", '\0', Arg::None, TagTimeout },
	{ "daemon", '\0', Arg::None, TagDaemon },
	{ "stats", '\0', Arg::None, TagStats },
	{ "rate", '\0', Arg::None, TagRate },
	{ "thresholds", '\0', Arg::None, TagThresholds },
	{ "persistent-conn", '\0', Arg::None, TagPersistentConn },
	{ "nosort", '\0', Arg::None, TagNoSort },
	{ "sort", '\0', Arg::None, TagSort },
	{ "exact", 'X', Arg::None, 'X' },
	{ "ipv6", '6', Arg::None, '6' },
	{ "ops", 'o', Arg::None, 'o' },
	{ "pe", '\0', Arg::Required, TagPe },
	{ "sched-flags", 'b', Arg::Required, 'b' },
	{ "mcast-group", '\0', Arg::Required, TagMcastGroup },
	{ "mcast-port", '\0', Arg::Required, TagMcastPort },
	{ "mcast-ttl", '\0', Arg::Required, TagMcastTtl },
	{ "sync-maxlen", '\0', Arg::Required, TagSyncMaxLen },
	{ "tun-info", '\0', Arg::None, TagTunInfo },
	{ "tun-type", '\0', Arg::Required, TagTunType },
	{ "tun-port", '\0', Arg::Required, TagTunPort },
	{ "tun-nocsum", '\0', Arg::None, TagTunNoChecksum },
	{ "tun-csum", '\0', Arg::None, TagTunChecksum },
	{ "tun-remcsum", '\0', Arg::None, TagTunRemoteChecksum },
	{ "stats64", '\0', Arg::None, TagStats64 },
};

const OptionSpec *findLong(std::string_view name)
{
	for (const OptionSpec &spec : kOptions)
		if (spec.longName && name == spec.longName)
			return &spec;
	return nullptr;
}

const OptionSpec *findShort(char name)
{
	for (const OptionSpec &spec : kOptions)
		if (spec.shortName != '\0' && spec.shortName == name)
			return &spec;
	return nullptr;
}
/* popt's error codes and texts, for the ones its parser can return here. */
constexpr int kPoptNoArgument = -10;
constexpr int kPoptBadOption = -11;
constexpr int kPoptUnwantedArgument = -12;

const char *poptMessage(int error)
{
	switch (error) {
	case kPoptNoArgument:
		return "missing argument";
	case kPoptBadOption:
		return "unknown option";
	case kPoptUnwantedArgument:
		return "option does not take an argument";
	default:
		return "unknown error";
	}
}

} /* namespace */

const std::string &OptionScanner::currentArgument() const
{
	static const std::string unknown = "unknown";
	if (next_ == 0 || next_ > args_.size())
		return unknown;
	return args_[next_ - 1];
}

const char *OptionScanner::errorText() const
{
	return poptMessage(error_);
}

/*
 * One step of popt's poptGetNextOpt(): non-options are set aside (to be
 * reported as unexpected), "--" ends the options, "--name[=value]" is a
 * long option, anything else after one dash is a cluster of short ones.
 */
OptionScanner::Step OptionScanner::next(const OptionSpec *&option, std::string &value)
{
	option = nullptr;
	value.clear();

	while (cluster_.empty()) {
		if (next_ >= args_.size())
			return Step::End;
		const std::string &arg = args_[next_++];

		if (onlyArguments_ || arg.empty() || arg[0] != '-' || arg == "-") {
			leftovers_.push_back(arg);
			continue;
		}
		if (arg == "--") {
			onlyArguments_ = true;
			continue;
		}
		if (arg[1] != '-') {
			cluster_ = arg.substr(1);
			break;
		}

		std::string_view name(arg);
		name.remove_prefix(2);
		std::optional<std::string> inlineValue;
		if (size_t equals = name.find('='); equals != std::string_view::npos) {
			inlineValue = std::string(name.substr(equals + 1));
			name = name.substr(0, equals);
		}
		const OptionSpec *spec = findLong(name);
		if (!spec) {
			error_ = kPoptBadOption;
			return Step::Error;
		}
		if (spec->arg == Arg::None) {
			if (inlineValue) {
				error_ = kPoptUnwantedArgument;
				return Step::Error;
			}
		} else if (inlineValue) {
			value = *inlineValue;
		} else if (next_ < args_.size()) {
			/* An optional value is not taken from a following "-...". */
			if (spec->arg == Arg::Required || args_[next_][0] != '-')
				value = args_[next_++];
		} else if (spec->arg == Arg::Required) {
			error_ = kPoptNoArgument;
			return Step::Error;
		}
		option = spec;
		return Step::Option;
	}

	char name = cluster_[0];
	cluster_.erase(0, 1);
	const OptionSpec *spec = findShort(name);
	if (!spec) {
		cluster_.clear();
		error_ = kPoptBadOption;
		return Step::Error;
	}
	/* popt skips one '=' after a short option: "-t=10.0.0.1:80". */
	if (!cluster_.empty() && cluster_[0] == '=') {
		if (spec->arg == Arg::None) {
			cluster_.clear();
			error_ = kPoptUnwantedArgument;
			return Step::Error;
		}
		cluster_.erase(0, 1);
	}
	if (spec->arg != Arg::None) {
		if (!cluster_.empty()) {
			value = cluster_;
			cluster_.clear();
		} else if (next_ < args_.size()) {
			if (spec->arg == Arg::Required || args_[next_].empty() || args_[next_][0] != '-')
				value = args_[next_++];
		} else if (spec->arg == Arg::Required) {
			error_ = kPoptNoArgument;
			return Step::Error;
		}
	}
	option = spec;
	return Step::Option;
}

} /* namespace kipvs::ipvsadm */
