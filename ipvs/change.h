/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One change to IPVS state, as the batch API takes them.
 */
#pragma once

#include <cstdint>
#include <string>

#include "ipvs/virtual_server.h"

namespace kipvs::ipvs {

struct Change {
	enum class Kind : uint8_t {
		AddVirtualServer,
		UpdateVirtualServer,
		DeleteVirtualServer,
		AddRealServer,
		UpdateRealServer,
		DeleteRealServer,
	};

	Kind kind = Kind::AddVirtualServer;
	/* For real-server changes and for deletes only service.key counts. */
	VirtualServer service;
	RealServer destination;

	static Change addVirtualServer(VirtualServer service);
	static Change updateVirtualServer(VirtualServer service);
	static Change deleteVirtualServer(const ServiceKey &key);
	static Change addRealServer(const ServiceKey &key, RealServer destination);
	static Change updateRealServer(const ServiceKey &key, RealServer destination);
	static Change deleteRealServer(const ServiceKey &key, RealServer destination);

	bool isAdd() const { return kind == Kind::AddVirtualServer || kind == Kind::AddRealServer; }
	bool isDelete() const
	{
		return kind == Kind::DeleteVirtualServer || kind == Kind::DeleteRealServer;
	}
	bool isRealServer() const
	{
		return kind == Kind::AddRealServer || kind == Kind::UpdateRealServer ||
		       kind == Kind::DeleteRealServer;
	}

	/* "add virtual server", "delete real server", ...: the operation in errors. */
	std::string operation() const;
	/* "TCP 10.0.0.1:80" or "TCP 10.0.0.1:80 -> 10.244.1.5:8080": the object in errors. */
	std::string object() const;
	/*
	 * The whole change for logs and dry runs: "add virtual server TCP
	 * 10.96.0.1:443 (rr)", "delete real server 10.244.1.5:80 of TCP …".
	 */
	std::string describe() const;
};

} /* namespace kipvs::ipvs */
