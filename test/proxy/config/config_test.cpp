/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-proxy's flags: kube-proxy's defaults, pflag's syntax, every refusal.
 */
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "proxy/config/config.h"

using namespace kipvs;
using namespace kipvs::proxy;
using namespace std::chrono_literals;

namespace {

Result<Config> parse(std::initializer_list<const char *> args)
{
	std::vector<const char *> argv = { "kipvs-proxy" };
	argv.insert(argv.end(), args.begin(), args.end());
	return parseFlags(static_cast<int>(argv.size()), argv.data());
}

/* The sentence an invalid command line gives. */
std::string failure(std::initializer_list<const char *> args)
{
	Result<Config> result = parse(args);
	if (result)
		return "(accepted)";
	CHECK(result.error().code() == EINVAL);
	return result.error().operation();
}

IpPrefix prefix(const char *text)
{
	return *IpPrefix::parse(text);
}

} /* namespace */

TEST_CASE("no flags: kube-proxy's defaults", "[config]")
{
	Result<Config> result = parse({});
	REQUIRE(result);
	const Config &config = *result;
	CHECK(config.proxyMode == "ipvs");
	CHECK(config.hostnameOverride.empty());
	CHECK(config.ipvsScheduler == "rr");
	CHECK(config.ipvsSyncPeriod == 30s);
	CHECK(config.ipvsMinSyncPeriod == 0s);
	CHECK(config.ipvsExcludeCIDRs.empty());
	CHECK_FALSE(config.ipvsStrictARP);
	CHECK(config.ipvsTcpTimeout == 0s);
	CHECK(config.ipvsTcpFinTimeout == 0s);
	CHECK(config.ipvsUdpTimeout == 0s);
	CHECK_FALSE(config.masqueradeAll);
	CHECK(config.masqueradeBit == 14);
	CHECK(config.clusterCIDRs.empty());
	CHECK(config.nodePortAddresses.empty());
	CHECK_FALSE(config.nodePortAddressesPrimary);
	CHECK(config.verbosity == 0);
	CHECK(config.manifests.empty());
	CHECK_FALSE(config.syncOnce);
	CHECK_FALSE(config.dryRun);
	CHECK_FALSE(config.cleanup);
	CHECK_FALSE(config.help);
	CHECK_FALSE(config.version);
}

TEST_CASE("every flag, as --flag=value", "[config]")
{
	Result<Config> result = parse({
		"--proxy-mode=ipvs",
		"--hostname-override=  Node-A.Example.COM ",
		"--ipvs-scheduler=mh",
		"--ipvs-sync-period=1m",
		"--ipvs-min-sync-period=500ms",
		"--ipvs-exclude-cidrs=10.0.0.0/8, fd00::/64",
		"--ipvs-strict-arp",
		"--ipvs-tcp-timeout=15m",
		"--ipvs-tcpfin-timeout=30s",
		"--ipvs-udp-timeout=5m",
		"--masquerade-all=true",
		"--iptables-masquerade-bit=0",
		"--cluster-cidr=10.244.0.0/16,fd00:10:244::/56",
		"--nodeport-addresses=192.168.0.0/16,2001:db8::/32",
		"--v=4",
		"--manifests=/etc/kipvs/manifests",
		"--sync-once",
		"--dry-run=true",
		"--cleanup=false",
		"--version",
	});
	REQUIRE(result);
	const Config &config = *result;
	CHECK(config.hostnameOverride == "node-a.example.com");
	CHECK(config.ipvsScheduler == "mh");
	CHECK(config.ipvsSyncPeriod == 1min);
	CHECK(config.ipvsMinSyncPeriod == 500ms);
	CHECK(config.ipvsExcludeCIDRs == std::vector<IpPrefix>{ prefix("10.0.0.0/8"), prefix("fd00::/64") });
	CHECK(config.ipvsStrictARP);
	CHECK(config.ipvsTcpTimeout == 15min);
	CHECK(config.ipvsTcpFinTimeout == 30s);
	CHECK(config.ipvsUdpTimeout == 5min);
	CHECK(config.masqueradeAll);
	CHECK(config.masqueradeBit == 0);
	CHECK(config.clusterCIDRs ==
	      std::vector<IpPrefix>{ prefix("10.244.0.0/16"), prefix("fd00:10:244::/56") });
	CHECK(config.nodePortAddresses ==
	      std::vector<IpPrefix>{ prefix("192.168.0.0/16"), prefix("2001:db8::/32") });
	CHECK_FALSE(config.nodePortAddressesPrimary);
	CHECK(config.verbosity == 4);
	CHECK(config.manifests == "/etc/kipvs/manifests");
	CHECK(config.syncOnce);
	CHECK(config.dryRun);
	CHECK_FALSE(config.cleanup);
	CHECK(config.version);
}

