/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Set names per family and the kernel's length limit.
 */
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "ipset/set_name.h"

using kipvs::ipset::setName;

TEST_CASE("IPv6 sets take the KUBE-6- prefix", "[ipset]")
{
	CHECK(setName("KUBE-CLUSTER-IP", AF_INET) == "KUBE-CLUSTER-IP");
	CHECK(setName("KUBE-CLUSTER-IP", AF_INET6) == "KUBE-6-CLUSTER-IP");
}

TEST_CASE("set names are cut to 31 characters", "[ipset]")
{
	std::string name = setName("KUBE-LOAD-BALANCER-SOURCE-CIDR", AF_INET6);
	CHECK(name == "KUBE-6-LOAD-BALANCER-SOURCE-CID");
	CHECK(name.size() == 31);
	CHECK(setName("KUBE-LOAD-BALANCER-SOURCE-CIDR", AF_INET).size() == 30);
}
