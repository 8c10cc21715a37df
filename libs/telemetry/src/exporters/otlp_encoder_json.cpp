// OTLP/JSON encoding of ExportTraceServiceRequest, written by hand from
// SpanData.
//
// Rules from the OTLP specification, "JSON Protobuf Encoding": the proto3
// JSON mapping with lowerCamelCase keys and enums as integers, except that
// trace and span ids are lowercase hex instead of base64. From the proto3
// mapping: 64-bit integers are decimal strings, 32-bit ones numbers, and
// non-finite doubles the strings "NaN", "Infinity", "-Infinity". Fields at
// their default are omitted, except the ones every reader looks for (ids,
// name, kind, times), and AnyValue members, whose presence is their type.
#include <charconv>
#include <cmath>
#include <cstring>

#include "exporters/otlp_encoder_detail.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

using otlp_detail::OutBuffer;

// Span.flags / Link.flags bits (trace.proto, SpanFlags).
constexpr std::uint32_t kHasIsRemote = 0x100;
constexpr std::uint32_t kIsRemote = 0x200;

class JsonEncoder {
 public:
  explicit JsonEncoder(std::string& out) : b_(out) {}

  void reserve(std::size_t n) { b_.reserve(n); }

  void request(const otlp_detail::SpanGroups& groups) {
    lit("{\"resourceSpans\":[");
    for (std::size_t r = 0; r < groups.resources.size(); ++r) {
      const auto& rg = groups.resources[r];
      if (r > 0) lit(",");
      lit("{\"resource\":");
      resource(*rg.resource);
      lit(",\"scopeSpans\":[");
      for (std::uint32_t i = 0; i < rg.scope_count; ++i) {
        const auto& sg = groups.scopes[rg.first_scope + i];
        if (i > 0) lit(",");
        lit("{\"scope\":");
        scope(*sg.scope);
        lit(",\"spans\":[");
        for (std::uint32_t j = 0; j < sg.span_count; ++j) {
          if (j > 0) lit(",");
          span(*groups.spans[sg.first_span + j]);
        }
        lit("]");
        if (!sg.scope->schema_url.empty()) {
          lit(",\"schemaUrl\":");
          string(sg.scope->schema_url);
        }
        lit("}");
      }
      lit("]");
      if (!rg.resource->schema_url().empty()) {
        lit(",\"schemaUrl\":");
        string(rg.resource->schema_url());
      }
      lit("}");
    }
    lit("]}");
  }

 private:
  // Objects whose members are all optional: `member` writes the separator.
  struct Object {
    bool empty = true;
  };
  template <std::size_t N>
  void member(Object& o, const char (&name)[N]) {
    b_.reserve(N + 3);
    if (!o.empty) b_.put(',');
    o.empty = false;
    b_.put('"');
    b_.put_lit(name);
    b_.put_lit("\":");
  }

  template <std::size_t N>
  void lit(const char (&text)[N]) {
    b_.reserve(N);
    b_.put_lit(text);
  }

