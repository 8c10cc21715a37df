#include "spanline/telemetry/sdk/counters.h"

#include <array>
#include <mutex>
#include <vector>

namespace spanline::telemetry {
namespace {

constexpr int kPerThreadCounters = 2;

// Threads register their slots on first use and fold them into `retired` when
// they exit, so a sum over live slots plus `retired` is the total. The
// registry is leaked: threads may exit during static destruction.
struct Slots;

struct Registry {
  std::mutex mu;
  std::vector<Slots*> live;
  std::array<std::uint64_t, kPerThreadCounters> retired{};
};

Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

struct Slots {
  // Written only by the owning thread (relaxed load + store: no locked
  // instruction); read by any thread.
  std::array<std::atomic<std::uint64_t>, kPerThreadCounters> values{};
  Slots() {
    std::lock_guard lock(registry().mu);
    registry().live.push_back(this);
  }
  ~Slots() {
    auto& r = registry();
    std::lock_guard lock(r.mu);
    for (int i = 0; i < kPerThreadCounters; ++i) r.retired[i] += values[i].load();
    std::erase(r.live, this);
  }
};

Slots& thread_slots() {
  thread_local Slots slots;
  return slots;
}

}  // namespace

void SdkCounters::PerThreadCounter::add(std::uint64_t n) noexcept {
  auto& v = thread_slots().values[index_];
  v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

std::uint64_t SdkCounters::PerThreadCounter::get() const noexcept {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  std::uint64_t sum = r.retired[index_];
  for (const auto* slots : r.live) sum += slots->values[index_].load(std::memory_order_relaxed);
  return sum;
}

SdkCounters& SdkCounters::instance() noexcept {
  static SdkCounters counters;
  return counters;
}

SdkCountersSnapshot SdkCounters::snapshot() const noexcept {
  SdkCountersSnapshot s;
  s.spans_started = spans_started.get();
  s.spans_ended = spans_ended.get();
  s.spans_dropped = spans_dropped.get();
  s.spans_exported = spans_exported.get();
  s.spans_export_failed = spans_export_failed.get();
  s.export_retries = export_retries.get();
  return s;
}

}  // namespace spanline::telemetry
