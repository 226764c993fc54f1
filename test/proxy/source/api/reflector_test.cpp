/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Reflector's rules, driven through a transport that records requests
 * and lets the test answer them: what is listed and watched, at which
 * version, what a relist delivers, and what each failure leads to. (Against
 * the real kube-apiserver: test/cluster-api/.)
 */
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "proxy/source/api/reflector.h"

using namespace kipvs;
using namespace kipvs::proxy;
using namespace std::chrono_literals;

namespace {

class RecordingTransport : public HttpTransport
{
public:
	struct Request {
		HttpRequest request;
		HttpResponseHandler *handler;
		bool cancelled = false;
		bool answering = false;
	};

	Result<RequestId> start(const HttpRequest &request, HttpResponseHandler &handler) override
	{
		requests.push_back({ request, &handler });
		return requests.size();
	}
	void cancel(RequestId id) override { requests.at(id - 1).cancelled = true; }
	Result<void> run(std::chrono::milliseconds) override { return {}; }
	void wake() override {}
	std::string urlOf(std::string_view path) const override
	{
		return "https://api:6443" + std::string(path.substr(0, path.find('?')));
	}
	void credentialsRejected() override { rejected++; }
	std::string credential() const override { return "the token in /t"; }

	const HttpRequest &last() const { return requests.back().request; }
	/* Answer the last request: status, the body in pieces of chunk bytes, then its end. */
	void answer(long status, const std::string &body, size_t chunk = 7,
		    const Result<void> &end = {}, std::chrono::seconds retryAfter = 0s)
	{
		HttpResponseHandler *handler = requests.back().handler;
		if (!requests.back().answering)
			handler->onStatus(status, retryAfter);
		bool going = true;
		for (size_t at = 0; going && at < body.size(); at += chunk)
			going = handler->onBody(std::string_view(body).substr(at, chunk));
		handler->onEnd(going ? end : Result<void>(Error(ECANCELED, "GET")));
	}
	/* Stream lines on the last (watch) request, without ending it. */
	void stream(const std::string &bytes, size_t chunk = 5)
	{
		HttpResponseHandler *handler = requests.back().handler;
		if (!requests.back().answering)
			handler->onStatus(200, 0s);
		requests.back().answering = true;
		for (size_t at = 0; at < bytes.size(); at += chunk)
			handler->onBody(std::string_view(bytes).substr(at, chunk));
	}

	std::vector<Request> requests;
	int rejected = 0;
};

std::string service(const std::string &name, int port, const std::string &version = "1")
{
	return "{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"ns\",\"resourceVersion\":\"" +
	       version + "\",\"managedFields\":[{\"manager\":\"x\"}]},\"spec\":{\"clusterIP\":\"10.0.0.1\","
	       "\"ports\":[{\"port\":" + std::to_string(port) + ",\"protocol\":\"TCP\"}]}}";
}

std::string list(const std::string &version, const std::vector<std::string> &items)
{
	std::string body = "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" +
			   version + "\"},\"items\":[";
	for (size_t i = 0; i < items.size(); i++)
		body += (i ? "," : "") + items[i];
	return body + "]}";
}

std::string event(const std::string &type, const std::string &object)
{
	return "{\"type\":\"" + type + "\",\"object\":" + object + "}\n";
}

std::string query(const HttpRequest &request, const std::string &parameter)
{
	size_t at = request.path.find(parameter + "=");
	if (at == std::string::npos)
		return "(none)";
	at += parameter.size() + 1;
	return request.path.substr(at, request.path.find('&', at) - at);
}

/* The deliveries, as lines: "Updated ns/a", "Deleted ns/b", "Listed 2", "Report ...". */
std::vector<std::string> take(std::vector<ApiDelivery> &out)
{
	std::vector<std::string> lines;
	for (const ApiDelivery &d : out) {
		switch (d.what) {
		case ApiDelivery::What::Updated: lines.push_back("Updated " + d.name.toString()); break;
		case ApiDelivery::What::Deleted: lines.push_back("Deleted " + d.name.toString()); break;
		case ApiDelivery::What::Listed: lines.push_back("Listed " + d.message); break;
		case ApiDelivery::What::Report: lines.push_back("Report " + d.message); break;
		case ApiDelivery::What::Trace: break;
		}
	}
	out.clear();
	return lines;
}

using Lines = std::vector<std::string>;

/* Run the reflector's next attempt, however far off it is. */
void retry(Reflector &reflector)
{
	REQUIRE(reflector.due());
	reflector.tick(*reflector.due());
}

} /* namespace */

