#include "pipeline/traces.h"

namespace spanline::collector {

std::size_t count_spans(const ExportTraceServiceRequest& request) noexcept {
  std::size_t n = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<std::size_t>(ss.spans_size());
  return n;
}

void Traces::recount() noexcept {
  span_count = count_spans(*request);
}

Traces Traces::clone() const {
  Traces copy;
  *copy.request = *request;
  copy.span_count = span_count;
  return copy;
}

}  // namespace spanline::collector
