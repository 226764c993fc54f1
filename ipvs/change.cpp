/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes: constructors and the names they give errors.
 */
#include "ipvs/change.h"

namespace kipvs::ipvs {

namespace {

Change make(Change::Kind kind, VirtualServer service, RealServer destination = {})
{
	Change change;
	change.kind = kind;
	change.service = std::move(service);
	change.destination = std::move(destination);
	return change;
}

VirtualServer keyOnly(const ServiceKey &key)
{
	VirtualServer service;
	service.key = key;
	return service;
}

} /* namespace */

Change Change::addVirtualServer(VirtualServer service)
{
	return make(Kind::AddVirtualServer, std::move(service));
}

Change Change::updateVirtualServer(VirtualServer service)
{
	return make(Kind::UpdateVirtualServer, std::move(service));
}

Change Change::deleteVirtualServer(const ServiceKey &key)
{
	return make(Kind::DeleteVirtualServer, keyOnly(key));
}

Change Change::addRealServer(const ServiceKey &key, RealServer destination)
{
	return make(Kind::AddRealServer, keyOnly(key), std::move(destination));
}

Change Change::updateRealServer(const ServiceKey &key, RealServer destination)
{
	return make(Kind::UpdateRealServer, keyOnly(key), std::move(destination));
}

Change Change::deleteRealServer(const ServiceKey &key, RealServer destination)
{
	return make(Kind::DeleteRealServer, keyOnly(key), std::move(destination));
}

std::string Change::operation() const
{
	switch (kind) {
	case Kind::AddVirtualServer:
		return "add virtual server";
	case Kind::UpdateVirtualServer:
		return "update virtual server";
	case Kind::DeleteVirtualServer:
		return "delete virtual server";
	case Kind::AddRealServer:
		return "add real server";
	case Kind::UpdateRealServer:
		return "update real server";
	case Kind::DeleteRealServer:
		return "delete real server";
	}
	return "change";
}

std::string Change::object() const
{
	if (isRealServer())
		return service.key.toString() + " -> " + destination.toString();
	return service.key.toString();
}

std::string Change::describe() const
{
	const std::string server = service.key.toString();
	auto withWeight = [&] {
		return destination.toString() + " (weight " + std::to_string(destination.weight) +
		       ") of " + server;
	};
	switch (kind) {
	case Kind::AddVirtualServer:
		return "add virtual server " + server + " (" + service.scheduler + ")";
	case Kind::UpdateVirtualServer:
		return "update virtual server " + server + " (" + service.scheduler + ")";
	case Kind::DeleteVirtualServer:
		return "delete virtual server " + server;
	case Kind::AddRealServer:
		return "add real server " + withWeight();
	case Kind::UpdateRealServer:
		return "update real server " + withWeight();
	case Kind::DeleteRealServer:
		return "delete real server " + destination.toString() + " of " + server;
	}
	return "?";
}

} /* namespace kipvs::ipvs */
