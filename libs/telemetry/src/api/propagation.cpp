// Text-map propagators: W3C Trace Context (Level 1), W3C Baggage, B3, the
// composite, and the OTEL_PROPAGATORS factory.
//
// Extraction never throws on bad input and never half-applies it: a carrier
// either yields a complete, valid SpanContext or the context is returned
// unchanged, so a malformed header starts a new trace downstream.
#include "spanline/telemetry/api/propagation.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <mutex>

#include "api/text.h"

namespace spanline::telemetry {
namespace {

using text::trim_ows;

constexpr std::string_view kTraceparent = "traceparent";
constexpr std::string_view kTracestate = "tracestate";
constexpr std::string_view kBaggage = "baggage";
constexpr std::string_view kB3 = "b3";
constexpr std::string_view kB3TraceId = "x-b3-traceid";
constexpr std::string_view kB3SpanId = "x-b3-spanid";
constexpr std::string_view kB3Sampled = "x-b3-sampled";
constexpr std::string_view kB3Flags = "x-b3-flags";
constexpr std::string_view kB3ParentSpanId = "x-b3-parentspanid";

// "00-" 32 "-" 16 "-" 2: the version 00 layout, which also fixes where the
// fields of every later version start (§3.2.4).
constexpr std::size_t kTraceIdAt = 3;
constexpr std::size_t kSpanIdAt = 36;
constexpr std::size_t kFlagsAt = 53;

constexpr char kHex[] = "0123456789abcdef";

// HTTP optional whitespace (RFC 7230 §3.2.3). Field values exclude it, but
// carriers other than an HTTP parser (message maps, test harnesses) may not
// have stripped it; the W3C test suite sends it around traceparent.
// The traceparent codec runs on every request, so it avoids Id::from_hex and
// Id::to_hex's per-character branches and function calls.

// Lowercase hex digit values; 0x10 marks every other byte.
constexpr auto kHexValue = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0x10);
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  return t;
}();

// "000102...ff": the two hex digits of every byte value.
constexpr auto kHexPairs = [] {
  std::array<char, 512> t{};
  for (int b = 0; b < 256; ++b) {
    t[2 * b] = kHex[b >> 4];
    t[2 * b + 1] = kHex[b & 0xf];
  }
  return t;
}();

// Two lowercase hex digits at `p`.
std::optional<std::uint8_t> parse_hex_byte(const char* p) noexcept {
  const std::uint8_t hi = kHexValue[static_cast<unsigned char>(p[0])];
  const std::uint8_t lo = kHexValue[static_cast<unsigned char>(p[1])];
  if ((hi | lo) & 0xf0) return std::nullopt;
  return static_cast<std::uint8_t>(hi << 4 | lo);
}

// Eight lowercase hex digits at `p` into four bytes, all eight characters
// checked and converted at once in one 64-bit word (SWAR). After the 0x80 test
// every byte is below 0x80, and no addend below lifts one past 0xff, so no
// byte carries into its neighbour. Bit 7 of a byte of `ge_0` says "c >= '0'",
// of `gt_9` "c > '9'", and so on.
bool decode_hex8(const char* p, std::uint8_t* out) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  std::uint64_t x;
  std::memcpy(&x, p, sizeof x);
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  if (x & kHigh) return false;
  const std::uint64_t ge_0 = x + kOnes * (0x80 - '0');
  const std::uint64_t gt_9 = x + kOnes * (0x80 - '9' - 1);
  const std::uint64_t ge_a = x + kOnes * (0x80 - 'a');
  const std::uint64_t gt_f = x + kOnes * (0x80 - 'f' - 1);
  const std::uint64_t digit = ge_0 & ~gt_9 & kHigh;
  const std::uint64_t letter = ge_a & ~gt_f & kHigh;
  if ((digit | letter) != kHigh) return false;
  const std::uint64_t nibbles = (x & kOnes * 0x0f) + (letter >> 7) * 9;
  // Character 2k holds the high nibble of output byte k, 2k+1 the low one.
  constexpr std::uint64_t kLowNibbles = 0x000f000f000f000f;
  std::uint64_t y = (nibbles & kLowNibbles) << 4 | (nibbles >> 8 & kLowNibbles);
  y = (y | y >> 8) & 0x0000ffff0000ffff;
  y = (y | y >> 16) & 0x00000000ffffffff;
  auto bytes = static_cast<std::uint32_t>(y);  // output byte k in bits 8k..8k+7
  if constexpr (std::endian::native == std::endian::big) bytes = __builtin_bswap32(bytes);
  std::memcpy(out, &bytes, sizeof bytes);
  return true;
}

