// The otlp receiver and the `auth:` block receivers and exporters share.
#include "config/decode.h"

namespace spanline::collector::detail {
namespace {

OtlpGrpcServerConfig decode_grpc_server(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag) {
  OtlpGrpcServerConfig cfg;
  MapReader r(node, path, diag, {"endpoint", "max_recv_msg_size_mib", "auth"});
  r.read("endpoint", cfg.endpoint);
  r.read("max_recv_msg_size_mib", cfg.max_recv_msg_size_mib);
  cfg.authenticator = read_authenticator(r);
  return cfg;
}

CorsConfig decode_cors(const YamlNode* node, const std::string& path, Diagnostics& diag) {
  CorsConfig cfg;
  MapReader r(node, path, diag, {"allowed_origins", "allowed_headers", "max_age"});
  r.read("allowed_origins", cfg.allowed_origins);
  r.read("allowed_headers", cfg.allowed_headers);
  std::uint32_t max_age = 0;  // seconds, an integer in the Collector too
  r.read("max_age", max_age);
  cfg.max_age = std::chrono::seconds(max_age);
  return cfg;
}

OtlpHttpServerConfig decode_http_server(const YamlNode* node, const std::string& path,
                                        Diagnostics& diag) {
  OtlpHttpServerConfig cfg;
  MapReader r(node, path, diag,
              {"endpoint", "traces_url_path", "max_request_body_size", "auth", "cors"});
  r.read("endpoint", cfg.endpoint);
  r.read("traces_url_path", cfg.traces_url_path);
  // The Collector adds a missing leading slash rather than rejecting.
  if (!cfg.traces_url_path.starts_with("/")) cfg.traces_url_path = "/" + cfg.traces_url_path;
  r.read("max_request_body_size", cfg.max_request_body_size);
  cfg.authenticator = read_authenticator(r);
  if (r.present("cors")) cfg.cors = decode_cors(r.get("cors"), r.path_of("cors"), diag);
  return cfg;
}

}  // namespace

std::optional<std::string> read_authenticator(MapReader& r) {
  if (!r.present("auth")) return std::nullopt;
  MapReader auth(r.get("auth"), r.path_of("auth"), r.diag(), {"authenticator"});
  std::optional<std::string> id;
  auth.read("authenticator", id);
  if (auth.ok() && !id && !auth.get("authenticator")) {
    r.diag().error(auth.mark(), auth.path_of("authenticator"),
                   "authenticator is required when auth is set");
  }
  return id;
}

ComponentSettings decode_otlp_receiver(const YamlNode* node, const std::string& path,
                                       Diagnostics& diag) {
  OtlpReceiverConfig cfg;
  MapReader r(node, path, diag, {"protocols"});
  MapReader protocols(r.get("protocols"), r.path_of("protocols"), diag, {"grpc", "http"});
  // A protocol key written without a value turns the protocol on with its
  // defaults, as in the Collector.
  if (protocols.present("grpc")) {
    cfg.grpc = decode_grpc_server(protocols.get("grpc"), protocols.path_of("grpc"), diag);
  }
  if (protocols.present("http")) {
    cfg.http = decode_http_server(protocols.get("http"), protocols.path_of("http"), diag);
  }
  return cfg;
}

// ---------------------------------------------------------------- extensions

ComponentSettings decode_bearertokenauth(const YamlNode* node, const std::string& path,
                                         Diagnostics& diag) {
  BearerTokenAuthConfig cfg;
  MapReader r(node, path, diag, {"scheme", "token", "header"});
  r.read("scheme", cfg.scheme);
  r.read("token", cfg.token);
  r.read("header", cfg.header);
  return cfg;
}

ComponentSettings decode_health_check(const YamlNode* node, const std::string& path,
                                      Diagnostics& diag) {
  HealthCheckConfig cfg;
  MapReader r(node, path, diag, {"endpoint", "path"});
  r.read("endpoint", cfg.endpoint);
  r.read("path", cfg.path);
  return cfg;
}

}  // namespace spanline::collector::detail
