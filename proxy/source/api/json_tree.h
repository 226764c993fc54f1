/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON from the Kubernetes API into the manifest parser's tree, through
 * simdjson's On-Demand parser, keeping only the fields kipvs reads.
 */
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy {

/*
 * Which members of a JSON object reach the tree. A member named by a rule
 * is kept whole, kept through the rule's own filter, or dropped; the others
 * are kept whole when othersKept, else dropped. What is dropped is never
 * built: simdjson skips it in the text (a Node's images and conditions,
 * every object's managedFields).
 */
struct TreeFilter;
struct TreeRule {
	enum class Keep { Whole, Filtered, Dropped };
	std::string_view key;
	Keep keep;
	const TreeFilter *filter = nullptr;
};
struct TreeFilter {
	std::span<const TreeRule> rules;
	bool othersKept;
};

/* What kipvs keeps of a Service, an EndpointSlice and a Node. */
const TreeFilter &serviceFilter();
const TreeFilter &endpointSliceFilter();
const TreeFilter &nodeFilter();

/*
 * The tree of value, filtered (nullptr: everything), built in arena. Its
 * strings are views into the text and into the parser's string buffer: the
 * tree is valid until the parser's next document, or the arena's rewind.
 * Returns the reason when the JSON is not valid.
 */
simdjson::error_code buildTree(simdjson::ondemand::value value, const TreeFilter *filter,
			       ManifestArena &arena, ManifestValue &out);

/* metadata.resourceVersion of an object's tree; empty when absent. */
std::string_view resourceVersionOf(const ManifestValue &object);

} /* namespace kipvs::proxy */
