/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line parsing for kipvs-proxy, with kube-proxy's flag syntax.
 *
 * Hand-written rather than CLI11 (Debian's 2.1): kube-proxy's flags are Go
 * pflag flags, and deployments pass them in forms CLI11 refuses or reads
 * otherwise: "-v=2" (CLI11 reads the value "=2"), an empty value such as
 * "--hostname-override=" (CLI11: "1 required TEXT missing"), a repeated
 * flag (pflag: the last wins; CLI11: an error). A table of flags and a
 * forty-line loop give pflag's exact syntax and messages that name the flag
 * and say what is wrong with the value.
 */
#include "proxy/config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <optional>

#include "base/strings.h"
#include "proxy/config/duration.h"

namespace kipvs::proxy {

namespace {

/* Why a value is refused; nullopt when it was stored. */
using Problem = std::optional<std::string>;

struct Flag {
	const char *name;
	char shorthand; /* 0: none */
	bool boolean;
	const char *type; /* for --help: "string", "duration", ... */
	const char *defaultText;
	const char *help;
	Problem (*set)(Config &config, const std::string &value);
};

std::vector<std::string> splitComma(const std::string &text)
{
	std::vector<std::string> parts;
	if (trim(text).empty())
		return parts;
	size_t begin = 0;
	for (;;) {
		size_t comma = text.find(',', begin);
		parts.emplace_back(trim(std::string_view(text).substr(begin, comma - begin)));
		if (comma == std::string::npos)
			return parts;
		begin = comma + 1;
	}
}

/* Go's strconv.ParseBool, which pflag uses for --flag=value. */
std::optional<bool> parseBool(const std::string &text)
{
	for (const char *yes : { "1", "t", "T", "true", "TRUE", "True" })
		if (text == yes)
			return true;
	for (const char *no : { "0", "f", "F", "false", "FALSE", "False" })
		if (text == no)
			return false;
	return std::nullopt;
}

Problem parseUnsigned(const std::string &text, unsigned int max, unsigned int &out)
{
	unsigned int value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
		return std::string("not a number");
	if (ec == std::errc::result_out_of_range || value > max)
		return "out of range 0-" + std::to_string(max);
	out = value;
	return std::nullopt;
}

/* Comma-separated CIDRs, as net.ParseCIDR reads them: the /length is required. */
Problem parseCIDRs(const std::string &text, std::vector<IpPrefix> &out)
{
	std::vector<IpPrefix> prefixes;
	for (const std::string &part : splitComma(text)) {
		auto prefix = IpPrefix::parse(part);
		if (!prefix || part.find('/') == std::string::npos)
			return "\"" + part + "\" is not a CIDR";
		prefixes.push_back(*prefix);
	}
	out = std::move(prefixes);
	return std::nullopt;
}

Problem parseTimeout(const std::string &text, std::chrono::nanoseconds &out)
{
	auto duration = parseDuration(text);
	if (!duration)
		return std::string("not a duration (e.g. 900s, 15m, 2h30m)");
	out = *duration;
	return std::nullopt;
}

const Flag kFlags[] = {
	{ "proxy-mode", 0, false, "string", "ipvs",
	  "Which proxy mode to use; kipvs implements only 'ipvs'",
	  [](Config &config, const std::string &value) -> Problem {
		  if (value != "ipvs")
			  return std::string("kipvs implements only the ipvs mode (use kube-proxy for "
					     "iptables or nftables)");
		  config.proxyMode = value;
		  return std::nullopt;
	  } },
	{ "hostname-override", 0, false, "string", "",
	  "The name of this node, instead of the hostname",
	  [](Config &config, const std::string &value) -> Problem {
		  std::string name(trim(value));
		  std::transform(name.begin(), name.end(), name.begin(),
				 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
		  config.hostnameOverride = name;
		  return std::nullopt;
	  } },
	{ "ipvs-scheduler", 0, false, "string", "rr",
	  "The IPVS scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf or mh",
	  [](Config &config, const std::string &value) -> Problem {
		  /* kube-proxy reads an empty scheduler as its default. */
		  std::string name = value.empty() ? "rr" : value;
		  const auto &names = ipvsSchedulers();
		  if (std::find(names.begin(), names.end(), name) == names.end())
			  return std::string("not a kernel IPVS scheduler (rr, wrr, lc, wlc, lblc, "
					     "lblcr, dh, sh, sed, nq, fo, ovf, mh)");
		  config.ipvsScheduler = name;
		  return std::nullopt;
	  } },
	{ "ipvs-sync-period", 0, false, "duration", "30s",
	  "The longest time between full syncs that repair drift (e.g. 5s, 1m); must be > 0",
	  [](Config &config, const std::string &value) -> Problem {
		  if (auto problem = parseTimeout(value, config.ipvsSyncPeriod))
			  return problem;
		  if (config.ipvsSyncPeriod.count() == 0)
			  return std::string("must be greater than 0");
		  return std::nullopt;
	  } },
	{ "ipvs-min-sync-period", 0, false, "duration", "0s",
	  "The shortest time between syncs (e.g. 5s, 1m); must not exceed --ipvs-sync-period",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseTimeout(value, config.ipvsMinSyncPeriod);
	  } },
	{ "ipvs-exclude-cidrs", 0, false, "strings", "",
	  "Comma-separated CIDRs whose virtual servers are never deleted",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseCIDRs(value, config.ipvsExcludeCIDRs);
	  } },
	{ "ipvs-strict-arp", 0, true, "", "false",
	  "Set arp_ignore=1 and arp_announce=2, so kube-ipvs0 addresses are not answered for",
	  [](Config &config, const std::string &value) -> Problem {
		  config.ipvsStrictARP = value == "true";
		  return std::nullopt;
	  } },
	{ "ipvs-tcp-timeout", 0, false, "duration", "0s",
	  "The IPVS timeout for idle TCP connections; 0 leaves the kernel's",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseTimeout(value, config.ipvsTcpTimeout);
	  } },
	{ "ipvs-tcpfin-timeout", 0, false, "duration", "0s",
	  "The IPVS timeout for TCP connections after FIN; 0 leaves the kernel's",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseTimeout(value, config.ipvsTcpFinTimeout);
	  } },
	{ "ipvs-udp-timeout", 0, false, "duration", "0s",
	  "The IPVS timeout for UDP packets; 0 leaves the kernel's",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseTimeout(value, config.ipvsUdpTimeout);
	  } },
	{ "masquerade-all", 0, true, "", "false",
	  "SNAT all traffic sent to cluster IPs",
	  [](Config &config, const std::string &value) -> Problem {
		  config.masqueradeAll = value == "true";
		  return std::nullopt;
	  } },
	{ "iptables-masquerade-bit", 0, false, "int", "14",
	  "The bit of the packet mark that means 'masquerade' (0-31)",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseUnsigned(value, 31, config.masqueradeBit);
	  } },
	{ "cluster-cidr", 0, false, "string", "",
	  "The pods' CIDR, or an IPv4 and an IPv6 CIDR separated by a comma",
	  [](Config &config, const std::string &value) -> Problem {
		  std::vector<IpPrefix> prefixes;
		  if (auto problem = parseCIDRs(value, prefixes))
			  return problem;
		  if (prefixes.size() > 2 ||
		      (prefixes.size() == 2 &&
		       prefixes[0].address().family() == prefixes[1].address().family()))
			  return std::string("one CIDR, or one IPv4 and one IPv6 CIDR");
		  config.clusterCIDRs = std::move(prefixes);
		  return std::nullopt;
	  } },
	{ "nodeport-addresses", 0, false, "strings", "",
	  "Comma-separated CIDRs of the node addresses NodePorts listen on, or 'primary'; "
	  "default: every address",
	  [](Config &config, const std::string &value) -> Problem {
		  std::vector<std::string> parts = splitComma(value);
		  bool primary = std::find(parts.begin(), parts.end(), "primary") != parts.end();
		  if (primary && parts.size() > 1)
			  return std::string("'primary' cannot be combined with CIDRs");
		  config.nodePortAddressesPrimary = primary;
		  config.nodePortAddresses.clear();
		  return primary ? std::nullopt : parseCIDRs(value, config.nodePortAddresses);
	  } },
	{ "v", 'v', false, "int", "0", "The log level (0-10)",
	  [](Config &config, const std::string &value) -> Problem {
		  return parseUnsigned(value, 10, config.verbosity);
	  } },
	{ "kubeconfig", 0, false, "string", "",
	  "Path to a kubeconfig file with the API server and credentials; neither this nor "
	  "--master: the in-cluster configuration",
	  [](Config &config, const std::string &value) -> Problem {
		  config.kubeconfig = value;
		  return std::nullopt;
	  } },
	{ "master", 0, false, "string", "",
	  "The address of the Kubernetes API server (overrides any value in kubeconfig)",
	  [](Config &config, const std::string &value) -> Problem {
		  config.master = value;
		  return std::nullopt;
	  } },
	{ "manifests", 0, false, "string", "",
	  "Serve the Services, EndpointSlices and Nodes in the manifest files of this directory",
	  [](Config &config, const std::string &value) -> Problem {
		  if (value.empty())
			  return std::string("must name a directory");
		  config.manifests = value;
		  return std::nullopt;
	  } },
	{ "sync-once", 0, true, "", "false",
	  "Sync once, print a summary and exit (0 when every valid object reached the kernel)",
	  [](Config &config, const std::string &value) -> Problem {
		  config.syncOnce = value == "true";
		  return std::nullopt;
	  } },
	{ "dry-run", 0, true, "", "false",
	  "Print the kernel changes a sync would make, and change nothing",
	  [](Config &config, const std::string &value) -> Problem {
		  config.dryRun = value == "true";
		  return std::nullopt;
	  } },
	{ "cleanup", 0, true, "", "false",
	  "Remove everything kipvs owns (virtual servers, kube-ipvs0, sets, chains) and exit",
	  [](Config &config, const std::string &value) -> Problem {
		  config.cleanup = value == "true";
		  return std::nullopt;
	  } },
	{ "help", 'h', true, "", "false", "Print this help and exit",
	  [](Config &config, const std::string &value) -> Problem {
		  config.help = value == "true";
		  return std::nullopt;
	  } },
	{ "version", 0, true, "", "false", "Print the version and exit",
	  [](Config &config, const std::string &value) -> Problem {
		  config.version = value == "true";
		  return std::nullopt;
	  } },
};

