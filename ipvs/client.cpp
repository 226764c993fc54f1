/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPVS client over generic netlink.
 *
 * Every call returns a Result; errors carry the kernel's errno (recorded
 * from the ACK itself, so ESRCH and ENOENT stay apart), its extended-ACK
 * text, the operation and the object (ServiceKey / RealServer). Nothing
 * here logs.
 */
#include "ipvs/client.h"

#include <cerrno>

#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "ipvs/codec.h"
#include "ipvs/ipvs_policy.h"

namespace kipvs::ipvs {

using netlink::Message;

namespace {

/* A lower-layer error said of an IPVS operation and object. */
Error named(const Error &error, const std::string &operation, const std::string &object = {})
{
	std::string what = operation;
	if (!error.operation().empty())
		what += " (" + error.operation() + ")";
	return Error(error.code(), what, object, error.kernelMessage());
}

/* The one idempotency policy of kipvs: the state asked for is already there. */
bool alreadyDone(const Change &change, int errnum)
{
	if (change.isAdd())
		return errnum == EEXIST;
	if (change.isDelete())
		return errnum == ENOENT || errnum == ESRCH;
	return false;
}

/* Changes built into messages at a time: bounds memory for huge batches. */
constexpr size_t kEncodeChunk = 8192;
/* Resending lost changes: rounds, and how many per sendmsg then. */
constexpr int kRetryRounds = 3;
constexpr size_t kRetryChangesPerSend = 256;

} /* namespace */

Client::Client(netlink::NetlinkSocket socket, uint16_t familyId)
	: socket_(std::move(socket)), familyId_(familyId)
{
}

Result<Client> Client::open()
{
	auto socket = netlink::NetlinkSocket::open(NETLINK_GENERIC);
	if (!socket)
		return named(socket.error(), "open IPVS");
	auto family = socket->genericFamily(policy::kFamilyName);
	if (!family) {
		if (family.error().code() == EOPNOTSUPP)
			return Error(EOPNOTSUPP,
				     "IPVS is not available in this kernel (is ip_vs loaded?)");
		return named(family.error(), "open IPVS");
	}
	return Client(std::move(socket.value()), *family);
}

Result<Info> Client::getInfo()
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_INFO);
	std::optional<Result<Info>> info;
	auto result = socket_.request(request, [&](size_t, const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::info());
		if (!attributes)
			return attributes.error();
		info = codec::parseInfo(*attributes);
		return info->ok() ? Result<void>() : Result<void>(info->error());
	});
	if (!result)
		return named(result.error(), "get IPVS info");
	if (!info)
		return Error(EPROTO, "get IPVS info (no reply)");
	return std::move(*info);
}

Result<Timeouts> Client::getTimeouts()
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_CONFIG);
	std::optional<Result<Timeouts>> timeouts;
	auto result = socket_.request(request, [&](size_t, const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::command());
		if (!attributes)
			return attributes.error();
		timeouts = codec::parseTimeouts(*attributes);
		return timeouts->ok() ? Result<void>() : Result<void>(timeouts->error());
	});
	if (!result)
		return named(result.error(), "get IPVS timeouts");
	if (!timeouts)
		return Error(EPROTO, "get IPVS timeouts (no reply)");
	return std::move(*timeouts);
}

Result<std::vector<SyncDaemon>> Client::getSyncDaemons()
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_DAEMON);
	std::vector<SyncDaemon> daemons;
	auto result = socket_.dump(request, [&](const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::command());
		if (!attributes)
			return attributes.error();
		auto daemon = codec::parseDaemon(*attributes);
		if (!daemon)
			return daemon.error();
		daemons.push_back(std::move(*daemon));
		return {};
	});
	if (!result)
		return named(result.error(), "list IPVS sync daemons");
	return daemons;
}

Result<std::vector<VirtualServer>> Client::listVirtualServers()
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_SERVICE);
	std::vector<VirtualServer> services;
	auto result = socket_.dump(request, [&](const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::command());
		if (!attributes)
			return attributes.error();
		auto service = codec::parseService(*attributes);
		if (!service)
			return service.error();
		services.push_back(std::move(*service));
		return {};
	});
	if (!result)
		return named(result.error(), "list virtual servers");
	return services;
}

