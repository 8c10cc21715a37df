#include "spanline/telemetry/sdk/resource.h"

#include <errno.h>
#include <unistd.h>

#include <cstdio>

#include "sdk/env.h"
#include "spanline/telemetry/api/ids.h"

namespace spanline::telemetry {
namespace {

constexpr const char* kSdkVersion = "0.1.0";

void upsert(std::vector<Attribute>& attrs, std::string key, AttributeValue value) {
  for (auto& a : attrs) {
    if (a.key == key) {
      a.value = std::move(value);
      return;
    }
  }
  attrs.push_back({std::move(key), std::move(value)});
}

std::string random_uuid() {
  std::uint64_t hi = random_u64(), lo = random_u64();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string executable_name() {
  return program_invocation_short_name ? program_invocation_short_name : "unknown";
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

}  // namespace

const AttributeValue* Resource::find(std::string_view key) const noexcept {
  for (const auto& a : attributes_)
    if (a.key == key) return &a.value;
  return nullptr;
}

Resource Resource::merged_with(const Resource& other) const {
  auto attrs = attributes_;
  for (const auto& a : other.attributes_) upsert(attrs, a.key, a.value);
  return Resource(std::move(attrs), other.schema_url_.empty() ? schema_url_ : other.schema_url_);
}

std::vector<Attribute> parse_resource_attributes(std::string_view text) {
  std::vector<Attribute> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto member = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto eq = member.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = env::percent_decode(env::trim(member.substr(0, eq)));
    auto value = env::percent_decode(env::trim(member.substr(eq + 1)));
    if (!key || !value || key->empty()) continue;
    upsert(out, std::move(*key), std::move(*value));
  }
  return out;
}

Resource resource_from_env(std::optional<std::string> service_name) {
  std::vector<Attribute> attrs = {
      {"telemetry.sdk.name", std::string("spanline")},
      {"telemetry.sdk.language", std::string("cpp")},
      {"telemetry.sdk.version", std::string(kSdkVersion)},
      {"service.instance.id", random_uuid()},
      {"process.pid", static_cast<std::int64_t>(getpid())},
      {"process.executable.name", executable_name()},
  };
  if (auto host = host_name(); !host.empty()) attrs.push_back({"host.name", host});

  bool env_named_service = false;
  if (auto text = env::get("OTEL_RESOURCE_ATTRIBUTES")) {
    for (auto& a : parse_resource_attributes(*text)) {
      env_named_service |= a.key == "service.name";
      upsert(attrs, std::move(a.key), std::move(a.value));
    }
  }
  if (auto name = env::get("OTEL_SERVICE_NAME")) {
    upsert(attrs, "service.name", *name);
  } else if (!env_named_service) {
    upsert(attrs, "service.name",
           service_name ? *service_name : "unknown_service:" + executable_name());
  }
  return Resource(std::move(attrs));
}

}  // namespace spanline::telemetry
