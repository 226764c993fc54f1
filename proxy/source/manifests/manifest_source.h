/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A directory of manifests as an object source: loaded once, then watched
 * with inotify, every change delivered as the matching EventHandler calls.
 */
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/stat.h>

#include "base/error.h"
#include "proxy/source/manifests/manifest_parser.h"
#include "proxy/model/objects.h"
#include "proxy/model/source.h"

namespace kipvs::proxy {

/*
 * Serves the *.yaml, *.yml and *.json files directly in one directory
 * (not its subdirectories; names starting with '.' are editors' and
 * tools' temporary files, or a ConfigMap volume's "..data" link and
 * timestamped directories, and are skipped). A manifest may be a symbolic
 * link (a ConfigMap volume's "a.yaml -> ..data/a.yaml"): it is read, and
 * compared, through the link.
 *
 * Each file is parsed as a whole: a file that does not parse, or cannot be
 * read, keeps serving what it served before, so nothing is half-applied.
 * One invalid object is skipped while the rest of its file is served.
 *
 * The same object defined in two files: the file last in sort order (byte
 * order of the names) wins, with a warning; when it goes away, the other
 * file's definition is served again.
 *
 * A file is read when it is closed after writing (IN_CLOSE_WRITE), renamed
 * or linked into the directory; a new file still open for writing keeps
 * serving nothing (or, if it replaced a removed one, what that one served)
 * until it is closed. A removed file's objects are deleted once it has not
 * come back within the removal grace, so an editor's rename-and-rewrite is
 * one update.
 *
 * inotify does not see everything: a change made by another client of a
 * network filesystem (9p, NFS), or to the target of a link. rescan()
 * compares the directory with what was read: a file whose identity, size
 * and times are unchanged is not read again, and one whose content hashes
 * the same is not parsed again. Names starting with ".." (a ConfigMap
 * volume's "..data" swap) and an inotify queue overflow make the same
 * rescan at once.
 *
 * A directory that is removed or renamed (or whose path comes to name
 * another directory) keeps its objects served, with a report; rescan()
 * looks for it again and, once it is back, serves what it holds.
 *
 * No thread: the caller polls fd() and calls processEvents() when it is
 * readable. Reports go to the Report callback, one line each; nothing is
 * printed.
 */
class ManifestSource : public Source
{
public:
	using Report = std::function<void(const std::string &message)>;

	ManifestSource(std::string directory, EventHandler &handler, Report report);
	~ManifestSource() override;

	ManifestSource(const ManifestSource &) = delete;
	ManifestSource &operator=(const ManifestSource &) = delete;

	Result<void> start(const std::function<bool()> &stopRequested = {}) override;
	int fd() const override { return inotifyFd_; }
	Result<void> processEvents() override;
	Result<void> rescan() override;
	std::string describe() const override { return "manifests " + directory_; }

	/* Whether the directory is gone from its path (removed or renamed). */
	bool directoryGone() const { return inotifyFd_ >= 0 && watch_ < 0; }

	/*
	 * How long a removed file may take to come back (rename-and-rewrite
	 * editors) before its objects are deleted. Default 50 ms.
	 */
	void setRemovalGrace(std::chrono::milliseconds grace) { removalGrace_ = grace; }

private:
	/*
	 * One kind's definitions: per object, the files defining it. Only the
	 * objects a batch touched are compared, against their state before it.
	 * The objects are the ones handed to the handler, shared, not copies.
	 */
	template<typename T>
	struct Table {
		using Pointer = std::shared_ptr<const T>;

		/* Looked up only: hashed. The batch's touched names are in order. */
		std::unordered_map<ObjectName, std::map<std::string, Pointer>, ObjectNameHash>
			definitions;
		std::map<ObjectName, Pointer> before;

		/* The definition served: the one of the last file in sort order. */
		const Pointer *effective(const ObjectName &name) const;
		void touch(const ObjectName &name);
		void put(const std::string &file, T &&object);
		void remove(const std::string &file, const ObjectName &name);
	};

	/*
	 * A file as last read: what stat() says of it (through a link) and
	 * the hash of its content. Settled once it was read at least a
	 * second after its last change, so that a change within the same
	 * timestamp tick as the read cannot hide behind equal times.
	 */
	struct Fingerprint {
		dev_t device = 0;
		ino_t inode = 0;
		off_t size = -1;
		struct timespec modified = {};
		struct timespec changed = {};
		bool settled = false;
		std::optional<size_t> contentHash;

		static Fingerprint of(const struct stat &st);
		bool sameFile(const Fingerprint &other) const;
	};

	/* What one file currently serves, and what it was when read. */
	struct FileObjects {
		std::set<ObjectName> services;
		std::set<ObjectName> endpointSlices;
		std::set<ObjectName> nodes;
		Fingerprint fingerprint;
	};

	/*
	 * What a batch asks for one file name: read and parse it (an event
	 * said it changed), read it if it may have changed (a rescan),
	 * remove it, or wait for it to be closed.
	 */
	enum class Pending { Reload, Rescan, Remove, Writing };

	/* One batch of inotify events. */
	struct Batch {
		std::map<std::string, Pending> pending;
		bool rescan = false;
		bool directoryLost = false;
	};

	static bool isManifestName(const std::string &name);
	std::string pathOf(const std::string &name) const;

	Result<std::vector<std::string>> listDirectory() const;
	Result<void> watchDirectory();
	void loseDirectory(const std::string &why);
	Result<void> readEvents(Batch &batch);
	Result<void> scanDirectory(std::map<std::string, Pending> &pending);
	void apply(const std::map<std::string, Pending> &pending);

	void loadFile(const std::string &name, Pending why);
	void removeFile(const std::string &name);
	void replaceFile(const std::string &name, ManifestFile &&parsed);
	void deliver();

	template<typename T>
	void replaceKind(Table<T> &table, std::set<ObjectName> &owned, const std::string &file,
			 std::vector<T> &&objects);
	template<typename T, typename Updated, typename Deleted>
	void deliverKind(Table<T> &table, const char *kind, Updated updated, Deleted deleted);

	std::string directory_;
	EventHandler &handler_;
	Report report_;
	int inotifyFd_ = -1;
	/* The directory's watch (-1 while it is gone) and its identity. */
	int watch_ = -1;
	dev_t watchedDevice_ = 0;
	ino_t watchedInode_ = 0;
	std::chrono::milliseconds removalGrace_{ 50 };

	std::map<std::string, FileObjects> files_;
	Table<Service> services_;
	Table<EndpointSlice> endpointSlices_;
	Table<Node> nodes_;
};

} /* namespace kipvs::proxy */
