// The OTLP span exporter: options from the environment, and encoding; the
// bytes go through an OtlpSender (otlp_sender.cpp: gzip and the retry loop
// around a Transport).
//
// Specs: OpenTelemetry "OTLP Exporter" (configuration, retry) and the OTLP
// protocol spec ("Failures", "Throttling", "Partial Success").
#include "spanline/telemetry/exporters/otlp_exporter.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "exporters/otlp_encoder_detail.h"
#include "exporters/otlp_transport.h"
#include "sdk/env.h"
#include "sdk/internal_log.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/exporters/otlp_sender.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

using namespace std::chrono_literals;

constexpr const char* kComponent = "otlp_exporter";

// ---------------------------------------------------------------------------
// Environment (OTLP exporter spec, "Configuration Options")
// ---------------------------------------------------------------------------

// The signal-specific variable wins over the generic one; returns the value
// and the name it came from (for warnings).
std::optional<std::pair<std::string, const char*>> get_either(const char* traces_name,
                                                              const char* generic_name) {
  if (auto v = env::get(traces_name)) return std::pair{*v, traces_name};
  if (auto v = env::get(generic_name)) return std::pair{*v, generic_name};
  return std::nullopt;
}

void warn(std::vector<std::string>* warnings, std::string text) {
  if (warnings) warnings->push_back(std::move(text));
}

// "Endpoint URLs for OTLP/HTTP": the generic endpoint is a base URL to which
// the signal path is appended, keeping any path the base already has.
std::string append_traces_path(std::string base) {
  if (base.empty() || base.back() != '/') base.push_back('/');
  return base + "v1/traces";
}

