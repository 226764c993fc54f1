/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipset report texts: the blamed line, and an errno for the reason.
 */
#include "ipset/report.h"

#include <cerrno>
#include <charconv>
#include <map>
#include <memory>
#include <string>

#include <libipset/errcode.h>
#include <libipset/linux_ip_set.h>
#include <libipset/linux_ip_set_bitmap.h>
#include <libipset/linux_ip_set_hash.h>
#include <libipset/linux_ip_set_list.h>
#include <libipset/session.h>
#include <libipset/types.h>

namespace kipvs::ipset {

Report parseReport(std::string_view message)
{
	Report report;
	while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
		message.remove_suffix(1);

	constexpr std::string_view prefix = "Error in line ";
	if (message.starts_with(prefix)) {
		std::string_view rest = message.substr(prefix.size());
		uint32_t line = 0;
		auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
		std::string_view after(end, static_cast<size_t>(rest.data() + rest.size() - end));
		if (ec == std::errc() && after.starts_with(": ")) {
			report.line = line;
			message = after.substr(2);
		}
	}
	report.text = std::string(message);
	return report;
}

namespace {

/* A kernel error code, and the command libipset worded it for. */
struct Reason {
	int code;
	int command;
};

struct SessionDeleter {
	void operator()(struct ipset_session *session) const { ipset_session_fini(session); }
};

/*
 * libipset's own wording of each kernel error code, read back from its
 * error tables (ipset_errcode() with a scratch session), once: a report is
 * matched against what this very libipset says, never against phrases of
 * ours. Codes it does not know it words with the number ("Undecoded error
 * N") and are left out; standard errnos it does not know it words with
 * strerror(), which maps back to the errno all the same.
 */
const std::map<std::string, Reason, std::less<>> &reasons()
{
	static const std::map<std::string, Reason, std::less<>> table = [] {
		std::map<std::string, Reason, std::less<>> words;
		std::unique_ptr<struct ipset_session, SessionDeleter> session(
			ipset_session_init(nullptr, nullptr));
		if (!session)
			return words;
		auto word = [&](int command, int code) {
			ipset_session_report_reset(session.get());
			ipset_errcode(session.get(), static_cast<enum ipset_cmd>(command), code);
			std::string text = parseReport(ipset_session_report_msg(session.get())).text;
			if (code >= IPSET_ERR_PRIVATE && text.find(std::to_string(code)) != std::string::npos)
				return;
			words.emplace(std::move(text), Reason{ code, command });
		};
		for (int command = IPSET_CMD_PROTOCOL; command < IPSET_MSG_MAX; command++) {
			for (int code = 1; code < 134; code++)
				word(command, code);
			for (int code = IPSET_ERR_PRIVATE; code < IPSET_ERR_TYPE_SPECIFIC + 32; code++)
				word(command, code);
		}
		return words;
	}();
	return table;
}

/* The kernel's code as an errno kipvs decides by. */
int classify(const Reason &reason)
{
	if (reason.code < IPSET_ERR_PRIVATE)
		return reason.code;
	switch (reason.code) {
	case IPSET_ERR_EXIST:
		/* An element already added, or (deleting) not added. */
		return reason.command == IPSET_CMD_DEL ? ENOENT : EEXIST;
	case IPSET_ERR_EXIST_SETNAME2:
		/* Swap: the second set is missing; rename: the new name is taken. */
		return reason.command == IPSET_CMD_SWAP ? ENOENT : EEXIST;
	case IPSET_ERR_BUSY:
	case IPSET_ERR_REFERENCED:
		return EBUSY;
	case IPSET_ERR_MAX_SETS:
		return ENOSPC;
	case IPSET_ERR_FIND_TYPE:
		return EOPNOTSUPP;
	case IPSET_ERR_PROTOCOL:
		return EPROTO;
	default:
		return EINVAL;
	}
}

/*
 * The codes of one family of set types, worded by the type the session
 * last worked with (libipset picks its table by that type's name).
 */
int typeSpecific(std::string_view typeName, int code)
{
	if (typeName.starts_with("hash:"))
		return code == IPSET_ERR_HASH_FULL ? ENOSPC : EINVAL;
	if (typeName.starts_with("bitmap:"))
		return code == IPSET_ERR_BITMAP_RANGE ? ERANGE : EINVAL;
	if (typeName.starts_with("list:"))
		return code == IPSET_ERR_LIST_FULL ? ENOSPC
		       : code == IPSET_ERR_NAME || code == IPSET_ERR_NAMEREF ||
				       code == IPSET_ERR_REF_EXIST
			       ? ENOENT
			       : EINVAL;
	return EINVAL;
}

} /* namespace */

int errnoFromReport(std::string_view text, struct ipset_session *session)
{
	const auto &table = reasons();
	if (auto found = table.find(text); found != table.end())
		return classify(found->second);
	/* A code of the set's type: only the session that failed can word it. */
	const struct ipset_type *type = session ? ipset_saved_type(session) : nullptr;
	if (!type)
		return EIO;
	int errnum = EIO;
	for (int command = IPSET_CMD_PROTOCOL; command < IPSET_MSG_MAX && errnum == EIO; command++)
		for (int code = IPSET_ERR_TYPE_SPECIFIC; code < IPSET_ERR_TYPE_SPECIFIC + 32; code++) {
			ipset_session_report_reset(session);
			ipset_errcode(session, static_cast<enum ipset_cmd>(command), code);
			if (parseReport(ipset_session_report_msg(session)).text == text) {
				errnum = typeSpecific(type->name, code);
				break;
			}
		}
	ipset_session_report_reset(session);
	return errnum;
}

} /* namespace kipvs::ipset */
