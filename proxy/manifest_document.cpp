/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest documents: yaml-cpp events, or JSON directly, into ManifestValue trees.
 */
#include "proxy/manifest_document.h"

#include <exception>
#include <map>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace kipvs::proxy {

const ManifestValue *ManifestValue::find(std::string_view key) const
{
	if (type != Type::Map)
		return nullptr;
	for (const auto &[name, value] : members)
		if (name == key)
			return &value;
	return nullptr;
}

namespace {

/* Builds one document's tree from yaml-cpp's events. */
class TreeBuilder : public YAML::EventHandler
{
public:
	explicit TreeBuilder(const std::function<void(const ManifestValue &)> &onDocument)
		: onDocument_(onDocument)
	{
	}

	void OnDocumentStart(const YAML::Mark &) override
	{
		stack_.clear();
		anchors_.clear();
		root_ = ManifestValue();
	}
	void OnDocumentEnd() override { onDocument_(root_); }

	void OnNull(const YAML::Mark &, YAML::anchor_t anchor) override
	{
		add(ManifestValue(), anchor);
	}
	void OnAlias(const YAML::Mark &, YAML::anchor_t anchor) override
	{
		auto it = anchors_.find(anchor);
		add(it == anchors_.end() ? ManifestValue() : it->second, 0);
	}
	void OnScalar(const YAML::Mark &, const std::string &tag, YAML::anchor_t anchor,
		      const std::string &value) override
	{
		ManifestValue scalar;
		scalar.type = ManifestValue::Type::Scalar;
		scalar.scalar = value;
		/* yaml-cpp tags plain scalars "?" and quoted ones "!". */
		scalar.plain = tag == "?";
		add(std::move(scalar), anchor);
	}
	void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
			     YAML::EmitterStyle::value) override
	{
		push(ManifestValue::Type::Sequence, anchor);
	}
	void OnSequenceEnd() override { pop(); }
	void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
			YAML::EmitterStyle::value) override
	{
		push(ManifestValue::Type::Map, anchor);
	}
	void OnMapEnd() override { pop(); }

private:
	struct Frame {
		ManifestValue value;
		YAML::anchor_t anchor;
		/* A map's key, read and waiting for its value. */
		std::optional<std::string> key;
	};

	void push(ManifestValue::Type type, YAML::anchor_t anchor)
	{
		Frame frame{ ManifestValue(), anchor, std::nullopt };
		frame.value.type = type;
		stack_.push_back(std::move(frame));
	}

	void pop()
	{
		Frame frame = std::move(stack_.back());
		stack_.pop_back();
		add(std::move(frame.value), frame.anchor);
	}

	void add(ManifestValue &&value, YAML::anchor_t anchor)
	{
		if (anchor)
			anchors_[anchor] = value;
		if (stack_.empty()) {
			root_ = std::move(value);
			return;
		}
		Frame &top = stack_.back();
		if (top.value.type == ManifestValue::Type::Sequence) {
			top.value.items.push_back(std::move(value));
		} else if (!top.key) {
			top.key = value.type == ManifestValue::Type::Scalar ? value.scalar : std::string();
		} else {
			top.value.members.emplace_back(std::move(*top.key), std::move(value));
			top.key.reset();
		}
	}

	const std::function<void(const ManifestValue &)> &onDocument_;
	std::vector<Frame> stack_;
	std::map<YAML::anchor_t, ManifestValue> anchors_;
	ManifestValue root_;
};

/*
 * RFC 8259 JSON, strictly. Anything it refuses goes to yaml-cpp, which
 * either reads it (JSON is YAML) or says where it is wrong.
 */
class JsonReader
{
public:
	explicit JsonReader(std::string_view text) : text_(text) {}

	bool read(ManifestValue &out)
	{
		skipSpace();
		if (!value(out, 0))
			return false;
		skipSpace();
		return pos_ == text_.size();
	}

private:
	static constexpr int kMaxDepth = 200;

	void skipSpace()
	{
		while (pos_ < text_.size() &&
		       (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
			text_[pos_] == '\r'))
			pos_++;
	}