const Flag *findFlag(const std::string &name)
{
	for (const Flag &flag : kFlags)
		if (name == flag.name)
			return &flag;
	return nullptr;
}

const Flag *findShorthand(char shorthand)
{
	for (const Flag &flag : kFlags)
		if (flag.shorthand && flag.shorthand == shorthand)
			return &flag;
	return nullptr;
}

Error invalid(const std::string &sentence)
{
	return Error(EINVAL, sentence);
}

} /* namespace */

/**
 * \brief The schedulers of the kernel's IPVS (ip_vs_*.ko), in kube-proxy's order
 */
const std::vector<std::string> &ipvsSchedulers()
{
	static const std::vector<std::string> names = {
		"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
	};
	return names;
}

/**
 * \brief Parse kipvs-proxy's command line
 * \param[in] argc The argument count, argv[0] included
 * \param[in] argv The arguments; argv[0] is the program name
 *
 * pflag's syntax: --flag=value or --flag value; a boolean as --flag or
 * --flag=true|false (not --flag false); -v as -v=N, -v N or -vN; a repeated
 * flag's last value wins; "--" ends the flags. kipvs-proxy takes no other
 * arguments. --help stops parsing at once and returns a Config with help
 * set; nothing is printed and nothing exits.
 *
 * \return The Config, or an EINVAL Error whose operation() names the flag
 * and the problem, e.g. 'unknown flag: --foo' or 'invalid argument "x" for
 * "--ipvs-scheduler" flag: not a kernel IPVS scheduler (...)'
 */
