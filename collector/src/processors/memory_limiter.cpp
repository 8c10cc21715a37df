#include "processors/memory_limiter.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace spanline::collector {

std::uint64_t resident_bytes() noexcept {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t total_memory_bytes() noexcept {
  std::uint64_t total = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemTotal:") {
      total = kib * 1024;
      break;
    }
  }
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");
  std::string max;
  if (cgroup >> max && max != "max") {
    try {
      const std::uint64_t limit = std::stoull(max);
      if (limit > 0 && (total == 0 || limit < total)) total = limit;
    } catch (...) {
    }
  }
  return total;
}

MemoryLimiter::MemoryLimiter(const std::string& id, MemoryLimiterConfig config, Metrics& metrics)
    : config_(config),
      refused_(metrics.counter("otelcol_processor_refused_spans",
                               "Spans refused by the processor (memory limiter)",
                               {{"processor", id}})) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  if (config_.limit_mib > 0) {
    hard_limit_ = config_.limit_mib * kMiB;
    const std::uint64_t spike =
        config_.spike_limit_mib > 0 ? config_.spike_limit_mib * kMiB : hard_limit_ / 5;
    soft_limit_ = hard_limit_ - std::min(spike, hard_limit_);
  } else {
    const std::uint64_t total = total_memory_bytes();
    hard_limit_ = total / 100 * config_.limit_percentage;
    const std::uint64_t spike_pct = config_.spike_limit_percentage > 0
                                        ? config_.spike_limit_percentage
                                        : config_.limit_percentage / 5;
    soft_limit_ = hard_limit_ - std::min(total / 100 * spike_pct, hard_limit_);
  }
}

MemoryLimiter::~MemoryLimiter() {
  shutdown(Clock::now());
}

void MemoryLimiter::check() noexcept {
  const std::uint64_t rss = resident_bytes();
  refusing_.store(rss > soft_limit_, std::memory_order_relaxed);
}

void MemoryLimiter::start() {
  check();
  checker_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, config_.check_interval, [this] { return stopping_; })) {
      lock.unlock();
      check();
      lock.lock();
    }
  });
}

void MemoryLimiter::shutdown(Deadline) noexcept {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (checker_.joinable()) checker_.join();
}

ConsumeResult MemoryLimiter::consume(Traces traces) noexcept {
  if (refusing()) {
    refused_.add(traces.span_count());
    return ConsumeResult::retryable("memory usage is above the memory_limiter's soft limit");
  }
  return next_->consume(std::move(traces));
}

}  // namespace spanline::collector
