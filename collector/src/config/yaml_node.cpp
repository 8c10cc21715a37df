// Tree operations on the loader's YAML document: lookup, overlay merging and
// path → position mapping for messages.
#include <charconv>
#include <optional>

#include "config/yaml_node.h"

namespace spanline::collector::detail {

std::string format_mark(const SourceMark& mark) {
  if (mark.line == 0) return mark.file;
  return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

const YamlNode::Entry* YamlNode::find(std::string_view key) const {
  for (const Entry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

YamlNode::Entry* YamlNode::find(std::string_view key) {
  return const_cast<Entry*>(static_cast<const YamlNode*>(this)->find(key));
}

void merge_yaml(YamlNode& base, YamlNode&& overlay) {
  if (!base.is_map() || !overlay.is_map()) {
    base = std::move(overlay);
    return;
  }
  for (YamlNode::Entry& entry : overlay.entries) {
    if (YamlNode::Entry* existing = base.find(entry.key)) {
      existing->key_mark = entry.key_mark;
      merge_yaml(existing->value, std::move(entry.value));
    } else {
      base.entries.push_back(std::move(entry));
    }
  }
  base.mark = overlay.mark;
}

namespace {

struct Step {
  const YamlNode* node;
  SourceMark mark;  // the node's, or its key's when the node is null
};

// One path segment: "key" or "key[3]".
std::optional<Step> descend(const YamlNode& node, std::string_view segment) {
  std::string_view key = segment;
  std::optional<std::size_t> index;
  if (auto open = segment.find('['); open != std::string_view::npos && segment.back() == ']') {
    key = segment.substr(0, open);
    std::size_t i = 0;
    std::string_view digits = segment.substr(open + 1, segment.size() - open - 2);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), i).ec == std::errc{}) {
      index = i;
    }
  }
  const YamlNode::Entry* entry = node.find(key);
  if (!entry) return std::nullopt;
  // A scalar is pointed at itself; a map, list or null at its key, which is
  // where a reader looks for "x is required" and the like.
  Step step{&entry->value, entry->value.is_scalar() ? entry->value.mark : entry->key_mark};
  if (!index) return step;
  if (!entry->value.is_sequence() || *index >= entry->value.items.size()) return step;
  const YamlNode& item = entry->value.items[*index];
  return Step{&item, item.mark};
}

Step walk(const YamlNode& root, std::string_view path) {
  Step at{&root, root.mark};
  while (!path.empty()) {
    std::size_t sep = path.find("::");
    std::string_view segment = path.substr(0, sep);
    path = sep == std::string_view::npos ? std::string_view{} : path.substr(sep + 2);
    std::optional<Step> next = descend(*at.node, segment);
    if (!next) break;
    at = *next;
  }
  return at;
}

}  // namespace

const YamlNode& locate(const YamlNode& root, std::string_view path) {
  return *walk(root, path).node;
}

SourceMark locate_mark(const YamlNode& root, std::string_view path) {
  return walk(root, path).mark;
}

}  // namespace spanline::collector::detail
