#include <algorithm>
#include <cctype>

#include "config/decode.h"
#include "config/scalar.h"

namespace spanline::collector::detail {
namespace {

// An attribute `value`: any YAML scalar, typed as written.
std::optional<ConfigValue> to_config_value(const YamlNode& node, const std::string& path,
                                           Diagnostics& diag) {
  if (!node.is_scalar()) {
    diag.error(node.mark, path,
               "expected a scalar (string, integer, float or bool), got " + describe(node));
    return std::nullopt;
  }
  Scalar s = resolve_scalar(node);
  switch (s.type) {
    case Scalar::Type::kNull:
      return std::nullopt;
    case Scalar::Type::kBool:
      return s.boolean;
    case Scalar::Type::kFloat:
      return s.number;
    case Scalar::Type::kInt:
      if (!s.out_of_range) return s.integer;
      diag.error(node.mark, path, "integer " + node.text + " out of 64-bit range");
      return std::nullopt;
    case Scalar::Type::kString:
      break;
  }
  return node.text;
}

void read_action_kind(MapReader& r, AttributeAction& a) {
  const YamlNode* node = r.get("action");
  std::string text;
  if (!node) {
    r.diag().error(r.mark(), r.path_of("action"),
                   "action is required; supported: insert, update, upsert, delete");
    return;
  }
  if (!to_string(*node, r.path_of("action"), r.diag(), text)) return;
  // The Collector compares actions case-insensitively.
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::vector<std::pair<std::string_view, AttributeActionKind>> kKinds = {
      {"insert", AttributeActionKind::kInsert},
      {"update", AttributeActionKind::kUpdate},
      {"upsert", AttributeActionKind::kUpsert},
      {"delete", AttributeActionKind::kDelete}};
  for (const auto& [name, kind] : kKinds) {
    if (name == text) {
      a.action = kind;
      return;
    }
  }
  r.diag().error(
      node->mark, r.path_of("action"),
      "unsupported action \"" + node->text + "\"; supported: insert, update, upsert, delete");
}

AttributeAction decode_action(const YamlNode& node, const std::string& path, Diagnostics& diag) {
  AttributeAction a;
  MapReader r(&node, path, diag, {"key", "action", "value", "from_attribute"});
  if (!r.ok()) return a;
  r.read("key", a.key);
  read_action_kind(r, a);
  if (const YamlNode* value = r.get("value"))
    a.value = to_config_value(*value, r.path_of("value"), diag);
  r.read("from_attribute", a.from_attribute);
  return a;
}

// `list_key` is where the actions are: "actions" for the attributes
// processor, "attributes" for the resource processor (the Collector's names).
AttributesProcessorConfig decode_actions(const YamlNode* node, const std::string& path,
                                         Diagnostics& diag, std::string_view list_key) {
  AttributesProcessorConfig cfg;
  MapReader r(node, path, diag, {list_key});
  const YamlNode* list = r.get(list_key);
  if (!list) return cfg;
  if (!list->is_sequence()) {
    diag.error(list->mark, r.path_of(list_key),
               "expected a list of actions, got " + describe(*list));
    return cfg;
  }
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    std::string item_path = r.path_of(list_key) + "[" + std::to_string(i) + "]";
    cfg.actions.push_back(decode_action(list->items[i], item_path, diag));
  }
  return cfg;
}

}  // namespace

ComponentSettings decode_batch(const YamlNode* node, const std::string& path, Diagnostics& diag) {
  BatchProcessorConfig cfg;
  MapReader r(node, path, diag, {"timeout", "send_batch_size", "send_batch_max_size"});
  r.read("timeout", cfg.timeout);
  r.read("send_batch_size", cfg.send_batch_size);
  r.read("send_batch_max_size", cfg.send_batch_max_size);
  return cfg;
}

ComponentSettings decode_memory_limiter(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag) {
  MemoryLimiterConfig cfg;
  MapReader r(node, path, diag,
              {"check_interval", "limit_mib", "spike_limit_mib", "limit_percentage",
               "spike_limit_percentage"});
  r.read("check_interval", cfg.check_interval);
  r.read("limit_mib", cfg.limit_mib);
  r.read("spike_limit_mib", cfg.spike_limit_mib);
  r.read("limit_percentage", cfg.limit_percentage);
  r.read("spike_limit_percentage", cfg.spike_limit_percentage);
  // The Collector's default spike is 20% of the limit; filled in here so the
  // struct holds the effective value.
  if (cfg.spike_limit_mib == 0) cfg.spike_limit_mib = cfg.limit_mib / 5;
  if (cfg.spike_limit_percentage == 0) cfg.spike_limit_percentage = cfg.limit_percentage / 5;
  return cfg;
}

ComponentSettings decode_resource(const YamlNode* node, const std::string& path,
                                  Diagnostics& diag) {
  return decode_actions(node, path, diag, "attributes");
}

ComponentSettings decode_attributes(const YamlNode* node, const std::string& path,
                                    Diagnostics& diag) {
  return decode_actions(node, path, diag, "actions");
}

ComponentSettings decode_probabilistic_sampler(const YamlNode* node, const std::string& path,
                                               Diagnostics& diag) {
  ProbabilisticSamplerConfig cfg;
  MapReader r(node, path, diag, {"sampling_percentage", "hash_seed"});
  r.read("sampling_percentage", cfg.sampling_percentage);
  r.read("hash_seed", cfg.hash_seed);
  return cfg;
}

}  // namespace spanline::collector::detail
