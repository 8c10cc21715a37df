// What a TracerProvider shares with its tracers and spans. Private to the SDK.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "spanline/telemetry/sdk/counters.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry::detail {

// Whether `sampler` is ParentBased with every delegate at its default and an
// always-on root: it samples exactly the roots and the children of sampled
// parents, adds no attributes and keeps the parent's tracestate.
bool samples_by_parent_flag(const Sampler& sampler) noexcept;

struct ProviderState {
  std::shared_ptr<const Resource> resource;
  // Non-owning alias of `resource` for spans (see SpanData::resource).
  std::shared_ptr<const Resource> resource_view;
  std::unique_ptr<Sampler> sampler;
  // The sampler is the spec default, parentbased_always_on: spans decide by
  // the parent's flag without calling it (samples_by_parent_flag).
  bool sample_by_parent_flag = false;
  std::vector<std::unique_ptr<SpanProcessor>> processors;
  // Spans set attributes packed (SpanData::PackedAttributes) only when the
  // one processor reads them that way: anything else would unpack them.
  bool pack_attributes = false;
  IdGenerator* id_generator = nullptr;  // null → the thread-local PRNG directly
  TimeSource* clock = nullptr;
  SpanLimits limits;
  bool disabled = false;
  std::atomic<bool> shut_down{false};
  SdkCounters& counters = SdkCounters::instance();

  std::mutex tracers_mu;
  std::map<std::tuple<std::string, std::string, std::string>, std::unique_ptr<Tracer>> tracers;

  std::uint64_t now() const noexcept {
    return clock ? clock->now_unix_nano() : system_now_unix_nano();
  }
  TraceId new_trace_id() const noexcept {
    return id_generator ? id_generator->new_trace_id() : random_trace_id();
  }
  SpanId new_span_id() const noexcept {
    return id_generator ? id_generator->new_span_id() : random_span_id();
  }
  // Hands an ended span to every processor; all but the last get a copy.
  void end_span(std::unique_ptr<SpanData> data) noexcept;
};

// Applies the value length limit to strings and string arrays (UTF-8 aware:
// never cuts inside a multi-byte sequence).
void truncate_value(AttributeValue& value, std::size_t max_length);
// Sets or replaces `key` within `count_limit`; returns false when dropped.
// New attributes reuse `spare` ones' buffers when given.
bool set_limited(std::vector<Attribute>& attrs, std::string_view key, AttributeValue value,
                 std::size_t count_limit, std::size_t value_length,
                 SpanData::SpareAttributes* spare = nullptr);

}  // namespace spanline::telemetry::detail
