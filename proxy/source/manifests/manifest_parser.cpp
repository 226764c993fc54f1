/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest parsing: YAML and JSON documents checked field by field into proxy/objects.h.
 */
#include "proxy/source/manifests/manifest_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <map>
#include <span>
#include <unordered_map>
#include <utility>

#include "base/address.h"
#include "base/strings.h"
#include "proxy/source/manifests/field.h"
#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy {

/**
 * \brief The problem as one line: file, object, reason
 */
std::string ManifestProblem::message() const
{
	std::string text = file;
	if (!object.empty())
		text += ": " + object;
	return text + ": " + reason;
}

namespace {

using namespace fields;

constexpr const char *kTriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

/*
 * Annotations are checked as a map of strings too, but only the trigger
 * time is kept (the later one, if given twice).
 */
Problem readAnnotations(const Field &field, std::string_view &triggerTime)
{
	return readStrings(field, [&](std::string_view key, std::string_view value) {
		if (key == kTriggerTimeAnnotation)
			triggerTime = value;
	});
}

/*
 * apiVersion and kind of a document, with the defaults a typed List gives
 * its items: views into the document or literals.
 */
struct TypeMeta {
	std::string_view apiVersion;
	std::string_view kind;
};

/* The metadata kipvs uses. */
struct ObjectMeta {
	ObjectName name;
	Labels labels;
	/* The endpoints.kubernetes.io/last-change-trigger-time annotation. */
	std::string_view triggerTime;
	/* metadata.creationTimestamp, seconds since the epoch; 0 when absent. */
	int64_t created = 0;
	bool deleting = false;
};

/*
 * Where a document is: "document 2", or "document 1 items[3]" for an item
 * of a List. Only spelled out for a message.
 */
struct Where {
	/* The List an item is in; nullptr for a document. */
	const Where *list = nullptr;
	/* The document's number (from 1) or the item's index. */
	size_t index = 0;

	std::string toString() const
	{
		if (!list)
			return "document " + std::to_string(index);
		return list->toString() + " items[" + std::to_string(index) + "]";
	}
};

/* "Service default/web" */
std::string objectLabel(std::string_view kind, const ObjectName &name)
{
	return std::string(kind) + " " + name.toString();
}

/* Where each object of a kind is in the ManifestFile, by name. */
using Seen = std::unordered_map<ObjectName, size_t, ObjectNameHash>;

class Parser
{
public:
	Parser(const std::string &fileName, ManifestFile &out, ManifestArena &arena)
		: file_(fileName), out_(out), arena_(arena)
	{
	}

	void parseDocument(const Field &root, const Where &where, const TypeMeta &defaults);

private:
	void error(const std::string &object, const std::string &reason)
	{
		out_.errors.push_back({ file_, object, reason });
	}
	void note(const std::string &object, const std::string &reason)
	{
		out_.notes.push_back({ file_, object, reason });
	}

	void parseList(const Field &root, const Where &where, std::string_view kind,
		       const TypeMeta &itemDefaults);
	Problem parseMeta(const Field &root, bool namespaced, ObjectMeta &meta);
	Problem parseService(const Field &root, Service &service);
	Problem parseServicePorts(const Field &ports, std::vector<ServicePort> &out);
	Problem parseClusterIPs(const Field &spec, std::vector<IpAddress> &out);
	Problem parseEndpointSlice(const Field &root, const Labels &labels, EndpointSlice &slice,
				   std::string &skip);
	Problem parseEndpoint(const Field &field, int family, Endpoint &endpoint);
	Problem parseNode(const Field &root, Node &node);

	template<typename T>
	void add(std::vector<T> &objects, Seen &seen, T &&object,
		 std::string_view kind, const Where &where);

