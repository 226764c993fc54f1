/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reconciler's configuration, made from kube-proxy's flags and the
 * node's addresses.
 */
#pragma once

#include <set>
#include <string>

#include "base/address.h"
#include "proxy/config/config.h"
#include "proxy/reconcile/reconciler.h"

namespace kipvs::proxy {

/*
 * How the reconciler is configured from the flags and the node's addresses
 * (IPv6 services are programmed when the node has IPv6); stateFile is
 * where ownership is kept ("" keeps it in memory only).
 */
ReconcilerConfig makeReconcilerConfig(const Config &config,
				      const std::set<IpAddress> &localAddresses,
				      std::string stateFile);

} /* namespace kipvs::proxy */