Result<std::vector<RealServer>> Client::listRealServers(const ServiceKey &key)
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_DEST);
	codec::putServiceKey(request, key);
	std::vector<RealServer> destinations;
	auto result = socket_.dump(request, [&](const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::command());
		if (!attributes)
			return attributes.error();
		auto destination = codec::parseDestination(*attributes, key.family);
		if (!destination)
			return destination.error();
		destinations.push_back(std::move(*destination));
		return {};
	});
	if (!result)
		return named(result.error(), "list real servers of", key.toString());
	/* The kernel dumps nothing, without an error, for a missing service. */
	if (destinations.empty()) {
		if (auto service = getVirtualServer(key); !service)
			return Error(service.error().code(), "list real servers of", key.toString(),
				     service.error().kernelMessage());
	}
	return destinations;
}

Result<VirtualServer> Client::getVirtualServer(const ServiceKey &key)
{
	Message request = codec::request(familyId_, IPVS_CMD_GET_SERVICE);
	codec::putServiceKey(request, key);
	std::optional<Result<VirtualServer>> service;
	auto result = socket_.request(request, [&](size_t, const struct nlmsghdr *nlh) -> Result<void> {
		auto attributes = codec::parseReply(nlh, policy::command());
		if (!attributes)
			return attributes.error();
		service = codec::parseService(*attributes);
		return service->ok() ? Result<void>() : Result<void>(service->error());
	});
	if (!result)
		return named(result.error(), "get virtual server", key.toString());
	if (!service)
		return Error(ESRCH, "get virtual server", key.toString());
	return std::move(*service);
}

Result<void> Client::forEachService(const std::function<void(ServiceWithDestinations &&)> &visit)
{
	auto services = listVirtualServers();
	if (!services)
		return services.error();

	/*
	 * The kernel runs one dump at a time per socket, so each destination
	 * dump is a sendmsg of its own anyway: asking service by service
	 * costs no round trip and holds one service's real servers at a time.
	 */
	for (VirtualServer &service : *services) {
		std::vector<RealServer> destinations;
		Message request = codec::request(familyId_, IPVS_CMD_GET_DEST, NLM_F_DUMP);
		codec::putServiceKey(request, service.key);
		auto result = socket_.dump(request, [&](const struct nlmsghdr *nlh) -> Result<void> {
			auto attributes = codec::parseReply(nlh, policy::command());
			if (!attributes)
				return attributes.error();
			auto destination = codec::parseDestination(*attributes, service.key.family);
			if (!destination)
				return destination.error();
			destinations.push_back(std::move(*destination));
			return {};
		});
		if (!result) {
			/* A service deleted between the two dumps is simply gone. */
			if (result.error().code() == ESRCH || result.error().code() == ENOENT)
				continue;
			return named(result.error(), "list real servers of", service.key.toString());
		}
		visit({ std::move(service), std::move(destinations) });
	}
	return {};
}

Result<std::vector<Client::ServiceWithDestinations>> Client::listAll()
{
	std::vector<ServiceWithDestinations> all;
	auto read = forEachService([&](ServiceWithDestinations &&item) {
		all.push_back(std::move(item));
	});
	if (!read)
		return read.error();
	return all;
}

Message Client::encode(const Change &change) const
{
	switch (change.kind) {
	case Change::Kind::AddVirtualServer:
	case Change::Kind::UpdateVirtualServer: {
		Message message = codec::request(familyId_, change.kind == Change::Kind::AddVirtualServer
								    ? IPVS_CMD_NEW_SERVICE
								    : IPVS_CMD_SET_SERVICE);
		codec::putService(message, change.service);
		return message;
	}
	case Change::Kind::DeleteVirtualServer: {
		Message message = codec::request(familyId_, IPVS_CMD_DEL_SERVICE);
		codec::putServiceKey(message, change.service.key);
		return message;
	}
	case Change::Kind::AddRealServer:
	case Change::Kind::UpdateRealServer:
	case Change::Kind::DeleteRealServer:
		break;
	}
	uint8_t command = change.kind == Change::Kind::AddRealServer	  ? IPVS_CMD_NEW_DEST
			  : change.kind == Change::Kind::UpdateRealServer ? IPVS_CMD_SET_DEST
									  : IPVS_CMD_DEL_DEST;
	Message message = codec::request(familyId_, command);
	codec::putServiceKey(message, change.service.key);
	codec::putDestination(message, change.destination, command != IPVS_CMD_DEL_DEST);
	return message;
}

