/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reply attribution: ACKs, errors with extended-ACK text, dump ends.
 */
#include "netlink/reply_collector.h"

#include <cerrno>
#include <cstring>

#include <linux/netlink.h>

namespace kipvs::netlink {

const AttributeTable &extendedAckAttributes()
{
	static const AttributeTable table("nlmsgerr", {
		{ NLMSGERR_ATTR_MSG, "msg", AttributeType::String },
		{ NLMSGERR_ATTR_OFFS, "offs", AttributeType::U32 },
		{ NLMSGERR_ATTR_COOKIE, "cookie", AttributeType::Binary, 0, 20 },
		{ NLMSGERR_ATTR_POLICY, "policy", AttributeType::Unspec },
		{ NLMSGERR_ATTR_MISS_TYPE, "miss_type", AttributeType::U32 },
		{ NLMSGERR_ATTR_MISS_NEST, "miss_nest", AttributeType::U32 },
	});
	return table;
}

ReplyCollector::ReplyCollector(uint32_t firstSeq, size_t count, ReplyHandler handler)
	: firstSeq_(firstSeq), handler_(std::move(handler)), results_(count),
	  answered_(count, false), pending_(count)
{
}

void ReplyCollector::finish(size_t index, Result<void> result)
{
	if (answered_[index])
		return;
	answered_[index] = true;
	pending_--;
	/* A reply the handler could not read outranks the ACK that followed it. */
	if (results_[index].ok())
		results_[index] = std::move(result);
}

Result<void> ReplyCollector::error(const struct nlmsghdr *nlh, size_t payloadOffset, int errnum)
{
	std::string kernelMessage;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS && nlh->nlmsg_len > payloadOffset) {
		auto tlvs = Attributes::parse(extendedAckAttributes(),
					      reinterpret_cast<const uint8_t *>(nlh) + payloadOffset,
					      nlh->nlmsg_len - payloadOffset);
		if (tlvs.ok())
			kernelMessage = tlvs->string(NLMSGERR_ATTR_MSG).value_or("");
	}
	return Error(errnum, {}, {}, std::move(kernelMessage));
}

Result<void> ReplyCollector::feed(const void *data, size_t length)
{
	const uint8_t *cursor = static_cast<const uint8_t *>(data);
	size_t remaining = length;

	while (remaining >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = reinterpret_cast<const struct nlmsghdr *>(cursor);
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > remaining)
			return Error(EPROTO, "read netlink replies (a message overruns the datagram)");

		uint32_t offset = nlh->nlmsg_seq - firstSeq_;
		bool ours = offset < results_.size();
		size_t index = offset;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
				return Error(EPROTO, "read netlink replies (a truncated error)");
			struct nlmsgerr header;
			std::memcpy(&header, NLMSG_DATA(nlh), sizeof(header));
			if (fence_ && nlh->nlmsg_seq == *fence_) {
				fenceSeen_ = true;
			} else if (ours) {
				if (header.error == 0) {
					finish(index, {});
				} else {
					/* The TLVs follow the echoed request, or its header alone when capped. */
					size_t echoed = nlh->nlmsg_flags & NLM_F_CAPPED
								? NLMSG_HDRLEN
								: NLMSG_ALIGN(header.msg.nlmsg_len);
					size_t tlvOffset = NLMSG_HDRLEN + sizeof(int) + echoed;
					finish(index, error(nlh, tlvOffset, -header.error));
				}
			}
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			if (ours) {
				int status = 0;
				if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					std::memcpy(&status, NLMSG_DATA(nlh), sizeof(status));
				if (status < 0)
					finish(index, error(nlh, NLMSG_HDRLEN + sizeof(int), -status));
				else
					finish(index, {});
			}
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && ours && !answered_[index]) {
			if (handler_ && results_[index].ok()) {
				Result<void> handled = handler_(index, nlh);
				if (!handled)
					results_[index] = handled;
			}
		}

		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= remaining)
			break;
		cursor += step;
		remaining -= step;
	}
	return {};
}

void ReplyCollector::abandon(int errnum, const std::string &why)
{
	for (size_t i = 0; i < answered_.size(); i++)
		if (!answered_[i])
			finish(i, Error(errnum, why));
}

void ReplyCollector::succeedUnanswered()
{
	for (size_t i = 0; i < answered_.size(); i++)
		if (!answered_[i])
			finish(i, {});
}

std::vector<Result<void>> ReplyCollector::takeResults()
{
	return std::move(results_);
}

} /* namespace kipvs::netlink */
