// Config::validate: every component's own rules plus the rules that span
// sections (ids, references, authenticators), as the Collector checks a
// config before it starts anything.
#include <algorithm>
#include <set>

#include "config/config.h"
#include "config/decode.h"

namespace spanline::collector {
namespace {

using detail::join_path;

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// Whether `settings` is the struct the loader makes for `type` in `section`;
// guards configs built in code (an otlphttp exporter with grpc = true, ...).
bool settings_match(std::string_view section, std::string_view type, const ComponentSettings& s) {
  if (section == "receivers")
    return type == "otlp" && std::holds_alternative<OtlpReceiverConfig>(s);
  if (section == "processors") {
    if (type == "batch") return std::holds_alternative<BatchProcessorConfig>(s);
    if (type == "memory_limiter") return std::holds_alternative<MemoryLimiterConfig>(s);
    if (type == "resource" || type == "attributes") {
      return std::holds_alternative<AttributesProcessorConfig>(s);
    }
    return type == "probabilistic_sampler" && std::holds_alternative<ProbabilisticSamplerConfig>(s);
  }
  if (section == "exporters") {
    if (type == "debug") return std::holds_alternative<DebugExporterConfig>(s);
    const auto* otlp = std::get_if<OtlpExporterConfig>(&s);
    bool grpc = type == "otlp" || type == "otlp_grpc";
    bool http = type == "otlphttp" || type == "otlp_http";
    return otlp && (grpc || http) && otlp->grpc == grpc;
  }
  if (type == "bearertokenauth") return std::holds_alternative<BearerTokenAuthConfig>(s);
  return type == "health_check" && std::holds_alternative<HealthCheckConfig>(s);
}

// The resource processor keeps its actions under the YAML key "attributes".
std::string yaml_relative_path(const Component& c, const std::string& path) {
  if (c.type == "resource" && path.starts_with("actions")) return "attributes" + path.substr(7);
  return path;
}

void validate_section(std::string_view section, const std::vector<Component>& components,
                      ConfigProblems& out) {
  std::set<std::string_view> seen;
  for (const Component& c : components) {
    std::string path = join_path(section, c.id);
    std::string type, name, why;
    if (!detail::split_component_id(c.id, type, name, why)) {
      out.push_back({path, "invalid component id " + quoted(c.id) + ": " + why});
      continue;
    }
    if (!seen.insert(c.id).second) out.push_back({path, "duplicate component id " + quoted(c.id)});
    if (type != c.type || !settings_match(section, c.type, c.settings)) {
      out.push_back({path, "settings do not match component type " + quoted(c.type)});
      continue;
    }
    ConfigProblems problems = std::visit([](const auto& s) { return s.validate(); }, c.settings);
    for (ConfigProblem& p : problems) {
      out.push_back({join_path(path, yaml_relative_path(c, p.path)), std::move(p.message)});
    }
  }
}

void validate_service_extensions(const Config& c, ConfigProblems& out) {
  std::set<std::string_view> seen;
  for (const std::string& id : c.service_extensions) {
    if (!find_component(c.extensions, id)) {
      out.push_back({"service::extensions",
                     "references extension " + quoted(id) + " which is not defined in extensions"});
    } else if (!seen.insert(id).second) {
      out.push_back({"service::extensions", "lists extension " + quoted(id) + " more than once"});
    }
  }
}

// One reference list of a pipeline. Repeats are errors for processors (the
// Collector's rule) and, stricter, for receivers and exporters too: a graph
// builder would otherwise deliver twice.
void validate_refs(const std::vector<std::string>& ids, const std::string& path,
                   std::string_view section, std::string_view singular,
                   const std::vector<Component>& defined, ConfigProblems& out) {
  if (ids.empty() && section != "processors") {
    out.push_back({path, "a pipeline needs at least one " + std::string(singular)});
  }
  std::set<std::string_view> seen;
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) {
      out.push_back(
          {path, "references " + std::string(singular) + " " + quoted(id) + " more than once"});
    } else if (!find_component(defined, id)) {
      out.push_back({path, "references " + std::string(singular) + " " + quoted(id) +
                               " which is not defined in " + std::string(section)});
    }
  }
}

