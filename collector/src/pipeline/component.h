// What every component of a pipeline is: a consumer of Traces (processors
// and exporters), something started and shut down (everything), and for
// receivers the consumer it feeds.
//
// Contract (as the Collector's component.Component): start() once before
// data flows; shutdown() safe twice and without start(), returns by its
// deadline, and after it consume() refuses. consume() is called from any
// thread, concurrently, and must not block beyond the component's own
// bounded work (an exporter without a sending queue sends in the caller's
// thread, bounded by its timeout and retry budget).
#pragma once

#include <chrono>
#include <string>

#include "pipeline/traces.h"

namespace spanline::collector {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// How a consume ended, as the receiver reports it to its client: kRetryable
// becomes HTTP 503 / gRPC UNAVAILABLE (the client may try again), kPermanent
// HTTP 400 / INVALID_ARGUMENT (it must not).
struct ConsumeResult {
  enum class Status { kOk, kRetryable, kPermanent };
  Status status = Status::kOk;
  std::string message;
  // For kRetryable: how long the client should wait (Retry-After).
  std::chrono::seconds retry_after{0};

  static ConsumeResult ok() { return {}; }
  static ConsumeResult retryable(std::string why,
                                 std::chrono::seconds after = std::chrono::seconds(1)) {
    return {Status::kRetryable, std::move(why), after};
  }
  static ConsumeResult permanent(std::string why) {
    return {Status::kPermanent, std::move(why), {}};
  }
  bool is_ok() const noexcept { return status == Status::kOk; }
};

class TracesConsumer {
 public:
  virtual ~TracesConsumer() = default;
  virtual ConsumeResult consume(Traces traces) noexcept = 0;
};

class RuntimeComponent {
 public:
  virtual ~RuntimeComponent() = default;
  // Throws std::runtime_error with a message naming the component when it
  // cannot start (port in use, ...).
  virtual void start() {}
  virtual void shutdown(Deadline) noexcept {}
};

class Processor : public RuntimeComponent, public TracesConsumer {
 public:
  void set_next(TracesConsumer* next) noexcept { next_ = next; }

 protected:
  TracesConsumer* next_ = nullptr;
};

class Exporter : public RuntimeComponent, public TracesConsumer {};

class Receiver : public RuntimeComponent {
 public:
  void set_next(TracesConsumer* next) noexcept { next_ = next; }

 protected:
  TracesConsumer* next_ = nullptr;
};

}  // namespace spanline::collector
