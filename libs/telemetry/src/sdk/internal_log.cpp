#include "sdk/internal_log.h"

#include <time.h>

#include <cstdio>
#include <string>

#include "spanline/telemetry/api/json_text.h"

namespace spanline::telemetry::internal {
namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void log(LogLevel level, std::string_view component, std::string_view message) noexcept {
  try {
    std::string line = "{\"ts\":\"";
    append_utc_timestamp(line);
    line += "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"logger\":";
    append_json_string(line, component);
    line += ",\"msg\":";
    append_json_string(line, message);
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    // Logging must never take the caller down.
  }
}

bool RateLimiter::allow() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const std::int64_t now = static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  std::int64_t last = last_ns_.load(std::memory_order_relaxed);
  if (now - last < interval_ns_) return false;
  return last_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed);
}

}  // namespace spanline::telemetry::internal