TEST_CASE("list from the watch cache with kube-proxy's selectors, then watch from its version",
	  "[reflector]")
{
	RecordingTransport transport;
	std::vector<ApiDelivery> out;
	Reflector reflector(ApiKind::Service, transport, out);
	reflector.setWatchTimeout(300s, 600s);
	reflector.start();
	REQUIRE(transport.requests.size() == 1);
	const HttpRequest &first = transport.last();
	CHECK_FALSE(first.watch);
	CHECK(first.path.starts_with("/api/v1/services?"));
	CHECK(query(first, "resourceVersion") == "0");
	CHECK(query(first, "fieldSelector") == "spec.clusterIP%21%3DNone");
	CHECK(query(first, "labelSelector") ==
	      "%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name");

	transport.answer(200, list("10", { service("a", 80), service("b", 81) }), 3);
	CHECK(take(out) == Lines{ "Updated ns/a", "Updated ns/b", "Listed 2" });
	CHECK(reflector.listed());
	REQUIRE(transport.requests.size() == 2);
	const HttpRequest &watch = transport.last();
	CHECK(watch.watch);
	CHECK(query(watch, "watch") == "1");
	CHECK(query(watch, "allowWatchBookmarks") == "true");
	CHECK(query(watch, "resourceVersion") == "10");
	long timeout = std::stol(query(watch, "timeoutSeconds"));
	CHECK(timeout >= 300);
	CHECK(timeout < 600);
}

TEST_CASE("watch events in chunks that align with nothing; bookmarks move the version",
	  "[reflector]")
{
	RecordingTransport transport;
	std::vector<ApiDelivery> out;
	Reflector reflector(ApiKind::Service, transport, out);
	reflector.start();
	transport.answer(200, list("10", { service("a", 80) }));
	take(out);
	transport.stream(event("ADDED", service("b", 81, "11")) + event("MODIFIED", service("a", 82, "12")) +
			 event("MODIFIED", service("a", 82, "13")) + /* the same, as kipvs reads it */
			 event("DELETED", service("b", 81, "14")) +
			 event("BOOKMARK", "{\"kind\":\"Service\",\"metadata\":{\"resourceVersion\":\"20\"}}"), 3);
	CHECK(take(out) == Lines{ "Updated ns/b", "Updated ns/a", "Deleted ns/b" });
	CHECK(reflector.resourceVersion() == "20");

	/* The server ends the watch: a new one from the bookmark's version, no list. */
	size_t before = transport.requests.size();
	transport.requests.back().handler->onEnd({});
	REQUIRE(transport.requests.size() == before + 1);
	CHECK(transport.last().watch);
	CHECK(query(transport.last(), "resourceVersion") == "20");
	CHECK(take(out).empty());
}

TEST_CASE("410 Gone in the stream: a relist, which delivers only what changed", "[reflector]")
{
	RecordingTransport transport;
	std::vector<ApiDelivery> out;
	Reflector reflector(ApiKind::Service, transport, out);
	reflector.start();
	transport.answer(200, list("10", { service("a", 80), service("b", 81), service("c", 82) }));
	take(out);
	transport.answer(200, event("ERROR", "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\","
					     "\"message\":\"too old resource version: 10 (50)\"}") +
				      event("ADDED", service("z", 90, "51")));
	CHECK(take(out) == Lines{ "Report watch services: 410: too old resource version: 10 (50) (listing again)" });
	CHECK_FALSE(reflector.due() > std::optional(Reflector::Clock::now() + 2s));
	retry(reflector);
	CHECK_FALSE(transport.last().watch);
	/* client-go lists at the last version it had; the cache serves one as new or newer. */
	CHECK(query(transport.last(), "resourceVersion") == "10");
	transport.answer(200, list("60", { service("a", 80), service("c", 83), service("d", 84) }));
	CHECK(take(out) == Lines{ "Updated ns/c", "Updated ns/d", "Deleted ns/b", "Listed 3" });
	CHECK(query(transport.last(), "resourceVersion") == "60");
}

TEST_CASE("a list refused for its version (410, 504 Timeout) lists the latest at once", "[reflector]")
{
	for (long status : { 410L, 504L }) {
		RecordingTransport transport;
		std::vector<ApiDelivery> out;
		Reflector reflector(ApiKind::Service, transport, out);
		reflector.start();
		transport.answer(200, list("10", {}));
		transport.answer(200, event("ERROR", "{\"kind\":\"Status\",\"code\":410,\"message\":\"gone\"}"));
		retry(reflector);
		std::string reason = status == 410 ? "Expired" : "Timeout";
		transport.answer(status, "{\"kind\":\"Status\",\"code\":" + std::to_string(status) +
						 ",\"reason\":\"" + reason + "\",\"message\":\"m\"}");
		CHECK_FALSE(transport.last().watch);
		/* resourceVersion="" is the same as none: the latest, from etcd. */
		CHECK(query(transport.last(), "resourceVersion") == "(none)");
		transport.answer(200, list("70", {}));
		CHECK(query(transport.last(), "resourceVersion") == "70");
	}
}

