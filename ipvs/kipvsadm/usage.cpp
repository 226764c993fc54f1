/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm -h: ipvsadm's help layout, listing what kipvsadm supports.
 */
#include "ipvs/kipvsadm/command_line.h"

namespace kipvs::ipvsadm {

std::string CommandLine::usage(const std::string &program)
{
	return version() + "Usage:\n  " + program + " -L|l [options]\n";
}

} /* namespace kipvs::ipvsadm */
