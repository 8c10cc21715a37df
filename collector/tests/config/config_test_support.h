// Helpers shared by the config tests: loading inline YAML over a minimal
// valid config, and matching messages by substrings.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"

namespace spanline::collector::test {

inline std::string testdata(std::string_view name) {
  return std::string(SPANLINE_COLLECTOR_TESTDATA) + "/config/" + std::string(name);
}

// The smallest valid config. Tests overlay a snippet on it, so each test's
// YAML shows only what it is about.
inline constexpr std::string_view kMinimal = R"(
receivers:
  otlp:
    protocols:
      grpc:
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
)";

// Options with a fixed environment (never the process's), so tests are
// hermetic.
inline LoadOptions options(std::map<std::string, std::string> env = {}, bool lenient = false) {
  LoadOptions o;
  o.lenient = lenient;
  o.environment = std::move(env);
  return o;
}

struct Load {
  std::map<std::string, std::string> env;
  bool lenient = false;
};

// `yaml` alone (named "test.yaml").
inline LoadResult load_text(std::string_view yaml, Load opts = {}) {
  return load_config_text({{"test.yaml", std::string(yaml)}}, options(opts.env, opts.lenient));
}

// `snippet` ("test.yaml") merged over kMinimal ("base.yaml").
inline LoadResult load_over_minimal(std::string_view snippet, Load opts = {}) {
  return load_config_text(
      {{"base.yaml", std::string(kMinimal)}, {"test.yaml", std::string(snippet)}},
      options(opts.env, opts.lenient));
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out.empty() ? " (none)" : out;
}

// One message contains every part.
inline ::testing::AssertionResult has_message(const std::vector<std::string>& messages,
                                              const std::vector<std::string_view>& parts) {
  for (const std::string& m : messages) {
    bool all = true;
    for (std::string_view p : parts) all = all && m.find(p) != std::string::npos;
    if (all) return ::testing::AssertionSuccess();
  }
  std::string wanted;
  for (std::string_view p : parts) wanted += " [" + std::string(p) + "]";
  return ::testing::AssertionFailure()
         << "no message with" << wanted << "; got:" << join_lines(messages);
}

// The load failed with an error containing every part.
inline ::testing::AssertionResult fails_with(const LoadResult& r,
                                             const std::vector<std::string_view>& parts) {
  if (r.config) return ::testing::AssertionFailure() << "loaded without errors";
  return has_message(r.errors, parts);
}

inline ::testing::AssertionResult loads_cleanly(const LoadResult& r) {
  if (r.config && r.errors.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "errors:" << join_lines(r.errors);
}

// A snippet (over kMinimal) that must fail with a message containing every
// part; the table-driven validation tests are lists of these.
struct RejectCase {
  const char* name;  // the gtest parameter name
  const char* yaml;
  std::vector<std::string_view> parts;
};

inline std::string case_name(const ::testing::TestParamInfo<RejectCase>& info) {
  return info.param.name;
}

// The settings of component `id` in `section`, which must exist with type T.
template <class T>
const T& settings_of(const std::vector<Component>& section, std::string_view id) {
  const Component* c = find_component(section, id);
  if (!c) throw std::runtime_error("no component " + std::string(id));
  return std::get<T>(c->settings);
}

}  // namespace spanline::collector::test
