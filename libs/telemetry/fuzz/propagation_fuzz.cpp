// libFuzzer target for the propagation parsers: traceparent, tracestate,
// baggage, and the W3C and B3 extractors. Beyond "no crash, no UB", each
// parser must be a fixed point of its own serialiser: whatever it accepts,
// it writes back as a header that parses to the same value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spanline/telemetry/api/propagation.h"

namespace spanline::telemetry {
namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Headers as a list of (name, value); names compare case-insensitively as the
// getter contract asks.
class Carrier final : public TextMapGetter, public TextMapSetter {
 public:
  HeaderValues get_all(std::string_view name) const override {
    check(!name.empty(), "header name asked for is empty");
    HeaderValues out;
    for (const auto& [k, v] : headers_) {
      if (same_name(k, name)) out.push_back(v);
    }
    return out;
  }
  void set(std::string_view name, std::string_view value) override {
    std::erase_if(headers_, [&](const auto& h) { return same_name(h.first, name); });
    headers_.emplace_back(name, value);
  }
  void add(std::string_view name, std::string_view value) { headers_.emplace_back(name, value); }

 private:
  static bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
      if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
  }
  std::vector<std::pair<std::string, std::string>> headers_;
};

std::vector<std::string_view> split_lines(std::string_view data) {
  std::vector<std::string_view> lines;
  while (true) {
    const auto nl = data.find('\n');
    lines.push_back(data.substr(0, nl));
    if (nl == std::string_view::npos) return lines;
    data.remove_prefix(nl + 1);
  }
}

// A direct reading of W3C Trace Context §3.2.2/§3.2.4 on top of Id::from_hex,
// to cross-check the optimised decoder in parse_traceparent.
std::optional<SpanContext> reference_traceparent(std::string_view v) {
  auto byte = [](std::string_view hex) -> std::optional<std::uint8_t> {
    auto id = SpanId::from_hex(std::string(hex) + "00000000000000");
    if (!id) return std::nullopt;
    return id->bytes()[0];
  };
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const auto version = byte(v.substr(0, 2));
  if (!version || *version == 0xff) return std::nullopt;
  if (*version == 0 && v.size() != 55) return std::nullopt;
  if (*version != 0 && v.size() > 55 && v[55] != '-') return std::nullopt;
  const auto trace = TraceId::from_hex(v.substr(3, 32));
  const auto span = SpanId::from_hex(v.substr(36, 16));
  const auto flags = byte(v.substr(53, 2));
  if (!trace || !span || !flags || !trace->is_valid() || !span->is_valid()) return std::nullopt;
  return SpanContext(*trace, *span, TraceFlags(*version == 0 ? *flags : (*flags & 1)), true);
}

void fuzz_traceparent(std::string_view data) {
  const auto sc = parse_traceparent(data);
  check(sc == reference_traceparent(data), "traceparent agrees with the reference reading");
  if (!sc) return;
  check(sc->is_valid() && sc->is_remote(), "parsed traceparent is valid and remote");
  const std::string text = format_traceparent(*sc);
  check(text.size() == 55 && text.compare(0, 3, "00-") == 0, "formatted as version 00");
  check(parse_traceparent(text) == sc, "traceparent round trip");
}

void fuzz_trace_state(const std::vector<std::string_view>& lines) {
  const auto ts = TraceState::parse(lines);
  if (!ts) return;
  check(ts->size() <= TraceState::kMaxMembers, "tracestate member limit");
  for (const auto& [k, v] : ts->members()) {
    check(TraceState::is_valid_key(k) && TraceState::is_valid_value(v), "member grammar");
  }
  check(TraceState::parse(ts->to_header()) == ts, "tracestate round trip");
  TraceState copy = *ts;  // set() keeps the list valid and bounded
  check(copy.set("fuzz", "v") && copy.size() <= TraceState::kMaxMembers, "set on parsed list");
  check(TraceState::parse(copy.to_header()) == copy, "tracestate round trip after set");
}

void fuzz_baggage(const std::vector<std::string_view>& lines) {
  const Baggage b = Baggage::parse(lines);
  check(b.size() <= Baggage::kMaxMembers, "baggage member limit");
  const std::string header = b.to_header();
  check(header.size() <= Baggage::kMaxBytes, "baggage byte limit");
  check(Baggage::parse(header) == b, "baggage round trip");
}

// First line: traceparent, the rest: tracestate headers.
void fuzz_w3c(const std::vector<std::string_view>& lines) {
  Carrier in;
  in.add("TraceParent", lines.front());
  for (std::size_t i = 1; i < lines.size(); ++i) in.add("tracestate", lines[i]);
  const W3CTraceContextPropagator w3c;
  const Context ctx = w3c.extract(in, Context());
  if (!ctx.span_context().is_valid()) return;
  Carrier out;
  w3c.inject(ctx, out);
  check(w3c.extract(out, Context()).span_context() == ctx.span_context(), "w3c round trip");
}

// As a single `b3` value, and split over the X-B3-* headers line by line.
void fuzz_b3(std::string_view data, const std::vector<std::string_view>& lines) {
  static constexpr std::string_view kMulti[] = {"X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled",
                                                "X-B3-Flags", "X-B3-ParentSpanId"};
  Carrier single;
  single.add("b3", data);
  Carrier multi;
  for (std::size_t i = 0; i < lines.size() && i < std::size(kMulti); ++i) {
    multi.add(kMulti[i], lines[i]);
  }
  for (const Carrier* in : {&single, &multi}) {
    for (bool single_out : {true, false}) {
      const B3Propagator b3(single_out);
      const Context ctx = b3.extract(*in, Context());
      if (!ctx.span_context().is_valid()) continue;
      Carrier out;
      b3.inject(ctx, out);
      check(b3.extract(out, Context()).span_context() == ctx.span_context(), "b3 round trip");
    }
  }
}

}  // namespace
}  // namespace spanline::telemetry

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spanline::telemetry;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto lines = split_lines(input);
  fuzz_traceparent(input);
  fuzz_trace_state(std::vector<std::string_view>{input});
  fuzz_trace_state(lines);
  fuzz_baggage(std::vector<std::string_view>{input});
  fuzz_baggage(lines);
  fuzz_w3c(lines);
  fuzz_b3(input, lines);
  return 0;
}
