// Internal to collector_config: what a YAML scalar means, the way the
// Collector's YAML parser (go-yaml) resolves an untyped scalar. A field
// decoder asks for the type it needs and reports a mismatch with describe().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/yaml_node.h"

namespace spanline::collector::detail {

struct Scalar {
  enum class Type { kNull, kBool, kInt, kFloat, kString };
  Type type = Type::kNull;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;          // kFloat
  bool out_of_range = false;  // kInt written, but beyond int64
};

// Types unquoted text: "", ~, null/Null/NULL → null; true/True/TRUE and the
// false forms → bool; decimal, 0x, 0o and 0b integers → int; YAML floats
// (1.5, 1e3, .inf, .nan) → float; anything else → string.
Scalar resolve_plain(std::string_view text);

// `node` (a null or scalar node) typed by how it was written: quoted text is
// always a string; plain and expanded text go through resolve_plain.
Scalar resolve_scalar(const YamlNode& node);

// For messages: `string "abc"`, `int 5`, `bool true`, `null`, `a map`.
std::string describe(const YamlNode& node);

}  // namespace spanline::collector::detail
