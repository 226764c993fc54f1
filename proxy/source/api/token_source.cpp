/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bearer token: inline, or a file re-read once an interval and after a 401.
 */
#include "proxy/source/api/token_source.h"

#include <cerrno>
#include <utility>

#include "base/strings.h"
#include "proxy/source/api/client_config.h"

namespace kipvs::proxy {

TokenSource::TokenSource(std::string staticToken, std::string tokenFile)
	: tokenFile_(std::move(tokenFile)), token_(std::move(staticToken))
{
}

/**
 * \brief The token to send now
 * \param[in] now The caller's steady clock, so that tests can step it
 *
 * Reads the token file when one is set and a read is due: the first call,
 * the first after invalidate(), or the first at least the interval after
 * the last attempt (a failed attempt counts, so a missing file is not read
 * on every request). A failed read keeps the token served before.
 *
 * \return The last token read, or the static one until a read succeeds
 */
std::string TokenSource::current(std::chrono::steady_clock::time_point now)
{
	std::lock_guard<std::mutex> lock(mutex_);
	if (!tokenFile_.empty() && (readDue_ || now - lastRead_ >= interval_)) {
		readDue_ = false;
		lastRead_ = now;
		Result<std::string> token = readTokenFile(tokenFile_);
		if (token) {
			token_ = std::move(*token);
			lastError_.clear();
		} else {
			lastError_ = token.error().message();
		}
	}
	return token_;
}

void TokenSource::invalidate()
{
	std::lock_guard<std::mutex> lock(mutex_);
	readDue_ = true;
}

std::string TokenSource::lastError() const
{
	std::lock_guard<std::mutex> lock(mutex_);
	return lastError_;
}

void TokenSource::setInterval(std::chrono::seconds interval)
{
	std::lock_guard<std::mutex> lock(mutex_);
	interval_ = interval;
}

/**
 * \brief Read a bearer token file
 * \param[in] path The file, as configured
 * \return The token without the blanks around it (a newline, usually); or
 * "token file: read PATH: <errno>", or "token file PATH is empty" (ENODATA)
 */
Result<std::string> readTokenFile(const std::string &path)
{
	Result<std::string> text = readFile(path);
	if (!text)
		return text.error().withContext("token file");
	std::string_view token = trim(*text, " \t\r\n\v\f");
	if (token.empty())
		return Error(ENODATA, "token file", path + " is empty");
	return std::string(token);
}

} /* namespace kipvs::proxy */