// "Specifying headers via environment variables": a comma-separated list of
// percent-encoded key=value pairs (the W3C Baggage format, less properties).
std::vector<std::pair<std::string, std::string>> parse_headers(std::string_view text,
                                                               const char* name,
                                                               std::vector<std::string>* warnings) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto member = env::trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (member.empty()) continue;
    const auto eq = member.find('=');
    std::optional<std::string> key, value;
    if (eq != std::string_view::npos) {
      key = env::percent_decode(env::trim(member.substr(0, eq)));
      value = env::percent_decode(env::trim(member.substr(eq + 1)));
    }
    if (!key || key->empty() || !value) {
      warn(warnings, std::string(name) + ": skipping malformed header \"" + std::string(member) +
                         "\" (expected key=value, percent-encoded)");
      continue;
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

bool is_token_char(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Why a user header cannot go on the wire, or empty. gRPC asserts on
// metadata it considers illegal, so its rules are checked up front.
std::string header_problem(OtlpProtocol protocol, const std::string& key,
                           const std::string& value) {
  if (key.empty()) return "a header has an empty name";
  if (protocol == OtlpProtocol::kGrpc) {
    const auto lower = env::to_lower(key);
    for (unsigned char c : lower)
      if (!(std::isdigit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '.'))
        return "header \"" + key + "\" is not a valid gRPC metadata key";
    if (lower.starts_with("grpc-")) return "header \"" + key + "\" uses the reserved grpc- prefix";
    if (!lower.ends_with("-bin"))
      for (unsigned char c : value)
        if (c < 0x20 || c > 0x7e)
          return "header \"" + key + "\" has a value gRPC cannot send as text";
    return {};
  }
  for (unsigned char c : key)
    if (!is_token_char(c)) return "header \"" + key + "\" is not a valid HTTP field name";
  // These frame the message; a user value would corrupt the request.
  for (const char* framing :
       {"content-length", "transfer-encoding", "content-encoding", "connection"})
    if (env::iequals(key, framing)) return "header \"" + key + "\" is set by the exporter";
  for (unsigned char c : value)
    if (c == '\r' || c == '\n' || c == '\0')
      return "header \"" + key + "\" has a control character in its value";
  return {};
}

// ---------------------------------------------------------------------------
// The exporter
// ---------------------------------------------------------------------------

class OtlpExporter final : public SpanExporter {
 public:
  explicit OtlpExporter(OtlpExporterOptions options)
      : endpoint_(options.endpoint),
        json_(options.protocol == OtlpProtocol::kHttpJson),
        overlap_(options.overlap_answers),
        sender_(OtlpSender::make(std::move(options))) {}
  ~OtlpExporter() override {
    shutdown();
    std::lock_guard lock(mu_);
    settle();  // the sender is shut down: no I/O, the batch counts as failed
  }

  ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                            Deadline deadline) noexcept override;
  const SpanEncoder* span_encoder() const noexcept override {
    // Protobuf spans are encoded one by one where they end; the request is
    // put together around them.
    return json_ ? nullptr : &otlp_proto_span_encoder();
  }
  ExportResult export_encoded(std::string_view bytes, std::span<const EncodedSpan> spans,
                              Deadline deadline) noexcept override;
  // Settles the batch whose answer is still to be read (overlap_answers).
  bool force_flush(Deadline deadline) noexcept override {
    std::lock_guard lock(mu_);
    settle(deadline);
    return true;
  }
  void shutdown() noexcept override {
    shut_down_.store(true, std::memory_order_release);
    sender_->shutdown();
  }

 private:
  template <typename Encode>
  ExportResult export_batch(std::size_t spans, Deadline deadline, Encode&& encode) noexcept;
  // Counts and logs a batch's outcome; the export result it makes.
  ExportResult account(const OtlpSendOutcome& result, std::size_t spans) noexcept;
  // Reads the answer to the batch started last, if any, and accounts for
  // it; retries end by the batch's deadline or `deadline`, the earlier.
  void settle(Deadline deadline = Deadline::max()) noexcept;
  void report(const OtlpSendOutcome& result, std::size_t spans) noexcept;

  const std::string endpoint_;
  const bool json_;
  const bool overlap_;
  const std::unique_ptr<OtlpSender> sender_;
  std::atomic<bool> shut_down_{false};
  // export_spans/export_encoded and force_flush, which may come from
  // another thread.
  std::mutex mu_;
  // Reused across batches. With overlap_, it holds the batch whose answer
  // is unread (`unsettled_` spans) until settle().
  std::string body_;
  std::size_t unsettled_ = 0;

  // At most one line per kind per 10 s: a dead backend fails every batch.
  internal::RateLimiter permanent_log_{10s};
  internal::RateLimiter failed_log_{10s};
  internal::RateLimiter partial_log_{10s};
};

ExportResult OtlpExporter::export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                                        Deadline deadline) noexcept {
  return export_batch(spans.size(), deadline, [&] {
    if (json_) {
      body_.clear();
      encode_otlp_json(spans, body_);
      return body_.size();
    }
    // body_ is scratch here: only its first `size` bytes are the request.
    return otlp_detail::encode_otlp_proto_scratch(spans, body_);
  });
}

ExportResult OtlpExporter::export_encoded(std::string_view bytes,
                                          std::span<const EncodedSpan> spans,
                                          Deadline deadline) noexcept {
  // body_ is scratch here: only its first `size` bytes are the request.
  return export_batch(spans.size(), deadline, [&] {
    return otlp_detail::encode_otlp_proto_encoded_scratch(bytes, spans, body_);
  });
}

template <typename Encode>
ExportResult OtlpExporter::export_batch(std::size_t spans, Deadline deadline,
                                        Encode&& encode) noexcept {
  std::lock_guard lock(mu_);
  // The previous batch's answer has been waiting in the socket: reading it
  // now does not block, and frees body_ for this batch.
  settle();
  if (spans == 0) return ExportResult::kSuccess;
  // SpanExporter spec, "Shutdown": later Export calls fail, without I/O.
  // Nor are they encoded: a batch processor whose shutdown timed out may
  // still hand over spans whose provider (resource, scope) is gone.
  if (shut_down_.load(std::memory_order_acquire)) {
    SdkCounters::instance().spans_export_failed.add(spans);
    return ExportResult::kFailure;
  }
  std::size_t size = 0;
  try {
    size = encode();
  } catch (const std::exception& e) {
    internal::log(internal::LogLevel::kError, kComponent,
                  std::string("cannot encode batch: ") + e.what());
    SdkCounters::instance().spans_export_failed.add(spans);
    return ExportResult::kFailure;
  }
  const std::string_view body(body_.data(), size);
  if (!overlap_) return account(sender_->send(body, deadline), spans);
  // Written: the answer is read later. Not written (shutdown, no
  // connection): the batch is settled now, as without overlap.
  if (!sender_->start(body, deadline)) return account(sender_->finish(deadline), spans);
  unsettled_ = spans;
  return ExportResult::kSuccess;
}

