/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Kubernetes List response split into its items as the bytes arrive, so
 * that a 35 MB list is never held whole: each item is handed on as its own
 * JSON text, to be parsed on its own.
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kipvs::proxy {

/*
 * Finds the members of the top-level object and the elements of its
 * "items" array by tracking strings and nesting only: the text of each
 * item is checked when it is parsed, the rest here.
 */
class ListSplitter
{
public:
	/* An item's JSON text, valid during the call; false stops the splitting. */
	using ItemHandler = std::function<bool(std::string_view item)>;

	explicit ListSplitter(ItemHandler onItem) : onItem_(std::move(onItem)) {}

	/* The next bytes of the body. Returns why the body is not a list. */
	std::optional<std::string> feed(std::string_view bytes);
	/* The body is over: why it is not a complete list, if it is not. */
	std::optional<std::string> finish() const;

	/* The JSON text of the top-level "metadata" member (empty until read). */
	const std::string &metadata() const { return metadata_; }
	/* Items handed on so far. */
	size_t items() const { return items_; }

private:
	enum class State {
		Start,      /* before the top-level '{' */
		Key,        /* before a member's key, or the '}' */
		InKey,      /* in a member's key */
		Colon,      /* after a key */
		Value,      /* before a member's value */
		InValue,    /* in a member's value other than items */
		ItemsStart, /* before an item, or the ']' */
		InItem,     /* in an item */
		AfterItem,  /* after an item: ',' or ']' */
		AfterValue, /* after a member's value: ',' or '}' */
		End,        /* after the top-level '}' */
		Failed,
	};

	std::optional<std::string> fail(std::string why);

	ItemHandler onItem_;
	State state_ = State::Start;
	int depth_ = 0;
	bool inString_ = false;
	bool escape_ = false;
	std::string key_;
	std::string capture_;
	std::string metadata_;
	size_t items_ = 0;
	size_t offset_ = 0;
};

} /* namespace kipvs::proxy */
