// `service`: enabled extensions, pipelines and the collector's own telemetry.
#include <algorithm>
#include <cctype>

#include "config/decode.h"
#include "config/scalar.h"

namespace spanline::collector::detail {
namespace {

const std::set<std::string> kNoIds;

const std::set<std::string>& dropped_in(const DroppedIds& dropped, std::string_view section) {
  auto it = dropped.find(section);
  return it == dropped.end() ? kNoIds : it->second;
}

// Removes references to components that were reported and left out (see
// DroppedIds); lenient mode says so, strict mode has already failed.
void drop_references(std::vector<std::string>& ids, const std::set<std::string>& dropped,
                     std::string_view singular, const SourceMark& mark, const std::string& path,
                     Diagnostics& diag) {
  std::erase_if(ids, [&](const std::string& id) {
    if (!dropped.contains(id)) return false;
    if (diag.lenient()) {
      diag.warning(
          mark, path,
          "dropped reference to " + std::string(singular) + " \"" + id + "\" (not supported)");
    }
    return true;
  });
}

void read_refs(MapReader& r, std::string_view key, const DroppedIds& dropped,
               std::string_view section, std::string_view singular, std::vector<std::string>& out) {
  r.read(key, out);
  if (const YamlNode* node = r.get(key)) {
    drop_references(out, dropped_in(dropped, section), singular, node->mark, r.path_of(key),
                    r.diag());
  }
}

// false (after reporting) for anything but "traces" / "traces/<name>".
bool supported_pipeline(const YamlNode::Entry& e, const std::string& path, Diagnostics& diag) {
  std::string type, name, why;
  if (!split_component_id(e.key, type, name, why)) {
    diag.error(e.key_mark, path, "invalid pipeline id \"" + e.key + "\": " + why);
    return false;
  }
  if (type == "traces") return true;
  if (type == "metrics" || type == "logs" || type == "profiles") {
    diag.unsupported(e.key_mark, path, "only traces pipelines are supported");
  } else {
    diag.unsupported(e.key_mark, path, "unknown pipeline type \"" + type + "\"; supported: traces");
  }
  return false;
}

void decode_pipelines(const YamlNode* node, const DroppedIds& dropped, Diagnostics& diag,
                      std::vector<Pipeline>& out) {
  const std::string section = "service::pipelines";
  if (!node) return;
  if (!node->is_map()) {
    diag.error(node->mark, section, "expected a map of pipeline ids, got " + describe(*node));
    return;
  }
  for (const YamlNode::Entry& e : node->entries) {
    std::string path = join_path(section, e.key);
    if (!supported_pipeline(e, path, diag)) continue;
    Pipeline& p = out.emplace_back();
    p.id = e.key;
    MapReader r(&e.value, path, diag, {"receivers", "processors", "exporters"});
    read_refs(r, "receivers", dropped, "receivers", "receiver", p.receivers);
    read_refs(r, "processors", dropped, "processors", "processor", p.processors);
    read_refs(r, "exporters", dropped, "exporters", "exporter", p.exporters);
  }
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// readers: [{pull: {exporter: {prometheus: {host, port}}}}] → "host:port";
// the Collector's newer spelling of metrics.address. [] serves nothing.
std::optional<std::string> decode_readers(const YamlNode& node, const std::string& path,
                                          Diagnostics& diag) {
  if (!node.is_sequence()) {
    diag.error(node.mark, path, "expected a list of readers, got " + describe(node));
    return std::nullopt;
  }
  if (node.items.size() > 1) {
    diag.error(node.mark, path, "only one reader (a prometheus pull reader) is supported");
  }
  if (node.items.empty()) return std::string();
  std::string at = path + "[0]";
  MapReader reader(&node.items[0], at, diag, {"pull"});
  MapReader pull(reader.get("pull"), reader.path_of("pull"), diag, {"exporter"});
  MapReader exporter(pull.get("exporter"), pull.path_of("exporter"), diag, {"prometheus"});
  MapReader prom(exporter.get("prometheus"), exporter.path_of("prometheus"), diag,
                 {"host", "port"});
  std::string host;
  std::uint16_t port = 0;
  prom.read("host", host);
  prom.read("port", port);
  if (!prom.get("host") || !prom.get("port")) {
    diag.error(node.items[0].mark, at + "::pull::exporter::prometheus",
               "a prometheus pull reader with host and port is required");
    return std::nullopt;
  }
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void decode_telemetry(const YamlNode* node, Diagnostics& diag, TelemetryConfig& out) {
  MapReader t(node, "service::telemetry", diag, {"metrics", "logs"});
  MapReader metrics(t.get("metrics"), t.path_of("metrics"), diag, {"level", "address", "readers"});
  std::string level = out.metrics_level;
  metrics.read("level", level);
  out.metrics_level = lowercase(level);
  metrics.read("address", out.metrics_address);
  if (const YamlNode* readers = metrics.get("readers")) {
    if (metrics.get("address")) {
      diag.error(readers->mark, metrics.path_of("readers"),
                 "set either address or readers, not both");
    } else if (auto address = decode_readers(*readers, metrics.path_of("readers"), diag)) {
      out.metrics_address = *address;
    }
  }
  if (out.metrics_level == "none") out.metrics_address.clear();
  MapReader logs(t.get("logs"), t.path_of("logs"), diag, {"level"});
  level = out.logs_level;
  logs.read("level", level);
  out.logs_level = lowercase(level);
}

}  // namespace

void decode_service(const YamlNode* node, const DroppedIds& dropped, Diagnostics& diag,
                    Config& config) {
  MapReader s(node, "service", diag, {"extensions", "pipelines", "telemetry"});
  read_refs(s, "extensions", dropped, "extensions", "extension", config.service_extensions);
  decode_pipelines(s.get("pipelines"), dropped, diag, config.pipelines);
  decode_telemetry(s.get("telemetry"), diag, config.telemetry);
}

}  // namespace spanline::collector::detail
