// memory_limiter: checks the process's resident memory every
// check_interval and, while it is above the soft limit (limit − spike),
// refuses data with a retryable error, so clients back off (HTTP 503 +
// Retry-After, gRPC UNAVAILABLE) before the process grows past the limit.
//
// The Collector measures Go heap; we measure RSS (/proc/self/statm), which
// is what an operator's limit is about. Percent limits are of MemTotal, or
// of the cgroup's memory.max when that is lower.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace spanline::collector {

class MemoryLimiter final : public Processor {
 public:
  MemoryLimiter(const std::string& id, MemoryLimiterConfig config, Metrics& metrics);
  ~MemoryLimiter() override;
  void start() override;
  void shutdown(Deadline deadline) noexcept override;
  ConsumeResult consume(Traces traces) noexcept override;

  std::uint64_t soft_limit_bytes() const noexcept { return soft_limit_; }
  std::uint64_t hard_limit_bytes() const noexcept { return hard_limit_; }
  bool refusing() const noexcept { return refusing_.load(std::memory_order_relaxed); }
  // One check now (also what the timer thread runs).
  void check() noexcept;

 private:
  MemoryLimiterConfig config_;
  std::uint64_t hard_limit_ = 0;
  std::uint64_t soft_limit_ = 0;
  std::atomic<bool> refusing_{false};
  Counter& refused_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread checker_;
};

// Resident set size of this process in bytes (0 when unreadable).
std::uint64_t resident_bytes() noexcept;
// Memory available to this process: min(MemTotal, cgroup v2 memory.max).
std::uint64_t total_memory_bytes() noexcept;

}  // namespace spanline::collector
