// spanline-interop-probe: a small CLI over the spanline SDK that the
// OpenTelemetry JS interop tests (tests/interop/*.test.mjs) drive as a peer.
// Every subcommand prints one JSON object on stdout; usage errors exit 2.
//
//   extract [--propagators LIST]
//       stdin: a JSON object of headers (a value is a string, or an array of
//       strings for a repeated header). Extracts, starts a child SERVER span,
//       prints the extracted context, the child and the headers injected for it.
//   inject [--propagators LIST] [--unsampled] [--tracestate TS]
//          [--baggage NAME=VALUE]... [--baggage-metadata NAME=PROPS]...
//       Starts a root span and prints its ids and the headers injected for it.
//   encode --format proto|json --out FILE
//       Records a fixed set of spans, writes their OTLP encoding to FILE and
//       prints a description of the recorded SpanData for the JS side to compare.
//
// LIST is an OTEL_PROPAGATORS value; the default is "tracecontext,baggage".
#include <boost/json.hpp>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "spanline/telemetry/api/propagation.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace json = boost::json;
namespace tel = spanline::telemetry;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------
// Carriers and an in-memory span sink
// ---------------------------------------------------------------------------

class JsonHeaders final : public tel::TextMapGetter {
 public:
  explicit JsonHeaders(const json::object& headers) {
    for (const auto& [name, value] : headers) {
      auto& values = headers_[lowercase(name)];
      if (value.is_array()) {
        for (const auto& v : value.as_array()) values.emplace_back(v.as_string());
      } else {
        values.emplace_back(value.as_string());
      }
    }
  }
  tel::HeaderValues get_all(std::string_view name) const override {
    tel::HeaderValues out;
    auto it = headers_.find(lowercase(name));
    if (it == headers_.end()) return out;
    for (const auto& v : it->second) out.push_back(v);
    return out;
  }

 private:
  std::map<std::string, std::vector<std::string>> headers_;
};

class MapSetter final : public tel::TextMapSetter {
 public:
  void set(std::string_view name, std::string_view value) override {
    headers[std::string(name)] = std::string(value);
  }
  json::object to_json() const {
    json::object o;
    for (const auto& [k, v] : headers) o[k] = v;
    return o;
  }
  std::map<std::string, std::string> headers;
};

class MemoryProcessor final : public tel::SpanProcessor {
 public:
  explicit MemoryProcessor(std::vector<std::unique_ptr<tel::SpanData>>& out) : out_(out) {}
  void on_end(std::unique_ptr<tel::SpanData> span) noexcept override {
    out_.push_back(std::move(span));
  }
  bool force_flush(tel::Deadline) noexcept override { return true; }
  bool shutdown(tel::Deadline) noexcept override { return true; }

 private:
  std::vector<std::unique_ptr<tel::SpanData>>& out_;
};

// Root-span sampler for `inject`: a fixed decision and tracestate, which is
// how an SDK user gives a new trace its first tracestate.
class FixedSampler final : public tel::Sampler {
 public:
  FixedSampler(bool sampled, std::shared_ptr<const tel::TraceState> trace_state)
      : sampled_(sampled), trace_state_(std::move(trace_state)) {}
  tel::SamplingResult should_sample(const tel::SamplingParams&) const override {
    tel::SamplingResult r;
    r.decision = sampled_ ? tel::SamplingDecision::kRecordAndSample : tel::SamplingDecision::kDrop;
    r.trace_state = trace_state_;
    return r;
  }
  std::string description() const override { return "FixedSampler"; }

 private:
  bool sampled_;
  std::shared_ptr<const tel::TraceState> trace_state_;
};

std::unique_ptr<tel::TracerProvider> memory_provider(
    std::vector<std::unique_ptr<tel::SpanData>>& sink, tel::Resource resource,
    std::unique_ptr<tel::Sampler> sampler = nullptr, tel::SpanLimits limits = {}) {
  tel::TracerProviderOptions o;
  o.resource = std::make_shared<const tel::Resource>(std::move(resource));
  o.sampler = std::move(sampler);
  o.processors.push_back(std::make_unique<MemoryProcessor>(sink));
  o.limits = limits;
  return std::make_unique<tel::TracerProvider>(std::move(o));
}