// 2*N lowercase hex digits at `p`; false on any other character.
template <std::size_t N>
bool decode_hex(const char* p, std::array<std::uint8_t, N>& out) noexcept {
  static_assert(N % 4 == 0);
  bool ok = true;
  for (std::size_t i = 0; i < N; i += 4) ok &= decode_hex8(p + 2 * i, out.data() + i);
  return ok;
}

#if defined(__SSE2__)
// Eight bytes as sixteen lowercase hex digits with SSE2 (part of every
// x86-64): the high and low nibble of each byte interleaved, then '0' added
// to each, and 'a' - '0' - 10 more where the nibble is above 9.
void encode_hex8(const std::uint8_t* in, char* out) noexcept {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  const __m128i low_nibble = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble);
  const __m128i low = _mm_and_si128(bytes, low_nibble);
  const __m128i nibbles = _mm_unpacklo_epi8(high, low);
  const __m128i letters =
      _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
  const __m128i text = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), text);
}
#endif

// The traceparent writer runs on every traced response and outgoing call.
template <std::size_t N>
void encode_hex(const std::array<std::uint8_t, N>& bytes, char* out) noexcept {
#if defined(__SSE2__)
  if constexpr (N % 8 == 0) {
    for (std::size_t i = 0; i < N; i += 8) encode_hex8(bytes.data() + i, out + 2 * i);
    return;
  }
#endif
  for (std::size_t i = 0; i < N; ++i) std::memcpy(out + 2 * i, &kHexPairs[2 * bytes[i]], 2);
}

}  // namespace

// ---- W3C traceparent ------------------------------------------------------

// §3.2.2 fixes the layout; §3.2.4 says how to read a version we do not know:
// the version-00 fields at their version-00 offsets, then either the end of
// the value or a '-' that starts fields we must not interpret. Version 00
// itself has no room for more fields, so anything after its 55 characters is
// malformed.
std::optional<SpanContext> parse_traceparent(std::string_view value) noexcept {
  if (value.size() < kTraceparentSize) return std::nullopt;
  const auto version = parse_hex_byte(value.data());
  if (!version || *version == 0xff || value[2] != '-') return std::nullopt;
  if (*version == 0) {
    if (value.size() != kTraceparentSize) return std::nullopt;
  } else if (value.size() > kTraceparentSize && value[kTraceparentSize] != '-') {
    return std::nullopt;
  }
  if (value[kSpanIdAt - 1] != '-' || value[kFlagsAt - 1] != '-') return std::nullopt;
  std::array<std::uint8_t, TraceId::kSize> trace_bytes;
  std::array<std::uint8_t, SpanId::kSize> span_bytes;
  if (!decode_hex(value.data() + kTraceIdAt, trace_bytes) ||
      !decode_hex(value.data() + kSpanIdAt, span_bytes)) {
    return std::nullopt;
  }
  const TraceId trace_id(trace_bytes);
  const SpanId span_id(span_bytes);
  const auto flags = parse_hex_byte(value.data() + kFlagsAt);
  // §3.2.2.3/§3.2.2.4: all-zero ids mean the header must be ignored.
  if (!flags || !trace_id.is_valid() || !span_id.is_valid()) return std::nullopt;
  // Version 00 flags are kept whole: reserved bits are propagated, not
  // interpreted (§3.2.2.5). For a later version only the sampled bit is
  // defined to us (§3.2.4: "parse the sampled bit of flags"); its other bits
  // may mean something else there, and we re-emit the header as version 00.
  const std::uint8_t bits = *version == 0 ? *flags : (*flags & TraceFlags::kSampled);
  return SpanContext(trace_id, span_id, TraceFlags(bits), /*is_remote=*/true);
}

void format_traceparent(const SpanContext& context, char* out) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  encode_hex(context.trace_id().bytes(), out + kTraceIdAt);
  out[kSpanIdAt - 1] = '-';
  encode_hex(context.span_id().bytes(), out + kSpanIdAt);
  out[kFlagsAt - 1] = '-';
  encode_hex(std::array<std::uint8_t, 1>{context.trace_flags().bits()}, out + kFlagsAt);
}

