/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging: the levels, the sink a component that reports takes (so it never
 * writes to stderr itself), and the daemon's log, one line per event on
 * stderr with time and level.
 */
#pragma once

#include <functional>
#include <string>

namespace kipvs {

enum class LogLevel { Error, Warning, Info, Debug };
using LogSink = std::function<void(LogLevel, const std::string &)>;

class Log
{
public:
	/* Verbosity as kube-proxy's -v: debug lines from 4 up. */
	explicit Log(unsigned int verbosity) : verbosity_(verbosity) {}

	void operator()(LogLevel level, const std::string &text) const;
	LogSink sink() const
	{
		return [this](LogLevel level, const std::string &text) { (*this)(level, text); };
	}

	void error(const std::string &text) const { (*this)(LogLevel::Error, text); }
	void warning(const std::string &text) const { (*this)(LogLevel::Warning, text); }
	void info(const std::string &text) const { (*this)(LogLevel::Info, text); }
	void debug(const std::string &text) const { (*this)(LogLevel::Debug, text); }

private:
	unsigned int verbosity_;
};

} /* namespace kipvs */
