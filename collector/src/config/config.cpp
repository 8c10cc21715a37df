// The loader's entry points: read → parse → merge → expand → decode →
// validate, collecting every problem on the way (see LoadResult).
#include "config/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/decode.h"
#include "config/diagnostics.h"
#include "config/env_expand.h"
#include "config/yaml_node.h"

namespace spanline::collector {
namespace {

using detail::Diagnostics;
using detail::YamlNode;

detail::EnvLookup make_lookup(const LoadOptions& options) {
  if (options.environment) {
    const auto& env = *options.environment;
    return [&env](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

// Parses every text (reporting all syntax errors, not just the first file's)
// and merges them in order. nullopt when any failed to parse.
std::optional<YamlNode> parse_and_merge(
    const std::vector<std::pair<std::string, std::string>>& named_texts, Diagnostics& diag) {
  std::vector<std::string> errors;
  std::optional<YamlNode> merged;
  for (const auto& [name, text] : named_texts) {
    YamlNode doc;
    if (!detail::parse_yaml(text, name, doc, errors)) continue;
    if (!doc.is_null() && !doc.is_map()) {
      errors.push_back(detail::format_mark(doc.mark) + ": the top level must be a map");
      continue;
    }
    if (!merged) {
      merged = std::move(doc);
    } else {
      detail::merge_yaml(*merged, std::move(doc));
    }
  }
  diag.add_errors(errors);
  if (!errors.empty()) return std::nullopt;
  return merged;
}

LoadResult finish(Diagnostics& diag, std::optional<Config> config) {
  LoadResult result;
  if (!diag.has_errors()) result.config = std::move(config);
  result.errors = diag.take_errors();
  result.warnings = diag.take_warnings();
  return result;
}

}  // namespace

LoadResult load_config_text(const std::vector<std::pair<std::string, std::string>>& named_texts,
                            const LoadOptions& options) {
  Diagnostics diag(options.lenient);
  if (named_texts.empty()) {
    diag.error({}, "", "no configuration given");
    return finish(diag, std::nullopt);
  }
  std::optional<YamlNode> root = parse_and_merge(named_texts, diag);
  if (!root) return finish(diag, std::nullopt);
  detail::expand_env(*root, make_lookup(options), diag);
  Config config = detail::decode_document(*root, diag);
  // Filter against decoding's errors only, then report: two validation
  // problems at one path are both worth showing.
  ConfigProblems problems = config.validate();
  std::erase_if(problems,
                [&](const ConfigProblem& p) { return diag.has_error_at_or_above(p.path); });
  for (const ConfigProblem& p : problems) {
    diag.error(detail::locate_mark(*root, p.path), p.path, p.message);
  }
  return finish(diag, std::move(config));
}

LoadResult load_config(const std::vector<std::string>& paths, const LoadOptions& options) {
  std::vector<std::pair<std::string, std::string>> texts;
  LoadResult unreadable;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      unreadable.errors.push_back(path + ": cannot read: " + std::strerror(errno));
      continue;
    }
    texts.emplace_back(path, text.str());
  }
  if (!unreadable.errors.empty()) return unreadable;
  return load_config_text(texts, options);
}

}  // namespace spanline::collector
