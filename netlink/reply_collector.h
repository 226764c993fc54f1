/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribution of netlink replies to the requests of one batch: every ACK,
 * error, reply and end of dump is matched to its request by sequence number.
 * Kept apart from the socket so that tests can feed it synthetic buffers.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "netlink/attribute_table.h"
#include "base/error.h"

struct nlmsghdr;

namespace kipvs::netlink {

/* Called for each reply that carries data (not an ACK, error or DONE). */
using ReplyHandler = std::function<Result<void>(size_t index, const struct nlmsghdr *reply)>;

/* The extended-ACK attributes that follow an error (NLMSGERR_ATTR_*). */
const AttributeTable &extendedAckAttributes();

class ReplyCollector
{
public:
	/* count requests numbered firstSeq, firstSeq + 1, ... (wrapping). */
	ReplyCollector(uint32_t firstSeq, size_t count, ReplyHandler handler = {});

	/*
	 * One received datagram, which may hold several messages. EPROTO for
	 * a truncated or malformed one; replies to unknown sequence numbers
	 * are ignored (they belong to an earlier, abandoned batch).
	 */
	Result<void> feed(const void *data, size_t length);

	/* Wait for the ACK of a NLMSG_NOOP request numbered seq too. */
	void expectFence(uint32_t seq) { fence_ = seq; fenceSeen_ = false; }
	bool fenceSeen() const { return fenceSeen_; }

	bool complete() const { return pending_ == 0; }
	/* Requests sent without NLM_F_ACK and not failed before the fence succeeded. */
	void succeedUnanswered();
	bool answered(size_t index) const { return answered_[index]; }
	/* Give every unanswered request this error (the ACKs were lost). */
	void abandon(int errnum, const std::string &why);

	std::vector<Result<void>> takeResults();

private:
	void finish(size_t index, Result<void> result);
	Result<void> error(const struct nlmsghdr *nlh, size_t payloadOffset, int errnum);

	uint32_t firstSeq_;
	ReplyHandler handler_;
	std::vector<Result<void>> results_;
	std::vector<bool> answered_;
	size_t pending_;
	std::optional<uint32_t> fence_;
	bool fenceSeen_ = false;
};

} /* namespace kipvs::netlink */
