// The propagated part of a span: ids, flags, remote bit and tracestate.
#pragma once

#include <memory>

#include "spanline/telemetry/api/ids.h"
#include "spanline/telemetry/api/trace_state.h"

namespace spanline::telemetry {

class SpanContext {
 public:
  SpanContext() noexcept = default;
  SpanContext(const TraceId& trace_id, const SpanId& span_id, TraceFlags flags, bool is_remote,
              std::shared_ptr<const TraceState> trace_state = nullptr) noexcept
      : trace_id_(trace_id),
        span_id_(span_id),
        flags_(flags),
        is_remote_(is_remote),
        trace_state_(std::move(trace_state)) {}

  // Valid when both ids are non-zero.
  bool is_valid() const noexcept { return trace_id_.is_valid() && span_id_.is_valid(); }
  const TraceId& trace_id() const noexcept { return trace_id_; }
  const SpanId& span_id() const noexcept { return span_id_; }
  TraceFlags trace_flags() const noexcept { return flags_; }
  bool is_sampled() const noexcept { return flags_.sampled(); }
  bool is_remote() const noexcept { return is_remote_; }
  // Never null: an empty TraceState when none was set.
  const TraceState& trace_state() const noexcept {
    return trace_state_ ? *trace_state_ : empty_trace_state();
  }
  const std::shared_ptr<const TraceState>& trace_state_ptr() const noexcept { return trace_state_; }

  friend bool operator==(const SpanContext& a, const SpanContext& b) noexcept {
    return a.trace_id_ == b.trace_id_ && a.span_id_ == b.span_id_ && a.flags_ == b.flags_ &&
           a.is_remote_ == b.is_remote_ && a.trace_state() == b.trace_state();
  }

 private:
  static const TraceState& empty_trace_state() noexcept;

  TraceId trace_id_;
  SpanId span_id_;
  TraceFlags flags_;
  bool is_remote_ = false;
  std::shared_ptr<const TraceState> trace_state_;
};

}  // namespace spanline::telemetry