TEST_CASE("failures: what is reported, and what comes next", "[reflector]")
{
	RecordingTransport transport;
	std::vector<ApiDelivery> out;
	Reflector reflector(ApiKind::Service, transport, out);
	reflector.start();

	SECTION("403 names the verb and resource, as the server's Status says") {
		transport.answer(403, "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"message\":\"services is "
				      "forbidden: User \\\"u\\\" cannot list resource \\\"services\\\"\"}");
		CHECK(take(out) == Lines{ "Report list services (https://api:6443/api/v1/services): 403 Forbidden: "
					  "services is forbidden: User \"u\" cannot list resource \"services\"" });
		retry(reflector);
		CHECK_FALSE(transport.last().watch);
	}
	SECTION("401 names the credential sent, and has it read again") {
		transport.answer(401, "{\"kind\":\"Status\",\"reason\":\"Unauthorized\",\"message\":\"Unauthorized\"}");
		CHECK(take(out) == Lines{ "Report list services (https://api:6443/api/v1/services): 401 Unauthorized "
					  "(sent the token in /t): Unauthorized" });
		CHECK(transport.rejected == 1);
	}
	SECTION("429 waits its Retry-After") {
		auto now = Reflector::Clock::now();
		transport.answer(429, "Too many requests, please try again later.\n", 7, {}, 20s);
		CHECK(take(out) == Lines{ "Report list services (https://api:6443/api/v1/services): 429: "
					  "Too many requests, please try again later." });
		REQUIRE(reflector.due());
		CHECK(*reflector.due() >= now + 20s);
	}
	SECTION("a watch refused its connection watches again; other failures list again") {
		transport.answer(200, list("10", {}));
		transport.answer(0, "", 7, Error(ECONNREFUSED, "GET https://api:6443/api/v1/services: refused"));
		retry(reflector);
		CHECK(transport.last().watch);
		transport.answer(0, "", 7, Error(EPROTO, "GET https://api:6443/api/v1/services: TLS"));
		retry(reflector);
		CHECK_FALSE(transport.last().watch);
	}
	SECTION("a watch that ends under a second after it started, with no event, lists again") {
		transport.answer(200, list("10", {}));
		take(out);
		transport.answer(200, "");
		CHECK(take(out) == Lines{ "Report watch services: very short watch (ended in under a second with no event)" });
		retry(reflector);
		CHECK_FALSE(transport.last().watch);
	}
	SECTION("a list that is not one is reported and tried again") {
		transport.answer(200, "{\"items\":[{\"metadata\":{\"name\":\"a\"}} {}]}", 4);
		/* Items are handed on as they come: a list that breaks has delivered some. */
		CHECK(take(out) == Lines{ "Updated default/a",
					  "Report list services: the response is not a list (at byte 36: ',' or ']' "
					  "expected after item 1)" });
		CHECK_FALSE(reflector.listed());
		retry(reflector);
		CHECK_FALSE(transport.last().watch);
	}
}

TEST_CASE("an invalid object is reported by kind and name and skipped; the rest is served",
	  "[reflector]")
{
	RecordingTransport transport;
	std::vector<ApiDelivery> out;
	Reflector reflector(ApiKind::Service, transport, out);
	reflector.start();
	transport.answer(200, list("10", { service("a", 80), service("bad", 70000), service("b", 81) }));
	Lines lines = take(out);
	REQUIRE(lines.size() == 4);
	CHECK(lines[0] == "Updated ns/a");
	CHECK(lines[1].starts_with("Report Service ns/bad: spec.ports[0].port: "));
	CHECK(lines[1].ends_with(" (skipped)"));
	CHECK(lines[2] == "Updated ns/b");
	CHECK(lines[3] == "Listed 2");
	/* A served object that turns invalid is deleted. */
	transport.stream(event("MODIFIED", service("a", 0, "11")));
	lines = take(out);
	REQUIRE(lines.size() == 2);
	CHECK(lines[0].starts_with("Report Service ns/a: "));
	CHECK(lines[1] == "Deleted ns/a");
}

TEST_CASE("the backoff: 0.8 s doubling to 30 s, jitter up to as much again, reset after 2 minutes",
	  "[reflector]")
{
	Backoff backoff;
	auto now = Backoff::Clock::now();
	std::vector<double> steps = { 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30 };
	for (double step : steps) {
		double got = std::chrono::duration<double>(backoff.next(now)).count();
		CHECK(got >= step);
		CHECK(got <= 2 * step);
		now += 1s;
	}
	now += 121s;
	double got = std::chrono::duration<double>(backoff.next(now)).count();
	CHECK(got >= 0.8);
	CHECK(got <= 1.6);
}

TEST_CASE("lists are limited to 5 a second, in bursts of 10", "[reflector]")
{
	RequestLimiter limiter;
	auto now = RequestLimiter::Clock::now();
	for (int i = 0; i < 10; i++)
		CHECK(limiter.take(now) == now);
	CHECK(limiter.take(now) == now + 200ms);
	CHECK(limiter.take(now) == now + 400ms);
	now += 10s;
	CHECK(limiter.take(now) == now);
}