void OtlpExporter::settle(Deadline deadline) noexcept {
  if (unsettled_ == 0) return;
  account(sender_->finish(deadline), std::exchange(unsettled_, 0));
}

ExportResult OtlpExporter::account(const OtlpSendOutcome& result, std::size_t spans) noexcept {
  auto& counters = SdkCounters::instance();
  report(result, spans);
  if (result.status != OtlpSendOutcome::Status::kOk) {
    counters.spans_export_failed.add(spans);
    return ExportResult::kFailure;
  }
  // "Partial Success": rejected spans are dropped for good, the rest landed.
  const auto rejected = static_cast<std::size_t>(
      std::clamp<std::int64_t>(result.partial.rejected_spans, 0, static_cast<std::int64_t>(spans)));
  counters.spans_exported.add(spans - rejected);
  if (rejected > 0) counters.spans_export_failed.add(rejected);
  return ExportResult::kSuccess;
}

void OtlpExporter::report(const OtlpSendOutcome& result, std::size_t spans) noexcept {
  try {
    const std::string batch = std::to_string(spans) + " spans to " + endpoint_;
    switch (result.status) {
      case OtlpSendOutcome::Status::kOk:
        if ((result.partial.rejected_spans != 0 || !result.partial.error_message.empty()) &&
            partial_log_.allow())
          internal::log(internal::LogLevel::kWarn, kComponent,
                        "partial success exporting " + batch + ": " +
                            std::to_string(result.partial.rejected_spans) +
                            " rejected: " + result.partial.error_message);
        break;
      case OtlpSendOutcome::Status::kPermanent:
        if (permanent_log_.allow())
          internal::log(internal::LogLevel::kError, kComponent,
                        "dropping " + batch + ", the server rejected them: " + result.error);
        break;
      case OtlpSendOutcome::Status::kRetryable:
        if (failed_log_.allow())
          internal::log(internal::LogLevel::kWarn, kComponent,
                        "dropping " + batch + " after retries: " + result.error);
        break;
      case OtlpSendOutcome::Status::kAborted:
        break;  // shutdown asked for it
    }
  } catch (...) {
    // Logging must not turn a failed export into a crash.
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Endpoint parsing, shared with the transports
// ---------------------------------------------------------------------------

namespace otlp {

std::optional<Endpoint> parse_endpoint(std::string_view url, bool allow_bare, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Endpoint> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  Endpoint ep;
  const auto sep = url.find("://");
  const bool is_url = sep != std::string_view::npos && (env::iequals(url.substr(0, sep), "http") ||
                                                        env::iequals(url.substr(0, sep), "https"));
  if (!is_url) {
    if (!allow_bare) return fail("not an http:// or https:// URL");
    // gRPC accepts its own target syntaxes (host:port, dns:///..., unix:...);
    // the channel validates them when it connects.
    if (url.empty() || url.find_first_of(" \t\r\n") != std::string_view::npos)
      return fail("not a valid gRPC target");
    ep.host = url;
    return ep;
  }
  ep.scheme = env::to_lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? "/" : rest.substr(path_at);
  target = target.substr(0, target.find('#'));
  ep.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  if (authority.find('@') != std::string_view::npos)
    return fail("user info in URLs is not supported");

  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return fail("unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return fail("empty port");
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return fail("empty port");
  }
  if (host.empty() || host == "[]") return fail("missing host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail("invalid port \"" + std::string(port) + "\"");
  }
  ep.host = host;
  ep.port = port;
  return ep;
}

}  // namespace otlp

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

OtlpExporterOptions OtlpExporterOptions::from_env(std::vector<std::string>* warnings) {
  OtlpExporterOptions o;
  if (auto v = get_either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")) {
    if (v->first == "grpc")
      o.protocol = OtlpProtocol::kGrpc;
    else if (v->first == "http/protobuf")
      o.protocol = OtlpProtocol::kHttpProtobuf;
    else if (v->first == "http/json")
      o.protocol = OtlpProtocol::kHttpJson;
    else
      warn(warnings, std::string(v->second) + "=\"" + v->first +
                         "\" is not grpc, http/protobuf or http/json; using http/protobuf");
  }
  const bool grpc = o.protocol == OtlpProtocol::kGrpc;

  std::optional<std::pair<std::string, const char*>> endpoint;
  if (auto v = env::get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    endpoint = {*v, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"};
  } else if (auto g = env::get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    endpoint = {grpc ? *g : append_traces_path(*g), "OTEL_EXPORTER_OTLP_ENDPOINT"};
  }
  if (endpoint) {
    std::string why;
    if (otlp::parse_endpoint(endpoint->first, grpc, &why))
      o.endpoint = endpoint->first;
    else
      warn(warnings, std::string(endpoint->second) + " is not a valid endpoint (" + why +
                         "); using the default");
  }
  if (o.endpoint.empty())
    o.endpoint = grpc ? "http://localhost:4317" : "http://localhost:4318/v1/traces";

  if (auto v = get_either("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"))
    o.headers = parse_headers(v->first, v->second, warnings);

  for (const char* name : {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}) {
    if (!env::get(name)) continue;
    if (auto ms = env::get_millis(name, warnings)) {
      if (ms->count() > 0)
        o.timeout = *ms;
      else
        warn(warnings, std::string(name) + "=0 is not a usable timeout; using the default");
    }
    break;
  }

  if (auto v =
          get_either("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION")) {
    if (env::iequals(v->first, "gzip"))
      o.gzip = true;
    else if (!env::iequals(v->first, "none"))
      warn(warnings,
           std::string(v->second) + "=\"" + v->first + "\" is not gzip or none; not compressing");
  }

  if (auto v = get_either("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "OTEL_EXPORTER_OTLP_INSECURE")) {
    if (env::iequals(v->first, "true"))
      o.insecure = true;
    else if (!env::iequals(v->first, "false"))
      warn(warnings, std::string(v->second) + "=\"" + v->first + "\" is not true or false");
  }
  return o;
}

std::string OtlpExporterOptions::validate() const {
  const bool grpc = protocol == OtlpProtocol::kGrpc;
  if (endpoint.empty()) return "the OTLP endpoint is empty";
  std::string why;
  const auto ep = otlp::parse_endpoint(endpoint, grpc, &why);
  if (!ep) return "invalid OTLP endpoint \"" + endpoint + "\": " + why;
  if (!grpc && ep->scheme == "https")
    return "https endpoints are not supported by the OTLP/HTTP exporter yet; use protocol grpc "
           "for TLS, or an http:// endpoint";
  if (timeout <= std::chrono::milliseconds::zero()) return "the OTLP timeout must be positive";
  if (retry.max_attempts < 1) return "retry.max_attempts must be at least 1";
  if (retry.enabled) {
    if (retry.initial_backoff <= std::chrono::milliseconds::zero())
      return "retry.initial_backoff must be positive";
    if (retry.max_backoff < retry.initial_backoff)
      return "retry.max_backoff must not be below retry.initial_backoff";
    if (!(retry.multiplier >= 1.0) || !std::isfinite(retry.multiplier))
      return "retry.multiplier must be a finite number of at least 1";
    if (!(retry.randomization >= 0.0 && retry.randomization <= 1.0))
      return "retry.randomization must be between 0 and 1";
  }
  for (const auto& [key, value] : headers)
    if (auto problem = header_problem(protocol, key, value); !problem.empty()) return problem;
  return {};
}

std::unique_ptr<SpanExporter> make_otlp_exporter(OtlpExporterOptions options) {
  if (auto problem = options.validate(); !problem.empty()) throw std::invalid_argument(problem);
  return std::make_unique<OtlpExporter>(std::move(options));
}

}  // namespace spanline::telemetry
