/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a set is: its name, type, family and creation options.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace kipvs::ipset {

/* The set types kube-proxy's IPVS mode uses (kube-proxy-ipvs.md §5). */
enum class SetType : uint8_t {
	HashIp,
	HashIpPort,
	HashIpPortIp,
	HashIpPortNet,
	HashNet,
	BitmapPort,
};

/* The kernel's name of the type: "hash:ip,port". */
std::string_view typeName(SetType type);
/* The inverse of typeName(); nullopt for types kipvs does not use. */
std::optional<SetType> parseSetType(std::string_view name);
/* bitmap:port sets have no address family. */
bool hasFamily(SetType type);

struct SetSpec {
	std::string name;
	SetType type = SetType::HashIp;
	/* AF_INET or AF_INET6; ignored for bitmap:port. */
	int family = AF_INET;
	/* Hash types only: kube-proxy's values. */
	uint32_t hashSize = 1024;
	uint32_t maxElements = 65536;
	/* bitmap:port only: the inclusive port range. */
	uint16_t portFrom = 0;
	uint16_t portTo = 65535;
	/* Whether entries may carry a comment. */
	bool comment = false;

	/* "create NAME hash:ip,port family inet hashsize 1024 maxelem 65536" */
	std::string toString() const;
};

} /* namespace kipvs::ipset */
