/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compact tree for one YAML or JSON document, read one document at a time.
 *
 * yaml-cpp's YAML::Node graph costs about 60 bytes of memory per byte of
 * input (5,000 Services with their slices: 380 MB), so manifests are read
 * through yaml-cpp's event API into this plain tree instead, and only one
 * document is held at a time. JSON text takes a hand-written fast path, as
 * yaml-cpp's scanner is slow (seconds for a few MB).
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kipvs::proxy {

struct ManifestValue {
	/* Json: a List item still in text form, see expandJson(). */
	enum class Type { Null, Scalar, Sequence, Map, Json };

	Type type = Type::Null;
	std::string scalar;
	/* An unquoted scalar: only these can be numbers or booleans. */
	bool plain = false;
	std::vector<ManifestValue> items;
	std::vector<std::pair<std::string, ManifestValue>> members;
	/* Type::Json: the text, inside the text given to readManifestDocuments(). */
	std::string_view json;

	/* The member named key of a map; nullptr if absent or not a map. */
	const ManifestValue *find(std::string_view key) const;
};

/*
 * Call onDocument with each document of the text, in order. Returns nullopt
 * when the whole text was read, or why it is not YAML ("line 3, column 5:
 * ..."); documents before the error have been passed on by then.
 * Never throws.
 */
std::optional<std::string>
readManifestDocuments(std::string_view text,
		      const std::function<void(const ManifestValue &document)> &onDocument);

/*
 * The tree of a value readManifestDocuments() left as text: the items of a
 * JSON document's top-level "items" list, which are checked for syntax but
 * read one at a time. nullopt only if the text is not JSON.
 */
std::optional<ManifestValue> expandJson(std::string_view json);

} /* namespace kipvs::proxy */
