/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-proxy's main loop: a source feeds the cache, the reconciler syncs
 * changed services as they come (no faster than --ipvs-min-sync-period)
 * and everything every --ipvs-sync-period, until SIGTERM or SIGINT.
 */
#pragma once

#include "proxy/config/config.h"

namespace kipvs::proxy {

/* Exit status of kipvs-proxy for this configuration. */
int runDaemon(const Config &config);

} /* namespace kipvs::proxy */