	bool literal(std::string_view word)
	{
		if (text_.substr(pos_, word.size()) != word)
			return false;
		pos_ += word.size();
		return true;
	}

	bool value(ManifestValue &out, int depth)
	{
		if (pos_ >= text_.size() || depth > kMaxDepth)
			return false;
		char c = text_[pos_];
		if (c == '{')
			return object(out, depth);
		if (c == '[')
			return array(out, depth);
		if (c == '"') {
			out.type = ManifestValue::Type::Scalar;
			return string(out.scalar);
		}
		if (literal("null")) {
			out.type = ManifestValue::Type::Null;
			return true;
		}
		out.type = ManifestValue::Type::Scalar;
		out.plain = true;
		for (std::string_view word : { "true", "false" }) {
			if (literal(word)) {
				out.scalar = word;
				return true;
			}
		}
		return number(out.scalar);
	}

	bool object(ManifestValue &out, int depth)
	{
		out.type = ManifestValue::Type::Map;
		pos_++;
		skipSpace();
		if (literal("}"))
			return true;
		for (;;) {
			std::string key;
			ManifestValue member;
			skipSpace();
			if (pos_ >= text_.size() || text_[pos_] != '"' || !string(key))
				return false;
			skipSpace();
			if (!literal(":"))
				return false;
			skipSpace();
			bool deferred = depth == 0 && key == "items" && pos_ < text_.size() &&
					text_[pos_] == '[';
			if (!(deferred ? deferredArray(member) : value(member, depth + 1)))
				return false;
			if (building_)
				out.members.emplace_back(std::move(key), std::move(member));
			skipSpace();
			if (literal("}"))
				return true;
			if (!literal(","))
				return false;
		}
	}

	bool array(ManifestValue &out, int depth)
	{
		out.type = ManifestValue::Type::Sequence;
		pos_++;
		skipSpace();
		if (literal("]"))
			return true;
		for (;;) {
			ManifestValue item;
			skipSpace();
			if (!value(item, depth + 1))
				return false;
			if (building_)
				out.items.push_back(std::move(item));
			skipSpace();
			if (literal("]"))
				return true;
			if (!literal(","))
				return false;
		}
	}

	/*
	 * A top-level List's items, checked but kept as text: each is read
	 * into a tree only when its turn comes, so a List of 10,000 objects
	 * never has all their trees at once.
	 */
	bool deferredArray(ManifestValue &out)
	{
		out.type = ManifestValue::Type::Sequence;
		pos_++;
		skipSpace();
		if (literal("]"))
			return true;
		for (;;) {
			skipSpace();
			size_t start = pos_;
			ManifestValue scratch;
			building_ = false;
			bool ok = value(scratch, 2);
			building_ = true;
			if (!ok)
				return false;
			ManifestValue item;
			item.type = ManifestValue::Type::Json;
			item.json = text_.substr(start, pos_ - start);
			out.items.push_back(std::move(item));
			skipSpace();
			if (literal("]"))
				return true;
			if (!literal(","))
				return false;
		}
	}

	bool number(std::string &out)
	{
		size_t start = pos_;
		auto digits = [&]() {
			size_t from = pos_;
			while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
				pos_++;
			return pos_ > from;
		};
		literal("-");
		if (!digits())
			return false;
		if (literal(".") && !digits())
			return false;
		if (literal("e") || literal("E")) {
			if (!literal("+"))
				literal("-");
			if (!digits())
				return false;
		}
		out = text_.substr(start, pos_ - start);
		return true;
	}

	static void appendUtf8(std::string &out, uint32_t code)
	{
		if (code < 0x80) {
			out += static_cast<char>(code);
		} else if (code < 0x800) {
			out += static_cast<char>(0xc0 | (code >> 6));
			out += static_cast<char>(0x80 | (code & 0x3f));
		} else if (code < 0x10000) {
			out += static_cast<char>(0xe0 | (code >> 12));
			out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
			out += static_cast<char>(0x80 | (code & 0x3f));
		} else {
			out += static_cast<char>(0xf0 | (code >> 18));
			out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
			out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
			out += static_cast<char>(0x80 | (code & 0x3f));
		}
	}

