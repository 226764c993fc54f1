/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error attribution in a batch: synthetic buffers of ACKs, errors with
 * extended-ACK text, replies and dump ends, fed to the collector.
 */
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <linux/netlink.h>

#include "netlink/reply_collector.h"

using namespace kipvs::netlink;

namespace {

class Datagram
{
public:
	/* An NLMSG_ERROR: error 0 is an ACK. Capped, with TLVs when text is given. */
	Datagram &ack(uint32_t seq, int error, const std::string &text = {})
	{
		std::vector<uint8_t> payload(sizeof(struct nlmsgerr));
		struct nlmsgerr err = {};
		err.error = -error;
		err.msg.nlmsg_len = 40; /* the request's own length, not echoed */
		err.msg.nlmsg_seq = seq;
		std::memcpy(payload.data(), &err, sizeof(err));
		uint16_t flags = NLM_F_CAPPED;
		if (!text.empty()) {
			flags |= NLM_F_ACK_TLVS;
			struct nlattr attr = { static_cast<uint16_t>(NLA_HDRLEN + text.size() + 1),
					       NLMSGERR_ATTR_MSG };
			size_t offset = payload.size();
			payload.resize(offset + NLA_ALIGN(attr.nla_len));
			std::memcpy(payload.data() + offset, &attr, sizeof(attr));
			std::memcpy(payload.data() + offset + NLA_HDRLEN, text.c_str(), text.size() + 1);
		}
		return message(NLMSG_ERROR, flags, seq, payload);
	}

	Datagram &done(uint32_t seq, int status = 0)
	{
		std::vector<uint8_t> payload(sizeof(int));
		std::memcpy(payload.data(), &status, sizeof(status));
		return message(NLMSG_DONE, NLM_F_MULTI, seq, payload);
	}

	Datagram &data(uint32_t seq, uint32_t value)
	{
		std::vector<uint8_t> payload(sizeof(value));
		std::memcpy(payload.data(), &value, sizeof(value));
		return message(0x20, NLM_F_MULTI, seq, payload);
	}

	Datagram &message(uint16_t type, uint16_t flags, uint32_t seq,
			  const std::vector<uint8_t> &payload)
	{
		struct nlmsghdr nlh = {};
		nlh.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
		nlh.nlmsg_type = type;
		nlh.nlmsg_flags = flags;
		nlh.nlmsg_seq = seq;
		size_t offset = bytes.size();
		bytes.resize(offset + NLMSG_ALIGN(nlh.nlmsg_len));
		std::memcpy(bytes.data() + offset, &nlh, sizeof(nlh));
		std::memcpy(bytes.data() + offset + NLMSG_HDRLEN, payload.data(), payload.size());
		return *this;
	}

	std::vector<uint8_t> bytes;
};

} /* namespace */

TEST_CASE("each ACK and error goes to the request with its sequence number", "[batch]")
{
	ReplyCollector collector(1000, 4);
	/* Out of order and split over two datagrams, as a test of attribution. */
	Datagram first;
	first.ack(1002, EEXIST, "Service already exists").ack(1000, 0);
	Datagram second;
	second.ack(1003, ESRCH).ack(1001, 0);

	REQUIRE(collector.feed(first.bytes.data(), first.bytes.size()).ok());
	CHECK_FALSE(collector.complete());
	REQUIRE(collector.feed(second.bytes.data(), second.bytes.size()).ok());
	REQUIRE(collector.complete());

	auto results = collector.takeResults();
	REQUIRE(results.size() == 4);
	CHECK(results[0].ok());
	CHECK(results[1].ok());
	REQUIRE_FALSE(results[2].ok());
	CHECK(results[2].error().code() == EEXIST);
	CHECK(results[2].error().kernelMessage() == "Service already exists");
	REQUIRE_FALSE(results[3].ok());
	/* ESRCH stays ESRCH: nothing merges it with ENOENT on the way. */
	CHECK(results[3].error().code() == ESRCH);
	CHECK(results[3].error().kernelMessage().empty());
}

