// W3C tracestate (Trace Context Level 1, §3.3).
//
// Grammar (§3.3.1.2 list, §3.3.1.3.1 key, §3.3.1.3.2 value):
//   list        = list-member 0*31( OWS "," OWS list-member )
//   key         = simple-key / multi-tenant-key
//   simple-key  = lcalpha 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//   multi-tenant-key = tenant-id "@" system-id
//   tenant-id   = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//   system-id   = lcalpha 0*13( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//   value       = 0*255( chr ) nblk-chr   ; chr = %x20 / nblk-chr
//   nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E
#include "spanline/telemetry/api/trace_state.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "api/text.h"

namespace spanline::telemetry {
namespace {

using text::trim_ows;

constexpr std::size_t kMaxSimpleKey = 256;
constexpr std::size_t kMaxTenantId = 241;
constexpr std::size_t kMaxSystemId = 14;
constexpr std::size_t kMaxValue = 256;

// Character classes, one table lookup per character: tracestate is parsed on
// every request that carries one.
enum : std::uint8_t { kLcAlpha = 1, kDigit = 2, kKeyChar = 4, kValueChar = 8 };
constexpr auto kClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kLcAlpha | kKeyChar;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kDigit | kKeyChar;
  for (char c : {'_', '-', '*', '/'}) t[static_cast<unsigned char>(c)] |= kKeyChar;
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') t[c] |= kValueChar;
  }
  return t;
}();

std::uint8_t char_class(char c) noexcept {
  return kClass[static_cast<unsigned char>(c)];
}

// True when every character of `s` has `bits`.
bool all_of_class(std::string_view s, std::uint8_t bits) noexcept {
  std::uint8_t all = bits;
  for (char c : s) all &= char_class(c);
  return all == bits;
}

// Spaces and tabs around a list member are optional whitespace (§3.3.1.1), not
// part of the key or the value: a value's trailing spaces are OWS by
// definition, while its leading spaces (after '=') are kept.
using MemberView = std::pair<std::string_view, std::string_view>;

// Room for a full list of views, left uninitialised (filled front to back).
struct MemberViews {
  MemberViews() noexcept {}
  MemberView& operator[](std::size_t i) noexcept { return items[i]; }
  MemberView* data() noexcept { return items; }
  union {
    MemberView items[TraceState::kMaxMembers];
  };
};

// Several headers are one list (§3.3.1.1, RFC 7230 §3.2.2): joining them with
// ',' and splitting on ',' is the same as splitting each one, so no joined
// copy is made. The list is all or nothing: one bad member, a duplicate key
// (§3.3.1.4) or a 33rd member (§3.3.1.2) makes the whole header unusable, and
// guessing which part to keep would forward state a vendor never wrote.
// Returns the number of members written to `members` (views into `headers`),
// or -1 when the list is invalid.
int parse_list(std::span<const std::string_view> headers, MemberViews& members) {
  std::size_t n = 0;
  for (std::string_view header : headers) {
    while (true) {
      const auto comma = header.find(',');
      const auto member = trim_ows(header.substr(0, comma));
      if (!member.empty()) {  // empty and whitespace-only members are allowed
        if (n == TraceState::kMaxMembers) return -1;
        const auto eq = member.find('=');
        if (eq == std::string_view::npos) return -1;
        const auto key = member.substr(0, eq);
        const auto value = member.substr(eq + 1);
        if (!TraceState::is_valid_key(key) || !TraceState::is_valid_value(value)) return -1;
        for (std::size_t i = 0; i < n; ++i) {
          if (members[i].first == key) return -1;
        }
        members[n++] = {key, value};
      }
      if (comma == std::string_view::npos) break;
      header.remove_prefix(comma + 1);
    }
  }
  return static_cast<int>(n);
}

}  // namespace

bool TraceState::is_valid_key(std::string_view key) noexcept {
  const auto at = key.find('@');
  if (at == std::string_view::npos) {
    return !key.empty() && key.size() <= kMaxSimpleKey && (char_class(key.front()) & kLcAlpha) &&
           all_of_class(key, kKeyChar);
  }
  const auto tenant = key.substr(0, at);
  const auto system = key.substr(at + 1);
  // A second '@' lands in system-id and fails the keychar check.
  return !tenant.empty() && tenant.size() <= kMaxTenantId &&
         (char_class(tenant.front()) & (kLcAlpha | kDigit)) && all_of_class(tenant, kKeyChar) &&
         !system.empty() && system.size() <= kMaxSystemId &&
         (char_class(system.front()) & kLcAlpha) && all_of_class(system, kKeyChar);
}

bool TraceState::is_valid_value(std::string_view value) noexcept {
  return !value.empty() && value.size() <= kMaxValue && value.back() != ' ' &&
         all_of_class(value, kValueChar);
}

void TraceState::append(std::string_view key, std::string_view value) {
  if (size_ != 0) header_.push_back(',');
  Member& m = members_[size_++];
  m.key_at = static_cast<std::uint16_t>(header_.size());
  m.key_size = static_cast<std::uint16_t>(key.size());
  header_.append(key);
  header_.push_back('=');
  m.value_at = static_cast<std::uint16_t>(header_.size());
  m.value_size = static_cast<std::uint16_t>(value.size());
  header_.append(value);
}

void TraceState::assign(std::span<const std::pair<std::string_view, std::string_view>> members) {
  std::size_t bytes = 0;
  for (const auto& [k, v] : members) bytes += k.size() + v.size() + 2;
  // The views may point into header_: build the new list aside.
  TraceState next;
  next.header_.reserve(bytes);
  for (const auto& [k, v] : members) next.append(k, v);
  *this = std::move(next);
}

std::optional<TraceState> TraceState::parse(std::string_view header) {
  return parse(std::span<const std::string_view>(&header, 1));
}

std::optional<TraceState> TraceState::parse(std::span<const std::string_view> headers) {
  MemberViews views;
  const int n = parse_list(headers, views);
  if (n < 0) return std::nullopt;
  TraceState state;
  state.assign(std::span(views.data(), static_cast<std::size_t>(n)));
  return state;
}

std::vector<std::pair<std::string_view, std::string_view>> TraceState::members() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  out.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) out.emplace_back(key(i), value(i));
  return out;
}

std::optional<std::string_view> TraceState::get(std::string_view k) const noexcept {
  for (std::size_t i = 0; i < size_; ++i) {
    if (key(i) == k) return value(i);
  }
  return std::nullopt;
}

// §3.5 (mutating tracestate): a modified or added key moves to the left; when
// the list is full the right-most member gives way.
bool TraceState::set(std::string_view k, std::string_view v) {
  if (!is_valid_key(k) || !is_valid_value(v)) return false;
  MemberViews views;
  std::size_t n = 0;
  views[n++] = {k, v};
  for (std::size_t i = 0; i < size_ && n < kMaxMembers; ++i) {
    if (key(i) != k) views[n++] = {key(i), value(i)};
  }
  // k and v may point into header_ too; assign() copies before replacing it.
  assign(std::span(views.data(), n));
  return true;
}

void TraceState::erase(std::string_view k) {
  MemberViews views;
  std::size_t n = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    if (key(i) != k) views[n++] = {key(i), value(i)};
  }
  if (n != size_) assign(std::span(views.data(), n));
}

}  // namespace spanline::telemetry
