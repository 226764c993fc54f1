/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest documents: the arena, and JSON read directly into ManifestValue trees.
 */
#include "proxy/source/manifests/manifest_document.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "proxy/source/manifests/manifest_yaml.h"

namespace kipvs::proxy {

static_assert(std::is_trivially_copyable_v<ManifestValue> &&
	      std::is_trivially_destructible_v<ManifestValue>);
static_assert(std::is_trivially_copyable_v<ManifestMember> &&
	      std::is_trivially_destructible_v<ManifestMember>);

ManifestArena::ManifestArena()
{
	scratchItems.reserve(kScratch);
	scratchMembers.reserve(kScratch);
}

void ManifestArena::rewind(Mark mark)
{
	current_ = mark.block;
	used_ = mark.used;
}

void ManifestArena::trim()
{
	rewind({});
	if (blocks_.size() > 1)
		blocks_.resize(1);
	constexpr size_t keep = 4096;
	scratchItems.clear();
	scratchMembers.clear();
	if (scratchItems.capacity() > keep) {
		std::vector<ManifestValue>().swap(scratchItems);
		scratchItems.reserve(kScratch);
	}
	if (scratchMembers.capacity() > keep) {
		std::vector<ManifestMember>().swap(scratchMembers);
		scratchMembers.reserve(kScratch);
	}
	if (scratchText.capacity() > keep)
		std::string().swap(scratchText);
}

void *ManifestArena::allocateBlock(size_t size)
{
	static_assert(kAlign >= alignof(ManifestMember) && kAlign >= alignof(ManifestValue));
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

/*
 * The length of the run of plain string characters at the start of
 * [p, end): up to the first quote, backslash or control character.
 */
inline const char *stringRun(const char *p, const char *end)
{
#ifdef __SSE2__
	/* Sixteen bytes at a time: most keys and values are shorter. */
	const __m128i quotes = _mm_set1_epi8('"'), backslashes = _mm_set1_epi8('\\'),
		      controls = _mm_set1_epi8(0x1f);
	while (end - p >= 16) {
		__m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
		__m128i found = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(bytes, quotes), _mm_cmpeq_epi8(bytes, backslashes)),
			/* unsigned bytes <= 0x1f */
			_mm_cmpeq_epi8(_mm_min_epu8(bytes, controls), bytes));
		if (int mask = _mm_movemask_epi8(found))
			return p + std::countr_zero(static_cast<unsigned>(mask));
		p += 16;
	}
#endif
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

/* JSON's blanks: space, tab, line feed, carriage return. */
inline bool isBlank(char c)
{
	constexpr uint64_t blanks = 1ull << ' ' | 1ull << '\t' | 1ull << '\n' | 1ull << '\r';
	return static_cast<unsigned char>(c) <= ' ' && (blanks >> c & 1);
}

inline const char *skipBlanks(const char *p, const char *end)
{
	while (p != end && isBlank(*p))
		p++;
	return p;
}

/*
 * RFC 8259 JSON, strictly. Anything it refuses goes to libyaml, which
 * either reads it (JSON is YAML) or says where it is wrong. Building, it
 * makes a tree in the arena; not building, it only checks.
 *
 * Each step takes the position to read from and returns the position after
 * what it read, or nullptr if the text is not JSON there.
 */
template<bool Building>
class JsonReader
{
public:
	JsonReader(std::string_view text, ManifestArena *arena)
		: begin_(text.data()), end_(text.data() + text.size()), arena_(arena),
		  deferItems_(text.size() > kLargeJson)
	{
	}

