/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's command line rules: the command first, popt's tokenising, the
 * legality table, and the exact messages and exit codes (recorded from
 * ipvsadm 1.31 in the test VM).
 */
#include <catch2/catch.hpp>

#include "ipvs/kipvsadm/command_line.h"

using namespace kipvs;
using namespace kipvs::ipvsadm;

namespace {

struct Parsed {
	std::optional<Command> command;
	ParseExit exit;
};

Parsed parse(std::vector<std::string> args)
{
	args.insert(args.begin(), "ipvsadm");
	CommandLine commandLine(args);
	Parsed parsed;
	parsed.command = commandLine.parse();
	parsed.exit = commandLine.exit();
	return parsed;
}

/* The exit code and stderr of a command line that ends the program. */
void checkFails(std::vector<std::string> args, int code, const std::string &err)
{
	INFO("args: " << args.size());
	Parsed parsed = parse(args);
	REQUIRE_FALSE(parsed.command);
	CHECK(parsed.exit.exitCode == code);
	CHECK(parsed.exit.err == err);
	CHECK(parsed.exit.out.empty());
}

const std::string tryHelp = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n";

} /* namespace */

TEST_CASE("listing forms", "[kipvsadm]")
{
	for (auto args : std::vector<std::vector<std::string>>{
		     {}, { "-L" }, { "-l" }, { "--list" }, { "-Ln" }, { "-L", "-n" }, { "--list", "--numeric" } }) {
		Parsed parsed = parse(args);
		REQUIRE(parsed.command);
		CHECK(parsed.command->kind == Command::Kind::List);
	}
	CHECK(parse({ "-Ln" }).command->format.numeric);
	CHECK_FALSE(parse({ "-L" }).command->format.numeric);
	CHECK(parse({ "-Sn" }).command->kind == Command::Kind::Save);
	CHECK(parse({ "-Sn" }).command->format.rule);
}

TEST_CASE("the command must come first", "[kipvsadm]")
{
	checkFails({ "-nL" }, 255, tryHelp);
	checkFails({ "-n", "-L" }, 255, tryHelp);
	checkFails({ "-V" }, 255, tryHelp);
	checkFails({ "-c" }, 255, tryHelp);
	checkFails({ "--foo" }, 255, tryHelp);
	checkFails({ "-t", "10.0.0.1:80" }, 255, tryHelp);
	checkFails({ "foo" }, 255, tryHelp);
}

TEST_CASE("services to list", "[kipvsadm]")
{
	auto tcp = parse({ "-Ln", "-t", "10.0.0.1:80" });
	REQUIRE(tcp.command);
	REQUIRE(tcp.command->service);
	CHECK(tcp.command->service->toString() == "TCP 10.0.0.1:80");

	CHECK(parse({ "-Lnt10.0.0.1:80" }).command->service->toString() == "TCP 10.0.0.1:80");
	CHECK(parse({ "-Ln", "--tcp-service=10.0.0.1:80" }).command->service->toString() ==
	      "TCP 10.0.0.1:80");
	CHECK(parse({ "-Ln", "-u", "10.0.0.53:domain" }).command->service->toString() ==
	      "UDP 10.0.0.53:53");
	CHECK(parse({ "-Ln", "-t", "[fd00::1]:80" }).command->service->toString() ==
	      "TCP [fd00::1]:80");
	CHECK(parse({ "-Ln", "-t", "fd00::1" }).command->service->toString() == "TCP [fd00::1]:0");
	CHECK(parse({ "-Ln", "--sctp-service", "10.0.0.4:9999" }).command->service->toString() ==
	      "SCTP 10.0.0.4:9999");

	auto mark = parse({ "-Ln", "-f", "4294967295" });
	CHECK(mark.command->service->fwmark == 4294967295u);
	CHECK(mark.command->service->family == AF_INET);
	CHECK(parse({ "-Ln", "-f", "7", "-6" }).command->service->family == AF_INET6);
}

