/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Set types by name, and set specifications as ipset prints them.
 */
#include "ipset/set_spec.h"

#include <array>
#include <utility>

namespace kipvs::ipset {

namespace {

constexpr std::array<std::pair<SetType, std::string_view>, 6> kTypeNames{ {
	{ SetType::HashIp, "hash:ip" },
	{ SetType::HashIpPort, "hash:ip,port" },
	{ SetType::HashIpPortIp, "hash:ip,port,ip" },
	{ SetType::HashIpPortNet, "hash:ip,port,net" },
	{ SetType::HashNet, "hash:net" },
	{ SetType::BitmapPort, "bitmap:port" },
} };

} /* namespace */

std::string_view typeName(SetType type)
{
	for (const auto &[value, name] : kTypeNames)
		if (value == type)
			return name;
	return "unknown";
}

std::optional<SetType> parseSetType(std::string_view name)
{
	for (const auto &[value, typeText] : kTypeNames)
		if (typeText == name)
			return value;
	return std::nullopt;
}

bool hasFamily(SetType type)
{
	return type != SetType::BitmapPort;
}

std::string SetSpec::toString() const
{
	std::string text = "create " + name + " " + std::string(typeName(type));
	if (hasFamily(type)) {
		text += family == AF_INET6 ? " family inet6" : " family inet";
		text += " hashsize " + std::to_string(hashSize);
		text += " maxelem " + std::to_string(maxElements);
	} else {
		text += " range " + std::to_string(portFrom) + "-" + std::to_string(portTo);
	}
	if (comment)
		text += " comment";
	return text;
}

} /* namespace kipvs::ipset */
