// Context: what flows with a request — the active span's SpanContext and the
// baggage. Immutable value; cheap to copy (two shared pointers and ids).
//
// Coroutines hop threads, so context is passed explicitly. For synchronous
// code a thread-local "current" context exists: Scope installs one for its
// lifetime and restores the previous on destruction (strictly nested).
#pragma once

#include <memory>

#include "spanline/telemetry/api/baggage.h"
#include "spanline/telemetry/api/span_context.h"

namespace spanline::telemetry {

class Context {
 public:
  Context() noexcept = default;

  const SpanContext& span_context() const noexcept { return span_context_; }
  // Never null: an empty Baggage when none was set.
  const Baggage& baggage() const noexcept;

  Context with_span(const SpanContext& span_context) const {
    Context c = *this;
    c.span_context_ = span_context;
    return c;
  }
  Context with_baggage(Baggage baggage) const {
    Context c = *this;
    c.baggage_ = baggage.empty() ? nullptr : std::make_shared<const Baggage>(std::move(baggage));
    return c;
  }

  // The calling thread's current context (empty when no Scope is active).
  static const Context& current() noexcept;

 private:
  friend class Scope;
  SpanContext span_context_;
  std::shared_ptr<const Baggage> baggage_;
};

// Makes `context` current on this thread until destroyed. Not movable: scopes
// must nest strictly on one thread.
class Scope {
 public:
  explicit Scope(const Context& context);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Context previous_;
};

}  // namespace spanline::telemetry
