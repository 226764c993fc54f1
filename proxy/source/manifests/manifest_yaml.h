/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML manifest documents through libyaml's event parser into ManifestValue trees.
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy {

/*
 * readManifestDocuments() for a text that is not strict JSON: the same
 * contract (each document in turn, built in arena; nullopt, or where and
 * why the text is not YAML). Used by readManifestDocuments() only.
 */
std::optional<std::string>
readYamlDocuments(std::string_view text, ManifestArena &arena,
		  const std::function<void(const ManifestValue &document)> &onDocument);

} /* namespace kipvs::proxy */
