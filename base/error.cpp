/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs::Error: formatting of errors for people.
 */
#include "base/error.h"

#include <cstring>

namespace kipvs {

Error::Error(int errnum, std::string operation, std::string object,
	     std::string kernelMessage)
	: errnum_(errnum), operation_(std::move(operation)),
	  object_(std::move(object)), kernelMessage_(std::move(kernelMessage))
{
}

std::string Error::message() const
{
	std::string text = operation_;
	if (!object_.empty())
		text += (text.empty() ? "" : " ") + object_;
	if (!text.empty())
		text += ": ";
	text += errnum_ ? std::strerror(errnum_) : "failed";
	if (!kernelMessage_.empty())
		text += " (kernel: " + kernelMessage_ + ")";
	return text;
}

Error Error::withObject(std::string object) const
{
	Error copy = *this;
	copy.object_ = std::move(object);
	return copy;
}

Error Error::withContext(const std::string &outerOperation) const
{
	Error copy = *this;
	copy.operation_ = outerOperation + ": " + operation_;
	return copy;
}

} /* namespace kipvs */