std::unique_ptr<tel::TextMapPropagator> propagator_named(std::string_view names) {
  std::vector<std::string> unknown;
  auto p = tel::make_propagator(names, &unknown);
  if (!unknown.empty()) throw UsageError("unknown propagator: " + unknown.front());
  return p;
}

// ---------------------------------------------------------------------------
// JSON views of SDK values
// ---------------------------------------------------------------------------

json::object span_context_json(const tel::SpanContext& c) {
  return {{"valid", c.is_valid()},
          {"trace_id", c.trace_id().to_hex()},
          {"span_id", c.span_id().to_hex()},
          {"trace_flags", c.trace_flags().bits()},
          {"sampled", c.is_sampled()},
          {"is_remote", c.is_remote()},
          {"tracestate", c.trace_state().to_header()}};
}

json::array baggage_json(const tel::Baggage& baggage) {
  json::array out;
  for (const auto& e : baggage.entries())
    out.push_back(json::object{{"name", e.name}, {"value", e.value}, {"metadata", e.metadata}});
  return out;
}

// Attribute values as {"key", "type", "value"}; 64-bit integers become
// decimal strings so that JavaScript numbers never round them.
template <typename T>
std::string type_name() {
  if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return "int";
  } else if constexpr (std::is_same_v<T, double>) {
    return "double";
  } else {
    return type_name<typename T::value_type>() + "[]";
  }
}

template <typename T>
json::value value_json(const T& v) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    return json::value(std::to_string(v));
  } else if constexpr (std::is_same_v<T, std::string> || std::is_arithmetic_v<T>) {
    return json::value(v);
  } else {
    json::array out;
    for (auto&& e : v)
      out.push_back(value_json(typename T::value_type(e)));  // vector<bool> proxies
    return out;
  }
}

json::object attribute_json(const tel::Attribute& a) {
  return std::visit(
      [&](const auto& v) {
        return json::object{{"key", a.key},
                            {"type", type_name<std::decay_t<decltype(v)>>()},
                            {"value", value_json(v)}};
      },
      a.value);
}

json::array attributes_json(const std::vector<tel::Attribute>& attributes) {
  json::array out;
  for (const auto& a : attributes) out.push_back(attribute_json(a));
  return out;
}

json::object span_data_json(const tel::SpanData& s) {
  json::array events, links;
  for (const auto& e : s.events)
    events.push_back(json::object{{"time_unix_nano", std::to_string(e.time_unix_nano)},
                                  {"name", e.name},
                                  {"attributes", attributes_json(e.attributes)},
                                  {"dropped_attributes_count", e.dropped_attributes_count}});
  for (const auto& l : s.links)
    links.push_back(json::object{{"trace_id", l.trace_id.to_hex()},
                                 {"span_id", l.span_id.to_hex()},
                                 {"trace_state", l.trace_state},
                                 {"trace_flags", l.trace_flags},
                                 {"is_remote", l.is_remote},
                                 {"attributes", attributes_json(l.attributes)},
                                 {"dropped_attributes_count", l.dropped_attributes_count}});
  return {
      {"resource",
       {{"attributes", attributes_json(s.resource->attributes())},
        {"schema_url", s.resource->schema_url()}}},
      {"scope",
       {{"name", s.scope->name},
        {"version", s.scope->version},
        {"schema_url", s.scope->schema_url}}},
      {"trace_id", s.trace_id.to_hex()},
      {"span_id", s.span_id.to_hex()},
      {"parent_span_id", s.parent_span_id.is_valid() ? s.parent_span_id.to_hex() : ""},
      {"trace_state", s.trace_state},
      {"trace_flags", s.trace_flags},
      {"parent_is_remote", s.parent_is_remote},
      {"name", s.name},
      {"kind", static_cast<int>(s.kind)},
      {"start_time_unix_nano", std::to_string(s.start_unix_nano)},
      {"end_time_unix_nano", std::to_string(s.end_unix_nano)},
      {"attributes", attributes_json(s.attributes)},
      {"dropped_attributes_count", s.dropped_attributes_count},
      {"events", std::move(events)},
      {"dropped_events_count", s.dropped_events_count},
      {"links", std::move(links)},
      {"dropped_links_count", s.dropped_links_count},
      {"status", {{"code", static_cast<int>(s.status.code)}, {"message", s.status.message}}},
  };
}

