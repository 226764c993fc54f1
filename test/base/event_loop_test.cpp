/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs::EventLoop: timers in deadline order and cancellable, descriptors,
 * work posted from another thread, signals, and no wake-ups while idle.
 */
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/event_loop.h"

using kipvs::EventLoop;
using namespace std::chrono_literals;

TEST_CASE("timers fire in deadline order, once each; a cancelled one never", "[event-loop]")
{
	EventLoop loop;
	REQUIRE(loop.valid());
	std::string order;
	auto start = EventLoop::Clock::now();
	loop.at(start + 30ms, [&]() { order += "c"; loop.exit(0); });
	loop.at(start + 10ms, [&]() { order += "a"; });
	auto cancelled = loop.at(start + 20ms, [&]() { order += "x"; });
	loop.at(start + 15ms, [&]() { order += "b"; loop.cancel(cancelled); });
	CHECK(loop.run() == 0);
	CHECK(order == "abc");
	CHECK(EventLoop::Clock::now() - start >= 30ms);
}

TEST_CASE("a timer callback may arm the next one, and exit() ends run()", "[event-loop]")
{
	EventLoop loop;
	int ticks = 0;
	std::function<void()> tick = [&]() {
		if (++ticks == 3)
			loop.exit(7);
		else
			loop.after(1ms, tick);
	};
	loop.after(1ms, tick);
	CHECK(loop.run() == 7);
	CHECK(ticks == 3);
}

TEST_CASE("a watched descriptor calls back while readable, not after unwatch", "[event-loop]")
{
	EventLoop loop;
	int pipe[2];
	REQUIRE(::pipe(pipe) == 0);
	std::string read;
	REQUIRE(loop.watch(pipe[0], [&]() {
		char c;
		REQUIRE(::read(pipe[0], &c, 1) == 1);
		read += c;
		if (read == "ab") {
			loop.unwatch(pipe[0]);
			loop.after(5ms, [&]() { loop.exit(0); });
		}
	}));
	CHECK(!loop.watch(pipe[0], []() {}));
	REQUIRE(::write(pipe[1], "abc", 3) == 3);
	CHECK(loop.run() == 0);
	CHECK(read == "ab");
	::close(pipe[0]);
	::close(pipe[1]);
}

TEST_CASE("work posted from another thread runs on the loop", "[event-loop]")
{
	EventLoop loop;
	std::thread::id ranOn;
	std::thread worker([&]() {
		std::this_thread::sleep_for(10ms);
		loop.post([&]() { ranOn = std::this_thread::get_id(); loop.exit(0); });
	});
	CHECK(loop.run() == 0);
	worker.join();
	CHECK(ranOn == std::this_thread::get_id());
}

TEST_CASE("a handled signal arrives as a callback, not its default action", "[event-loop]")
{
	EventLoop loop;
	int got = 0;
	REQUIRE(loop.handleSignals({ SIGUSR2 }, [&](int signal) { got = signal; loop.exit(0); }));
	loop.after(1ms, []() { ::kill(::getpid(), SIGUSR2); });
	CHECK(loop.run() == 0);
	CHECK(got == SIGUSR2);
}

TEST_CASE("an idle loop wakes only when a timer is due", "[event-loop]")
{
	EventLoop loop;
	int pipe[2];
	REQUIRE(::pipe(pipe) == 0);
	REQUIRE(loop.watch(pipe[0], []() {}));
	loop.after(300ms, [&]() { loop.exit(0); });
	loop.at(EventLoop::Clock::time_point::max() - 1h, []() {});
	CHECK(loop.run() == 0);
	CHECK(loop.wakeups() == 1);
	::close(pipe[0]);
	::close(pipe[1]);
}
