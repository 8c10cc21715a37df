// Internal to collector_config: the YAML document as the loader works on it.
//
// yaml-cpp stays inside yaml_parse.cpp. Everything after parsing (merging
// overlays, env expansion, decoding) works on this small tree instead,
// because each node must remember which file and line it came from and how a
// scalar was written (quoted or not decides its type), and because overlay
// merging needs ownership semantics that yaml-cpp's shared nodes don't give.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spanline::collector::detail {

// Where a node was written. line/column are 1-based; 0 means unknown.
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line:col", "file" when the position is unknown, "" when both are.
std::string format_mark(const SourceMark& mark);

struct YamlNode {
  enum class Kind { kNull, kScalar, kMap, kSequence };
  // How a scalar was written; resolve_scalar() (scalar.h) types it from this.
  //   kPlain:    unquoted, typed by content (5 → int, true → bool), as YAML.
  //   kQuoted:   quoted or tagged !!str; always a string.
  //   kExpanded: the whole value was one ${...} reference. Typed by the
  //              expanded text like kPlain, but a string field still accepts
  //              it verbatim (the Collector keeps the original text too).
  enum class Style { kPlain, kQuoted, kExpanded };
  struct Entry;

  Kind kind = Kind::kNull;
  Style style = Style::kPlain;
  std::string text;             // kScalar
  std::vector<Entry> entries;   // kMap, in document order, keys unique
  std::vector<YamlNode> items;  // kSequence
  // For a merged map: the mark of the last file's map (the last file that
  // set something under it), so messages name the overlay that changed it.
  SourceMark mark;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_map() const { return kind == Kind::kMap; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }

  // The entry with this key, or nullptr (also when this is not a map).
  const Entry* find(std::string_view key) const;
  Entry* find(std::string_view key);
};

struct YamlNode::Entry {
  std::string key;
  SourceMark key_mark;
  YamlNode value;
};

// Parses one YAML document. On failure returns false and appends messages
// ("file:line:col: YAML syntax error: ...") to `errors`. Besides yaml-cpp's
// syntax errors this rejects what the Collector's parser rejects: duplicate
// keys and non-scalar keys. An empty document parses to null (no settings).
bool parse_yaml(std::string_view text, const std::string& file, YamlNode& out,
                std::vector<std::string>& errors);

// Merges `overlay` into `base` as the Collector merges config files: where
// both are maps, key by key (new keys appended, so order is first
// appearance); anything else (lists, scalars, null) replaces.
void merge_yaml(YamlNode& base, YamlNode&& overlay);

// The node a "::"-separated path names ("exporters::otlp::tls::insecure";
// a segment may end in "[i]" for a list item), or the deepest existing
// ancestor when the path runs out of document. Never null: at worst `root`.
const YamlNode& locate(const YamlNode& root, std::string_view path);

// Where to point a message about the node at `path`: a scalar's own mark;
// for a map, list or null, its key's (of the deepest existing ancestor when
// the path runs out of document).
SourceMark locate_mark(const YamlNode& root, std::string_view path);

}  // namespace spanline::collector::detail
