/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A session with the kernel's IP sets through libipset: sets, entries, and
 * diffs applied in batches.
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ipset/diff.h"
#include "ipset/entry.h"
#include "ipset/set_spec.h"
#include "base/error.h"

struct ipset;
struct ipset_session;

namespace kipvs::ipset {

struct IpsetDeleter {
	void operator()(struct ::ipset *handle) const;
};

/*
 * Owns one libipset handle and its netlink socket. Move-only; a moved-from
 * Session may only be assigned to or destroyed.
 *
 * libipset's default handlers print and call exit(); this class installs
 * its own, which only record the text, so no libipset call can end the
 * daemon. Every error names the operation, the set, the entry when there
 * is one, and keeps libipset's (usually the kernel's) reason.
 *
 * Idempotency, in one place: the session runs with ipset's "-exist", so
 * creating a set that exists with the same type and options, adding an
 * entry that is present, deleting one that is absent and destroying a set
 * that is gone all succeed. flush() and swap() of a missing set, and adding
 * to or deleting from one, fail with ENOENT.
 *
 * libipset keeps process-global state (its registry of set types, a cache
 * of set names and types, a jmp_buf used while printing), so all Sessions
 * of a process must be used from one thread. The name cache is dropped
 * before each set lookup, as another process may have recreated the set.
 */
class Session
{
public:
	/* ENOMEM, or the error of the first kernel contact (EPERM, ...). */
	static Result<Session> open();

	Session(Session &&other) noexcept;
	Session &operator=(Session &&other) noexcept;
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;
	~Session();

	/* Succeeds if the set exists with the same type and options; EEXIST otherwise. */
	Result<void> create(const SetSpec &spec);
	/* EBUSY while iptables (or another kernel user) references the set; a missing set is done. */
	Result<void> destroy(const std::string &set);
	Result<void> flush(const std::string &set);
	/* Exchange the contents and types of two sets (both must exist). */
	Result<void> swap(const std::string &first, const std::string &second);

	/* One entry, one round trip: apply() is the batch path. */
	Result<void> add(const std::string &set, const Entry &entry);
	Result<void> del(const std::string &set, const Entry &entry);
	Result<bool> test(const std::string &set, const Entry &entry);

	Result<std::vector<std::string>> listSetNames();
	/* The type and members of a set, read back from the kernel. */
	Result<SetEntries> listEntries(const std::string &set);
	/* `ipset save [set]` text, as the ipset tool prints it. */
	Result<std::string> save(const std::string &set = {});

	/*
	 * Apply the diffs of many sets in one pass: per set, its deletions
	 * then its additions, each run packed into as few netlink messages as
	 * fit (restore mode: one message per page of entries, not one round
	 * trip per entry). Every set is looked up and every entry checked
	 * against the set's type and family before anything is sent, so a
	 * missing set, a wrong type or a malformed entry changes nothing. A
	 * kernel error mid-way leaves earlier entries applied; the error names
	 * the entry the kernel rejected.
	 */
	Result<void> apply(const std::vector<SetDiff> &diffs);

private:
	struct Output;
	struct SetHeader;

	Session(std::unique_ptr<Output> output, std::unique_ptr<struct ::ipset, IpsetDeleter> handle);

	static std::unique_ptr<struct ::ipset, IpsetDeleter> makeHandle(Output &output);
	struct ::ipset_session *session() const;
	Error failure(const std::string &operation, const std::string &object) const;
	Result<SetHeader> lookup(const std::string &set);
	static Result<void> checkEntry(const std::string &operation, const SetHeader &header,
				       SetType type, const Entry &entry);
	void fill(const std::string &set, const SetHeader &header, const Entry &entry);
	Result<void> simple(int command, const std::string &operation, const std::string &set,
			    const std::string &second = {});
	Result<std::string> capture(int command, int mode, const std::string &set);

	/* Declared first so that it outlives the handle whose handlers use it. */
	std::unique_ptr<Output> output_;
	std::unique_ptr<struct ::ipset, IpsetDeleter> handle_;
};

} /* namespace kipvs::ipset */
