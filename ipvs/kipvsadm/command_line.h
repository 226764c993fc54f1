/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's command line: the same options, parsed with popt's rules (short
 * clusters, --long=value, permuted arguments), checked against ipvsadm's
 * table of legal command/option combinations, with its error texts and
 * exit codes.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ipvs/kipvsadm/listing_formatter.h"
#include "ipvs/kipvsadm/option_scanner.h"
#include "ipvs/virtual_server.h"

namespace kipvs::ipvsadm {

struct Command {
	enum class Kind {
		List,    /* -L, -l, --list, or no arguments */
		Save,    /* -S */
		Help,    /* -h */
		Version, /* -v */
		Modify,  /* -A, -a, -R, ...: left to ipvsadm */
	};
	Kind kind = Kind::List;
	/* The long name of a modifying command ("add-service"). */
	std::string modifyName;

	ListFormat format;
	bool connections = false; /* -c */
	bool timeouts = false;    /* --timeout */
	bool daemons = false;     /* --daemon */
	/* -t/-u/--sctp-service/-f: list this service only. */
	std::optional<ipvs::ServiceKey> service;
};

/* A parse that ends the program: what to print and the exit code. */
struct ParseExit {
	int exitCode = 0;
	std::string out;
	std::string err;
};

class CommandLine
{
public:
	/* args[0] is the program name, as in argv. */
	explicit CommandLine(std::vector<std::string> args);

	/* The command, or nullopt with exit() describing how to end. */
	std::optional<Command> parse();
	const ParseExit &exit() const { return exit_; }

	/* ipvsadm's -h text and -v line, naming program. */
	static std::string usage(const std::string &program);
	static std::string version();

private:
	std::optional<Command> fail(int exitCode, std::string message);
	bool setOption(unsigned int index);
	bool applyOption(const OptionSpec &option, const std::string &value, Command &command);
	bool checkSchedulerFlags(const std::string &value);
	bool checkCombinations(const Command &command);

	std::vector<std::string> args_;
	OptionScanner scanner_; /* reads args_ */

	int command_ = 0;
	std::string scheduler_; /* -s, for checking -b */
	unsigned long long options_ = 0;
	ParseExit exit_;
};

} /* namespace kipvs::ipvsadm */
