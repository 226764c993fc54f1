/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon asks of an object source (a manifests directory, the
 * Kubernetes API): deliver the initial state, then the changes, through the
 * EventHandler it was given.
 */
#pragma once

#include <functional>
#include <string>

#include "base/error.h"

namespace kipvs::proxy {

/*
 * Called on the daemon's thread only. start() returns once the initial
 * state has been delivered (the handler's synced() has been called), or
 * when stopRequested() says so, or on an error that stops the source; then
 * the daemon polls fd() and calls processEvents() when it is readable.
 */
class Source
{
public:
	virtual ~Source() = default;

	virtual Result<void> start(const std::function<bool()> &stopRequested) = 0;
	virtual int fd() const = 0;
	virtual Result<void> processEvents() = 0;
	/* The periodic full sync: look for what the source may have missed. */
	virtual Result<void> rescan() = 0;
	/* What it serves, for messages: "manifests DIR", "the API server at URL". */
	virtual std::string describe() const = 0;
};

} /* namespace kipvs::proxy */
