/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifests directory source: initial load, inotify watch, per-object diffs.
 */
#include "proxy/source/manifests/manifest_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
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

} /* namespace */

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
 *
 * The watch is set up before the directory is read, so a file written in
 * between is not missed (at worst it is read twice, which sends nothing).
 * Files are read in sorted order.
 *
 * \return An Error when the directory cannot be watched or listed; then
 * no event has been sent
 */
Result<void> ManifestSource::start()
{
	if (inotifyFd_ >= 0)
		return Error(EBUSY, "start manifests source", directory_);

	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return Error(errno, "inotify_init1");
	if (inotify_add_watch(fd, directory_.c_str(), kWatchMask) < 0) {
		int errnum = errno;
		::close(fd);
		return Error(errnum, "watch manifests directory", directory_);
	}

	auto names = listDirectory();
	if (!names) {
		::close(fd);
		return names.error();
	}
	inotifyFd_ = fd;

	for (const std::string &name : *names)
		loadFile(name);
	deliver();
	handler_.synced();
	return {};
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
Result<void> ManifestSource::readEvents(std::map<std::string, Pending> &pending, bool &fullRescan)
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
				fullRescan = true;
				continue;
			}
			if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				return Error(ENOENT, "watch manifests directory", directory_);
			if (!event->len)
				continue;

			std::string name = event->name;
			/* Kubernetes' ConfigMap volumes swap the "..data" symlink. */
			if (name.rfind("..", 0) == 0) {
				fullRescan = true;
				continue;
			}
			if (!isManifestName(name) || (event->mask & IN_ISDIR))
				continue;

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

Result<void> ManifestSource::rescan(std::map<std::string, Pending> &pending)
{
	auto names = listDirectory();
	if (!names)
		return names.error();
	for (const auto &[name, objects] : files_)
		if (!std::binary_search(names->begin(), names->end(), name))
			pending[name] = Pending::Remove;
	for (const std::string &name : *names)
		pending[name] = Pending::Reload;
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
 * \return An Error when the watch itself failed (the directory was removed
 * or renamed); the objects served so far are kept
 */
Result<void> ManifestSource::processEvents()
{
	if (inotifyFd_ < 0)
		return Error(EBADF, "process manifests events", directory_);

	std::map<std::string, Pending> pending;
	bool fullRescan = false;
	Result<void> status = readEvents(pending, fullRescan);

	auto removing = [&]() {
		return std::any_of(pending.begin(), pending.end(),
				   [](const auto &entry) { return entry.second == Pending::Remove; });
	};
	auto deadline = std::chrono::steady_clock::now() + removalGrace_;
	while (status && removing()) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			break;
		struct pollfd poller = { inotifyFd_, POLLIN, 0 };
		int ready = ::poll(&poller, 1, static_cast<int>(left.count()));
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0)
			status = readEvents(pending, fullRescan);
	}

	if (status && fullRescan) {
		status = rescan(pending);
	}

	for (const auto &[name, what] : pending) {
		if (what == Pending::Reload)
			loadFile(name);
		else if (what == Pending::Remove)
			removeFile(name);
	}
	deliver();
	return status;
}

void ManifestSource::loadFile(const std::string &name)
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

	auto text = readWholeFile(path);
	if (!text) {
		if (text.error().code() == ENOENT) {
			removeFile(name);
			return;
		}
		report_(text.error().message() + "; keeping what it served before");
		return;
	}

	ManifestFile parsed = parseManifest(*text, path);
	if (!parsed.parsed()) {
		report_(parsed.syntaxError->message() + "; keeping what it served before");
		return;
	}
	for (const ManifestProblem &problem : parsed.errors)
		report_(problem.message());
	for (const ManifestProblem &problem : parsed.notes)
		report_(problem.message());
	replaceFile(name, std::move(parsed));
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
