// OTLP trace encoders: ExportTraceServiceRequest as protobuf wire bytes and
// as OTLP/JSON, written straight from SpanData (no protobuf message objects
// on the hot path). Spans are grouped by resource, then by scope, keeping
// first-seen order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

// Appends the protobuf encoding of ExportTraceServiceRequest to `out`.
void encode_otlp_proto(std::span<const std::unique_ptr<SpanData>> spans, std::string& out);
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
