/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EventLoop over epoll, one timerfd for the earliest deadline, an eventfd for
 * work posted from other threads, and a signalfd.
 */
#include "base/event_loop.h"

#include <cerrno>
#include <cstring>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

namespace kipvs {

EventLoop::EventLoop()
	: epoll_(epoll_create1(EPOLL_CLOEXEC)),
	  timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
	  wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
	if (!epoll_.valid() || !timer_.valid() || !wake_.valid()) {
		error_ = Error(errno, "create the event loop");
		return;
	}
	for (int fd : { timer_.get(), wake_.get() }) {
		struct epoll_event event = {};
		event.events = EPOLLIN;
		event.data.fd = fd;
		if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
			error_ = Error(errno, "create the event loop");
			return;
		}
	}
}

/**
 * \brief Call onReadable whenever fd is readable (level-triggered)
 * \return An Error when epoll refuses the descriptor (or it is watched already)
 */
Result<void> EventLoop::watch(int fd, Callback onReadable)
{
	struct epoll_event event = {};
	event.events = EPOLLIN;
	event.data.fd = fd;
	if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0)
		return Error(errno, "watch descriptor", std::to_string(fd));
	watched_[fd] = std::move(onReadable);
	return {};
}

void EventLoop::unwatch(int fd)
{
	if (watched_.erase(fd))
		epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::at(Clock::time_point when, Callback callback)
{
	TimerId id = nextTimer_++;
	timers_.emplace(std::make_pair(when, id), std::move(callback));
	timerDeadlines_.emplace(id, when);
	armTimer();
	return id;
}

void EventLoop::cancel(TimerId id)
{
	auto deadline = timerDeadlines_.find(id);
	if (deadline == timerDeadlines_.end())
		return;
	timers_.erase(std::make_pair(deadline->second, id));
	timerDeadlines_.erase(deadline);
	armTimer();
}

/* Arm the timerfd for the earliest deadline (disarm it when there is none). */
void EventLoop::armTimer()
{
	Clock::time_point next = timers_.empty() ? Clock::time_point::max() : timers_.begin()->first.first;
	if (next == armedFor_)
		return;
	armedFor_ = next;
	struct itimerspec spec = {};
	if (next != Clock::time_point::max()) {
		auto since = next.time_since_epoch();
		auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
		auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds);
		spec.it_value.tv_sec = seconds.count();
		spec.it_value.tv_nsec = nanoseconds.count();
		/* A deadline at the clock's origin would read as "disarm". */
		if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
			spec.it_value.tv_nsec = 1;
	}
	/* steady_clock is CLOCK_MONOTONIC on Linux: absolute deadlines carry over. */
	timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::runTimers()
{
	uint64_t expirations;
	while (read(timer_.get(), &expirations, sizeof(expirations)) > 0) {
	}
	auto now = Clock::now();
	/* One at a time: a callback may add or cancel timers. */
	while (!timers_.empty() && timers_.begin()->first.first <= now) {
		auto first = timers_.begin();
		Callback callback = std::move(first->second);
		timerDeadlines_.erase(first->first.second);
		timers_.erase(first);
		callback();
		if (!running_)
			break;
	}
	armedFor_ = Clock::time_point::min();
	armTimer();
}

/**
 * \brief Deliver these signals through onSignal instead of their default action
 *
 * They are blocked in the calling thread (and so in every thread it starts
 * afterwards) and read from a signalfd by the loop.
 */
Result<void> EventLoop::handleSignals(const std::vector<int> &signals, std::function<void(int)> onSignal)
{
	sigset_t set;
	sigemptyset(&set);
	for (int signal : signals)
		sigaddset(&set, signal);
	if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0)
		return Error(errno, "block signals");
	signals_.reset(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
	if (!signals_.valid())
		return Error(errno, "signalfd");
	onSignal_ = std::move(onSignal);
	return watch(signals_.get(), [this]() {
		struct signalfd_siginfo info;
		while (read(signals_.get(), &info, sizeof(info)) == sizeof(info)) {
			onSignal_(static_cast<int>(info.ssi_signo));
			if (!running_)
				return;
		}
	});
}

void EventLoop::post(Callback callback)
{
	{
		std::lock_guard<std::mutex> guard(postedLock_);
		posted_.push_back(std::move(callback));
	}
	uint64_t one = 1;
	ssize_t written = write(wake_.get(), &one, sizeof(one));
	(void)written; /* EAGAIN: the counter is full, the loop wakes anyway */
}

void EventLoop::runPosted()
{
	uint64_t count;
	while (read(wake_.get(), &count, sizeof(count)) > 0) {
	}
	std::vector<Callback> work;
	{
		std::lock_guard<std::mutex> guard(postedLock_);
		work.swap(posted_);
	}
	for (Callback &callback : work) {
		callback();
		if (!running_)
			return;
	}
}

void EventLoop::exit(int status)
{
	status_ = status;
	running_ = false;
}

/**
 * \brief Dispatch events until a callback calls exit()
 * \return The status given to exit(), or 1 when waiting itself failed
 */
int EventLoop::run()
{
	running_ = true;
	struct epoll_event events[16];
	while (running_) {
		int count = epoll_wait(epoll_.get(), events, 16, -1);
		++wakeups_;
		if (count < 0) {
			if (errno == EINTR)
				continue;
			error_ = Error(errno, "wait for events");
			return 1;
		}
		for (int i = 0; i < count && running_; ++i) {
			int fd = events[i].data.fd;
			if (fd == timer_.get()) {
				runTimers();
			} else if (fd == wake_.get()) {
				runPosted();
			} else if (auto watched = watched_.find(fd); watched != watched_.end()) {
				/* A copy: the callback may unwatch itself. */
				Callback callback = watched->second;
				callback();
			}
		}
	}
	return status_;
}

} /* namespace kipvs */
