/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seam between the API source and an HTTP library: requests whose
 * responses stream in as they arrive, driven from one thread.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace kipvs::proxy {

struct HttpRequest {
	/* Path and query, e.g. "/api/v1/services?watch=1&resourceVersion=5". */
	std::string path;
	/* A watch: long-lived, no total time limit, a stall is an error. */
	bool watch = false;
};

/* What a request's response does, on the transport's thread. */
class HttpResponseHandler
{
public:
	virtual ~HttpResponseHandler() = default;

	/*
	 * The status line and headers have come. retryAfter is the
	 * Retry-After header's delay (0 when absent).
	 */
	virtual void onStatus(long status, std::chrono::seconds retryAfter) = 0;
	/*
	 * Body bytes as they arrive, decompressed; chunks align with nothing.
	 * false ends the transfer: onEnd() follows with ECANCELED.
	 */
	virtual bool onBody(std::string_view bytes) = 0;
	/*
	 * The transfer is over: the body ended (ok), or the connection or the
	 * request failed, with an errno-like code (ECONNREFUSED, ETIMEDOUT,
	 * ECONNRESET, EPROTO for TLS) and the library's words. Not called
	 * after cancel().
	 */
	virtual void onEnd(const Result<void> &result) = 0;
};

class HttpTransport
{
public:
	using RequestId = uint64_t;

	virtual ~HttpTransport() = default;

	/* Start a request; its handler must live until onEnd() or cancel(). */
	virtual Result<RequestId> start(const HttpRequest &request, HttpResponseHandler &handler) = 0;
	virtual void cancel(RequestId id) = 0;
	/*
	 * Move every transfer on, calling the handlers, for at most timeout;
	 * returns sooner when wake() is called.
	 */
	virtual Result<void> run(std::chrono::milliseconds timeout) = 0;
	/* From any thread: make run() return. */
	virtual void wake() = 0;
	/* The URL a path is requested at, for messages. */
	virtual std::string urlOf(std::string_view path) const = 0;
	/* The token sent failed (401): the next request reads it again. */
	virtual void credentialsRejected() = 0;
	/* Which credential requests carry, for messages ("the token of tokenFile /x"). */
	virtual std::string credential() const = 0;
};

} /* namespace kipvs::proxy */
