// The SDK's own diagnostics: one JSON line on stderr per message, so they
// mix cleanly with services' structured logs. Never throws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace spanline::telemetry::internal {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void log(LogLevel level, std::string_view component, std::string_view message) noexcept;

// Lets one message through per interval; lock-free, for hot paths (a queue
// that is full stays full, and must not flood stderr).
class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::milliseconds interval)
      : interval_ns_(interval.count() * 1000000) {}
  bool allow() noexcept;

 private:
  std::int64_t interval_ns_;
  std::atomic<std::int64_t> last_ns_{INT64_MIN / 2};
};

}  // namespace spanline::telemetry::internal