TEST_CASE("every value flag, as --flag value", "[config]")
{
	Result<Config> result = parse({
		"--proxy-mode", "ipvs",
		"--hostname-override", "node-b",
		"--ipvs-scheduler", "wlc",
		"--ipvs-sync-period", "10s",
		"--ipvs-min-sync-period", "1s",
		"--ipvs-exclude-cidrs", "192.0.2.0/24",
		"--ipvs-tcp-timeout", "1h",
		"--ipvs-tcpfin-timeout", "2m",
		"--ipvs-udp-timeout", "45s",
		"--iptables-masquerade-bit", "31",
		"--cluster-cidr", "10.244.0.0/16",
		"--nodeport-addresses", "primary",
		"-v", "2",
		"--manifests", "examples",
	});
	REQUIRE(result);
	const Config &config = *result;
	CHECK(config.hostnameOverride == "node-b");
	CHECK(config.ipvsScheduler == "wlc");
	CHECK(config.ipvsSyncPeriod == 10s);
	CHECK(config.ipvsMinSyncPeriod == 1s);
	CHECK(config.ipvsExcludeCIDRs == std::vector<IpPrefix>{ prefix("192.0.2.0/24") });
	CHECK(config.ipvsTcpTimeout == 1h);
	CHECK(config.ipvsTcpFinTimeout == 2min);
	CHECK(config.ipvsUdpTimeout == 45s);
	CHECK(config.masqueradeBit == 31);
	CHECK(config.clusterCIDRs == std::vector<IpPrefix>{ prefix("10.244.0.0/16") });
	CHECK(config.nodePortAddressesPrimary);
	CHECK(config.nodePortAddresses.empty());
	CHECK(config.verbosity == 2);
	CHECK(config.manifests == "examples");
}

TEST_CASE("pflag's other spellings", "[config]")
{
	CHECK(parse({ "-v=3" })->verbosity == 3);
	CHECK(parse({ "-v3" })->verbosity == 3);
	CHECK(parse({ "--v", "5" })->verbosity == 5);
	/* The last of a repeated flag wins. */
	CHECK(parse({ "--v=1", "--v=7" })->verbosity == 7);
	CHECK_FALSE(parse({ "--masquerade-all", "--masquerade-all=false" })->masqueradeAll);
	for (const char *yes : { "1", "t", "T", "TRUE", "True" })
		CHECK(parse({ (std::string("--ipvs-strict-arp=") + yes).c_str() })->ipvsStrictARP);
	for (const char *no : { "0", "f", "F", "FALSE", "False" })
		CHECK_FALSE(parse({ (std::string("--masquerade-all=") + no).c_str() })->masqueradeAll);
	/* Empty values are values. */
	CHECK(parse({ "--hostname-override=" })->hostnameOverride.empty());
	CHECK(parse({ "--ipvs-scheduler=" })->ipvsScheduler == "rr");
	CHECK(parse({ "--ipvs-exclude-cidrs=" })->ipvsExcludeCIDRs.empty());
	CHECK(parse({ "--cluster-cidr", "" })->clusterCIDRs.empty());
	/* Durations as Go writes them. */
	CHECK(parse({ "--ipvs-sync-period=1m30s" })->ipvsSyncPeriod == 90s);
	CHECK(parse({ "--ipvs-min-sync-period=0" })->ipvsMinSyncPeriod == 0s);
	/* "--" ends the flags. */
	CHECK(parse({ "--v=2", "--" })->verbosity == 2);
	for (const std::string &name : ipvsSchedulers())
		CHECK(parse({ ("--ipvs-scheduler=" + name).c_str() })->ipvsScheduler == name);
}