// ---------------------------------------------------------------------------
// Subcommands
// ---------------------------------------------------------------------------

struct Args {
  std::string propagators;
  bool sampled = true;
  std::string tracestate;
  std::vector<std::pair<std::string, std::string>> baggage;
  std::map<std::string, std::string> baggage_metadata;
  std::string format;
  std::string out;
};

std::pair<std::string, std::string> split_assignment(std::string_view flag, std::string_view s) {
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) throw UsageError(std::string(flag) + " wants NAME=VALUE");
  return {std::string(s.substr(0, eq)), std::string(s.substr(eq + 1))};
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (flag == "--propagators")
      a.propagators = next();
    else if (flag == "--unsampled")
      a.sampled = false;
    else if (flag == "--tracestate")
      a.tracestate = next();
    else if (flag == "--baggage")
      a.baggage.push_back(split_assignment(flag, next()));
    else if (flag == "--baggage-metadata")
      a.baggage_metadata.insert(split_assignment(flag, next()));
    else if (flag == "--format")
      a.format = next();
    else if (flag == "--out")
      a.out = next();
    else
      throw UsageError("unknown option " + std::string(flag));
  }
  return a;
}

json::object run_extract(const Args& args) {
  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  const json::value headers = json::parse(input);
  const JsonHeaders carrier(headers.as_object());
  const auto propagator = propagator_named(args.propagators);
  const tel::Context extracted = propagator->extract(carrier, tel::Context());

  std::vector<std::unique_ptr<tel::SpanData>> sink;
  auto provider = memory_provider(sink, tel::Resource());
  tel::Span child = provider->get_tracer("spanline.interop")
                        .start_span("interop-child", tel::SpanKind::kServer, extracted);
  MapSetter injected;
  propagator->inject(child.context_for_children(extracted), injected);

  json::object child_json = span_context_json(child.context());
  child_json["recording"] = child.is_recording();
  child_json["parent_span_id"] = child.data() && child.data()->parent_span_id.is_valid()
                                     ? child.data()->parent_span_id.to_hex()
                                     : "";
  return {{"extracted", span_context_json(extracted.span_context())},
          {"baggage", baggage_json(extracted.baggage())},
          {"child", std::move(child_json)},
          {"headers", injected.to_json()}};
}

json::object run_inject(const Args& args) {
  std::shared_ptr<const tel::TraceState> trace_state;
  if (!args.tracestate.empty()) {
    auto parsed = tel::TraceState::parse(args.tracestate);
    if (!parsed) throw UsageError("invalid --tracestate");
    trace_state = std::make_shared<const tel::TraceState>(std::move(*parsed));
  }
  tel::Baggage baggage;
  for (const auto& [name, value] : args.baggage) {
    auto meta = args.baggage_metadata.find(name);
    if (!baggage.set(name, value, meta == args.baggage_metadata.end() ? "" : meta->second))
      throw UsageError("invalid --baggage " + name);
  }

  std::vector<std::unique_ptr<tel::SpanData>> sink;
  auto provider = memory_provider(sink, tel::Resource(),
                                  std::make_unique<FixedSampler>(args.sampled, trace_state));
  tel::StartSpanOptions o;
  o.kind = tel::SpanKind::kClient;
  o.root = true;
  tel::Span span = provider->get_tracer("spanline.interop").start_span("interop-root", o);
  MapSetter injected;
  const auto propagator = propagator_named(args.propagators);
  propagator->inject(tel::Context().with_span(span.context()).with_baggage(baggage), injected);
  return {{"span", span_context_json(span.context())},
          {"baggage", baggage_json(baggage)},
          {"headers", injected.to_json()}};
}

