/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-api-events: kipvs's API source on its own, printing what it hands
 * on, one line per event, for the tests against the real kube-apiserver.
 *
 *   kipvs-api-events [--kubeconfig FILE] [--master URL]
 *                    [--watch-timeout LOW:HIGH] [--stall-seconds N] [--bench yes]
 *
 * --bench: no line per object; once synced, one line "synced: N objects in
 * T ms, peak RSS R MB, CPU C s" (from the start), and exit.
 *
 * Lines: "Service ns/name clusterIPs=... ports=...", "EndpointSlice ns/name
 * service=ns/name endpoints=...", "Node name addresses=...", "deleted KIND
 * name", "synced", "report: TEXT", "info: TEXT", "trace: TEXT" (each request, bookmark
 * and stream end). Runs until SIGTERM or SIGINT.
 */
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <poll.h>
#include <sys/resource.h>

#include "proxy/source/api/api_source.h"
#include "proxy/source/api/client_config.h"
#include "proxy/source/api/curl_transport.h"

using namespace kipvs;
using namespace kipvs::proxy;

namespace {

volatile std::sig_atomic_t stopping = 0;
/* --bench: objects counted, not printed. */
bool quiet = false;
size_t objects = 0;

template<typename T>
std::string joined(const std::vector<T> &values)
{
	std::string out;
	for (const T &value : values)
		out += (out.empty() ? "" : ",") + value.toString();
	return out.empty() ? "-" : out;
}

void line(const std::string &text)
{
	if (quiet && !text.starts_with("report") && !text.starts_with("error")) {
		if (text.starts_with("Service ") || text.starts_with("EndpointSlice ") || text.starts_with("Node "))
			objects++;
		return;
	}
	std::printf("%s\n", text.c_str());
	std::fflush(stdout);
}

class Printer : public EventHandler
{
public:
	void serviceUpdated(std::shared_ptr<const Service> service) override
	{
		std::string ports;
		for (const ServicePort &port : service->ports)
			ports += (ports.empty() ? "" : ",") + std::to_string(port.port) + "/" +
				 protocolName(port.protocol) +
				 (port.nodePort ? ":" + std::to_string(port.nodePort) : "");
		line("Service " + service->name.toString() + " clusterIPs=" + joined(service->clusterIPs) +
		     " ports=" + (ports.empty() ? "-" : ports));
	}
	void serviceDeleted(const ObjectName &name) override { line("deleted Service " + name.toString()); }
	void endpointSliceUpdated(std::shared_ptr<const EndpointSlice> slice) override
	{
		std::string endpoints;
		for (const Endpoint &endpoint : slice->endpoints)
			endpoints += (endpoints.empty() ? "" : ",") + endpoint.address.toString();
		line("EndpointSlice " + slice->name.toString() + " service=" + slice->service.toString() +
		     " endpoints=" + (endpoints.empty() ? "-" : endpoints));
	}
	void endpointSliceDeleted(const ObjectName &name) override
	{
		line("deleted EndpointSlice " + name.toString());
	}
	void nodeUpdated(std::shared_ptr<const Node> node) override
	{
		line("Node " + node->name.toString() + " addresses=" + joined(node->addresses));
	}
	void nodeDeleted(const ObjectName &name) override { line("deleted Node " + name.toString()); }
	void synced() override { line("synced"); }
};

int usage(const char *why)
{
	std::fprintf(stderr, "kipvs-api-events: %s\n", why);
	return 2;
}

} /* namespace */

int main(int argc, char **argv)
{
	std::string kubeconfig, master;
	long low = 300, high = 600;
	CurlTransport::Options options;
	for (int i = 1; i < argc; i++) {
		std::string flag = argv[i];
		if (i + 1 >= argc)
			return usage(("missing value of " + flag).c_str());
		std::string value = argv[++i];
		if (flag == "--kubeconfig")
			kubeconfig = value;
		else if (flag == "--master")
			master = value;
		else if (flag == "--watch-timeout" &&
			 std::sscanf(value.c_str(), "%ld:%ld", &low, &high) == 2)
			;
		else if (flag == "--stall-seconds")
			options.stallSeconds = std::stol(value);
		else if (flag == "--bench")
			quiet = value == "yes";
		else
			return usage(("bad flag " + flag).c_str());
	}
	std::signal(SIGTERM, [](int) { stopping = 1; });
	std::signal(SIGINT, [](int) { stopping = 1; });
	std::signal(SIGPIPE, SIG_IGN);

	auto config = loadClientConfig(kubeconfig, master, InClusterEnvironment::fromProcess());
	if (!config) {
		line("error: " + config.error().message());
		return 1;
	}
	auto transport = CurlTransport::create(*config, userAgent(), options);
	if (!transport) {
		line("error: " + transport.error().message());
		return 1;
	}
	Printer printer;
	ApiSource source(std::move(*transport), printer,
			 [](const std::string &message) { line("report: " + message); });
	source.setWatchTimeout(std::chrono::seconds(low), std::chrono::seconds(high));
	source.setInfo([](const std::string &message) { line("info: " + message); });
	source.setTrace([](const std::string &message) { line("trace: " + message); });
	auto began = std::chrono::steady_clock::now();
	if (auto started = source.start([]() { return stopping != 0; }); !started) {
		line("error: " + started.error().message());
		return 1;
	}
	if (quiet) {
		auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
			std::chrono::steady_clock::now() - began);
		struct rusage usage = {};
		getrusage(RUSAGE_SELF, &usage);
		double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
			     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
		std::printf("synced: %zu objects in %lld ms, peak RSS %.1f MB, CPU %.2f s\n", objects,
			    static_cast<long long>(took.count()), static_cast<double>(usage.ru_maxrss) / 1024.0, cpu);
		std::fflush(stdout);
		std::_Exit(0);
	}
	while (!stopping) {
		struct pollfd wait = { source.fd(), POLLIN, 0 };
		if (poll(&wait, 1, 200) > 0)
			(void)source.processEvents();
	}
	return 0;
}
