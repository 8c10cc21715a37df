// Structured logs: one JSON object per line on stderr,
//   {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"task stored",
//    "trace_id":"…","span_id":"…","task_id":"42"}
// trace_id and span_id come from the Request (absent when it has no trace),
// fields follow at the top level. Lines are written with one write(2), so
// concurrent lines never interleave. Never throws.
//
// LOG_LEVEL (debug, info, warn, error; default info) filters lines.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "spanline/net/request.h"

namespace spanline::net {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };

// One field value: a string (viewed, not copied), integer, double or bool.
class LogValue {
 public:
  enum class Kind : std::uint8_t { kString, kInt, kDouble, kBool };

  LogValue(std::string_view v) noexcept : kind_(Kind::kString), string_(v) {}
  LogValue(const char* v) noexcept : kind_(Kind::kString), string_(v) {}
  LogValue(const std::string& v) noexcept : kind_(Kind::kString), string_(v) {}
  LogValue(bool v) noexcept : kind_(Kind::kBool), bool_(v) {}
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) LogValue(T v)
  noexcept : kind_(Kind::kInt), int_(static_cast<std::int64_t>(v)) {}
  template <typename T>
  requires std::is_floating_point_v<T> LogValue(T v)
  noexcept : kind_(Kind::kDouble), double_(static_cast<double>(v)) {}

  Kind kind() const noexcept { return kind_; }
  std::string_view as_string() const noexcept { return string_; }
  std::int64_t as_int() const noexcept { return int_; }
  double as_double() const noexcept { return double_; }
  bool as_bool() const noexcept { return bool_; }

 private:
  Kind kind_;
  std::string_view string_;
  std::int64_t int_ = 0;
  double double_ = 0;
  bool bool_ = false;
};

struct LogField {
  std::string_view key;
  LogValue value;
};

using LogFields = std::initializer_list<LogField>;

bool log_enabled(LogLevel level) noexcept;
// The line `log` writes, without the trailing newline (for tests).
std::string format_log_line(LogLevel level, const Request* request, std::string_view message,
                            LogFields fields);
void log(LogLevel level, const Request* request, std::string_view message,
         LogFields fields = {}) noexcept;

inline void log_debug(const Request& r, std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kDebug, &r, msg, f);
}
inline void log_info(const Request& r, std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kInfo, &r, msg, f);
}
inline void log_warn(const Request& r, std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kWarn, &r, msg, f);
}
inline void log_error(const Request& r, std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kError, &r, msg, f);
}
// Outside a request (startup, shutdown): no trace ids.
inline void log_info(std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kInfo, nullptr, msg, f);
}
inline void log_warn(std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kWarn, nullptr, msg, f);
}
inline void log_error(std::string_view msg, LogFields f = {}) noexcept {
  log(LogLevel::kError, nullptr, msg, f);
}

}  // namespace spanline::net
