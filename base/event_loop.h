/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One event loop for the daemon: descriptors, timers and signals, and work
 * handed back from other threads, all through one epoll descriptor. It sleeps
 * until something is due, never on a fixed tick.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include <signal.h>

#include "base/error.h"
#include "base/unique_fd.h"

namespace kipvs {

/*
 * Single-threaded: every method but post() is called on the loop's thread
 * (callbacks included). A callback may add or remove descriptors and timers,
 * its own among them, and may call exit().
 *
 * Timers are one-shot, on the steady clock; a periodic job re-arms itself.
 * The earliest deadline arms one timerfd, so an idle loop makes no wake-ups
 * between its timers. Signals go through a signalfd: they are blocked for the
 * whole process (threads started later inherit the mask), so a signal never
 * interrupts a callback halfway.
 */
class EventLoop
{
public:
	using Clock = std::chrono::steady_clock;
	using Callback = std::function<void()>;
	using TimerId = uint64_t;

	EventLoop();
	EventLoop(const EventLoop &) = delete;
	EventLoop &operator=(const EventLoop &) = delete;

	/* Whether the loop's own descriptors could be made; error() says why not. */
	bool valid() const { return error_.code() == 0; }
	const Error &error() const { return error_; }

	/* Call onReadable whenever fd is readable, until unwatch(fd). */
	Result<void> watch(int fd, Callback onReadable);
	void unwatch(int fd);

	/* Call callback once at or after when; cancel() before then forgets it. */
	TimerId at(Clock::time_point when, Callback callback);
	TimerId after(Clock::duration delay, Callback callback) { return at(Clock::now() + delay, std::move(callback)); }
	void cancel(TimerId id);

	/* Block these signals and deliver each through onSignal(signal number). */
	Result<void> handleSignals(const std::vector<int> &signals, std::function<void(int)> onSignal);

	/* From any thread: run callback on the loop's thread, soon. */
	void post(Callback callback);

	/* Dispatch until exit(); returns its status, or 1 after a failed wait. */
	int run();
	void exit(int status);

	/* How many times epoll_wait returned: tests count idle wake-ups with it. */
	uint64_t wakeups() const { return wakeups_; }

private:
	void armTimer();
	void runTimers();
	void runPosted();

	Error error_{ 0, {} };
	UniqueFD epoll_;
	UniqueFD timer_;
	UniqueFD wake_;
	UniqueFD signals_;
	std::function<void(int)> onSignal_;

	std::map<int, Callback> watched_;
	std::map<std::pair<Clock::time_point, TimerId>, Callback> timers_;
	std::map<TimerId, Clock::time_point> timerDeadlines_;
	TimerId nextTimer_ = 1;
	Clock::time_point armedFor_ = Clock::time_point::max();

	std::mutex postedLock_;
	std::vector<Callback> posted_;

	bool running_ = false;
	int status_ = 0;
	uint64_t wakeups_ = 0;
};

} /* namespace kipvs */
