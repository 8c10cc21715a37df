// OTLP protobuf encoding of ExportTraceServiceRequest, written by hand from
// SpanData, and the ExportTraceServiceResponse reader.
//
// Wire format: https://protobuf.dev/programming-guides/encoding/. Field
// numbers are those of proto/opentelemetry/proto/... (comments beside the
// nested writes name the field). proto3 scalars at their default are omitted, except
// inside AnyValue's oneof, where presence is the type.
#include <bit>
#include <cstring>
#include <stdexcept>

#include "exporters/otlp_encoder_detail.h"
#include "protobuf_wire.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

using otlp_detail::OutBuffer;

using wire::kFixed32;
using wire::kFixed64;
using wire::kLen;
using wire::kVarint;
using wire::WireType;

constexpr std::uint32_t tag(std::uint32_t field, WireType type) {
  return field << 3 | type;
}

// Span.flags / Link.flags bits (trace.proto, SpanFlags).
constexpr std::uint32_t kHasIsRemote = 0x100;
constexpr std::uint32_t kIsRemote = 0x200;

// The most bytes a tag plus a varint can take.
constexpr std::size_t kMaxTagAndVarint = 5 + 10;

using wire::varint_size;
using wire::write_varint;

class ProtoEncoder {
 public:
  explicit ProtoEncoder(std::string& out) : b_(out) {}
  ProtoEncoder(std::string& scratch, std::size_t start, OutBuffer::Scratch tag)
      : b_(scratch, start, tag), start_(start) {}
  std::size_t written() const noexcept { return b_.pos() - start_; }

  void reserve(std::size_t n) { b_.reserve(n); }

  // ExportTraceServiceRequest for grouped SpanData.
  void request(const otlp_detail::SpanGroups& groups) {
    request(groups, [&](std::uint32_t at) { span(*groups.spans[at]); });
  }
  // The request around spans encoded by span() one at a time: `order` lists
  // them in grouped order, and `offsets[i]` is where span i's bytes start in
  // `bytes` (offsets[i + 1] where they end).
  void encoded_request(const otlp_detail::SpanGroups& groups, std::span<const std::uint32_t> order,
                       std::string_view bytes, std::span<const std::size_t> offsets) {
    request(groups, [&](std::uint32_t at) {
      const std::uint32_t k = order[at];
      const std::size_t n = offsets[k + 1] - offsets[k];
      b_.reserve(n);
      b_.put(bytes.data() + offsets[k], n);  // ScopeSpans.spans, tag and all
    });
  }

 private:
  // The resource and scope levels; `write_span(at)` writes the span at
  // position `at` of the grouped order.
  template <typename WriteSpan>
  void request(const otlp_detail::SpanGroups& groups, WriteSpan write_span) {
    for (const auto& rg : groups.resources) {
      std::size_t rs = begin(1, 3);  // ExportTraceServiceRequest.resource_spans
      resource(*rg.resource);
      for (std::uint32_t i = 0; i < rg.scope_count; ++i) {
        const auto& sg = groups.scopes[rg.first_scope + i];
        std::size_t ss = begin(2, 3);  // ResourceSpans.scope_spans
        scope(*sg.scope);
        for (std::uint32_t j = 0; j < sg.span_count; ++j) write_span(sg.first_span + j);
        string_field(3, sg.scope->schema_url);  // ScopeSpans.schema_url
        end(ss, 3);
      }
      string_field(3, rg.resource->schema_url());  // ResourceSpans.schema_url
      end(rs, 3);
    }
  }

  // Nested messages: the length prefix precedes a body of unknown size, so
  // `begin` leaves `guess` bytes for it and `end` shifts the body when the
  // real varint is shorter or longer. Guesses fit the common size, so the
  // shift is rare (and at worst one memmove per nesting level).
  std::size_t begin(std::uint32_t field, std::size_t guess) {
    b_.reserve(kMaxTagAndVarint);
    put_varint(tag(field, kLen));
    std::size_t mark = b_.pos();
    b_.advance(guess);
    return mark;
  }
  void end(std::size_t mark, std::size_t guess) {
    const std::size_t len = b_.pos() - mark - guess;
    const std::size_t n = varint_size(len);
    if (n != guess) {
      if (n > guess) b_.reserve(n - guess);
      std::memmove(b_.at(mark + n), b_.at(mark + guess), len);
      b_.set_pos(mark + n + len);
    }
    write_varint(b_.at(mark), len);
  }

