// Field conversions with the Collector's (mapstructure's) strictness: no weak
// typing, so a quoted "100" is not an integer and a plain 5 is not a string,
// except that a whole ${...} reference serves both (the Collector keeps the
// expanded text next to its YAML type).
#include "config/map_reader.h"

#include <algorithm>
#include <cmath>

#include "config/scalar.h"

namespace spanline::collector::detail {
namespace {

bool is_string(const YamlNode& node) {
  return node.is_scalar() && (node.style != YamlNode::Style::kPlain ||
                              resolve_scalar(node).type == Scalar::Type::kString);
}

void type_error(const YamlNode& node, const std::string& path, Diagnostics& diag,
                std::string_view expected) {
  diag.error(node.mark, path, "expected " + std::string(expected) + ", got " + describe(node));
}

}  // namespace

bool to_string(const YamlNode& node, const std::string& path, Diagnostics& diag, std::string& out) {
  if (node.is_null()) return false;
  if (!is_string(node)) {
    type_error(node, path, diag, "a string");
    return false;
  }
  out = node.text;
  return true;
}

bool to_unsigned(const YamlNode& node, const std::string& path, Diagnostics& diag,
                 std::uint64_t max, std::uint64_t& out) {
  if (node.is_null()) return false;
  Scalar s = node.is_scalar() ? resolve_scalar(node) : Scalar{.type = Scalar::Type::kString};
  if (s.type != Scalar::Type::kInt) {
    type_error(node, path, diag, "a non-negative integer");
    return false;
  }
  if (s.out_of_range || s.integer < 0 || static_cast<std::uint64_t>(s.integer) > max) {
    diag.error(node.mark, path, "value " + node.text + " out of range 0.." + std::to_string(max));
    return false;
  }
  out = static_cast<std::uint64_t>(s.integer);
  return true;
}

bool to_bool(const YamlNode& node, const std::string& path, Diagnostics& diag, bool& out) {
  if (node.is_null()) return false;
  Scalar s = node.is_scalar() ? resolve_scalar(node) : Scalar{.type = Scalar::Type::kString};
  if (s.type != Scalar::Type::kBool) {
    type_error(node, path, diag, "a boolean (true or false)");
    return false;
  }
  out = s.boolean;
  return true;
}

bool to_double(const YamlNode& node, const std::string& path, Diagnostics& diag, double& out) {
  if (node.is_null()) return false;
  Scalar s = node.is_scalar() ? resolve_scalar(node) : Scalar{.type = Scalar::Type::kString};
  if (s.type == Scalar::Type::kInt && !s.out_of_range) {
    out = static_cast<double>(s.integer);
    return true;
  }
  if (s.type != Scalar::Type::kFloat || std::isnan(s.number) || std::isinf(s.number)) {
    type_error(node, path, diag, "a number");
    return false;
  }
  out = s.number;
  return true;
}

bool to_duration(const YamlNode& node, const std::string& path, Diagnostics& diag, Duration& out) {
  if (node.is_null()) return false;
  Scalar s = node.is_scalar() ? resolve_scalar(node) : Scalar{.type = Scalar::Type::kFloat};
  std::optional<Duration> value;
  if (s.type == Scalar::Type::kInt && !s.out_of_range) {
    value = Duration{s.integer};  // the Collector reads a bare integer as nanoseconds
  } else if (s.type == Scalar::Type::kString) {
    value = parse_duration(node.text);
  }
  if (!value) {
    type_error(node, path, diag, "a duration such as \"200ms\", \"5s\" or \"1m30s\"");
    return false;
  }
  if (value->count() < 0) {
    diag.error(node.mark, path, "duration " + node.text + " must not be negative");
    return false;
  }
  out = *value;
  return true;
}

bool to_string_list(const YamlNode& node, const std::string& path, Diagnostics& diag,
                    std::vector<std::string>& out) {
  if (node.is_null()) return false;
  std::vector<std::string> items;
  if (node.is_sequence()) {
    bool ok = true;
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      std::string path_i = path + "[" + std::to_string(i) + "]";
      std::string& item = items.emplace_back();
      if (!to_string(node.items[i], path_i, diag, item)) {
        if (node.items[i].is_null()) type_error(node.items[i], path_i, diag, "a string");
        ok = false;
      }
    }
    if (!ok) return false;
  } else {
    if (!is_string(node)) {
      type_error(node, path, diag, "a list of strings");
      return false;
    }
    const std::string& text = node.text;
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t comma = std::min(text.find(',', start), text.size());
      items.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
  }
  out = std::move(items);
  return true;
}

}  // namespace spanline::collector::detail

namespace spanline::collector::detail {

MapReader::MapReader(const YamlNode* node, std::string path, Diagnostics& diag,
                     std::vector<std::string_view> supported)
    : node_(node), path_(std::move(path)), diag_(diag), mark_(node ? node->mark : SourceMark{}) {
  if (!node_ || node_->is_null()) return;
  if (!node_->is_map()) {
    diag_.error(node_->mark, path_, "expected a map, got " + describe(*node_));
    node_ = nullptr;
    ok_ = false;
    return;
  }
  for (const YamlNode::Entry& e : node_->entries) {
    if (std::find(supported.begin(), supported.end(), e.key) != supported.end()) continue;
    diag_.unsupported(e.key_mark, path_of(e.key),
                      "unsupported key \"" + e.key + "\"; supported: " + join_names(supported));
  }
}

const YamlNode* MapReader::get(std::string_view key) const {
  const YamlNode::Entry* e = node_ ? node_->find(key) : nullptr;
  return e && !e->value.is_null() ? &e->value : nullptr;
}

bool MapReader::present(std::string_view key) const {
  return node_ && node_->find(key) != nullptr;
}

void MapReader::read(std::string_view key, std::string& out) {
  if (const YamlNode* node = get(key)) to_string(*node, path_of(key), diag_, out);
}

void MapReader::read(std::string_view key, std::optional<std::string>& out) {
  std::string value;
  if (const YamlNode* node = get(key); node && to_string(*node, path_of(key), diag_, value)) {
    out = std::move(value);
  }
}

void MapReader::read(std::string_view key, bool& out) {
  if (const YamlNode* node = get(key)) to_bool(*node, path_of(key), diag_, out);
}

void MapReader::read(std::string_view key, double& out) {
  if (const YamlNode* node = get(key)) to_double(*node, path_of(key), diag_, out);
}

void MapReader::read(std::string_view key, Duration& out) {
  if (const YamlNode* node = get(key)) to_duration(*node, path_of(key), diag_, out);
}

void MapReader::read(std::string_view key, std::vector<std::string>& out) {
  if (const YamlNode* node = get(key)) to_string_list(*node, path_of(key), diag_, out);
}

}  // namespace spanline::collector::detail