std::string format_traceparent(const SpanContext& context) {
  std::string out(kTraceparentSize, '0');
  format_traceparent(context, out.data());
  return out;
}

// ---- W3C Trace Context propagator ----------------------------------------

Context W3CTraceContextPropagator::extract(const TextMapGetter& carrier,
                                           const Context& context) const {
  // Two traceparent headers cannot be combined into one value; the test suite
  // (test_traceparent_duplicated) expects a restart.
  const auto parents = carrier.get_all(kTraceparent);
  if (parents.size() != 1) return context;
  // Carriers other than an HTTP parser (message maps, the W3C test harness)
  // may leave optional whitespace around the value.
  const auto parent = parse_traceparent(trim_ows(parents.front()));
  if (!parent) return context;

  // §3.3: a bad tracestate must not affect traceparent; the trace continues
  // with no tracestate at all (a partial list could misattribute state).
  std::shared_ptr<const TraceState> state;
  const auto states = carrier.get_all(kTracestate);
  if (!states.empty() && !states.overflowed()) {
    auto parsed = TraceState::parse(states);
    if (parsed && !parsed->empty()) state = std::make_shared<const TraceState>(std::move(*parsed));
  }
  return context.with_span(SpanContext(parent->trace_id(), parent->span_id(), parent->trace_flags(),
                                       /*is_remote=*/true, std::move(state)));
}

void W3CTraceContextPropagator::inject(const Context& context, TextMapSetter& carrier) const {
  const SpanContext& span = context.span_context();
  if (!span.is_valid()) return;
  char traceparent[kTraceparentSize];
  format_traceparent(span, traceparent);
  carrier.set(kTraceparent, std::string_view(traceparent, sizeof traceparent));
  // Empty tracestate headers are legal but SHOULD NOT be sent (§3.3.1.1).
  const TraceState& state = span.trace_state();
  if (state.empty()) return;
  carrier.set(kTracestate, state.to_header());
}

std::vector<std::string> W3CTraceContextPropagator::fields() const {
  return {std::string(kTraceparent), std::string(kTracestate)};
}

// ---- W3C Baggage propagator -----------------------------------------------

// Received entries win over the context's entries of the same name: they are
// the newer statement about the request.
Context W3CBaggagePropagator::extract(const TextMapGetter& carrier, const Context& context) const {
  const auto headers = carrier.get_all(kBaggage);
  if (headers.empty()) return context;
  Baggage received = Baggage::parse(headers);
  if (received.empty()) return context;
  if (context.baggage().empty()) return context.with_baggage(std::move(received));
  Baggage merged = context.baggage();
  for (const auto& e : received.entries()) merged.set(e.name, e.value, e.metadata);
  return context.with_baggage(std::move(merged));
}

void W3CBaggagePropagator::inject(const Context& context, TextMapSetter& carrier) const {
  const Baggage& baggage = context.baggage();
  if (baggage.empty()) return;
  auto header = baggage.to_header();
  if (!header.empty()) carrier.set(kBaggage, header);
}

std::vector<std::string> W3CBaggagePropagator::fields() const {
  return {std::string(kBaggage)};
}

// ---- B3 -------------------------------------------------------------------
//
// https://github.com/openzipkin/b3-propagation and the OpenTelemetry
// propagators spec ("B3 Requirements"): ids are lower-hex; a 64-bit trace id
// is the low half of a 128-bit one; debug implies sampled; the parent span id
// is checked when present but never re-sent, because OpenTelemetry does not
// share one span id between client and server.