  void put_varint(std::uint64_t v) noexcept {
    b_.advance(write_varint(b_.at(b_.pos()), v) - b_.at(b_.pos()));
  }
  void put_fixed(std::uint64_t v, int bytes) noexcept {
    b_.advance(write_fixed(b_.at(b_.pos()), v, bytes) - b_.at(b_.pos()));
  }
  // Little-endian, as protobuf's fixed32 and fixed64.
  static char* write_fixed(char* p, std::uint64_t v, int bytes) noexcept {
    if constexpr (std::endian::native == std::endian::big)
      v = __builtin_bswap64(v) >> (64 - 8 * bytes);
    std::memcpy(p, &v, static_cast<std::size_t>(bytes));
    return p + bytes;
  }

  void len_field(std::uint32_t field, const void* data, std::size_t n) {
    b_.reserve(kMaxTagAndVarint + n);
    put_varint(tag(field, kLen));
    put_varint(n);
    b_.put(data, n);
  }
  // proto3 `string` must be UTF-8; invalid bytes become U+FFFD rather than
  // get the whole batch rejected.
  void string_value(std::uint32_t field, std::string_view s) {
    if (otlp_detail::is_valid_utf8(s)) {
      len_field(field, s.data(), s.size());
    } else {
      std::string fixed = otlp_detail::sanitize_utf8(s);
      len_field(field, fixed.data(), fixed.size());
    }
  }
  void string_field(std::uint32_t field, std::string_view s) {
    if (!s.empty()) string_value(field, s);
  }
  void varint_field(std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;
    b_.reserve(kMaxTagAndVarint);
    put_varint(tag(field, kVarint));
    put_varint(v);
  }
  void fixed64_field(std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;
    b_.reserve(kMaxTagAndVarint);
    put_varint(tag(field, kFixed64));
    put_fixed(v, 8);
  }
  void fixed32_field(std::uint32_t field, std::uint32_t v) {
    if (v == 0) return;
    b_.reserve(kMaxTagAndVarint);
    put_varint(tag(field, kFixed32));
    put_fixed(v, 4);
  }

