#include "config/env_expand.h"

namespace spanline::collector::detail {
namespace {

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Nodes parsed from a variable's text point at the reference that produced
// them: positions inside the variable would name the wrong file's lines.
void restamp(YamlNode& node, const SourceMark& mark) {
  node.mark = mark;
  for (YamlNode::Entry& e : node.entries) {
    e.key_mark = mark;
    restamp(e.value, mark);
  }
  for (YamlNode& item : node.items) restamp(item, mark);
}

// A scalar that was exactly one reference: typed from its text as YAML. The
// Collector parses the text as YAML, so a variable can hold a list or a map;
// unparseable text stays a string.
void retype_whole_reference(YamlNode& node) {
  node.style = YamlNode::Style::kExpanded;
  YamlNode parsed;
  std::vector<std::string> ignored;
  if (parse_yaml(node.text, node.mark.file, parsed, ignored) &&
      (parsed.is_map() || parsed.is_sequence())) {
    restamp(parsed, node.mark);
    node = std::move(parsed);
  }
}

class Expander {
 public:
  Expander(const EnvLookup& lookup, Diagnostics& diag) : lookup_(lookup), diag_(diag) {}

  void walk(YamlNode& node, const std::string& path);

 private:
  void expand_scalar(YamlNode& node, const std::string& path);
  // The value of one reference's content ("env:NAME:-x"); nullopt after
  // reporting an error.
  std::optional<std::string> resolve(std::string_view inner, const YamlNode& node,
                                     const std::string& path);
  void fail(const YamlNode& node, const std::string& path, std::string_view ref,
            std::string_view why) {
    diag_.error(node.mark, path,
                "malformed reference \"" + std::string(ref) + "\" in \"" + node.text +
                    "\": " + std::string(why));
  }

  const EnvLookup& lookup_;
  Diagnostics& diag_;
};

void Expander::walk(YamlNode& node, const std::string& path) {
  switch (node.kind) {
    case YamlNode::Kind::kScalar:
      expand_scalar(node, path);
      break;
    case YamlNode::Kind::kMap:
      for (YamlNode::Entry& e : node.entries) walk(e.value, join_path(path, e.key));
      break;
    case YamlNode::Kind::kSequence:
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        walk(node.items[i], path + "[" + std::to_string(i) + "]");
      }
      break;
    case YamlNode::Kind::kNull:
      break;
  }
}

std::optional<std::string> Expander::resolve(std::string_view inner, const YamlNode& node,
                                             const std::string& path) {
  std::string ref = "${" + std::string(inner) + "}";
  std::string_view rest = inner;
  if (std::size_t colon = inner.find(':'); colon != std::string_view::npos) {
    std::string_view scheme = inner.substr(0, colon);
    if (scheme != "env") {
      bool looks_like_default = inner.substr(colon + 1).starts_with("-");
      fail(node, path, ref,
           "unsupported provider scheme \"" + std::string(scheme) + "\"; supported: env" +
               (looks_like_default ? " (for a default write ${env:NAME:-default})" : ""));
      return std::nullopt;
    }
    rest = inner.substr(colon + 1);
  }
  std::optional<std::string_view> fallback;
  std::string_view name = rest;
  if (std::size_t sep = rest.find(":-"); sep != std::string_view::npos) {
    name = rest.substr(0, sep);
    fallback = rest.substr(sep + 2);
  }
  if (!valid_env_name(name)) {
    fail(node, path, ref,
         "invalid environment variable name \"" + std::string(name) +
             "\" (letters, digits and _, not starting with a digit)");
    return std::nullopt;
  }
  if (std::optional<std::string> value = lookup_(std::string(name))) return value;
  if (fallback) return std::string(*fallback);
  diag_.warning(node.mark, path,
                "environment variable " + std::string(name) + " is not set; expanded to \"\"");
  return std::string();
}

void Expander::expand_scalar(YamlNode& node, const std::string& path) {
  const std::string& text = node.text;
  if (text.find('$') == std::string::npos) return;
  std::string out;
  int references = 0;
  bool other_text = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") != 0) {
      bool escaped = text.compare(i, 2, "$$") == 0;
      out += text[i];
      i += escaped ? 2 : 1;
      other_text = true;
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string::npos) return fail(node, path, text.substr(i), "no closing }");
    std::string_view inner = std::string_view(text).substr(i + 2, close - i - 2);
    if (inner.find('{') != std::string_view::npos || inner.find('$') != std::string_view::npos) {
      return fail(node, path, text.substr(i, close + 1 - i), "nested references are not supported");
    }
    std::optional<std::string> value = resolve(inner, node, path);
    if (!value) return;
    out += *value;
    ++references;
    i = close + 1;
  }
  node.text = std::move(out);
  if (references == 1 && !other_text) {
    retype_whole_reference(node);
  } else {
    // Text around a reference (or an escaped $) makes a string, as
    // concatenation does in the Collector.
    node.style = YamlNode::Style::kQuoted;
  }
}

}  // namespace

void expand_env(YamlNode& root, const EnvLookup& lookup, Diagnostics& diag) {
  Expander(lookup, diag).walk(root, "");
}

}  // namespace spanline::collector::detail