	bool read(ManifestValue &out)
	{
		if constexpr (Building) {
			arena_->scratchItems.clear();
			arena_->scratchMembers.clear();
		}
		const char *p = value(skipBlanks(begin_, end_), out, 0);
		return p && skipBlanks(p, end_) == end_;
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

	const char *literal(const char *p, std::string_view word)
	{
		if (static_cast<size_t>(end_ - p) < word.size() ||
		    std::memcmp(p, word.data(), word.size()) != 0)
			return nullptr;
		return p + word.size();
	}

	const char *value(const char *p, ManifestValue &out, int depth)
	{
		if (p == end_ || depth > kMaxDepth)
			return nullptr;
		switch (*p) {
		case '{':
			return object(p, out, depth);
		case '[':
			return array(p, out, depth);
		case '"': {
			std::string_view text;
			p = string(p, text);
			if constexpr (Building)
				out = ManifestValue::scalar(text, false);
			return p;
		}
		case 'n':
			out = ManifestValue();
			return literal(p, "null");
		case 't':
		case 'f': {
			const char *word = p;
			if (!(p = literal(p, *p == 't' ? "true" : "false")))
				return nullptr;
			out = ManifestValue::scalar({ word, static_cast<size_t>(p - word) }, true);
			return p;
		}
		default:
			return number(p, out);
		}
	}

	const char *object(const char *p, ManifestValue &out, int depth)
	{
		p = skipBlanks(p + 1, end_);
		if (p != end_ && *p == '}') {
			out = ManifestValue::map({});
			return p + 1;
		}
		size_t base = Building ? arena_->scratchMembers.size() : 0;
		for (;;) {
			std::string_view key;
			ManifestValue member;
			if (p == end_ || *p != '"' || !(p = string(p, key)))
				return nullptr;
			p = skipBlanks(p, end_);
			if (p == end_ || *p != ':')
				return nullptr;
			p = skipBlanks(p + 1, end_);
			if (p != end_ && *p == '"' && depth < kMaxDepth) {
				/* The commonest value, read without a call to value(). */
				std::string_view text;
				if (!(p = string(p, text)))
					return nullptr;
				if constexpr (Building)
					member = ManifestValue::scalar(text, false);
			} else {
				bool deferred = Building && deferItems_ && depth == 0 && key == "items" &&
						p != end_ && *p == '[';
				p = deferred ? deferredArray(p, member) : value(p, member, depth + 1);
				if (!p)
					return nullptr;
			}
			if constexpr (Building)
				arena_->scratchMembers.push_back({ key, member });
			p = skipBlanks(p, end_);
			if (p == end_)
				return nullptr;
			if (*p == '}')
				break;
			if (*p != ',')
				return nullptr;
			p = skipBlanks(p + 1, end_);
		}
		if constexpr (Building)
			out = ManifestValue::map(arena_->takeScratch(arena_->scratchMembers, base));
		return p + 1;
	}

	const char *array(const char *p, ManifestValue &out, int depth)
	{
		p = skipBlanks(p + 1, end_);
		if (p != end_ && *p == ']') {
			out = ManifestValue::sequence({});
			return p + 1;
		}
		size_t base = Building ? arena_->scratchItems.size() : 0;
		for (;;) {
			ManifestValue item;
			if (p != end_ && *p == '"' && depth < kMaxDepth) {
				std::string_view text;
				if (!(p = string(p, text)))
					return nullptr;
				if constexpr (Building)
					item = ManifestValue::scalar(text, false);
			} else if (!(p = value(p, item, depth + 1))) {
				return nullptr;
			}
			if constexpr (Building)
				arena_->scratchItems.push_back(item);
			p = skipBlanks(p, end_);
			if (p == end_)
				return nullptr;
			if (*p == ']')
				break;
			if (*p != ',')
				return nullptr;
			p = skipBlanks(p + 1, end_);
		}
		if constexpr (Building)
			out = ManifestValue::sequence(arena_->takeScratch(arena_->scratchItems, base));
		return p + 1;
	}

	/*
	 * A large top-level List's items, checked but kept as text: each is
	 * read into a tree only when its turn comes, so a List of 10,000
	 * objects never has all their trees at once.
	 */
	const char *deferredArray(const char *p, ManifestValue &out)
	{
		p = skipBlanks(p + 1, end_);
		if (p != end_ && *p == ']') {
			out = ManifestValue::sequence({});
			return p + 1;
		}
		size_t base = arena_->scratchItems.size();
		JsonReader<false> checker({ begin_, static_cast<size_t>(end_ - begin_) }, nullptr);
		for (;;) {
			ManifestValue scratch;
			const char *start = p;
			/* At depth 2, as when the item is read into the whole tree. */
			if (!(p = checker.value(p, scratch, 2)))
				return nullptr;
			arena_->scratchItems.push_back(
				ManifestValue::json({ start, static_cast<size_t>(p - start) }));
			p = skipBlanks(p, end_);
			if (p == end_)
				return nullptr;
			if (*p == ']')
				break;
			if (*p != ',')
				return nullptr;
			p = skipBlanks(p + 1, end_);
		}
		out = ManifestValue::sequence(arena_->takeScratch(arena_->scratchItems, base));
		return p + 1;
	}

	const char *digits(const char *p)
	{
		const char *from = p;
		while (p != end_ && *p >= '0' && *p <= '9')
			p++;
		return p == from ? nullptr : p;
	}

	/* -?digits(.digits)?([eE][+-]?digits)? */
	const char *number(const char *p, ManifestValue &out)
	{
		const char *start = p;
		if (*p == '-')
			p++;
		if (!(p = digits(p)))
			return nullptr;
		if (p != end_ && *p == '.' && !(p = digits(p + 1)))
			return nullptr;
		if (p != end_ && (*p == 'e' || *p == 'E')) {
			p++;
			if (p != end_ && (*p == '+' || *p == '-'))
				p++;
			if (!(p = digits(p)))
				return nullptr;
		}
		out = ManifestValue::scalar({ start, static_cast<size_t>(p - start) }, true);
		return p;
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

	const char *hex4(const char *p, uint32_t &out)
	{
		if (end_ - p < 4)
			return nullptr;
		out = 0;
		for (int i = 0; i < 4; i++) {
			char c = *p++;
			uint32_t digit;
			if (c >= '0' && c <= '9')
				digit = static_cast<uint32_t>(c - '0');
			else if (c >= 'a' && c <= 'f')
				digit = static_cast<uint32_t>(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				digit = static_cast<uint32_t>(c - 'A' + 10);
			else
				return nullptr;
			out = out * 16 + digit;
		}
		return p;
	}

	/*
	 * p at the opening quote. A string without escapes is a view into the
	 * text; one with escapes is unescaped into the arena.
	 */
	const char *string(const char *p, std::string_view &out)
	{
		const char *start = p + 1;
		p = stringRun(start, end_);
		if (p != end_ && *p == '"') {
			out = { start, static_cast<size_t>(p - start) };
			return p + 1;
		}
		if (p == end_ || *p != '\\')
			return nullptr; /* unterminated, or a raw control character */
		if constexpr (Building)
			arena_->scratchText.assign(start, p);
		return escapedString(p, out);
	}

	/* The rest of a string from its first backslash on. */
	const char *escapedString(const char *p, std::string_view &out)
	{
		[[maybe_unused]] std::string *text = Building ? &arena_->scratchText : nullptr;
		auto append = [&](char c) {
			if constexpr (Building)
				*text += c;
		};
		for (;;) {
			if (p == end_)
				return nullptr;
			char c = *p++;
			if (c == '"') {
				if constexpr (Building)
					out = arena_->copy(*text);
				return p;
			}
			if (static_cast<unsigned char>(c) < 0x20)
				return nullptr; /* a raw control character */
			if (c != '\\') {
				const char *run = p - 1;
				p = stringRun(p, end_);
				if constexpr (Building)
					text->append(run, p);
				continue;
			}
			if (p == end_)
				return nullptr;
			switch (*p++) {
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
				if (!(p = hex4(p, code)))
					return nullptr;
				/* A surrogate pair spells one character beyond U+FFFF. */
				if (code >= 0xd800 && code < 0xdc00) {
					uint32_t low;
					if (!(p = literal(p, "\\u")) || !(p = hex4(p, low)) || low < 0xdc00 ||
					    low > 0xdfff)
						return nullptr;
					code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
				} else if (code >= 0xdc00 && code < 0xe000) {
					return nullptr;
				}
				if constexpr (Building)
					appendUtf8(*text, code);
				break;
			}
			default:
				return nullptr;
			}
		}
	}

	const char *begin_;
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

/**
 * \brief Read the documents of a manifest file, one at a time
 * \param[in] text The file's text
 * \param[in] arena Where the trees are built; left as it was found
 * \param[in] onDocument Called with each document, null ones included
 *
 * A text that is a single JSON value is read by a strict JSON reader; any
 * other text, or JSON that reader refuses, by libyaml's event parser
 * (readYamlDocuments()).
 *
 * \return nullopt, or the reason the text is not YAML, with libyaml's line
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
	auto problem = readYamlDocuments(text, arena, onDocument);
	arena.rewind(start);
	return problem;
}

} /* namespace kipvs::proxy */
