#include "task-api/validation.h"

#include <boost/json/stream_parser.hpp>
#include <charconv>
#include <cstdint>

namespace spanline::taskflow::api {

namespace {

namespace ec = error_code;

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

ValidationError bad(unsigned status, std::string_view code, std::string message) {
  return {status, std::string(code), std::move(message)};
}

std::string_view kind_name(boost::json::kind k) {
  switch (k) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      break;
  }
  return "an object";
}

// The whole body as one JSON value, or why not. The stream parser reports how
// far it got, so the message can point at the offending byte.
std::variant<boost::json::value, ValidationError> parse_json(std::string_view body) {
  boost::json::stream_parser parser;
  boost::system::error_code error;
  const std::size_t used = parser.write_some(body.data(), body.size(), error);
  if (error)
    return bad(400, ec::kInvalidJson,
               "malformed JSON at byte " + std::to_string(used) + ": " + error.message());
  // A bare number is complete only once the input is known to end.
  if (!parser.done()) parser.finish(error);
  if (error)
    return bad(400, ec::kInvalidJson, "malformed JSON: the body ends before the JSON value does");
  if (used < body.size() && !is_blank(body.substr(used)))
    return bad(400, ec::kInvalidJson,
               "malformed JSON: unexpected data after the value at byte " + std::to_string(used));
  return parser.release();
}

// A non-negative decimal integer, or an invalid_query error naming `name`.
Validated<std::size_t> parse_count(std::string_view name, std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return bad(400, ec::kInvalidQuery,
               std::string(name) + " must be a non-negative integer (decimal digits only)");
  std::size_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc{}) return bad(400, ec::kInvalidQuery, std::string(name) + " is too large");
  return value;
}

}  // namespace

boost::json::object to_json(const ValidationError& error) {
  return {{"error", error.error}, {"message", error.message}};
}

std::optional<ValidationError> check_content_type(std::string_view header_value) {
  const std::string_view value = trim_ows(header_value);
  if (value.empty())
    return bad(415, ec::kUnsupportedMediaType, "Content-Type is missing; send application/json");
  const std::size_t semi = value.find(';');
  if (!iequals(trim_ows(value.substr(0, semi)), "application/json"))
    return bad(415, ec::kUnsupportedMediaType, "Content-Type must be application/json");
  // Parameters: only charset matters; an unknown or malformed one is ignored
  // (refusing those would only turn away real clients).
  std::string_view params = semi == std::string_view::npos ? "" : value.substr(semi + 1);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    const std::string_view param = trim_ows(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trim_ows(param.substr(0, eq)), "charset"))
      continue;
    std::string_view charset = trim_ows(param.substr(eq + 1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"')
      charset = charset.substr(1, charset.size() - 2);
    if (!iequals(charset, "utf-8"))
      return bad(415, ec::kUnsupportedMediaType,
                 "application/json is accepted in the utf-8 charset only");
  }
  return std::nullopt;
}

Validated<NewTask> parse_new_task(std::string_view body, const ValidationLimits& limits) {
  if (body.size() > limits.max_body_bytes)
    return bad(413, ec::kPayloadTooLarge,
               "request body is " + std::to_string(body.size()) + " bytes; at most " +
                   std::to_string(limits.max_body_bytes) + " are accepted");
  if (is_blank(body))
    return bad(400, ec::kInvalidJson, "request body is empty; expected {\"text\": \"...\"}");
  // Checked up front for a clearer message than the parser's "syntax error".
  if (!is_valid_utf8(body)) return bad(400, ec::kInvalidJson, "request body is not valid UTF-8");

  auto parsed = parse_json(body);
  if (auto* error = std::get_if<ValidationError>(&parsed)) return std::move(*error);
  const auto& value = std::get<boost::json::value>(parsed);
  if (!value.is_object())
    return bad(400, ec::kInvalidRequest,
               "request body must be a JSON object, got " + std::string(kind_name(value.kind())));

  const auto* text = value.get_object().if_contains("text");
  if (text == nullptr) return bad(400, ec::kMissingField, "\"text\" is required");
  if (!text->is_string())
    return bad(400, ec::kInvalidType,
               "\"text\" must be a string, got " + std::string(kind_name(text->kind())));
  const std::string_view s = text->get_string();
  if (is_blank(s)) return bad(400, ec::kInvalidValue, "\"text\" must not be empty or blank");
  if (s.size() > limits.max_text_bytes)
    return bad(400, ec::kTextTooLong,
               "\"text\" is " + std::to_string(s.size()) + " bytes of UTF-8; at most " +
                   std::to_string(limits.max_text_bytes) + " are allowed");
  return NewTask{std::string(s)};
}

Validated<ListQuery> parse_list_query(std::optional<std::string_view> limit,
                                      std::optional<std::string_view> offset,
                                      const ValidationLimits& limits) {
  ListQuery query;
  if (limit) {
    auto n = parse_count("limit", *limit);
    if (!n) return n.error();
    if (n.value() > limits.max_list_limit)
      return bad(400, ec::kInvalidQuery,
                 "limit must be at most " + std::to_string(limits.max_list_limit));
    query.limit = n.value();
  }
  if (offset) {
    auto n = parse_count("offset", *offset);
    if (!n) return n.error();
    query.offset = n.value();
  }
  return query;
}

bool is_valid_utf8(std::string_view s) {
  // Unicode 15, Table 3-7 (well-formed UTF-8 byte sequences).
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // no overlongs
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // no overlongs
      if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= n; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += n + 1;
  }
  return true;
}

}  // namespace spanline::taskflow::api