std::vector<Result<void>> Client::applyBatch(const std::vector<Change> &changes,
					     const ApplyOptions &options)
{
	std::vector<Result<void>> results;
	results.reserve(changes.size());

	netlink::BatchOptions batch;
	batch.stopOnError = options.stopOnError;
	batch.maxRequestsPerSend = options.maxChangesPerSend;
	batch.ackEach = options.ackEach;

	bool stopped = false;
	for (size_t begin = 0; begin < changes.size(); begin += kEncodeChunk) {
		size_t end = std::min(changes.size(), begin + kEncodeChunk);
		if (stopped) {
			for (size_t i = begin; i < end; i++)
				results.push_back(Error(ECANCELED, "not sent after an earlier failure"));
			continue;
		}
		std::vector<Message> messages;
		messages.reserve(end - begin);
		for (size_t i = begin; i < end; i++)
			messages.push_back(encode(changes[i]));
		for (auto &result : socket_.transact(messages, {}, batch)) {
			if (!result && result.error().code() != ECANCELED)
				stopped = options.stopOnError;
			results.push_back(std::move(result));
		}
	}

	/* Lost ACKs leave changes of unknown fate; sending them again is safe. */
	for (int round = 0; round < kRetryRounds; round++) {
		std::vector<size_t> lost;
		for (size_t i = 0; i < results.size(); i++)
			if (!results[i] && results[i].error().code() == ENOBUFS)
				lost.push_back(i);
		if (lost.empty())
			break;
		std::vector<Message> messages;
		for (size_t i : lost)
			messages.push_back(encode(changes[i]));
		netlink::BatchOptions retry = batch;
		retry.maxRequestsPerSend = kRetryChangesPerSend;
		auto again = socket_.transact(messages, {}, retry);
		for (size_t j = 0; j < lost.size(); j++)
			results[lost[j]] = std::move(again[j]);
	}

	for (size_t i = 0; i < results.size(); i++) {
		if (results[i])
			continue;
		const Change &change = changes[i];
		if (options.idempotent && alreadyDone(change, results[i].error().code()))
			results[i] = Result<void>();
		else
			results[i] = named(results[i].error(), change.operation(), change.object());
	}
	return results;
}

Result<void> Client::applyOne(const Change &change)
{
	ApplyOptions strict;
	strict.idempotent = false;
	auto results = applyBatch({ change }, strict);
	return std::move(results.front());
}

Result<void> Client::addVirtualServer(const VirtualServer &service)
{
	return applyOne(Change::addVirtualServer(service));
}

Result<void> Client::updateVirtualServer(const VirtualServer &service)
{
	return applyOne(Change::updateVirtualServer(service));
}

Result<void> Client::deleteVirtualServer(const ServiceKey &key)
{
	return applyOne(Change::deleteVirtualServer(key));
}

Result<void> Client::addRealServer(const ServiceKey &key, const RealServer &destination)
{
	return applyOne(Change::addRealServer(key, destination));
}

Result<void> Client::updateRealServer(const ServiceKey &key, const RealServer &destination)
{
	return applyOne(Change::updateRealServer(key, destination));
}

Result<void> Client::deleteRealServer(const ServiceKey &key, const RealServer &destination)
{
	return applyOne(Change::deleteRealServer(key, destination));
}

Result<void> Client::simple(uint8_t command, const char *operation, const ServiceKey *key,
			    const Timeouts *timeouts)
{
	Message request = codec::request(familyId_, command);
	if (key)
		codec::putServiceKey(request, *key);
	if (timeouts)
		codec::putTimeouts(request, *timeouts);
	auto result = socket_.request(request);
	if (!result)
		return named(result.error(), operation, key ? key->toString() : std::string());
	return {};
}

Result<void> Client::setTimeouts(const Timeouts &timeouts)
{
	return simple(IPVS_CMD_SET_CONFIG, "set IPVS timeouts", nullptr, &timeouts);
}

Result<void> Client::zero()
{
	return simple(IPVS_CMD_ZERO, "zero IPVS counters");
}

Result<void> Client::zero(const ServiceKey &key)
{
	return simple(IPVS_CMD_ZERO, "zero counters of", &key);
}

Result<void> Client::flush()
{
	return simple(IPVS_CMD_FLUSH, "flush IPVS");
}

} /* namespace kipvs::ipvs */
