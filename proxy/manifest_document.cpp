/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest documents: yaml-cpp events, or JSON directly, into ManifestValue trees.
 */
#include "proxy/manifest_document.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <sstream>
#include <type_traits>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace kipvs::proxy {

static_assert(std::is_trivially_copyable_v<ManifestValue> &&
	      std::is_trivially_destructible_v<ManifestValue>);
static_assert(std::is_trivially_copyable_v<ManifestMember> &&
	      std::is_trivially_destructible_v<ManifestMember>);

ManifestValue ManifestValue::scalar(std::string_view text, bool plain)
{
	ManifestValue value;
	value.type_ = Type::Scalar;
	value.plain_ = plain;
	value.data_ = text.data();
	value.size_ = text.size();
	return value;
}

ManifestValue ManifestValue::json(std::string_view text)
{
	ManifestValue value;
	value.type_ = Type::Json;
	value.data_ = text.data();
	value.size_ = text.size();
	return value;
}

ManifestValue ManifestValue::sequence(std::span<const ManifestValue> items)
{
	ManifestValue value;
	value.type_ = Type::Sequence;
	value.data_ = items.data();
	value.size_ = items.size();
	return value;
}

ManifestValue ManifestValue::map(std::span<const ManifestMember> members)
{
	ManifestValue value;
	value.type_ = Type::Map;
	value.data_ = members.data();
	value.size_ = members.size();
	return value;
}

std::span<const ManifestValue> ManifestValue::items() const
{
	if (type_ != Type::Sequence)
		return {};
	return { static_cast<const ManifestValue *>(data_), size_ };
}

std::span<const ManifestMember> ManifestValue::members() const
{
	if (type_ != Type::Map)
		return {};
	return { static_cast<const ManifestMember *>(data_), size_ };
}

const ManifestValue *ManifestValue::find(std::string_view key) const
{
	for (const ManifestMember &member : members())
		if (member.key == key)
			return &member.value;
	return nullptr;
}

ManifestArena::ManifestArena()
{
	/* Enough for the widest map or list of most manifests. */
	scratchItems.reserve(64);
	scratchMembers.reserve(64);
}

void ManifestArena::rewind(Mark mark)
{
	current_ = mark.block;
	used_ = mark.used;
}

void *ManifestArena::allocate(size_t size)
{
	/* Everything in a tree is aligned as a pointer is. */
	constexpr size_t align = alignof(ManifestMember);
	static_assert(align >= alignof(ManifestValue));
	size = (size + align - 1) & ~(align - 1);
	if (current_ < blocks_.size() && blocks_[current_].size - used_ >= size) {
		void *memory = blocks_[current_].memory.get() + used_;
		used_ += size;
		return memory;
	}
	/* The next free block that is large enough, or a new one. */
	size_t next = blocks_.empty() ? 0 : current_ + 1;
	while (next < blocks_.size() && blocks_[next].size < size)
		next++;
	if (next == blocks_.size()) {
		size_t blockSize = blocks_.empty() ? kFirstBlock : blocks_.back().size * 2;
		while (blockSize < size)
			blockSize *= 2;
		blocks_.push_back({ std::make_unique_for_overwrite<std::byte[]>(blockSize), blockSize });
	}
	current_ = next;
	used_ = size;
	return blocks_[next].memory.get();
}

std::string_view ManifestArena::copy(std::string_view text)
{
	if (text.empty())
		return {};
	char *memory = static_cast<char *>(allocate(text.size()));
	std::memcpy(memory, text.data(), text.size());
	return { memory, text.size() };
}

template<typename T>
std::span<const T> ManifestArena::copy(std::span<const T> values)
{
	if (values.empty())
		return {};
	T *memory = static_cast<T *>(allocate(values.size_bytes()));
	std::memcpy(static_cast<void *>(memory), values.data(), values.size_bytes());
	return { memory, values.size() };
}

template std::span<const ManifestValue> ManifestArena::copy(std::span<const ManifestValue>);
template std::span<const ManifestMember> ManifestArena::copy(std::span<const ManifestMember>);