  // AnyValue (common.proto). Every alternative is written even at its
  // default value: inside a oneof, presence is what carries the type.
  template <typename T>
  void scalar(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      string_value(1, v);
    } else if constexpr (std::is_same_v<T, bool>) {
      b_.reserve(kMaxTagAndVarint);
      put_varint(tag(2, kVarint));
      b_.put(v ? '\1' : '\0');
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      b_.reserve(kMaxTagAndVarint);
      put_varint(tag(3, kVarint));
      put_varint(static_cast<std::uint64_t>(v));  // int64: two's complement, 10 bytes if negative
    } else {
      b_.reserve(kMaxTagAndVarint);
      put_varint(tag(4, kFixed64));
      put_fixed(std::bit_cast<std::uint64_t>(v), 8);
    }
  }
  void any_value(const AttributeValue& value) {
    std::visit(
        [this](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (requires { typename T::value_type; } && !std::is_same_v<T, std::string>) {
            std::size_t array = begin(5, 2);  // AnyValue.array_value
            for (const auto& element : v) {
              std::size_t item = begin(1, 1);  // ArrayValue.values
              scalar(static_cast<typename T::value_type>(element));
              end(item, 1);
            }
            end(array, 2);
          } else {
            scalar(v);
          }
        },
        value);
  }
  void key_values(std::uint32_t field, const std::vector<Attribute>& attributes) {
    for (const Attribute& a : attributes) {
      if (!scalar_key_value(field, a)) {
        std::size_t kv = begin(field, 1);
        string_field(1, a.key);       // KeyValue.key
        std::size_t v = begin(2, 1);  // KeyValue.value
        any_value(a.value);
        end(v, 1);
        end(kv, 1);
      }
    }
  }
  // The common attribute (a valid UTF-8 key and a valid UTF-8 string or a
  // scalar value) in one step, every length known up front. False, having
  // written nothing, for the rest (arrays, text to sanitize).
  bool scalar_key_value(std::uint32_t field, const Attribute& a) {
    const std::optional<wire::ScalarKeyValue> kv = wire::scalar_key_value(a);
    if (!kv) return false;
    const wire::ScalarKeyValue::Sizes sizes = kv->sizes();
    b_.reserve(sizes.field);
    // Written through a local cursor: stores through char* may alias the
    // buffer's own fields, which would otherwise be reloaded after each byte.
    kv->write(b_.at(b_.pos()), field, sizes);
    b_.advance(sizes.field);
    return true;
  }

  void resource(const Resource& r) {
    std::size_t m = begin(1, 2);  // ResourceSpans.resource
    key_values(1, r.attributes());
    end(m, 2);
  }
  void scope(const InstrumentationScope& s) {
    std::size_t m = begin(1, 1);  // ScopeSpans.scope
    string_field(1, s.name);
    string_field(2, s.version);
    key_values(3, s.attributes);
    end(m, 1);
  }

  // The common span, with no trace state, events, links, status message or
  // attributes other than packed ones, and a valid UTF-8 name: every length
  // is known up front, so it is written in one pass through a plain pointer.
  // The same bytes as the general path below. False, having written
  // nothing, for any other span.
  bool common_span(const SpanData& s) {
    if (!s.trace_state.empty() || !s.attributes.empty() || !s.events.empty() || !s.links.empty() ||
        !s.status.message.empty() || static_cast<std::uint64_t>(s.kind) > 127 ||
        static_cast<std::uint64_t>(s.status.code) > 127 || !detail::is_valid_utf8_short(s.name))
      return false;
    const std::string_view packed = s.packed_attributes.bytes.view();
    const bool parent = s.parent_span_id.is_valid();
    const std::uint32_t flags = s.trace_flags | (s.has_remote_flag ? kHasIsRemote : 0) |
                                (s.parent_is_remote ? kIsRemote : 0);
    auto varint_field_size = [](std::uint64_t v) { return v == 0 ? 0 : 1 + varint_size(v); };
    const std::size_t body =
        2 + TraceId::kSize + 2 + SpanId::kSize + (parent ? 2 + SpanId::kSize : 0) +
        (s.name.empty() ? 0 : 1 + varint_size(s.name.size()) + s.name.size()) +
        (s.kind != SpanKind{} ? 2 : 0) + (s.start_unix_nano != 0 ? 9 : 0) +
        (s.end_unix_nano != 0 ? 9 : 0) + packed.size() +
        varint_field_size(s.dropped_attributes_count) + varint_field_size(s.dropped_events_count) +
        varint_field_size(s.dropped_links_count) + (s.status.code != StatusCode::kUnset ? 4 : 0) +
        (flags != 0 ? 6 : 0);
    b_.reserve(1 + varint_size(body) + body);
    char* p = b_.at(b_.pos());
    const char* const at = p;
    auto bytes = [&p](std::uint32_t field, const void* data, std::size_t n) {
      *p++ = static_cast<char>(tag(field, kLen));
      p = write_varint(p, n);
      std::memcpy(p, data, n);
      p += n;
    };
    auto varint = [&p](std::uint32_t field, std::uint64_t v) {
      if (v == 0) return;
      *p++ = static_cast<char>(tag(field, kVarint));
      p = write_varint(p, v);
    };
    auto fixed64 = [&p](std::uint32_t field, std::uint64_t v) {
      if (v == 0) return;
      *p++ = static_cast<char>(tag(field, kFixed64));
      p = write_fixed(p, v, 8);
    };
    *p++ = static_cast<char>(tag(2, kLen));  // ScopeSpans.spans
    p = write_varint(p, body);
    bytes(1, s.trace_id.data(), TraceId::kSize);
    bytes(2, s.span_id.data(), SpanId::kSize);
    if (parent) bytes(4, s.parent_span_id.data(), SpanId::kSize);
    if (!s.name.empty()) bytes(5, s.name.data(), s.name.size());
    varint(6, static_cast<std::uint64_t>(s.kind));
    fixed64(7, s.start_unix_nano);
    fixed64(8, s.end_unix_nano);
    if (!packed.empty()) {  // Span.attributes, already in wire form
      std::memcpy(p, packed.data(), packed.size());
      p += packed.size();
    }
    varint(10, s.dropped_attributes_count);
    varint(12, s.dropped_events_count);
    varint(14, s.dropped_links_count);
    if (s.status.code != StatusCode::kUnset) {
      *p++ = static_cast<char>(tag(15, kLen));  // Span.status
      *p++ = 2;
      *p++ = static_cast<char>(tag(3, kVarint));  // Status.code
      *p++ = static_cast<char>(s.status.code);
    }
    if (flags != 0) {
      p = write_varint(p, tag(16, kFixed32));  // two bytes
      p = write_fixed(p, flags, 4);
    }
    b_.advance(static_cast<std::size_t>(p - at));
    return true;
  }

 public:
  // One span as ScopeSpans.spans: tag, length and the Span message.
  void span(const SpanData& s) {
    if (!general_only_ && common_span(s)) return;
    std::size_t m = begin(2, 2);  // ScopeSpans.spans
    len_field(1, s.trace_id.data(), TraceId::kSize);
    len_field(2, s.span_id.data(), SpanId::kSize);
    string_field(3, s.trace_state);
    if (s.parent_span_id.is_valid()) len_field(4, s.parent_span_id.data(), SpanId::kSize);
    string_field(5, s.name);
    varint_field(6, static_cast<std::uint64_t>(s.kind));
    fixed64_field(7, s.start_unix_nano);
    fixed64_field(8, s.end_unix_nano);
    // Span.attributes: packed ones are already in wire form.
    const std::string_view packed = s.packed_attributes.bytes.view();
    if (!packed.empty()) {
      b_.reserve(packed.size());
      b_.put(packed);
    }
    key_values(9, s.attributes);
    varint_field(10, s.dropped_attributes_count);
    for (const SpanEvent& e : s.events) {
      std::size_t em = begin(11, 1);  // Span.events
      fixed64_field(1, e.time_unix_nano);
      string_field(2, e.name);
      key_values(3, e.attributes);
      varint_field(4, e.dropped_attributes_count);
      end(em, 1);
    }
    varint_field(12, s.dropped_events_count);
    for (const SpanLink& l : s.links) {
      std::size_t lm = begin(13, 1);  // Span.links
      len_field(1, l.trace_id.data(), TraceId::kSize);
      len_field(2, l.span_id.data(), SpanId::kSize);
      string_field(3, l.trace_state);
      key_values(4, l.attributes);
      varint_field(5, l.dropped_attributes_count);
      // A link always knows whether its context is remote.
      fixed32_field(6, l.trace_flags | kHasIsRemote | (l.is_remote ? kIsRemote : 0));
      end(lm, 1);
    }
    varint_field(14, s.dropped_links_count);
    if (s.status.code != StatusCode::kUnset || !s.status.message.empty()) {
      std::size_t sm = begin(15, 1);  // Span.status
      string_field(2, s.status.message);
      varint_field(3, static_cast<std::uint64_t>(s.status.code));
      end(sm, 1);
    }
    fixed32_field(16, s.trace_flags | (s.has_remote_flag ? kHasIsRemote : 0) |
                          (s.parent_is_remote ? kIsRemote : 0));
    end(m, 2);
  }

  // Tests compare common_span() with the general path.
  void set_general_only() noexcept { general_only_ = true; }

 private:
  OutBuffer b_;
  std::size_t start_ = 0;
  bool general_only_ = false;
};

