// Simulated processing latency for task-worker (WORKER_LATENCY_MS).
//
// The variable holds a fixed delay ("0", "50") or an inclusive range
// ("20-80"); every request then waits a delay drawn uniformly from it. Parsing
// and drawing are pure so that the handler only has to wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace spanline::taskflow::worker {

// Longer delays are almost surely a typo (seconds for milliseconds) and would
// outlast any client timeout anyway.
inline constexpr std::uint32_t kMaxLatencyMs = 60'000;

struct LatencyRange {
  std::uint32_t min_ms = 0;
  std::uint32_t max_ms = 0;  // >= min_ms; equal for a fixed delay

  friend bool operator==(const LatencyRange&, const LatencyRange&) = default;
};

// A parse outcome: `range` is meaningful only when `error` is empty.
struct LatencyParseResult {
  LatencyRange range;
  std::string error;  // a full sentence naming the variable and the bad value

  bool ok() const { return error.empty(); }
};

// Accepts "N" or "MIN-MAX": decimal digits only (no sign, no fraction),
// optional ASCII whitespace around each number, MIN <= MAX <= kMaxLatencyMs.
// An empty or blank value means "unset" and yields {0, 0}, as the OTEL_*
// variables treat empty values. Anything else is an error.
LatencyParseResult parse_latency_ms(std::string_view value);

// Returns uniformly distributed 64-bit values; injected by tests.
using RandomSource = std::function<std::uint64_t()>;

// A delay in [min_ms, max_ms]: min_ms + random() % (max_ms - min_ms + 1).
// The modulo bias is below 2^-47 for any allowed range. A fixed delay does
// not call `random` at all.
std::chrono::milliseconds pick_latency(const LatencyRange& range, const RandomSource& random);

// Same, with a per-thread generator seeded from std::random_device, so
// concurrent handlers never contend on a lock.
std::chrono::milliseconds pick_latency(const LatencyRange& range);

}  // namespace spanline::taskflow::worker
