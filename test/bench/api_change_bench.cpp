/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One endpoint change among many services, from the API to the kernel:
 * with kipvs-proxy running against the API server, each round replaces the
 * first endpoint of one Service's EndpointSlice (test/cluster/load.py's
 * svc-NNNNN and svc-NNNNN-1) with a JSON patch, and from the moment the API
 * server has answered the write, polls that virtual server's real servers
 * over netlink until the kernel shows the change (the new address at weight
 * 1, the old one at weight 0 or gone). Prints each round, then the median
 * and the 99th percentile (nearest rank). A program, not a test:
 * test/bench/api-proxy-bench.sh runs it in the VM.
 *
 *   api_change_bench KUBECONFIG NAMESPACE SERVICES ROUNDS
 */
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <simdjson.h>

#include "ipvs/client.h"
#include "test/bench/change_latency.h"
#include "proxy/source/api/client_config.h"

using namespace kipvs;
using namespace kipvs::proxy;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void fail(const std::string &message)
{
	std::fprintf(stderr, "api_change_bench: %s\n", message.c_str());
	std::exit(1);
}

size_t collect(char *data, size_t size, size_t count, void *out)
{
	static_cast<std::string *>(out)->append(data, size * count);
	return size * count;
}

/* One request to the API server; its body, or exit naming the failure. */
std::string request(const ClientConfig &config, const std::string &method, const std::string &path,
		    const std::string &body = {})
{
	CURL *easy = curl_easy_init();
	std::string url = config.server + path, answer;
	curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
	curl_blob ca{ const_cast<char *>(config.caData.data()), config.caData.size(), CURL_BLOB_NOCOPY };
	curl_blob cert{ const_cast<char *>(config.clientCertData.data()), config.clientCertData.size(),
			CURL_BLOB_NOCOPY };
	curl_blob key{ const_cast<char *>(config.clientKeyData.data()), config.clientKeyData.size(),
		       CURL_BLOB_NOCOPY };
	curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
	curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
	curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json-patch+json");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	if (!body.empty())
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &collect);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer);
	CURLcode code = curl_easy_perform(easy);
	long status = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	if (code != CURLE_OK || status != 200)
		fail(method + " " + url + ": " + (code != CURLE_OK ? curl_easy_strerror(code) : answer));
	return answer;
}

/* A string at a JSON pointer of a response. */
std::string field(const std::string &json, const char *pointer)
{
	simdjson::ondemand::parser parser;
	simdjson::padded_string padded(json);
	simdjson::ondemand::document document;
	std::string_view value;
	if (parser.iterate(padded).get(document) || document.at_pointer(pointer).get_string().get(value))
		fail(std::string("no ") + pointer + " in " + json.substr(0, 200));
	return std::string(value);
}


} /* namespace */

int main(int argc, char *argv[])
{
	if (argc != 5)
		fail("usage: api_change_bench KUBECONFIG NAMESPACE SERVICES ROUNDS");
	auto config = loadClientConfig(argv[1], "", {});
	if (!config)
		fail(config.error().message());
	std::string ns = argv[2];
	int services = std::atoi(argv[3]);
	int rounds = std::atoi(argv[4]);
	if (services <= 0 || rounds <= 0 || rounds > 65000)
		fail("SERVICES and ROUNDS must be positive, ROUNDS at most 65000");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	auto opened = ipvs::Client::open();
	if (!opened)
		fail(opened.error().message());
	ipvs::Client client = std::move(opened).value();

	std::vector<double> latencies;
	for (int round = 0; round < rounds; round++) {
		int index = static_cast<int>((static_cast<long>(round) * 7919 + 13) % services);
		char name[32];
		std::snprintf(name, sizeof(name), "svc-%05d", index);
		std::string base = "/api/v1/namespaces/" + ns;
		std::string vip = field(request(*config, "GET", base + "/services/" + name), "/spec/clusterIP");
		std::string slicePath = "/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices/" +
					std::string(name) + "-1";
		std::string old = field(request(*config, "GET", slicePath), "/endpoints/0/addresses/0");
		int n = round + 1;
		/* Another run may have left this round's address there: take the other prefix then. */
		std::string prefix = old.starts_with("10.251.") ? "10.252." : "10.251.";
		std::string fresh = prefix + std::to_string(n / 256) + "." + std::to_string(n % 256);
		auto vipAddress = IpAddress::parse(vip);
		auto oldAddress = IpAddress::parse(old);
		auto freshAddress = IpAddress::parse(fresh);
		if (!vipAddress || !oldAddress)
			fail(std::string(name) + ": no clusterIP or endpoint address");
		ipvs::ServiceKey key{ AF_INET, Protocol::Tcp, *vipAddress, 80, 0 };

		request(*config, "PATCH", slicePath,
			"[{\"op\":\"replace\",\"path\":\"/endpoints/0/addresses/0\",\"value\":\"" + fresh + "\"}]");
		auto start = Clock::now();
		double ms = bench::waitForChange(client, key, *freshAddress, *oldAddress, start, "api_change_bench");
		latencies.push_back(ms);
		std::printf("round %d: %s endpoint %s -> %s in %.1f ms\n", round, key.toString().c_str(),
			    old.c_str(), fresh.c_str(), ms);
		std::fflush(stdout);
		/* Let the daemon go idle again before the next change. */
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
	}
	bench::printLatencies(latencies);
	return 0;
}
