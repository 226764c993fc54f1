/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's options and popt's rules for reading them from argv: short
 * clusters ("-Lnt10.0.0.1:80"), "--long[=value]", "--" and arguments set
 * aside wherever they appear.
 */
#pragma once

#include <string>
#include <vector>

namespace kipvs::ipvsadm {

/* Tags for options without a short name (ipvsadm uses values above 127). */
enum OptionTag : int {
	TagSet = 128,
	TagStartDaemon,
	TagStopDaemon,
	TagMcastInterface,
	TagTimeout,
	TagDaemon,
	TagStats,
	TagRate,
	TagThresholds,
	TagPersistentConn,
	TagSort,
	TagNoSort,
	TagSctpService,
	TagPe,
	TagMcastGroup,
	TagMcastPort,
	TagMcastTtl,
	TagSyncMaxLen,
	TagTunInfo,
	TagTunType,
	TagTunPort,
	TagTunNoChecksum,
	TagTunChecksum,
	TagTunRemoteChecksum,
	TagSyncId,
	TagStats64,
};

enum class Arg { None, Required, Optional };

/* One entry of ipvsadm's option table. */
struct OptionSpec {
	const char *longName; /* nullptr: short only */
	char shortName;       /* '\0': long only */
	Arg arg;
	int tag;
};

class OptionScanner
{
public:
	enum class Step { Option, End, Error };

	/* args[0] is the program name. */
	explicit OptionScanner(const std::vector<std::string> &args) : args_(args) {}

	/* The next option and its value, as poptGetNextOpt() would return it. */
	Step next(const OptionSpec *&option, std::string &value);

	/* popt's poptBadOption(): the argument being read ("-Lq", "--foo"). */
	const std::string &currentArgument() const;
	/* popt's poptStrerror() for the last Step::Error. */
	const char *errorText() const;
	/* The non-option arguments met so far, in order. */
	const std::vector<std::string> &leftovers() const { return leftovers_; }

private:
	const std::vector<std::string> &args_;
	size_t next_ = 1;
	/* The unread rest of a short-option cluster such as "-Ln". */
	std::string cluster_;
	bool onlyArguments_ = false; /* after "--" */
	std::vector<std::string> leftovers_;
	int error_ = 0;
};

} /* namespace kipvs::ipvsadm */
