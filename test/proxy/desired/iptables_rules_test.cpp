/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs's iptables rules against kube-proxy's own expectations for its
 * chains, their jumps and the localhost rule (ported from proxier_test.go).
 */
#include <sstream>
#include <string>
#include <vector>

#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "proxy/desired/iptables_rules.h"

using namespace kipvs;
using namespace kipvs::proxy;

namespace {

/* The lines of one table of an iptables-restore input. */
std::vector<std::string> table(const std::string &ruleset, const std::string &name)
{
	std::vector<std::string> lines;
	std::istringstream in(ruleset);
	bool inside = false;
	for (std::string line; std::getline(in, line);) {
		if (line.starts_with("*"))
			inside = line == "*" + name;
		else if (inside && line != "COMMIT")
			lines.push_back(line);
	}
	return lines;
}

std::vector<std::string> chainHeaders(const std::string &ruleset, const std::string &name)
{
	std::vector<std::string> headers;
	for (const std::string &line : table(ruleset, name))
		if (line.starts_with(":"))
			headers.push_back(line);
	return headers;
}

} /* namespace */

TEST_CASE("kube-proxy's chains, in its order (TestCreateAndLinkKubeChain)", "[rules]")
{
	std::string ruleset = buildRuleset(AF_INET, RuleConfig{}, RulesInput{});
	CHECK(chainHeaders(ruleset, "nat") ==
	      std::vector<std::string>{ ":KUBE-SERVICES - [0:0]", ":KUBE-POSTROUTING - [0:0]",
					":KUBE-NODE-PORT - [0:0]", ":KUBE-LOAD-BALANCER - [0:0]",
					":KUBE-MARK-MASQ - [0:0]" });
	CHECK(chainHeaders(ruleset, "filter") ==
	      std::vector<std::string>{ ":KUBE-FORWARD - [0:0]", ":KUBE-NODE-PORT - [0:0]",
					":KUBE-PROXY-FIREWALL - [0:0]",
					":KUBE-SOURCE-RANGES-FIREWALL - [0:0]",
					":KUBE-IPVS-FILTER - [0:0]", ":KUBE-IPVS-OUT-FILTER - [0:0]" });

	/* The jumps into them, with kube-proxy's comments (a node moving over keeps one of each). */
	std::vector<std::string> jumps;
	for (const JumpRule &jump : jumpRules())
		jumps.push_back(std::string(jump.table) + " " + jump.from + " " + jump.to + " " +
				jump.comment);
	CHECK(jumps == std::vector<std::string>{
			       "nat OUTPUT KUBE-SERVICES kubernetes service portals",
			       "nat PREROUTING KUBE-SERVICES kubernetes service portals",
			       "nat POSTROUTING KUBE-POSTROUTING kubernetes postrouting rules",
			       "filter FORWARD KUBE-FORWARD kubernetes forwarding rules",
			       "filter INPUT KUBE-NODE-PORT kubernetes health check rules",
			       "filter INPUT KUBE-PROXY-FIREWALL kube-proxy firewall rules",
			       "filter FORWARD KUBE-PROXY-FIREWALL kube-proxy firewall rules",
			       "filter INPUT KUBE-IPVS-FILTER kubernetes ipvs access filter",
			       "filter OUTPUT KUBE-IPVS-OUT-FILTER kubernetes ipvs access filter",
		       });
}

TEST_CASE("the first KUBE-SERVICES rule lets localhost through (TestDismissLocalhostRuleExist)",
	  "[rules]")
{
	for (auto [family, source] : { std::pair{ AF_INET, "127.0.0.0/8" },
				       std::pair{ AF_INET6, "::1/128" } }) {
		INFO("family " << family);
		std::string first;
		for (const std::string &line :
		     table(buildRuleset(family, RuleConfig{}, RulesInput{}), "nat"))
			if (line.starts_with("-A KUBE-SERVICES ")) {
				first = line;
				break;
			}
		CHECK(first == std::string("-A KUBE-SERVICES -s ") + source + " -j RETURN");
	}
}
