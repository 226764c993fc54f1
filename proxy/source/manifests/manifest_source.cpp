/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifests directory source: initial load, inotify watch, per-object diffs.
 */
#include "proxy/source/manifests/manifest_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kipvs::proxy {

namespace {

/* What a file change can do to the set of served files. */
constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

Result<std::string> readWholeFile(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return Error(errno, "open", path);
	std::string text;
	char buffer[65536];
	for (;;) {
		ssize_t count = ::read(fd, buffer, sizeof(buffer));
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			int errnum = errno;
			::close(fd);
			return Error(errnum, "read", path);
		}
		if (count == 0)
			break;
		text.append(buffer, static_cast<size_t>(count));
	}
	::close(fd);
	return text;
}

bool operator==(const struct timespec &a, const struct timespec &b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * How long after its last change a file must have been read for equal
 * times to prove it unchanged: more than any filesystem's timestamp tick
 * (NFS servers' may be a second).
 */
constexpr time_t kSettleSeconds = 2;

} /* namespace */

ManifestSource::Fingerprint ManifestSource::Fingerprint::of(const struct stat &st)
{
	Fingerprint print;
	print.device = st.st_dev;
	print.inode = st.st_ino;
	print.size = st.st_size;
	print.modified = st.st_mtim;
	print.changed = st.st_ctim;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	time_t last = std::max(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
	print.settled = now.tv_sec - last >= kSettleSeconds;
	return print;
}

bool ManifestSource::Fingerprint::sameFile(const Fingerprint &other) const
{
	return device == other.device && inode == other.inode && size == other.size &&
	       modified == other.modified && changed == other.changed;
}

template<typename T>
const typename ManifestSource::Table<T>::Pointer *
ManifestSource::Table<T>::effective(const ObjectName &name) const
{
	auto it = definitions.find(name);
	if (it == definitions.end() || it->second.empty())
		return nullptr;
	return &it->second.rbegin()->second;
}

template<typename T>
void ManifestSource::Table<T>::touch(const ObjectName &name)
{
	auto [it, inserted] = before.try_emplace(name);
	if (!inserted)
		return;
	const Pointer *current = effective(name);
	it->second = current ? *current : nullptr;
}

template<typename T>
void ManifestSource::Table<T>::put(const std::string &file, T &&object)
{
	touch(object.name);
	ObjectName name = object.name;
	definitions[name].insert_or_assign(file, std::make_shared<const T>(std::move(object)));
}

template<typename T>
void ManifestSource::Table<T>::remove(const std::string &file, const ObjectName &name)
{
	touch(name);
	auto it = definitions.find(name);
	if (it == definitions.end())
		return;
	it->second.erase(file);
	if (it->second.empty())
		definitions.erase(it);
}

/**
 * \brief Create a source for a directory; nothing happens before start()
 * \param[in] directory The manifests directory
 * \param[in] handler Receives the objects, from start() and processEvents()
 * \param[in] report Receives one line per problem: invalid objects, files
 * that do not parse, objects defined twice, a watch that stopped
 */
ManifestSource::ManifestSource(std::string directory, EventHandler &handler, Report report)
	: directory_(std::move(directory)), handler_(handler), report_(std::move(report))
{
	while (directory_.size() > 1 && directory_.back() == '/')
		directory_.pop_back();
}

ManifestSource::~ManifestSource()
{
	if (inotifyFd_ >= 0)
		::close(inotifyFd_);
}

bool ManifestSource::isManifestName(const std::string &name)
{
	if (name.empty() || name[0] == '.')
		return false;
	for (const char *extension : { ".yaml", ".yml", ".json" }) {
		size_t length = std::strlen(extension);
		if (name.size() > length && name.compare(name.size() - length, length, extension) == 0)
			return true;
	}
	return false;
}

std::string ManifestSource::pathOf(const std::string &name) const
{
	return directory_ == "/" ? "/" + name : directory_ + "/" + name;
}

/**
 * \brief Watch the directory, deliver everything in it, then synced()
 * \param[in] stopRequested Asked between files; when it says true, the
 * load stops (a daemon told to exit while a large directory loads)
 *
 * The watch is set up before the directory is read, so a file written in
 * between is not missed (at worst it is read twice, which sends nothing).
 * Files are read in sorted order.
 *
 * \return An Error when the directory cannot be watched or listed, or
 * ECANCELED when stopRequested said so; then no event has been sent and
 * the source is as if never started
 */
Result<void> ManifestSource::start(const std::function<bool()> &stopRequested)
{
	if (inotifyFd_ >= 0)
		return Error(EBUSY, "start manifests source", directory_);

	inotifyFd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (inotifyFd_ < 0)
		return Error(errno, "inotify_init1");
	auto stop = [this](Error error) {
		::close(inotifyFd_);
		inotifyFd_ = -1;
		watch_ = -1;
		files_.clear();
		services_ = {};
		endpointSlices_ = {};
		nodes_ = {};
		return error;
	};
	if (auto watched = watchDirectory(); !watched)
		return stop(watched.error());

	auto names = listDirectory();
	if (!names)
		return stop(names.error());
	for (const std::string &name : *names) {
		if (stopRequested && stopRequested())
			return stop(Error(ECANCELED, "load manifests directory", directory_));
		loadFile(name, Pending::Reload);
	}
	deliver();
	handler_.synced();
	return {};
}

/* Watch the directory at its path (again) and remember which one it is. */
Result<void> ManifestSource::watchDirectory()
{
	int watch = inotify_add_watch(inotifyFd_, directory_.c_str(), kWatchMask);
	if (watch < 0)
		return Error(errno, "watch manifests directory", directory_);
	struct stat st;
	if (::stat(directory_.c_str(), &st) < 0) {
		int errnum = errno;
		inotify_rm_watch(inotifyFd_, watch);
		return Error(errnum, "watch manifests directory", directory_);
	}
	watch_ = watch;
	watchedDevice_ = st.st_dev;
	watchedInode_ = st.st_ino;
	return {};
}

/*
 * The directory is no longer at its path: stop watching it (its events,
 * queued or to come, name the old watch and are ignored) and keep serving
 * what was read from it.
 */
void ManifestSource::loseDirectory(const std::string &why)
{
	if (watch_ >= 0)
		inotify_rm_watch(inotifyFd_, watch_);
	watch_ = -1;
	report_("manifests directory " + directory_ + ": " + why +
		"; serving what was read from it until it is back");
}

Result<std::vector<std::string>> ManifestSource::listDirectory() const
{
	DIR *dir = ::opendir(directory_.c_str());
	if (!dir)
		return Error(errno, "list manifests directory", directory_);
	std::vector<std::string> names;
	errno = 0;
	while (struct dirent *entry = ::readdir(dir)) {
		std::string name = entry->d_name;
		if (isManifestName(name))
			names.push_back(std::move(name));
	}
	int errnum = errno;
	::closedir(dir);
	if (errnum)
		return Error(errnum, "list manifests directory", directory_);
	std::sort(names.begin(), names.end());
	return names;
}

/*
 * Drain the inotify queue into what each file name needs. Only the last
 * event for a name matters: the file is re-read as it is on disk.
 */
Result<void> ManifestSource::readEvents(Batch &batch)
{
	alignas(struct inotify_event) char buffer[8192];
	for (;;) {
		ssize_t count = ::read(inotifyFd_, buffer, sizeof(buffer));
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0 && errno == EAGAIN)
			return {};
		if (count <= 0)
			return Error(count < 0 ? errno : EIO, "read inotify events", directory_);

		for (char *next = buffer; next < buffer + count;) {
			const auto *event = reinterpret_cast<const struct inotify_event *>(next);
			next += sizeof(struct inotify_event) + event->len;

			if (event->mask & IN_Q_OVERFLOW) {
				batch.rescan = true;
				continue;
			}
			/* A directory lost earlier: what remains of its watch. */
			if (event->wd != watch_ || batch.directoryLost)
				continue;
			if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				batch.directoryLost = true;
				continue;
			}
			if (!event->len)
				continue;

			std::string name = event->name;
			/* Kubernetes' ConfigMap volumes swap the "..data" symlink. */
			if (name.rfind("..", 0) == 0) {
				batch.rescan = true;
				continue;
			}
			if (!isManifestName(name) || (event->mask & IN_ISDIR))
				continue;

			std::map<std::string, Pending> &pending = batch.pending;

			if (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
				pending[name] = Pending::Reload;
			} else if (event->mask & (IN_DELETE | IN_MOVED_FROM)) {
				pending[name] = Pending::Remove;
			} else if (event->mask & IN_CREATE) {
				/*
				 * A new regular file is being written: wait for its
				 * IN_CLOSE_WRITE. Links arrive complete and get none.
				 */
				struct stat st;
				bool complete = ::lstat(pathOf(name).c_str(), &st) == 0 &&
						(S_ISLNK(st.st_mode) || st.st_nlink > 1);
				pending[name] = complete ? Pending::Reload : Pending::Writing;
			}
		}
	}
}

