// spanline-collector configuration: the OpenTelemetry Collector's YAML
// language for the components spanline-collector supports, loaded, merged,
// env-expanded and validated into typed structs before anything starts.
//
// Component ids are "type" or "type/name" (e.g. "otlp", "otlphttp/central");
// pipeline ids are "traces" or "traces/name". Durations accept the
// Collector's Go syntax ("200ms", "5s", "1m30s") and plain integers as
// nanoseconds, as the Collector does.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace spanline::collector {

using Duration = std::chrono::nanoseconds;

// One rule a config breaks, found by a validate(): `path` is "::"-separated
// and relative to what was validated ("protocols::grpc::endpoint"; "" for
// the whole thing; "actions[1]::key" for a list item), so the loader can
// prefix the component's path and point at the line.
struct ConfigProblem {
  std::string path;
  std::string message;
};
using ConfigProblems = std::vector<ConfigProblem>;

// ---------------------------------------------------------------- extensions

struct BearerTokenAuthConfig {
  std::string scheme = "Bearer";  // "" sends/accepts the bare token
  std::string token;              // required, non-empty
  std::string header = "Authorization";

  ConfigProblems validate() const;
};

struct HealthCheckConfig {
  std::string endpoint = "localhost:13133";  // host:port
  std::string path = "/";

  ConfigProblems validate() const;
};

// --------------------------------------------------------------- receivers

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // "*" and "https://*.example.com" forms
  std::vector<std::string> allowed_headers;
  std::chrono::seconds max_age{0};
};

struct OtlpGrpcServerConfig {
  std::string endpoint = "localhost:4317";
  std::size_t max_recv_msg_size_mib = 4;
  std::optional<std::string> authenticator;  // an extension id (auth.authenticator)
};

struct OtlpHttpServerConfig {
  std::string endpoint = "localhost:4318";
  std::string traces_url_path = "/v1/traces";
  std::size_t max_request_body_size = 20 * 1024 * 1024;  // bytes
  std::optional<std::string> authenticator;
  std::optional<CorsConfig> cors;
};

struct OtlpReceiverConfig {
  // At least one protocol must be configured. A protocol key present with an
  // empty value (`grpc:`) means "on, with defaults".
  std::optional<OtlpGrpcServerConfig> grpc;
  std::optional<OtlpHttpServerConfig> http;

  ConfigProblems validate() const;
};

// -------------------------------------------------------------- processors

struct BatchProcessorConfig {
  Duration timeout = std::chrono::milliseconds(200);
  std::uint32_t send_batch_size = 8192;
  std::uint32_t send_batch_max_size = 0;  // 0: no cap; else >= send_batch_size

  ConfigProblems validate() const;
};

struct MemoryLimiterConfig {
  Duration check_interval{0};  // required, > 0
  // Exactly one of the two limit styles: MiB, or a percentage of total memory.
  std::uint64_t limit_mib = 0;
  // The spike limits must stay below their limit. Left 0 in the YAML, the
  // loader fills in 20% of the limit (as the Collector's default), so after
  // loading they hold the effective value.
  std::uint64_t spike_limit_mib = 0;         // default 20% of limit_mib; < limit_mib
  std::uint32_t limit_percentage = 0;        // 1..100
  std::uint32_t spike_limit_percentage = 0;  // default 20% of limit_percentage

  ConfigProblems validate() const;
};

enum class AttributeActionKind { kInsert, kUpdate, kUpsert, kDelete };

// A YAML scalar as the Collector types it: true/false → bool, an integer →
// int64, a float → double, anything else → string.
using ConfigValue = std::variant<std::string, std::int64_t, double, bool>;

struct AttributeAction {
  std::string key;
  AttributeActionKind action = AttributeActionKind::kUpsert;
  // insert/update/upsert need exactly one of value and from_attribute;
  // delete takes neither.
  std::optional<ConfigValue> value;
  std::optional<std::string> from_attribute;
};

// `resource` (on resource attributes) and `attributes` (on span attributes).
// As in the Collector, `attributes` lists its actions under the YAML key
// `actions` and `resource` under the key `attributes`.
struct AttributesProcessorConfig {
  std::vector<AttributeAction> actions;  // at least one

  // Problems in a list item are reported as "actions[i]::<key>".
  ConfigProblems validate() const;
};

struct ProbabilisticSamplerConfig {
  double sampling_percentage = 0;  // 0..100
  std::uint32_t hash_seed = 0;

  ConfigProblems validate() const;
};

// --------------------------------------------------------------- exporters

enum class Compression { kNone, kGzip };
enum class OtlpEncoding { kProto, kJson };

struct SendingQueueConfig {
  bool enabled = true;
  std::uint32_t num_consumers = 10;
  std::uint32_t queue_size = 1000;  // batches
};

struct RetryConfig {
  bool enabled = true;
  Duration initial_interval = std::chrono::seconds(5);
  Duration max_interval = std::chrono::seconds(30);
  Duration max_elapsed_time = std::chrono::minutes(5);  // 0: retry forever
  double multiplier = 1.5;
  double randomization_factor = 0.5;
};

struct OtlpExporterConfig {
  // otlp / otlp_grpc: "host:port" or a URL; otlphttp / otlp_http: a base URL
  // ("/v1/traces" is appended) unless traces_endpoint gives the full URL.
  bool grpc = true;
  std::string endpoint;
  std::optional<std::string> traces_endpoint;  // otlphttp only
  bool tls_insecure = false;                   // tls.insecure
  std::vector<std::pair<std::string, std::string>> headers;
  Compression compression = Compression::kGzip;  // the Collector's default
  // The loader's defaults are the Collector's: 5s for otlp/otlp_grpc, 30s for
  // otlphttp/otlp_http. 0: no timeout.
  Duration timeout = std::chrono::seconds(5);
  OtlpEncoding encoding = OtlpEncoding::kProto;  // otlphttp only
  std::optional<std::string> authenticator;
  SendingQueueConfig sending_queue;
  RetryConfig retry_on_failure;

