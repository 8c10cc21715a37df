// validate() of each component config: the semantic rules the Collector's
// Validate() methods apply (and a few stricter ones, noted), on structs that
// may come from the loader or be built in code. Type and syntax checks of
// YAML values happen earlier, while decoding.
#include <cmath>

#include "config/config.h"
#include "config/endpoint.h"

namespace spanline::collector {
namespace {

void check_listen(std::string_view path, const std::string& endpoint, ConfigProblems& out) {
  std::string why;
  if (!detail::check_listen_endpoint(endpoint, why)) {
    out.push_back({std::string(path), "invalid endpoint \"" + endpoint + "\": " + why});
  }
}

void check_authenticator_set(std::string_view path, const std::optional<std::string>& id,
                             ConfigProblems& out) {
  if (id && id->empty()) out.push_back({std::string(path), "authenticator must not be empty"});
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

// ---------------------------------------------------------------- extensions

ConfigProblems BearerTokenAuthConfig::validate() const {
  ConfigProblems out;
  if (token.empty()) out.push_back({"token", "token is required and must not be empty"});
  if (header.empty()) out.push_back({"header", "header must not be empty"});
  return out;
}

ConfigProblems HealthCheckConfig::validate() const {
  ConfigProblems out;
  check_listen("endpoint", endpoint, out);
  if (!path.starts_with("/"))
    out.push_back({"path", "path " + quoted(path) + " must start with /"});
  return out;
}

// --------------------------------------------------------------- receivers

ConfigProblems OtlpReceiverConfig::validate() const {
  ConfigProblems out;
  if (!grpc && !http) {
    out.push_back({"protocols", "must specify at least one protocol (grpc or http)"});
  }
  if (grpc) {
    check_listen("protocols::grpc::endpoint", grpc->endpoint, out);
    if (grpc->max_recv_msg_size_mib == 0) {
      out.push_back({"protocols::grpc::max_recv_msg_size_mib", "must be greater than 0"});
    }
    check_authenticator_set("protocols::grpc::auth::authenticator", grpc->authenticator, out);
  }
  if (http) {
    check_listen("protocols::http::endpoint", http->endpoint, out);
    if (!http->traces_url_path.starts_with("/")) {
      out.push_back({"protocols::http::traces_url_path",
                     "traces_url_path " + quoted(http->traces_url_path) + " must start with /"});
    }
    if (http->max_request_body_size == 0) {
      out.push_back({"protocols::http::max_request_body_size", "must be greater than 0"});
    }
    check_authenticator_set("protocols::http::auth::authenticator", http->authenticator, out);
  }
  // Stricter than the Collector, which would fail only when binding.
  if (grpc && http && grpc->endpoint == http->endpoint) {
    out.push_back({"protocols::http::endpoint",
                   "grpc and http listen on the same endpoint " + quoted(http->endpoint)});
  }
  return out;
}

// -------------------------------------------------------------- processors

ConfigProblems BatchProcessorConfig::validate() const {
  ConfigProblems out;
  if (timeout.count() < 0) out.push_back({"timeout", "timeout must not be negative"});
  if (send_batch_max_size != 0 && send_batch_max_size < send_batch_size) {
    out.push_back({"send_batch_max_size", "send_batch_max_size (" +
                                              std::to_string(send_batch_max_size) +
                                              ") must be 0 or >= send_batch_size (" +
                                              std::to_string(send_batch_size) + ")"});
  }
  return out;
}

ConfigProblems MemoryLimiterConfig::validate() const {
  ConfigProblems out;
  if (check_interval.count() <= 0) {
    out.push_back({"check_interval", "check_interval must be greater than 0"});
  }
  // The Collector lets limit_mib win when both are set; one style is clearer.
  bool mib = limit_mib != 0, pct = limit_percentage != 0;
  if (mib == pct) {
    out.push_back({"", mib ? "set either limit_mib or limit_percentage, not both"
                           : "one of limit_mib or limit_percentage is required"});
  }
  if (mib && spike_limit_mib >= limit_mib) {
    out.push_back({"spike_limit_mib", "spike_limit_mib (" + std::to_string(spike_limit_mib) +
                                          ") must be less than limit_mib (" +
                                          std::to_string(limit_mib) + ")"});
  }
  if (limit_percentage > 100) {
    out.push_back({"limit_percentage", "limit_percentage (" + std::to_string(limit_percentage) +
                                           ") must be in 1..100"});
  }
  if (pct && spike_limit_percentage >= limit_percentage) {
    out.push_back({"spike_limit_percentage", "spike_limit_percentage (" +
                                                 std::to_string(spike_limit_percentage) +
                                                 ") must be less than limit_percentage (" +
                                                 std::to_string(limit_percentage) + ")"});
  }
  if (!mib && spike_limit_mib != 0) {
    out.push_back({"spike_limit_mib", "spike_limit_mib needs limit_mib"});
  }
  if (!pct && spike_limit_percentage != 0) {
    out.push_back({"spike_limit_percentage", "spike_limit_percentage needs limit_percentage"});
  }
  return out;
}

ConfigProblems AttributesProcessorConfig::validate() const {
  ConfigProblems out;
  if (actions.empty()) out.push_back({"actions", "at least one action is required"});
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const AttributeAction& a = actions[i];
    std::string at = "actions[" + std::to_string(i) + "]";
    if (a.key.empty()) out.push_back({at + "::key", "key is required"});
    if (a.from_attribute && a.from_attribute->empty()) {
      out.push_back({at + "::from_attribute", "from_attribute must not be empty"});
    }
    int sources = (a.value ? 1 : 0) + (a.from_attribute ? 1 : 0);
    if (a.action == AttributeActionKind::kDelete && sources != 0) {
      out.push_back({at, "delete takes neither value nor from_attribute"});
    } else if (a.action != AttributeActionKind::kDelete && sources != 1) {
      out.push_back({at, sources == 0 ? "value or from_attribute is required"
                                      : "set either value or from_attribute, not both"});
    }
  }
  return out;
}

ConfigProblems ProbabilisticSamplerConfig::validate() const {
  ConfigProblems out;
  if (!(sampling_percentage >= 0 && sampling_percentage <= 100)) {
    out.push_back(
        {"sampling_percentage",
         "sampling_percentage " + std::to_string(sampling_percentage) + " must be in 0..100"});
  }
  return out;
}

// --------------------------------------------------------------- exporters

namespace {

void validate_endpoints(const OtlpExporterConfig& c, ConfigProblems& out) {
  std::string why;
  if (c.endpoint.empty() && (c.grpc || !c.traces_endpoint)) {
    out.push_back({"endpoint",
                   c.grpc ? "endpoint is required" : "endpoint (or traces_endpoint) is required"});
  } else if (!c.endpoint.empty() && c.grpc && !detail::check_grpc_target(c.endpoint, why)) {
    out.push_back({"endpoint", "invalid endpoint " + quoted(c.endpoint) + ": " + why});
  } else if (!c.endpoint.empty() && !c.grpc && !detail::check_http_url(c.endpoint, why)) {
    out.push_back({"endpoint", "invalid endpoint " + quoted(c.endpoint) + ": " + why});
  }
  if (c.traces_endpoint && c.grpc) {
    out.push_back({"traces_endpoint", "traces_endpoint is for otlphttp exporters only"});
  } else if (c.traces_endpoint && !detail::check_http_url(*c.traces_endpoint, why)) {
    out.push_back(
        {"traces_endpoint", "invalid traces_endpoint " + quoted(*c.traces_endpoint) + ": " + why});
  }
}

void validate_retry(const RetryConfig& r, ConfigProblems& out) {
  if (!r.enabled) return;
  auto bad = [&](std::string_view key, std::string message) {
    out.push_back({"retry_on_failure::" + std::string(key), std::move(message)});
  };
  if (r.initial_interval.count() <= 0) bad("initial_interval", "must be greater than 0");
  if (r.max_interval < r.initial_interval) bad("max_interval", "must be >= initial_interval");
  if (r.max_elapsed_time.count() < 0) bad("max_elapsed_time", "must not be negative");
  if (!(r.multiplier > 0) || std::isinf(r.multiplier)) bad("multiplier", "must be > 0");
  if (!(r.randomization_factor >= 0 && r.randomization_factor <= 1)) {
    bad("randomization_factor", "must be in 0..1");
  }
}

}  // namespace

ConfigProblems OtlpExporterConfig::validate() const {
  ConfigProblems out;
  validate_endpoints(*this, out);
  if (grpc && encoding != OtlpEncoding::kProto) {
    out.push_back({"encoding", "encoding is for otlphttp exporters only (gRPC is protobuf)"});
  }
  for (const auto& [name, value] : headers) {
    bool ok = !name.empty() && name.find_first_of(" \t\r\n:") == std::string::npos &&
              value.find_first_of("\r\n") == std::string::npos;
    if (!ok) out.push_back({"headers::" + name, "invalid header " + quoted(name)});
  }
  if (timeout.count() < 0) out.push_back({"timeout", "timeout must not be negative"});
  check_authenticator_set("auth::authenticator", authenticator, out);
  if (sending_queue.enabled && sending_queue.queue_size == 0) {
    out.push_back(
        {"sending_queue::queue_size", "queue_size must be > 0 when the queue is enabled"});
  }
  if (sending_queue.enabled && sending_queue.num_consumers == 0) {
    out.push_back(
        {"sending_queue::num_consumers", "num_consumers must be > 0 when the queue is enabled"});
  }
  validate_retry(retry_on_failure, out);
  return out;
}

ConfigProblems DebugExporterConfig::validate() const {
  return {};
}

// ------------------------------------------------------------------ service

ConfigProblems TelemetryConfig::validate() const {
  ConfigProblems out;
  auto in = [](std::string_view v, std::initializer_list<std::string_view> set) {
    for (std::string_view s : set) {
      if (v == s) return true;
    }
    return false;
  };
  if (!in(metrics_level, {"none", "basic", "normal", "detailed"})) {
    out.push_back({"metrics::level", "unsupported metrics level " + quoted(metrics_level) +
                                         "; supported: none, basic, normal, detailed"});
  }
  if (!in(logs_level, {"debug", "info", "warn", "error"})) {
    out.push_back({"logs::level", "unsupported logs level " + quoted(logs_level) +
                                      "; supported: debug, info, warn, error"});
  }
  if (!metrics_address.empty()) check_listen("metrics::address", metrics_address, out);
  return out;
}

}  // namespace spanline::collector
