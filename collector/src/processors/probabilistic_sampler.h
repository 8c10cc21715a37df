// probabilistic_sampler: keeps sampling_percentage of traces, decided by a
// seeded hash of the trace id, so every span of a trace (and every collector
// with the same hash_seed) makes the same decision.
#pragma once

#include <string>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace spanline::collector {

class ProbabilisticSampler final : public Processor {
 public:
  ProbabilisticSampler(const std::string& id, ProbabilisticSamplerConfig config, Metrics& metrics);
  ConsumeResult consume(Traces traces) noexcept override;
  // The decision for one trace id (16 bytes).
  bool keep(std::string_view trace_id) const noexcept;
  // Removes the spans not sampled (and scopes and resources left empty);
  // returns how many.
  std::size_t drop_unsampled(ExportTraceServiceRequest& request) const;

 private:
  std::uint32_t seed_;
  std::uint32_t threshold_;  // of kBuckets
  Counter& dropped_;
};

}  // namespace spanline::collector
