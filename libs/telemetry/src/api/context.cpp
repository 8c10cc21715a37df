#include "spanline/telemetry/api/context.h"

namespace spanline::telemetry {
namespace {
thread_local Context t_current;
}  // namespace

const TraceState& SpanContext::empty_trace_state() noexcept {
  static const TraceState empty;
  return empty;
}

const Baggage& Context::baggage() const noexcept {
  static const Baggage empty;
  return baggage_ ? *baggage_ : empty;
}

const Context& Context::current() noexcept {
  return t_current;
}

Scope::Scope(const Context& context) : previous_(t_current) {
  t_current = context;
}

Scope::~Scope() {
  t_current = std::move(previous_);
}

}  // namespace spanline::telemetry
