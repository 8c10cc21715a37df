#include "task-worker/latency.h"

#include <charconv>
#include <optional>
#include <random>

namespace spanline::taskflow::worker {

namespace {

constexpr std::string_view kSyntax = "expected milliseconds as N or MIN-MAX, e.g. 0, 50 or 20-80";

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// A whole string of decimal digits; nullopt for anything else, including a
// value too large for 64 bits (the caller reports it as out of range).
std::optional<std::uint64_t> parse_digits(std::string_view s, bool& overflow) {
  overflow = false;
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    overflow = true;
    return std::nullopt;
  }
  return v;
}

LatencyParseResult failure(std::string_view value, std::string_view why) {
  return {{}, "WORKER_LATENCY_MS=\"" + std::string(value) + "\": " + std::string(why)};
}

}  // namespace

LatencyParseResult parse_latency_ms(std::string_view value) {
  const std::string_view trimmed = trim(value);
  if (trimmed.empty()) return {};

  const std::size_t dash = trimmed.find('-');
  const std::string_view low = trim(trimmed.substr(0, dash));
  const std::string_view high =
      dash == std::string_view::npos ? low : trim(trimmed.substr(dash + 1));
  bool low_overflow = false;
  bool high_overflow = false;
  const auto min = parse_digits(low, low_overflow);
  const auto max = parse_digits(high, high_overflow);
  const std::string limit = "values must be at most " + std::to_string(kMaxLatencyMs);
  if (low_overflow || high_overflow) return failure(value, limit);
  if (!min || !max) return failure(value, kSyntax);
  if (*min > kMaxLatencyMs || *max > kMaxLatencyMs) return failure(value, limit);
  if (*min > *max)
    return failure(value, "the minimum " + std::to_string(*min) + " is greater than the maximum " +
                              std::to_string(*max));
  return {{static_cast<std::uint32_t>(*min), static_cast<std::uint32_t>(*max)}, {}};
}

std::chrono::milliseconds pick_latency(const LatencyRange& range, const RandomSource& random) {
  if (range.max_ms <= range.min_ms) return std::chrono::milliseconds(range.min_ms);
  const std::uint64_t width = std::uint64_t{range.max_ms} - range.min_ms + 1;
  return std::chrono::milliseconds(range.min_ms + random() % width);
}

std::chrono::milliseconds pick_latency(const LatencyRange& range) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return pick_latency(range, [] { return engine(); });
}

}  // namespace spanline::taskflow::worker
