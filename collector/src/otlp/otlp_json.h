// OTLP/JSON for trace export requests and responses, on our generated
// protobuf classes (OTLP spec, "JSON Protobuf Encoding"): trace and span ids
// as hex strings, enums as integers, 64-bit integers as decimal strings,
// lowerCamelCase keys.
//
// Decoding is as lenient as the spec asks of receivers and no more: it also
// accepts the original snake_case field names, 64-bit integers as JSON
// numbers, enum values as names, and ignores unknown fields; anything else
// malformed (bad hex, wrong id length, wrong JSON types, trailing data) is an
// error with a message naming the field path.
#pragma once

#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::collector {

using ExportTraceServiceRequest =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ExportTraceServiceResponse =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

// Replaces `out` with the decoded request. On failure returns false, sets
// `error` (e.g. "resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32
// hex digits") and leaves `out` in an unspecified but valid state.
bool decode_otlp_json(std::string_view json, ExportTraceServiceRequest& out, std::string* error);

// Appends the OTLP/JSON encoding of `request` to `out`. Bytes-typed ids of
// the wrong length are written as hex anyway (the receiver rejects them).
void encode_otlp_json(const ExportTraceServiceRequest& request, std::string& out);

// {} or {"partialSuccess": {"rejectedSpans": "N", "errorMessage": "..."}}.
void encode_otlp_json(const ExportTraceServiceResponse& response, std::string& out);

}  // namespace spanline::collector