TEST_CASE("replies reach the handler with their request's index; DONE ends a dump", "[batch]")
{
	std::vector<std::pair<size_t, uint32_t>> seen;
	ReplyCollector collector(UINT32_MAX, 2, [&](size_t index, const struct nlmsghdr *nlh) {
		uint32_t value;
		std::memcpy(&value, NLMSG_DATA(nlh), sizeof(value));
		seen.emplace_back(index, value);
		return kipvs::Result<void>();
	});
	/* Sequence numbers wrap: UINT32_MAX then 0. */
	Datagram datagram;
	datagram.data(UINT32_MAX, 1).data(UINT32_MAX, 2).done(UINT32_MAX).data(0, 3).done(0, -EINTR);
	REQUIRE(collector.feed(datagram.bytes.data(), datagram.bytes.size()).ok());
	REQUIRE(collector.complete());
	CHECK(seen == std::vector<std::pair<size_t, uint32_t>>{ { 0, 1 }, { 0, 2 }, { 1, 3 } });
	auto results = collector.takeResults();
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == EINTR);
}

TEST_CASE("a handler's failure outranks the ACK that follows", "[batch]")
{
	ReplyCollector collector(1, 1, [](size_t, const struct nlmsghdr *) {
		return kipvs::Result<void>(kipvs::Error(EPROTO, "parse"));
	});
	Datagram datagram;
	datagram.data(1, 0).ack(1, 0);
	REQUIRE(collector.feed(datagram.bytes.data(), datagram.bytes.size()).ok());
	CHECK(collector.takeResults()[0].error().code() == EPROTO);
}

TEST_CASE("replies of other batches and the fence are told apart", "[batch]")
{
	ReplyCollector collector(10, 2);
	collector.expectFence(50);
	Datagram datagram;
	datagram.ack(9, EEXIST).ack(10, 0).ack(50, 0);
	REQUIRE(collector.feed(datagram.bytes.data(), datagram.bytes.size()).ok());
	CHECK(collector.fenceSeen());
	CHECK_FALSE(collector.complete());
	CHECK(collector.answered(0));
	CHECK_FALSE(collector.answered(1));

	/* What the fence did not see answered was lost. */
	collector.abandon(ENOBUFS, "lost");
	auto results = collector.takeResults();
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == ENOBUFS);
}

TEST_CASE("truncated replies are refused", "[batch]")
{
	ReplyCollector collector(1, 1);
	Datagram datagram;
	datagram.ack(1, 0);
	SECTION("message longer than the datagram")
	{
		CHECK(collector.feed(datagram.bytes.data(), datagram.bytes.size() - 4).error().code() ==
		      EPROTO);
	}
	SECTION("error shorter than struct nlmsgerr")
	{
		struct nlmsghdr nlh = {};
		nlh.nlmsg_len = NLMSG_HDRLEN + 4;
		nlh.nlmsg_type = NLMSG_ERROR;
		nlh.nlmsg_seq = 1;
		std::vector<uint8_t> bytes(nlh.nlmsg_len);
		std::memcpy(bytes.data(), &nlh, sizeof(nlh));
		CHECK(collector.feed(bytes.data(), bytes.size()).error().code() == EPROTO);
	}
}

TEST_CASE("without ACKs, the fence vouches for every request that did not fail", "[batch]")
{
	ReplyCollector collector(20, 3);
	collector.expectFence(23);
	Datagram datagram;
	datagram.ack(21, EEXIST, "Destination already exists").ack(23, 0);
	REQUIRE(collector.feed(datagram.bytes.data(), datagram.bytes.size()).ok());
	REQUIRE(collector.fenceSeen());
	collector.succeedUnanswered();
	auto results = collector.takeResults();
	CHECK(results[0].ok());
	CHECK(results[1].error().code() == EEXIST);
	CHECK(results[1].error().kernelMessage() == "Destination already exists");
	CHECK(results[2].ok());
}
