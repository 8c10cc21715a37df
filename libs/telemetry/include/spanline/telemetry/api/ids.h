// Trace and span identifiers, trace flags, and the id generator.
//
// Ids are plain byte arrays; the all-zero value is the invalid id (W3C Trace
// Context §3.2.2.3/§3.2.2.4) and is never produced by the generator.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace spanline::telemetry {

template <std::size_t N>
class Id {
 public:
  static constexpr std::size_t kSize = N;

  constexpr Id() noexcept = default;
  explicit constexpr Id(const std::array<std::uint8_t, N>& bytes) noexcept : bytes_(bytes) {}

  // Parses exactly 2*N lowercase hex digits. Uppercase, other lengths and
  // non-hex characters yield nullopt. An all-zero id parses (it is
  // well-formed) but is_valid() says false.
  static std::optional<Id> from_hex(std::string_view hex) noexcept;
  // Builds an id from raw bytes; `bytes` must hold exactly N bytes, else nullopt.
  static std::optional<Id> from_bytes(std::string_view bytes) noexcept;

  // Word by word: a root span's parent ids are all zero, and every one of
  // their checks would otherwise read all N bytes one at a time.
  bool is_valid() const noexcept {
    if constexpr (N % 8 == 0) {
      std::uint64_t any = 0;
      for (std::size_t i = 0; i < N; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes_.data() + i, 8);
        any |= word;
      }
      return any != 0;
    } else {
      for (auto b : bytes_)
        if (b != 0) return true;
      return false;
    }
  }
  // Lowercase hex, 2*N characters. `out` must hold 2*N characters.
  void to_hex(char* out) const noexcept;
  std::string to_hex() const;

  const std::array<std::uint8_t, N>& bytes() const noexcept { return bytes_; }
  std::array<std::uint8_t, N>& bytes() noexcept { return bytes_; }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }

  friend constexpr bool operator==(const Id&, const Id&) noexcept = default;
  friend constexpr auto operator<=>(const Id&, const Id&) noexcept = default;

 private:
  std::array<std::uint8_t, N> bytes_{};
};

using TraceId = Id<16>;
using SpanId = Id<8>;

extern template class Id<16>;
extern template class Id<8>;

// W3C trace-flags: one byte; bit 0 is "sampled", the other bits are reserved
// and are propagated but not interpreted.
class TraceFlags {
 public:
  static constexpr std::uint8_t kSampled = 0x01;
  constexpr TraceFlags() noexcept = default;
  explicit constexpr TraceFlags(std::uint8_t bits) noexcept : bits_(bits) {}
  constexpr bool sampled() const noexcept { return (bits_ & kSampled) != 0; }
  constexpr std::uint8_t bits() const noexcept { return bits_; }
  friend constexpr bool operator==(TraceFlags, TraceFlags) noexcept = default;

 private:
  std::uint8_t bits_ = 0;
};

// Source of new ids. Implementations must be safe to call from any thread.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual TraceId new_trace_id() noexcept = 0;
  virtual SpanId new_span_id() noexcept = 0;
};

// The default generator: a per-thread xoshiro256++ seeded from getrandom(2);
// never returns an all-zero id. Lock-free and allocation-free.
class RandomIdGenerator final : public IdGenerator {
 public:
  TraceId new_trace_id() noexcept override;
  SpanId new_span_id() noexcept override;
  // The process-wide instance.
  static RandomIdGenerator& instance() noexcept;
};

// The default generator's ids without a virtual call (the SDK's hot path).
TraceId random_trace_id() noexcept;
SpanId random_span_id() noexcept;

// Fast per-thread random 64-bit value (the generator's PRNG), also used by
// samplers' jitter and retry backoff.
std::uint64_t random_u64() noexcept;

}  // namespace spanline::telemetry