Result<Config> parseFlags(int argc, const char *const *argv)
{
	Config config;
	for (int i = 1; i < argc; i++) {
		const std::string arg = argv[i];
		if (arg == "--") {
			if (i + 1 < argc)
				return invalid("unexpected argument \"" + std::string(argv[i + 1]) +
					       "\": kipvs-proxy takes only flags");
			break;
		}
		if (arg.size() < 2 || arg[0] != '-')
			return invalid("unexpected argument \"" + arg + "\": kipvs-proxy takes only flags");

		const Flag *flag = nullptr;
		std::string shown; /* the flag as the user wrote it, for messages */
		std::string value;
		bool hasValue = false;
		if (arg[1] == '-') {
			std::string body = arg.substr(2);
			if (body.empty() || body[0] == '-' || body[0] == '=')
				return invalid("bad flag syntax: " + arg);
			size_t equals = body.find('=');
			std::string name = body.substr(0, equals);
			if (equals != std::string::npos) {
				value = body.substr(equals + 1);
				hasValue = true;
			}
			shown = "--" + name;
			flag = findFlag(name);
			if (!flag)
				return invalid("unknown flag: " + shown);
		} else {
			shown = arg.substr(0, 2);
			flag = findShorthand(arg[1]);
			if (!flag)
				return invalid("unknown shorthand flag: '" + std::string(1, arg[1]) +
					       "' in " + arg);
			std::string rest = arg.substr(2);
			if (!rest.empty()) {
				/* -v=2 and -v2 alike, as pflag reads them. */
				value = rest[0] == '=' ? rest.substr(1) : rest;
				hasValue = true;
			}
		}

		if (flag->boolean) {
			if (hasValue) {
				auto parsed = parseBool(value);
				if (!parsed)
					return invalid("invalid argument \"" + value + "\" for \"" + shown +
						       "\" flag: not true or false");
				value = *parsed ? "true" : "false";
			} else {
				value = "true";
			}
		} else if (!hasValue) {
			/* pflag takes the next argument as the value, whatever it looks like. */
			if (i + 1 >= argc)
				return invalid("flag needs an argument: " + shown);
			value = argv[++i];
		}

		if (auto problem = flag->set(config, value))
			return invalid("invalid argument \"" + value + "\" for \"" + shown +
				       "\" flag: " + *problem);
		if (config.help)
			return config;
	}

	if (config.ipvsMinSyncPeriod > config.ipvsSyncPeriod)
		return invalid("--ipvs-min-sync-period (" + formatDuration(config.ipvsMinSyncPeriod) +
			       ") must not exceed --ipvs-sync-period (" +
			       formatDuration(config.ipvsSyncPeriod) + ")");
	return config;
}

