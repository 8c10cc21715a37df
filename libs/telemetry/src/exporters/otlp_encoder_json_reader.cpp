// ExportTraceServiceResponse from OTLP/JSON: a small strict JSON reader
// (RFC 8259) that extracts partial_success and skips everything else. Hand
// written so that spanline_otlp needs no JSON library; the input is
// untrusted, so it validates fully and bounds nesting.
#include <charconv>
#include <cmath>
#include <limits>

#include "exporters/otlp_encoder_detail.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

constexpr int kMaxDepth = 64;

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool at_end() noexcept {
    ws();
    return p_ == end_;
  }
  bool peek(char c) noexcept {
    ws();
    return p_ != end_ && *p_ == c;
  }
  bool consume(char c) noexcept {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  bool null() noexcept { return word("null"); }

  // Calls on_member(key) with the reader positioned at each member's value;
  // on_member must consume that value.
  template <typename OnMember>
  bool object(OnMember&& on_member) {
    if (!consume('{')) return false;
    if (consume('}')) return true;
    std::string key;
    do {
      if (!string(&key) || !consume(':') || !on_member(std::string_view(key))) return false;
    } while (consume(','));
    return consume('}');
  }

  // A JSON string; `out` (when not null) receives the unescaped UTF-8.
  bool string(std::string* out) {
    if (!consume('"')) return false;
    if (out) out->clear();
    while (p_ != end_) {
      const auto c = static_cast<std::uint8_t>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!escape(out)) return false;
        continue;
      }
      std::size_t bad;
      std::size_t n =
          otlp_detail::utf8_sequence_length({p_, static_cast<std::size_t>(end_ - p_)}, &bad);
      if (n == 0) return false;
      if (out) out->append(p_, n);
      p_ += n;
    }
    return false;
  }

  // A JSON number; `raw` receives its text.
  bool number(std::string_view& raw) noexcept {
    ws();
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ != end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    raw = {start, static_cast<std::size_t>(p_ - start)};
    return true;
  }

  bool skip_value(int depth = 0) {
    if (depth > kMaxDepth) return false;
    ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object([&](std::string_view) { return skip_value(depth + 1); });
      case '[': {
        ++p_;
        if (consume(']')) return true;
        do {
          if (!skip_value(depth + 1)) return false;
        } while (consume(','));
        return consume(']');
      }
      case '"':
        return string(nullptr);
      case 't':
        return word("true");
      case 'f':
        return word("false");
      case 'n':
        return word("null");
      default: {
        std::string_view raw;
        return number(raw);
      }
    }
  }

 private:
  void ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool word(std::string_view w) noexcept {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < w.size() || std::string_view(p_, w.size()) != w)
      return false;
    p_ += w.size();
    return true;
  }
  bool digits() noexcept {
    const char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }
  bool hex4(std::uint32_t& v) noexcept {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<std::uint32_t>(d);
    }
    return true;
  }
  // After a backslash. A \u surrogate must pair up (RFC 8259 §7); a lone
  // one cannot be represented in UTF-8 and becomes U+FFFD.
  bool escape(std::string* out) {
    ++p_;
    if (p_ == end_) return false;
    const char c = *p_++;
    char simple = 0;
    switch (c) {
      case '"':
        simple = '"';
        break;
      case '\\':
        simple = '\\';
        break;
      case '/':
        simple = '/';
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return false;
    }
    if (simple) {
      if (out) out->push_back(simple);
      return true;
    }
    std::uint32_t cp;
    if (!hex4(cp)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
      const char* save = p_;
      p_ += 2;
      std::uint32_t low;
      if (!hex4(low)) return false;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      } else {
        p_ = save;  // not a pair; the next escape stands on its own
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    if (out) append_utf8(*out, cp);
    return true;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | cp >> 6));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | cp >> 12));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | cp >> 18));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  const char* p_;
  const char* end_;
};

// An int64 per the proto3 JSON mapping: a number or a string holding one;
// exponent and fraction forms are accepted when the value is integral.
bool parse_int64(std::string_view raw, std::int64_t& out) {
  JsonReader check(raw);
  std::string_view number;
  if (!check.number(number) || !check.at_end()) return false;
  const char* end = raw.data() + raw.size();
  auto [p, ec] = std::from_chars(raw.data(), end, out);
  if (ec == std::errc() && p == end) return true;
  if (ec == std::errc::result_out_of_range) return false;
  double d;
  auto [dp, dec] = std::from_chars(raw.data(), end, d);
  // 2^63 is exactly representable; anything at or above it overflows.
  if (dec != std::errc() || dp != end || d != std::trunc(d) || d < -0x1p63 || d >= 0x1p63)
    return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

// Field names: the proto3 JSON mapping says parsers accept both the
// lowerCamelCase and the original proto name.
bool read_partial_success(JsonReader& r, OtlpPartialSuccess& out) {
  if (r.null()) return true;
  return r.object([&](std::string_view key) {
    if (key == "rejectedSpans" || key == "rejected_spans") {
      if (r.null()) return true;
      std::string_view raw;
      if (r.peek('"')) {
        std::string text;
        return r.string(&text) && parse_int64(text, out.rejected_spans);
      }
      return r.number(raw) && parse_int64(raw, out.rejected_spans);
    }
    if (key == "errorMessage" || key == "error_message") {
      if (r.null()) return true;
      return r.string(&out.error_message);
    }
    return r.skip_value();
  });
}

}  // namespace

bool decode_otlp_response_json(std::string_view bytes, OtlpPartialSuccess& out) {
  out = {};
  JsonReader r(bytes);
  // Servers commonly answer a full success with an empty body.
  if (r.at_end()) return true;
  const bool ok = r.object([&](std::string_view key) {
    if (key == "partialSuccess" || key == "partial_success") return read_partial_success(r, out);
    return r.skip_value();
  });
  return ok && r.at_end();
}

}  // namespace spanline::telemetry
