/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HttpTransport over libcurl's multi interface: every request of the API
 * source on one thread, HTTP/2 multiplexed over one TLS connection when the
 * server speaks it (kube-apiserver does), IPv4, IPv6 literals and DNS names.
 */
#pragma once

#include <map>
#include <memory>
#include <string>

#include "proxy/source/api/client_config.h"
#include "proxy/source/api/http_transport.h"
#include "proxy/source/api/token_source.h"

namespace kipvs::proxy {

/* "kipvs-proxy/VERSION (linux/ARCH)", ARCH as Go names it (amd64, arm64). */
std::string userAgent();

class CurlTransport : public HttpTransport
{
public:
	struct Options {
		/*
		 * The server sends a watch a bookmark about every minute: one
		 * silent (under 1 byte/s) this long is dead, its peer gone
		 * without a FIN. A list being encoded is never that quiet.
		 */
		long stallSeconds = 90;
		/* client-go dials for 30 s; a refused or unroutable server is known sooner. */
		long connectTimeoutSeconds = 10;
	};

	static Result<std::unique_ptr<CurlTransport>> create(const ClientConfig &config,
							     std::string userAgent,
							     Options options);
	~CurlTransport() override;

	Result<RequestId> start(const HttpRequest &request, HttpResponseHandler &handler) override;
	void cancel(RequestId id) override;
	Result<void> run(std::chrono::milliseconds timeout) override;
	void wake() override;
	std::string urlOf(std::string_view path) const override;
	void credentialsRejected() override;
	std::string credential() const override;

	struct Transfer;

private:
	CurlTransport(const ClientConfig &config, std::string userAgent, Options options);

	std::string tlsName() const;

	ClientConfig config_;
	std::string userAgent_;
	Options options_;
	/* The URL's scheme and authority: the server's, or tls-server-name's (see create()). */
	std::string base_;
	std::string connectTo_;
	TokenSource token_;
	void *multi_ = nullptr;
	RequestId nextId_ = 1;
	std::map<RequestId, std::unique_ptr<Transfer>> transfers_;
};

} /* namespace kipvs::proxy */