// ---------------------------------------------------------------------------
// Response reader

using wire::WireReader;

bool decode_partial_success(std::string_view bytes, OtlpPartialSuccess& out) {
  WireReader r(bytes);
  while (!r.done()) {
    std::uint32_t field;
    WireType type;
    if (!r.tag(field, type)) return false;
    if (field == 1 && type == kVarint) {  // rejected_spans
      std::uint64_t v;
      if (!r.varint(v)) return false;
      out.rejected_spans = static_cast<std::int64_t>(v);
    } else if (field == 2 && type == kLen) {  // error_message
      std::string_view s;
      if (!r.bytes(s)) return false;
      out.error_message.assign(s);
    } else if (!r.skip(field, type)) {
      return false;
    }
  }
  return true;
}

// The request for a SpanData batch, through the encoder `make_encoder` gives.
template <typename MakeEncoder>
std::size_t encode_spans(std::span<const std::unique_ptr<SpanData>> spans,
                         MakeEncoder&& make_encoder) {
  const otlp_detail::SpanGroups groups = otlp_detail::group_spans(spans);
  ProtoEncoder encoder = make_encoder();
  encoder.reserve(otlp_detail::estimate_proto_size(groups));
  encoder.request(groups);
  return encoder.written();
}

}  // namespace

void encode_otlp_proto(std::span<const std::unique_ptr<SpanData>> spans, std::string& out) {
  encode_spans(spans, [&] { return ProtoEncoder(out); });
}

