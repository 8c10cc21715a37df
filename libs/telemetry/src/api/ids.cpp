#include "spanline/telemetry/api/ids.h"

#include <sys/random.h>

#include <chrono>
#include <cstring>

namespace spanline::telemetry {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is invalid in W3C ids
}

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256++: fast, 256-bit state, good statistical quality; one per
// thread so id generation takes no lock.
class Xoshiro256 {
 public:
  Xoshiro256() noexcept {
    std::uint64_t seed[4] = {};
    if (getrandom(seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
      // getrandom cannot fail for 32 bytes once the pool is ready; fall back
      // to something that still differs per thread and per run.
      std::uint64_t x =
          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
          reinterpret_cast<std::uintptr_t>(this);
      for (auto& s : seed) s = splitmix64(x);
    }
    std::memcpy(s_, seed, sizeof s_);
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

Xoshiro256& thread_rng() noexcept {
  thread_local Xoshiro256 rng;
  return rng;
}

}  // namespace

template <std::size_t N>
std::optional<Id<N>> Id<N>::from_hex(std::string_view hex) noexcept {
  if (hex.size() != 2 * N) return std::nullopt;
  Id id;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes_[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

template <std::size_t N>
std::optional<Id<N>> Id<N>::from_bytes(std::string_view bytes) noexcept {
  if (bytes.size() != N) return std::nullopt;
  Id id;
  std::memcpy(id.bytes_.data(), bytes.data(), N);
  return id;
}

template <std::size_t N>
void Id<N>::to_hex(char* out) const noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[bytes_[i] >> 4];
    out[2 * i + 1] = kHex[bytes_[i] & 0xf];
  }
}

template <std::size_t N>
std::string Id<N>::to_hex() const {
  std::string s(2 * N, '0');
  to_hex(s.data());
  return s;
}

template class Id<16>;
template class Id<8>;

std::uint64_t random_u64() noexcept {
  return thread_rng().next();
}

TraceId RandomIdGenerator::new_trace_id() noexcept {
  return random_trace_id();
}
SpanId RandomIdGenerator::new_span_id() noexcept {
  return random_span_id();
}

TraceId random_trace_id() noexcept {
  auto& rng = thread_rng();
  TraceId id;
  std::uint64_t hi, lo;
  do {
    hi = rng.next();
    lo = rng.next();
  } while ((hi | lo) == 0);
  std::memcpy(id.bytes().data(), &hi, 8);
  std::memcpy(id.bytes().data() + 8, &lo, 8);
  return id;
}

SpanId random_span_id() noexcept {
  auto& rng = thread_rng();
  std::uint64_t v;
  do {
    v = rng.next();
  } while (v == 0);
  SpanId id;
  std::memcpy(id.bytes().data(), &v, 8);
  return id;
}

RandomIdGenerator& RandomIdGenerator::instance() noexcept {
  static RandomIdGenerator generator;
  return generator;
}

}  // namespace spanline::telemetry
