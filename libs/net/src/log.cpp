#include "spanline/net/log.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "spanline/telemetry/api/json_text.h"

namespace spanline::net {
namespace {

LogLevel level_from_env() {
  const char* v = std::getenv("LOG_LEVEL");
  if (v == nullptr) return LogLevel::kInfo;
  std::string_view s(v);
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn" || s == "warning") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

LogLevel min_level() {
  static const LogLevel level = level_from_env();
  return level;
}

std::string_view level_name(LogLevel level) {
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

void append_value(std::string& out, const LogValue& value) {
  char buf[32];
  switch (value.kind()) {
    case LogValue::Kind::kString:
      telemetry::append_json_string(out, value.as_string());
      return;
    case LogValue::Kind::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case LogValue::Kind::kInt: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value.as_int());
      out.append(buf, end);
      return;
    }
    case LogValue::Kind::kDouble: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value.as_double());
      // JSON has no NaN or infinity.
      if (ec != std::errc() ||
          std::string_view(buf, end - buf).find_first_of("ni") != std::string_view::npos) {
        out += "null";
      } else {
        out.append(buf, end);
      }
      return;
    }
  }
}

void append_id(std::string& out, std::string_view key, const auto& id) {
  char hex[32];
  id.to_hex(hex);
  out += ",\"";
  out += key;
  out += "\":\"";
  out.append(hex, id.kSize * 2);
  out.push_back('"');
}

}  // namespace

bool log_enabled(LogLevel level) noexcept {
  return level >= min_level();
}

std::string format_log_line(LogLevel level, const Request* request, std::string_view message,
                            LogFields fields) {
  std::string line;
  line.reserve(160 + message.size());
  line += "{\"ts\":\"";
  telemetry::append_utc_timestamp(line);
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"msg\":";
  telemetry::append_json_string(line, message);
  if (request != nullptr) {
    const auto& sc = request->telemetry_context().span_context();
    if (sc.is_valid()) {
      append_id(line, "trace_id", sc.trace_id());
      append_id(line, "span_id", sc.span_id());
    }
  }
  for (const LogField& f : fields) {
    line.push_back(',');
    telemetry::append_json_string(line, f.key);
    line.push_back(':');
    append_value(line, f.value);
  }
  line.push_back('}');
  return line;
}

void log(LogLevel level, const Request* request, std::string_view message,
         LogFields fields) noexcept {
  if (!log_enabled(level)) return;
  try {
    std::string line = format_log_line(level, request, message, fields);
    line.push_back('\n');
    // One write(2) per line: lines from concurrent threads never interleave.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Logging must never take the caller down.
  }
}

}  // namespace spanline::net
