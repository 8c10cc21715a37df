#include "otlp/json_field_reader.h"

#include <boost/json.hpp>

namespace spanline::collector {
namespace {

namespace json = boost::json;

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Standard and URL-safe alphabets (RFC 4648 §4, §5) in one table.
int base64_digit(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

// protobuf's rule (ToJsonName): drop each '_' and capitalise what follows.
// Only names that could be proto field names are converted.
JsonFieldReader::CamelKey::CamelKey(std::string_view key) noexcept : view_(key) {
  if (key.size() > sizeof buf_ || key.find('_') == std::string_view::npos) return;
  std::size_t n = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c == '_') {
      if (i + 1 == key.size() || key[i + 1] < 'a' || key[i + 1] > 'z') return;
      c = static_cast<char>(key[++i] - 'a' + 'A');
    } else if ((c < 'a' || c > 'z') && (c < '0' || c > '9')) {
      return;
    }
    buf_[n++] = c;
  }
  view_ = {buf_, n};
}

bool JsonFieldReader::fail(std::string_view what) {
  error_.clear();
  for (const Segment& s : path_) {
    if (s.field.empty()) {
      error_ += '[';
      error_ += std::to_string(s.index);
      error_ += ']';
    } else {
      if (!error_.empty()) error_ += '.';
      error_ += s.field;
    }
  }
  if (!error_.empty()) error_ += ": ";
  error_ += what;
  return false;
}

bool JsonFieldReader::string(const json::value& v, std::string& out) {
  const json::string* s = v.if_string();
  if (!s) return fail("expected a string");
  out.assign(s->data(), s->size());
  return true;
}

bool JsonFieldReader::read(const json::value& v, bool& out) {
  if (!v.is_bool()) return fail("expected a boolean");
  out = v.get_bool();
  return true;
}

bool JsonFieldReader::read(const json::value& v, double& out) {
  switch (v.kind()) {
    case json::kind::int64:
      out = static_cast<double>(v.get_int64());
      return true;
    case json::kind::uint64:
      out = static_cast<double>(v.get_uint64());
      return true;
    case json::kind::double_:
      // A bare 1e999 reads as infinity; only the strings may mean that.
      if (!std::isfinite(v.get_double())) return fail("number out of range");
      out = v.get_double();
      return true;
    case json::kind::string: {
      const json::string& s = v.get_string();
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        out = -std::numeric_limits<double>::infinity();
      } else {
        if (!is_json_number(s)) return fail("expected a number");
        if (!exact_double(s, out)) return fail("number out of range");
      }
      return true;
    }
    default:
      return fail("expected a number");
  }
}

bool JsonFieldReader::hex_bytes(const json::value& v, std::size_t size, std::string& out) {
  const json::string* s = v.if_string();
  if (!s) return fail("expected a string");
  if (s->empty()) {
    out.clear();
    return true;
  }
  auto wrong = [&] { return fail("expected " + std::to_string(2 * size) + " hex digits"); };
  if (s->size() != 2 * size) return wrong();
  out.resize(size);
  for (std::size_t i = 0; i < size; ++i) {
    const int hi = hex_digit((*s)[2 * i]);
    const int lo = hex_digit((*s)[2 * i + 1]);
    if (hi < 0 || lo < 0) return wrong();
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

bool JsonFieldReader::base64(const json::value& v, std::string& out) {
  const json::string* s = v.if_string();
  if (!s) return fail("expected a string");
  std::string_view text(s->data(), s->size());
  std::size_t padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if ((padding > 0 && s->size() % 4 != 0) || text.size() % 4 == 1) return fail("invalid base64");
  out.clear();
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int d = base64_digit(c);
    if (d < 0) return fail("invalid base64");
    bits = bits << 6 | static_cast<std::uint32_t>(d);
    if (++count == 4) {
      out += static_cast<char>(bits >> 16);
      out += static_cast<char>(bits >> 8);
      out += static_cast<char>(bits);
      bits = 0;
      count = 0;
    }
  }
  // A tail of 2 or 3 digits holds 1 or 2 bytes; its spare low bits are
  // ignored, as most decoders do.
  if (count == 2) out += static_cast<char>(bits >> 4);
  if (count == 3) {
    out += static_cast<char>(bits >> 10);
    out += static_cast<char>(bits >> 2);
  }
  return true;
}

bool JsonFieldReader::is_json_number(std::string_view s) noexcept {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool JsonFieldReader::exact_double(std::string_view text, double& out) noexcept {
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && stop == end;
}

}  // namespace spanline::collector
