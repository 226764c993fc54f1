/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error type of kipvs, in every layer: an errno, what was being
 * done, to which object, and the kernel's own explanation when it gave one.
 */
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kipvs {

class Error
{
public:
	/* errnum is a positive errno value. */
	Error(int errnum, std::string operation, std::string object = {},
	      std::string kernelMessage = {});

	int code() const { return errnum_; }
	const std::string &operation() const { return operation_; }
	const std::string &object() const { return object_; }
	const std::string &kernelMessage() const { return kernelMessage_; }

	/* "add virtual server TCP 10.0.0.1:80: File exists (kernel: ...)" */
	std::string message() const;

	/* The same error, said of another object or in a wider operation. */
	Error withObject(std::string object) const;
	Error withContext(const std::string &outerOperation) const;

private:
	int errnum_;
	std::string operation_;
	std::string object_;
	std::string kernelMessage_;
};

/*
 * A value or an Error. Lower layers return it instead of throwing or
 * returning -1 with errno on the side; the caller decides whether to log.
 */
template<typename T>
class [[nodiscard]] Result
{
public:
	Result(T value) : state_(std::move(value)) {}
	Result(Error error) : state_(std::move(error)) {}

	bool ok() const { return state_.index() == 0; }
	explicit operator bool() const { return ok(); }

	T &value() & { return std::get<0>(state_); }
	const T &value() const & { return std::get<0>(state_); }
	T &&value() && { return std::get<0>(std::move(state_)); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }

	const Error &error() const { return std::get<1>(state_); }

private:
	std::variant<T, Error> state_;
};

template<>
class [[nodiscard]] Result<void>
{
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)), ok_(false) {}

	bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	const Error &error() const { return error_; }

private:
	Error error_{ 0, {} };
	bool ok_ = true;
};

} /* namespace kipvs */
