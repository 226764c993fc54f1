/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bearer token to put on each request: a kubeconfig's inline token, or
 * a token file that the kubelet rewrites as bound ServiceAccount tokens
 * rotate (hourly), re-read as client-go re-reads it.
 */
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "base/error.h"

namespace kipvs::proxy {

/*
 * staticToken alone: that, always. With a tokenFile: the file's content,
 * trimmed of whitespace, read on the first current() and again once the
 * interval has passed since the last attempt (or at once after
 * invalidate()); until a read succeeds, staticToken. A read that fails (no
 * file, an empty one) keeps the last good token and says why in
 * lastError(); the next success clears it.
 *
 * Thread-safe: every call takes one mutex (a read of the file included).
 * Logs nothing.
 */
class TokenSource
{
public:
	static constexpr std::chrono::seconds kDefaultInterval{ 60 };

	TokenSource(std::string staticToken, std::string tokenFile);

	/* The token for a request made at now; empty when there is none. */
	std::string current(std::chrono::steady_clock::time_point now);
	/* The server answered 401: the next current() reads the file at once. */
	void invalidate();
	/*
	 * Why the last read failed, naming the file; empty after a good read.
	 * A copy, not a reference: another thread may be reading the file.
	 */
	std::string lastError() const;
	void setInterval(std::chrono::seconds interval);

private:
	mutable std::mutex mutex_;
	const std::string tokenFile_;
	std::string token_;
	std::string lastError_;
	std::chrono::seconds interval_ = kDefaultInterval;
	/* A read is due whatever the time: none made yet, or invalidate(). */
	bool readDue_ = true;
	std::chrono::steady_clock::time_point lastRead_{};
};

/*
 * The token in a file, trimmed of whitespace. An empty one is an error
 * (ENODATA), as client-go takes it: it is not sent.
 */
Result<std::string> readTokenFile(const std::string &path);

} /* namespace kipvs::proxy */
