#include "sdk/internal_log.h"

#include <cstdio>
#include <ctime>
#include <string>

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

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void log(LogLevel level, std::string_view component, std::string_view message) noexcept {
  try {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    char time_buf[64];
    std::snprintf(time_buf, sizeof time_buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                  utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                  utc.tm_sec, ts.tv_nsec / 1000000);
    std::string line = "{\"ts\":\"";
    line += time_buf;
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