namespace {

std::optional<TraceId> parse_b3_trace_id(std::string_view hex) noexcept {
  std::optional<TraceId> id;
  if (hex.size() == 2 * TraceId::kSize) {
    id = TraceId::from_hex(hex);
  } else if (hex.size() == TraceId::kSize) {
    char padded[2 * TraceId::kSize];
    std::fill_n(padded, TraceId::kSize, '0');
    std::copy(hex.begin(), hex.end(), padded + TraceId::kSize);
    id = TraceId::from_hex(std::string_view(padded, sizeof padded));
  }
  if (!id || !id->is_valid()) return std::nullopt;
  return id;
}

std::optional<SpanId> parse_b3_span_id(std::string_view hex) noexcept {
  auto id = SpanId::from_hex(hex);
  if (!id || !id->is_valid()) return std::nullopt;
  return id;
}

// `b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`. The form with
// only a sampling state (`b3: 0`, a bare deny) carries no ids to continue, so
// it yields nothing here and the caller's root sampler decides.
std::optional<SpanContext> parse_b3_single(std::string_view value) noexcept {
  std::string_view parts[4];
  std::size_t count = 0;
  value = trim_ows(value);
  while (true) {
    if (count == 4) return std::nullopt;
    const auto dash = value.find('-');
    parts[count++] = value.substr(0, dash);
    if (dash == std::string_view::npos) break;
    value.remove_prefix(dash + 1);
  }
  if (count < 2) return std::nullopt;
  const auto trace_id = parse_b3_trace_id(parts[0]);
  const auto span_id = parse_b3_span_id(parts[1]);
  if (!trace_id || !span_id) return std::nullopt;
  std::uint8_t flags = 0;  // no state: deferred, which we cannot represent but as "not sampled"
  if (count >= 3) {
    if (parts[2] == "1" || parts[2] == "d") {
      flags = TraceFlags::kSampled;
    } else if (parts[2] != "0") {
      return std::nullopt;
    }
  }
  if (count == 4 && !parse_b3_span_id(parts[3])) return std::nullopt;
  return SpanContext(*trace_id, *span_id, TraceFlags(flags), /*is_remote=*/true);
}

// X-B3-* headers. `true`/`false` are accepted for X-B3-Sampled because early
// tracers sent them (the B3 spec asks receivers to tolerate them).
std::optional<SpanContext> parse_b3_multi(const TextMapGetter& carrier) {
  const auto trace_hex = carrier.get(kB3TraceId);
  const auto span_hex = carrier.get(kB3SpanId);
  if (!trace_hex || !span_hex) return std::nullopt;
  const auto trace_id = parse_b3_trace_id(trim_ows(*trace_hex));
  const auto span_id = parse_b3_span_id(trim_ows(*span_hex));
  if (!trace_id || !span_id) return std::nullopt;
  std::uint8_t flags = 0;
  if (const auto sampled = carrier.get(kB3Sampled)) {
    const auto s = trim_ows(*sampled);
    if (s == "1" || s == "true") {
      flags = TraceFlags::kSampled;
    } else if (s != "0" && s != "false") {
      return std::nullopt;
    }
  }
  // "Debug is encoded as X-B3-Flags: 1. Absent or any other value can be ignored."
  if (const auto debug = carrier.get(kB3Flags); debug && trim_ows(*debug) == "1") {
    flags = TraceFlags::kSampled;
  }
  if (const auto parent = carrier.get(kB3ParentSpanId)) {
    if (!parse_b3_span_id(trim_ows(*parent))) return std::nullopt;
  }
  return SpanContext(*trace_id, *span_id, TraceFlags(flags), /*is_remote=*/true);
}

}  // namespace

Context B3Propagator::extract(const TextMapGetter& carrier, const Context& context) const {
  if (const auto single = carrier.get(kB3)) {
    if (auto span = parse_b3_single(*single)) return context.with_span(*span);
  }
  if (auto span = parse_b3_multi(carrier)) return context.with_span(*span);
  return context;
}

void B3Propagator::inject(const Context& context, TextMapSetter& carrier) const {
  const SpanContext& span = context.span_context();
  if (!span.is_valid()) return;
  char trace_id[2 * TraceId::kSize];
  char span_id[2 * SpanId::kSize];
  span.trace_id().to_hex(trace_id);
  span.span_id().to_hex(span_id);
  const char sampled = span.is_sampled() ? '1' : '0';
  if (single_) {
    char b3[sizeof trace_id + 1 + sizeof span_id + 2];
    char* p = std::copy(std::begin(trace_id), std::end(trace_id), b3);
    *p++ = '-';
    p = std::copy(std::begin(span_id), std::end(span_id), p);
    *p++ = '-';
    *p = sampled;
    carrier.set(kB3, std::string_view(b3, sizeof b3));
    return;
  }
  carrier.set(kB3TraceId, std::string_view(trace_id, sizeof trace_id));
  carrier.set(kB3SpanId, std::string_view(span_id, sizeof span_id));
  carrier.set(kB3Sampled, std::string_view(&sampled, 1));
}

