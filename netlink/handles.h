/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Move-only owners of libnl handles: a socket or a message is freed exactly
 * once, on every path, by whoever holds it last.
 */
#pragma once

#include <memory>

#include <netlink/msg.h>
#include <netlink/socket.h>

namespace kipvs::netlink {

struct NlSocketDeleter {
	void operator()(struct nl_sock *socket) const { nl_socket_free(socket); }
};

struct NlMessageDeleter {
	void operator()(struct nl_msg *message) const { nlmsg_free(message); }
};

using UniqueNlSocket = std::unique_ptr<struct nl_sock, NlSocketDeleter>;
using UniqueNlMessage = std::unique_ptr<struct nl_msg, NlMessageDeleter>;

} /* namespace kipvs::netlink */