void validate_pipelines(const Config& c, ConfigProblems& out) {
  if (c.pipelines.empty()) {
    out.push_back({"service::pipelines", "at least one traces pipeline is required"});
  }
  std::set<std::string_view> seen;
  for (const Pipeline& p : c.pipelines) {
    std::string path = join_path("service::pipelines", p.id);
    std::string type, name, why;
    if (!detail::split_component_id(p.id, type, name, why) || type != "traces") {
      out.push_back(
          {path, "invalid pipeline id " + quoted(p.id) + ": expected traces or traces/<name>"});
    } else if (!seen.insert(p.id).second) {
      out.push_back({path, "duplicate pipeline id " + quoted(p.id)});
    }
    validate_refs(p.receivers, path + "::receivers", "receivers", "receiver", c.receivers, out);
    validate_refs(p.processors, path + "::processors", "processors", "processor", c.processors,
                  out);
    validate_refs(p.exporters, path + "::exporters", "exporters", "exporter", c.exporters, out);
  }
}

void validate_authenticator(const Config& c, const std::optional<std::string>& id,
                            const std::string& path, ConfigProblems& out) {
  if (!id || id->empty()) return;
  const Component* ext = find_component(c.extensions, *id);
  if (!ext) {
    out.push_back({path, "authenticator " + quoted(*id) + " is not a defined extension"});
  } else if (ext->type != "bearertokenauth") {
    out.push_back({path, "authenticator " + quoted(*id) + " is a " + ext->type +
                             " extension; supported authenticators: bearertokenauth"});
  } else if (std::find(c.service_extensions.begin(), c.service_extensions.end(), *id) ==
             c.service_extensions.end()) {
    out.push_back({path, "authenticator extension " + quoted(*id) +
                             " is not enabled: add it to service::extensions"});
  }
}

void validate_authenticators(const Config& c, ConfigProblems& out) {
  for (const Component& r : c.receivers) {
    const auto* otlp = std::get_if<OtlpReceiverConfig>(&r.settings);
    if (!otlp) continue;
    std::string path = join_path("receivers", r.id) + "::protocols::";
    if (otlp->grpc)
      validate_authenticator(c, otlp->grpc->authenticator, path + "grpc::auth::authenticator", out);
    if (otlp->http)
      validate_authenticator(c, otlp->http->authenticator, path + "http::auth::authenticator", out);
  }
  for (const Component& e : c.exporters) {
    if (const auto* otlp = std::get_if<OtlpExporterConfig>(&e.settings)) {
      validate_authenticator(c, otlp->authenticator,
                             join_path("exporters", e.id) + "::auth::authenticator", out);
    }
  }
}

}  // namespace

const Component* find_component(const std::vector<Component>& section, std::string_view id) {
  auto it =
      std::find_if(section.begin(), section.end(), [&](const Component& c) { return c.id == id; });
  return it == section.end() ? nullptr : &*it;
}

const Component* Config::find(std::string_view id) const {
  for (const auto* section : {&receivers, &processors, &exporters, &extensions}) {
    if (const Component* c = find_component(*section, id)) return c;
  }
  return nullptr;
}

ConfigProblems Config::validate() const {
  ConfigProblems out;
  validate_section("receivers", receivers, out);
  validate_section("processors", processors, out);
  validate_section("exporters", exporters, out);
  validate_section("extensions", extensions, out);
  validate_service_extensions(*this, out);
  validate_pipelines(*this, out);
  validate_authenticators(*this, out);
  for (ConfigProblem& p : telemetry.validate()) {
    out.push_back({join_path("service::telemetry", p.path), std::move(p.message)});
  }
  return out;
}

}  // namespace spanline::collector