// Both encodings are read whatever the injection mode, so both are listed
// (the written ones first).
std::vector<std::string> B3Propagator::fields() const {
  std::vector<std::string> multi{std::string(kB3TraceId), std::string(kB3SpanId),
                                 std::string(kB3Sampled), std::string(kB3Flags),
                                 std::string(kB3ParentSpanId)};
  if (single_) {
    multi.insert(multi.begin(), std::string(kB3));
  } else {
    multi.emplace_back(kB3);
  }
  return multi;
}

// ---- Composite ------------------------------------------------------------

// Parts run in order, each seeing the previous one's result, so a later
// propagator overrides an earlier one that found the same kind of data.
Context CompositePropagator::extract(const TextMapGetter& carrier, const Context& context) const {
  Context result = context;
  for (const auto& part : parts_) result = part->extract(carrier, result);
  return result;
}

void CompositePropagator::inject(const Context& context, TextMapSetter& carrier) const {
  for (const auto& part : parts_) part->inject(context, carrier);
}

bool CompositePropagator::reads_only_fields() const noexcept {
  return std::all_of(parts_.begin(), parts_.end(),
                     [](const auto& part) { return part->reads_only_fields(); });
}

std::vector<std::string> CompositePropagator::fields() const {
  std::vector<std::string> all;
  for (const auto& part : parts_) {
    for (auto& f : part->fields()) {
      if (std::find(all.begin(), all.end(), f) == all.end()) all.push_back(std::move(f));
    }
  }
  return all;
}

// ---- OTEL_PROPAGATORS -----------------------------------------------------

namespace {

std::string_view trim_space(std::string_view s) noexcept {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

// SDK environment spec: values are a comma-separated list, deduplicated,
// enum values compared case-insensitively; "none" configures nothing.
std::unique_ptr<TextMapPropagator> make_propagator(std::string_view names,
                                                   std::vector<std::string>* unknown) {
  names = trim_space(names);
  if (names.empty()) names = "tracecontext,baggage";
  std::vector<std::string> seen;
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  while (true) {
    const auto comma = names.find(',');
    const auto name = trim_space(names.substr(0, comma));
    auto key = to_lower(name);
    if (!key.empty() && std::find(seen.begin(), seen.end(), key) == seen.end()) {
      if (key == "tracecontext") {
        parts.push_back(std::make_unique<W3CTraceContextPropagator>());
      } else if (key == "baggage") {
        parts.push_back(std::make_unique<W3CBaggagePropagator>());
      } else if (key == "b3") {
        parts.push_back(std::make_unique<B3Propagator>(/*single=*/true));
      } else if (key == "b3multi") {
        parts.push_back(std::make_unique<B3Propagator>(/*single=*/false));
      } else if (key != "none" && unknown) {
        unknown->emplace_back(name);
      }
      seen.push_back(std::move(key));
    }
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  if (parts.size() == 1) return std::move(parts.front());
  return std::make_unique<CompositePropagator>(std::move(parts));
}

// ---- Global ---------------------------------------------------------------
//
// global_propagator() hands out plain references that callers may hold across
// a later set_global_propagator(), so no installed propagator is ever freed:
// each one is parked in `installed` for the life of the process (a handful at
// most, set at startup). Readers take one acquire load and no lock.

namespace {

std::atomic<const TextMapPropagator*> g_current{nullptr};
std::mutex g_install_mutex;

// Leaked on purpose: static destructors of other objects may still inject.
std::vector<std::unique_ptr<TextMapPropagator>>& installed() {
  static auto* list = new std::vector<std::unique_ptr<TextMapPropagator>>();
  return *list;
}

const TextMapPropagator& default_propagator() {
  static const TextMapPropagator* const propagator = make_propagator("").release();
  return *propagator;
}

}  // namespace

const TextMapPropagator& global_propagator() noexcept {
  if (const auto* p = g_current.load(std::memory_order_acquire)) return *p;
  return default_propagator();
}

// A null propagator restores the default.
void set_global_propagator(std::unique_ptr<TextMapPropagator> propagator) {
  const TextMapPropagator* raw = propagator.get();
  if (propagator) {
    std::lock_guard lock(g_install_mutex);
    installed().push_back(std::move(propagator));
  }
  g_current.store(raw, std::memory_order_release);
}

}  // namespace spanline::telemetry