// ---------------------------------------------------------------------------
// encode: the fixed span set
// ---------------------------------------------------------------------------

constexpr std::uint64_t kT0 = 1'700'000'000'123'456'789ULL;  // beyond 2^53: exactness matters

tel::SpanContext remote_context(std::string_view trace, std::string_view span, bool sampled,
                                std::string_view trace_state = {}) {
  auto ts = tel::TraceState::parse(trace_state);
  return tel::SpanContext(
      *tel::TraceId::from_hex(trace), *tel::SpanId::from_hex(span),
      tel::TraceFlags(sampled ? tel::TraceFlags::kSampled : 0), true,
      ts && !ts->empty() ? std::make_shared<const tel::TraceState>(*ts) : nullptr);
}

std::vector<tel::Attribute> every_attribute_type() {
  using I = std::int64_t;
  constexpr I kMax = std::numeric_limits<I>::max();
  return {
      {"str", tel::attr("plain")},
      {"str.empty", tel::attr("")},
      {"str.escapes", tel::attr("quote\" backslash\\ tab\t newline\n ctrl\x01 é 漢字 😀")},
      {"bool.true", tel::attr(true)},
      {"bool.false", tel::attr(false)},
      {"int.zero", tel::attr(0)},
      {"int.negative", tel::attr(-42)},
      {"int.max", kMax},
      {"int.min", std::numeric_limits<I>::min()},
      {"int.beyond_2^53", I{9007199254740993}},
      {"double", tel::attr(3.141592653589793)},
      {"double.integral", tel::attr(2.0)},
      {"double.zero", tel::attr(0.0)},
      {"double.tiny", tel::attr(5e-324)},
      {"double.huge", tel::attr(-1.7976931348623157e308)},
      {"strings", std::vector<std::string>{"a", "", "ü,\""}},
      {"bools", std::vector<bool>{true, false, true}},
      {"ints", std::vector<I>{0, -1, kMax, 9007199254740993}},
      {"doubles", std::vector<double>{0.5, -0.25, 1e21, 0.0}},
      {"strings.empty", std::vector<std::string>{}},
  };
}