	const std::string &file_;
	ManifestFile &out_;
	/* Where the trees of a List's items are read, one at a time. */
	ManifestArena &arena_;
	/* Where each object is in out_, once there are many (see add()). */
	Seen seenServices_;
	Seen seenSlices_;
	Seen seenNodes_;
};

void Parser::parseDocument(const Field &root, const Where &where, const TypeMeta &defaults)
{
	if (!root.present())
		return; /* an empty document, e.g. after a trailing "---" */
	if (!root.isMap()) {
		error(where.toString(), "not an object");
		return;
	}

	TypeMeta type = defaults;
	if (auto problem = readText(root["apiVersion"], type.apiVersion)) {
		error(where.toString(), *problem);
		return;
	}
	if (auto problem = readText(root["kind"], type.kind)) {
		error(where.toString(), *problem);
		return;
	}
	if (type.kind.empty()) {
		error(where.toString(), "kind is missing");
		return;
	}

	struct Kind {
		std::string_view kind;
		std::string_view apiVersion;
	};
	static constexpr Kind kinds[] = {
		{ "Service", "v1" },
		{ "EndpointSlice", "discovery.k8s.io/v1" },
		{ "Node", "v1" },
	};
	struct ListKind {
		std::string_view kind;
		std::string_view apiVersion;
		/* What its items are, when they do not say; empty for any. */
		const Kind *item;
	};
	static constexpr ListKind lists[] = {
		{ "List", "v1", nullptr },
		{ "ServiceList", "v1", &kinds[0] },
		{ "EndpointSliceList", "discovery.k8s.io/v1", &kinds[1] },
		{ "NodeList", "v1", &kinds[2] },
	};

	for (const ListKind &list : lists) {
		if (type.kind != list.kind)
			continue;
		if (type.apiVersion != list.apiVersion) {
			error(std::string(type.kind) + " in " + where.toString(),
			      "apiVersion " + quote(type.apiVersion) + " is not supported (want " +
				      std::string(list.apiVersion) + ")");
			return;
		}
		/* A typed list's items may leave out their apiVersion and kind. */
		TypeMeta itemDefaults;
		if (list.item)
			itemDefaults = { list.item->apiVersion, list.item->kind };
		parseList(root, where, type.kind, itemDefaults);
		return;
	}

	const Kind *kind = nullptr;
	for (const Kind &known : kinds)
		if (type.kind == known.kind)
			kind = &known;
	if (!kind)
		return; /* ConfigMaps, Deployments...: not a proxy's business */

	const bool namespaced = type.kind != "Node";
	ObjectMeta meta;
	if (auto problem = parseMeta(root, namespaced, meta)) {
		/* Name the object if at least its name was readable. */
		error(meta.name.name.empty() ? std::string(type.kind) + " in " + where.toString()
					     : objectLabel(type.kind, meta.name),
		      *problem);
		return;
	}

	if (type.apiVersion != kind->apiVersion) {
		error(objectLabel(type.kind, meta.name),
		      "apiVersion " + quote(type.apiVersion) + " is not supported (want " +
			      std::string(kind->apiVersion) + ")");
		return;
	}

	/*
	 * kube-proxy's label selector, on Services and EndpointSlices alike
	 * (slices inherit their Service's labels): these belong to another proxy.
	 */
	if (type.kind != "Node" &&
	    (meta.labels.count(kServiceProxyNameLabel) || meta.labels.count(kHeadlessLabel)))
		return;

	if (type.kind == "Service") {
		Service service;
		service.name = std::move(meta.name);
		service.created = meta.created;
		if (auto problem = parseService(root, service)) {
			error(objectLabel(type.kind, service.name), *problem);
			return;
		}
		add(out_.services, seenServices_, std::move(service), type.kind, where);
	} else if (type.kind == "EndpointSlice") {
		EndpointSlice slice;
		slice.name = std::move(meta.name);
		slice.lastChangeTriggerTime = meta.triggerTime;
		std::string skip;
		if (auto problem = parseEndpointSlice(root, meta.labels, slice, skip)) {
			error(objectLabel(type.kind, slice.name), *problem);
			return;
		}
		if (!skip.empty()) {
			note(objectLabel(type.kind, slice.name), "skipped: " + skip);
			return;
		}
		add(out_.endpointSlices, seenSlices_, std::move(slice), type.kind, where);
	} else {
		Node node;
		node.name = std::move(meta.name);
		node.labels = std::move(meta.labels);
		node.deleting = meta.deleting;
		if (auto problem = parseNode(root, node)) {
			error(objectLabel(type.kind, node.name), *problem);
			return;
		}
		add(out_.nodes, seenNodes_, std::move(node), type.kind, where);
	}
}

void Parser::parseList(const Field &root, const Where &where, std::string_view kind,
		       const TypeMeta &itemDefaults)
{
	Field items = root["items"];
	if (auto problem = checkSequence(items)) {
		error(std::string(kind) + " in " + where.toString(), *problem);
		return;
	}
	for (size_t i = 0; i < items.size(); i++) {
		const Where itemWhere{ &where, i };
		const ManifestValue *item = items.item(i).value;
		if (item->type() != ManifestValue::Type::Json) {
			parseDocument({ item }, itemWhere, itemDefaults);
			continue;
		}
		/* One item's tree at a time: the same memory serves each. */
		const ManifestArena::Mark mark = arena_.mark();
		auto expanded = expandJson(item->text(), arena_);
		if (!expanded)
			error(itemWhere.toString(), "not JSON");
		else
			parseDocument({ &*expanded }, itemWhere, itemDefaults);
		arena_.rewind(mark);
	}
}

template<typename T>
void Parser::add(std::vector<T> &objects, Seen &seen, T &&object,
		 std::string_view kind, const Where &where)
{
	/*
	 * Most files hold a few objects: looking at each is quicker than a
	 * map, which is only built (with them all) once there are more.
	 */
	constexpr size_t few = 8;
	size_t index = objects.size();
	if (objects.size() < few) {
		for (size_t i = 0; i < objects.size(); i++)
			if (objects[i].name == object.name)
				index = i;
	} else {
		if (seen.empty())
			for (size_t i = 0; i < objects.size(); i++)
				seen.emplace(objects[i].name, i);
		index = seen.try_emplace(object.name, objects.size()).first->second;
	}
	if (index == objects.size()) {
		objects.push_back(std::move(object));
		return;
	}
	note(objectLabel(kind, object.name),
	     "defined again in " + where.toString() + "; the later definition is used");
	objects[index] = std::move(object);
}

Problem Parser::parseMeta(const Field &root, bool namespaced, ObjectMeta &meta)
{
	Field metadata = root["metadata"];
	if (auto problem = checkMap(metadata))
		return problem;

	std::string_view name;
	if (auto problem = readText(metadata["name"], name))
		return problem;
	if (name.empty())
		return std::string("metadata.name is missing");
	if (!validName(name))
		return "metadata.name: " + quote(name) + " is not a valid name";
	meta.name.name = name;

	if (namespaced) {
		std::string_view nameSpace = "default";
		if (auto problem = readText(metadata["namespace"], nameSpace))
			return problem;
		if (nameSpace.empty())
			nameSpace = "default";
		if (!validName(nameSpace)) {
			meta.name.name.clear();
			return "metadata.namespace: " + quote(nameSpace) + " is not a valid name";
		}
		meta.name.nameSpace = nameSpace;
	}

	if (auto problem = readStringMap(metadata["labels"], meta.labels))
		return problem;
	if (auto problem = readAnnotations(metadata["annotations"], meta.triggerTime))
		return problem;
	if (auto problem = readTimestamp(metadata["creationTimestamp"], meta.created))
		return problem;
	meta.deleting = metadata["deletionTimestamp"].present();
	return std::nullopt;
}

Problem Parser::parseClusterIPs(const Field &spec, std::vector<IpAddress> &out)
{
	Field single = spec["clusterIP"];
	Field multiple = spec["clusterIPs"];
	std::string_view first;
	if (auto problem = readText(single, first))
		return problem;
	if (auto problem = checkSequence(multiple))
		return problem;
	for (size_t i = 0; i < multiple.size(); i++) {
		std::string_view text;
		if (auto problem = readText(multiple.item(i), text))
			return problem;
	}

	/* clusterIPs when given, with clusterIP as its first entry if both are. */
	auto text = [](const Field &field) {
		return field.isScalar() ? field.text() : std::string_view();
	};
	const size_t count = multiple.size() > 0 ? multiple.size() : first.empty() ? 0 : 1;
	auto entry = [&](size_t i) { return multiple.size() > 0 ? multiple.item(i) : single; };
	if (multiple.size() > 0 && !first.empty() && text(multiple.item(0)) != first)
		return single.path() + ": " + quote(first) + " differs from " +
		       multiple.item(0).path() + " " + quote(text(multiple.item(0)));

	if (count == 0)
		return std::nullopt;
	/* Headless: a Service without a virtual IP. */
	if (text(entry(0)) == "None") {
		if (count > 1)
			return multiple.path() + ": \"None\" must be the only entry";
		return std::nullopt;
	}
	if (count > 2)
		return multiple.path() + ": at most 2 addresses, one per family";
	for (size_t i = 0; i < count; i++) {
		IpAddress address;
		if (auto problem = readAddress(entry(i), AF_UNSPEC, address))
			return problem;
		out.push_back(address);
	}
	if (out.size() == 2 && out[0].family() == out[1].family())
		return multiple.path() + ": two addresses of the same family (dual-stack needs one of each)";
	return std::nullopt;
}

Problem Parser::parseServicePorts(const Field &ports, std::vector<ServicePort> &out)
{
	if (auto problem = checkSequence(ports))
		return problem;
	for (size_t i = 0; i < ports.size(); i++) {
		Field field = ports.item(i);
		if (!field.isMap())
			return field.path() + ": must be an object";
		ServicePort port;
		if (auto problem = readString(field["name"], port.name))
			return problem;
		if (auto problem = readProtocol(field["protocol"], port.protocol))
			return problem;
		if (!field["port"].present())
			return field["port"].path() + " is missing";
		if (auto problem = readPort(field["port"], port.port))
			return problem;
		if (auto problem = readOptionalPort(field["nodePort"], port.nodePort))
			return problem;

		/* The API server's rules; without them virtual servers would collide. */
		if (port.name.empty() && ports.size() > 1)
			return field["name"].path() + " is missing (required when a Service has several ports)";
		for (size_t j = 0; j < out.size(); j++) {
			if (!port.name.empty() && out[j].name == port.name)
				return field["name"].path() + ": " + quote(port.name) + " is also the name of " +
				       ports.item(j).path();
			if (out[j].protocol == port.protocol && out[j].port == port.port)
				return field.path() + ": " + protocolName(port.protocol) + " port " +
				       std::to_string(port.port) + " is also " + ports.item(j).path();
		}
		out.push_back(port);
	}
	return std::nullopt;
}

Problem Parser::parseService(const Field &root, Service &service)
{
	Field spec = root["spec"];
	if (auto problem = checkMap(spec))
		return problem;

	static constexpr std::pair<std::string_view, ServiceType> types[] = {
		{ "ClusterIP", ServiceType::ClusterIP },
		{ "NodePort", ServiceType::NodePort },
		{ "LoadBalancer", ServiceType::LoadBalancer },
		{ "ExternalName", ServiceType::ExternalName },
	};
	if (auto problem = readEnum<ServiceType>(spec["type"], types, service.type))
		return problem;
	if (auto problem = parseClusterIPs(spec, service.clusterIPs))
		return problem;
	if (auto problem = parseServicePorts(spec["ports"], service.ports))
		return problem;

	Field externalIPs = spec["externalIPs"];
	if (auto problem = checkSequence(externalIPs))
		return problem;
	for (size_t i = 0; i < externalIPs.size(); i++) {
		IpAddress address;
		if (auto problem = readAddress(externalIPs.item(i), AF_UNSPEC, address))
			return problem;
		/* What the API server refuses too (its ValidateNonSpecialIP). */
		const char *special = address.isUnspecified()	 ? "unspecified"
				      : address.isLoopback()	 ? "a loopback address"
				      : address.isLinkLocal()	 ? "a link-local address"
				      : isLinkLocalMulticast(address) ? "a link-local multicast address"
								 : nullptr;
		if (special)
			return externalIPs.item(i).path() + ": " + quote(address.toString()) + " is " +
			       special + ", which the API server refuses as an external IP";
		service.externalIPs.push_back(address);
	}

	Field ranges = spec["loadBalancerSourceRanges"];
	if (auto problem = checkSequence(ranges))
		return problem;
	for (size_t i = 0; i < ranges.size(); i++) {
		std::string text;
		if (auto problem = readString(ranges.item(i), text))
			return problem;
		/* kube-proxy trims blanks around each range. */
		std::string trimmed(trim(text, " \t"));
		auto prefix = IpPrefix::parse(trimmed);
		if (!prefix || trimmed.find('/') == std::string::npos)
			return ranges.item(i).path() + ": " + quote(text) + " is not a CIDR";
		service.loadBalancerSourceRanges.push_back(*prefix);
	}

	static constexpr std::pair<std::string_view, bool> affinities[] = {
		{ "None", false },
		{ "ClientIP", true },
	};
	if (auto problem = readEnum<bool>(spec["sessionAffinity"], affinities,
				    service.sessionAffinityClientIP))
		return problem;
	Field affinityConfig = spec["sessionAffinityConfig"];
	if (auto problem = checkMap(affinityConfig))
		return problem;
	if (auto problem = checkMap(affinityConfig["clientIP"]))
		return problem;
	int64_t timeout = service.sessionAffinityTimeout;
	if (auto problem = readInteger(affinityConfig["clientIP"]["timeoutSeconds"], 1, 86400, timeout))
		return problem;
	service.sessionAffinityTimeout = static_cast<uint32_t>(timeout);

	if (auto problem = readTrafficPolicy(spec["externalTrafficPolicy"],
					     service.externalTrafficPolicy))
		return problem;
	if (auto problem = readTrafficPolicy(spec["internalTrafficPolicy"],
					     service.internalTrafficPolicy))
		return problem;
	if (auto problem = readOptionalPort(spec["healthCheckNodePort"], service.healthCheckNodePort))
		return problem;

	Field status = root["status"];
	Field loadBalancer = status["loadBalancer"];
	Field ingress = loadBalancer["ingress"];
	for (const Field &field : { status, loadBalancer })
		if (auto problem = checkMap(field))
			return problem;
	if (auto problem = checkSequence(ingress))
		return problem;
	for (size_t i = 0; i < ingress.size(); i++) {
		Field entry = ingress.item(i);
		if (auto problem = checkMap(entry))
			return problem;
		static constexpr std::pair<std::string_view, bool> modes[] = {
			{ "VIP", true },
			{ "Proxy", false },
		};
		bool vip = true;
		if (auto problem = readEnum<bool>(entry["ipMode"], modes, vip))
			return problem;
		/* A hostname-only entry has no ip; Proxy mode means the LB does the work. */
		if (!entry["ip"].present())
			continue;
		IpAddress address;
		if (auto problem = readAddress(entry["ip"], AF_UNSPEC, address))
			return problem;
		if (vip)
			service.loadBalancerIPs.push_back(address);
	}
	return std::nullopt;
}

Problem Parser::parseEndpoint(const Field &field, int family, Endpoint &endpoint)
{
	if (!field.isMap())
		return field.path() + ": must be an object";

	Field addresses = field["addresses"];
	if (auto problem = checkSequence(addresses))
		return problem;
	if (addresses.size() == 0)
		return addresses.path() + " is missing";
	/* kube-proxy uses the first; the others must still be valid. */
	for (size_t i = 0; i < addresses.size(); i++) {
		IpAddress address;
		if (auto problem = readAddress(addresses.item(i), family, address))
			return problem;
		if (i == 0)
			endpoint.address = address;
	}

	Field conditions = field["conditions"];
	if (auto problem = checkMap(conditions))
		return problem;
	/* Unset ready and serving mean true, unset terminating false (discovery/v1). */
	if (auto problem = readBool(conditions["ready"], endpoint.ready))
		return problem;
	if (auto problem = readBool(conditions["serving"], endpoint.serving))
		return problem;
	if (auto problem = readBool(conditions["terminating"], endpoint.terminating))
		return problem;

	if (auto problem = readString(field["nodeName"], endpoint.nodeName))
		return problem;
	std::string ownZone; /* checked, not kept */
	if (auto problem = readString(field["zone"], ownZone))
		return problem;

	Field hints = field["hints"];
	if (auto problem = checkMap(hints))
		return problem;
	/* hints.forZones[].name and hints.forNodes[].name */
	auto readHints = [](const Field &list, std::vector<std::string> &out) -> Problem {
		if (auto problem = checkSequence(list))
			return problem;
		for (size_t i = 0; i < list.size(); i++) {
			Field hint = list.item(i);
			if (auto problem = checkMap(hint))
				return problem;
			std::string name;
			if (auto problem = readString(hint["name"], name))
				return problem;
			if (name.empty())
				return hint["name"].path() + " is missing";
			out.push_back(std::move(name));
		}
		return std::nullopt;
	};
	if (auto problem = readHints(hints["forZones"], endpoint.zoneHints))
		return problem;
	return readHints(hints["forNodes"], endpoint.nodeHints);
}

Problem Parser::parseEndpointSlice(const Field &root, const Labels &labels, EndpointSlice &slice,
				   std::string &skip)
{
	std::string addressType;
	if (auto problem = readString(root["addressType"], addressType))
		return problem;
	if (addressType.empty())
		return std::string("addressType is missing");
	if (addressType == "FQDN") {
		skip = "addressType FQDN is not proxied";
		return std::nullopt;
	}
	if (addressType != "IPv4" && addressType != "IPv6")
		return "addressType: " + quote(addressType) + " is not IPv4, IPv6 or FQDN";
	slice.family = addressType == "IPv4" ? AF_INET : AF_INET6;

	auto service = labels.find(kServiceNameLabel);
	if (service == labels.end() || service->second.empty()) {
		skip = std::string("no ") + kServiceNameLabel + " label";
		return std::nullopt;
	}
	slice.service = { slice.name.nameSpace, service->second };

	Field ports = root["ports"];
	if (auto problem = checkSequence(ports))
		return problem;
	for (size_t i = 0; i < ports.size(); i++) {
		Field field = ports.item(i);
		if (!field.isMap())
			return field.path() + ": must be an object";
		EndpointPort port;
		if (auto problem = readString(field["name"], port.name))
			return problem;
		if (auto problem = readProtocol(field["protocol"], port.protocol))
			return problem;
		/* An unset port means "all ports", which kube-proxy ignores too. */
		if (!field["port"].present()) {
			note(std::string("EndpointSlice ") + slice.name.toString(),
			     field["port"].path() + " is missing; that port is ignored");
			continue;
		}
		if (auto problem = readPort(field["port"], port.port))
			return problem;
		slice.ports.push_back(port);
	}

	Field endpoints = root["endpoints"];
	if (auto problem = checkSequence(endpoints))
		return problem;
	/* Exactly as many as there are: the slice is kept for as long as it is served. */
	slice.endpoints.reserve(endpoints.size());
	for (size_t i = 0; i < endpoints.size(); i++) {
		/* Read in place: a slice with a problem is dropped whole. */
		if (auto problem = parseEndpoint(endpoints.item(i), slice.family,
						 slice.endpoints.emplace_back()))
			return problem;
	}
	return std::nullopt;
}

Problem Parser::parseNode(const Field &root, Node &node)
{
	Field status = root["status"];
	Field addresses = status["addresses"];
	if (auto problem = checkMap(status))
		return problem;
	if (auto problem = checkSequence(addresses))
		return problem;
	for (size_t i = 0; i < addresses.size(); i++) {
		Field entry = addresses.item(i);
		if (auto problem = checkMap(entry))
			return problem;
		std::string type;
		if (auto problem = readString(entry["type"], type))
			return problem;
		/* Hostname and the DNS types name the node, they are not addresses. */
		if (type != "InternalIP" && type != "ExternalIP")
			continue;
		IpAddress address;
		if (!entry["address"].present())
			return entry["address"].path() + " is missing";
		if (auto problem = readAddress(entry["address"], AF_UNSPEC, address))
			return problem;
		node.addresses.push_back(address);
	}
	return std::nullopt;
}

} /* namespace */

