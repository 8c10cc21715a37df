// libFuzzer target for OTLP trace request decoding: each input is tried as
// OTLP/JSON (decode_otlp_json) and as protobuf bytes (libprotobuf). Beyond
// "no crash, no UB, no leak": whatever either accepts must survive being
// written out again, as JSON and as protobuf, and decode back to an equal
// message; the JSON encoding must be a fixed point of decode + encode.
// The wire scan the HTTP receiver runs instead of decoding must agree with
// libprotobuf on every input: it accepts what ParseFromArray accepts (with
// well-formed ids) and counts the same spans; rewriting the resources of
// accepted bytes gives what editing the decoded request gives.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "otlp/otlp_json.h"
#include "otlp/otlp_wire.h"

namespace spanline::collector {
namespace {

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
  }
}

// NaN attribute values compare equal to themselves here.
bool same(const ExportTraceServiceRequest& a, const ExportTraceServiceRequest& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differ;
  differ.set_field_comparator(&comparator);
  return differ.Compare(a, b);
}

// Protobuf bytes may hold ids of any length; OTLP/JSON readers reject those
// (the encoder writes them anyway, so the decoder must refuse its output).
std::size_t count_spans(const ExportTraceServiceRequest& request) {
  std::size_t n = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<std::size_t>(ss.spans_size());
  return n;
}

bool ids_well_formed(const ExportTraceServiceRequest& request) {
  auto ok = [](const std::string& id, std::size_t size) { return id.empty() || id.size() == size; };
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& span : ss.spans()) {
        if (!ok(span.trace_id(), 16) || !ok(span.span_id(), 8) || !ok(span.parent_span_id(), 8))
          return false;
        for (const auto& link : span.links())
          if (!ok(link.trace_id(), 16) || !ok(link.span_id(), 8)) return false;
      }
  return true;
}

void check_round_trips(const ExportTraceServiceRequest& request) {
  ExportTraceServiceRequest from_binary;
  check(from_binary.ParseFromString(request.SerializeAsString()), "protobuf re-parses");
  check(same(request, from_binary), "protobuf round trip");

  std::string text;
  encode_otlp_json(request, text);
  boost::system::error_code ec;
  boost::json::parse(text, ec);
  check(!ec, "the encoding is valid JSON", text);

  ExportTraceServiceRequest from_json;
  std::string error;
  const bool decoded = decode_otlp_json(text, from_json, &error);
  if (!ids_well_formed(request)) {
    check(!decoded && error.find("hex digits") != std::string::npos,
          "ids of the wrong length are refused", error);
    return;
  }
  check(decoded, "own encoding decodes", error);
  check(same(request, from_json), "JSON round trip", text);
  std::string again;
  encode_otlp_json(from_json, again);
  check(again == text, "JSON encoding is a fixed point", again);
}

}  // namespace
}  // namespace spanline::collector

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libprotobuf logs each string field with invalid UTF-8 it refuses.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spanline::collector;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ExportTraceServiceRequest request;
  std::string error;
  if (decode_otlp_json(input, request, &error)) {
    check(ids_well_formed(request), "decoded ids have OTLP lengths");
    check_round_trips(request);
  } else {
    check(!error.empty(), "a failed decode says why");
  }

  const bool parsed = size <= static_cast<std::size_t>(INT32_MAX) &&
                      request.ParseFromArray(data, static_cast<int>(size));
  check(wire_parses(input) == parsed, "the wire scan agrees with libprotobuf",
        parsed ? "(libprotobuf parsed it)" : "(libprotobuf refused it)");
  const WireScan scan = scan_export_request(input);
  check(scan.ok == (parsed && ids_well_formed(request)), "the wire scan checks ids", scan.error);
  if (scan.ok) {
    check(scan.spans == count_spans(request), "the wire scan counts spans");
    // Rewriting resources in the bytes equals editing the decoded request.
    const auto edit = [](opentelemetry::proto::resource::v1::Resource& resource) {
      auto* kv = resource.add_attributes();
      kv->set_key("collector.name");
      kv->mutable_value()->set_string_value("fuzz");
    };
    std::string rewritten;
    check(rewrite_resources(input, edit, rewritten), "scanned bytes can be rewritten");
    ExportTraceServiceRequest want = request, got;
    for (auto& rs : *want.mutable_resource_spans()) edit(*rs.mutable_resource());
    check(got.ParseFromString(rewritten), "the rewrite parses");
    check(got.SerializeAsString() == want.SerializeAsString(), "the rewrite equals the edit");
  }
  if (parsed) {
    // Unknown fields survive protobuf but not JSON.
    request.DiscardUnknownFields();
    check_round_trips(request);
  }
  return 0;
}