// Resource "a": a SERVER span continuing a remote parent (every attribute
// type, events, an exception, links with and without tracestate, an error
// status), its CLIENT and PRODUCER children (the producer in a second scope)
// and an INTERNAL root. Returns the contexts "b" links to.
std::pair<tel::SpanContext, tel::SpanContext> record_resource_a(tel::TracerProvider& provider) {
  auto& tracer = provider.get_tracer("spanline.interop", "1.2.3", "https://example.com/s");
  const tel::Context remote = tel::Context().with_span(
      remote_context("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true,
                     "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
  tel::Span server = tracer.start_span("GET /items/{id}", {.kind = tel::SpanKind::kServer,
                                                           .parent = &remote,
                                                           .attributes = every_attribute_type(),
                                                           .start_unix_nano = kT0});
  server.add_event("cache.miss", {{"cache.key", tel::attr("items:42")}, {"n", tel::attr(3)}},
                   kT0 + 1'000);
  server.add_event("no-attributes", {}, kT0 + 2'001);
  server.add_link(remote_context("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true,
                                 "vendor=opaque-value,x=1"),
                  {{"link.kind", tel::attr("follows")}, {"link.n", tel::attr(1.5)}});
  server.add_link(remote_context("ff000000000000000000000000000001", "ff00000000000001", false));
  server.set_status(tel::StatusCode::kError, "boom: \"quoted\" ✗");
  server.record_exception("std::runtime_error", "disk full", "frame 1\nframe 2");

  const tel::Context server_ctx = server.context_for_children(remote);
  tel::Span client = tracer.start_span(
      "POST", {.kind = tel::SpanKind::kClient, .parent = &server_ctx, .start_unix_nano = kT0 + 10});
  client.set_attribute("http.response.status_code", 200);
  client.set_status(tel::StatusCode::kOk, "ignored for Ok");
  client.end(kT0 + 999'999'999);
  tel::Span producer = provider.get_tracer("second-scope")
                           .start_span("publish dns:tasks", {.kind = tel::SpanKind::kProducer,
                                                             .parent = &server_ctx,
                                                             .start_unix_nano = kT0 + 20});
  producer.end(kT0 + 30);
  tracer.start_span("internal root", {.root = true, .start_unix_nano = kT0 + 40}).end(kT0 + 41);
  server.end(kT0 + 5'000'000'000ULL);
  return {producer.context(), client.context()};
}

// Resource "b": tight limits, so attributes, events, links and their
// attributes are dropped (and counted) and strings truncated.
void record_resource_b(tel::TracerProvider& provider, const tel::SpanContext& link1,
                       const tel::SpanContext& link2) {
  tel::Span consumer =
      provider.get_tracer("spanline.interop.b", "0.0.1")
          .start_span("process dns:tasks",
                      {.kind = tel::SpanKind::kConsumer,
                       .root = true,
                       .attributes = {{"first", tel::attr("truncated-here")},
                                      {"second", std::vector<std::string>{"abcdefgh", "ab"}},
                                      {"third", tel::attr("dropped")}},
                       .start_unix_nano = kT0 + 100});
  consumer.add_event("e1", {{"a", tel::attr(1)}, {"b", tel::attr(2)}}, kT0 + 150);
  consumer.add_event("e2", {}, kT0 + 160);
  consumer.add_link(link1, {{"a", tel::attr(true)}, {"b", tel::attr(false)}});
  consumer.add_link(link2);
  consumer.end(kT0 + 200);
}

json::object run_encode(const Args& args) {
  if (args.format != "proto" && args.format != "json") throw UsageError("--format proto|json");
  if (args.out.empty()) throw UsageError("--out FILE is required");

  std::vector<std::unique_ptr<tel::SpanData>> spans;
  auto provider_a =
      memory_provider(spans, tel::Resource({{"service.name", tel::attr("interop-a")},
                                            {"res.int", tel::attr(-7)},
                                            {"res.bool", tel::attr(true)},
                                            {"res.double", tel::attr(0.125)},
                                            {"res.strings", std::vector<std::string>{"x", "y"}}},
                                           "https://opentelemetry.io/schemas/1.26.0"));
  const tel::SpanLimits tight{.attribute_count = 2,
                              .attribute_value_length = 5,
                              .event_count = 1,
                              .link_count = 1,
                              .event_attribute_count = 1,
                              .link_attribute_count = 1};
  auto provider_b = memory_provider(
      spans,
      tel::Resource({{"service.name", tel::attr("interop-b")}, {"host.name", tel::attr("h1")}}),
      nullptr, tight);
  const auto [producer, client] = record_resource_a(*provider_a);
  record_resource_b(*provider_b, producer, client);

  std::string bytes;
  if (args.format == "proto")
    tel::encode_otlp_proto(spans, bytes);
  else
    tel::encode_otlp_json(spans, bytes);
  std::ofstream file(args.out, std::ios::binary);
  if (!file.write(bytes.data(), std::ssize(bytes)).flush())
    throw std::runtime_error("cannot write " + args.out);

  json::array described;
  for (const auto& s : spans) described.push_back(span_data_json(*s));
  return {{"format", args.format}, {"bytes", bytes.size()}, {"spans", std::move(described)}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  try {
    const Args args = parse_args(argc, argv);
    json::object result;
    if (command == "extract")
      result = run_extract(args);
    else if (command == "inject")
      result = run_inject(args);
    else if (command == "encode")
      result = run_encode(args);
    else
      throw UsageError("usage: spanline-interop-probe extract|inject|encode [options]");
    std::cout << json::serialize(result) << '\n';
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "spanline-interop-probe: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "spanline-interop-probe: " << e.what() << '\n';
    return 1;
  }
}
