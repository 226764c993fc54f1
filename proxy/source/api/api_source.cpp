/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API source's thread and its hand-over to the daemon's.
 */
#include "proxy/source/api/api_source.h"

#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace kipvs::proxy {

using namespace std::chrono_literals;

namespace {

/* The longest the thread sleeps in the transport: the stop flag is seen this soon. */
constexpr std::chrono::milliseconds kLongestWait = 1000ms;

} /* namespace */

ApiSource::ApiSource(std::unique_ptr<HttpTransport> transport, EventHandler &handler, Report report)
	: transport_(std::move(transport)), handler_(handler), report_(std::move(report)),
	  event_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), url_(transport_->urlOf(""))
{
}

ApiSource::~ApiSource()
{
	if (thread_.joinable()) {
		stop_ = true;
		transport_->wake();
		thread_.join();
	}
}

std::string ApiSource::describe() const
{
	return "the API server at " + url_;
}

void ApiSource::setWatchTimeout(std::chrono::seconds low, std::chrono::seconds high)
{
	watchLow_ = low;
	watchHigh_ = high;
}

/* The source's thread: the reflectors over the transport, deliveries into the queue. */
void ApiSource::run()
{
	std::vector<ApiDelivery> out;
	std::vector<std::unique_ptr<Reflector>> reflectors;
	RequestLimiter limiter;
	for (ApiKind kind : { ApiKind::Service, ApiKind::EndpointSlice, ApiKind::Node }) {
		reflectors.push_back(std::make_unique<Reflector>(kind, *transport_, out, &limiter));
		reflectors.back()->setWatchTimeout(watchLow_, watchHigh_);
		reflectors.back()->setTrace(static_cast<bool>(trace_));
	}
	for (auto &reflector : reflectors)
		reflector->start();
	flush(out);
	while (!stop_) {
		auto now = Reflector::Clock::now();
		std::chrono::milliseconds wait = kLongestWait;
		for (auto &reflector : reflectors)
			if (auto due = reflector->due())
				wait = std::min(wait, std::max(0ms, std::chrono::ceil<std::chrono::milliseconds>(*due - now)));
		if (auto ran = transport_->run(wait); !ran) {
			out.push_back({ ApiDelivery::What::Report, ApiKind::Service, {}, std::nullopt,
					ran.error().message() });
			std::this_thread::sleep_for(100ms);
		}
		now = Reflector::Clock::now();
		for (auto &reflector : reflectors)
			reflector->tick(now);
		flush(out);
	}
	/* The reflectors cancel their requests before the transport goes. */
	reflectors.clear();
}

void ApiSource::flush(std::vector<ApiDelivery> &deliveries)
{
	if (deliveries.empty())
		return;
	{
		std::lock_guard lock(mutex_);
		if (queue_.empty())
			queue_.swap(deliveries);
		else
			for (ApiDelivery &delivery : deliveries)
				queue_.push_back(std::move(delivery));
	}
	deliveries.clear();
	uint64_t one = 1;
	[[maybe_unused]] ssize_t written = write(event_.get(), &one, sizeof(one));
}

/**
 * \brief Start the thread and deliver the initial state
 * \param[in] stopRequested Polled while waiting: true ends the wait early
 *
 * Waits until Services, EndpointSlices and Nodes have each been listed,
 * delivering objects as they arrive. An unreachable or refusing API server
 * is reported and retried, with backoff, for as long as it takes.
 *
 * \return Nothing; an error only when the source could not start
 */
Result<void> ApiSource::start(const std::function<bool()> &stopRequested)
{
	if (event_.get() < 0)
		return Error(errno, "eventfd");
	stop_ = false;
	thread_ = std::thread([this]() { run(); });
	while (!synced_) {
		if (stopRequested && stopRequested())
			return {};
		struct pollfd wait = { event_.get(), POLLIN, 0 };
		if (poll(&wait, 1, 100) < 0 && errno != EINTR)
			return Error(errno, "poll");
		if (auto processed = processEvents(); !processed)
			return processed;
	}
	return {};
}

Result<void> ApiSource::processEvents()
{
	uint64_t count;
	[[maybe_unused]] ssize_t got = read(event_.get(), &count, sizeof(count));
	std::vector<ApiDelivery> deliveries;
	{
		std::lock_guard lock(mutex_);
		deliveries.swap(queue_);
	}
	for (ApiDelivery &delivery : deliveries) {
		switch (delivery.what) {
		case ApiDelivery::What::Updated:
			std::visit([&](auto &object) {
				using T = std::remove_const_t<typename std::decay_t<decltype(object)>::element_type>;
				if constexpr (std::is_same_v<T, Service>)
					handler_.serviceUpdated(std::move(object));
				else if constexpr (std::is_same_v<T, EndpointSlice>)
					handler_.endpointSliceUpdated(std::move(object));
				else
					handler_.nodeUpdated(std::move(object));
			}, *delivery.object);
			break;
		case ApiDelivery::What::Deleted:
			if (delivery.kind == ApiKind::Service)
				handler_.serviceDeleted(delivery.name);
			else if (delivery.kind == ApiKind::EndpointSlice)
				handler_.endpointSliceDeleted(delivery.name);
			else
				handler_.nodeDeleted(delivery.name);
			break;
		case ApiDelivery::What::Listed: {
			bool &listed = listed_[static_cast<int>(delivery.kind)];
			if (!listed && info_)
				info_(std::string("listed ") + resourceOf(delivery.kind) + ": " +
					delivery.message + " " + kindOf(delivery.kind) +
					(delivery.message == "1" ? "" : "s"));
			listed = true;
			if (!synced_ && listed_[0] && listed_[1] && listed_[2]) {
				synced_ = true;
				handler_.synced();
			}
			break;
		}
		case ApiDelivery::What::Report:
			if (report_)
				report_(delivery.message);
			break;
		case ApiDelivery::What::Trace:
			if (trace_)
				trace_(delivery.message);
			break;
		}
	}
	return {};
}

} /* namespace kipvs::proxy */
