/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML manifest documents: libyaml's events into ManifestValue trees.
 */
#include "proxy/source/manifests/manifest_yaml.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include <yaml.h>

namespace kipvs::proxy {

namespace {

/* libyaml's handles, owned: the parser is allocated, an event lives on the stack. */
struct ParserDelete {
	void operator()(yaml_parser_t *parser) const
	{
		yaml_parser_delete(parser);
		delete parser;
	}
};
using Parser = std::unique_ptr<yaml_parser_t, ParserDelete>;

struct EventDelete {
	void operator()(yaml_event_t *event) const { yaml_event_delete(event); }
};
using HeldEvent = std::unique_ptr<yaml_event_t, EventDelete>;

std::string where(const yaml_mark_t &mark)
{
	return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

/* "line 3, column 5: did not find expected key (while parsing a block mapping at line 1, column 1)" */
std::string parserError(const yaml_parser_t &parser, std::string_view text)
{
	if (parser.error == YAML_MEMORY_ERROR)
		return "out of memory";
	const std::string problem = parser.problem ? parser.problem : "not YAML";
	if (parser.error == YAML_READER_ERROR) {
		/* The reader gives a byte offset, not a mark: count the lines to it. */
		size_t offset = std::min(parser.problem_offset, text.size());
		std::string_view before = text.substr(0, offset);
		size_t lineStart = before.rfind('\n');
		yaml_mark_t mark{};
		mark.line = static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
		mark.column = lineStart == std::string_view::npos ? offset : offset - lineStart - 1;
		return where(mark) + ": " + problem;
	}
	std::string out = where(parser.problem_mark) + ": " + problem;
	if (parser.context)
		out += " (" + std::string(parser.context) + " at " + where(parser.context_mark) + ")";
	return out;
}

/* The words a plain scalar spells null with, as yaml-cpp and Kubernetes read them. */
bool isNull(std::string_view text)
{
	return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

/* Builds each document's tree from libyaml's events. */
class TreeBuilder
{
public:
	TreeBuilder(const std::function<void(const ManifestValue &)> &onDocument,
		    ManifestArena &arena)
		: onDocument_(onDocument), arena_(arena), start_(arena.mark())
	{
	}

	/* Takes one event; an error (an alias of no anchor) stops the reading. */
	std::optional<std::string> handle(const yaml_event_t &event)
	{
		switch (event.type) {
		case YAML_DOCUMENT_START_EVENT:
			stack_.clear();
			anchors_.clear();
			arena_.rewind(start_);
			arena_.scratchItems.clear();
			arena_.scratchMembers.clear();
			root_ = ManifestValue();
			break;
		case YAML_DOCUMENT_END_EVENT:
			onDocument_(root_);
			break;
		case YAML_SCALAR_EVENT:
			add(scalar(event), event.data.scalar.anchor);
			break;
		case YAML_ALIAS_EVENT: {
			/* The tree is never changed once built: the alias shares it. */
			auto it = anchors_.find(reinterpret_cast<const char *>(event.data.alias.anchor));
			if (it == anchors_.end())
				return where(event.start_mark) + ": the referenced anchor is not defined";
			add(it->second, nullptr);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			push(ManifestValue::Type::Sequence, arena_.scratchItems.size(),
			     event.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			push(ManifestValue::Type::Map, arena_.scratchMembers.size(),
			     event.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			pop();
			break;
		default:
			break;
		}
		return std::nullopt;
	}

private:
	struct Frame {
		ManifestValue::Type type;
		/* Where its children start on the arena's scratch stack. */
		size_t base;
		/* Its anchor's name, or empty. */
		std::string anchor;
		/* A map's key, read and waiting for its value. */
		bool haveKey = false;
		std::string_view key = {};
	};

	/*
	 * Only an untagged plain scalar can be a number, a boolean or null,
	 * as in yaml-cpp; quoted, literal and folded ones, and tagged ones,
	 * are strings.
	 */
	ManifestValue scalar(const yaml_event_t &event)
	{
		const auto &data = event.data.scalar;
		std::string_view text(reinterpret_cast<const char *>(data.value), data.length);
		bool plain = data.style == YAML_PLAIN_SCALAR_STYLE && data.tag == nullptr;
		if (plain && isNull(text))
			return ManifestValue();
		return ManifestValue::scalar(arena_.copy(text), plain);
	}

	void push(ManifestValue::Type type, size_t base, const yaml_char_t *anchor)
	{
		Frame &frame = stack_.emplace_back(Frame{ type, base, {} });
		if (anchor) {
			frame.anchor = reinterpret_cast<const char *>(anchor);
			/* An alias inside the node it names is null, as in yaml-cpp. */
			anchors_[frame.anchor] = ManifestValue();
		}
	}

	void pop()
	{
		Frame frame = std::move(stack_.back());
		stack_.pop_back();
		ManifestValue value =
			frame.type == ManifestValue::Type::Sequence
				? ManifestValue::sequence(arena_.takeScratch(arena_.scratchItems, frame.base))
				: ManifestValue::map(arena_.takeScratch(arena_.scratchMembers, frame.base));
		if (!frame.anchor.empty())
			anchors_[frame.anchor] = value;
		add(value, nullptr);
	}

	void add(const ManifestValue &value, const yaml_char_t *anchor)
	{
		if (anchor)
			anchors_[reinterpret_cast<const char *>(anchor)] = value;
		if (stack_.empty()) {
			root_ = value;
			return;
		}
		Frame &top = stack_.back();
		if (top.type == ManifestValue::Type::Sequence) {
			arena_.scratchItems.push_back(value);
		} else if (!top.haveKey) {
			top.key = value.type() == ManifestValue::Type::Scalar ? value.text()
									      : std::string_view();
			top.haveKey = true;
		} else {
			arena_.scratchMembers.push_back({ top.key, value });
			top.haveKey = false;
		}
	}

	const std::function<void(const ManifestValue &)> &onDocument_;
	ManifestArena &arena_;
	/* Where the arena was before the first document: each starts there. */
	ManifestArena::Mark start_;
	std::vector<Frame> stack_;
	/* A document's anchors (YAML scopes them to it), by name. */
	std::map<std::string, ManifestValue, std::less<>> anchors_;
	ManifestValue root_;
};

} /* namespace */

/**
 * \brief Read the YAML documents of a manifest file, one at a time
 * \param[in] text The file's text, read in place
 * \param[in] arena Where the trees are built
 * \param[in] onDocument Called with each document, null ones included
 *
 * Plain scalars that spell null (~, null, nothing) become null values; other
 * scalars are copied into the arena. An alias shares its anchor's tree.
 *
 * \return nullopt, or why the text is not YAML, prefixed with libyaml's line
 * and column ("line 3, column 5: ...")
 */
std::optional<std::string>
readYamlDocuments(std::string_view text, ManifestArena &arena,
		  const std::function<void(const ManifestValue &document)> &onDocument)
{
	auto storage = std::make_unique<yaml_parser_t>();
	if (!yaml_parser_initialize(storage.get()))
		return "out of memory";
	Parser parser(storage.release());
	yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char *>(text.data()),
				     text.size());

	TreeBuilder builder(onDocument, arena);
	for (;;) {
		yaml_event_t event;
		if (!yaml_parser_parse(parser.get(), &event))
			return parserError(*parser, text);
		HeldEvent held(&event);
		if (event.type == YAML_STREAM_END_EVENT)
			return std::nullopt;
		if (auto problem = builder.handle(event))
			return problem;
	}
}

} /* namespace kipvs::proxy */
