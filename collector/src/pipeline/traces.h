// The unit of data in a pipeline: one ExportTraceServiceRequest and its
// span count, moved from component to component (a receiver decodes it, the
// processors change it in place, the exporters encode it).
#pragma once

#include <cstddef>
#include <memory>

#include "otlp/otlp_json.h"  // ExportTraceServiceRequest

namespace spanline::collector {

struct Traces {
  std::unique_ptr<ExportTraceServiceRequest> request =
      std::make_unique<ExportTraceServiceRequest>();
  std::size_t span_count = 0;

  // Recounts span_count from the request (after a processor dropped spans).
  void recount() noexcept;
  // A deep copy, for fan-out to a second pipeline that may change it.
  Traces clone() const;
};

std::size_t count_spans(const ExportTraceServiceRequest& request) noexcept;

}  // namespace spanline::collector