  // RFC 8259 §7 string. Control characters are escaped; ill-formed UTF-8
  // becomes U+FFFD so that the document stays valid (RFC 8259 §8.1).
  void string(std::string_view s) {
    // Worst case per input byte: \u00XX (6 bytes); U+FFFD (3) replaces >= 1.
    b_.reserve(s.size() * 6 + 2);
    b_.put('"');
    std::size_t run = 0;  // start of bytes to copy verbatim
    std::size_t i = 0;
    while (i < s.size()) {
      while (s.size() - i >= 8 && !needs_attention(s.data() + i)) i += 8;
      // The tail, as one load overlapping bytes already seen.
      if (s.size() - i < 8 && s.size() >= 8 && !needs_attention(s.data() + s.size() - 8))
        i = s.size();
      if (i == s.size()) break;
      const auto c = static_cast<std::uint8_t>(s[i]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      if (c >= 0x80) {
        std::size_t bad = 0;
        if (std::size_t n = otlp_detail::utf8_sequence_length(s.substr(i), &bad)) {
          i += n;
          continue;
        }
        b_.put(s.data() + run, i - run);
        b_.put_lit("\xEF\xBF\xBD");
        i += bad;
        run = i;
        continue;
      }
      b_.put(s.data() + run, i - run);
      escape(static_cast<char>(c));
      run = ++i;
    }
    b_.put(s.data() + run, i - run);
    b_.put('"');
  }
  // Whether any of 8 bytes is a control character, '"', '\\' or non-ASCII
  // (the classic "has zero byte" / "has byte less than" bit tricks).
  static bool needs_attention(const char* p) noexcept {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;
    return ((w & kHigh) | control | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) !=
           0;
  }
  void escape(char c) noexcept {
    switch (c) {
      case '"':
        b_.put_lit("\\\"");
        break;
      case '\\':
        b_.put_lit("\\\\");
        break;
      case '\b':
        b_.put_lit("\\b");
        break;
      case '\f':
        b_.put_lit("\\f");
        break;
      case '\n':
        b_.put_lit("\\n");
        break;
      case '\r':
        b_.put_lit("\\r");
        break;
      case '\t':
        b_.put_lit("\\t");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
        b_.put(u, sizeof u);
      }
    }
  }

  template <typename Id>
  void id(const Id& value) {
    b_.reserve(Id::kSize * 2 + 2);
    b_.put('"');
    value.to_hex(b_.at(b_.pos()));
    b_.advance(Id::kSize * 2);
    b_.put('"');
  }
  // int64, uint64 and fixed64 travel as strings: JSON numbers lose
  // precision past 2^53 in many readers.
  template <typename Int>
  void quoted_integer(Int v) {
    b_.reserve(24);
    b_.put('"');
    integer(v);
    b_.put('"');
  }
  template <typename Int>
  void integer(Int v) {
    b_.reserve(22);
    auto [end, ec] = std::to_chars(b_.at(b_.pos()), b_.at(b_.pos()) + 22, v);
    b_.advance(end - b_.at(b_.pos()));
  }
  void number(double v) {
    if (std::isnan(v)) return lit("\"NaN\"");
    if (std::isinf(v)) return v > 0 ? lit("\"Infinity\"") : lit("\"-Infinity\"");
    // Shortest round-trip form; always a valid JSON number for finite values.
    b_.reserve(32);
    auto [end, ec] = std::to_chars(b_.at(b_.pos()), b_.at(b_.pos()) + 32, v);
    b_.advance(end - b_.at(b_.pos()));
  }

