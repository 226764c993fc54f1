/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes manifests (YAML or JSON text) into validated Services,
 * EndpointSlices and Nodes, with a precise reason for everything skipped.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/model/objects.h"

namespace kipvs::proxy {

/*
 * Why something in a manifest file was not served. The object is "Service
 * default/web", or "Service in document 2" / "document 2" when it has no
 * usable name, or empty when the whole file is concerned.
 */
struct ManifestProblem {
	std::string file;
	std::string object;
	std::string reason;

	/* "examples/bad.yaml: Service default/web: spec.ports[1].port: ..." */
	std::string message() const;

	bool operator==(const ManifestProblem &) const = default;
};

/* Everything one manifest file provides, in document order. */
struct ManifestFile {
	/* Set when the text is not YAML at all; then nothing else is filled. */
	std::optional<ManifestProblem> syntaxError;

	std::vector<Service> services;
	std::vector<EndpointSlice> endpointSlices;
	std::vector<Node> nodes;

	/* Invalid objects, each skipped while the rest is served. */
	std::vector<ManifestProblem> errors;
	/*
	 * Valid objects skipped on purpose, as kube-proxy skips them (FQDN
	 * slices, slices with no Service label), and objects defined twice.
	 */
	std::vector<ManifestProblem> notes;

	bool parsed() const { return !syntaxError; }
};

/*
 * Parse the text of one manifest file: any number of YAML documents, each a
 * v1 Service, a discovery.k8s.io/v1 EndpointSlice, a v1 Node, or a List of
 * them. Other kinds are ignored without a word; Services and EndpointSlices
 * that carry the service-proxy-name or headless label are dropped silently,
 * as kube-proxy's label selector never sees them. An object defined twice
 * in the file: the later one wins, with a note. fileName is only used in
 * the problems.
 *
 * JSON text is read by a fast strict reader (in a text over 256 KiB, a
 * List's items one at a time); YAML by libyaml's event parser, about 3.5
 * times slower for the same objects (docs/benchmarks.md).
 *
 * Never throws: what is wrong with the text or an object is returned as a
 * problem.
 */
ManifestFile parseManifest(std::string_view text, const std::string &fileName);

class ManifestValue;
/*
 * One object the Kubernetes API sent (a list item or a watch event's
 * object), already a tree: checked as a manifest's object is. At most one
 * object is returned, or the problem that kept it out. apiVersion and kind
 * are used when the object leaves them out (a typed list's items).
 */
ManifestFile parseObject(const ManifestValue &object, std::string_view apiVersion,
			 std::string_view kind, const std::string &origin);

} /* namespace kipvs::proxy */
