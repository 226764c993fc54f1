/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One kind's list and watch, as client-go's reflector does them: list,
 * watch from the list's resourceVersion, resume a stream that ends, relist
 * on 410 Gone, back off on failures; the objects kept, so that a relist
 * delivers only what changed.
 */
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "proxy/model/objects.h"
#include "proxy/source/api/http_transport.h"
#include "proxy/source/api/list_splitter.h"
#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy {

enum class ApiKind { Service, EndpointSlice, Node };

/* "services", "endpointslices", "nodes": the resource, as RBAC names it. */
const char *resourceOf(ApiKind kind);
/* "Service", "EndpointSlice", "Node". */
const char *kindOf(ApiKind kind);

using ApiObject = std::variant<std::shared_ptr<const Service>, std::shared_ptr<const EndpointSlice>,
			       std::shared_ptr<const Node>>;

/* What a reflector hands on: an object changed or went, the kind was listed, a message. */
struct ApiDelivery {
	enum class What { Updated, Deleted, Listed, Report, Trace };
	What what;
	ApiKind kind;
	ObjectName name;
	std::optional<ApiObject> object;
	std::string message;
};

/* The backoff of client-go's reflector: 0.8 s doubling to 30 s, jitter 1.0, reset after 2 min. */
class Backoff
{
public:
	using Clock = std::chrono::steady_clock;
	Clock::duration next(Clock::time_point now);

private:
	Clock::duration step_{ 0 };
	Clock::time_point last_;
	std::mt19937_64 random_{ std::random_device{}() };
	friend class Reflector;
};

/*
 * kube-proxy's client limits: 5 requests a second, bursts of 10, for the
 * requests that are not watches (lists). take() reserves the next request's
 * slot and says when it comes.
 */
class RequestLimiter
{
public:
	using Clock = std::chrono::steady_clock;
	explicit RequestLimiter(double qps = 5.0, double burst = 10.0)
		: qps_(qps), burst_(burst), tokens_(burst) {}
	Clock::time_point take(Clock::time_point now);

private:
	double qps_;
	double burst_;
	double tokens_;
	std::optional<Clock::time_point> last_;
};

/*
 * Runs on the API source's thread only. The owner calls start() once, then
 * tick() whenever due() has come, and takes the deliveries out of out.
 */
class Reflector : public HttpResponseHandler
{
public:
	using Clock = std::chrono::steady_clock;

	Reflector(ApiKind kind, HttpTransport &transport, std::vector<ApiDelivery> &out,
		  RequestLimiter *limiter = nullptr);
	~Reflector() override;

	void start();
	/* When the next attempt is due; nullopt while a request is in flight. */
	std::optional<Clock::time_point> due() const { return due_; }
	void tick(Clock::time_point now);

	/* Listed once at least. */
	bool listed() const { return listed_; }
	/* Where a watch would resume. */
	const std::string &resourceVersion() const { return resourceVersion_; }

	/* Tests: watch timeouts. */
	void setWatchTimeout(std::chrono::seconds low, std::chrono::seconds high);
	/* Deliver Trace lines: each request, bookmark and stream end. */
	void setTrace(bool trace) { trace_ = trace; }

	void onStatus(long status, std::chrono::seconds retryAfter) override;
	bool onBody(std::string_view bytes) override;
	void onEnd(const Result<void> &result) override;

private:
	enum class Phase { Idle, Listing, Watching };
	enum class Next { List, Watch };

	std::string pathFor(bool watch, const std::string &version, long timeoutSeconds) const;
	void list();
	void watch();
	/* Back off, then list or watch again; retryAfter from a 429 or 504. */
	void retryLater(Next next, std::chrono::seconds retryAfter = std::chrono::seconds(0));
	void report(const std::string &message);
	void trace(const std::string &message);

	void listEnded();
	bool listItem(std::string_view text);
	void watchLine(std::string_view line);
	/* A non-2xx response's Status: "403 Forbidden: ..."; reason set from it. */
	std::string describeFailure(std::string &reason) const;

	/* One object of an event or list: parsed, checked, compared with the one kept. */
	void put(const ManifestValue &tree, std::set<ObjectName> *seen);
	void remove(const ObjectName &name);

	ApiKind kind_;
	HttpTransport &transport_;
	std::vector<ApiDelivery> &out_;
	Backoff backoff_;
	RequestLimiter *limiter_;
	/* The list waits for the slot it has reserved. */
	bool reserved_ = false;

	Phase phase_ = Phase::Idle;
	std::optional<HttpTransport::RequestId> request_;
	std::optional<Clock::time_point> due_;
	Next next_ = Next::List;

	long status_ = 0;
	std::chrono::seconds retryAfter_{ 0 };
	std::string body_;
	std::string line_;
	/* This watch's start and events, to tell a "very short watch". */
	Clock::time_point watchStarted_;
	size_t watchEvents_ = 0;
	/* Set by an ERROR event: what to do once the stream is closed. */
	std::optional<Next> afterStream_;

	std::string resourceVersion_;
	bool listed_ = false;
	/* The last list at resourceVersion_ was too old or too new: list "" (consistent). */
	bool listConsistent_ = false;
	std::chrono::seconds watchLow_{ 300 };
	std::chrono::seconds watchHigh_{ 600 };

	std::map<ObjectName, ApiObject> store_;
	/* The list being read: its items as they come, the names seen, why it failed. */
	std::optional<ListSplitter> splitter_;
	std::set<ObjectName> listSeen_;
	std::string listFailure_;
	simdjson::ondemand::parser parser_;
	ManifestArena arena_;
	bool trace_ = false;
};

} /* namespace kipvs::proxy */
