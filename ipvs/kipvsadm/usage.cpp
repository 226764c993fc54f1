/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm -h: ipvsadm's help layout, listing what kipvsadm supports (the
 * reading commands); changing the table stays with ipvsadm.
 */
#include "ipvs/kipvsadm/command_line.h"

namespace kipvs::ipvsadm {

std::string CommandLine::usage(const std::string &program)
{
	const std::string &p = program;
	return version() +
	       "Usage:\n"
	       "  " + p + " -S [-n]\n"
	       "  " + p + " -L|l [virtual-service] [options]\n"
	       "  " + p + " -h\n"
	       "\n"
	       "Commands:\n"
	       "Either long or short options are allowed.\n"
	       "  --save            -S        save rules to stdout\n"
	       "  --list            -L|-l     list the table\n"
	       "  --help            -h        display this help message\n"
	       "  --version         -v        display the version\n"
	       "\n"
	       "Not supported (they change the table; use ipvsadm):\n"
	       "  --add-service -A, --edit-service -E, --delete-service -D, --clear -C,\n"
	       "  --restore -R, --add-server -a, --edit-server -e, --delete-server -d,\n"
	       "  --zero -Z, --set, --start-daemon, --stop-daemon\n"
	       "\n"
	       "virtual-service:\n"
	       "  --tcp-service|-t  service-address   service-address is host[:port]\n"
	       "  --udp-service|-u  service-address   service-address is host[:port]\n"
	       "  --sctp-service    service-address   service-address is host[:port]\n"
	       "  --fwmark-service|-f fwmark          fwmark is an integer greater than zero\n"
	       "\n"
	       "Options:\n"
	       "  --ipv6         -6                   fwmark entry uses IPv6\n"
	       "  --connection   -c                   output of current IPVS connections\n"
	       "  --timeout                           output of timeout (tcp tcpfin udp)\n"
	       "  --daemon                            output of daemon information\n"
	       "  --stats                             output of statistics information\n"
	       "  --stats64                           statistics with real servers' 64-bit counters\n"
	       "                                      (ipvsadm shows their low 32 bits)\n"
	       "  --rate                              output of rate information\n"
	       "  --exact                             expand numbers (display exact values)\n"
	       "  --thresholds                        output of thresholds information\n"
	       "  --persistent-conn                   output of persistent connection info\n"
	       "  --tun-info                          output of tunnel information\n"
	       "  --nosort                            disable sorting output of service/server entries\n"
	       "  --sort                              does nothing, for backwards compatibility\n"
	       "  --numeric      -n                   numeric output of addresses and ports\n";
}

} /* namespace kipvs::ipvsadm */
