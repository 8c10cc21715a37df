#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {

SdkCounters& SdkCounters::instance() noexcept {
  static SdkCounters counters;
  return counters;
}

SdkCountersSnapshot SdkCounters::snapshot() const noexcept {
  SdkCountersSnapshot s;
  s.spans_started = spans_started.get();
  s.spans_ended = spans_ended.get();
  s.spans_dropped = spans_dropped.get();
  s.spans_exported = spans_exported.get();
  s.spans_export_failed = spans_export_failed.get();
  s.export_retries = export_retries.get();
  return s;
}

}  // namespace spanline::telemetry
