// W3C Baggage header (https://www.w3.org/TR/baggage/, "Baggage HTTP Header
// Format").
//
// Grammar ("Definition"):
//   baggage-string = list-member 0*179( OWS "," OWS list-member )
//   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
//   property       = key OWS "=" OWS value / key OWS
//   key            = token                          ; RFC 7230 §3.2.6
//   value          = *baggage-octet                 ; percent-encoded UTF-8
//   baggage-octet  = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
//
// Names are tokens and need no decoding, so they are kept as received; only
// values are percent-decoded. Properties are opaque to the spec ("property") and
// are kept verbatim so that they reach the next hop unchanged.
#include "spanline/telemetry/api/baggage.h"

#include <algorithm>
#include <span>

#include "api/text.h"

namespace spanline::telemetry {
namespace {

using text::is_ows;
using text::trim_ows;

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// US-ASCII without CTLs, whitespace, DQUOTE, comma, semicolon and backslash.
bool is_baggage_octet(char c) noexcept {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool all_baggage_octets(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), is_baggage_octet);
}

// Bytes written literally by encode(); '%' is an octet but starts an escape.
bool is_literal(char c) noexcept {
  return is_baggage_octet(c) && c != '%';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` into `out`. A '%' not followed by two hex digits makes
// the value malformed (nullopt) rather than being passed through, so that
// decode(encode(x)) == x holds for every x.
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::size_t encoded_size(std::string_view value) noexcept {
  std::size_t n = 0;
  for (char c : value) n += is_literal(c) ? 1 : 3;
  return n;
}

void percent_encode(std::string_view value, std::string& out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (is_literal(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
}

// `metadata` is the trimmed text after a member's first ';': one or more
// properties separated by ';', each `key` or `key OWS "=" OWS value`.
bool is_valid_metadata(std::string_view metadata) noexcept {
  while (true) {
    const auto semi = metadata.find(';');
    const auto property = trim_ows(metadata.substr(0, semi));
    const auto eq = property.find('=');
    if (eq == std::string_view::npos) {
      if (!is_token(property)) return false;
    } else if (!is_token(trim_ows(property.substr(0, eq))) ||
               !all_baggage_octets(trim_ows(property.substr(eq + 1)))) {
      return false;
    }
    if (semi == std::string_view::npos) return true;
    metadata.remove_prefix(semi + 1);
  }
}

// Length of the entry in to_header() form, without the separating comma.
std::size_t header_size(const Baggage::Entry& e) noexcept {
  return e.name.size() + 1 + encoded_size(e.value) +
         (e.metadata.empty() ? 0 : 1 + e.metadata.size());
}

// One list member, already trimmed and non-empty; nullopt when malformed.
std::optional<Baggage::Entry> parse_member(std::string_view member) {
  const auto semi = member.find(';');
  const auto pair = member.substr(0, semi);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const auto name = trim_ows(pair.substr(0, eq));
  const auto raw_value = trim_ows(pair.substr(eq + 1));
  if (!is_token(name) || !all_baggage_octets(raw_value)) return std::nullopt;
  std::string_view metadata;
  if (semi != std::string_view::npos) {
    metadata = trim_ows(member.substr(semi + 1));
    if (!is_valid_metadata(metadata)) return std::nullopt;
  }
  auto value = percent_decode(raw_value);
  if (!value) return std::nullopt;
  return Baggage::Entry{std::string(name), std::move(*value), std::string(metadata)};
}

// Adds `entry` to `entries`, a later duplicate replacing the earlier one in
// place. `total` is the to_header() length of `entries`. The limits
// ("Limits") are applied to that re-encoded form, the same measure
// to_header() uses, so a parsed Baggage always serialises whole.
void add_within_limits(Baggage::Entry entry, std::vector<Baggage::Entry>& entries,
                       std::size_t& total) {
  const std::size_t size = header_size(entry);
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const Baggage::Entry& e) { return e.name == entry.name; });
  if (it != entries.end()) {
    const std::size_t replaced = total - header_size(*it) + size;
    if (replaced <= Baggage::kMaxBytes) {
      *it = std::move(entry);
      total = replaced;
    }
    return;
  }
  const std::size_t grown = total + size + (entries.empty() ? 0 : 1);
  if (entries.size() < Baggage::kMaxMembers && grown <= Baggage::kMaxBytes) {
    entries.push_back(std::move(entry));
    total = grown;
  }
}

// Several headers are one list (RFC 7230 §3.2.2), so each is split on ','
// without building the joined value.
void parse_list(std::span<const std::string_view> headers, std::vector<Baggage::Entry>& entries) {
  std::size_t total = 0;
  for (std::string_view header : headers) {
    while (true) {
      const auto comma = header.find(',');
      const auto member = trim_ows(header.substr(0, comma));
      if (!member.empty()) {
        if (auto entry = parse_member(member)) add_within_limits(std::move(*entry), entries, total);
      }
      if (comma == std::string_view::npos) break;
      header.remove_prefix(comma + 1);
    }
  }
}

}  // namespace

Baggage Baggage::parse(std::string_view header) {
  Baggage baggage;
  parse_list({&header, 1}, baggage.entries_);
  return baggage;
}

Baggage Baggage::parse(std::span<const std::string_view> headers) {
  Baggage baggage;
  parse_list(headers, baggage.entries_);
  return baggage;
}

std::optional<std::string_view> Baggage::get(std::string_view name) const noexcept {
  for (const auto& e : entries_) {
    if (e.name == name) return std::string_view(e.value);
  }
  return std::nullopt;
}

// Metadata must also be a well-formed property list: anything else could not
// be written into the header without corrupting the neighbouring members.
bool Baggage::set(std::string_view name, std::string_view value, std::string_view metadata) {
  metadata = trim_ows(metadata);
  if (!is_token(name) || (!metadata.empty() && !is_valid_metadata(metadata))) return false;
  for (auto& e : entries_) {
    if (e.name == name) {
      e.value.assign(value);
      e.metadata.assign(metadata);
      return true;
    }
  }
  entries_.push_back(Entry{std::string(name), std::string(value), std::string(metadata)});
  return true;
}

void Baggage::erase(std::string_view name) {
  std::erase_if(entries_, [name](const Entry& e) { return e.name == name; });
}

std::string Baggage::to_header() const {
  std::string out;
  for (const auto& e : entries_) {
    const std::size_t grown = out.size() + header_size(e) + (out.empty() ? 0 : 1);
    if (grown > kMaxBytes) continue;  // a smaller later entry may still fit
    if (!out.empty()) out += ',';
    out += e.name;
    out += '=';
    percent_encode(e.value, out);
    if (!e.metadata.empty()) {
      out += ';';
      out += e.metadata;
    }
  }
  return out;
}

}  // namespace spanline::telemetry
