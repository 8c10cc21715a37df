// The layer's Tracer, looked up from the global provider lazily: a Client
// is typically built before main sets telemetry up, and tests install a
// fresh provider per case. Checking costs one atomic load per request.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::net::detail {

inline constexpr std::string_view kInstrumentationName = "spanline.net";
inline constexpr std::string_view kInstrumentationVersion = "0.1.0";

class TracerCache {
 public:
  telemetry::Tracer& get() {
    telemetry::TracerProvider& provider = telemetry::global_tracer_provider();
    const Entry* entry = current_.load(std::memory_order_acquire);
    if (entry != nullptr && entry->provider == &provider) return *entry->tracer;
    std::lock_guard lock(mu_);
    // Entries are kept, not replaced in place: another thread may still be
    // reading the previous one. Providers change only in tests and setup.
    auto& e = entries_.emplace_back(std::make_unique<Entry>(
        Entry{&provider, &provider.get_tracer(kInstrumentationName, kInstrumentationVersion)}));
    current_.store(e.get(), std::memory_order_release);
    return *e->tracer;
  }

 private:
  struct Entry {
    telemetry::TracerProvider* provider;
    telemetry::Tracer* tracer;
  };
  std::atomic<const Entry*> current_{nullptr};
  std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace spanline::net::detail