  // Also checks sending_queue and retry_on_failure ("sending_queue::...").
  ConfigProblems validate() const;
};

enum class DebugVerbosity { kBasic, kNormal, kDetailed };

struct DebugExporterConfig {
  DebugVerbosity verbosity = DebugVerbosity::kBasic;
  std::uint32_t sampling_initial = 2;
  std::uint32_t sampling_thereafter = 1;

  ConfigProblems validate() const;
};

// ------------------------------------------------------------------ service

using ComponentSettings =
    std::variant<OtlpReceiverConfig, BatchProcessorConfig, MemoryLimiterConfig,
                 AttributesProcessorConfig, ProbabilisticSamplerConfig, OtlpExporterConfig,
                 DebugExporterConfig, BearerTokenAuthConfig, HealthCheckConfig>;

struct Component {
  std::string id;    // "otlphttp/central"
  std::string type;  // "otlphttp" (as written: otlp_http stays otlp_http)
  ComponentSettings settings;
};

struct Pipeline {
  std::string id;  // "traces" or "traces/<name>"
  std::vector<std::string> receivers;
  std::vector<std::string> processors;  // in order
  std::vector<std::string> exporters;
};

struct TelemetryConfig {
  // Where /metrics is served: service.telemetry.metrics.address, or the
  // host/port of a `readers: [{pull: {exporter: {prometheus: ...}}}]` entry.
  // Empty: not served. Default "localhost:8888" as the Collector's. The
  // loader also empties it for metrics level "none" and for `readers: []`.
  std::string metrics_address = "localhost:8888";
  std::string metrics_level = "normal";  // none | basic | normal | detailed
  std::string logs_level = "info";       // debug | info | warn | error

  // Paths as in the YAML: "metrics::address", "metrics::level", "logs::level".
  ConfigProblems validate() const;
};

struct Config {
  // Declaration order in the YAML (merged files: first appearance).
  std::vector<Component> receivers;
  std::vector<Component> processors;
  std::vector<Component> exporters;
  std::vector<Component> extensions;
  std::vector<std::string> service_extensions;  // enabled, in order
  std::vector<Pipeline> pipelines;
  TelemetryConfig telemetry;

  // In any section, searched receivers, processors, exporters, extensions
  // in that order: ids are unique per section only ("otlp" may be both a
  // receiver and an exporter), so prefer find_component for a known section.
  const Component* find(std::string_view id) const;

  // The whole config as the loader checks it after decoding: every
  // component's validate() (unused ones too, as the Collector), component ids
  // ("type" or "type/name", type matching the settings), service.extensions,
  // pipelines (ids "traces[/name]", >= 1 receiver and exporter, every
  // reference defined, no repeats) and authenticators (a bearertokenauth
  // extension listed in service.extensions). Paths are absolute
  // ("exporters::otlphttp/central::compression").
  ConfigProblems validate() const;
};

// The component with this id in one section, or nullptr.
const Component* find_component(const std::vector<Component>& section, std::string_view id);

struct LoadOptions {
  // false: an unknown component type, key or pipeline type is an error.
  // true: it is a warning, the component/key/pipeline is skipped, and
  // references to skipped components are dropped from pipelines and
  // service.extensions (warned). What remains is validated as usual: a
  // pipeline left without receivers or exporters, or an authenticator naming
  // a skipped extension, is still an error.
  bool lenient = false;
  // ${env:VAR} / ${VAR} lookup; defaults to getenv.
  std::optional<std::map<std::string, std::string>> environment;
};

struct LoadResult {
  std::optional<Config> config;  // set when there are no errors
  // Every problem found, not just the first, each as
  //   "file:line:col: path: message", e.g.
  //   "top.yaml:12:18: exporters::otlphttp/central::compression: unsupported
  //    value \"zstd\"; supported: gzip, none".
  // The position is that of the bad value, or of the key of the map that
  // lacks something. With several files it is in the last file that set
  // that value (for a map: the last file that wrote under it). For unknown
  // types and keys the message lists what is supported there. Warnings
  // (lenient mode's skipped names, unset variables) have the same form.
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

// Loads the files in order, each merged over the previous ones (maps merge
// key by key, new keys after the old; lists, scalars and null replace, so
// `key:` alone in a later file clears it). Then expands ${env:VAR},
// ${env:VAR:-default}, ${VAR} and $$ (a literal $) in scalar values (never in
// keys, and not again in expanded text): an unset variable without default
// becomes "" with a warning; the default applies to unset variables only; a
// value that is exactly one reference is typed from the expanded text as
// YAML ("4318" → int), as the Collector does. Then decodes (type errors,
// unknown keys) and validates the whole result (Config::validate).
LoadResult load_config(const std::vector<std::string>& paths, const LoadOptions& options = {});
// The same from YAML text (tests); `name` stands for the file in messages.
LoadResult load_config_text(const std::vector<std::pair<std::string, std::string>>& named_texts,
                            const LoadOptions& options = {});

// Splits "host:port" / "[v6]:port" / ":port"; false when malformed. The port
// is 0..65535 (0: any free port, for tests); an IPv6 host needs brackets.
bool split_endpoint(std::string_view endpoint, std::string& host, std::uint16_t& port);

// Parses a Go duration as the Collector does: "200ms", "1m30s", "1.5h",
// "300us"/"300µs", "10ns", "0"; a leading sign is allowed. Negative results
// are returned (Go's semantics); the loader rejects them for config fields.
// nullopt when malformed, unitless (other than "0") or beyond ±292 years.
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace spanline::collector
