/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm 1.31's option parsing, reimplemented: popt's tokenising rules,
 * the command/option legality table and every message a listing command
 * can end with.
 */
#include "ipvs/kipvsadm/command_line.h"

#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>

namespace kipvs::ipvsadm {

namespace {

/* ipvsadm's commands, in the order of its cmdnames[] table (CMD_* - 1). */
enum CommandIndex : int {
	CmdNone = 0,
	CmdAdd,
	CmdEdit,
	CmdDelete,
	CmdFlush,
	CmdList,
	CmdAddServer,
	CmdDeleteServer,
	CmdEditServer,
	CmdSet,
	CmdStartDaemon,
	CmdStopDaemon,
	CmdRestore,
	CmdSave,
	CmdZero,
};

const char *const kCommandNames[] = {
	"", "add-service", "edit-service", "delete-service", "flush", "list",
	"add-server", "delete-server", "edit-server", "set", "start-daemon",
	"stop-daemon", "restore", "save", "zero",
};

/* ipvsadm's option classes (OPTC_*), named as its optnames[] does. */
enum OptionIndex : unsigned int {
	OptNumeric,
	OptConnection,
	OptService,
	OptScheduler,
	OptPersistent,
	OptNetmask,
	OptServer,
	OptForward,
	OptWeight,
	OptUpperThreshold,
	OptLowerThreshold,
	OptMcastInterface,
	OptTimeout,
	OptDaemon,
	OptStats,
	OptRate,
	OptThresholds,
	OptPersistentConn,
	OptNoSort,
	OptSyncId,
	OptExact,
	OptOnePacket,
	OptPe,
	OptSchedFlags,
	OptMcastGroup,
	OptMcastPort,
	OptMcastTtl,
	OptSyncMaxLen,
	OptTunInfo,
	OptTunType,
	OptTunPort,
	OptTunNoChecksum,
	OptTunChecksum,
	OptTunRemoteChecksum,
	OptStats64, /* kipvsadm only */
	OptCount,
};

const char *const kOptionNames[OptCount] = {
	"numeric", "connection", "service-address", "scheduler", "persistent",
	"netmask", "real-server", "forwarding-method", "weight", "u-threshold",
	"l-threshold", "mcast-interface", "timeout", "daemon", "stats", "rate",
	"thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
	"sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen",
	"tun-info", "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum",
	"stats64",
};

/*
 * Which options the two reading commands accept: ' ' optional, 'x'
 * illegal, '1' at most one of them; one column per OptionIndex. Other
 * commands never get this far.
 */
static_assert(OptCount == 35);
constexpr char kListRow[OptCount + 1] = " 11xxxxxxxxx11       xxxxxxx xxxxx ";
constexpr char kSaveRow[OptCount + 1] = " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
enum class Arg { None, Required, Optional };

constexpr int kMaxTimeout = 86400 * 31;

/* strtol within [min, max], the whole string; -1 otherwise. */
long stringToNumber(const std::string &text, long min, long max)
{
	const char *s = text.c_str();
	char *end;
	errno = 0;
	long number = std::strtol(s, &end, 10);
	if (*end == '\0' && end != s && errno != ERANGE && min <= number && number <= max)
		return number;
	return -1;
}

bool allDigits(const std::string &text)
{
	for (char c : text)
		if (c < '0' || c > '9')
			return false;
	return true;
}

const char *protocolDatabaseName(ipvs::Protocol protocol)
{
	switch (protocol) {
	case ipvs::Protocol::Tcp:
		return "tcp";
	case ipvs::Protocol::Udp:
		return "udp";
	case ipvs::Protocol::Sctp:
		return "sctp";
	case ipvs::Protocol::None:
		break;
	}
	return nullptr;
}

/* IPv4 by name, first address only, as ipvsadm's host_to_addr() does. */
std::optional<IpAddress> hostToAddress(const std::string &name)
{
	const hostent *host = gethostbyname(name.c_str());
	if (!host || host->h_addrtype != AF_INET || host->h_length != 4 || !host->h_addr_list[0])
		return std::nullopt;
	return IpAddress::fromBytes(host->h_addr_list[0], 4);
}

enum ServiceParse : unsigned int {
	ServiceNone = 0,
	ServiceAddress = 1,
	ServicePort = 2,
};

/* "host[:port]" or "[v6]:port" or a bare IPv6 address, as parse_service(). */
unsigned int parseService(std::string text, ipvs::ServiceKey &key)
{
	if (allDigits(text))
		return ServiceNone;

	std::optional<std::string> port;
	if (!text.empty() && text[0] == '[') {
		size_t close = text.find(']');
		if (close == std::string::npos)
			return ServiceNone;
		if (close + 1 >= text.size() || text[close + 1] != ':')
			return ServiceNone;
		port = text.substr(close + 2);
		text = text.substr(1, close - 1);
	}

	in6_addr v6;
	if (inet_pton(AF_INET6, text.c_str(), &v6) > 0) {
		key.address = *IpAddress::fromBytes(&v6, 16);
		key.family = AF_INET6;
	} else {
		/* An IPv4 host: ipvsadm looks for the last ':' again. */
		size_t colon = text.rfind(':');
		if (colon != std::string::npos) {
			port = text.substr(colon + 1);
			text.resize(colon);
		} else {
			port.reset();
		}
		in_addr v4;
		std::optional<IpAddress> address;
		if (inet_aton(text.c_str(), &v4) != 0)
			address = IpAddress::fromBytes(&v4, 4);
		else
			address = hostToAddress(text);
		if (!address)
			return ServiceNone;
		key.address = *address;
		key.family = AF_INET;
	}

	unsigned int result = ServiceAddress;
	if (port) {
		result |= ServicePort;
		long number = stringToNumber(*port, 0, 65535);
		if (number < 0) {
			const char *database = protocolDatabaseName(key.protocol);
			const servent *entry = database ? getservbyname(port->c_str(), database) : nullptr;
			if (!entry)
				return ServiceNone;
			number = ntohs(static_cast<uint16_t>(entry->s_port));
		}
		key.port = static_cast<uint16_t>(number);
	}
	return result;
}

} /* namespace */

namespace {

std::vector<std::string> withProgram(std::vector<std::string> args)
{
	if (args.empty())
		args.push_back("ipvsadm");
	return args;
}

} /* namespace */

CommandLine::CommandLine(std::vector<std::string> args)
	: args_(withProgram(std::move(args))), scanner_(args_)
{
}

std::optional<Command> CommandLine::fail(int exitCode, std::string message)
{
	exit_.exitCode = exitCode;
	exit_.err += message;
	exit_.err += '\n';
	return std::nullopt;
}

/* ipvsadm's set_option(): each option class at most once. */
bool CommandLine::setOption(unsigned int index)
{
	unsigned long long bit = 1ULL << index;
	if (options_ & bit) {
		fail(2, std::string("multiple '") + kOptionNames[index] + "' options specified");
		return false;
	}
	options_ |= bit;
	return true;
}

/*
 * ipvsadm parses -b as it meets it, against the scheduler given so far
 * (wlc by default): sh-* and mh-* names need their own scheduler.
 */
bool CommandLine::checkSchedulerFlags(const std::string &value)
{
	const std::string scheduler = scheduler_.empty() ? "wlc" : scheduler_;
	size_t start = 0;
	while (start <= value.size()) {
		size_t comma = value.find(',', start);
		std::string flag = value.substr(start, comma == std::string::npos ? std::string::npos
										   : comma - start);
		start = comma == std::string::npos ? value.size() + 1 : comma + 1;
		if (flag.empty())
			continue;
		if (flag == "flag-1" || flag == "flag-2" || flag == "flag-3")
			continue;
		bool sh = flag == "sh-fallback" || flag == "sh-port";
		bool mh = flag == "mh-fallback" || flag == "mh-port";
		if (!sh && !mh) {
			fail(2, "invalid scheduler flag `" + flag + "'");
			return false;
		}
		if ((sh && scheduler != "sh") || (mh && scheduler != "mh")) {
			fail(2, "incompatible scheduler flag `" + flag + "'");
			return false;
		}
	}
	return true;
}

/* What ipvsadm does with each option after the command; false: exit_ set. */
bool CommandLine::applyOption(const OptionSpec &option, const std::string &value, Command &command)
{
	ListFormat &format = command.format;

	switch (option.tag) {
	case 't':
	case 'u':
	case TagSctpService: {
		if (!setOption(OptService))
			return false;
		ipvs::ServiceKey key;
		key.family = 0;
		key.protocol = option.tag == 't'   ? ipvs::Protocol::Tcp
			       : option.tag == 'u' ? ipvs::Protocol::Udp
						   : ipvs::Protocol::Sctp;
		if (command.service) {
			/* Not reachable (service-address is set once), kept for clarity. */
			key = *command.service;
		}
		if (!(parseService(value, key) & ServiceAddress)) {
			fail(2, "illegal virtual server address[:port] specified");
			return false;
		}
		command.service = key;
		return true;
	}
	case 'f': {
		if (!setOption(OptService))
			return false;
		const char *s = value.c_str();
		char *end;
		errno = 0;
		/* ipvsadm stores strtol()'s result in an unsigned long. */
		unsigned long mark = static_cast<unsigned long>(std::strtol(s, &end, 10));
		if (*end != '\0' || end == s || errno == ERANGE || mark == 0 || mark > UINT_MAX) {
			fail(2, "invalid fwmark value `" + value + "' specified");
			return false;
		}
		ipvs::ServiceKey key;
		key.family = AF_INET;
		key.protocol = ipvs::Protocol::None;
		key.fwmark = static_cast<uint32_t>(mark);
		command.service = key;
		return true;
	}
	case 's':
		scheduler_ = value;
		return setOption(OptScheduler);
	case 'p':
		if (!setOption(OptPersistent))
			return false;
		if (!value.empty()) {
			if (stringToNumber(value, 1, kMaxTimeout) < 0) {
				fail(2, "invalid timeout value `" + value + "' specified");
				return false;
			}
		}
		return true;
	case 'M': {
		if (!setOption(OptNetmask))
			return false;
		if (command.service && command.service->family == AF_INET6) {
			int length = std::atoi(value.c_str());
			if (length < 1 || length > 128) {
				fail(2, "illegal ipv6 netmask specified");
				return false;
			}
			return true;
		}
		in_addr mask;
		if (inet_aton(value.c_str(), &mask) == 0 && !hostToAddress(value)) {
			fail(2, "illegal virtual server persistent mask specified");
			return false;
		}
		return true;
	}
	case 'r': {
		if (!setOption(OptServer))
			return false;
		ipvs::ServiceKey real = command.service.value_or(ipvs::ServiceKey{});
		if (!(parseService(value, real) & ServiceAddress)) {
			fail(2, "illegal real server address[:port] specified");
			return false;
		}
		return true;
	}
	case 'i':
	case 'g':
	case 'm':
		return setOption(OptForward);
	case 'w':
		if (!setOption(OptWeight))
			return false;
		if (stringToNumber(value, 0, 65535) < 0) {
			fail(2, "illegal weight specified");
			return false;
		}
		return true;
	case 'x':
		if (!setOption(OptUpperThreshold))
			return false;
		if (stringToNumber(value, 0, INT_MAX) < 0) {
			fail(2, "illegal u_threshold specified");
			return false;
		}
		return true;
	case 'y':
		if (!setOption(OptLowerThreshold))
			return false;
		if (stringToNumber(value, 0, INT_MAX) < 0) {
			fail(2, "illegal l_threshold specified");
			return false;
		}
		return true;
	case 'c':
		command.connections = true;
		return setOption(OptConnection);
	case 'n':
		format.numeric = true;
		return setOption(OptNumeric);
	case TagMcastInterface:
		return setOption(OptMcastInterface);
	case TagSyncId:
		if (!setOption(OptSyncId))
			return false;
		if (stringToNumber(value, 0, 255) < 0) {
			fail(2, "illegal syncid specified");
			return false;
		}
		return true;
	case TagTimeout:
		command.timeouts = true;
		return setOption(OptTimeout);
	case TagDaemon:
		command.daemons = true;
		return setOption(OptDaemon);
	case TagStats:
		format.stats = true;
		return setOption(OptStats);
	case TagRate:
		format.rate = true;
		return setOption(OptRate);
	case TagThresholds:
		format.thresholds = true;
		return setOption(OptThresholds);
	case TagPersistentConn:
		format.persistentConn = true;
		return setOption(OptPersistentConn);
	case TagNoSort:
		format.noSort = true;
		return setOption(OptNoSort);
	case TagSort:
		/* ipvsadm: sorting is the default; accepted for compatibility. */
		return true;
	case 'X':
		format.exact = true;
		return setOption(OptExact);
	case '6':
		if (command.service && command.service->isFwmark()) {
			command.service->family = AF_INET6;
			return true;
		}
		/* ipvsadm's message carries its own newline, then fail() adds one. */
		fail(2, "-6 used before -f\n");
		return false;
	case 'o':
		return setOption(OptOnePacket);
	case TagPe:
		return setOption(OptPe);
	case 'b':
		if (!setOption(OptSchedFlags))
			return false;
		return checkSchedulerFlags(value);
	case TagMcastGroup:
		return setOption(OptMcastGroup);
	case TagMcastPort:
		return setOption(OptMcastPort);
	case TagMcastTtl:
		return setOption(OptMcastTtl);
	case TagSyncMaxLen:
		return setOption(OptSyncMaxLen);
	case TagTunInfo:
		format.tunInfo = true;
		return setOption(OptTunInfo);
	case TagTunType:
		return setOption(OptTunType);
	case TagTunPort:
		return setOption(OptTunPort);
	case TagTunNoChecksum:
		return setOption(OptTunNoChecksum);
	case TagTunChecksum:
		return setOption(OptTunChecksum);
	case TagTunRemoteChecksum:
		return setOption(OptTunRemoteChecksum);
	case TagStats64:
		format.stats64 = true;
		return setOption(OptStats64);
	default:
		/* A second command, -h or -v after the command. */
		fail(2, "invalid option `" + scanner_.currentArgument() + "'");
		return false;
	}
}

/* ipvsadm's generic_opt_check() for the list and save rows. */
bool CommandLine::checkCombinations(const Command &command)
{
	const char *row = command_ == CmdSave ? kSaveRow : kListRow;
	const char *commandName = kCommandNames[command_];
	int exclusive = -1;

	for (unsigned int j = 0; j < OptCount; j++) {
		if (!(options_ & (1ULL << j)))
			continue;
		if (row[j] == 'x') {
			fail(2, std::string("Illegal '") + kOptionNames[j] + "' option with the '" +
					commandName + "' command");
			return false;
		}
		if (row[j] == '1') {
			if (exclusive < 0) {
				exclusive = static_cast<int>(j);
				continue;
			}
			fail(2, std::string("The option '") + kOptionNames[j] +
					"' conflicts with the '" + kOptionNames[exclusive] +
					"' option in the '" + commandName + "' command");
			return false;
		}
	}

	if (command_ == CmdList) {
		bool other = command.connections || command.timeouts || command.daemons;
		const ListFormat &f = command.format;
		if ((other && (f.stats || f.rate || f.thresholds)) ||
		    ((command.timeouts || command.daemons) && f.persistentConn)) {
			fail(2, "options conflicts in the list command");
			return false;
		}
	}
	return true;
}

std::optional<Command> CommandLine::parse()
{
	Command command;

	/* No arguments at all: list with names resolved. */
	if (args_.size() == 1)
		return command;

	const std::string &program = args_[0];
	auto tryHelpExit = [&]() {
		exit_.exitCode = 255;
		exit_.err = "Try `" + program + " -h' or '" + program +
			    " --help' for more information.\n";
		return std::nullopt;
	};

	const OptionSpec *option;
	std::string value;
	if (scanner_.next(option, value) != OptionScanner::Step::Option)
		return tryHelpExit();

	switch (option->tag) {
	case 'L':
	case 'l':
		command_ = CmdList;
		command.kind = Command::Kind::List;
		break;
	case 'S':
		command_ = CmdSave;
		command.kind = Command::Kind::Save;
		command.format.rule = true;
		break;
	case 'h':
		exit_.exitCode = 0;
		exit_.out = usage(program);
		return std::nullopt;
	case 'v':
		exit_.exitCode = 0;
		exit_.out = version();
		return std::nullopt;
	case 'A':
	case 'E':
	case 'D':
	case 'C':
	case 'Z':
	case 'a':
	case 'e':
	case 'd':
	case 'R':
	case TagSet:
	case TagStartDaemon:
	case TagStopDaemon:
		command.kind = Command::Kind::Modify;
		command.modifyName = option->longName;
		return command;
	default:
		return tryHelpExit();
	}

	OptionScanner::Step step;
	while ((step = scanner_.next(option, value)) == OptionScanner::Step::Option)
		if (!applyOption(*option, value, command))
			return std::nullopt;

	if (step == OptionScanner::Step::Error) {
		exit_.exitCode = 255;
		exit_.err = scanner_.currentArgument() + ": " + scanner_.errorText() + "\n";
		return std::nullopt;
	}

	if (!scanner_.leftovers().empty())
		return fail(2, "unexpected argument " + scanner_.leftovers().front());

	if (!checkCombinations(command))
		return std::nullopt;

	/* --stats64 alone asks for counters: show them in the --stats layout. */
	if (command.format.stats64 && !command.format.rate)
		command.format.stats = true;
	return command;
}

std::string CommandLine::version()
{
	return "kipvsadm v1.31 2019/12/24 (compiled with kipvs and IPVS v1.2.1)\n";
}

} /* namespace kipvs::ipvsadm */
