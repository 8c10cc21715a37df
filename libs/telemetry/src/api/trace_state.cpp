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

namespace spanline::telemetry {
namespace {

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

bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

// Spaces and tabs around a list member are optional whitespace (§3.3.1.1), not
// part of the key or the value: a value's trailing spaces are OWS by
// definition, while its leading spaces (after '=') are kept.
std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Members in `headers` if none is empty (commas + 1 per header), capped so a
// hostile header cannot make us reserve much.
std::size_t estimate_members(std::span<const std::string_view> headers) noexcept {
  std::size_t n = 0;
  for (auto h : headers) {
    ++n;
    for (auto comma = h.find(','); comma != std::string_view::npos && n <= TraceState::kMaxMembers;
         comma = h.find(',', comma + 1)) {
      ++n;
    }
  }
  return std::min(n, TraceState::kMaxMembers);
}

using Members = std::vector<std::pair<std::string, std::string>>;

// Several headers are one list (§3.3.1.1, RFC 7230 §3.2.2): joining them with
// ',' and splitting on ',' is the same as splitting each one, so no joined
// copy is made. The list is all or nothing: one bad member, a duplicate key
// (§3.3.1.4) or a 33rd member (§3.3.1.2) makes the whole header unusable, and
// guessing which part to keep would forward state a vendor never wrote.
bool parse_list(std::span<const std::string_view> headers, Members& members) {
  members.reserve(estimate_members(headers));
  for (std::string_view header : headers) {
    while (true) {
      const auto comma = header.find(',');
      const auto member = trim_ows(header.substr(0, comma));
      if (!member.empty()) {  // empty and whitespace-only members are allowed
        if (members.size() == TraceState::kMaxMembers) return false;
        const auto eq = member.find('=');
        if (eq == std::string_view::npos) return false;
        const auto key = member.substr(0, eq);
        const auto value = member.substr(eq + 1);
        if (!TraceState::is_valid_key(key) || !TraceState::is_valid_value(value)) return false;
        if (std::any_of(members.begin(), members.end(),
                        [key](const auto& m) { return m.first == key; })) {
          return false;
        }
        members.emplace_back(key, value);
      }
      if (comma == std::string_view::npos) break;
      header.remove_prefix(comma + 1);
    }
  }
  return true;
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

std::optional<TraceState> TraceState::parse(std::string_view header) {
  TraceState state;
  if (!parse_list({&header, 1}, state.members_)) return std::nullopt;
  return state;
}

std::optional<TraceState> TraceState::parse(std::span<const std::string_view> headers) {
  TraceState state;
  if (!parse_list(headers, state.members_)) return std::nullopt;
  return state;
}

std::optional<std::string_view> TraceState::get(std::string_view key) const noexcept {
  for (const auto& [k, v] : members_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

// §3.5 (mutating tracestate): a modified or added key moves to the left; when
// the list is full the right-most member gives way.
bool TraceState::set(std::string_view key, std::string_view value) {
  if (!is_valid_key(key) || !is_valid_value(value)) return false;
  erase(key);
  if (members_.size() >= kMaxMembers) members_.pop_back();
  members_.emplace(members_.begin(), key, value);
  return true;
}

void TraceState::erase(std::string_view key) {
  std::erase_if(members_, [key](const auto& m) { return m.first == key; });
}

std::string TraceState::to_header() const {
  std::size_t size = 0;
  for (const auto& [k, v] : members_) size += k.size() + v.size() + 2;
  std::string out;
  out.reserve(size);
  for (const auto& [k, v] : members_) {
    if (!out.empty()) out += ',';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

}  // namespace spanline::telemetry