/*
 * Add what the directory as listed now asks for: files gone are removed,
 * the others read if they may have changed. What the batch's events asked
 * stands, but for a removal the listing contradicts.
 */
Result<void> ManifestSource::scanDirectory(std::map<std::string, Pending> &pending)
{
	auto names = listDirectory();
	if (!names)
		return names.error();
	for (const auto &[name, objects] : files_)
		if (!std::binary_search(names->begin(), names->end(), name))
			pending[name] = Pending::Remove;
	for (const std::string &name : *names) {
		auto [it, added] = pending.try_emplace(name, Pending::Rescan);
		if (!added && it->second == Pending::Remove)
			it->second = Pending::Rescan;
	}
	return {};
}

void ManifestSource::apply(const std::map<std::string, Pending> &pending)
{
	for (const auto &[name, what] : pending) {
		if (what == Pending::Reload || what == Pending::Rescan)
			loadFile(name, what);
		else if (what == Pending::Remove)
			removeFile(name);
	}
	deliver();
}

/**
 * \brief Compare the directory with what was read from it and apply the
 * difference, for the changes inotify does not report
 *
 * Lists the directory and stats each file (through links): one whose
 * identity, size and times are those it had when read is not read again,
 * one whose content hashes the same is not parsed again. A directory gone
 * from its path is reported once and served on; once it is back, it is
 * watched and read again. Problems with files are reported, not returned.
 *
 * \return An Error when the directory exists but cannot be watched or
 * listed; the objects served so far are kept
 */
