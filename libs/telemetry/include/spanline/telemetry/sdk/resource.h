// Resource: the entity that produces telemetry (service, host, process).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/attribute.h"

namespace spanline::telemetry {

class Resource {
 public:
  Resource() = default;
  explicit Resource(std::vector<Attribute> attributes, std::string schema_url = {})
      : attributes_(std::move(attributes)), schema_url_(std::move(schema_url)) {}

  const std::vector<Attribute>& attributes() const noexcept { return attributes_; }
  const std::string& schema_url() const noexcept { return schema_url_; }
  const AttributeValue* find(std::string_view key) const noexcept;
  // Attributes of `other` override ours on equal keys.
  Resource merged_with(const Resource& other) const;

  friend bool operator==(const Resource&, const Resource&) = default;

 private:
  std::vector<Attribute> attributes_;
  std::string schema_url_;
};

// Parses OTEL_RESOURCE_ATTRIBUTES: "k1=v1,k2=v2" with percent-decoding of
// keys and values and whitespace trimmed. Malformed members (no '=', empty
// key, bad percent escape) are skipped; returns the good ones.
std::vector<Attribute> parse_resource_attributes(std::string_view text);

// The SDK's default resource, built from the environment:
// telemetry.sdk.{name,language,version}, service.instance.id (a random UUID
// per process), host.name, process.pid, process.executable.name, then
// OTEL_RESOURCE_ATTRIBUTES, then service.name from OTEL_SERVICE_NAME (which
// wins), else from OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:<exe>".
// `service_name` (when set) is the code's choice, used when the environment
// names no service.
Resource resource_from_env(std::optional<std::string> service_name = std::nullopt);

}  // namespace spanline::telemetry
