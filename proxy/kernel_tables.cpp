/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Descriptions of kernel changes for logs and dry runs, and the sets kipvs owns.
 */
#include "proxy/kernel_tables.h"

#include "ipset/set_name.h"
#include "proxy/desired_state.h"

namespace kipvs::proxy {

std::string IpvsChange::describe() const
{
	const std::string service = server.key.toString();
	auto destinationText = [&] {
		return destination.toString() + " (weight " + std::to_string(destination.weight) +
		       ") of " + service;
	};
	switch (op) {
	case Op::AddService:
		return "add virtual server " + service + " (" + server.scheduler + ")";
	case Op::UpdateService:
		return "update virtual server " + service + " (" + server.scheduler + ")";
	case Op::DeleteService:
		return "delete virtual server " + service;
	case Op::AddDestination:
		return "add real server " + destinationText();
	case Op::UpdateDestination:
		return "update real server " + destinationText();
	case Op::DeleteDestination:
		return "delete real server " + destination.toString() + " of " + service;
	}
	return "?";
}

} /* namespace kipvs::proxy */
