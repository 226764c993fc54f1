/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Splitting a List body into items as it arrives.
 */
#include "proxy/source/api/list_splitter.h"

namespace kipvs::proxy {

namespace {

bool isSpace(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

} /* namespace */

std::optional<std::string> ListSplitter::fail(std::string why)
{
	state_ = State::Failed;
	return "at byte " + std::to_string(offset_) + ": " + why;
}

/**
 * \brief Read the next bytes of a List body
 * \param[in] bytes The bytes, aligned with nothing
 *
 * Calls the item handler with each item completed by these bytes.
 *
 * \return nullopt, or why the body is not a List (or that the handler stopped)
 */
std::optional<std::string> ListSplitter::feed(std::string_view bytes)
{
	size_t i = 0;
	/* Where the bytes of the value or item being captured start in bytes. */
	size_t captureFrom = 0;
	auto capturing = [&] { return state_ == State::InValue || state_ == State::InItem; };
	if (capturing())
		captureFrom = 0;
	for (; i < bytes.size(); i++, offset_++) {
		const char c = bytes[i];
		switch (state_) {
		case State::InItem:
		case State::InValue:
			if (inString_) {
				if (escape_)
					escape_ = false;
				else if (c == '\\')
					escape_ = true;
				else if (c == '"')
					inString_ = false;
				continue;
			}
			if (depth_ == 0 && state_ == State::InValue &&
			    (c == ',' || c == '}' || c == ']' || isSpace(c))) {
				/* A scalar value (kind, apiVersion) ends before this byte. */
				state_ = State::AfterValue;
				capture_.clear();
				i--;
				offset_--;
			} else if (c == '"') {
				inString_ = true;
			} else if (c == '{' || c == '[') {
				depth_++;
			} else if (c == '}' || c == ']') {
				if (--depth_ > 0)
					continue;
				/* The item or value ends with this byte. */
				capture_.append(bytes.substr(captureFrom, i + 1 - captureFrom));
				if (state_ == State::InItem) {
					items_++;
					state_ = State::AfterItem;
					if (!onItem_(capture_))
						return fail("stopped");
				} else {
					if (key_ == "metadata")
						metadata_ = capture_;
					state_ = State::AfterValue;
				}
				capture_.clear();
			}
			continue;
		case State::InKey:
			if (escape_)
				escape_ = false;
			else if (c == '\\')
				escape_ = true;
			else if (c == '"')
				state_ = State::Colon;
			else
				key_ += c;
			continue;
		default:
			break;
		}
		if (isSpace(c))
			continue;
		switch (state_) {
		case State::Start:
			if (c != '{')
				return fail("not a JSON object");
			state_ = State::Key;
			break;
		case State::Key:
			if (c == '}' ) {
				state_ = State::End;
				break;
			}
			if (c != '"')
				return fail("a member's key expected");
			key_.clear();
			state_ = State::InKey;
			break;
		case State::Colon:
			if (c != ':')
				return fail("':' expected after \"" + key_ + "\"");
			state_ = State::Value;
			break;
		case State::Value:
			if (key_ == "items") {
				if (c != '[')
					return fail("\"items\" is not an array");
				state_ = State::ItemsStart;
				break;
			}
			state_ = State::InValue;
			depth_ = 0;
			inString_ = false;
			escape_ = false;
			capture_.clear();
			captureFrom = i;
			/* The first byte of the value again, in the capturing state. */
			i--;
			offset_--;
			break;
		case State::ItemsStart:
		case State::AfterItem:
			if (c == ']') {
				state_ = State::AfterValue;
				break;
			}
			if (state_ == State::AfterItem) {
				if (c != ',')
					return fail("',' or ']' expected after item " + std::to_string(items_));
				state_ = State::ItemsStart;
				break;
			}
			if (c != '{')
				return fail("item " + std::to_string(items_) + " is not an object");
			state_ = State::InItem;
			depth_ = 1;
			inString_ = false;
			escape_ = false;
			capture_.clear();
			captureFrom = i;
			break;
		case State::AfterValue:
			if (c == ',')
				state_ = State::Key;
			else if (c == '}')
				state_ = State::End;
			else
				return fail("',' or '}' expected after \"" + key_ + "\"");
			break;
		case State::End:
			return fail("bytes after the end of the list");
		case State::Failed:
			return "the list could not be read";
		default:
			break;
		}
	}
	if (capturing())
		capture_.append(bytes.substr(captureFrom));
	return std::nullopt;
}

std::optional<std::string> ListSplitter::finish() const
{
	if (state_ == State::End)
		return std::nullopt;
	if (state_ == State::Failed)
		return "the list could not be read";
	return "the list ends early, at byte " + std::to_string(offset_) + " (after " +
	       std::to_string(items_) + " items)";
}

} /* namespace kipvs::proxy */
