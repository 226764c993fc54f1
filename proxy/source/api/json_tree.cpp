/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simdjson On-Demand values into ManifestValue trees, with field filters.
 */
#include "proxy/source/api/json_tree.h"

namespace kipvs::proxy {

using simdjson::error_code;
using simdjson::ondemand::json_type;

namespace {

using Keep = TreeRule::Keep;

/* Every object's metadata: what kube-proxy's objects never need. */
constexpr TreeRule kMetadataRules[] = {
	{ "managedFields", Keep::Dropped },
};
constexpr TreeFilter kMetadata{ kMetadataRules, true };

/* Annotations are read for EndpointSlices only (the trigger time). */
constexpr TreeRule kMetadataNoAnnotationsRules[] = {
	{ "managedFields", Keep::Dropped },
	{ "annotations", Keep::Dropped },
};
constexpr TreeFilter kMetadataNoAnnotations{ kMetadataNoAnnotationsRules, true };

constexpr TreeRule kServiceRules[] = {
	{ "metadata", Keep::Filtered, &kMetadataNoAnnotations },
};
constexpr TreeFilter kService{ kServiceRules, true };

constexpr TreeRule kSliceRules[] = {
	{ "metadata", Keep::Filtered, &kMetadata },
};
constexpr TreeFilter kSlice{ kSliceRules, true };

/* A Node is mostly status kipvs does not read: images, conditions, capacity. */
constexpr TreeRule kNodeStatusRules[] = {
	{ "addresses", Keep::Whole },
};
constexpr TreeFilter kNodeStatus{ kNodeStatusRules, false };
constexpr TreeRule kNodeSpecRules[] = {
	{ "taints", Keep::Whole },
	{ "unschedulable", Keep::Whole },
};
constexpr TreeFilter kNodeSpec{ kNodeSpecRules, false };
constexpr TreeRule kNodeRules[] = {
	{ "apiVersion", Keep::Whole },
	{ "kind", Keep::Whole },
	{ "metadata", Keep::Filtered, &kMetadataNoAnnotations },
	{ "spec", Keep::Filtered, &kNodeSpec },
	{ "status", Keep::Filtered, &kNodeStatus },
};
constexpr TreeFilter kNode{ kNodeRules, false };

const TreeRule *ruleFor(const TreeFilter &filter, std::string_view key)
{
	for (const TreeRule &rule : filter.rules)
		if (rule.key == key)
			return &rule;
	return nullptr;
}

/* Deep enough for any Kubernetes object, shallow enough for the stack. */
constexpr int kMaxDepth = 64;

error_code build(simdjson::ondemand::value value, const TreeFilter *filter, ManifestArena &arena,
		 ManifestValue &out, int depth)
{
	if (depth > kMaxDepth)
		return simdjson::DEPTH_ERROR;
	json_type type;
	if (auto error = value.type().get(type))
		return error;
	switch (type) {
	case json_type::object: {
		simdjson::ondemand::object object;
		if (auto error = value.get_object().get(object))
			return error;
		const size_t base = arena.scratchMembers.size();
		for (auto field : object) {
			std::string_view key;
			if (auto error = field.unescaped_key().get(key))
				return error;
			const TreeFilter *below = nullptr;
			if (filter) {
				const TreeRule *rule = ruleFor(*filter, key);
				if (rule ? rule->keep == Keep::Dropped : !filter->othersKept)
					continue; /* simdjson skips the value */
				if (rule && rule->keep == Keep::Filtered)
					below = rule->filter;
			}
			/* unescaped_key() reuses no memory: the key stays valid with the document. */
			ManifestValue child;
			if (auto error = build(field.value(), below, arena, child, depth + 1))
				return error;
			arena.scratchMembers.push_back({ key, child });
		}
		out = ManifestValue::map(arena.takeScratch(arena.scratchMembers, base));
		return simdjson::SUCCESS;
	}
	case json_type::array: {
		simdjson::ondemand::array array;
		if (auto error = value.get_array().get(array))
			return error;
		const size_t base = arena.scratchItems.size();
		for (auto item : array) {
			simdjson::ondemand::value itemValue;
			if (auto error = item.get(itemValue))
				return error;
			ManifestValue child;
			if (auto error = build(itemValue, nullptr, arena, child, depth + 1))
				return error;
			arena.scratchItems.push_back(child);
		}
		out = ManifestValue::sequence(arena.takeScratch(arena.scratchItems, base));
		return simdjson::SUCCESS;
	}
	case json_type::string: {
		std::string_view text;
		if (auto error = value.get_string().get(text))
			return error;
		out = ManifestValue::scalar(text, false);
		return simdjson::SUCCESS;
	}
	case json_type::number:
	case json_type::boolean: {
		/* The token as written, as a plain YAML scalar: the field readers check it. */
		std::string_view token = value.raw_json_token();
		while (!token.empty() && (token.back() == ' ' || token.back() == '\n' ||
					  token.back() == '\r' || token.back() == '\t'))
			token.remove_suffix(1);
		if (type == json_type::boolean) {
			bool ignored;
			if (auto error = value.get_bool().get(ignored))
				return error;
		} else {
			double ignored;
			if (auto error = value.get_double().get(ignored))
				return error;
		}
		out = ManifestValue::scalar(token, true);
		return simdjson::SUCCESS;
	}
	case json_type::null: {
		bool isNull = false;
		if (auto error = value.is_null().get(isNull))
			return error;
		if (!isNull)
			return simdjson::INCORRECT_TYPE;
		out = ManifestValue();
		return simdjson::SUCCESS;
	}
	}
	return simdjson::INCORRECT_TYPE;
}

} /* namespace */

const TreeFilter &serviceFilter() { return kService; }
const TreeFilter &endpointSliceFilter() { return kSlice; }
const TreeFilter &nodeFilter() { return kNode; }

/**
 * \brief Build the tree of a JSON value
 * \param[in] value The value, positioned by the caller in its document
 * \param[in] filter The members kept, or nullptr for all
 * \param[in] arena Where the tree's arrays are built
 * \param[out] out The tree
 *
 * \return simdjson::SUCCESS, or why the text is not valid JSON
 */
error_code buildTree(simdjson::ondemand::value value, const TreeFilter *filter,
		     ManifestArena &arena, ManifestValue &out)
{
	return build(value, filter, arena, out, 0);
}

std::string_view resourceVersionOf(const ManifestValue &object)
{
	const ManifestValue *metadata = object.find("metadata");
	const ManifestValue *version = metadata ? metadata->find("resourceVersion") : nullptr;
	return version ? version->text() : std::string_view();
}

} /* namespace kipvs::proxy */
