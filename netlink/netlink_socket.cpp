/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Netlink socket I/O: batches packed into sendmsg calls, replies collected
 * and attributed, lost ACKs (ENOBUFS) detected with a NOOP fence.
 */
#include "netlink/netlink_socket.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace kipvs::netlink {

namespace {

/*
 * What one queued ACK costs the receive buffer (skb truesize, with some
 * margin); replies with data are counted as a full page-sized skb.
 */
constexpr size_t kAckCost = 1024;
constexpr size_t kReplyCost = 16384;
constexpr int kWantedReceiveBuffer = 4 << 20;
constexpr int kWantedSendBuffer = 1 << 20;
constexpr size_t kReceiveBufferSize = 64 << 10;
/* The kernel answers in the sendmsg itself; only a dump makes us wait. */
constexpr time_t kReceiveTimeoutSeconds = 60;

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

void setBuffer(int fd, int forced, int plain, int bytes)
{
	/* FORCE goes past net.core.[rw]mem_max, but only for CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, forced, &bytes, sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof(bytes));
}

/*
 * NLM_F_DUMP is two bits (ROOT | MATCH); one of them alone is NLM_F_EXCL
 * or NLM_F_REPLACE on a NEW request, not a dump.
 */
bool isDump(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

int getBuffer(int fd, int option)
{
	int value = 0;
	socklen_t length = sizeof(value);
	getsockopt(fd, SOL_SOCKET, option, &value, &length);
	return value;
}

} /* namespace */

NetlinkSocket::NetlinkSocket(UniqueNlSocket socket, int protocol)
	: socket_(std::move(socket)), protocol_(protocol),
	  nextSeq_(static_cast<uint32_t>(std::time(nullptr))), receiveBuffer_(kReceiveBufferSize)
{
}

Result<NetlinkSocket> NetlinkSocket::open(int protocol)
{
	UniqueNlSocket socket(nl_socket_alloc());
	if (!socket)
		return Error(ENOMEM, "allocate a netlink socket");
	if (int ret = nl_connect(socket.get(), protocol); ret < 0) {
		/* libnl's codes lose the errno; the usual cause is the protocol. */
		return Error(EPROTONOSUPPORT, "open netlink socket (protocol " +
						      std::to_string(protocol) + ")",
			     {}, nl_geterror(ret));
	}
	NetlinkSocket result(std::move(socket), protocol);
	if (auto configured = result.configure(); !configured)
		return configured.error();
	return result;
}

int NetlinkSocket::fd() const
{
	return nl_socket_get_fd(socket_.get());
}

Result<void> NetlinkSocket::configure()
{
	int fd = this->fd();
	int on = 1;

	/* The kernel's own words for an error, and ACKs without the request echoed. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));

	setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, kWantedReceiveBuffer);
	setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, kWantedSendBuffer);

	struct timeval timeout = { kReceiveTimeoutSeconds, 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0)
		return Error(errno, "set the netlink receive timeout");

	/* getsockopt reports what the kernel accounts: twice what was set. */
	size_t receiveBuffer = static_cast<size_t>(getBuffer(fd, SO_RCVBUF));
	size_t sendBuffer = static_cast<size_t>(getBuffer(fd, SO_SNDBUF));
	maxBatchBytes_ = sendBuffer > 4096 ? sendBuffer - 64 : 4096;
	maxBatchRequests_ = std::max<size_t>(receiveBuffer / kAckCost, 1);
	return {};
}

Result<void> NetlinkSocket::sendFence(uint32_t seq)
{
	struct nlmsghdr fence = {};
	fence.nlmsg_len = NLMSG_HDRLEN;
	fence.nlmsg_type = NLMSG_NOOP;
	fence.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	fence.nlmsg_seq = seq;
	if (send(fd(), &fence, sizeof(fence), 0) < 0)
		return Error(errno, "send netlink fence");
	return {};
}

void NetlinkSocket::exchange(std::span<Message> requests, size_t begin, size_t end,
			     const ReplyHandler &onReply, bool quiet,
			     std::vector<Result<void>> &results)
{
	uint32_t firstSeq = nextSeq_;
	nextSeq_ += static_cast<uint32_t>(end - begin);
	uint32_t quietFence = quiet ? nextSeq_++ : 0;

	sendBuffer_.clear();
	for (size_t i = begin; i < end; i++) {
		const struct nlmsghdr *source = requests[i].header();
		size_t offset = sendBuffer_.size();
		size_t length = NLMSG_ALIGN(source->nlmsg_len);
		sendBuffer_.resize(offset + length);
		std::memcpy(sendBuffer_.data() + offset, source, source->nlmsg_len);

		struct nlmsghdr *nlh = reinterpret_cast<struct nlmsghdr *>(sendBuffer_.data() + offset);
		nlh->nlmsg_seq = firstSeq + static_cast<uint32_t>(i - begin);
		nlh->nlmsg_pid = 0;
		nlh->nlmsg_flags |= NLM_F_REQUEST;
		/* A dump ends with NLMSG_DONE instead of an ACK. */
		if (!isDump(nlh) && !quiet)
			nlh->nlmsg_flags |= NLM_F_ACK;
	}
	if (quiet) {
		/* Processed after every request before it: its ACK closes the batch. */
		struct nlmsghdr fence = {};
		fence.nlmsg_len = NLMSG_HDRLEN;
		fence.nlmsg_type = NLMSG_NOOP;
		fence.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		fence.nlmsg_seq = quietFence;
		size_t offset = sendBuffer_.size();
		sendBuffer_.resize(offset + NLMSG_HDRLEN);
		std::memcpy(sendBuffer_.data() + offset, &fence, sizeof(fence));
	}

	ReplyHandler handler;
	if (onReply)
		handler = [&](size_t index, const struct nlmsghdr *nlh) {
			return onReply(begin + index, nlh);
		};
	ReplyCollector collector(firstSeq, end - begin, handler);
	if (quiet)
		collector.expectFence(quietFence);

	ssize_t sent = send(fd(), sendBuffer_.data(), sendBuffer_.size(), 0);
	if (sent < 0 || static_cast<size_t>(sent) != sendBuffer_.size()) {
		collector.abandon(sent < 0 ? errno : EMSGSIZE, "send netlink requests");
	}

	unsigned int fences = 0;
	while (!collector.complete()) {
		if (fences && collector.fenceSeen()) {
			collector.abandon(ENOBUFS, "netlink reply lost (receive buffer overrun)");
			break;
		}
		if (quiet && collector.fenceSeen()) {
			collector.succeedUnanswered();
			break;
		}
		ssize_t received = recv(fd(), receiveBuffer_.data(), receiveBuffer_.size(), 0);
		if (received < 0) {
			int errnum = errno;
			if (errnum == EINTR)
				continue;
			if (errnum == ENOBUFS && fences < 8) {
				/* Replies were dropped: the fence's ACK marks the end of what is left. */
				uint32_t fenceSeq = nextSeq_++;
				collector.expectFence(fenceSeq);
				fences++;
				if (sendFence(fenceSeq))
					continue;
			}
			if (errnum == EAGAIN || errnum == EWOULDBLOCK)
				errnum = ETIMEDOUT;
			collector.abandon(errnum, "receive netlink replies");
			break;
		}
		auto fed = collector.feed(receiveBuffer_.data(), static_cast<size_t>(received));
		if (!fed) {
			collector.abandon(fed.error().code(), fed.error().operation());
			break;
		}
	}

	std::vector<Result<void>> chunk = collector.takeResults();
	for (auto &result : chunk)
		results.push_back(std::move(result));
}

std::vector<Result<void>> NetlinkSocket::transact(std::span<Message> requests,
					   const ReplyHandler &onReply,
					   const BatchOptions &options)
{
	std::vector<Result<void>> results;
	results.reserve(requests.size());

	size_t limit = onReply ? std::max<size_t>(maxBatchRequests_ * kAckCost / kReplyCost, 1)
			       : maxBatchRequests_;
	if (options.maxRequestsPerSend)
		limit = std::min(limit, options.maxRequestsPerSend);

	size_t begin = 0;
	while (begin < requests.size()) {
		/* Requests that cannot even be built fail alone, without being sent. */
		if (auto status = requests[begin].status(); !status) {
			results.push_back(status.error());
			begin++;
			if (options.stopOnError) {
				while (results.size() < requests.size())
					results.push_back(Error(ECANCELED, "not sent after an earlier failure"));
				break;
			}
			continue;
		}

		size_t end = begin;
		size_t bytes = 0;
		while (end < requests.size() && end - begin < limit) {
			if (!requests[end].status())
				break;
			const struct nlmsghdr *nlh = requests[end].header();
			size_t length = NLMSG_ALIGN(nlh->nlmsg_len);
			if (end > begin && bytes + length > maxBatchBytes_)
				break;
			bytes += length;
			end++;
			/* The kernel runs one dump at a time per socket. */
			if (isDump(nlh))
				break;
		}

		/* Dumps always end with DONE: a quiet fence cannot vouch for them. */
		bool quiet = !options.ackEach && !onReply &&
			     !isDump(requests[end - 1].header());
		size_t before = results.size();
		exchange(requests, begin, end, onReply, quiet, results);
		begin = end;

		if (options.stopOnError &&
		    std::any_of(results.begin() + static_cast<ptrdiff_t>(before), results.end(),
				[](const Result<void> &r) { return !r.ok(); })) {
			while (results.size() < requests.size())
				results.push_back(Error(ECANCELED, "not sent after an earlier failure"));
			break;
		}
	}
	return results;
}

Result<void> NetlinkSocket::request(Message &request, const ReplyHandler &onReply)
{
	auto results = transact(std::span<Message>(&request, 1), onReply);
	return std::move(results.front());
}

Result<void> NetlinkSocket::dump(Message &request,
			  const std::function<Result<void>(const struct nlmsghdr *)> &onMessage)
{
	if (struct nlmsghdr *nlh = request.header())
		nlh->nlmsg_flags |= NLM_F_DUMP;
	return this->request(request, [&](size_t, const struct nlmsghdr *nlh) {
		return onMessage(nlh);
	});
}

} /* namespace kipvs::netlink */