std::size_t otlp_detail::encode_otlp_proto_scratch(std::span<const std::unique_ptr<SpanData>> spans,
                                                   std::string& scratch) {
  return encode_spans(spans, [&] { return ProtoEncoder(scratch, 0, OutBuffer::Scratch{}); });
}

void encode_otlp_proto_span(const SpanData& span, std::string& out) {
  ProtoEncoder(out).span(span);
}

void otlp_detail::encode_otlp_proto_span_general(const SpanData& span, std::string& out) {
  ProtoEncoder encoder(out);
  encoder.set_general_only();
  encoder.span(span);
}

std::size_t encode_otlp_proto_span_at(const SpanData& span, std::string& buffer,
                                      std::size_t offset) {
  ProtoEncoder encoder(buffer, offset, OutBuffer::Scratch{});
  encoder.span(span);
  return encoder.written();
}

namespace {

template <typename MakeEncoder>
std::size_t encode_encoded(std::string_view bytes, std::span<const EncodedSpan> spans,
                           MakeEncoder&& make_encoder) {
  std::size_t total = 0;
  std::vector<std::size_t> offsets;
  offsets.reserve(spans.size() + 1);
  for (const EncodedSpan& e : spans) {
    offsets.push_back(total);
    total += e.size;
  }
  offsets.push_back(total);
  if (total != bytes.size())
    throw std::invalid_argument("encoded spans: sizes add up to " + std::to_string(total) +
                                " bytes, the buffer holds " + std::to_string(bytes.size()));
  std::vector<std::uint32_t> order;
  const otlp_detail::SpanGroups groups = otlp_detail::group_encoded(spans, order);
  ProtoEncoder encoder = make_encoder();
  // The spans plus a little per resource and scope.
  encoder.reserve(total + 64 * (groups.resources.size() + groups.scopes.size()));
  encoder.encoded_request(groups, order, bytes, offsets);
  return encoder.written();
}

}  // namespace

void encode_otlp_proto_encoded(std::string_view bytes, std::span<const EncodedSpan> spans,
                               std::string& out) {
  encode_encoded(bytes, spans, [&] { return ProtoEncoder(out); });
}

std::size_t otlp_detail::encode_otlp_proto_encoded_scratch(std::string_view bytes,
                                                           std::span<const EncodedSpan> spans,
                                                           std::string& scratch) {
  return encode_encoded(bytes, spans,
                        [&] { return ProtoEncoder(scratch, 0, OutBuffer::Scratch{}); });
}

const SpanEncoder& otlp_proto_span_encoder() noexcept {
  class Encoder final : public SpanEncoder {
   public:
    void encode(const SpanData& span, std::string& out) const override {
      encode_otlp_proto_span(span, out);
    }
    std::size_t encode_at(const SpanData& span, std::string& buffer,
                          std::size_t offset) const override {
      return encode_otlp_proto_span_at(span, buffer, offset);
    }
    bool reads_packed_attributes() const noexcept override { return true; }
  };
  static const Encoder encoder;
  return encoder;
}

bool decode_otlp_response_proto(std::string_view bytes, OtlpPartialSuccess& out) {
  out = {};
  WireReader r(bytes);
  while (!r.done()) {
    std::uint32_t field;
    WireType type;
    if (!r.tag(field, type)) return false;
    if (field == 1 && type == kLen) {  // partial_success; repeats merge
      std::string_view body;
      if (!r.bytes(body) || !decode_partial_success(body, out)) return false;
    } else if (!r.skip(field, type)) {
      return false;
    }
  }
  return true;
}

}  // namespace spanline::telemetry
