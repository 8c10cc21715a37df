// Internal to collector_config: the merged, expanded YAML document → Config.
// Decoding checks types and keys; the semantic rules are in the structs'
// validate() (validate_*.cpp), which the loader runs afterwards.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/map_reader.h"
#include "config/yaml_node.h"

namespace spanline::collector::detail {

// Splits a component or pipeline id into type and name: "type" or
// "type/name", type [A-Za-z][A-Za-z0-9_]*, name non-empty without '/' or
// whitespace. On failure returns false with the reason in `why`.
bool split_component_id(std::string_view id, std::string& type, std::string& name,
                        std::string& why);

// Decodes one component's settings; `node` may be null (`batch:` = defaults).
using DecodeFn = ComponentSettings (*)(const YamlNode* node, const std::string& path,
                                       Diagnostics& diag);

struct ComponentKind {
  std::string_view type;
  DecodeFn decode;
};

// Supported types per section, in the order messages list them.
const std::vector<ComponentKind>& receiver_kinds();
const std::vector<ComponentKind>& processor_kinds();
const std::vector<ComponentKind>& exporter_kinds();
const std::vector<ComponentKind>& extension_kinds();

ComponentSettings decode_otlp_receiver(const YamlNode* node, const std::string& path,
                                       Diagnostics& diag);
ComponentSettings decode_batch(const YamlNode* node, const std::string& path, Diagnostics& diag);
ComponentSettings decode_memory_limiter(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag);
ComponentSettings decode_resource(const YamlNode* node, const std::string& path, Diagnostics& diag);
ComponentSettings decode_attributes(const YamlNode* node, const std::string& path,
                                    Diagnostics& diag);
ComponentSettings decode_probabilistic_sampler(const YamlNode* node, const std::string& path,
                                               Diagnostics& diag);
ComponentSettings decode_otlp_grpc_exporter(const YamlNode* node, const std::string& path,
                                            Diagnostics& diag);
ComponentSettings decode_otlp_http_exporter(const YamlNode* node, const std::string& path,
                                            Diagnostics& diag);
ComponentSettings decode_debug_exporter(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag);
ComponentSettings decode_bearertokenauth(const YamlNode* node, const std::string& path,
                                         Diagnostics& diag);
ComponentSettings decode_health_check(const YamlNode* node, const std::string& path,
                                      Diagnostics& diag);

// `auth: {authenticator: <extension id>}` under `r`; nullopt when absent.
std::optional<std::string> read_authenticator(MapReader& r);

// Ids written in a section but not decoded (unknown type, bad id, or a
// connector), keyed by section ("receivers", ...). References to them are
// dropped from pipelines and service.extensions, with a warning when lenient:
// the component itself was already reported, and a second "not defined"
// error would only repeat it.
using DroppedIds = std::map<std::string, std::set<std::string>, std::less<>>;

// Decodes `service` into config.service_extensions, pipelines and telemetry.
void decode_service(const YamlNode* node, const DroppedIds& dropped, Diagnostics& diag,
                    Config& config);

// The whole document. Never fails outright: what cannot be decoded is
// reported and left out, so validation still finds the other problems.
Config decode_document(const YamlNode& root, Diagnostics& diag);

}  // namespace spanline::collector::detail
