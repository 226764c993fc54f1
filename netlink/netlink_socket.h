/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A netlink socket that sends requests in batches: many requests per
 * sendmsg, one ACK each, every error attributed to the request behind it.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "netlink/handles.h"
#include "netlink/message.h"
#include "netlink/reply_collector.h"

namespace kipvs::netlink {

struct BatchOptions {
	/*
	 * The kernel works through every request of a sendmsg whatever fails;
	 * with stopOnError nothing is sent after the sendmsg that held a
	 * failure, and the requests not sent fail with ECANCELED.
	 */
	bool stopOnError = false;
	/* At most this many requests per sendmsg (0: as many as the buffers allow). */
	size_t maxRequestsPerSend = 0;
	/*
	 * false: no NLM_F_ACK on each request; the kernel then answers only
	 * the failures, and a NOOP fence closing each sendmsg tells when the
	 * rest succeeded. Same attribution, a fraction of the replies. The
	 * batch stays as small as with ACKs: every request might fail.
	 */
	bool ackEach = true;
};

class NetlinkSocket
{
public:
	/* NETLINK_GENERIC or NETLINK_ROUTE. */
	static Result<NetlinkSocket> open(int protocol);

	NetlinkSocket(NetlinkSocket &&) noexcept = default;
	NetlinkSocket &operator=(NetlinkSocket &&) noexcept = default;

	int protocol() const { return protocol_; }
	int fd() const;

	/*
	 * Sends every request, with NLM_F_ACK unless it is a dump, in as few
	 * sendmsg calls as the socket buffers allow, and returns one result
	 * per request, in order. A dump ends a sendmsg: the kernel runs one
	 * dump at a time per socket. Requests whose ACK the kernel dropped
	 * (ENOBUFS) fail with ENOBUFS; the caller may send them again.
	 */
	std::vector<Result<void>> transact(std::span<Message> requests,
					   const ReplyHandler &onReply = {},
					   const BatchOptions &options = {});

	/* One request; its replies, if any, go to onReply. */
	Result<void> request(Message &request, const ReplyHandler &onReply = {});

	/* One NLM_F_DUMP request; each message of the dump goes to onMessage. */
	Result<void> dump(Message &request,
			  const std::function<Result<void>(const struct nlmsghdr *)> &onMessage);

	/*
	 * The id of a generic netlink family, asked of the controller once
	 * per socket. EOPNOTSUPP when the kernel has no such family.
	 */
	Result<uint16_t> genericFamily(const std::string &name);

	/* What one sendmsg may hold. */
	size_t maxBatchBytes() const { return maxBatchBytes_; }
	size_t maxBatchRequests() const { return maxBatchRequests_; }

private:
	NetlinkSocket(UniqueNlSocket socket, int protocol);
	Result<void> configure();

	/* Sends requests[begin, end) in one sendmsg and collects their replies. */
	void exchange(std::span<Message> requests, size_t begin, size_t end,
		      const ReplyHandler &onReply, bool quiet, std::vector<Result<void>> &results);
	Result<void> sendFence(uint32_t seq);

	UniqueNlSocket socket_;
	int protocol_;
	uint32_t nextSeq_;
	size_t maxBatchBytes_ = 0;
	size_t maxBatchRequests_ = 0;
	std::vector<uint8_t> sendBuffer_;
	std::vector<uint8_t> receiveBuffer_;
	std::map<std::string, Result<uint16_t>> families_;
};

} /* namespace kipvs::netlink */