  template <typename T>
  void scalar(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      lit("{\"stringValue\":");
      string(v);
    } else if constexpr (std::is_same_v<T, bool>) {
      v ? lit("{\"boolValue\":true") : lit("{\"boolValue\":false");
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      lit("{\"intValue\":");
      quoted_integer(v);
    } else {
      lit("{\"doubleValue\":");
      number(v);
    }
    lit("}");
  }
  void any_value(const AttributeValue& value) {
    std::visit(
        [this](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (requires { typename T::value_type; } && !std::is_same_v<T, std::string>) {
            lit("{\"arrayValue\":{\"values\":[");
            bool first = true;
            for (const auto& element : v) {
              if (!first) lit(",");
              first = false;
              scalar<typename T::value_type>(element);
            }
            lit("]}}");
          } else {
            scalar(v);
          }
        },
        value);
  }
  template <std::size_t N>
  void key_values(Object& o, const char (&name)[N], const std::vector<Attribute>& attributes) {
    if (attributes.empty()) return;
    member(o, name);
    lit("[");
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      if (i > 0) lit(",");
      lit("{\"key\":");
      string(attributes[i].key);
      lit(",\"value\":");
      any_value(attributes[i].value);
      lit("}");
    }
    lit("]");
  }
  template <std::size_t N>
  void count(Object& o, const char (&name)[N], std::uint32_t v) {
    if (v == 0) return;
    member(o, name);
    integer(v);
  }
  template <std::size_t N>
  void text(Object& o, const char (&name)[N], std::string_view v) {
    if (v.empty()) return;
    member(o, name);
    string(v);
  }

  void resource(const Resource& r) {
    Object o;
    lit("{");
    key_values(o, "attributes", r.attributes());
    lit("}");
  }
  void scope(const InstrumentationScope& s) {
    Object o;
    lit("{");
    text(o, "name", s.name);
    text(o, "version", s.version);
    key_values(o, "attributes", s.attributes);
    lit("}");
  }

  void span(const SpanData& s) {
    Object o;
    lit("{");
    member(o, "traceId");
    id(s.trace_id);
    member(o, "spanId");
    id(s.span_id);
    text(o, "traceState", s.trace_state);
    if (s.parent_span_id.is_valid()) {
      member(o, "parentSpanId");
      id(s.parent_span_id);
    }
    count(o, "flags",
          s.trace_flags | (s.has_remote_flag ? kHasIsRemote : 0) |
              (s.parent_is_remote ? kIsRemote : 0));
    member(o, "name");
    string(s.name);
    member(o, "kind");
    integer(static_cast<int>(s.kind));
    member(o, "startTimeUnixNano");
    quoted_integer(s.start_unix_nano);
    member(o, "endTimeUnixNano");
    quoted_integer(s.end_unix_nano);
    key_values(o, "attributes", s.attributes);
    count(o, "droppedAttributesCount", s.dropped_attributes_count);
    if (!s.events.empty()) {
      member(o, "events");
      lit("[");
      for (std::size_t i = 0; i < s.events.size(); ++i) {
        if (i > 0) lit(",");
        event(s.events[i]);
      }
      lit("]");
    }
    count(o, "droppedEventsCount", s.dropped_events_count);
    if (!s.links.empty()) {
      member(o, "links");
      lit("[");
      for (std::size_t i = 0; i < s.links.size(); ++i) {
        if (i > 0) lit(",");
        link(s.links[i]);
      }
      lit("]");
    }
    count(o, "droppedLinksCount", s.dropped_links_count);
    if (s.status.code != StatusCode::kUnset || !s.status.message.empty()) {
      member(o, "status");
      Object st;
      lit("{");
      text(st, "message", s.status.message);
      count(st, "code", static_cast<std::uint32_t>(s.status.code));
      lit("}");
    }
    lit("}");
  }
  void event(const SpanEvent& e) {
    Object o;
    lit("{");
    member(o, "timeUnixNano");
    quoted_integer(e.time_unix_nano);
    text(o, "name", e.name);
    key_values(o, "attributes", e.attributes);
    count(o, "droppedAttributesCount", e.dropped_attributes_count);
    lit("}");
  }
  void link(const SpanLink& l) {
    Object o;
    lit("{");
    member(o, "traceId");
    id(l.trace_id);
    member(o, "spanId");
    id(l.span_id);
    text(o, "traceState", l.trace_state);
    key_values(o, "attributes", l.attributes);
    count(o, "droppedAttributesCount", l.dropped_attributes_count);
    // A link always knows whether its context is remote.
    count(o, "flags", l.trace_flags | kHasIsRemote | (l.is_remote ? kIsRemote : 0));
    lit("}");
  }

  OutBuffer b_;
};

}  // namespace

void encode_otlp_json(std::span<const std::unique_ptr<SpanData>> spans, std::string& out) {
  const otlp_detail::SpanGroups groups = otlp_detail::group_spans(spans);
  JsonEncoder encoder(out);
  encoder.reserve(2 * otlp_detail::estimate_proto_size(groups));
  encoder.request(groups);
}

}  // namespace spanline::telemetry
