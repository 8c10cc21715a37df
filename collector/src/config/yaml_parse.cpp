// yaml-cpp → YamlNode. The only file that sees yaml-cpp, so the rest of the
// loader (and everything that includes config.h) doesn't depend on it.
#include <yaml-cpp/yaml.h>

#include <set>

#include "config/yaml_node.h"

namespace spanline::collector::detail {
namespace {

// Aliases are expanded by copying, so a document of nested aliases ("billion
// laughs") could grow without bound; no real config comes near this.
constexpr std::size_t kMaxNodes = 1'000'000;

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

SourceMark to_mark(const YAML::Mark& m, const std::string& file) {
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

class Converter {
 public:
  Converter(const std::string& file, std::vector<std::string>& errors)
      : file_(file), errors_(errors) {}

  bool convert(const YAML::Node& in, YamlNode& out);

 private:
  bool convert_map(const YAML::Node& in, YamlNode& out);
  void error(const SourceMark& m, const std::string& message) {
    errors_.push_back(format_mark(m) + ": " + message);
  }

  const std::string& file_;
  std::vector<std::string>& errors_;
  std::size_t nodes_ = 0;
};

bool Converter::convert(const YAML::Node& in, YamlNode& out) {
  if (++nodes_ > kMaxNodes) {
    error({file_, 0, 0}, "document too large (more than 1000000 nodes after aliases)");
    return false;
  }
  out.mark = to_mark(in.Mark(), file_);
  switch (in.Type()) {
    case YAML::NodeType::Scalar:
      out.kind = YamlNode::Kind::kScalar;
      out.text = in.Scalar();
      // yaml-cpp tags plain scalars "?" and quoted ones "!"; an explicit
      // !!str also makes a string. Other explicit tags are typed by content.
      out.style = (in.Tag() == "!" || in.Tag() == kStrTag) ? YamlNode::Style::kQuoted
                                                           : YamlNode::Style::kPlain;
      return true;
    case YAML::NodeType::Sequence:
      out.kind = YamlNode::Kind::kSequence;
      for (const auto& item : in) {
        if (!convert(item, out.items.emplace_back())) return false;
      }
      return true;
    case YAML::NodeType::Map:
      return convert_map(in, out);
    default:
      out.kind = YamlNode::Kind::kNull;
      return true;
  }
}

bool Converter::convert_map(const YAML::Node& in, YamlNode& out) {
  out.kind = YamlNode::Kind::kMap;
  std::set<std::string> seen;
  bool ok = true;
  for (const auto& kv : in) {
    SourceMark key_mark = to_mark(kv.first.Mark(), file_);
    if (!kv.first.IsScalar()) {
      error(key_mark, "YAML syntax error: map keys must be scalars");
      ok = false;
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      error(key_mark, "YAML syntax error: key \"" + key + "\" already defined in this map");
      ok = false;
      continue;
    }
    YamlNode::Entry& entry = out.entries.emplace_back();
    entry.key = key;
    entry.key_mark = key_mark;
    if (!convert(kv.second, entry.value)) return false;
    // A null value has no position of its own worth showing; use its key's.
    if (entry.value.is_null()) entry.value.mark = key_mark;
  }
  if (!out.entries.empty() && out.mark.line == 0) out.mark = out.entries.front().key_mark;
  return ok;
}

}  // namespace

bool parse_yaml(std::string_view text, const std::string& file, YamlNode& out,
                std::vector<std::string>& errors) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors.push_back(format_mark(to_mark(e.mark, file)) + ": YAML syntax error: " + e.msg);
    return false;
  }
  out = YamlNode{};
  Converter converter(file, errors);
  bool ok = converter.convert(doc, out);
  if (out.mark.line == 0) out.mark = {file, 0, 0};
  return ok;
}

}  // namespace spanline::collector::detail
