/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl's multi interface behind HttpTransport.
 */
#include "proxy/source/api/curl_transport.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <strings.h>
#include <sys/utsname.h>

#include <curl/curl.h>

namespace kipvs::proxy {

namespace {

struct CurlInit {
	CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

/* "host:port" of an http(s) URL, and where its path starts. */
struct Authority {
	std::string scheme; /* "https://" */
	std::string host;   /* as written, brackets included */
	std::string port;
};

std::optional<Authority> authorityOf(const std::string &url)
{
	Authority out;
	size_t start = url.find("://");
	if (start == std::string::npos)
		return std::nullopt;
	out.scheme = url.substr(0, start + 3);
	std::string rest = url.substr(start + 3);
	rest = rest.substr(0, rest.find('/'));
	size_t colon = rest.rfind(':');
	if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
		out.host = rest.substr(0, colon);
		out.port = rest.substr(colon + 1);
	} else {
		out.host = rest;
		out.port = out.scheme == "https://" ? "443" : "80";
	}
	return out;
}

int errnoOf(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return EPROTO;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		/* Partial file, receive error, an HTTP/2 stream reset: the stream broke. */
		return ECONNRESET;
	}
}

} /* namespace */

struct CurlTransport::Transfer {
	CURL *easy = nullptr;
	curl_slist *headers = nullptr;
	curl_slist *connectTo = nullptr;
	HttpResponseHandler *handler = nullptr;
	std::string url;
	std::string path;
	long status = 0;
	std::chrono::seconds retryAfter{ 0 };
	bool headersDone = false;
	bool stopped = false;
	char errorBuffer[CURL_ERROR_SIZE] = {};

	~Transfer()
	{
		if (easy)
			curl_easy_cleanup(easy);
		curl_slist_free_all(headers);
		curl_slist_free_all(connectTo);
	}

	static size_t onHeader(char *data, size_t size, size_t count, void *self);
	static size_t onData(char *data, size_t size, size_t count, void *self);
};

size_t CurlTransport::Transfer::onHeader(char *data, size_t size, size_t count, void *self)
{
	auto *transfer = static_cast<Transfer *>(self);
	std::string_view line(data, size * count);
	if (line.starts_with("HTTP/")) {
		/* "HTTP/2 200" or "HTTP/1.1 429 Too Many Requests"; a new response starts. */
		size_t space = line.find(' ');
		transfer->status = space == std::string_view::npos
					   ? 0 : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
		transfer->retryAfter = std::chrono::seconds(0);
		transfer->headersDone = false;
	} else if (line.size() > 12 && strncasecmp(line.data(), "retry-after:", 12) == 0) {
		/* Delay-seconds only: the API server never sends an HTTP date. */
		long seconds = std::strtol(std::string(line.substr(12)).c_str(), nullptr, 10);
		if (seconds > 0)
			transfer->retryAfter = std::chrono::seconds(seconds);
	} else if ((line == "\r\n" || line == "\n") && transfer->status >= 200 && !transfer->headersDone) {
		transfer->headersDone = true;
		transfer->handler->onStatus(transfer->status, transfer->retryAfter);
	}
	return size * count;
}

size_t CurlTransport::Transfer::onData(char *data, size_t size, size_t count, void *self)
{
	auto *transfer = static_cast<Transfer *>(self);
	if (!transfer->headersDone) {
		transfer->headersDone = true;
		transfer->handler->onStatus(transfer->status, transfer->retryAfter);
	}
	if (!transfer->handler->onBody({ data, size * count })) {
		transfer->stopped = true;
		return 0;
	}
	return size * count;
}

std::string userAgent()
{
	struct utsname name = {};
	std::string machine = uname(&name) == 0 ? name.machine : "unknown";
	if (machine == "x86_64")
		machine = "amd64";
	else if (machine == "aarch64")
		machine = "arm64";
	else if (machine == "i686" || machine == "i386")
		machine = "386";
	return std::string("kipvs-proxy/") + KIPVS_VERSION + " (linux/" + machine + ")";
}