namespace {

/* Moves the children a reader stacked up from base on into the arena. */
template<typename T>
std::span<const T> takeScratch(ManifestArena &arena, std::vector<T> &scratch, size_t base)
{
	auto children = arena.copy(std::span<const T>(scratch).subspan(base));
	scratch.resize(base);
	return children;
}

/* Builds one document's tree from yaml-cpp's events. */
class TreeBuilder : public YAML::EventHandler
{
public:
	TreeBuilder(const std::function<void(const ManifestValue &)> &onDocument,
		    ManifestArena &arena)
		: onDocument_(onDocument), arena_(arena), start_(arena.mark())
	{
	}

	void OnDocumentStart(const YAML::Mark &) override
	{
		stack_.clear();
		anchors_.clear();
		arena_.rewind(start_);
		arena_.scratchItems.clear();
		arena_.scratchMembers.clear();
		root_ = ManifestValue();
	}
	void OnDocumentEnd() override { onDocument_(root_); }

	void OnNull(const YAML::Mark &, YAML::anchor_t anchor) override
	{
		add(ManifestValue(), anchor);
	}
	void OnAlias(const YAML::Mark &, YAML::anchor_t anchor) override
	{
		/* The tree is never changed once built: the alias shares it. */
		auto it = anchors_.find(anchor);
		add(it == anchors_.end() ? ManifestValue() : it->second, 0);
	}
	void OnScalar(const YAML::Mark &, const std::string &tag, YAML::anchor_t anchor,
		      const std::string &value) override
	{
		/* yaml-cpp tags plain scalars "?" and quoted ones "!". */
		add(ManifestValue::scalar(arena_.copy(value), tag == "?"), anchor);
	}
	void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
			     YAML::EmitterStyle::value) override
	{
		stack_.push_back({ ManifestValue::Type::Sequence, anchor, arena_.scratchItems.size() });
	}
	void OnSequenceEnd() override { pop(); }
	void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
			YAML::EmitterStyle::value) override
	{
		stack_.push_back({ ManifestValue::Type::Map, anchor, arena_.scratchMembers.size() });
	}
	void OnMapEnd() override { pop(); }

private:
	struct Frame {
		ManifestValue::Type type;
		YAML::anchor_t anchor;
		/* Where its children start on the arena's scratch stack. */
		size_t base;
		/* A map's key, read and waiting for its value. */
		bool haveKey = false;
		std::string_view key = {};
	};

	void pop()
	{
		Frame frame = stack_.back();
		stack_.pop_back();
		if (frame.type == ManifestValue::Type::Sequence)
			add(ManifestValue::sequence(takeScratch(arena_, arena_.scratchItems, frame.base)),
			    frame.anchor);
		else
			add(ManifestValue::map(takeScratch(arena_, arena_.scratchMembers, frame.base)),
			    frame.anchor);
	}

	void add(const ManifestValue &value, YAML::anchor_t anchor)
	{
		if (anchor)
			anchors_[anchor] = value;
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
	std::map<YAML::anchor_t, ManifestValue> anchors_;
	ManifestValue root_;
};

/*
 * The length of the run of plain string characters at the start of
 * [p, end): up to the first quote, backslash or control character.
 */
inline const char *stringRun(const char *p, const char *end)
{
	if constexpr (std::endian::native == std::endian::little) {
		/* Eight bytes at a time: the lowest byte flagged is exact. */
		constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
		while (end - p >= 8) {
			uint64_t word;
			std::memcpy(&word, p, 8);
			uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
			uint64_t found = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
					 ((word - ones * 0x20) & ~word);
			found &= highs;
			if (found)
				return p + std::countr_zero(found) / 8;
			p += 8;
		}
	}
	while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20)
		p++;
	return p;
}

/*
 * RFC 8259 JSON, strictly. Anything it refuses goes to yaml-cpp, which
 * either reads it (JSON is YAML) or says where it is wrong. Building, it
 * makes a tree in the arena; not building, it only checks.
 */
template<bool Building>
class JsonReader
{
public:
	JsonReader(std::string_view text, ManifestArena *arena)
		: p_(text.data()), end_(text.data() + text.size()), arena_(arena),
		  deferItems_(text.size() > kLargeJson)
	{
	}

	bool read(ManifestValue &out)
	{
		if constexpr (Building) {
			arena_->scratchItems.clear();
			arena_->scratchMembers.clear();
		}
		skipSpace();
		if (!value(out, 0))
			return false;
		skipSpace();
		return p_ == end_;
	}

private:
	template<bool>
	friend class JsonReader;

