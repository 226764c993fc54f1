/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One kind's list and watch (client-go's reflector rules, see
 * kubernetes-api-client notes in docs/architecture.md).
 */
#include "proxy/source/api/reflector.h"

#include <cerrno>
#include <set>

#include "proxy/source/api/json_tree.h"
#include "proxy/source/api/list_splitter.h"
#include "proxy/source/manifests/manifest_parser.h"

namespace kipvs::proxy {

using namespace std::chrono_literals;

namespace {

/* A failed request's body is kept up to here: a Status is small. */
constexpr size_t kMaxErrorBody = 64 * 1024;
/* A watch that ends sooner with no event did not really start. */
constexpr auto kShortWatch = 1s;

struct KindInfo {
	const char *resource;
	const char *path;
	const char *apiVersion;
	const char *kind;
	const char *query; /* kube-proxy's selectors, percent-encoded */
	const TreeFilter &(*filter)();
};

/* !service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name */
#define KIPVS_LABEL_SELECTOR \
	"labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name"

const KindInfo &info(ApiKind kind)
{
	static const KindInfo kinds[] = {
		{ "services", "/api/v1/services", "v1", "Service",
		  "fieldSelector=spec.clusterIP%21%3DNone&" KIPVS_LABEL_SELECTOR, &serviceFilter },
		{ "endpointslices", "/apis/discovery.k8s.io/v1/endpointslices", "discovery.k8s.io/v1",
		  "EndpointSlice", KIPVS_LABEL_SELECTOR, &endpointSliceFilter },
		{ "nodes", "/api/v1/nodes", "v1", "Node", "", &nodeFilter },
	};
	return kinds[static_cast<int>(kind)];
}

std::string textOf(const ManifestValue *value)
{
	return value ? std::string(value->text()) : std::string();
}

ObjectName nameOf(const ManifestValue &tree)
{
	const ManifestValue *metadata = tree.find("metadata");
	if (!metadata)
		return {};
	return { textOf(metadata->find("namespace")), textOf(metadata->find("name")) };
}

bool sameObject(const ApiObject &a, const ApiObject &b)
{
	if (a.index() != b.index())
		return false;
	return std::visit([&](const auto &left) {
		const auto &right = std::get<std::decay_t<decltype(left)>>(b);
		return *left == *right;
	}, a);
}

simdjson::padded_string_view padded(std::string &text)
{
	text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
	return simdjson::padded_string_view(text.data(), text.size(), text.capacity());
}

} /* namespace */

const char *resourceOf(ApiKind kind)
{
	return info(kind).resource;
}

const char *kindOf(ApiKind kind)
{
	return info(kind).kind;
}

Backoff::Clock::duration Backoff::next(Clock::time_point now)
{
	if (step_ == Clock::duration(0) || now - last_ > 2min)
		step_ = 800ms;
	else
		step_ = std::min<Clock::duration>(step_ * 2, 30s);
	last_ = now;
	std::uniform_real_distribution<double> jitter(0.0, 1.0);
	return step_ + std::chrono::duration_cast<Clock::duration>(step_ * jitter(random_));
}

RequestLimiter::Clock::time_point RequestLimiter::take(Clock::time_point now)
{
	if (last_) {
		double seconds = std::chrono::duration<double>(now - *last_).count();
		tokens_ = std::min(burst_, tokens_ + seconds * qps_);
	}
	last_ = now;
	tokens_ -= 1.0;
	if (tokens_ >= 0.0)
		return now;
	return now + std::chrono::duration_cast<Clock::duration>(
			     std::chrono::duration<double>(-tokens_ / qps_));
}

Reflector::Reflector(ApiKind kind, HttpTransport &transport, std::vector<ApiDelivery> &out,
		     RequestLimiter *limiter)
	: kind_(kind), transport_(transport), out_(out), limiter_(limiter)
{
}

Reflector::~Reflector()
{
	if (request_)
		transport_.cancel(*request_);
}

void Reflector::setWatchTimeout(std::chrono::seconds low, std::chrono::seconds high)
{
	watchLow_ = low;
	watchHigh_ = high;
}

void Reflector::start()
{
	list();
}

void Reflector::tick(Clock::time_point now)
{
	if (!due_ || *due_ > now)
		return;
	due_.reset();
	if (next_ == Next::List)
		list();
	else
		watch();
}

std::string Reflector::pathFor(bool watch, const std::string &version, long timeoutSeconds) const
{
	const KindInfo &kind = info(kind_);
	std::string path = std::string(kind.path) + "?" + kind.query;
	auto add = [&](const std::string &parameter) {
		if (path.back() != '?')
			path += '&';
		path += parameter;
	};
	if (watch)
		add("allowWatchBookmarks=true");
	/* Opaque; digits in practice, but never trusted not to need escaping. */
	if (!version.empty() || watch) {
		std::string escaped;
		for (char c : version) {
			if (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')
				escaped += c;
			else {
				char hex[4];
				snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
				escaped += hex;
			}
		}
		add("resourceVersion=" + escaped);
	}
	if (watch) {
		add("timeoutSeconds=" + std::to_string(timeoutSeconds));
		add("watch=1");
	}
	return path;
}

void Reflector::list()
{
	if (limiter_ && !reserved_) {
		auto now = Clock::now();
		auto slot = limiter_->take(now);
		if (slot > now) {
			reserved_ = true;
			phase_ = Phase::Idle;
			next_ = Next::List;
			due_ = slot;
			return;
		}
	}
	reserved_ = false;
	/* Never listed: any version the watch cache has; after a 410 on "N": the latest. */
	std::string version = listConsistent_ ? "" : listed_ ? resourceVersion_ : "0";
	phase_ = Phase::Listing;
	status_ = 0;
	body_.clear();
	listSeen_.clear();
	listFailure_.clear();
	splitter_.emplace([this](std::string_view item) { return listItem(item); });
	trace("list " + std::string(resourceOf(kind_)) + " at resourceVersion \"" + version + "\"");
	auto started = transport_.start({ pathFor(false, version, 0), false }, *this);
	if (!started) {
		report("list " + std::string(resourceOf(kind_)) + ": " + started.error().message());
		retryLater(Next::List);
		return;
	}
	request_ = *started;
}

void Reflector::watch()
{
	phase_ = Phase::Watching;
	status_ = 0;
	body_.clear();
	line_.clear();
	watchEvents_ = 0;
	afterStream_.reset();
	watchStarted_ = Clock::now();
	/* client-go: uniform in [5, 10) minutes, so that watches do not all end together. */
	std::uniform_int_distribution<long> seconds(watchLow_.count(),
						    std::max(watchLow_.count(), watchHigh_.count() - 1));
	long timeout = seconds(backoff_.random_);
	trace("watch " + std::string(resourceOf(kind_)) + " from resourceVersion " + resourceVersion_ +
	      " for " + std::to_string(timeout) + " s");
	auto started = transport_.start({ pathFor(true, resourceVersion_, timeout), true }, *this);
	if (!started) {
		report("watch " + std::string(resourceOf(kind_)) + ": " + started.error().message());
		retryLater(Next::Watch);
		return;
	}
	request_ = *started;
}

void Reflector::retryLater(Next next, std::chrono::seconds retryAfter)
{
	phase_ = Phase::Idle;
	next_ = next;
	auto now = Clock::now();
	auto wait = std::max<Clock::duration>(backoff_.next(now), retryAfter);
	due_ = now + wait;
}

void Reflector::report(const std::string &message)
{
	out_.push_back({ ApiDelivery::What::Report, kind_, {}, std::nullopt, message });
}

void Reflector::trace(const std::string &message)
{
	if (trace_)
		out_.push_back({ ApiDelivery::What::Trace, kind_, {}, std::nullopt, message });
}

void Reflector::onStatus(long status, std::chrono::seconds retryAfter)
{
	status_ = status;
	retryAfter_ = retryAfter;
}

bool Reflector::onBody(std::string_view bytes)
{
	if (status_ != 200) {
		if (body_.size() < kMaxErrorBody)
			body_.append(bytes.substr(0, kMaxErrorBody - body_.size()));
		return true;
	}
	if (phase_ == Phase::Listing) {
		if (auto failure = splitter_->feed(bytes)) {
			if (listFailure_.empty())
				listFailure_ = *failure;
			return false;
		}
		return true;
	}
	/* Newline-delimited events; a chunk may end anywhere in one. */
	size_t start = 0;
	for (size_t end; (end = bytes.find('\n', start)) != std::string_view::npos; start = end + 1) {
		if (body_.empty()) {
			watchLine(bytes.substr(start, end - start));
		} else {
			body_.append(bytes.substr(start, end - start));
			std::string line = std::move(body_);
			body_.clear();
			watchLine(line);
		}
		if (afterStream_)
			return false;
	}
	body_.append(bytes.substr(start));
	return true;
}

std::string Reflector::describeFailure(std::string &reason) const
{
	std::string text = std::to_string(status_);
	std::string message;
	std::string copy = body_;
	simdjson::ondemand::parser parser;
	simdjson::ondemand::document document;
	std::string_view kind;
	if (!body_.empty() && body_[0] == '{' && !parser.iterate(padded(copy)).get(document) &&
	    !document["kind"].get_string().get(kind) && kind == "Status") {
		std::string_view field;
		if (!document["reason"].get_string().get(field))
			reason = field;
		if (!document["message"].get_string().get(field))
			message = field;
	} else {
		/* 429 from priority and fairness: plain text. */
		message = body_.substr(0, body_.find('\n'));
	}
	if (!reason.empty())
		text += " " + reason;
	if (status_ == 401)
		text += " (sent " + transport_.credential() + ")";
	if (!message.empty())
		text += ": " + message;
	return text;
}

void Reflector::onEnd(const Result<void> &result)
{
	request_.reset();
	const std::string resource = resourceOf(kind_);
	const std::string url = transport_.urlOf(info(kind_).path);

	if (phase_ == Phase::Listing) {
		if (!result && !listFailure_.empty()) {
			listEnded();
			return;
		}
		if (!result) {
			report("list " + resource + ": " + result.error().message());
			retryLater(Next::List);
			return;
		}
		if (status_ != 200) {
			std::string reason;
			std::string failure = describeFailure(reason);
			report("list " + resource + " (" + url + "): " + failure);
			if (status_ == 401)
				transport_.credentialsRejected();
			/* Too old (410) or too new (504 TooLarge) a version: a consistent list, at once. */
			if ((status_ == 410 || (status_ == 504 && reason == "Timeout")) && !listConsistent_) {
				listConsistent_ = true;
				list();
				return;
			}
			retryLater(Next::List, retryAfter_);
			return;
		}
		listEnded();
		return;
	}

	/* Watching. */
	if (afterStream_) {
		retryLater(*afterStream_, retryAfter_);
		return;
	}
	if (status_ != 200 && status_ != 0) {
		std::string reason;
		std::string failure = describeFailure(reason);
		report("watch " + resource + " (" + url + "): " + failure);
		if (status_ == 401)
			transport_.credentialsRejected();
		/* Refused for now (429): watch again later; anything else lists again. */
		retryLater(status_ == 429 ? Next::Watch : Next::List, retryAfter_);
		return;
	}
	if (status_ == 0 && !result) {
		/* No response at all: refused connections retry the watch; others relist. */
		report("watch " + resource + ": " + result.error().message());
		retryLater(result.error().code() == ECONNREFUSED ? Next::Watch : Next::List);
		return;
	}
	/* The stream ended, cleanly or not: resume from the last version seen. */
	trace("watch " + resource + " ended (" + (result ? "by the server" : result.error().message()) +
	      ") after " + std::to_string(watchEvents_) + " events");
	if (watchEvents_ == 0 && Clock::now() - watchStarted_ < kShortWatch) {
		report("watch " + resource + ": very short watch (ended in under a second with no "
		       "event" + (result ? std::string() : ": " + result.error().message()) + ")");
		retryLater(Next::List);
		return;
	}
	watch();
}

/* One item of a list, as its own document; false: the list cannot be read. */
bool Reflector::listItem(std::string_view text)
{
	const KindInfo &kind = info(kind_);
	line_.assign(text);
	simdjson::ondemand::document document;
	simdjson::ondemand::value value;
	ManifestValue tree;
	simdjson::error_code error = parser_.iterate(padded(line_)).get(document);
	if (!error)
		error = document.get_value().get(value);
	if (!error)
		error = buildTree(value, &kind.filter(), arena_, tree);
	if (error) {
		listFailure_ = "item " + std::to_string(splitter_->items()) + ": " +
			       simdjson::error_message(error);
		arena_.rewind({});
		return false;
	}
	put(tree, &listSeen_);
	arena_.rewind({});
	return true;
}

void Reflector::listEnded()
{
	const KindInfo &kind = info(kind_);
	std::string failure = listFailure_;
	std::string version;
	if (failure.empty()) {
		if (auto unfinished = splitter_->finish())
			failure = *unfinished;
	}
	if (failure.empty()) {
		std::string metadata = splitter_->metadata();
		simdjson::ondemand::document document;
		std::string_view field;
		if (!metadata.empty() && !parser_.iterate(padded(metadata)).get(document) &&
		    !document["resourceVersion"].get_string().get(field))
			version = field;
		if (version.empty())
			failure = "no metadata.resourceVersion";
	}
	splitter_.reset();
	std::set<ObjectName> seen = std::move(listSeen_);
	listSeen_.clear();
	arena_.trim();
	if (!failure.empty()) {
		report("list " + std::string(kind.resource) + ": the response is not a list (" +
		       failure + ")");
		retryLater(Next::List);
		return;
	}
	/* A relist replaces what was kept: what the list lacks is gone. */
	for (auto it = store_.begin(); it != store_.end();) {
		if (seen.count(it->first)) {
			++it;
			continue;
		}
		out_.push_back({ ApiDelivery::What::Deleted, kind_, it->first, std::nullopt, {} });
		it = store_.erase(it);
	}
	resourceVersion_ = version;
	listConsistent_ = false;
	listed_ = true;
	out_.push_back({ ApiDelivery::What::Listed, kind_, {}, std::nullopt,
			 std::to_string(store_.size()) });
	watch();
}

void Reflector::watchLine(std::string_view text)
{
	if (text.empty())
		return;
	const KindInfo &kind = info(kind_);
	const std::string resource = kind.resource;
	line_.assign(text);
	simdjson::ondemand::document document;
	std::string_view type;
	ManifestValue tree;
	std::string failure;
	simdjson::ondemand::value object;
	if (auto error = parser_.iterate(padded(line_)).get(document); error != simdjson::SUCCESS)
		failure = simdjson::error_message(error);
	else if (error = document["type"].get_string().get(type); error != simdjson::SUCCESS)
		failure = std::string("type: ") + simdjson::error_message(error);
	else if (error = document["object"].get(object); error != simdjson::SUCCESS)
		failure = std::string("object: ") + simdjson::error_message(error);
	else {
		const TreeFilter *filter = type == "ADDED" || type == "MODIFIED" || type == "DELETED"
						   ? &kind.filter() : nullptr;
		if (error = buildTree(object, filter, arena_, tree); error != simdjson::SUCCESS)
			failure = std::string("object: ") + simdjson::error_message(error);
	}
	struct Rewind {
		ManifestArena &arena;
		~Rewind() { arena.rewind({}); }
	} rewind{ arena_ };
	if (!failure.empty()) {
		report("watch " + resource + ": an event that cannot be read (" + failure +
		       "): listing again");
		afterStream_ = Next::List;
		return;
	}
	watchEvents_++;
	if (type == "ERROR") {
		const ManifestValue *code = tree.find("code");
		const ManifestValue *message = tree.find("message");
		std::string codeText = code ? std::string(code->text()) : "?";
		report("watch " + resource + ": " + codeText + ": " + textOf(message) +
		       (codeText == "410" ? " (listing again)" : ""));
		afterStream_ = codeText == "429" ? Next::Watch : Next::List;
		return;
	}
	if (type == "ADDED" || type == "MODIFIED")
		put(tree, nullptr);
	else if (type == "DELETED")
		remove(nameOf(tree));
	else if (type == "BOOKMARK")
		trace("watch " + resource + ": bookmark at " + std::string(resourceVersionOf(tree)));
	else {
		report("watch " + resource + ": unknown event type \"" + std::string(type) + "\"");
		return;
	}
	std::string_view version = resourceVersionOf(tree);
	if (!version.empty())
		resourceVersion_ = version;
}

void Reflector::put(const ManifestValue &tree, std::set<ObjectName> *seen)
{
	const KindInfo &kind = info(kind_);
	ManifestFile parsed = parseObject(tree, kind.apiVersion, kind.kind, "API");
	std::optional<ApiObject> object;
	ObjectName name;
	if (!parsed.services.empty()) {
		name = parsed.services[0].name;
		object = std::make_shared<const Service>(std::move(parsed.services[0]));
	} else if (!parsed.endpointSlices.empty()) {
		name = parsed.endpointSlices[0].name;
		object = std::make_shared<const EndpointSlice>(std::move(parsed.endpointSlices[0]));
	} else if (!parsed.nodes.empty()) {
		name = parsed.nodes[0].name;
		object = std::make_shared<const Node>(std::move(parsed.nodes[0]));
	}
	if (!object) {
		/* Invalid, or skipped as kube-proxy skips it: what was served of it goes. */
		for (const ManifestProblem &problem : parsed.errors)
			report(problem.object + ": " + problem.reason + " (skipped)");
		remove(nameOf(tree));
		return;
	}
	if (seen)
		seen->insert(name);
	auto found = store_.find(name);
	if (found != store_.end() && sameObject(found->second, *object))
		return; /* a relist's unchanged object, or a change kipvs does not read */
	store_.insert_or_assign(name, *object);
	out_.push_back({ ApiDelivery::What::Updated, kind_, std::move(name), std::move(object), {} });
}

void Reflector::remove(const ObjectName &name)
{
	if (store_.erase(name))
		out_.push_back({ ApiDelivery::What::Deleted, kind_, name, std::nullopt, {} });
}

} /* namespace kipvs::proxy */