TEST_CASE("bad service arguments", "[kipvsadm]")
{
	checkFails({ "-Ln", "-t", "[fd00::1]" }, 2, "illegal virtual server address[:port] specified\n");
	checkFails({ "-L", "-t", "12345" }, 2, "illegal virtual server address[:port] specified\n");
	checkFails({ "-L", "-t", "10.0.0.1:99999" }, 2, "illegal virtual server address[:port] specified\n");
	checkFails({ "-Ln", "-f", "0" }, 2, "invalid fwmark value `0' specified\n");
	checkFails({ "-Ln", "-f", "x" }, 2, "invalid fwmark value `x' specified\n");
	checkFails({ "-Ln", "-f", "4294967296" }, 2, "invalid fwmark value `4294967296' specified\n");
	checkFails({ "-Ln", "-6" }, 2, "-6 used before -f\n\n");
	checkFails({ "-L", "-t" }, 255, "-t: missing argument\n");
	checkFails({ "-Lnx" }, 255, "-Lnx: missing argument\n");
	checkFails({ "-Lq" }, 255, "-Lq: unknown option\n");
	checkFails({ "-L", "-q" }, 255, "-q: unknown option\n");
	checkFails({ "-L", "--foo" }, 255, "--foo: unknown option\n");
	checkFails({ "-L", "--numeric=3" }, 255, "--numeric=3: option does not take an argument\n");
	checkFails({ "--list=3" }, 255, tryHelp);
	checkFails({ "-L", "--list" }, 2, "invalid option `--list'\n");
}

TEST_CASE("option conflicts in the list command", "[kipvsadm]")
{
	checkFails({ "-Ln", "-t", "10.0.0.1:80", "-c" }, 2,
		   "The option 'service-address' conflicts with the 'connection' option in the 'list' command\n");
	checkFails({ "-Ln", "-t", "10.0.0.1:80", "--timeout" }, 2,
		   "The option 'timeout' conflicts with the 'service-address' option in the 'list' command\n");
	checkFails({ "-Ln", "--timeout", "--daemon" }, 2,
		   "The option 'daemon' conflicts with the 'timeout' option in the 'list' command\n");
	for (auto args : std::vector<std::vector<std::string>>{
		     { "-Ln", "-c", "--stats" },
		     { "-Ln", "-c", "--rate" },
		     { "-Ln", "--timeout", "--stats" },
		     { "-Ln", "--timeout", "--persistent-conn" },
		     { "-Ln", "--daemon", "--persistent-conn" },
		     { "-Ln", "--daemon", "--thresholds" } })
		checkFails(args, 2, "options conflicts in the list command\n");

	CHECK(parse({ "-Ln", "-c", "--persistent-conn" }).command);
	CHECK(parse({ "-Ln", "--timeout", "--tun-info" }).command);
}

TEST_CASE("repeated and misplaced options", "[kipvsadm]")
{
	checkFails({ "-Ln", "-n" }, 2, "multiple 'numeric' options specified\n");
	checkFails({ "-Ln", "--stats", "--stats" }, 2, "multiple 'stats' options specified\n");
	checkFails({ "-L", "-L" }, 2, "invalid option `-L'\n");
	checkFails({ "-L", "-S" }, 2, "invalid option `-S'\n");
	checkFails({ "-Ln", "-m" }, 2, "Illegal 'forwarding-method' option with the 'list' command\n");
	checkFails({ "-Ln", "-w", "1" }, 2, "Illegal 'weight' option with the 'list' command\n");
	checkFails({ "-S", "--stats" }, 2, "Illegal 'stats' option with the 'save' command\n");
	checkFails({ "-Ln", "foo" }, 2, "unexpected argument foo\n");
	checkFails({ "-Ln", "foo", "bar" }, 2, "unexpected argument foo\n");
	checkFails({ "-Ln", "--", "foo" }, 2, "unexpected argument foo\n");
	checkFails({ "-Ln", "-b", "sh-port" }, 2, "incompatible scheduler flag `sh-port'\n");
	checkFails({ "-Ln", "-s", "rr" }, 2, "Illegal 'scheduler' option with the 'list' command\n");
	CHECK(parse({ "-Ln", "--syncid", "1" }).command);
}

TEST_CASE("help, version and modifying commands", "[kipvsadm]")
{
	Parsed help = parse({ "-h" });
	REQUIRE_FALSE(help.command);
	CHECK(help.exit.exitCode == 0);
	CHECK(help.exit.out.rfind("kipvsadm v1.31 2019/12/24", 0) == 0);
	CHECK(help.exit.out.find("Usage:\n") != std::string::npos);

	Parsed version = parse({ "--version" });
	CHECK(version.exit.out == CommandLine::version());

	for (const char *option : { "-A", "-E", "-D", "-C", "-Z", "-a", "-e", "-d", "-R", "--set",
				    "--add-service", "--clear" }) {
		Parsed modify = parse({ option });
		REQUIRE(modify.command);
		CHECK(modify.command->kind == Command::Kind::Modify);
	}
	CHECK(parse({ "--start-daemon", "master" }).command->modifyName == "start-daemon");
}