TEST_CASE("--help stops at once, for the caller to print the help", "[config]")
{
	Result<Config> result = parse({ "--v=2", "--help", "--bogus" });
	REQUIRE(result);
	CHECK(result->help);
	CHECK(parse({ "-h" })->help);

	std::string help = flagsHelp("kipvs-proxy");
	CHECK_THAT(help, Catch::StartsWith("Usage: kipvs-proxy [flags]\n"));
	for (const char *name : { "--proxy-mode string", "--hostname-override string",
				  "--ipvs-scheduler string", "--ipvs-sync-period duration",
				  "--ipvs-min-sync-period duration", "--ipvs-exclude-cidrs strings",
				  "--ipvs-strict-arp", "--ipvs-tcp-timeout duration",
				  "--ipvs-tcpfin-timeout duration", "--ipvs-udp-timeout duration",
				  "--masquerade-all", "--iptables-masquerade-bit int", "--cluster-cidr string",
				  "--nodeport-addresses strings", "-v, --v int", "--manifests string",
				  "--sync-once", "--dry-run", "--cleanup", "-h, --help", "--version" })
		CHECK_THAT(help, Catch::Contains(name));
	CHECK_THAT(help, Catch::Contains("(default \"rr\")"));
	CHECK_THAT(help, Catch::Contains("(default 30s)"));
}

