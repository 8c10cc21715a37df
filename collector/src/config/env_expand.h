// Internal to collector_config: ${...} expansion in scalar values.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/diagnostics.h"
#include "config/yaml_node.h"

namespace spanline::collector::detail {

// The value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Expands, in every scalar value under `root` (never in keys, as the
// Collector), ${env:NAME}, ${NAME}, ${env:NAME:-default} and $$ (a literal
// $). A `$` before anything else stays as it is.
//
// An unset variable without a default expands to "" and is warned about; a
// set but empty one stays empty (the default is for unset only), as the
// Collector's env provider. A scalar that is exactly one reference takes the
// type of the expanded text as YAML: "4318" becomes an int, "[a, b]" a list
// (Style::kExpanded, see yaml_node.h). Expanded text is not expanded again.
// Malformed references ("${env:", "${}", "${file:x}") are errors naming the
// path and the text.
void expand_env(YamlNode& root, const EnvLookup& lookup, Diagnostics& diag);

}  // namespace spanline::collector::detail
