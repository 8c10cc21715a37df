// Self-observability: process-wide counters of the SDK's span pipeline,
// readable from code (and later exported on /metrics).
#pragma once

#include <atomic>
#include <cstdint>

namespace spanline::telemetry {

struct SdkCountersSnapshot {
  std::uint64_t spans_started = 0;        // recording spans started
  std::uint64_t spans_ended = 0;          // recording spans ended
  std::uint64_t spans_dropped = 0;        // dropped before export: queue full, shut down
  std::uint64_t spans_exported = 0;       // acknowledged by the exporter's backend
  std::uint64_t spans_export_failed = 0;  // in batches that failed for good
  std::uint64_t export_retries = 0;       // retried export attempts
};

// Counters bumped once per span (started, ended) are per thread: each thread
// adds to its own slot without a locked instruction or a shared cache line,
// and readers sum the slots. The per-batch counters are plain atomics, each
// on its own cache line.
class SdkCounters {
 public:
  static SdkCounters& instance() noexcept;
  SdkCountersSnapshot snapshot() const noexcept;

  struct alignas(64) Counter {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t n = 1) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
  };
  class PerThreadCounter {
   public:
    explicit constexpr PerThreadCounter(int index) noexcept : index_(index) {}
    void add(std::uint64_t n = 1) noexcept;
    std::uint64_t get() const noexcept;

   private:
    int index_;
  };
  PerThreadCounter spans_started{0};
  PerThreadCounter spans_ended{1};
  Counter spans_dropped;
  Counter spans_exported;
  Counter spans_export_failed;
  Counter export_retries;
};

}  // namespace spanline::telemetry