	static constexpr int kMaxDepth = 200;
	/*
	 * In a text larger than this, the items of a top-level List are kept
	 * as text (see deferredArray()). A smaller text is read in one go:
	 * its whole tree takes a few times its size at most.
	 */
	static constexpr size_t kLargeJson = 256 * 1024;

	void skipSpace()
	{
		while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r'))
			p_++;
	}

	bool next(char c)
	{
		if (p_ == end_ || *p_ != c)
			return false;
		p_++;
		return true;
	}

	bool literal(std::string_view word)
	{
		if (static_cast<size_t>(end_ - p_) < word.size() ||
		    std::memcmp(p_, word.data(), word.size()) != 0)
			return false;
		p_ += word.size();
		return true;
	}

	bool value(ManifestValue &out, int depth)
	{
		if (p_ == end_ || depth > kMaxDepth)
			return false;
		switch (*p_) {
		case '{':
			return object(out, depth);
		case '[':
			return array(out, depth);
		case '"': {
			std::string_view text;
			if (!string(text))
				return false;
			if constexpr (Building)
				out = ManifestValue::scalar(text, false);
			return true;
		}
		case 'n':
			if (!literal("null"))
				return false;
			out = ManifestValue();
			return true;
		case 't':
		case 'f': {
			std::string_view word = *p_ == 't' ? "true" : "false";
			if (!literal(word))
				return false;
			out = ManifestValue::scalar(word, true);
			return true;
		}
		default:
			return number(out);
		}
	}

	bool object(ManifestValue &out, int depth)
	{
		p_++;
		skipSpace();
		if (next('}')) {
			out = ManifestValue::map({});
			return true;
		}
		size_t base = Building ? arena_->scratchMembers.size() : 0;
		for (;;) {
			std::string_view key;
			ManifestValue member;
			skipSpace();
			if (p_ == end_ || *p_ != '"' || !string(key))
				return false;
			skipSpace();
			if (!next(':'))
				return false;
			skipSpace();
			bool deferred = Building && deferItems_ && depth == 0 && key == "items" &&
					p_ < end_ && *p_ == '[';
			if (!(deferred ? deferredArray(member) : value(member, depth + 1)))
				return false;
			if constexpr (Building)
				arena_->scratchMembers.push_back({ key, member });
			skipSpace();
			if (next('}'))
				break;
			if (!next(','))
				return false;
		}
		if constexpr (Building)
			out = ManifestValue::map(takeScratch(*arena_, arena_->scratchMembers, base));
		return true;
	}

	bool array(ManifestValue &out, int depth)
	{
		p_++;
		skipSpace();
		if (next(']')) {
			out = ManifestValue::sequence({});
			return true;
		}
		size_t base = Building ? arena_->scratchItems.size() : 0;
		for (;;) {
			ManifestValue item;
			skipSpace();
			if (!value(item, depth + 1))
				return false;
			if constexpr (Building)
				arena_->scratchItems.push_back(item);
			skipSpace();
			if (next(']'))
				break;
			if (!next(','))
				return false;
		}
		if constexpr (Building)
			out = ManifestValue::sequence(takeScratch(*arena_, arena_->scratchItems, base));
		return true;
	}

	/*
	 * A large top-level List's items, checked but kept as text: each is
	 * read into a tree only when its turn comes, so a List of 10,000
	 * objects never has all their trees at once.
	 */
	bool deferredArray(ManifestValue &out)
	{
		p_++;
		skipSpace();
		if (next(']')) {
			out = ManifestValue::sequence({});
			return true;
		}
		size_t base = arena_->scratchItems.size();
		for (;;) {
			skipSpace();
			JsonReader<false> checker({ p_, static_cast<size_t>(end_ - p_) }, nullptr);
			ManifestValue scratch;
			if (!checker.value(scratch, 2))
				return false;
			arena_->scratchItems.push_back(
				ManifestValue::json({ p_, static_cast<size_t>(checker.p_ - p_) }));
			p_ = checker.p_;
			skipSpace();
			if (next(']'))
				break;
			if (!next(','))
				return false;
		}
		out = ManifestValue::sequence(takeScratch(*arena_, arena_->scratchItems, base));
		return true;
	}

	bool digits()
	{
		const char *from = p_;
		while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
			p_++;
		return p_ > from;
	}

