/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The order ipvsadm lists services and real servers in: its comparators
 * (unsigned 32-bit differences read as int, so they wrap) under glibc's
 * merge sort.
 */
#pragma once

#include <vector>

#include "ipvs/kipvsadm/ipvs_source.h"

namespace kipvs::ipvsadm {

/* <0, 0, >0 exactly as ipvsadm's comparators answer, wrap-around included. */
int compareServices(const ipvs::VirtualServer &a, const ipvs::VirtualServer &b);
int compareRealServers(const ipvs::RealServer &a, const ipvs::RealServer &b);

void sortServices(std::vector<ipvs::VirtualServer> &services);
void sortServices(std::vector<ServiceWithRealServers> &services);
void sortRealServers(std::vector<ipvs::RealServer> &realServers);

} /* namespace kipvs::ipvsadm */
