// A validating scan of an ExportTraceServiceRequest in protobuf wire form,
// without decoding it: the receivers use it so that a request can travel the
// pipeline as the bytes it arrived in, decoded only if a component needs its
// fields.
//
// It accepts exactly what ParseFromArray on our generated classes accepts
// (the same wire rules, field types, UTF-8 checks on string fields and
// nesting limit; a fuzz target checks the two agree), then applies the
// receivers' id rule: a trace id that is not empty has 16 bytes, a span id 8
// (span, parent and link ids). It counts the spans on the way.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace spanline::collector {

struct WireScan {
  bool ok = false;
  std::size_t spans = 0;
  // When !ok: "not a valid protobuf ExportTraceServiceRequest: ..." or, for
  // an id, "resourceSpans[0].scopeSpans[1].spans[3].traceId: 3 bytes, want 16".
  std::string error;
};

WireScan scan_export_request(std::string_view wire);

// The structural part alone (what ParseFromArray accepts), without the id
// rule: for the fuzz target that compares it with libprotobuf.
bool wire_parses(std::string_view wire);

// The number of ResourceSpans in a scanned request (its top-level fields
// only; nothing is decoded).
std::size_t count_resource_spans(std::string_view wire);

// Rewrites the resource of each ResourceSpans of a scanned request: `edit`
// gets it decoded (empty where there was none) and it is written back;
// scope spans and every other field are copied as they are, undecoded. The
// result goes to `out`; false if `wire` is not a scanned request.
bool rewrite_resources(
    std::string_view wire,
    const std::function<void(opentelemetry::proto::resource::v1::Resource&)>& edit,
    std::string& out);

}  // namespace spanline::collector
