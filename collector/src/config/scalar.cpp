// Scalar typing: go-yaml's resolution rules for untyped scalars, which decide
// whether a plain YAML value is a bool, an int, a float or a string.
#include "config/scalar.h"

#include <charconv>
#include <limits>

namespace spanline::collector::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool one_of(std::string_view text, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (text == w) return true;
  }
  return false;
}

// [-+]?(0x…|0o…|0b…|digits); sets `out` (out_of_range when beyond int64).
bool resolve_int(std::string_view text, Scalar& out) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
    base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
    body.remove_prefix(2);
  }
  if (body.empty() || body[0] == '-' || body[0] == '+') return false;
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
  if (end != body.data() + body.size()) return false;
  out.type = Scalar::Type::kInt;
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (ec == std::errc::result_out_of_range || magnitude > limit + (negative ? 1 : 0)) {
    out.out_of_range = true;
    return true;
  }
  out.integer =
      negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

// YAML 1.2 core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float_syntax(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

bool resolve_float(std::string_view text, Scalar& out) {
  std::string_view body = text;
  double sign = 1;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (one_of(body, {".inf", ".Inf", ".INF"})) {
    out = {.type = Scalar::Type::kFloat, .number = sign * std::numeric_limits<double>::infinity()};
    return true;
  }
  if (one_of(text, {".nan", ".NaN", ".NAN"})) {
    out = {.type = Scalar::Type::kFloat, .number = std::numeric_limits<double>::quiet_NaN()};
    return true;
  }
  if (!is_float_syntax(text)) return false;
  double value = 0;
  // from_chars takes no leading '+'; the sign was stripped above.
  std::from_chars(body.data(), body.data() + body.size(), value);
  out = {.type = Scalar::Type::kFloat, .number = sign * value};
  return true;
}

}  // namespace

Scalar resolve_plain(std::string_view text) {
  Scalar out;
  if (one_of(text, {"", "~", "null", "Null", "NULL"})) return out;
  if (one_of(text, {"true", "True", "TRUE", "false", "False", "FALSE"})) {
    return {.type = Scalar::Type::kBool, .boolean = text[0] == 't' || text[0] == 'T'};
  }
  if (resolve_int(text, out) || resolve_float(text, out)) return out;
  out.type = Scalar::Type::kString;
  return out;
}

Scalar resolve_scalar(const YamlNode& node) {
  if (node.is_null()) return {};
  if (node.style == YamlNode::Style::kQuoted) return {.type = Scalar::Type::kString};
  return resolve_plain(node.text);
}

std::string describe(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "null";
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kScalar:
      break;
  }
  switch (resolve_scalar(node).type) {
    case Scalar::Type::kNull:
      return "null";
    case Scalar::Type::kBool:
      return "bool " + node.text;
    case Scalar::Type::kInt:
      return "int " + node.text;
    case Scalar::Type::kFloat:
      return "float " + node.text;
    case Scalar::Type::kString:
      break;
  }
  return "string \"" + node.text + "\"";
}

}  // namespace spanline::collector::detail