	bool hex4(uint32_t &out)
	{
		if (pos_ + 4 > text_.size())
			return false;
		out = 0;
		for (int i = 0; i < 4; i++) {
			char c = text_[pos_++];
			uint32_t digit;
			if (c >= '0' && c <= '9')
				digit = static_cast<uint32_t>(c - '0');
			else if (c >= 'a' && c <= 'f')
				digit = static_cast<uint32_t>(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				digit = static_cast<uint32_t>(c - 'A' + 10);
			else
				return false;
			out = out * 16 + digit;
		}
		return true;
	}

	bool string(std::string &out)
	{
		pos_++; /* the opening quote */
		for (;;) {
			if (pos_ >= text_.size())
				return false;
			/* Copy the run up to the next quote or escape in one go. */
			size_t run = pos_;
			while (run < text_.size() && text_[run] != '"' && text_[run] != '\\' &&
			       static_cast<unsigned char>(text_[run]) >= 0x20)
				run++;
			if (building_)
				out.append(text_.data() + pos_, run - pos_);
			pos_ = run;
			if (pos_ >= text_.size())
				return false;
			char c = text_[pos_++];
			if (c == '"')
				return true;
			if (c != '\\')
				return false; /* a raw control character */
			if (pos_ >= text_.size())
				return false;
			char escape = text_[pos_++];
			switch (escape) {
			case '"': out += '"'; break;
			case '\\': out += '\\'; break;
			case '/': out += '/'; break;
			case 'b': out += '\b'; break;
			case 'f': out += '\f'; break;
			case 'n': out += '\n'; break;
			case 'r': out += '\r'; break;
			case 't': out += '\t'; break;
			case 'u': {
				uint32_t code;
				if (!hex4(code))
					return false;
				/* A surrogate pair spells one character beyond U+FFFF. */
				if (code >= 0xd800 && code < 0xdc00) {
					uint32_t low;
					if (!literal("\\u") || !hex4(low) || low < 0xdc00 || low > 0xdfff)
						return false;
					code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
				} else if (code >= 0xdc00 && code < 0xe000) {
					return false;
				}
				appendUtf8(out, code);
				break;
			}
			default:
				return false;
			}
		}
	}

	std::string_view text_;
	size_t pos_ = 0;
	/* false while only checking: nothing is stored. */
	bool building_ = true;
};

} /* namespace */

/**
 * \brief Read a value that readManifestDocuments() left as JSON text
 * \param[in] json The value's text (ManifestValue::json)
 * \return The value's tree, or nullopt if the text is not JSON (it was
 * checked once already, so this does not happen)
 */
std::optional<ManifestValue> expandJson(std::string_view json)
{
	ManifestValue value;
	if (!JsonReader(json).read(value))
		return std::nullopt;
	return value;
}

/**
 * \brief Read the documents of a manifest file, one at a time
 * \param[in] text The file's text
 * \param[in] onDocument Called with each document, null ones included
 *
 * A text that is a single JSON value is read by a strict JSON reader; any
 * other text, or JSON that reader refuses, by yaml-cpp's event parser.
 *
 * \return nullopt, or the reason the text is not YAML, with yaml-cpp's line
 * and column
 */
std::optional<std::string>
readManifestDocuments(std::string_view text,
		      const std::function<void(const ManifestValue &document)> &onDocument)
{
	size_t first = text.find_first_not_of(" \t\r\n");
	if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
		ManifestValue document;
		if (JsonReader(text).read(document)) {
			onDocument(document);
			return std::nullopt;
		}
	}

	try {
		std::istringstream stream{ std::string(text) };
		YAML::Parser parser(stream);
		TreeBuilder builder(onDocument);
		while (parser.HandleNextDocument(builder)) {
		}
	} catch (const YAML::Exception &e) {
		if (e.mark.is_null())
			return e.msg;
		return "line " + std::to_string(e.mark.line + 1) + ", column " +
		       std::to_string(e.mark.column + 1) + ": " + e.msg;
	} catch (const std::exception &e) {
		return std::string(e.what());
	}
	return std::nullopt;
}

} /* namespace kipvs::proxy */
