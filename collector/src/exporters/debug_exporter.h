// debug: writes what arrives to a stream (stderr by default, as the
// Collector's logger does). basic: one summary line per batch; normal: one
// line per span; detailed: every resource, scope, span, attribute, event
// and link. sampling_initial / sampling_thereafter are accepted but not
// applied: every batch is written.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace spanline::collector {

// The text debug writes for one batch (tests use it directly); basic
// verbosity is the first line alone, from the counts.
std::string format_debug_basic(std::size_t resource_spans, std::size_t span_count);
std::string format_debug(const ExportTraceServiceRequest& request, std::size_t span_count,
                         DebugVerbosity verbosity);

class DebugExporter final : public Exporter {
 public:
  DebugExporter(const std::string& id, DebugExporterConfig config, Metrics& metrics,
                std::FILE* out = stderr);
  ConsumeResult consume(Traces traces) noexcept override;

 private:
  DebugExporterConfig config_;
  std::FILE* out_;
  std::mutex mu_;
  Counter& sent_;
};

}  // namespace spanline::collector
