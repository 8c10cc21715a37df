// OTLP trace encoders: ExportTraceServiceRequest as protobuf wire bytes and
// as OTLP/JSON, written straight from SpanData (no protobuf message objects
// on the hot path). Spans are grouped by resource, then by scope, keeping
// first-seen order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "spanline/telemetry/sdk/span_data.h"
#include "spanline/telemetry/sdk/span_exporter.h"

namespace spanline::telemetry {

// Appends the protobuf encoding of ExportTraceServiceRequest to `out`.
void encode_otlp_proto(std::span<const std::unique_ptr<SpanData>> spans, std::string& out);
// One span's protobuf bytes as a batch processor queues them (the field
// ScopeSpans.spans: tag, length, Span), and the request around such spans,
// grouped as encode_otlp_proto groups them: the two together give the same
// bytes as encode_otlp_proto. encode_otlp_proto_encoded throws
// std::invalid_argument when the sizes in `spans` do not add up to `bytes`.
void encode_otlp_proto_span(const SpanData& span, std::string& out);
// The same bytes written at `offset` of `buffer` (see
// SpanEncoder::encode_at); returns how many.
std::size_t encode_otlp_proto_span_at(const SpanData& span, std::string& buffer,
                                      std::size_t offset);
void encode_otlp_proto_encoded(std::string_view bytes, std::span<const EncodedSpan> spans,
                               std::string& out);
// The SpanEncoder for encode_otlp_proto_span (it reads packed attributes):
// what the OTLP protobuf exporters hand the batch processor.
const SpanEncoder& otlp_proto_span_encoder() noexcept;
// Appends the OTLP/JSON encoding (hex ids, lowerCamelCase field names, enums
// as integers, 64-bit integers as strings) to `out`.
void encode_otlp_json(std::span<const std::unique_ptr<SpanData>> spans, std::string& out);

// ExportTraceServiceResponse.partial_success.
struct OtlpPartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
};
// Decodes an ExportTraceServiceResponse (protobuf or JSON). Malformed bytes
// → false.
bool decode_otlp_response_proto(std::string_view bytes, OtlpPartialSuccess& out);
bool decode_otlp_response_json(std::string_view bytes, OtlpPartialSuccess& out);

}  // namespace spanline::telemetry
