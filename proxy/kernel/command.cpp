/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runCommand(): posix_spawn with three pipes and a poll loop with a deadline.
 */
#include "proxy/kernel/command.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace kipvs::proxy {

namespace {

struct Pipe {
	int fds[2] = { -1, -1 };
	~Pipe()
	{
		for (int fd : fds)
			if (fd >= 0)
				close(fd);
	}
	void closeEnd(int i)
	{
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
};

std::string joined(const std::vector<std::string> &argv)
{
	std::string text;
	for (const std::string &arg : argv)
		text += (text.empty() ? "" : " ") + arg;
	return text;
}

} /* namespace */

Result<std::string> runCommand(const std::vector<std::string> &argv, const std::string &input,
			       std::chrono::milliseconds timeout)
{
	const std::string name = joined(argv);
	Pipe in, out, err;
	if (pipe2(in.fds, O_CLOEXEC) || pipe2(out.fds, O_CLOEXEC) || pipe2(err.fds, O_CLOEXEC))
		return Error(errno, "run", name);

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
	posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
	posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);

	std::vector<char *> args;
	for (const std::string &arg : argv)
		args.push_back(const_cast<char *>(arg.c_str()));
	args.push_back(nullptr);

	/* The child's signals as a shell would start it, not as the daemon keeps them. */
	posix_spawnattr_t attributes;
	posix_spawnattr_init(&attributes);
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	for (int signal : { SIGPIPE, SIGTERM, SIGINT, SIGHUP })
		sigaddset(&defaults, signal);
	posix_spawnattr_setsigmask(&attributes, &none);
	posix_spawnattr_setsigdefault(&attributes, &defaults);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	pid_t pid;
	int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attributes);
	if (spawned != 0)
		return Error(spawned, "run", name);
	in.closeEnd(0);
	out.closeEnd(1);
	err.closeEnd(1);

	std::string output, errors;
	size_t written = 0;
	if (input.empty())
		in.closeEnd(1);
	auto deadline = std::chrono::steady_clock::now() + timeout;
	bool timedOut = false;
	while (out.fds[0] >= 0 || err.fds[0] >= 0) {
		struct pollfd fds[3] = {
			{ out.fds[0], POLLIN, 0 },
			{ err.fds[0], POLLIN, 0 },
			{ in.fds[1], POLLOUT, 0 },
		};
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		int ready = left.count() > 0 ? poll(fds, 3, static_cast<int>(left.count()) + 1) : 0;
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0) {
			/* Hung (a lock never released, a stuck kernel call): killed, reaped below. */
			kill(pid, SIGKILL);
			timedOut = true;
			break;
		}
		if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
			ssize_t n = write(in.fds[1], input.data() + written, input.size() - written);
			if (n > 0)
				written += static_cast<size_t>(n);
			if (n < 0 || written == input.size())
				in.closeEnd(1);
		}
		for (int i = 0; i < 2; i++) {
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buffer[65536];
			ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
			if (n > 0)
				(i == 0 ? output : errors).append(buffer, static_cast<size_t>(n));
			else
				(i == 0 ? out : err).closeEnd(0);
		}
	}
	in.closeEnd(1);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (timedOut)
		return Error(ETIMEDOUT, "run", name,
			     "killed after " + std::to_string(timeout.count()) + " ms");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' '))
			errors.pop_back();
		int code = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : EIO;
		return Error(code, "run", name, errors);
	}
	return output;
}

} /* namespace kipvs::proxy */
