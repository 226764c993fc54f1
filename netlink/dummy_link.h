/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A dummy link that holds service addresses (kube-ipvs0): created when
 * missing, left down and NOARP as kube-proxy leaves it, and its /32 and
 * /128 addresses added and deleted in batches.
 */
#pragma once

#include <string>
#include <vector>

#include "base/address.h"
#include "base/error.h"
#include "netlink/netlink_socket.h"

namespace kipvs::netlink {

class DummyLink
{
public:
	/* The link named so, created if missing. */
	static Result<DummyLink> ensure(const std::string &name);
	/* The link named so: ENODEV when there is none. */
	static Result<DummyLink> find(const std::string &name);
	/* Delete the link named so (its addresses go with it); ENODEV when there is none. */
	static Result<void> remove(const std::string &name);

	DummyLink(DummyLink &&) noexcept = default;
	DummyLink &operator=(DummyLink &&) noexcept = default;

	const std::string &name() const { return name_; }
	int index() const { return index_; }

	/* Its addresses, in the kernel's order. */
	Result<std::vector<IpAddress>> addresses();

	/*
	 * Host addresses (/32, /128), as few sendmsg calls as the buffers
	 * allow, one result per address: EEXIST when already there on add,
	 * EADDRNOTAVAIL when not there on delete, as the kernel says.
	 */
	std::vector<Result<void>> addAddresses(const std::vector<IpAddress> &addresses);
	std::vector<Result<void>> deleteAddresses(const std::vector<IpAddress> &addresses);

private:
	DummyLink(NetlinkSocket socket, std::string name, int index);
	static Result<int> lookup(NetlinkSocket &route, const std::string &name);
	std::vector<Result<void>> changeAddresses(uint16_t type, uint16_t flags,
						  const std::vector<IpAddress> &addresses,
						  const char *operation);

	NetlinkSocket socket_;
	std::string name_;
	int index_;
};

} /* namespace kipvs::netlink */