CurlTransport::CurlTransport(const ClientConfig &config, std::string userAgent, Options options)
	: config_(config), userAgent_(std::move(userAgent)), options_(options),
	  token_(config.token, config.tokenFile)
{
}

/**
 * \brief Make a transport for the API server of config
 *
 * With tls-server-name, requests go to a URL naming that host, and
 * CURLOPT_CONNECT_TO sends them to the server's address: libcurl then
 * checks the certificate for, and sends SNI of, that name.
 *
 * \return The transport, or EINVAL naming what of config cannot be used
 */
Result<std::unique_ptr<CurlTransport>> CurlTransport::create(const ClientConfig &config,
							      std::string userAgent, Options options)
{
	static CurlInit init;
	auto authority = authorityOf(config.server);
	if (!authority)
		return Error(EINVAL, "API server URL " + config.server + " has no scheme");
	std::unique_ptr<CurlTransport> transport(new CurlTransport(config, std::move(userAgent), options));
	transport->multi_ = curl_multi_init();
	if (!transport->multi_)
		return Error(ENOMEM, "libcurl: curl_multi_init");
	if (config.tlsServerName.empty()) {
		transport->base_ = authority->scheme + authority->host + ":" + authority->port;
	} else {
		transport->base_ = authority->scheme + config.tlsServerName + ":" + authority->port;
		/* An IPv6 literal stays in brackets, as CURLOPT_CONNECT_TO takes it. */
		transport->connectTo_ = config.tlsServerName + ":" + authority->port + ":" +
					authority->host + ":" + authority->port;
	}
	/* HTTP/2 multiplexes the three watches over one connection, as client-go does. */
	curl_multi_setopt(transport->multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return transport;
}

CurlTransport::~CurlTransport()
{
	for (auto &[id, transfer] : transfers_)
		curl_multi_remove_handle(multi_, transfer->easy);
	transfers_.clear();
	if (multi_)
		curl_multi_cleanup(multi_);
}

std::string CurlTransport::urlOf(std::string_view path) const
{
	return config_.server + std::string(path.substr(0, path.find('?')));
}

/* The name the server's certificate is checked for. */
std::string CurlTransport::tlsName() const
{
	if (!config_.tlsServerName.empty())
		return config_.tlsServerName;
	auto authority = authorityOf(config_.server);
	return authority ? authority->host : config_.server;
}

void CurlTransport::credentialsRejected()
{
	token_.invalidate();
}

std::string CurlTransport::credential() const
{
	if (!config_.tokenFile.empty())
		return "the token in " + config_.tokenFile;
	if (!config_.token.empty())
		return "the token of " + config_.origin;
	if (!config_.clientCertData.empty())
		return "the client certificate of " + config_.origin;
	return "no credentials (" + config_.origin + ")";
}

Result<HttpTransport::RequestId> CurlTransport::start(const HttpRequest &request,
						      HttpResponseHandler &handler)
{
	auto transfer = std::make_unique<Transfer>();
	transfer->easy = curl_easy_init();
	if (!transfer->easy)
		return Error(ENOMEM, "libcurl: curl_easy_init");
	transfer->handler = &handler;
	transfer->url = base_ + request.path;
	transfer->path = request.path;
	CURL *easy = transfer->easy;

	curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->errorBuffer);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, userAgent_.c_str());
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, options_.connectTimeoutSeconds);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, options_.stallSeconds);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 30L);
	/* Lists over 128 KiB come gzip'd when asked (watch streams never are). */
	if (!request.watch)
		curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip");
	if (!connectTo_.empty()) {
		/* Kept with the transfer: libcurl reads it while connecting. */
		transfer->connectTo = curl_slist_append(nullptr, connectTo_.c_str());
		curl_easy_setopt(easy, CURLOPT_CONNECT_TO, transfer->connectTo);
	}

	if (config_.insecureSkipTlsVerify) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (!config_.caData.empty()) {
		curl_blob ca{ config_.caData.data(), config_.caData.size(), CURL_BLOB_NOCOPY };
		curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (!config_.clientCertData.empty()) {
		curl_blob cert{ config_.clientCertData.data(), config_.clientCertData.size(),
				CURL_BLOB_NOCOPY };
		curl_blob key{ config_.clientKeyData.data(), config_.clientKeyData.size(),
			       CURL_BLOB_NOCOPY };
		curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
	}

	curl_slist *headers = curl_slist_append(nullptr, "Accept: application/json");
	std::string token = token_.current(std::chrono::steady_clock::now());
	if (!token.empty())
		headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
	transfer->headers = headers;
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::onData);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());

	RequestId id = nextId_++;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<void *>(id));
	if (CURLMcode code = curl_multi_add_handle(multi_, easy); code != CURLM_OK)
		return Error(EIO, std::string("libcurl: ") + curl_multi_strerror(code));
	transfers_.emplace(id, std::move(transfer));
	return id;
}

