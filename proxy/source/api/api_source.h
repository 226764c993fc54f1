/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes API as an object source: Services, EndpointSlices and
 * Nodes listed and watched on a thread of their own, handed to the daemon's
 * thread through a queue and an eventfd.
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "proxy/model/objects.h"
#include "proxy/model/source.h"
#include "proxy/source/api/http_transport.h"
#include "proxy/source/api/reflector.h"

namespace kipvs::proxy {

/*
 * The transport and the three reflectors live on the source's thread; the
 * handler is called on the caller's (processEvents()). The initial state is
 * delivered, and synced() called, once Services, EndpointSlices and Nodes
 * have all been listed: until then nothing reaches the kernel, however long
 * the API server takes to answer. Reports (an unreachable server, a refused
 * request, an invalid object) go to the Report callback on the caller's
 * thread, one line each.
 */
class ApiSource : public Source
{
public:
	using Report = std::function<void(const std::string &message)>;

	ApiSource(std::unique_ptr<HttpTransport> transport, EventHandler &handler, Report report);
	~ApiSource() override;

	ApiSource(const ApiSource &) = delete;
	ApiSource &operator=(const ApiSource &) = delete;

	Result<void> start(const std::function<bool()> &stopRequested = {}) override;
	int fd() const override { return event_.get(); }
	Result<void> processEvents() override;
	/* Nothing to look for: a watch misses nothing, a broken one relists. */
	Result<void> rescan() override { return {}; }
	std::string describe() const override;

	/* Tests: shorter watches than [5, 10) minutes. Before start(). */
	void setWatchTimeout(std::chrono::seconds low, std::chrono::seconds high);
	/* What is worth a line at the default verbosity (each kind's first list). Before start(). */
	void setInfo(Report info) { info_ = std::move(info); }
	/* Each request, bookmark and stream end, as a line to trace. Before start(). */
	void setTrace(Report trace) { trace_ = std::move(trace); }
	/* Every kind listed once (the handler has had synced()). */
	bool synced() const { return synced_; }

private:
	void run();
	void flush(std::vector<ApiDelivery> &deliveries);

	std::unique_ptr<HttpTransport> transport_;
	EventHandler &handler_;
	Report report_;
	Report info_;
	Report trace_;
	UniqueFD event_;
	std::string url_;
	std::chrono::seconds watchLow_{ 300 };
	std::chrono::seconds watchHigh_{ 600 };

	std::thread thread_;
	std::atomic<bool> stop_{ false };
	std::mutex mutex_;
	std::vector<ApiDelivery> queue_;

	/* The caller's thread. */
	bool listed_[3] = {};
	bool synced_ = false;
};

} /* namespace kipvs::proxy */