/**
 * \brief The --help text for kipvs-proxy
 * \param[in] programName The name to show in the usage line
 */
std::string flagsHelp(const std::string &programName)
{
	std::string text = "Usage: " + programName + " [flags]\n\n"
			   "kipvs-proxy programs the kernel's IPVS for Kubernetes Services, as\n"
			   "kube-proxy --proxy-mode=ipvs does.\n\nFlags:\n";
	auto leftColumn = [](const Flag &flag) {
		std::string left = flag.shorthand ? std::string("  -") + flag.shorthand + ", --"
						  : std::string("      --");
		left += flag.name;
		if (!flag.boolean)
			left += std::string(" ") + flag.type;
		return left;
	};
	size_t width = 0;
	for (const Flag &flag : kFlags)
		width = std::max(width, leftColumn(flag).size() + 2);

	for (const Flag &flag : kFlags) {
		std::string left = leftColumn(flag);
		left.resize(width, ' ');
		text += left + flag.help;
		if (!flag.boolean && flag.defaultText[0])
			text += std::string(" (default ") +
				(std::string(flag.type) == "string" ? "\"" + std::string(flag.defaultText) + "\""
								    : flag.defaultText) +
				")";
		text += "\n";
	}
	return text;
}

} /* namespace kipvs::proxy */
