/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPVS client: reads and writes virtual and real servers over generic
 * netlink, one request at a time or in batches, with the one idempotency
 * policy of kipvs.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "ipvs/change.h"
#include "ipvs/virtual_server.h"
#include "base/error.h"
#include "netlink/netlink_socket.h"

namespace kipvs::ipvs {

struct ApplyOptions {
	/*
	 * EEXIST on an add and ENOENT/ESRCH on a delete count as done: the
	 * state asked for is the state reached.
	 */
	bool idempotent = true;
	/* Send nothing after the sendmsg that held a failure (ECANCELED). */
	bool stopOnError = false;
	/* 0: as many changes per sendmsg as the socket buffers allow. */
	size_t maxChangesPerSend = 0;
	/* false: the kernel answers failures only (see netlink::BatchOptions). */
	bool ackEach = true;
};

class Client
{
public:
	/*
	 * EOPNOTSUPP when the kernel has no IPVS. Opening needs no privilege:
	 * EPERM surfaces on the first command when not root.
	 */
	static Result<Client> open();

	Client(Client &&) noexcept = default;
	Client &operator=(Client &&) noexcept = default;

	Result<Info> getInfo();
	Result<Timeouts> getTimeouts();
	Result<std::vector<SyncDaemon>> getSyncDaemons();
	/* In the kernel's order. */
	Result<std::vector<VirtualServer>> listVirtualServers();
	/* In the kernel's order; ESRCH when the service does not exist. */
	Result<std::vector<RealServer>> listRealServers(const ServiceKey &key);
	/* ESRCH (or ENOENT) when absent. */
	Result<VirtualServer> getVirtualServer(const ServiceKey &key);

	struct ServiceWithDestinations {
		VirtualServer service;
		std::vector<RealServer> destinations;
	};
	/*
	 * The whole table without holding it: one service dump, then one
	 * destination dump per service, each service handed to visit with
	 * its real servers as soon as its dump is complete, in the kernel's
	 * order. A destination dump failing with ESRCH/ENOENT (the service
	 * went between the dumps) skips the service; the kernel mostly
	 * answers such a dump with nothing, and the service is handed out
	 * without real servers. Any other error stops the read and names the
	 * service (what was visited before it stays visited).
	 */
	Result<void> forEachService(const std::function<void(ServiceWithDestinations &&)> &visit);
	/* forEachService, collected. */
	Result<std::vector<ServiceWithDestinations>> listAll();

	/* Single changes report the kernel's errno as is (EEXIST, ESRCH, ...). */
	Result<void> addVirtualServer(const VirtualServer &service);
	Result<void> updateVirtualServer(const VirtualServer &service);
	Result<void> deleteVirtualServer(const ServiceKey &key);
	Result<void> addRealServer(const ServiceKey &key, const RealServer &destination);
	Result<void> updateRealServer(const ServiceKey &key, const RealServer &destination);
	Result<void> deleteRealServer(const ServiceKey &key, const RealServer &destination);

	/* 0 leaves a timeout as it is. */
	Result<void> setTimeouts(const Timeouts &timeouts);
	/* Zero the counters of every service, or of one. */
	Result<void> zero();
	Result<void> zero(const ServiceKey &key);
	/* Delete every virtual server. */
	Result<void> flush();

	/*
	 * Apply changes in order in as few sendmsg calls as the socket
	 * buffers allow; one result per change, in the same order, each
	 * error naming its change. Changes whose ACK was lost are sent again.
	 */
	std::vector<Result<void>> applyBatch(const std::vector<Change> &changes,
					     const ApplyOptions &options = {});

private:
	Client(netlink::NetlinkSocket socket, uint16_t familyId);

	netlink::Message encode(const Change &change) const;
	Result<void> applyOne(const Change &change);
	Result<void> simple(uint8_t command, const char *operation, const ServiceKey *key = nullptr,
			    const Timeouts *timeouts = nullptr);

	netlink::NetlinkSocket socket_;
	uint16_t familyId_;
};

} /* namespace kipvs::ipvs */
