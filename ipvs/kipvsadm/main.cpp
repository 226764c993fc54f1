/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm: prints what ipvsadm 1.31 prints for the IPVS table, byte for
 * byte, reading it through the kipvs netlink client.
 */
#include <cstdio>
#include <string>
#include <vector>

#include "ipvs/kipvsadm/application.h"
#include "ipvs/kipvsadm/client_source.h"

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv, argv + argc);

	kipvs::ipvsadm::ClientSourceProvider provider;
	int code;
	{
		/* stderr unbuffered in spirit: flushed as soon as it is written. */
		kipvs::ipvsadm::Output out(stdout);
		kipvs::ipvsadm::Output err(stderr);
		kipvs::ipvsadm::Application application(provider, out, err);
		code = application.run(args);
	}
	return code;
}