	bool number(ManifestValue &out)
	{
		const char *start = p_;
		next('-');
		if (!digits())
			return false;
		if (next('.') && !digits())
			return false;
		if (next('e') || next('E')) {
			if (!next('+'))
				next('-');
			if (!digits())
				return false;
		}
		out = ManifestValue::scalar({ start, static_cast<size_t>(p_ - start) }, true);
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
		if (end_ - p_ < 4)
			return false;
		out = 0;
		for (int i = 0; i < 4; i++) {
			char c = *p_++;
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

	/*
	 * A string without escapes is a view into the text; one with escapes
	 * is unescaped into the arena.
	 */
	bool string(std::string_view &out)
	{
		const char *start = ++p_; /* after the opening quote */
		p_ = stringRun(p_, end_);
		if (p_ == end_)
			return false;
		if (*p_ == '"') {
			out = { start, static_cast<size_t>(p_++ - start) };
			return true;
		}
		if (*p_ != '\\')
			return false; /* a raw control character */
		if constexpr (Building)
			arena_->scratchText.assign(start, p_);
		return escapedString(out);
	}

	/* The rest of a string from its first backslash on. */
	bool escapedString(std::string_view &out)
	{
		[[maybe_unused]] std::string *text = Building ? &arena_->scratchText : nullptr;
		auto append = [&](char c) {
			if constexpr (Building)
				*text += c;
		};
		for (;;) {
			if (p_ == end_)
				return false;
			char c = *p_++;
			if (c == '"') {
				if constexpr (Building)
					out = arena_->copy(*text);
				return true;
			}
			if (static_cast<unsigned char>(c) < 0x20)
				return false; /* a raw control character */
			if (c != '\\') {
				const char *run = p_ - 1;
				p_ = stringRun(p_, end_);
				if constexpr (Building)
					text->append(run, p_);
				continue;
			}
			if (p_ == end_)
				return false;
			char escape = *p_++;
			switch (escape) {
			case '"': append('"'); break;
			case '\\': append('\\'); break;
			case '/': append('/'); break;
			case 'b': append('\b'); break;
			case 'f': append('\f'); break;
			case 'n': append('\n'); break;
			case 'r': append('\r'); break;
			case 't': append('\t'); break;
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
				if constexpr (Building)
					appendUtf8(*text, code);
				break;
			}
			default:
				return false;
			}
		}
	}

	const char *p_;
	const char *end_;
	/* Where the tree goes; nullptr when only checking. */
	ManifestArena *arena_;
	bool deferItems_;
};

} /* namespace */

/**
 * \brief Read a value that readManifestDocuments() left as JSON text
 * \param[in] json The value's text (ManifestValue::text() of a Type::Json)
 * \param[in] arena Where the tree is built
 * \return The value's tree, or nullopt if the text is not JSON (it was
 * checked once already, so this does not happen)
 */
std::optional<ManifestValue> expandJson(std::string_view json, ManifestArena &arena)
{
	ManifestValue value;
	if (!JsonReader<true>(json, &arena).read(value))
		return std::nullopt;
	return value;
}

namespace {

std::optional<std::string>
readYaml(std::string_view text, ManifestArena &arena,
	 const std::function<void(const ManifestValue &document)> &onDocument)
{
	try {
		std::istringstream stream{ std::string(text) };
		YAML::Parser parser(stream);
		TreeBuilder builder(onDocument, arena);
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

} /* namespace */

/**
 * \brief Read the documents of a manifest file, one at a time
 * \param[in] text The file's text
 * \param[in] arena Where the trees are built; left as it was found
 * \param[in] onDocument Called with each document, null ones included
 *
 * A text that is a single JSON value is read by a strict JSON reader; any
 * other text, or JSON that reader refuses, by yaml-cpp's event parser.
 *
 * \return nullopt, or the reason the text is not YAML, with yaml-cpp's line
 * and column
 */
std::optional<std::string>
readManifestDocuments(std::string_view text, ManifestArena &arena,
		      const std::function<void(const ManifestValue &document)> &onDocument)
{
	const ManifestArena::Mark start = arena.mark();
	size_t first = text.find_first_not_of(" \t\r\n");
	if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
		ManifestValue document;
		bool json = JsonReader<true>(text, &arena).read(document);
		if (json)
			onDocument(document);
		arena.rewind(start);
		if (json)
			return std::nullopt;
	}
	auto problem = readYaml(text, arena, onDocument);
	arena.rewind(start);
	return problem;
}

} /* namespace kipvs::proxy */
