// Top level of decoding: the sections, component ids and the registry of
// supported component types.
#include <algorithm>

#include "config/decode.h"
#include "config/scalar.h"

namespace spanline::collector::detail {
namespace {

bool is_type_char(char c, bool first) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return letter || (!first && ((c >= '0' && c <= '9') || c == '_'));
}

std::vector<std::string_view> type_names(const std::vector<ComponentKind>& kinds) {
  std::vector<std::string_view> names;
  for (const ComponentKind& k : kinds) names.push_back(k.type);
  return names;
}

// One section ("receivers", ...): each entry id → Component, or reported and
// added to `dropped`.
void decode_section(const YamlNode* node, std::string_view section, std::string_view singular,
                    const std::vector<ComponentKind>& kinds, Diagnostics& diag,
                    std::vector<Component>& out, std::set<std::string>& dropped) {
  if (!node) return;
  if (!node->is_map()) {
    diag.error(node->mark, section, "expected a map of component ids, got " + describe(*node));
    return;
  }
  for (const YamlNode::Entry& e : node->entries) {
    std::string path = join_path(section, e.key);
    std::string type, name, why;
    if (!split_component_id(e.key, type, name, why)) {
      diag.error(e.key_mark, path, "invalid component id \"" + e.key + "\": " + why);
      dropped.insert(e.key);
      continue;
    }
    auto kind = std::find_if(kinds.begin(), kinds.end(),
                             [&](const ComponentKind& k) { return k.type == type; });
    if (kind == kinds.end()) {
      diag.unsupported(e.key_mark, path,
                       "unknown " + std::string(singular) + " type \"" + type +
                           "\"; supported: " + join_names(type_names(kinds)));
      dropped.insert(e.key);
      continue;
    }
    const YamlNode* value = e.value.is_null() ? nullptr : &e.value;
    out.push_back(Component{e.key, type, kind->decode(value, path, diag)});
  }
}

// Connectors join pipelines, which spanline-collector doesn't do; an empty
// section is accepted because generated configs often carry one.
void check_connectors(const YamlNode* node, Diagnostics& diag, DroppedIds& dropped) {
  if (!node || (node->is_map() && node->entries.empty())) return;
  diag.unsupported(node->mark, "connectors",
                   "connectors are not supported (only an empty connectors section is accepted)");
  for (const YamlNode::Entry& e : node->entries) {
    dropped["receivers"].insert(e.key);
    dropped["exporters"].insert(e.key);
  }
}

}  // namespace

bool split_component_id(std::string_view id, std::string& type, std::string& name,
                        std::string& why) {
  std::size_t slash = id.find('/');
  std::string_view t = id.substr(0, slash);
  if (t.empty() || !is_type_char(t[0], true) ||
      !std::all_of(t.begin(), t.end(), [](char c) { return is_type_char(c, false); })) {
    why = "the type must be a letter followed by letters, digits or _";
    return false;
  }
  std::string_view n = slash == std::string_view::npos ? std::string_view{} : id.substr(slash + 1);
  if (slash != std::string_view::npos) {
    bool bad = n.empty() || std::any_of(n.begin(), n.end(), [](char c) {
                 return c == '/' || static_cast<unsigned char>(c) <= ' ' || c == '\x7f';
               });
    if (bad) {
      why = "expected \"type\" or \"type/name\" with a non-empty name without '/' or spaces";
      return false;
    }
  }
  type = t;
  name = n;
  return true;
}

const std::vector<ComponentKind>& receiver_kinds() {
  static const std::vector<ComponentKind> kinds = {{"otlp", decode_otlp_receiver}};
  return kinds;
}

const std::vector<ComponentKind>& processor_kinds() {
  static const std::vector<ComponentKind> kinds = {
      {"batch", decode_batch},
      {"memory_limiter", decode_memory_limiter},
      {"resource", decode_resource},
      {"attributes", decode_attributes},
      {"probabilistic_sampler", decode_probabilistic_sampler}};
  return kinds;
}

const std::vector<ComponentKind>& exporter_kinds() {
  static const std::vector<ComponentKind> kinds = {{"otlp", decode_otlp_grpc_exporter},
                                                   {"otlp_grpc", decode_otlp_grpc_exporter},
                                                   {"otlphttp", decode_otlp_http_exporter},
                                                   {"otlp_http", decode_otlp_http_exporter},
                                                   {"debug", decode_debug_exporter}};
  return kinds;
}

const std::vector<ComponentKind>& extension_kinds() {
  static const std::vector<ComponentKind> kinds = {{"bearertokenauth", decode_bearertokenauth},
                                                   {"health_check", decode_health_check}};
  return kinds;
}

Config decode_document(const YamlNode& root, Diagnostics& diag) {
  Config config;
  DroppedIds dropped;
  MapReader top(&root, "", diag,
                {"receivers", "processors", "exporters", "extensions", "service", "connectors"});
  decode_section(top.get("receivers"), "receivers", "receiver", receiver_kinds(), diag,
                 config.receivers, dropped["receivers"]);
  decode_section(top.get("processors"), "processors", "processor", processor_kinds(), diag,
                 config.processors, dropped["processors"]);
  decode_section(top.get("exporters"), "exporters", "exporter", exporter_kinds(), diag,
                 config.exporters, dropped["exporters"]);
  decode_section(top.get("extensions"), "extensions", "extension", extension_kinds(), diag,
                 config.extensions, dropped["extensions"]);
  check_connectors(top.get("connectors"), diag, dropped);
  decode_service(top.get("service"), dropped, diag, config);
  return config;
}

}  // namespace spanline::collector::detail