Result<void> ManifestSource::rescan()
{
	if (inotifyFd_ < 0)
		return Error(EBADF, "rescan manifests directory", directory_);

	struct stat st;
	if (::stat(directory_.c_str(), &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return Error(errno, "rescan manifests directory", directory_);
		/* Removed, and inotify did not say so (a network filesystem). */
		if (watch_ >= 0)
			loseDirectory("the directory is gone");
		return {};
	}
	/* The path names another directory: a swapped link, or a replacement unreported. */
	bool swapped = watch_ >= 0 && (st.st_dev != watchedDevice_ || st.st_ino != watchedInode_);
	if (swapped) {
		inotify_rm_watch(inotifyFd_, watch_);
		watch_ = -1;
	}
	if (watch_ < 0) {
		if (auto watched = watchDirectory(); !watched) {
			if (swapped)
				loseDirectory("the directory is gone");
			return watched.error().code() == ENOENT ? Result<void>() : watched;
		}
		report_("manifests directory " + directory_ +
			(swapped ? ": the path names another directory now; reading it"
				 : ": the directory is back; reading it again"));
	}

	std::map<std::string, Pending> pending;
	auto scanned = scanDirectory(pending);
	if (!scanned)
		return scanned;
	apply(pending);
	return {};
}

/**
 * \brief Apply what changed in the directory since the last call
 *
 * Call when fd() is readable; returns at once when nothing is queued. When
 * a file was removed, waits up to the removal grace for it to come back, so
 * that an editor's rename-and-rewrite is one update, not a delete and an
 * add. Problems with files are reported, not returned.
 *
 * A directory removed or renamed is reported; its objects stay served
 * (the removals of its files that came with it are not applied) and
 * rescan() looks for it again.
 *
 * \return An Error when reading the events failed; the objects served so
 * far are kept
 */
Result<void> ManifestSource::processEvents()
{
	if (inotifyFd_ < 0)
		return Error(EBADF, "process manifests events", directory_);

	Batch batch;
	Result<void> status = readEvents(batch);

	auto removing = [&]() {
		return std::any_of(batch.pending.begin(), batch.pending.end(),
				   [](const auto &entry) { return entry.second == Pending::Remove; });
	};
	auto deadline = std::chrono::steady_clock::now() + removalGrace_;
	while (status && !batch.directoryLost && removing()) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			break;
		struct pollfd poller = { inotifyFd_, POLLIN, 0 };
		int ready = ::poll(&poller, 1, static_cast<int>(left.count()));
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0)
			status = readEvents(batch);
	}

	/* An overflow may have dropped the directory's own events. */
	if (status && batch.rescan && !batch.directoryLost) {
		struct stat st;
		batch.directoryLost = ::stat(directory_.c_str(), &st) < 0 ||
				      st.st_dev != watchedDevice_ || st.st_ino != watchedInode_;
	}
	/*
	 * The directory went (rm -r removes its files first): what the batch
	 * said of its files is moot, what was read stays served. It may be
	 * back already (replaced by a rename).
	 */
	if (batch.directoryLost) {
		loseDirectory("the directory was removed or renamed");
		auto again = rescan();
		return status ? again : status;
	}
	if (status && batch.rescan)
		status = scanDirectory(batch.pending);
	apply(batch.pending);
	return status;
}

/*
 * Read and parse a file: always when an event said it changed (why is
 * Reload), only when it may have changed for a rescan (why is Rescan).
 */
