/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compact tree for one YAML or JSON document, read one document at a time.
 *
 * A generic YAML node graph (yaml-cpp's YAML::Node) costs tens of bytes of
 * memory per byte of input, so manifests are read into this plain tree
 * instead, and only one document is held at a time: YAML through libyaml's
 * event parser (manifest_yaml.cpp), JSON text by a hand-written one-pass
 * reader, several times faster still (docs/benchmarks.md has the figures).
 *
 * The tree owns nothing: a value is a view into the text read or into a
 * ManifestArena, which holds the unescaped strings and the arrays of
 * children. Building a tree takes a handful of allocations, not one per node,
 * and dropping it none.
 */
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kipvs::proxy {

struct ManifestMember;

/* One node of a document; trivially copied, valid while its memory is. */
class ManifestValue
{
public:
	/* Json: a List item still in text form, see expandJson(). */
	enum class Type : unsigned char { Null, Scalar, Sequence, Map, Json };

	ManifestValue() = default;
	static ManifestValue scalar(std::string_view text, bool plain)
	{
		return { Type::Scalar, plain, text.data(), text.size() };
	}
	static ManifestValue json(std::string_view text)
	{
		return { Type::Json, false, text.data(), text.size() };
	}
	static ManifestValue sequence(std::span<const ManifestValue> items)
	{
		return { Type::Sequence, false, items.data(), items.size() };
	}
	static inline ManifestValue map(std::span<const ManifestMember> members);

	Type type() const { return type_; }
	/* An unquoted scalar: only these can be numbers or booleans. */
	bool plain() const { return plain_; }
	/* Type::Scalar: its text; Type::Json: the value's JSON text; else empty. */
	std::string_view text() const
	{
		return type_ == Type::Scalar || type_ == Type::Json
			       ? std::string_view(static_cast<const char *>(data_), size_)
			       : std::string_view();
	}
	/* Type::Sequence's items; empty for anything else. */
	std::span<const ManifestValue> items() const
	{
		if (type_ != Type::Sequence)
			return {};
		return { static_cast<const ManifestValue *>(data_), size_ };
	}
	/* Type::Map's members, in document order; empty for anything else. */
	inline std::span<const ManifestMember> members() const;

	/* The first member named key of a map; nullptr if absent or not a map. */
	inline const ManifestValue *find(std::string_view key) const;

private:
	ManifestValue(Type type, bool plain, const void *data, size_t size)
		: data_(data), size_(size), type_(type), plain_(plain)
	{
	}

	const void *data_ = nullptr;
	size_t size_ = 0;
	Type type_ = Type::Null;
	bool plain_ = false;
};

struct ManifestMember {
	std::string_view key;
	ManifestValue value;
};

ManifestValue ManifestValue::map(std::span<const ManifestMember> members)
{
	return { Type::Map, false, members.data(), members.size() };
}

/* Inline: the parser looks up a few hundred keys per object. */
std::span<const ManifestMember> ManifestValue::members() const
{
	if (type_ != Type::Map)
		return {};
	return { static_cast<const ManifestMember *>(data_), size_ };
}

const ManifestValue *ManifestValue::find(std::string_view key) const
{
	/* Length and first character rule out most keys without a memcmp() call. */
	for (const ManifestMember &member : members())
		if (member.key.size() == key.size() &&
		    (key.empty() || (member.key[0] == key[0] && member.key == key)))
			return &member.value;
	return nullptr;
}

/*
 * The memory of trees: blocks that grow and are handed out in order, and
 * given back all at once (rewind()), kept for the next tree. Also the
 * scratch space the readers build each array of children in before it
 * moves into a block of exactly its size.
 */
class ManifestArena
{
public:
	ManifestArena();
	ManifestArena(const ManifestArena &) = delete;
	ManifestArena &operator=(const ManifestArena &) = delete;

	/* Where the arena is now, to rewind() to. */
	struct Mark {
		size_t block = 0;
		size_t used = 0;
	};
	Mark mark() const { return { current_, used_ }; }
	/* Everything allocated since mark is invalid from now on. */
	void rewind(Mark mark);
	/* rewind() to the start, and free all but the first block and small scratch stacks. */
	void trim();

	/* size bytes aligned for any of the tree's types, uninitialised. */
	void *allocate(size_t size)
	{
		size = (size + kAlign - 1) & ~(kAlign - 1);
		if (current_ < blocks_.size() && blocks_[current_].size - used_ >= size) {
			void *memory = blocks_[current_].memory.get() + used_;
			used_ += size;
			return memory;
		}
		return allocateBlock(size);
	}
	/* A copy of text that lives as long as the arena (until a rewind). */
	std::string_view copy(std::string_view text);
	/* An array of values or members, copied out of the scratch stacks. */
	template<typename T>
	std::span<const T> copy(std::span<const T> values);
	/* The children a reader stacked on scratch from base on, moved into the arena. */
	template<typename T>
	std::span<const T> takeScratch(std::vector<T> &scratch, size_t base)
	{
		auto children = copy(std::span<const T>(scratch.data() + base, scratch.size() - base));
		scratch.resize(base);
		return children;
	}

	/* Scratch stacks: children of the arrays and maps being read. */
	std::vector<ManifestValue> scratchItems;
	std::vector<ManifestMember> scratchMembers;
	std::string scratchText;

private:
	struct Block {
		std::unique_ptr<std::byte[]> memory;
		size_t size;
	};
	static constexpr size_t kFirstBlock = 16 * 1024;
	/* Scratch entries reserved: enough for the widest map or list of most manifests. */
	static constexpr size_t kScratch = 64;
	/* Everything in a tree is aligned as a pointer is. */
	static constexpr size_t kAlign = alignof(std::string_view);

	/* allocate() when the current block is full. */
	void *allocateBlock(size_t size);

	std::vector<Block> blocks_;
	/* blocks_[current_] is being filled, up to used_; later ones are free. */
	size_t current_ = 0;
	size_t used_ = 0;
};

/*
 * Call onDocument with each document of the text, in order. Returns nullopt
 * when the whole text was read, or why it is not YAML ("line 3, column 5:
 * ..."); documents before the error have been passed on by then.
 *
 * The trees are built in arena, and the one given to onDocument is valid
 * during the call only. onDocument may build more trees in the arena
 * (expandJson()) as long as it rewinds it to where it found it.
 * Never throws, unless onDocument does or memory runs out.
 */
std::optional<std::string>
readManifestDocuments(std::string_view text, ManifestArena &arena,
		      const std::function<void(const ManifestValue &document)> &onDocument);

/*
 * The tree of a value readManifestDocuments() left as text: the items of
 * the top-level "items" list of a JSON text over 256 KiB, which are checked
 * for syntax but read one at a time. The tree lives in arena. nullopt only if the text is
 * not JSON.
 */
std::optional<ManifestValue> expandJson(std::string_view json, ManifestArena &arena);

} /* namespace kipvs::proxy */
