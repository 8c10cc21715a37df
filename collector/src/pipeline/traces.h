// The unit of data in a pipeline: spans in one or more parts, each an
// ExportTraceServiceRequest either still in the protobuf wire form it arrived
// in or decoded into our generated message, moved from component to
// component.
//
// A request over OTLP/HTTP protobuf stays bytes (checked by
// scan_export_request) through every component that does not read spans:
// memory_limiter and batch move parts, the OTLP exporters append a wire part
// to their body as is — concatenated ExportTraceServiceRequests are one
// request on the wire. A component that reads or changes spans calls
// requests(), which decodes what is still bytes, once.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "otlp/otlp_json.h"  // ExportTraceServiceRequest

namespace spanline::collector {

class Traces {
 public:
  using Resource = opentelemetry::proto::resource::v1::Resource;

  Traces();
  Traces(Traces&&) noexcept;
  Traces& operator=(Traces&&) noexcept;
  ~Traces();

  // Bytes that scan_export_request accepted, holding `spans` spans.
  static Traces from_wire(std::string wire, std::size_t spans);
  // A decoded request (moved in; spans counted here).
  static Traces from_request(ExportTraceServiceRequest&& request);

  std::size_t span_count() const noexcept { return span_count_; }
  std::size_t part_count() const noexcept { return parts_.size(); }
  // Parts decoded so far (the rest are still wire bytes).
  std::size_t decoded_part_count() const noexcept;
  bool empty() const noexcept { return span_count_ == 0; }

  // Every part decoded (wire parts are decoded now, once): for components
  // that read or change spans. After dropping spans call recount().
  std::vector<ExportTraceServiceRequest*> requests();
  // Applies `edit` to every ResourceSpans' resource (created where absent).
  // Wire parts stay wire: only their resources are decoded and re-encoded.
  void edit_resources(const std::function<void(Resource&)>& edit);
  // A new, empty decoded part to fill (then recount()).
  ExportTraceServiceRequest& add_request();
  void recount() noexcept;

  // Moves all of `other`'s parts to the end of this one.
  void append(Traces&& other);
  // Splits into pieces of at most `max` spans (0: no limit), whole parts
  // where they fit; only a part that straddles a boundary is decoded.
  std::vector<Traces> split(std::size_t max) &&;

  // Appends one ExportTraceServiceRequest holding every part, as protobuf.
  bool append_proto(std::string& out) const;
  // All parts merged into one decoded request (a copy: for the JSON and
  // debug encoders).
  ExportTraceServiceRequest merged() const;
  // ResourceSpans in all parts (wire parts are counted, not decoded).
  std::size_t resource_spans_count() const;
  // A deep copy, for fan-out to a second pipeline that may change it.
  Traces clone() const;

 private:
  struct Part;
  std::vector<std::unique_ptr<Part>> parts_;
  std::size_t span_count_ = 0;
};

std::size_t count_spans(const ExportTraceServiceRequest& request) noexcept;

}  // namespace spanline::collector