/**
 * \brief Parse one manifest file's text into valid objects and problems
 * \param[in] text The whole file, YAML or JSON
 * \param[in] fileName The name problems are reported under
 *
 * A text that is not YAML yields only a syntaxError naming libyaml's line
 * and column, so the caller can keep what the file served before. Otherwise
 * each invalid object is one entry of errors and is left out; everything
 * else is returned. No exception leaves this function.
 *
 * \return What the file provides
 */
ManifestFile parseManifest(std::string_view text, const std::string &fileName)
{
	/*
	 * The trees' memory is kept from one file to the next, sparing a few
	 * allocations per file; what a large one needed beyond the first
	 * block is given back when it is done.
	 */
	thread_local ManifestArena arena;
	struct Trim {
		ManifestArena &arena;
		~Trim() { arena.trim(); }
	} trim{ arena };

	ManifestFile out;
	Parser parser(fileName, out, arena);
	size_t index = 0;
	auto syntaxError = readManifestDocuments(text, arena, [&](const ManifestValue &document) {
		const Where where{ nullptr, ++index };
		/* Nothing below should throw; if it does, it costs one object. */
		try {
			parser.parseDocument({ &document }, where, {});
		} catch (const std::exception &e) {
			out.errors.push_back({ fileName, where.toString(), e.what() });
		}
	});
	if (syntaxError) {
		/* All or nothing: what came before the error is dropped too. */
		ManifestFile failed;
		failed.syntaxError = ManifestProblem{ fileName, {}, *syntaxError };
		return failed;
	}
	return out;
}


/**
 * \brief Parse one object the Kubernetes API sent
 * \param[in] object The object's tree (a list item, or a watch event's object)
 * \param[in] apiVersion The apiVersion the object has if it does not say
 * \param[in] kind The kind the object has if it does not say (a typed list's items)
 * \param[in] origin What the object came from, for the problems ("API")
 *
 * The same checks as a manifest's object. No exception leaves this function.
 *
 * \return The object, or the problem that kept it out
 */
ManifestFile parseObject(const ManifestValue &object, std::string_view apiVersion,
			 std::string_view kind, const std::string &origin)
{
	thread_local ManifestArena arena;
	ManifestFile out;
	Parser parser(origin, out, arena);
	const Where where{ nullptr, 1 };
	try {
		parser.parseDocument({ &object }, where, { apiVersion, kind });
	} catch (const std::exception &e) {
		out.errors.push_back({ origin, std::string(kind), e.what() });
	}
	return out;
}

} /* namespace kipvs::proxy */
