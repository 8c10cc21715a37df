// Internal to collector_config: collects every error and warning of one load,
// so a user sees all problems of a config at once, each as
// "file:line:col: path: message".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_node.h"

namespace spanline::collector::detail {

// "a::b" joined with "::"; an empty side gives the other unchanged.
std::string join_path(std::string_view prefix, std::string_view key);

// "a, b, c" for the "supported: ..." part of messages.
std::string join_names(const std::vector<std::string_view>& names);

class Diagnostics {
 public:
  explicit Diagnostics(bool lenient) : lenient_(lenient) {}

  bool lenient() const { return lenient_; }
  void error(const SourceMark& mark, std::string_view path, std::string_view message);
  void warning(const SourceMark& mark, std::string_view path, std::string_view message);
  // Something the Collector knows but spanline-collector doesn't (a component
  // type, a key, a pipeline type): an error, or when lenient a warning that
  // says the thing is ignored.
  void unsupported(const SourceMark& mark, std::string_view path, std::string_view message);
  // Messages already formatted elsewhere (YAML syntax errors).
  void add_errors(const std::vector<std::string>& messages);

  bool has_errors() const { return !errors_.empty(); }
  // Whether an error was reported at `path` or at one of its ancestors. The
  // loader skips validation problems there: after "expected a map" or a type
  // error, a "x is required" about the same place would only repeat it.
  bool has_error_at_or_above(std::string_view path) const;
  std::vector<std::string> take_errors() { return std::move(errors_); }
  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  bool lenient_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<std::string> error_paths_;
};

}  // namespace spanline::collector::detail