void ManifestSource::loadFile(const std::string &name, Pending why)
{
	const std::string path = pathOf(name);
	struct stat st;
	int errnum = ::stat(path.c_str(), &st) < 0 ? errno : 0;
	if (errnum && errnum != ENOENT && errnum != ENOTDIR) {
		report_(Error(errnum, "stat", path).message() + "; keeping what it served before");
		return;
	}
	/* Gone, a dangling link or a directory: it serves nothing. */
	if (errnum || !S_ISREG(st.st_mode)) {
		removeFile(name);
		return;
	}

	Fingerprint now = Fingerprint::of(st);
	auto known = files_.find(name);
	const Fingerprint *before = known != files_.end() ? &known->second.fingerprint : nullptr;
	if (why == Pending::Rescan && before && before->settled && before->sameFile(now))
		return;

	auto text = readWholeFile(path);
	if (!text) {
		if (text.error().code() == ENOENT) {
			removeFile(name);
			return;
		}
		report_(text.error().message() + "; keeping what it served before");
		/* Not reported again until it changes. */
		files_[name].fingerprint = now;
		return;
	}
	now.contentHash = std::hash<std::string_view>{}(*text);
	if (why == Pending::Rescan && before && before->contentHash == now.contentHash) {
		known->second.fingerprint = now;
		return;
	}

	ManifestFile parsed = parseManifest(*text, path);
	if (!parsed.parsed()) {
		report_(parsed.syntaxError->message() + "; keeping what it served before");
		files_[name].fingerprint = now;
		return;
	}
	for (const ManifestProblem &problem : parsed.errors)
		report_(problem.message());
	for (const ManifestProblem &problem : parsed.notes)
		report_(problem.message());
	replaceFile(name, std::move(parsed));
	files_[name].fingerprint = now;
}

void ManifestSource::removeFile(const std::string &name)
{
	replaceFile(name, ManifestFile{});
	files_.erase(name);
}

template<typename T>
void ManifestSource::replaceKind(Table<T> &table, std::set<ObjectName> &owned,
				 const std::string &file, std::vector<T> &&objects)
{
	std::set<ObjectName> now;
	for (T &object : objects) {
		now.insert(object.name);
		table.put(file, std::move(object));
	}
	for (const ObjectName &name : owned)
		if (!now.count(name))
			table.remove(file, name);
	owned = std::move(now);
}

void ManifestSource::replaceFile(const std::string &name, ManifestFile &&parsed)
{
	FileObjects &owned = files_[name];
	replaceKind(services_, owned.services, name, std::move(parsed.services));
	replaceKind(endpointSlices_, owned.endpointSlices, name, std::move(parsed.endpointSlices));
	replaceKind(nodes_, owned.nodes, name, std::move(parsed.nodes));
}

template<typename T, typename Updated, typename Deleted>
void ManifestSource::deliverKind(Table<T> &table, const char *kind, Updated updated,
				 Deleted deleted)
{
	for (const auto &[name, before] : table.before) {
		auto defined = table.definitions.find(name);
		if (defined == table.definitions.end() || defined->second.empty()) {
			if (before)
				deleted(name);
			continue;
		}

		const auto &files = defined->second;
		const auto *after = &files.rbegin()->second;
		if (files.size() > 1) {
			std::string others;
			for (auto it = files.begin(); it != std::prev(files.end()); ++it)
				others += (others.empty() ? "" : ", ") + pathOf(it->first);
			report_(pathOf(files.rbegin()->first) + ": " + kind + " " + name.toString() +
				": also defined in " + others +
				"; this definition is used (the last file in sort order wins)");
		}

		if (!before || (before != *after && !(*before == **after)))
			updated(*after);
	}
	table.before.clear();
}

/*
 * Tell the handler about every object the batch touched whose served
 * definition changed. Nodes first, then Services, then their slices, so a
 * handler sees a slice's Service no later than the slice.
 */
void ManifestSource::deliver()
{
	deliverKind(
		nodes_, "Node",
		[&](const std::shared_ptr<const Node> &node) { handler_.nodeUpdated(node); },
		[&](const ObjectName &name) { handler_.nodeDeleted(name); });
	deliverKind(
		services_, "Service",
		[&](const std::shared_ptr<const Service> &service) { handler_.serviceUpdated(service); },
		[&](const ObjectName &name) { handler_.serviceDeleted(name); });
	deliverKind(
		endpointSlices_, "EndpointSlice",
		[&](const std::shared_ptr<const EndpointSlice> &slice) {
			handler_.endpointSliceUpdated(slice);
		},
		[&](const ObjectName &name) { handler_.endpointSliceDeleted(name); });
}

} /* namespace kipvs::proxy */
