// Samplers (OpenTelemetry trace SDK spec, "Sampling").
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/context.h"
#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

enum class SamplingDecision { kDrop, kRecordOnly, kRecordAndSample };

struct SamplingParams {
  const Context& parent;  // parent's span context may be invalid (root span)
  const TraceId& trace_id;
  std::string_view name;
  SpanKind kind;
  std::span<const Attribute> attributes;
  std::span<const SpanLink> links;
};

struct SamplingResult {
  SamplingDecision decision = SamplingDecision::kDrop;
  std::vector<Attribute> attributes;  // added to the span
  // Tracestate for the new span; null → the parent's tracestate.
  std::shared_ptr<const TraceState> trace_state;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Called on the span-start hot path: must not block, must be thread-safe.
  virtual SamplingResult should_sample(const SamplingParams& params) const = 0;
  virtual std::string description() const = 0;
};

std::unique_ptr<Sampler> make_always_on_sampler();
std::unique_ptr<Sampler> make_always_off_sampler();
// Samples when the lower 8 bytes of the trace id, read big-endian as an
// unsigned integer, fall below ratio * 2^64 (consistent across processes).
// Ratios outside [0, 1] are clamped.
std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio);
struct ParentBasedOptions {
  std::unique_ptr<Sampler> root;
  std::unique_ptr<Sampler> remote_parent_sampled;      // default always_on
  std::unique_ptr<Sampler> remote_parent_not_sampled;  // default always_off
  std::unique_ptr<Sampler> local_parent_sampled;       // default always_on
  std::unique_ptr<Sampler> local_parent_not_sampled;   // default always_off
};
std::unique_ptr<Sampler> make_parent_based_sampler(ParentBasedOptions options);
std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root);

// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. Unknown names and bad ratio
// arguments fall back to the spec defaults (parentbased_always_on, ratio 1.0)
// and are described in `warning` (if given).
std::unique_ptr<Sampler> make_sampler(std::string_view name, std::string_view arg,
                                      std::string* warning = nullptr);

}  // namespace spanline::telemetry