void CurlTransport::cancel(RequestId id)
{
	auto found = transfers_.find(id);
	if (found == transfers_.end())
		return;
	curl_multi_remove_handle(multi_, found->second->easy);
	transfers_.erase(found);
}

Result<void> CurlTransport::run(std::chrono::milliseconds timeout)
{
	int running = 0;
	if (CURLMcode code = curl_multi_perform(multi_, &running); code != CURLM_OK)
		return Error(EIO, std::string("libcurl: ") + curl_multi_strerror(code));
	for (;;) {
		int left = 0;
		CURLMsg *message = curl_multi_info_read(multi_, &left);
		if (!message)
			break;
		if (message->msg != CURLMSG_DONE)
			continue;
		void *privateData = nullptr;
		curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &privateData);
		auto found = transfers_.find(reinterpret_cast<RequestId>(privateData));
		if (found == transfers_.end())
			continue;
		/* The handler may start new requests: take the transfer out first. */
		std::unique_ptr<Transfer> transfer = std::move(found->second);
		transfers_.erase(found);
		curl_multi_remove_handle(multi_, transfer->easy);
		CURLcode result = message->data.result;
		if (result == CURLE_OK) {
			if (!transfer->headersDone) {
				transfer->headersDone = true;
				transfer->handler->onStatus(transfer->status, transfer->retryAfter);
			}
			transfer->handler->onEnd({});
		} else {
			if (transfer->stopped) {
				transfer->handler->onEnd(Error(ECANCELED, "GET " + urlOf(transfer->path)));
				continue;
			}
			std::string why = transfer->errorBuffer[0] ? transfer->errorBuffer
								   : curl_easy_strerror(result);
			int code = errnoOf(result);
			if (code == EPROTO && why.find("SSL_ERROR_SYSCALL") != std::string::npos) {
				/* Not the certificate: the peer went away during the handshake. */
				code = ECONNRESET;
				why = "the connection closed during the TLS handshake (" + why + ")";
			} else if (code == EPROTO) {
				why = "TLS with " + tlsName() + " failed: " + why;
			}
			transfer->handler->onEnd(Error(code, "GET " + urlOf(transfer->path) + ": " + why));
		}
	}
	int ready = 0;
	if (CURLMcode code = curl_multi_poll(multi_, nullptr, 0, static_cast<int>(timeout.count()), &ready);
	    code != CURLM_OK)
		return Error(EIO, std::string("libcurl: ") + curl_multi_strerror(code));
	if (CURLMcode code = curl_multi_perform(multi_, &running); code != CURLM_OK)
		return Error(EIO, std::string("libcurl: ") + curl_multi_strerror(code));
	return {};
}

void CurlTransport::wake()
{
	curl_multi_wakeup(multi_);
}

} /* namespace kipvs::proxy */
