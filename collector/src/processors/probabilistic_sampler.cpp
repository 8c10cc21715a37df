#include "processors/probabilistic_sampler.h"

#include <algorithm>
#include <cmath>

namespace spanline::collector {
namespace {

// 2^14 buckets, as the Collector's hash-seed mode: percentages resolve to
// about 0.006%.
constexpr std::uint32_t kBuckets = 1u << 14;

// FNV-1a (32-bit) over the seed's four bytes, then the trace id.
std::uint32_t hash(std::uint32_t seed, std::string_view trace_id) noexcept {
  std::uint32_t h = 2166136261u;
  auto mix = [&](unsigned char byte) {
    h ^= byte;
    h *= 16777619u;
  };
  for (int shift = 24; shift >= 0; shift -= 8) mix(static_cast<unsigned char>(seed >> shift));
  for (char c : trace_id) mix(static_cast<unsigned char>(c));
  return h;
}

}  // namespace

ProbabilisticSampler::ProbabilisticSampler(const std::string& id, ProbabilisticSamplerConfig config,
                                           Metrics& metrics)
    : seed_(config.hash_seed),
      threshold_(static_cast<std::uint32_t>(
          std::clamp(std::round(config.sampling_percentage / 100.0 * kBuckets), 0.0,
                     static_cast<double>(kBuckets)))),
      dropped_(metrics.counter("otelcol_processor_dropped_spans", "Spans dropped by the processor",
                               {{"processor", id}})) {}

bool ProbabilisticSampler::keep(std::string_view trace_id) const noexcept {
  return (hash(seed_, trace_id) & (kBuckets - 1)) < threshold_;
}

std::size_t ProbabilisticSampler::drop_unsampled(ExportTraceServiceRequest& request) const {
  std::size_t dropped = 0;
  auto& resource_spans = *request.mutable_resource_spans();
  for (auto& rs : resource_spans) {
    for (auto& ss : *rs.mutable_scope_spans()) {
      auto& spans = *ss.mutable_spans();
      const auto before = spans.size();
      spans.erase(std::remove_if(spans.begin(), spans.end(),
                                 [&](const auto& span) { return !keep(span.trace_id()); }),
                  spans.end());
      dropped += static_cast<std::size_t>(before - spans.size());
    }
    auto& scopes = *rs.mutable_scope_spans();
    scopes.erase(std::remove_if(scopes.begin(), scopes.end(),
                                [](const auto& ss) { return ss.spans_size() == 0; }),
                 scopes.end());
  }
  resource_spans.erase(std::remove_if(resource_spans.begin(), resource_spans.end(),
                                      [](const auto& rs) { return rs.scope_spans_size() == 0; }),
                       resource_spans.end());
  return dropped;
}

ConsumeResult ProbabilisticSampler::consume(Traces traces) noexcept {
  std::size_t dropped = 0;
  for (ExportTraceServiceRequest* request : traces.requests()) dropped += drop_unsampled(*request);
  if (dropped > 0) dropped_.add(dropped);
  traces.recount();
  if (traces.empty()) return ConsumeResult::ok();
  return next_->consume(std::move(traces));
}

}  // namespace spanline::collector
