#include "config/decode.h"

namespace spanline::collector::detail {
namespace {

// headers: a map of header name → string value. Non-string values are
// errors as in the Collector (its header values are opaque strings).
void read_headers(MapReader& r, std::vector<std::pair<std::string, std::string>>& out) {
  const YamlNode* node = r.get("headers");
  if (!node) return;
  if (!node->is_map()) {
    r.diag().error(node->mark, r.path_of("headers"), "expected a map of header: value");
    return;
  }
  for (const YamlNode::Entry& e : node->entries) {
    std::string path = join_path(r.path_of("headers"), e.key);
    std::string value;
    if (to_string(e.value, path, r.diag(), value)) {
      out.emplace_back(e.key, std::move(value));
    } else if (e.value.is_null()) {
      r.diag().error(e.key_mark, path, "expected a string, got null");
    }
  }
}

void decode_queue(const YamlNode* node, const std::string& path, Diagnostics& diag,
                  SendingQueueConfig& cfg) {
  MapReader r(node, path, diag, {"enabled", "num_consumers", "queue_size"});
  r.read("enabled", cfg.enabled);
  r.read("num_consumers", cfg.num_consumers);
  r.read("queue_size", cfg.queue_size);
}

void decode_retry(const YamlNode* node, const std::string& path, Diagnostics& diag,
                  RetryConfig& cfg) {
  MapReader r(node, path, diag,
              {"enabled", "initial_interval", "max_interval", "max_elapsed_time", "multiplier",
               "randomization_factor"});
  r.read("enabled", cfg.enabled);
  r.read("initial_interval", cfg.initial_interval);
  r.read("max_interval", cfg.max_interval);
  r.read("max_elapsed_time", cfg.max_elapsed_time);
  r.read("multiplier", cfg.multiplier);
  r.read("randomization_factor", cfg.randomization_factor);
}

std::vector<std::string_view> exporter_keys(bool grpc) {
  std::vector<std::string_view> keys = {"endpoint", "tls",  "headers",       "compression",
                                        "timeout",  "auth", "sending_queue", "retry_on_failure"};
  if (!grpc) {
    keys.push_back("traces_endpoint");
    keys.push_back("encoding");
  }
  return keys;
}

OtlpExporterConfig decode_otlp_exporter(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag, bool grpc) {
  OtlpExporterConfig cfg;
  cfg.grpc = grpc;
  if (!grpc) cfg.timeout = std::chrono::seconds(30);  // the Collector's otlphttp default
  MapReader r(node, path, diag, exporter_keys(grpc));
  r.read("endpoint", cfg.endpoint);
  if (!grpc) r.read("traces_endpoint", cfg.traces_endpoint);
  MapReader tls(r.get("tls"), r.path_of("tls"), diag, {"insecure"});
  tls.read("insecure", cfg.tls_insecure);
  read_headers(r, cfg.headers);
  r.read_enum<Compression>(
      "compression",
      {{"gzip", Compression::kGzip}, {"none", Compression::kNone}, {"", Compression::kNone}},
      cfg.compression);
  r.read("timeout", cfg.timeout);
  if (!grpc) {
    r.read_enum<OtlpEncoding>(
        "encoding", {{"proto", OtlpEncoding::kProto}, {"json", OtlpEncoding::kJson}}, cfg.encoding);
  }
  cfg.authenticator = read_authenticator(r);
  decode_queue(r.get("sending_queue"), r.path_of("sending_queue"), diag, cfg.sending_queue);
  decode_retry(r.get("retry_on_failure"), r.path_of("retry_on_failure"), diag,
               cfg.retry_on_failure);
  return cfg;
}

}  // namespace

ComponentSettings decode_otlp_grpc_exporter(const YamlNode* node, const std::string& path,
                                            Diagnostics& diag) {
  return decode_otlp_exporter(node, path, diag, true);
}

ComponentSettings decode_otlp_http_exporter(const YamlNode* node, const std::string& path,
                                            Diagnostics& diag) {
  return decode_otlp_exporter(node, path, diag, false);
}

ComponentSettings decode_debug_exporter(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag) {
  DebugExporterConfig cfg;
  MapReader r(node, path, diag, {"verbosity", "sampling_initial", "sampling_thereafter"});
  r.read_enum<DebugVerbosity>("verbosity",
                              {{"basic", DebugVerbosity::kBasic},
                               {"normal", DebugVerbosity::kNormal},
                               {"detailed", DebugVerbosity::kDetailed}},
                              cfg.verbosity);
  r.read("sampling_initial", cfg.sampling_initial);
  r.read("sampling_thereafter", cfg.sampling_thereafter);
  return cfg;
}

}  // namespace spanline::collector::detail
