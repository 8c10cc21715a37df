// Internal to collector_config: typed reading of one YAML map into a config
// struct, with the Collector's decoding rules. Component decoders are lists
// of `r.read("key", cfg.field)`; this class does the type checks and reports
// each mismatch with the path and the bad value, so decoding goes on and
// every problem of a config is reported in one run.
#pragma once

#include <concepts>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_node.h"

namespace spanline::collector::detail {

// Single-value conversions, also used for list items. Each returns false,
// leaving `out` alone, for null (the Collector keeps the default then) and
// after reporting a type error at `path`.
bool to_string(const YamlNode& node, const std::string& path, Diagnostics& diag, std::string& out);
bool to_unsigned(const YamlNode& node, const std::string& path, Diagnostics& diag,
                 std::uint64_t max, std::uint64_t& out);
bool to_bool(const YamlNode& node, const std::string& path, Diagnostics& diag, bool& out);
bool to_double(const YamlNode& node, const std::string& path, Diagnostics& diag, double& out);
// Go duration text, or a plain integer of nanoseconds; negative is an error.
bool to_duration(const YamlNode& node, const std::string& path, Diagnostics& diag, Duration& out);
// A list of strings; a single string is split on ',' (the Collector's
// string-to-slice rule, so `receivers: otlp` works as `[otlp]`).
bool to_string_list(const YamlNode& node, const std::string& path, Diagnostics& diag,
                    std::vector<std::string>& out);

class MapReader {
 public:
  // `node` null or nullptr (key absent or written without a value): every
  // read keeps its default. Not a map: reported, read as empty. Keys outside
  // `supported` are reported at once as unsupported, listing `supported`.
  MapReader(const YamlNode* node, std::string path, Diagnostics& diag,
            std::vector<std::string_view> supported);

  // False when the node was something other than a map or null (already
  // reported): callers skip their "x is required" checks then.
  bool ok() const { return ok_; }
  // The value under `key`; nullptr when the key is absent or its value null.
  const YamlNode* get(std::string_view key) const;
  // The key is written, even without a value (`grpc:` means "on").
  bool present(std::string_view key) const;
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  const std::string& path() const { return path_; }
  Diagnostics& diag() const { return diag_; }
  // Where the map itself is (for "x is required" messages).
  const SourceMark& mark() const { return mark_; }

  // Each leaves `out` alone when the key is absent or null.
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, std::optional<std::string>& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, double& out);
  void read(std::string_view key, Duration& out);
  void read(std::string_view key, std::vector<std::string>& out);
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) void read(std::string_view key, T& out) {
    std::uint64_t value = 0;
    if (const YamlNode* node = get(key);
        node && to_unsigned(*node, path_of(key), diag_, std::numeric_limits<T>::max(), value)) {
      out = static_cast<T>(value);
    }
  }
  // A string that must be one of `choices` (compared case-sensitively).
  template <class E>
  void read_enum(std::string_view key, const std::vector<std::pair<std::string_view, E>>& choices,
                 E& out) {
    std::string text;
    const YamlNode* node = get(key);
    if (!node || !to_string(*node, path_of(key), diag_, text)) return;
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) {
      if (name == text) {
        out = value;
        return;
      }
      if (!name.empty()) names.push_back(name);
    }
    diag_.error(node->mark, path_of(key),
                "unsupported value \"" + text + "\"; supported: " + join_names(names));
  }

 private:
  const YamlNode* node_;
  std::string path_;
  Diagnostics& diag_;
  SourceMark mark_;
  bool ok_ = true;
};

}  // namespace spanline::collector::detail