TEST_CASE("every refusal names the flag and the problem", "[config]")
{
	CHECK(failure({ "--proxy-mode=iptables" }) ==
	      "invalid argument \"iptables\" for \"--proxy-mode\" flag: kipvs implements only the ipvs "
	      "mode (use kube-proxy for iptables or nftables)");
	CHECK(failure({ "--proxy-mode", "nftables" }) ==
	      "invalid argument \"nftables\" for \"--proxy-mode\" flag: kipvs implements only the ipvs "
	      "mode (use kube-proxy for iptables or nftables)");
	CHECK(failure({ "--proxy-mode=" }) ==
	      "invalid argument \"\" for \"--proxy-mode\" flag: kipvs implements only the ipvs mode (use "
	      "kube-proxy for iptables or nftables)");
	CHECK(failure({ "--foo" }) == "unknown flag: --foo");
	CHECK(failure({ "--foo=1" }) == "unknown flag: --foo");
	CHECK(failure({ "--config", "/etc/kube-proxy.yaml" }) == "unknown flag: --config");
	CHECK(failure({ "--kubeconfig" }) == "flag needs an argument: --kubeconfig");
	CHECK(failure({ "-x" }) == "unknown shorthand flag: 'x' in -x");
	CHECK(failure({ "-masquerade-all" }) == "unknown shorthand flag: 'm' in -masquerade-all");
	CHECK(failure({ "---v=2" }) == "bad flag syntax: ---v=2");
	CHECK(failure({ "--=2" }) == "bad flag syntax: --=2");
	CHECK(failure({ "positional" }) ==
	      "unexpected argument \"positional\": kipvs-proxy takes only flags");
	CHECK(failure({ "--", "--v=2" }) == "unexpected argument \"--v=2\": kipvs-proxy takes only flags");
	CHECK(failure({ "--masquerade-all", "false" }) ==
	      "unexpected argument \"false\": kipvs-proxy takes only flags");
	CHECK(failure({ "--manifests" }) == "flag needs an argument: --manifests");
	CHECK(failure({ "-v" }) == "flag needs an argument: -v");
	CHECK(failure({ "--manifests=" }) ==
	      "invalid argument \"\" for \"--manifests\" flag: must name a directory");
	CHECK(failure({ "--masquerade-all=yes" }) ==
	      "invalid argument \"yes\" for \"--masquerade-all\" flag: not true or false");
	CHECK(failure({ "--ipvs-scheduler=roundrobin" }) ==
	      "invalid argument \"roundrobin\" for \"--ipvs-scheduler\" flag: not a kernel IPVS scheduler "
	      "(rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh)");
	CHECK(failure({ "--ipvs-sync-period=0s" }) ==
	      "invalid argument \"0s\" for \"--ipvs-sync-period\" flag: must be greater than 0");
	CHECK(failure({ "--ipvs-sync-period=30" }) ==
	      "invalid argument \"30\" for \"--ipvs-sync-period\" flag: not a duration (e.g. 900s, 15m, "
	      "2h30m)");
	CHECK(failure({ "--ipvs-sync-period=-5s" }) ==
	      "invalid argument \"-5s\" for \"--ipvs-sync-period\" flag: not a duration (e.g. 900s, 15m, "
	      "2h30m)");
	CHECK(failure({ "--ipvs-min-sync-period=1m" }) ==
	      "--ipvs-min-sync-period (1m0s) must not exceed --ipvs-sync-period (30s)");
	CHECK(failure({ "--ipvs-min-sync-period=5s", "--ipvs-sync-period=2s" }) ==
	      "--ipvs-min-sync-period (5s) must not exceed --ipvs-sync-period (2s)");
	CHECK(failure({ "--ipvs-tcp-timeout=forever" }) ==
	      "invalid argument \"forever\" for \"--ipvs-tcp-timeout\" flag: not a duration (e.g. 900s, "
	      "15m, 2h30m)");
	CHECK(failure({ "--ipvs-tcpfin-timeout=1x" }) ==
	      "invalid argument \"1x\" for \"--ipvs-tcpfin-timeout\" flag: not a duration (e.g. 900s, "
	      "15m, 2h30m)");
	CHECK(failure({ "--ipvs-udp-timeout=" }) ==
	      "invalid argument \"\" for \"--ipvs-udp-timeout\" flag: not a duration (e.g. 900s, 15m, "
	      "2h30m)");
	CHECK(failure({ "--ipvs-exclude-cidrs=10.0.0.0/8,10.1.0.1" }) ==
	      "invalid argument \"10.0.0.0/8,10.1.0.1\" for \"--ipvs-exclude-cidrs\" flag: \"10.1.0.1\" is "
	      "not a CIDR");
	CHECK(failure({ "--iptables-masquerade-bit=32" }) ==
	      "invalid argument \"32\" for \"--iptables-masquerade-bit\" flag: out of range 0-31");
	CHECK(failure({ "--iptables-masquerade-bit=-1" }) ==
	      "invalid argument \"-1\" for \"--iptables-masquerade-bit\" flag: not a number");
	CHECK(failure({ "--cluster-cidr=10.244.0.0/16,10.245.0.0/16" }) ==
	      "invalid argument \"10.244.0.0/16,10.245.0.0/16\" for \"--cluster-cidr\" flag: one CIDR, or "
	      "one IPv4 and one IPv6 CIDR");
	CHECK(failure({ "--cluster-cidr=10.244.0.0/33" }) ==
	      "invalid argument \"10.244.0.0/33\" for \"--cluster-cidr\" flag: \"10.244.0.0/33\" is not a "
	      "CIDR");
	CHECK(failure({ "--nodeport-addresses=primary,10.0.0.0/8" }) ==
	      "invalid argument \"primary,10.0.0.0/8\" for \"--nodeport-addresses\" flag: 'primary' "
	      "cannot be combined with CIDRs");
	CHECK(failure({ "--nodeport-addresses=eth0" }) ==
	      "invalid argument \"eth0\" for \"--nodeport-addresses\" flag: \"eth0\" is not a CIDR");
	CHECK(failure({ "--v=11" }) == "invalid argument \"11\" for \"--v\" flag: out of range 0-10");
	CHECK(failure({ "-v=x" }) == "invalid argument \"x\" for \"-v\" flag: not a number");
}
